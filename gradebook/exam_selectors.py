"""Reads of state exam results (ГИА) for the exams pages and the student's record, in a fixed number of
queries whatever the number of students."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from accounts.models import Student
from gradebook.models import AcademicYear, Enrolment, SchoolClass, StateExamResult, Subject

EXAM_CLASS_GRADES = (9, 11)
MARKS_SHOWN = (5, 4, 3, 2)


def exam_period(year: AcademicYear) -> tuple[date, date]:
    """Dates whose exams belong to the year: from its start to its end, and at least until 31 August of
    its last calendar year (the main and the additional periods of ГИА)."""
    return year.start_date, max(year.end_date, date(year.end_date.year, 8, 31))


def _mean(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ExamRow:
    result: StateExamResult
    school_class: SchoolClass | None  # the student's grade-9 or grade-11 class of the year


@dataclass(frozen=True)
class SubjectSummary:
    kind: str
    kind_label: str
    subject: Subject
    count: int
    mean_primary: Decimal | None
    mean_test: Decimal | None
    mean_mark: Decimal | None
    marks: tuple[tuple[int, int], ...]  # (mark, how many), from 5 down to 2


@dataclass(frozen=True)
class ExamReport:
    year: AcademicYear
    rows: list[ExamRow]
    summaries: list[SubjectSummary]


def _summary(kind: str, subject: Subject, results: list[StateExamResult]) -> SubjectSummary:
    marks = [r.mark for r in results if r.mark is not None]
    return SubjectSummary(
        kind=kind,
        kind_label=StateExamResult.Kind(kind).label,
        subject=subject,
        count=len(results),
        mean_primary=_mean([r.primary_score for r in results]),
        mean_test=_mean([r.test_score for r in results if r.test_score is not None]),
        mean_mark=_mean(marks),
        marks=tuple((m, marks.count(m)) for m in MARKS_SHOWN),
    )


def exam_classes(*, year: AcademicYear) -> QuerySet[SchoolClass]:
    """The year's classes that sit state exams: grades 9 and 11."""
    return SchoolClass.objects.filter(academic_year=year, grade__in=EXAM_CLASS_GRADES).order_by(
        "grade", "letter"
    )


def exam_report(
    *,
    year: AcademicYear,
    kind: str | None = None,
    subject: Subject | None = None,
    school_class: SchoolClass | None = None,
) -> ExamReport:
    """Results of the year's exams, optionally of one exam, subject or class, with a summary per exam
    and subject (means to two decimals, rounded half up). Two queries."""
    start, end = exam_period(year)
    results = StateExamResult.objects.filter(exam_date__range=(start, end)).select_related(
        "student", "subject"
    )
    if kind:
        results = results.filter(kind=kind)
    if subject is not None:
        results = results.filter(subject=subject)
    if school_class is not None:
        results = results.filter(student__enrolments__school_class=school_class).distinct()
    results = list(results)
    enrolments = (
        Enrolment.objects.filter(
            student__in={r.student_id for r in results},
            school_class__academic_year=year,
            school_class__grade__in=EXAM_CLASS_GRADES,
        )
        .select_related("school_class")
        .order_by("start_date", "pk")
    )
    class_of = {e.student_id: e.school_class for e in enrolments}  # the latest enrolment wins
    order = {k: i for i, k in enumerate(StateExamResult.Kind.values)}

    def sort_key(r):
        c = class_of.get(r.student_id)
        return (
            order[r.kind],
            r.subject.order,
            r.subject.name,
            c.grade if c else 0,
            c.letter if c else "",
            r.student.last_name,
            r.student.first_name,
            r.exam_date,
        )

    results.sort(key=sort_key)
    groups = defaultdict(list)
    for r in results:
        groups[r.kind, r.subject].append(r)
    return ExamReport(
        year=year,
        rows=[ExamRow(r, class_of.get(r.student_id)) for r in results],
        summaries=[_summary(k, s, rs) for (k, s), rs in groups.items()],
    )


@dataclass(frozen=True)
class Candidate:
    student: Student
    school_class: SchoolClass


def exam_candidates(*, year: AcademicYear) -> list[Candidate]:
    """Students of the year's grade-9 and grade-11 classes, by class and name: who may get a result."""
    enrolments = (
        Enrolment.objects.filter(school_class__in=exam_classes(year=year))
        .select_related("student", "school_class")
        .order_by("start_date", "pk")
    )
    latest = {e.student_id: e for e in enrolments}
    candidates = [Candidate(e.student, e.school_class) for e in latest.values()]
    candidates.sort(
        key=lambda c: (c.school_class.grade, c.school_class.letter, c.student.last_name, c.student.first_name)
    )
    return candidates


def student_state_exams(*, student: Student) -> list[StateExamResult]:
    """Every state exam result of one student, oldest first. One query."""
    return list(
        StateExamResult.objects.filter(student=student)
        .select_related("subject")
        .order_by("exam_date", "subject__order", "subject__name")
    )
