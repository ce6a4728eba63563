"""Writes of diagnostic works: create, change and delete a work with its tasks; record a class's results in
one submit; the default reading norms.

Who may write: a teacher of the subject in that class (any of its subgroups) or the deputy director; the
views reach the work through gradebook.access first (404 for anyone else), and the services check again
so that no other caller can write past them. Every check runs before the first write: a refusal is a
DomainError with a message for people and nothing is written. No history table covers these rows (the
journal's history is about marks and attendance): each row names who changed it last.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Role, Student
from accounts.roles import user_roles
from gradebook.diagnostic_rules import DEFAULT_READING_NORMS, READING_GRADES, mark_for
from gradebook.diagnostic_selectors import members_on
from gradebook.models import (
    AssessmentScale,
    ClassSubject,
    DiagnosticResult,
    DiagnosticTask,
    DiagnosticTaskResult,
    DiagnosticWork,
    ReadingNorm,
    ReadingPeriod,
    TeachingAssignment,
)
from gradebook.models.diagnostics import MAX_WORDS_PER_MINUTE
from gradebook.year_lock import check_loaded_year_open, check_year_open

Kind = DiagnosticWork.Kind
MAX_TASKS = 50
MAX_TASK_POINTS = 100
TITLE_LENGTH = 200
DESCRIPTION_LENGTH = 300


@dataclass(frozen=True)
class TaskSpec:
    """A task as the form gives it; numbers follow the order of the list (1, 2, 3…)."""

    max_points: int
    pass_points: int
    description: str = ""


@dataclass(frozen=True)
class ResultRow:
    """One student's line of the results form. `points` are per task in number order (None: left empty).
    A line with nothing in it removes the student's result, if there was one."""

    student_id: int
    absent: bool = False
    points: tuple[int | None, ...] = ()
    words_per_minute: int | None = None
    reading_way: str = ""
    comprehension: str = ""

    @property
    def empty(self) -> bool:
        return (
            not self.absent
            and all(p is None for p in self.points)
            and self.words_per_minute is None
            and not self.reading_way
            and not self.comprehension
        )


@dataclass(frozen=True)
class RecordSummary:
    created: int
    updated: int
    deleted: int


def _refuse(message, code: str, **params):
    raise DomainError(message % params if params else message, code=code)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _day(on: date) -> str:
    return on.strftime("%d.%m.%Y")


def check_diagnostic_writer(*, user, class_subject: ClassSubject) -> None:
    """Refuses anyone but the deputy and a teacher of the subject in that class."""
    roles = user_roles(user)  # one query at most: the request's user already carries them
    if Role.DEPUTY in roles:
        return
    if (
        Role.TEACHER in roles
        and TeachingAssignment.objects.filter(teacher=user, class_subject=class_subject).exists()
    ):
        return
    _refuse(
        _(
            "Only a teacher of this subject in the class or the deputy director may change its diagnostic works."
        ),
        "not_allowed",
    )


def _check_date(*, class_subject: ClassSubject, on: date) -> None:
    year = class_subject.school_class.academic_year
    check_year_open(year_id=year.pk)
    if not year.start_date <= on <= year.end_date:
        _refuse(
            _("The date %(date)s is outside the academic year %(year)s."),
            "date_outside_year",
            date=_day(on),
            year=year.name,
        )


def _check_tasks(tasks: list[TaskSpec]) -> None:
    if not tasks:
        _refuse(_("A work needs at least one task."), "no_tasks")
    if len(tasks) > MAX_TASKS:
        _refuse(_("A work has at most %(max)s tasks."), "too_many_tasks", max=MAX_TASKS)
    for number, task in enumerate(tasks, start=1):
        if not _whole(task.max_points) or not 1 <= task.max_points <= MAX_TASK_POINTS:
            _refuse(
                _("Task %(n)s: the maximum must be a whole number of points from 1 to %(max)s."),
                "invalid_max_points",
                n=number,
                max=MAX_TASK_POINTS,
            )
        if not _whole(task.pass_points) or not 1 <= task.pass_points <= task.max_points:
            _refuse(
                _("Task %(n)s: «passed from» must be from 1 to the task's maximum, %(max)s."),
                "invalid_pass_points",
                n=number,
                max=task.max_points,
            )
        if len(task.description) > DESCRIPTION_LENGTH:
            _refuse(
                _("Task %(n)s: the description is longer than %(max)s characters."),
                "description_too_long",
                n=number,
                max=DESCRIPTION_LENGTH,
            )


def _check_thresholds(*, class_subject: ClassSubject, thresholds) -> None:
    if thresholds is None:
        return
    if class_subject.school_class.grade == 1:
        _refuse(_("Grade 1 is taught without marks: leave the mark scale empty."), "grade_1_no_marks")
    if class_subject.scale != AssessmentScale.FIVE_POINT:
        _refuse(
            _("%(subject)s is not marked on the five-point scale in this class: leave the mark scale empty."),
            "subject_not_marked",
            subject=class_subject.subject.name,
        )
    if (
        len(thresholds) != 3
        or not all(_whole(t) for t in thresholds)
        or not 0 < thresholds[0] < thresholds[1] < thresholds[2] <= 100
    ):
        _refuse(
            # xgettext:no-python-format
            _("The mark scale must grow: 0 < «3» < «4» < «5» ≤ 100 % of the maximum total."),
            "thresholds_not_ordered",
        )


def _check_work(*, class_subject, kind, on, title, tasks, thresholds, reading_period) -> None:
    if kind not in Kind.values:
        _refuse(_("Unknown kind of work."), "unknown_kind")
    _check_date(class_subject=class_subject, on=on)
    if len(title) > TITLE_LENGTH:
        _refuse(_("The title is longer than %(max)s characters."), "title_too_long", max=TITLE_LENGTH)
    if kind == Kind.READING:
        if class_subject.school_class.grade not in READING_GRADES:
            _refuse(_("Reading technique is checked in grades 1–4."), "reading_grade")
        if reading_period not in ReadingPeriod.values:
            _refuse(_("Choose the period whose reading norm applies."), "reading_period_required")
        if tasks:
            _refuse(_("A reading technique check has no tasks: leave them empty."), "reading_has_tasks")
        if thresholds is not None:
            _refuse(_("A reading technique check has no mark scale."), "reading_has_marks")
        return
    _check_tasks(tasks)
    _check_thresholds(class_subject=class_subject, thresholds=thresholds)


@transaction.atomic
def diagnostic_work_create(
    *,
    user,
    class_subject: ClassSubject,
    kind: str,
    on: date,
    title: str = "",
    tasks: Sequence[TaskSpec] = (),
    thresholds: tuple[int, int, int] | None = None,
    reading_period: int | None = None,
) -> DiagnosticWork:
    """A new work with its tasks (a test), or a reading technique check (no tasks, a norm period)."""
    tasks, title = list(tasks), title.strip()
    check_diagnostic_writer(user=user, class_subject=class_subject)
    _check_work(
        class_subject=class_subject,
        kind=kind,
        on=on,
        title=title,
        tasks=tasks,
        thresholds=thresholds,
        reading_period=reading_period,
    )
    t3, t4, t5 = thresholds or (None, None, None)
    work = DiagnosticWork.objects.create(
        class_subject=class_subject,
        kind=kind,
        date=on,
        title=title,
        reading_period=reading_period if kind == Kind.READING else None,
        threshold_3=t3,
        threshold_4=t4,
        threshold_5=t5,
        created_by=user,
    )
    _tasks_add(work, tasks)
    return work


@transaction.atomic
def diagnostic_work_update(
    *,
    user,
    work: DiagnosticWork,
    on: date,
    title: str = "",
    tasks: Sequence[TaskSpec] = (),
    thresholds: tuple[int, int, int] | None = None,
    reading_period: int | None = None,
) -> DiagnosticWork:
    """Changes the date, title, tasks, mark scale or norm period; the kind and the subject stay.

    Once results are entered the number of tasks stays, and no task's maximum may fall below points
    already entered for it; the marks of the results are recomputed from the new scale. A new date keeps
    the results entered (a student no longer in the class that day keeps theirs, shown apart).
    """
    work = (
        DiagnosticWork.objects.select_for_update()
        .select_related("class_subject__school_class__academic_year", "class_subject__subject")
        .get(pk=work.pk)
    )
    tasks, title = list(tasks), title.strip()
    check_diagnostic_writer(user=user, class_subject=work.class_subject)
    _check_work(
        class_subject=work.class_subject,
        kind=work.kind,
        on=on,
        title=title,
        tasks=tasks,
        thresholds=thresholds,
        reading_period=reading_period,
    )
    existing = list(work.tasks.order_by("number"))
    has_results = work.results.exists()
    if has_results and not work.is_reading:
        _check_tasks_keep_results(work=work, existing=existing, tasks=tasks)
    if has_results and on > timezone.localdate():
        _refuse(_("The work already has results: its date cannot be in the future."), "results_in_future")
    t3, t4, t5 = thresholds or (None, None, None)
    work.date, work.title, work.threshold_3, work.threshold_4, work.threshold_5 = on, title, t3, t4, t5
    work.reading_period = reading_period if work.is_reading else None
    work.save(
        update_fields=[
            "date",
            "title",
            "threshold_3",
            "threshold_4",
            "threshold_5",
            "reading_period",
            "updated_at",
        ]
    )
    _tasks_replace(work=work, existing=existing, tasks=tasks)
    if has_results and not work.is_reading:
        _marks_recompute(work=work, user=user)
    return work


def _check_tasks_keep_results(*, work: DiagnosticWork, existing: list[DiagnosticTask], tasks: list[TaskSpec]):
    if len(tasks) != len(existing):
        _refuse(
            _("The work already has results: it keeps its %(n)s tasks (clear the results to change them)."),
            "tasks_fixed",
            n=len(existing),
        )
    highest = dict(
        DiagnosticTaskResult.objects.filter(task__work=work)
        .values("task__number")
        .annotate(top=Max("points"))
        .values_list("task__number", "top")
    )
    for number, task in enumerate(tasks, start=1):
        if highest.get(number, 0) > task.max_points:
            _refuse(
                _("Task %(n)s: a student already has %(points)s points, more than the new maximum %(max)s."),
                "max_below_results",
                n=number,
                points=highest[number],
                max=task.max_points,
            )


def _tasks_replace(*, work: DiagnosticWork, existing: list[DiagnosticTask], tasks: list[TaskSpec]) -> None:
    """Keeps the rows of the numbers that stay (their results stay with them), adds and removes the rest."""
    by_number = {t.number: t for t in existing}
    changed = []
    for number, spec in enumerate(tasks, start=1):
        task = by_number.pop(number, None)
        if task is None:
            continue
        fields = (spec.max_points, spec.pass_points, spec.description.strip())
        if (task.max_points, task.pass_points, task.description) != fields:
            task.max_points, task.pass_points, task.description = fields
            changed.append(task)
    if by_number:
        DiagnosticTask.objects.filter(pk__in=[t.pk for t in by_number.values()]).delete()
    DiagnosticTask.objects.bulk_update(changed, ["max_points", "pass_points", "description"])
    _tasks_add(work, tasks, after=len(existing))


def _marks_recompute(*, work: DiagnosticWork, user) -> None:
    max_total = sum(work.tasks.values_list("max_points", flat=True))
    totals: dict[int, int] = {}
    for result_id, points in DiagnosticTaskResult.objects.filter(result__work=work).values_list(
        "result_id", "points"
    ):
        totals[result_id] = totals.get(result_id, 0) + points
    changed = []
    now = timezone.now()
    for result in work.results.filter(absent=False):
        mark = mark_for(totals.get(result.pk, 0), max_total, work.thresholds) if result.pk in totals else None
        if mark != result.mark:
            result.mark, result.updated_by, result.updated_at = mark, user, now
            changed.append(result)
    DiagnosticResult.objects.bulk_update(changed, ["mark", "updated_by", "updated_at"])


@transaction.atomic
def diagnostic_work_delete(*, user, work: DiagnosticWork) -> None:
    """Deletes a work entered by mistake, with its tasks and results."""
    check_diagnostic_writer(user=user, class_subject=work.class_subject)
    check_year_open(year_id=work.class_subject.school_class.academic_year_id)
    DiagnosticWork.objects.filter(pk=work.pk).delete()


@transaction.atomic
def diagnostic_results_record(*, user, work: DiagnosticWork, rows: list[ResultRow]) -> RecordSummary:
    """Records the class's results of a work in one submit: creates, changes and removes (a line left
    empty) results, and writes each result's mark from the work's scale. Students not in `rows` are left
    as they are. A fixed number of queries whatever the class size.

    Refuses (before any write): anyone but a writer, a work dated in the future, a student who is not in
    the class on the work's date (and has no result yet), a student twice, points outside 0…the task's
    maximum, some tasks filled and others not, points or words for an absent student, a reading speed
    outside 0…400.
    """
    check_diagnostic_writer(user=user, class_subject=work.class_subject)
    check_loaded_year_open(work.class_subject.school_class.academic_year)
    if work.date > timezone.localdate():
        _refuse(
            _("The work is dated %(date)s: its results can be entered from that day."),
            "work_in_future",
            date=_day(work.date),
        )
    tasks = list(work.tasks.order_by("number"))
    existing = {r.student_id: r for r in work.results.all()}
    names = members_on(school_class_id=work.class_subject.school_class_id, on=work.date)
    _check_rows(work=work, rows=rows, tasks=tasks, names=names, existing=existing)
    stored = {(tr.result_id, tr.task_id): tr for tr in DiagnosticTaskResult.objects.filter(result__work=work)}
    plan = _Plan(work=work, user=user, tasks=tasks, stored=stored)
    for row in rows:
        plan.add(row, existing.get(row.student_id))
    return plan.write()


def _check_rows(*, work, rows, tasks, names, existing) -> None:
    seen: set[int] = set()
    outsiders = [r.student_id for r in rows if r.student_id not in names and r.student_id not in existing]
    if outsiders:
        student = Student.objects.filter(pk__in=outsiders).first()
        _refuse(
            _("%(name)s is not in class %(class)s on %(date)s."),
            "student_not_in_class",
            name=student.short_name if student else _("A student of the form"),
            **{"class": work.class_subject.school_class.name},
            date=_day(work.date),
        )
    for row in rows:
        if row.student_id in seen:
            _refuse(_("A student appears twice in the form."), "student_twice")
        seen.add(row.student_id)
        name = names.get(row.student_id) or existing[row.student_id].student.short_name
        if work.is_reading:
            _check_reading_row(row, name)
        else:
            _check_points_row(row, name, tasks)


def _check_points_row(row: ResultRow, name: str, tasks: list[DiagnosticTask]) -> None:
    if row.words_per_minute is not None or row.reading_way or row.comprehension:
        _refuse(_("%(name)s: this work is not a reading check."), "not_reading", name=name)
    if len(row.points) not in (0, len(tasks)):
        _refuse(_("%(name)s: the form has the wrong number of tasks."), "tasks_mismatch", name=name)
    filled = [p for p in row.points if p is not None]
    if row.absent:
        if filled:
            _refuse(_("%(name)s is marked absent but has points."), "absent_with_points", name=name)
        return
    if filled and len(filled) != len(tasks):
        _refuse(
            _("%(name)s: enter the points of every task (0 for a task not done), or none."),
            "points_incomplete",
            name=name,
        )
    for task, points in zip(tasks, row.points, strict=False):
        if points is not None and (not _whole(points) or not 0 <= points <= task.max_points):
            _refuse(
                _("%(name)s, task %(n)s: the points must be from 0 to %(max)s."),
                "invalid_points",
                name=name,
                n=task.number,
                max=task.max_points,
            )


def _check_reading_row(row: ResultRow, name: str) -> None:
    if any(p is not None for p in row.points):
        _refuse(_("%(name)s: a reading check has no task points."), "reading_points", name=name)
    wpm = row.words_per_minute
    if row.absent:
        if wpm is not None or row.reading_way or row.comprehension:
            _refuse(
                _("%(name)s is marked absent but has a reading result."), "absent_with_reading", name=name
            )
        return
    if wpm is None and (row.reading_way or row.comprehension):
        _refuse(_("%(name)s: enter the words per minute."), "wpm_required", name=name)
    if wpm is not None and (not _whole(wpm) or not 0 <= wpm <= MAX_WORDS_PER_MINUTE):
        _refuse(
            _("%(name)s: the words per minute must be a whole number from 0 to %(max)s."),
            "invalid_wpm",
            name=name,
            max=MAX_WORDS_PER_MINUTE,
        )
    if row.reading_way and row.reading_way not in DiagnosticResult.ReadingWay.values:
        _refuse(_("%(name)s: unknown way of reading."), "invalid_reading_way", name=name)
    if row.comprehension and row.comprehension not in DiagnosticResult.Comprehension.values:
        _refuse(_("%(name)s: unknown comprehension level."), "invalid_comprehension", name=name)


class _Plan:
    """What one submit changes, collected first and written in a few bulk statements."""

    RESULT_FIELDS = ("absent", "words_per_minute", "reading_way", "comprehension", "mark")

    def __init__(self, *, work, user, tasks, stored):
        self.work, self.user, self.tasks, self.stored = work, user, tasks, stored
        self.max_total = sum(t.max_points for t in tasks)
        self.now = timezone.now()
        self.to_delete: list[int] = []
        self.new: list[tuple[DiagnosticResult, list[int]]] = []
        self.changed: list[DiagnosticResult] = []
        self.points_new: list[DiagnosticTaskResult] = []
        self.points_changed: list[DiagnosticTaskResult] = []
        self.points_deleted: list[int] = []

    def add(self, row: ResultRow, result: DiagnosticResult | None) -> None:
        if row.empty:
            if result is not None:
                self.to_delete.append(result.pk)
            return
        points = [] if row.absent or self.work.is_reading else list(row.points)
        values = {
            "absent": row.absent,
            "words_per_minute": row.words_per_minute,
            "reading_way": row.reading_way,
            "comprehension": row.comprehension,
            "mark": None
            if row.absent or not points
            else mark_for(sum(points), self.max_total, self.work.thresholds),
        }
        if result is None:
            result = DiagnosticResult(
                work=self.work, student_id=row.student_id, updated_by=self.user, **values
            )
            self.new.append((result, points))
            return
        touched = self._points_update(result, points)
        if touched or any(getattr(result, f) != v for f, v in values.items()):
            for field, value in values.items():
                setattr(result, field, value)
            result.updated_by, result.updated_at = self.user, self.now
            self.changed.append(result)

    def _points_update(self, result: DiagnosticResult, points: list[int]) -> bool:
        touched = False
        for task, value in zip(self.tasks, points or [None] * len(self.tasks), strict=True):
            row = self.stored.get((result.pk, task.pk))
            if value is None:
                if row is not None:
                    self.points_deleted.append(row.pk)
                    touched = True
            elif row is None:
                self.points_new.append(DiagnosticTaskResult(result=result, task=task, points=value))
                touched = True
            elif row.points != value:
                row.points = value
                self.points_changed.append(row)
                touched = True
        return touched

    def write(self) -> RecordSummary:
        DiagnosticResult.objects.filter(pk__in=self.to_delete).delete()
        DiagnosticTaskResult.objects.filter(pk__in=self.points_deleted).delete()
        created = DiagnosticResult.objects.bulk_create([result for result, _points in self.new])
        for result, points in zip(created, (p for _r, p in self.new), strict=True):
            if not points:  # absent, or a reading check
                continue
            self.points_new += [
                DiagnosticTaskResult(result=result, task=task, points=value)
                for task, value in zip(self.tasks, points, strict=True)
            ]
        DiagnosticResult.objects.bulk_update(self.changed, [*self.RESULT_FIELDS, "updated_by", "updated_at"])
        DiagnosticTaskResult.objects.bulk_update(self.points_changed, ["points"])
        DiagnosticTaskResult.objects.bulk_create(self.points_new)
        return RecordSummary(created=len(self.new), updated=len(self.changed), deleted=len(self.to_delete))


@transaction.atomic
def reading_norms_ensure() -> None:
    """The default reading norms (as migration 0007 seeds them), where a grade and period has none."""
    for grade, period, words_from, words_to in DEFAULT_READING_NORMS:
        ReadingNorm.objects.get_or_create(
            grade=grade, period=period, defaults={"words_from": words_from, "words_to": words_to}
        )


def _tasks_add(work: DiagnosticWork, tasks, *, after: int = 0) -> None:
    """Creates the work's tasks numbered after the first `after` (which exist already)."""
    DiagnosticTask.objects.bulk_create(
        DiagnosticTask(
            work=work,
            number=n,
            max_points=t.max_points,
            pass_points=t.pass_points,
            description=t.description.strip(),
        )
        for n, t in enumerate(tasks, start=1)
        if n > after
    )
