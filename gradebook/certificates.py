"""Справки об успеваемости: the snapshot of what is printed, issuing (number, code, PDF, hash), who may
see an issued one, and the public check of a code.

Access: staff who see the student (gradebook.access) and the student's guardians see the student's
certificates; anyone else gets the same 404 as for a missing one. Anyone at all may check a code, and
learns only the number, the date, the school and the document's SHA-256.
"""

import hashlib
import re
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import children_of
from accounts.errors import DomainError
from accounts.models import Role, Student, User
from accounts.roles import is_school_wide
from gradebook import calendar
from gradebook.access import classes_visible_to
from gradebook.certificate_pdf import certificate_pdf
from gradebook.family_selectors import student_marks
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    ClassSubject,
    Enrolment,
    IntermediateAttestation,
    ProgressCertificate,
    School,
    TermMark,
)
from gradebook.rules import weighted_mean

# 32 symbols without 0/O, 1/I: 12 of them carry 60 random bits, far past any guessing at 30 tries in 5 min.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_NOT_CODE = re.compile(r"[\s\-–—_.]")


# The snapshot -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectProgress:
    name: str
    scale: str
    term_marks: list[str]  # aligned with CertificateSnapshot.terms; "" where none is set
    current_marks: list[str]  # the current term's marks up to the date of issue, oldest first
    weighted_mean: str  # «3,75», "" without five-point marks
    annual: str
    final: str
    attestation: str  # «4 (контрольная работа, 20.05.2026)», "" when none


@dataclass(frozen=True)
class CertificateSnapshot:
    """Everything the certificate prints about the school and the student (dates as ISO strings)."""

    school: dict
    director: dict
    student: dict
    school_class: str
    academic_year: str
    terms: list[str]
    current_term: str
    has_final: bool
    subjects: list[SubjectProgress]


def _refuse(message: str, code: str):
    raise DomainError(message, code=code)


def _class_enrolment(*, student: Student, year: AcademicYear, on: date) -> Enrolment:
    """The enrolment of the year in force on the day, else the latest one begun by then (one who left)."""
    enrolments = list(
        Enrolment.objects.filter(student=student, school_class__academic_year=year, start_date__lte=on)
        .select_related("school_class")
        .order_by("start_date", "pk")
    )
    current = [e for e in enrolments if e.end_date is None or e.end_date >= on]
    if not (current or enrolments):
        _refuse(_("The student has not studied at the school this academic year."), "not_enrolled_this_year")
    return (current or enrolments)[-1]


def _director() -> User:
    director = User.objects.filter(staff_roles__role=Role.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None:
        _refuse(
            _(
                "Nobody holds the director's role: the certificate has no one to sign it. Give the role first."
            ),
            "no_director",
        )
    return director


def _result_text(row) -> str:
    """A term mark or attestation result as printed: «4», «зач», «незач», «н/а»."""
    if row.not_attested:
        return _("n/a")
    if row.value is not None:
        return str(row.value)
    return "зач" if row.passed else "незач"


def _mean_text(mean: Decimal | None) -> str:
    return "" if mean is None else f"{mean.quantize(Decimal('0.01'))}".replace(".", ",")


def _term_on(terms: list[calendar.TermInfo], on: date) -> calendar.TermInfo | None:
    """The term containing the day; in a holiday the one just ended; before the first, none."""
    started = [t for t in terms if t.start_date <= on]
    return started[-1] if started else None


def _current_marks(*, student: Student, term, on: date) -> dict[str, tuple[list[str], str]]:
    """Subject name → (the term's marks up to the day, weighted mean of the five-point ones)."""
    if term is None:
        return {}
    page = student_marks(student=student, term_or_none=term.id)
    result = {}
    for row in page.subjects:
        entries = [m for m in row.marks if m.date <= on]
        weighted = [(m.value, m.weight) for m in entries if m.value is not None]
        mean = weighted_mean(weighted) if row.scale == AssessmentScale.FIVE_POINT else None
        result[row.subject] = ([m.mark for m in entries], _mean_text(mean))
    return result


def _year_results(*, student: Student, year: AcademicYear) -> tuple[dict, dict]:
    """(subject_id, term_id or kind) → result, and subject_id → attestation text, over the year's classes
    (a student moved between classes keeps what the first class gave them)."""
    marks = {}
    for tm in TermMark.objects.filter(
        student=student, class_subject__school_class__academic_year=year
    ).select_related("class_subject"):
        marks[(tm.class_subject.subject_id, tm.term_id or tm.kind)] = _result_text(tm)
    attestations = {}
    for a in IntermediateAttestation.objects.filter(
        student=student, class_subject__school_class__academic_year=year
    ).select_related("class_subject"):
        attestations[a.class_subject.subject_id] = (
            f"{_result_text(a)} ({a.get_form_display()}, {a.date:%d.%m.%Y})"
        )
    return marks, attestations


def progress_certificate_snapshot(*, student: Student, on: date) -> CertificateSnapshot:
    """What a certificate issued on `on` prints. Raises DomainError when one cannot be issued: no school
    details, no current year, the student not enrolled this year, nobody holding the director's role.

    The class is the one of the current year the student is in on that day, or for one who has left, the
    last one; then the current term and its marks are those of their last day. Call inside
    translation.override of the document's language. A fixed number of queries."""
    school = School.objects.filter(pk=1).first()
    if school is None:
        _refuse(_("The school's details are not filled in."), "no_school")
    year = AcademicYear.objects.filter(is_current=True).first()
    if year is None:
        _refuse(_("There is no current academic year."), "no_current_year")
    enrolment = _class_enrolment(student=student, year=year, on=on)
    school_class = enrolment.school_class
    director = _director()
    # One who has left is printed as of their last day: the term and marks of then.
    as_of = min(on, enrolment.end_date) if enrolment.end_date else on
    terms = calendar.terms_of_grade(year_id=year.pk, grade=school_class.grade)
    current_term = _term_on(terms, as_of)
    current = _current_marks(student=student, term=current_term, on=as_of)
    marks, attestations = _year_results(student=student, year=year)
    subjects = [
        SubjectProgress(
            cs.subject.name,
            cs.scale,
            [marks.get((cs.subject_id, t.id), "") for t in terms],
            *current.get(cs.subject.name, ([], "")),
            marks.get((cs.subject_id, TermMark.Kind.ANNUAL), ""),
            marks.get((cs.subject_id, TermMark.Kind.FINAL), ""),
            attestations.get(cs.subject_id, ""),
        )
        for cs in ClassSubject.objects.filter(school_class=school_class)
        .exclude(scale=AssessmentScale.NONE)
        .select_related("subject")
    ]
    return CertificateSnapshot(
        school={f: getattr(school, f) for f in ("name", "short_name", "address", "phone", "email", "inn")},
        director={"full_name": director.full_name, "short_name": director.short_name},
        student={"full_name": student.full_name, "birth_date": student.birth_date.isoformat()},
        school_class=school_class.name,
        academic_year=year.name,
        terms=[t.label for t in terms],
        current_term=current_term.label if current_term else "",
        has_final=any(s.final for s in subjects),
        subjects=subjects,
    )


# Issuing ----------------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """«<seq>/<year>», one more than the year's highest. Call with the numbering lock held."""
    taken = ProgressCertificate.objects.filter(number__endswith=f"/{year}").values_list("number", flat=True)
    last = max((int(n.split("/")[0]) for n in taken if n.split("/")[0].isdigit()), default=0)
    return f"{last + 1}/{year}"


def _new_code() -> str:
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not ProgressCertificate.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("five random verification codes in a row were taken")  # pragma: no cover


def verification_url(code: str) -> str:
    """The absolute address of the public check of a code (the QR code points here)."""
    return settings.SITE_URL.rstrip("/") + reverse("certificate_verify", args=[code])


def progress_certificate_issue(
    *, user, student: Student, issued_on: date | None = None
) -> ProgressCertificate:
    """Issues a certificate: snapshot, the next number of the year of issue, a random code, the PDF with its
    QR code, stored with its SHA-256. The caller checks that `user` may issue (deputy or director).

    Runs in its own durable transaction that holds a lock on the school row while numbering (PostgreSQL;
    SQLite's immediate transactions serialize writers anyway). The PDF is written before the row; if the
    transaction does not commit, the file is deleted again.
    """
    issued_on = issued_on or timezone.localdate()
    written: list[str] = []
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic(durable=True):
            snapshot = progress_certificate_snapshot(student=student, on=issued_on)
            School.objects.select_for_update().get(pk=1)  # the numbering lock
            number, code = _next_number(issued_on.year), _new_code()
            content = {
                **asdict(snapshot),
                "number": number,
                "issued_on": issued_on.isoformat(),
                "verification_code": code,
                "verify_url": verification_url(code),
                "verify_page": settings.SITE_URL.rstrip("/") + reverse("certificate_verify_lookup"),
            }
            pdf = certificate_pdf(content)
            name = default_storage.save(
                f"certificates/{issued_on.year}/{uuid.uuid4().hex}.pdf", ContentFile(pdf)
            )
            written.append(name)
            return ProgressCertificate.objects.create(
                student=student,
                number=number,
                issued_on=issued_on,
                issued_by=user,
                verification_code=code,
                content=content,
                sha256=hashlib.sha256(pdf).hexdigest(),
                pdf=name,
            )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


# Who sees them ----------------------------------------------------------------------------------------


def certificates_visible_to(*, user) -> QuerySet[ProgressCertificate]:
    """Certificates of the students a member of staff works with, and of one's own children.

    The student themself is not listed: the certificate is a document handed to the family."""
    if not user.is_authenticated:
        return ProgressCertificate.objects.none()
    if is_school_wide(user):
        return ProgressCertificate.objects.all()
    return ProgressCertificate.objects.filter(
        Q(student__in=children_of(user=user).values("pk"))
        | Q(student__enrolments__school_class__in=classes_visible_to(user=user).values("pk"))
    ).distinct()


def access_progress_certificate(*, user, id, action: str = "view") -> ProgressCertificate:
    """The certificate, or Http404 for a missing one and for one the user may not reach alike."""
    if action not in {"view", "download"}:
        raise ValueError(f"unknown action {action!r}")
    try:
        return certificates_visible_to(user=user).select_related("student", "issued_by").get(pk=id)
    except (ProgressCertificate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def student_certificates(*, user, student: Student) -> list[ProgressCertificate]:
    """The student's certificates the user may open, newest first (one query)."""
    return list(certificates_visible_to(user=user).filter(student=student).select_related("issued_by"))


# The public check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCertificate:
    """All the public check tells: nothing about the student."""

    number: str
    issued_on: date
    school: str
    sha256: str


def normalize_code(raw: str) -> str | None:
    """The code as stored (upper case, no separators), or None when it cannot be one."""
    code = _NOT_CODE.sub("", raw or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def certificate_by_code(*, code: str) -> VerifiedCertificate | None:
    """The public facts of the certificate with this code, or None for an unknown or malformed code."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    row = (
        ProgressCertificate.objects.filter(verification_code=normalized)
        .values_list("number", "issued_on", KT("content__school__short_name"), "sha256")
        .first()
    )
    return VerifiedCertificate(*row) if row else None


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
