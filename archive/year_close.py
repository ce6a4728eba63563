"""Closing an academic year: the checks, the personal-file records, the certificate book, the lock;
then the promotion to the next grade (proposed, confirmed by the deputy).

Callers: archive.views (the deputy's page) and the demo builder. Times are passed in (`now`, `on`) so
tests control the clock.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Student
from archive import sections
from archive.models import CertificateBookEntry, PersonalFileRecord
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    ClassSubject,
    Enrolment,
    SchoolClass,
    Term,
    TermClosure,
    TermMark,
)
from gradebook.services import enrolment_create, enrolment_end, school_class_create
from gradebook.year_lock import year_closed_error

GRADUATION_GRADES = (9, 11)


@dataclass(frozen=True)
class YearCloseCheck:
    open_terms: list[str]  # "5А: quarter 4"
    missing_annual: list[str]  # "5А: 3"

    @property
    def ready(self) -> bool:
        return not (self.open_terms or self.missing_annual)


def _to_the_end(year: AcademicYear) -> Q:
    """Enrolments that lasted to the end of the year's last term (those moved up on 31 May included)."""
    last = (
        Term.objects.filter(academic_year=year)
        .order_by("-end_date")
        .values_list("end_date", flat=True)
        .first()
    )
    return Q(end_date__isnull=True) | Q(end_date__gte=last or year.end_date)


def _members_at_end(year: AcademicYear) -> dict[int, list[int]]:
    """class id → ids of the students enrolled in it at the end of the year's last term."""
    members = defaultdict(list)
    rows = Enrolment.objects.filter(_to_the_end(year), school_class__academic_year=year).values_list(
        "school_class_id", "student_id"
    )
    for class_id, student_id in rows:
        members[class_id].append(student_id)
    return members


def year_close_check(*, year: AcademicYear) -> YearCloseCheck:
    """What stops the year from closing: terms not closed, annual marks not set (a fixed number of queries)."""
    classes = list(SchoolClass.objects.filter(academic_year=year).order_by("grade", "letter"))
    schemes = dict(year.grade_schemes.values_list("grade", "scheme"))
    terms = defaultdict(list)
    for term in Term.objects.filter(academic_year=year):
        terms[term.scheme].append(term)
    closed = set(
        TermClosure.objects.filter(term__academic_year=year).values_list("school_class_id", "term_id")
    )
    open_terms = [
        f"{c.name}: {t.label}"
        for c in classes
        for t in sorted(terms[schemes.get(c.grade)], key=lambda t: t.number)
        if (c.pk, t.pk) not in closed
    ]
    members = _members_at_end(year)
    assessed = defaultdict(list)
    for cs in ClassSubject.objects.filter(school_class__academic_year=year).exclude(
        scale=AssessmentScale.NONE
    ):
        assessed[cs.school_class_id].append(cs.pk)
    have = set(
        TermMark.objects.filter(
            kind=TermMark.Kind.ANNUAL, class_subject__school_class__academic_year=year
        ).values_list("class_subject_id", "student_id")
    )
    missing_annual = []
    for c in classes:
        count = sum(1 for cs in assessed[c.pk] for s in members[c.pk] if (cs, s) not in have)
        if count:
            missing_annual.append(f"{c.name}: {count}")
    return YearCloseCheck(open_terms=open_terms, missing_annual=missing_annual)


@dataclass(frozen=True)
class YearCloseResult:
    records: int
    certificates: int


def _failed(tm: TermMark) -> bool:
    return tm.not_attested or tm.value == 2 or tm.passed is False


@transaction.atomic
def year_close(*, user, year: AcademicYear, now: datetime, issued_on: date) -> YearCloseResult:
    """Fixes the year: writes every student's personal-file record, the certificate book entries of the
    graduates of grades 9 and 11 (all final marks set and none failed), and makes the year read-only.
    Refuses, writing nothing, when the year is closed already or not ready (see `year_close_check`)."""
    year = AcademicYear.objects.select_for_update().get(pk=year.pk)
    if year.closed_at is not None:
        raise year_closed_error(year.name)
    check = year_close_check(year=year)
    if check.open_terms:
        raise DomainError(
            _("Close the terms first: %(terms)s.") % {"terms": ", ".join(check.open_terms)}, code="terms_open"
        )
    if check.missing_annual:
        raise DomainError(
            _("Annual marks are missing (class: how many): %(list)s.")
            % {"list": ", ".join(check.missing_annual)},
            code="annual_marks_missing",
        )
    records = _personal_file_write(year=year, now=now)
    certificates = _certificate_book_write(year=year, issued_on=issued_on)
    year.closed_at, year.closed_by = now, user
    year.save(update_fields=["closed_at", "closed_by"])
    return YearCloseResult(records=records, certificates=certificates)


def _personal_file_write(*, year: AcademicYear, now: datetime) -> int:
    last_class = {}
    enrolments = Enrolment.objects.filter(school_class__academic_year=year).select_related("school_class")
    for e in enrolments.order_by("start_date", "pk"):
        last_class[e.student_id] = e.school_class
    ids = sorted(last_class)
    built = {name: builder(year, ids) for name, builder in sections.SECTIONS.items()}
    PersonalFileRecord.objects.bulk_create(
        PersonalFileRecord(
            student_id=sid,
            academic_year=year,
            class_name=last_class[sid].name,
            grade=last_class[sid].grade,
            sections={name: data[sid] for name, data in built.items() if sid in data},
            created_at=now,
        )
        for sid in ids
    )
    return len(ids)


def _certificate_book_write(*, year: AcademicYear, issued_on: date) -> int:
    members = _members_at_end(year)
    classes = SchoolClass.objects.filter(academic_year=year, grade__in=GRADUATION_GRADES).order_by(
        "grade", "letter"
    )
    finals = defaultdict(list)
    for tm in TermMark.objects.filter(
        kind=TermMark.Kind.FINAL, class_subject__school_class__academic_year=year
    ).select_related("class_subject__subject", "student"):
        finals[tm.student_id].append(tm)
    entries = []
    for c in classes:
        assessed = c.class_subjects.exclude(scale=AssessmentScale.NONE).count()
        graduates = [
            sid
            for sid in members[c.pk]
            if len(finals[sid]) == assessed and assessed and not any(_failed(tm) for tm in finals[sid])
        ]
        for sid in sorted(graduates, key=lambda s: finals[s][0].student.full_name):
            marks = sorted(
                finals[sid], key=lambda tm: (tm.class_subject.subject.order, tm.class_subject.subject.name)
            )
            entries.append(
                CertificateBookEntry(
                    student_id=sid,
                    academic_year=year,
                    grade=c.grade,
                    issued_on=issued_on,
                    full_name=finals[sid][0].student.full_name,
                    final_marks=[
                        {"subject": tm.class_subject.subject.name, "mark": tm.display} for tm in marks
                    ],
                )
            )
    for grade in GRADUATION_GRADES:
        for n, entry in enumerate((e for e in entries if e.grade == grade), start=1):
            entry.number = f"{year.end_date.year}-{grade}-{n:03d}"
    CertificateBookEntry.objects.bulk_create(entries)
    return len(entries)


# Promotion -------------------------------------------------------------------------------------------


class Outcome:
    PROMOTE = "promote"
    DEBT = "debt"  # promoted conditionally, carrying an academic debt (условный перевод)
    REPEAT = "repeat"
    GRADUATE = "graduate"


@dataclass(frozen=True)
class Proposal:
    student_id: int
    name: str
    class_id: int
    class_name: str
    outcome: str
    debts: list[str] = field(default_factory=list)


def promotion_propose(*, year: AcademicYear) -> list[Proposal]:
    """Each student enrolled at the year's end: promoted, promoted with debts (failed or «н/а» annual
    marks), or, in grades 9 and 11, graduating when their certificate entry was written, else repeating."""
    members = _members_at_end(year)
    debts = defaultdict(list)
    for tm in TermMark.objects.filter(
        kind=TermMark.Kind.ANNUAL, class_subject__school_class__academic_year=year
    ).select_related("class_subject__subject"):
        if _failed(tm):
            debts[tm.student_id].append(tm.class_subject.subject.name)
    graduates = set(
        CertificateBookEntry.objects.filter(academic_year=year).values_list("student_id", flat=True)
    )
    names = {}
    for s in Student.objects.filter(pk__in=[sid for ids in members.values() for sid in ids]):
        names[s.pk] = s.full_name
    proposals = []
    for c in SchoolClass.objects.filter(academic_year=year).order_by("grade", "letter"):
        for sid in sorted(members[c.pk], key=lambda s: names[s]):
            if c.grade == 11:
                outcome = Outcome.GRADUATE if sid in graduates else Outcome.REPEAT
            elif c.grade == 9 and sid not in graduates:
                outcome = Outcome.REPEAT  # no certificate: the year is repeated
            else:
                outcome = Outcome.DEBT if debts[sid] else Outcome.PROMOTE
            proposals.append(Proposal(sid, names[sid], c.pk, c.name, outcome, sorted(debts[sid])))
    return proposals


@transaction.atomic
def promotion_confirm(*, user, year: AcademicYear, next_year: AcademicYear, repeaters: set[int]) -> int:
    """Moves the students of a closed year to `next_year`: the next grade's class of the same letter
    (made if missing), the same grade for `repeaters`; graduates leave. Returns how many were enrolled.
    The old enrolments end on the year's last day with the reason «end of year» or «graduated»."""
    year = AcademicYear.objects.select_for_update().get(pk=year.pk)
    if year.closed_at is None:
        raise DomainError(_("Close the year before the promotion."), code="year_not_closed")
    if next_year.start_date <= year.end_date:
        raise DomainError(_("The next year must start after this one ends."), code="next_year_order")
    if Enrolment.objects.filter(school_class__academic_year=next_year).exists():
        raise DomainError(_("The next year already has students: the promotion was done."), code="promoted")
    proposals = promotion_propose(year=year)
    classes = {c.pk: c for c in SchoolClass.objects.filter(academic_year=year)}
    targets = {(c.grade, c.letter): c for c in SchoolClass.objects.filter(academic_year=next_year)}
    enrolled = 0
    for p in proposals:
        old = classes[p.class_id]
        current = (
            Enrolment.objects.filter(_to_the_end(year), student_id=p.student_id, school_class=old)
            .order_by("-start_date")
            .first()
        )
        leaving = p.outcome == Outcome.GRADUATE and p.student_id not in repeaters
        if current.end_date is None:
            reason = Enrolment.LeaveReason.GRADUATION if leaving else Enrolment.LeaveReason.PROMOTION
            enrolment_end(enrolment=current, end_date=year.end_date, reason=reason)
        if leaving:
            continue
        grade = old.grade if (p.student_id in repeaters or p.outcome == Outcome.REPEAT) else old.grade + 1
        key = (grade, old.letter)
        if key not in targets:
            targets[key] = school_class_create(academic_year=next_year, grade=grade, letter=old.letter)
        enrolment_create(student=current.student, school_class=targets[key], start_date=next_year.start_date)
        enrolled += 1
    return enrolled
