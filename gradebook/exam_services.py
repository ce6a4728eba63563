"""State final attestation (ГИА) results: ОГЭ after grade 9, ЕГЭ after grade 11, ГВЭ after either.

Callers check *who* may write (the deputy, the director and the administrator through the pages; the
administrator through the import); these services check *what* may be written, all before the first
write. No history table covers these rows (the journal's history is per subject of a class):
`created_by` names who entered the values the row now holds.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Student
from gradebook.exam_selectors import exam_period
from gradebook.models import AcademicYear, Enrolment, StateExamResult, Subject
from gradebook.year_lock import check_year_open

Kind = StateExamResult.Kind
MAX_PRIMARY_SCORE = 100  # above the maximum of every ОГЭ and ЕГЭ subject: catches typos, not rules
MAX_TEST_SCORE = 100
MARKS = range(2, 6)
EXAM_GRADES = {Kind.OGE: (9,), Kind.EGE: (11,), Kind.GVE: (9, 11)}
MARKED_KINDS = (Kind.OGE, Kind.GVE)  # marked 2–5, no test score; ЕГЭ has a test score, a mark at most
WRONG_GRADE = {
    Kind.OGE: _("ОГЭ is taken in grade 9, and %(name)s was not in grade 9 in %(year)s."),
    Kind.EGE: _("ЕГЭ is taken in grade 11, and %(name)s was not in grade 11 in %(year)s."),
    Kind.GVE: _("ГВЭ is taken in grade 9 or 11, and %(name)s was in neither in %(year)s."),
}


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def exam_year(on: date) -> AcademicYear | None:
    """The academic year whose exam period holds this date (see `exam_period`)."""
    for year in AcademicYear.objects.filter(start_date__lte=on).order_by("-start_date")[:2]:
        start, end = exam_period(year)
        if start <= on <= end:
            return year
    return None


def _check_scores(*, kind: str, primary_score, test_score, mark) -> None:
    if not _whole(primary_score) or not 0 <= primary_score <= MAX_PRIMARY_SCORE:
        raise DomainError(
            _("The primary score must be a whole number from 0 to %(max)s.") % {"max": MAX_PRIMARY_SCORE},
            code="invalid_primary_score",
        )
    label = Kind(kind).label
    if kind in MARKED_KINDS:
        if test_score is not None:
            raise DomainError(
                _("%(exam)s has no test score: leave it empty.") % {"exam": label},
                code="test_score_not_allowed",
            )
        if mark is None:
            raise DomainError(_("%(exam)s needs a mark from 2 to 5.") % {"exam": label}, code="mark_required")
    elif test_score is None:
        raise DomainError(_("ЕГЭ needs a test score from 0 to 100."), code="test_score_required")
    if test_score is not None and (not _whole(test_score) or not 0 <= test_score <= MAX_TEST_SCORE):
        raise DomainError(
            _("The test score must be a whole number from 0 to %(max)s.") % {"max": MAX_TEST_SCORE},
            code="invalid_test_score",
        )
    if mark is not None and (not _whole(mark) or mark not in MARKS):
        raise DomainError(_("The mark must be from 2 to 5."), code="invalid_mark")


def _check_student(*, student: Student, kind: str, exam_date: date) -> None:
    year = exam_year(exam_date)
    if year is None:
        raise DomainError(
            _("The exam date %(date)s falls in no academic year of the school.")
            % {"date": exam_date.strftime("%d.%m.%Y")},
            code="date_outside_year",
        )
    check_year_open(year_id=year.pk)
    in_grade = Enrolment.objects.filter(
        student=student, school_class__academic_year=year, school_class__grade__in=EXAM_GRADES[kind]
    )
    if not in_grade.exists():
        raise DomainError(
            WRONG_GRADE[kind] % {"name": student.full_name, "year": year.name}, code="wrong_grade"
        )


@transaction.atomic
def state_exam_result_set(
    *,
    user,
    student: Student,
    subject: Subject,
    kind: str,
    exam_date: date,
    primary_score: int,
    test_score: int | None = None,
    mark: int | None = None,
) -> StateExamResult:
    """Records the result of one exam, or updates the one already recorded for the same student,
    subject, exam and date. Setting the values it already holds writes nothing."""
    if kind not in Kind.values:
        raise DomainError(_("Unknown exam: choose ОГЭ, ЕГЭ or ГВЭ."), code="unknown_exam")
    _check_scores(kind=kind, primary_score=primary_score, test_score=test_score, mark=mark)
    _check_student(student=student, kind=kind, exam_date=exam_date)
    scores = {"primary_score": primary_score, "test_score": test_score, "mark": mark}
    result = (
        StateExamResult.objects.select_for_update()
        .filter(student=student, subject=subject, kind=kind, exam_date=exam_date)
        .first()
    )
    if result is None:
        return StateExamResult.objects.create(
            student=student, subject=subject, kind=kind, exam_date=exam_date, created_by=user, **scores
        )
    if all(getattr(result, field) == value for field, value in scores.items()):
        return result
    for field, value in scores.items():
        setattr(result, field, value)
    result.created_by = user
    result.save(update_fields=[*scores, "created_by"])
    return result


@transaction.atomic
def state_exam_result_delete(*, user, result: StateExamResult) -> None:
    """Deletes a result entered by mistake. `user` is who deletes: the caller logs it (no history table
    covers these rows yet)."""
    year = exam_year(result.exam_date)
    if year is not None:
        check_year_open(year_id=year.pk)
    StateExamResult.objects.filter(pk=result.pk).delete()
