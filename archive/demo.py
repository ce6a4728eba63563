"""The archive part of the demo school (`manage.py demo_school --previous-year --archive`), written after
the previous year (gradebook/demo/previous_year.py):

- the previous year gets a graduating class 11А (six students who left on 31 May with their
  certificates), final marks for its grade-9 classes (the annual ones), grade 1's annual results
  («basic level achieved») and its terms closed;
- the year is closed (30 June, 12:00 UTC): personal-file records for every student, the certificate
  book for the graduates of 9 and 11;
- the school's archive package of that year is built;
- three students who left the school about three years ago: one whose personal file expired ten days
  ago, one due in a month, one due in two months and under a legal hold. Their old years are closed too.

Deterministic for a seed, except that the leavers' dates follow today (so that they are always near).
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Student
from archive.packages import archive_package_request, archive_package_run
from archive.retention import add_years, legal_hold_place
from archive.year_close import year_close
from gradebook.demo.curriculum import SUBJECTS, curriculum
from gradebook.demo.names import FEMALE_NAMES, MALE_NAMES, SURNAMES, feminine_surname, patronymic
from gradebook.journal_services import term_close
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    Enrolment,
    GradeTermScheme,
    SchoolClass,
    Subject,
    Term,
    TermClosure,
    TermMark,
)
from gradebook.services import academic_year_create, class_subject_set, enrolment_create, school_class_create

User = get_user_model()


@dataclass(frozen=True)
class ArchiveDemoSummary:
    year: str
    records: int
    certificates: int
    package_files: int
    leavers: int


def _student(rng: random.Random) -> Student:
    gender = rng.choice("mf")
    father = rng.choice(MALE_NAMES)
    surname = rng.choice(SURNAMES)
    return Student.objects.create(
        last_name=surname if gender == "m" else feminine_surname(surname),
        first_name=rng.choice(MALE_NAMES if gender == "m" else FEMALE_NAMES),
        middle_name=patronymic(father, gender),
        birth_date=date(2000, 1, 1) + timedelta(days=rng.randrange(3650)),
        gender=gender,
    )


def _close_terms(year: AcademicYear, deputy) -> None:
    schemes = dict(GradeTermScheme.objects.filter(academic_year=year).values_list("grade", "scheme"))
    classes = list(SchoolClass.objects.filter(academic_year=year))
    for term in Term.objects.filter(academic_year=year):
        mine = [c for c in classes if schemes.get(c.grade) == term.scheme]
        closed = set(TermClosure.objects.filter(term=term).values_list("school_class_id", flat=True))
        if any(c.pk not in closed for c in mine):
            term_close(user=deputy, term=term, classes=mine)


def _graduates(year: AcademicYear, deputy, rng: random.Random) -> None:
    """Class 11А of the year: six students with annual and final marks, who left on 31 May."""
    school_class = school_class_create(academic_year=year, grade=11, letter="А")
    subjects = {s.name: s for s in Subject.objects.all()}
    lines = []
    for key, hours in curriculum(11):
        subject = subjects.get(SUBJECTS[key][0])
        if subject is not None:
            line = class_subject_set(school_class=school_class, subject=subject, hours_per_week=hours)
            if line.scale != AssessmentScale.NONE:
                lines.append(line)
    last_day = date(year.end_date.year, 5, 31)
    marks = []
    for _n in range(6):
        student = _student(rng)
        Enrolment.objects.create(
            student=student,
            school_class=school_class,
            start_date=year.start_date,
            end_date=last_day,
            leave_reason=Enrolment.LeaveReason.GRADUATION,
        )
        for line in lines:
            value = rng.choice((3, 4, 4, 5, 5, 5)) if line.scale == AssessmentScale.FIVE_POINT else None
            passed = None if value else True
            for kind in (TermMark.Kind.ANNUAL, TermMark.Kind.FINAL):
                marks.append(
                    TermMark(
                        class_subject=line,
                        student=student,
                        kind=kind,
                        value=value,
                        passed=passed,
                        updated_by=deputy,
                    )
                )
    TermMark.objects.bulk_create(marks)


def _finals_of_grade_9(year: AcademicYear, deputy) -> None:
    """Grade 9 leaves with its certificates: the final mark of each subject is the annual one."""
    annual = TermMark.objects.filter(
        kind=TermMark.Kind.ANNUAL,
        class_subject__school_class__academic_year=year,
        class_subject__school_class__grade=9,
    )
    TermMark.objects.bulk_create(
        TermMark(
            class_subject_id=tm.class_subject_id,
            student_id=tm.student_id,
            kind=TermMark.Kind.FINAL,
            value=tm.value,
            passed=tm.passed,
            not_attested=tm.not_attested,
            updated_by=deputy,
        )
        for tm in annual
    )


def _first_grade_results(year: AcademicYear, deputy) -> None:
    """Grade 1 has no marks: each line's annual result is «basic level achieved»."""
    from gradebook.models import ClassSubject

    lines = ClassSubject.objects.filter(school_class__academic_year=year, school_class__grade=1).exclude(
        scale=AssessmentScale.NONE
    )
    members = Enrolment.objects.filter(school_class__academic_year=year, school_class__grade=1)
    by_class = {}
    for e in members:
        by_class.setdefault(e.school_class_id, []).append(e.student_id)
    TermMark.objects.bulk_create(
        TermMark(
            class_subject=line, student_id=sid, kind=TermMark.Kind.ANNUAL, passed=True, updated_by=deputy
        )
        for line in lines
        for sid in by_class.get(line.school_class_id, [])
    )


def _leavers(deputy, rng: random.Random, today: date) -> int:
    """Three students who left three years ago; their personal files are due −10, +30 and +60 days."""
    for offset, held in ((-10, False), (30, False), (60, True)):
        left_on = add_years(today + timedelta(days=offset), -3)
        start = left_on.year if left_on.month >= 9 else left_on.year - 1
        year = AcademicYear.objects.filter(start_date=date(start, 9, 1)).first() or academic_year_create(
            start_year=start
        )
        school_class = SchoolClass.objects.filter(
            academic_year=year, grade=7, letter="Б"
        ).first() or school_class_create(academic_year=year, grade=7, letter="Б")
        student = _student(rng)
        enrolment = enrolment_create(student=student, school_class=school_class, start_date=year.start_date)
        enrolment.end_date, enrolment.leave_reason = left_on, Enrolment.LeaveReason.TRANSFER_SCHOOL
        enrolment.save(update_fields=["end_date", "leave_reason"])
        if held:
            legal_hold_place(user=deputy, student=student, reason="Запрос органа опеки", now=timezone.now())
    for year in AcademicYear.objects.filter(
        closed_at__isnull=True, is_current=False, classes__grade=7
    ).distinct():
        if not SchoolClass.objects.filter(academic_year=year).exclude(grade=7, letter="Б").exists():
            _close_terms(year, deputy)
            closed_at = datetime(year.end_date.year, 6, 30, 12, tzinfo=UTC)
            year_close(user=deputy, year=year, now=closed_at, issued_on=date(year.end_date.year, 6, 28))
    return 3


@transaction.atomic
def build_demo_archive(*, seed: int, today: date | None = None) -> ArchiveDemoSummary | None:
    """Closes the demo's previous year and builds its package; None when there is no previous year."""
    today = today or timezone.localdate()
    current = AcademicYear.objects.filter(is_current=True).first()
    deputy = User.objects.filter(staff_roles__role=Role.DEPUTY).order_by("pk").first()
    if current is None or deputy is None:
        return None
    year = AcademicYear.objects.filter(start_date=date(current.start_date.year - 1, 9, 1)).first()
    if year is None or year.closed_at is not None:
        return None
    rng = random.Random(f"archive:{seed}")
    _graduates(year, deputy, rng)
    _finals_of_grade_9(year, deputy)
    _first_grade_results(year, deputy)
    _close_terms(year, deputy)
    closed_at = datetime(year.end_date.year, 6, 30, 12, tzinfo=UTC)
    result = year_close(user=deputy, year=year, now=closed_at, issued_on=date(year.end_date.year, 6, 28))
    year.refresh_from_db()
    package = archive_package_request(user=deputy, year=year, now=closed_at, enqueue=False)
    package = archive_package_run(package_id=package.pk, now=closed_at)
    leavers = _leavers(deputy, rng, today)
    return ArchiveDemoSummary(year.name, result.records, result.certificates, package.files.count(), leavers)
