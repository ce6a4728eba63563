"""Reads for the diagnostic works pages: a class's works, and one work's results grid. A fixed number of
queries whatever the class size; the figures come from gradebook.diagnostic_rules."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from gradebook.diagnostic_rules import (
    READING_LEVEL_LABELS,
    ReadingCounts,
    ReadingLevel,
    Score,
    Task,
    TaskShare,
    reading_counts,
    reading_level,
    score_of,
    task_shares,
)
from gradebook.models import DiagnosticTaskResult, DiagnosticWork, Enrolment, ReadingNorm
from gradebook.reports.figures import share


def members_on(*, school_class_id: int, on: date) -> dict[int, str]:
    """Students enrolled in the class on the day → «Фамилия Имя», in alphabetical order. One query."""
    rows = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            school_class_id=school_class_id,
            start_date__lte=on,
        )
        .order_by("student__last_name", "student__first_name", "student_id")
        .values_list("student_id", "student__last_name", "student__first_name")
    )
    return {student_id: f"{last} {first}" for student_id, last, first in rows}


@dataclass(frozen=True)
class WorkRow:
    work: DiagnosticWork
    tasks: int
    results: int  # students with a result (absent ones included)
    absent: int


def class_diagnostic_works(*, works: QuerySet[DiagnosticWork]) -> list[WorkRow]:
    """The works (already narrowed to a class and to what the user may see), newest first, with counts."""
    rows = (
        works.select_related("class_subject__subject")
        .annotate(
            n_tasks=Count("tasks", distinct=True),
            n_results=Count("results", distinct=True),
            n_absent=Count("results", filter=Q(results__absent=True), distinct=True),
        )
        .order_by("-date", "class_subject__subject__order", "-id")
    )
    return [WorkRow(w, w.n_tasks, w.n_results, w.n_absent) for w in rows]


@dataclass(frozen=True)
class GridRow:
    student_id: int
    name: str
    in_class: bool  # enrolled on the work's date (False: a result kept for someone no longer listed)
    absent: bool
    points: tuple[int | None, ...]  # per task, None where nothing is entered
    score: Score | None  # for a present student with every task entered
    words_per_minute: int | None
    reading_way: str
    comprehension: str
    level: ReadingLevel | None

    @property
    def level_label(self) -> str:
        return str(READING_LEVEL_LABELS[self.level]) if self.level else ""


@dataclass(frozen=True)
class ResultsGrid:
    work: DiagnosticWork
    tasks: tuple[Task, ...]
    rows: tuple[GridRow, ...]
    shares: tuple[TaskShare, ...]  # per task, over those who wrote
    max_total: int
    norm: tuple[int, int] | None  # reading: the norm of the class's grade and the work's period
    reading: ReadingCounts | None

    @property
    def wrote(self) -> int:
        return sum(1 for r in self.rows if r.score is not None)

    @property
    def mean_percent(self) -> Decimal | None:
        scores = [r.score for r in self.rows if r.score is not None]
        if not scores or not self.max_total:
            return None
        return share(sum(s.total for s in scores), self.max_total * len(scores))


def results_grid(*, work: DiagnosticWork) -> ResultsGrid:
    """Students × tasks of one work: the members on its date and anyone else who has a result. Five queries."""
    tasks = tuple(
        Task(t.number, t.max_points, t.pass_points, t.description) for t in work.tasks.order_by("number")
    )
    task_index = {number: i for i, number in enumerate(t.number for t in tasks)}
    members = members_on(school_class_id=work.class_subject.school_class_id, on=work.date)
    results = {r.student_id: r for r in work.results.select_related("student")}
    points: dict[int, list[int | None]] = defaultdict(lambda: [None] * len(tasks))
    for student_id, number, value in DiagnosticTaskResult.objects.filter(result__work=work).values_list(
        "result__student_id", "task__number", "points"
    ):
        points[student_id][task_index[number]] = value
    norm = _norm(work) if work.is_reading else None
    names = dict(members)
    for student_id, result in results.items():
        names.setdefault(student_id, result.student.short_name)
    rows = []
    for student_id, name in names.items():
        result = results.get(student_id)
        rows.append(_grid_row(student_id, name, student_id in members, result, points, tasks, work, norm))
    scores = [r.score for r in rows if r.score is not None]
    return ResultsGrid(
        work=work,
        tasks=tasks,
        rows=tuple(rows),
        shares=task_shares(tasks, scores),
        max_total=sum(t.max_points for t in tasks),
        norm=norm,
        reading=reading_counts([r.level for r in rows if r.words_per_minute is not None])
        if work.is_reading
        else None,
    )


def _grid_row(student_id, name, in_class, result, points, tasks, work, norm) -> GridRow:
    row_points = tuple(points[student_id]) if student_id in points else (None,) * len(tasks)
    absent = bool(result and result.absent)
    score = None
    if result is not None and not absent and tasks and None not in row_points:
        score = score_of(tasks, row_points, work.thresholds)
    wpm = result.words_per_minute if result else None
    return GridRow(
        student_id=student_id,
        name=name,
        in_class=in_class,
        absent=absent,
        points=row_points,
        score=score,
        words_per_minute=wpm,
        reading_way=result.reading_way if result else "",
        comprehension=result.comprehension if result else "",
        level=reading_level(wpm, norm) if wpm is not None else None,
    )


def _norm(work: DiagnosticWork) -> tuple[int, int] | None:
    return (
        ReadingNorm.objects.filter(grade=work.class_subject.school_class.grade, period=work.reading_period)
        .values_list("words_from", "words_to")
        .first()
    )
