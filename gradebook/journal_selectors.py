"""The journal grid: students × lessons of one teaching assignment in one term, with the rules' suggestion.

A fixed number of queries whatever the class size: enrolments, lessons, marks, attendance, term marks
(plus the cached policy and terms). Marks are fetched as tuples, not model instances: a full class
has a few thousand of them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from gradebook import calendar
from gradebook.cells import ATTENDANCE_LABELS
from gradebook.models import (
    AssessmentScale,
    Attendance,
    Enrolment,
    Lesson,
    Mark,
    TeachingAssignment,
    TermMark,
)
from gradebook.rules import Suggestion, suggest_term_mark


@dataclass(frozen=True)
class StudentRow:
    id: int
    name: str
    active: bool  # enrolled at the end of the term (or today); false for those who left
    summary: Suggestion | None
    term_mark: str
    term_mark_version: int
    absences: int


@dataclass(frozen=True)
class LessonColumn:
    id: int
    date: str
    topic: str
    homework: str
    work_type_id: int
    work_type: str
    weight: str


@dataclass(frozen=True)
class JournalGrid:
    assignment: TeachingAssignment
    term: calendar.TermInfo
    terms: list[calendar.TermInfo]
    scale: str
    students: list[StudentRow]
    lessons: list[LessonColumn]
    cells: dict = field(default_factory=dict)  # "lesson:student" → {m, c, mv, a, av}


def _members(assignment: TeachingAssignment, term: calendar.TermInfo) -> list[tuple[int, str, bool]]:
    school_class = assignment.class_subject.school_class
    overlapping = Enrolment.objects.filter(school_class=school_class, start_date__lte=term.end_date).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=term.start_date)
    )
    if assignment.subgroup_id:
        overlapping = overlapping.filter(student__subgroups=assignment.subgroup_id)
    rows = overlapping.order_by("student__last_name", "student__first_name", "student_id").values_list(
        "student_id", "student__last_name", "student__first_name", "end_date"
    )
    members, seen = [], set()
    for student_id, last, first, end in rows:
        if student_id in seen:
            continue
        seen.add(student_id)
        members.append((student_id, f"{last} {first}", end is None or end >= term.end_date))
    return members


def journal_grid(*, assignment: TeachingAssignment, term: calendar.TermInfo) -> JournalGrid:
    school_class = assignment.class_subject.school_class
    scale = assignment.class_subject.scale
    policy = calendar.policy()
    members = _members(assignment, term)
    lessons = list(
        Lesson.objects.filter(assignment=assignment, date__gte=term.start_date, date__lte=term.end_date)
        .select_related("work_type")
        .order_by("date", "id")
    )
    weights = {lesson.pk: lesson.work_type.weight for lesson in lessons}
    cells: dict[str, dict] = {}
    marks_by_student: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for lesson_id, student_id, value, passed, comment, version in Mark.objects.filter(
        lesson__in=lessons
    ).values_list("lesson_id", "student_id", "value", "passed", "comment", "version"):
        text = str(value) if value is not None else ("зач" if passed else "незач")
        cells[f"{lesson_id}:{student_id}"] = {"m": text, "c": comment, "mv": version}
        if value is not None:
            marks_by_student[student_id].append((value, weights[lesson_id]))
    absences: dict[int, int] = defaultdict(int)
    for lesson_id, student_id, kind, version in Attendance.objects.filter(lesson__in=lessons).values_list(
        "lesson_id", "student_id", "kind", "version"
    ):
        cell = cells.setdefault(f"{lesson_id}:{student_id}", {})
        cell.update({"a": ATTENDANCE_LABELS[kind], "av": version})
        if kind != Attendance.Kind.LATE:
            absences[student_id] += 1
    term_marks = {
        tm.student_id: tm
        for tm in TermMark.objects.filter(
            class_subject=assignment.class_subject, term_id=term.id, kind=TermMark.Kind.TERM
        )
    }
    students = []
    for student_id, name, active in members:
        summary = None
        if scale == AssessmentScale.FIVE_POINT:
            summary = suggest_term_mark(
                marks_by_student[student_id], thresholds=policy.thresholds, min_marks=policy.min_marks
            )
        tm = term_marks.get(student_id)
        students.append(
            StudentRow(
                student_id,
                name,
                active,
                summary,
                tm.display if tm else "",
                tm.version if tm else 0,
                absences[student_id],
            )
        )
    columns = [
        LessonColumn(
            lesson.pk,
            lesson.date.isoformat(),
            lesson.topic,
            lesson.homework,
            lesson.work_type_id,
            lesson.work_type.short_name,
            f"{lesson.work_type.weight.normalize()}",
        )
        for lesson in lessons
    ]
    terms = calendar.terms_of_grade(year_id=school_class.academic_year_id, grade=school_class.grade)
    return JournalGrid(assignment, term, terms, scale, students, columns, cells)


def student_term_summary(*, assignment_id: int, term: calendar.TermInfo, student_id: int) -> Suggestion:
    """The suggestion for one student after a save: one query."""
    policy = calendar.policy()
    marks = list(
        Mark.objects.filter(
            student_id=student_id,
            lesson__assignment_id=assignment_id,
            lesson__date__gte=term.start_date,
            lesson__date__lte=term.end_date,
            value__isnull=False,
        ).values_list("value", "lesson__work_type__weight")
    )
    return suggest_term_mark(marks, thresholds=policy.thresholds, min_marks=policy.min_marks)
