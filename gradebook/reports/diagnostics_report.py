"""Диагностические работы: for a class, a grade or the school, a term or the year, and optionally one kind of
work — per work the share of students who passed each task and each student's points, total, % and mark;
for reading technique each student's words per minute against the norm of their grade and the work's
period, with the counts and shares below, at and above the norm per class, grade and school.

Who: the deputy and the director anywhere, a class teacher for their class (gradebook.reports.spec
`class_scope_check`), and a subject teacher for a class they teach, with only the works of their own
subjects in it.

What is counted (the rules are gradebook.diagnostic_rules; the mark figures are gradebook.reports.figures
over each student's mark in the work):
- a work is in the period when its date is within the period of the class's grade (the term, or from the
  first day of the grade's first term to the last day of its last for the year);
- listed: the students enrolled in the class on the work's date, plus anyone else who has a result;
  wrote: present with points for every task; absent: marked absent; the rest have nothing entered;
- a task's share of passes and the mean % are over those who wrote; success, quality, SOU and the mean
  mark are over the marks of those who wrote a marked work;
- reading: the shares below, at and above the norm are over those who read against a norm; a grade's and
  the school's counts add up their classes' reading checks in the period.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.errors import DomainError
from gradebook.diagnostic_rules import (
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
from gradebook.models import (
    ClassSubject,
    DiagnosticResult,
    DiagnosticTask,
    DiagnosticTaskResult,
    DiagnosticWork,
    Enrolment,
    GradeTermScheme,
    ReadingNorm,
    ReadingPeriod,
    School,
    TeachingAssignment,
    Term,
)
from gradebook.reports import access
from gradebook.reports.figures import Figures, Result, figures_of, share, standing_of
from gradebook.reports.forms import class_targets
from gradebook.reports.ledger import (
    LedgerScope,
    Progress,
    _period_bounds,
    _period_text,
    ledger_classes,
    ledger_scope,
)
from gradebook.reports.spec import ReportKind, class_scope_check, class_scope_reload, document_renderers
from gradebook.selectors import current_year

Kind = DiagnosticWork.Kind


@dataclass(frozen=True)
class DiagnosticsScope:
    """The checked parameters: the classes and period (a ledger scope), the kind of work, and whose subjects."""

    scope: LedgerScope
    work_kind: str = ""  # "" for every kind
    teacher_id: int | None = None  # a subject teacher sees the works of their own subjects only

    def params(self) -> dict:
        return {**self.scope.params(), "work_kind": self.work_kind or None, "teacher": self.teacher_id}

    @property
    def file_stem(self) -> str:
        parts = [_("Diagnostic works"), self.scope.scope_label]
        if self.work_kind:
            parts.append(str(Kind(self.work_kind).label))
        parts += [self.scope.period_label, self.scope.year_name.replace("/", "-")]
        return " ".join(parts)


def _work_kind(value) -> str:
    if value in (None, ""):
        return ""
    if value not in Kind.values:
        raise DomainError(_("Unknown kind of work."), code="unknown_kind")
    return value


def diagnostics_check(*, user, params: dict) -> DiagnosticsScope:
    """class_scope_check's access, and a subject teacher for a class they teach (their subjects only)."""
    try:
        scope = class_scope_check(user=user, params=params)
    except Http404:
        if not access.teaches_in_class(user=user, scope=params.get("scope"), class_id=params.get("class_id")):
            raise
        year = current_year()
        if year is None:
            raise DomainError(_("There is no current academic year."), code="no_year") from None
        scope = ledger_scope(
            year=year, scope="class", class_id=params.get("class_id"), period=params.get("period") or "year"
        )
        return DiagnosticsScope(scope, _work_kind(params.get("work_kind")), user.pk)
    return DiagnosticsScope(scope, _work_kind(params.get("work_kind")))


def diagnostics_reload(params: dict) -> DiagnosticsScope:
    return DiagnosticsScope(class_scope_reload(params), params.get("work_kind") or "", params.get("teacher"))


# The data ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StudentLine:
    name: str
    in_class: bool  # enrolled on the work's date
    absent: bool
    score: Score | None  # a test: present with every task entered
    words_per_minute: int | None = None  # reading
    reading_way: str = ""
    comprehension: str = ""
    level: ReadingLevel | None = None

    @property
    def entered(self) -> bool:
        return self.absent or self.score is not None or self.words_per_minute is not None


@dataclass(frozen=True, slots=True)
class WorkReport:
    id: int
    class_name: str
    grade: int
    subject: str
    kind: str
    title: str
    on: date
    reading_period: int | None
    norm: tuple[int, int] | None
    marked: bool
    tasks: tuple[Task, ...]
    students: tuple[StudentLine, ...]
    shares: tuple[TaskShare, ...]
    figures: Figures | None  # of the marks, for a marked work
    reading: ReadingCounts | None

    @property
    def is_reading(self) -> bool:
        return self.kind == Kind.READING

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def listed(self) -> int:
        return len(self.students)

    @property
    def wrote(self) -> int:
        return sum(1 for s in self.students if s.score is not None or s.words_per_minute is not None)

    @property
    def absent(self) -> int:
        return sum(1 for s in self.students if s.absent)

    @property
    def max_total(self) -> int:
        return sum(t.max_points for t in self.tasks)

    @property
    def mean_percent(self) -> Decimal | None:
        scores = [s.score for s in self.students if s.score is not None]
        return share(sum(s.total for s in scores), self.max_total * len(scores)) if scores else None


@dataclass(frozen=True, slots=True)
class ClassDiagnostics:
    id: int
    name: str
    grade: int
    teacher: str
    works: tuple[WorkReport, ...]

    @property
    def reading(self) -> ReadingCounts:
        return sum((w.reading for w in self.works if w.reading is not None), ReadingCounts())


@dataclass(frozen=True, slots=True)
class ReadingTotal:
    label: str
    counts: ReadingCounts


@dataclass(frozen=True)
class DiagnosticsReport:
    school_name: str
    checked: DiagnosticsScope
    period_text: str
    made_on: date
    classes: tuple[ClassDiagnostics, ...]
    reading_totals: tuple[ReadingTotal, ...]  # per grade, then the school (grade and school scopes)

    @property
    def works(self) -> list[WorkReport]:
        return [w for c in self.classes for w in c.works]


def diagnostics_build(checked: DiagnosticsScope, *, progress: Progress | None = None) -> DiagnosticsReport:
    """The report in a fixed number of queries (about ten) whatever the size of the school."""
    classes = list(ledger_classes(checked.scope).select_related("class_teacher").order_by("grade", "letter"))
    bounds = _period_bounds(checked.scope, {c.grade for c in classes}) if classes else {}
    works = _works(checked, classes, bounds)
    ids = [w.pk for w in works]
    tasks = _tasks(ids)
    results, points = _results(ids)
    members = _members([c.pk for c in classes], works)
    norms = {
        (g, p): (f, t)
        for g, p, f, t in ReadingNorm.objects.values_list("grade", "period", "words_from", "words_to")
    }
    by_class = defaultdict(list)
    for work in works:
        by_class[work.class_subject.school_class_id].append(work)
    built = []
    for done, school_class in enumerate(classes, start=1):
        reports = tuple(
            _work_report(w, school_class, tasks[w.pk], results[w.pk], points, members[w.pk], norms)
            for w in by_class[school_class.pk]
        )
        teacher = school_class.class_teacher
        built.append(
            ClassDiagnostics(
                school_class.pk,
                school_class.name,
                school_class.grade,
                teacher.short_name if teacher else "",
                reports,
            )
        )
        if progress is not None:
            progress(done, len(classes))
    return DiagnosticsReport(
        school_name=School.objects.values_list("name", flat=True).first() or "",
        checked=checked,
        period_text=_period_text(checked.scope),
        made_on=timezone.localdate(),
        classes=tuple(built),
        reading_totals=_reading_totals(checked, built),
    )


def _works(checked: DiagnosticsScope, classes, bounds) -> list[DiagnosticWork]:
    if not classes:
        return []
    grade_of = {c.pk: c.grade for c in classes}
    works = DiagnosticWork.objects.filter(
        class_subject__school_class__in=list(grade_of),
        date__gte=min(start for start, _end in bounds.values()),
        date__lte=max(end for _start, end in bounds.values()),
    )
    if checked.work_kind:
        works = works.filter(kind=checked.work_kind)
    if checked.teacher_id is not None:
        taught = TeachingAssignment.objects.filter(teacher_id=checked.teacher_id).values("class_subject")
        works = works.filter(class_subject__in=taught)
    works = works.select_related("class_subject__subject").order_by(
        "date", "class_subject__subject__order", "class_subject__subject__name", "id"
    )
    found = []
    for work in works:
        start, end = bounds[grade_of[work.class_subject.school_class_id]]
        if start <= work.date <= end:
            found.append(work)
    return found


def _tasks(work_ids: list[int]) -> dict[int, list[Task]]:
    found = defaultdict(list)
    rows = DiagnosticTask.objects.filter(work_id__in=work_ids).order_by("work_id", "number")
    for work_id, number, max_points, pass_points, description in rows.values_list(
        "work_id", "number", "max_points", "pass_points", "description"
    ):
        found[work_id].append(Task(number, max_points, pass_points, description))
    return found


@dataclass(frozen=True, slots=True)
class _Stored:
    name: str
    absent: bool
    words_per_minute: int | None
    reading_way: str
    comprehension: str


def _results(work_ids: list[int]):
    """work → student → the stored result; (work, student) → {task number: points}. Two queries."""
    results: dict[int, dict[int, _Stored]] = defaultdict(dict)
    rows = DiagnosticResult.objects.filter(work_id__in=work_ids).values_list(
        "work_id",
        "student_id",
        "student__last_name",
        "student__first_name",
        "absent",
        "words_per_minute",
        "reading_way",
        "comprehension",
    )
    for work_id, student_id, last, first, absent, wpm, way, comp in rows:
        results[work_id][student_id] = _Stored(f"{last} {first}", absent, wpm, way, comp)
    points: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for work_id, student_id, number, value in DiagnosticTaskResult.objects.filter(
        result__work_id__in=work_ids
    ).values_list("result__work_id", "result__student_id", "task__number", "points"):
        points[work_id, student_id][number] = value
    return results, points


def _members(class_ids: list[int], works: list[DiagnosticWork]) -> dict[int, dict[int, str]]:
    """work → the students enrolled in its class on its date → «Фамилия Имя», alphabetical. One query."""
    if not works:
        return {}
    first, last = min(w.date for w in works), max(w.date for w in works)
    rows = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first),
            school_class_id__in=class_ids,
            start_date__lte=last,
        )
        .order_by("student__last_name", "student__first_name", "student_id")
        .values_list(
            "school_class_id",
            "student_id",
            "start_date",
            "end_date",
            "student__last_name",
            "student__first_name",
        )
    )
    by_class = defaultdict(list)
    for row in rows:
        by_class[row[0]].append(row[1:])
    found = {}
    for work in works:
        found[work.pk] = {
            student_id: f"{last_name} {first_name}"
            for student_id, start, end, last_name, first_name in by_class[work.class_subject.school_class_id]
            if start <= work.date and (end is None or end >= work.date)
        }
    return found


def _work_report(work, school_class, tasks, stored, points, members, norms) -> WorkReport:
    norm = norms.get((school_class.grade, work.reading_period)) if work.is_reading else None
    names = dict(members)
    for student_id, result in stored.items():
        names.setdefault(student_id, result.name)
    lines = []
    for student_id, name in sorted(
        names.items(), key=lambda item: (item[0] not in members, _sort_key(item[1]))
    ):
        result = stored.get(student_id)
        lines.append(
            _line(
                work, name, student_id in members, result, points.get((work.pk, student_id), {}), tasks, norm
            )
        )
    scores = [s.score for s in lines if s.score is not None]
    marked = work.thresholds is not None
    return WorkReport(
        id=work.pk,
        class_name=school_class.name,
        grade=school_class.grade,
        subject=work.class_subject.subject.name,
        kind=work.kind,
        title=work.title,
        on=work.date,
        reading_period=work.reading_period,
        norm=norm,
        marked=marked,
        tasks=tuple(tasks),
        students=tuple(lines),
        shares=task_shares(tasks, scores),
        figures=figures_of(standing_of([Result(value=s.mark)]) for s in scores) if marked else None,
        reading=reading_counts([s.level for s in lines if s.words_per_minute is not None])
        if work.is_reading
        else None,
    )


def _sort_key(name: str) -> str:
    return name.lower().replace("ё", "е")


def _line(work, name, in_class, result: _Stored | None, points: dict[int, int], tasks, norm) -> StudentLine:
    if result is None:
        return StudentLine(name, in_class, absent=False, score=None)
    if result.absent:
        return StudentLine(name, in_class, absent=True, score=None)
    if work.is_reading:
        wpm = result.words_per_minute
        return StudentLine(
            name,
            in_class,
            absent=False,
            score=None,
            words_per_minute=wpm,
            reading_way=result.reading_way,
            comprehension=result.comprehension,
            level=reading_level(wpm, norm) if wpm is not None else None,
        )
    values = [points.get(t.number) for t in tasks]
    score = score_of(tasks, values, work.thresholds) if tasks and None not in values else None
    return StudentLine(name, in_class, absent=False, score=score)


def _reading_totals(checked: DiagnosticsScope, classes: list[ClassDiagnostics]) -> tuple[ReadingTotal, ...]:
    if checked.scope.scope == "class":
        return ()
    by_grade: dict[int, ReadingCounts] = {}
    for c in classes:
        if any(w.is_reading for w in c.works):
            by_grade[c.grade] = by_grade.get(c.grade, ReadingCounts()) + c.reading
    totals = [
        ReadingTotal(pgettext("report scope", "grade %(grade)d classes") % {"grade": g}, counts)
        for g, counts in sorted(by_grade.items())
    ]
    if checked.scope.scope == "school" and totals:
        totals.append(ReadingTotal(_("School"), sum((t.counts for t in totals), ReadingCounts())))
    return tuple(totals)


READING_PERIOD_LABELS = dict(ReadingPeriod.choices)
WORK_KIND_CHOICES = [("", gettext_lazy("every kind")), *Kind.choices]


# The kind ---------------------------------------------------------------------------------------------------


def diagnostics_data_version(checked: DiagnosticsScope) -> str:
    """A cheap fingerprint of everything the report reads, for reusing a finished file.

    The scope's works and their tasks row by row (few: a handful per class and year); their results and
    points only aggregated (count, latest change, sum of points: a result's `updated_at` moves whenever
    its points change, the counts on every delete); the scope's enrolments with the students' names, the
    classes with their class teachers, the subjects' names, the reading norms, the year's terms and
    schemes and the school's name. A fixed number of queries.
    """
    scope = checked.scope
    classes = ledger_classes(scope)
    works = DiagnosticWork.objects.filter(class_subject__school_class__in=classes.values("pk"))
    parts = [
        works.order_by("pk").values_list(
            "pk",
            "class_subject_id",
            "kind",
            "date",
            "title",
            "reading_period",
            "threshold_3",
            "threshold_4",
            "threshold_5",
            "updated_at",
        ),
        DiagnosticTask.objects.filter(work__in=works.values("pk"))
        .order_by("pk")
        .values_list("pk", "work_id", "number", "max_points", "pass_points", "description"),
        DiagnosticResult.objects.filter(work__in=works.values("pk")).aggregate(
            n=Count("id"), at=Max("updated_at")
        ),
        DiagnosticTaskResult.objects.filter(result__work__in=works.values("pk")).aggregate(
            n=Count("id"), points=Sum("points")
        ),
        classes.order_by("pk").values_list(
            "pk", "grade", "letter", "class_teacher__last_name", "class_teacher__first_name"
        ),
        Enrolment.objects.filter(school_class__in=classes.values("pk"))
        .order_by("pk")
        .values_list(
            "pk", "school_class_id", "start_date", "end_date", "student__last_name", "student__first_name"
        ),
        ClassSubject.objects.filter(school_class__in=classes.values("pk"))
        .order_by("pk")
        .values_list("pk", "subject__name", "subject__order"),
        ReadingNorm.objects.order_by("grade", "period").values_list(
            "grade", "period", "words_from", "words_to"
        ),
        Term.objects.filter(academic_year_id=scope.year_id)
        .order_by("pk")
        .values_list("pk", "scheme", "start_date", "end_date"),
        GradeTermScheme.objects.filter(academic_year_id=scope.year_id)
        .order_by("grade")
        .values_list("grade", "scheme"),
        School.objects.values_list("name", flat=True),
    ]
    digest = hashlib.sha256(repr((checked.work_kind, checked.teacher_id)).encode())
    for part in parts:
        for row in [part] if isinstance(part, dict) else part:
            digest.update(repr(row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def diagnostics_targets(user, year) -> list[tuple[str, str]]:
    """The classes the user reports on (school, grades, classes), and the classes where they teach."""
    choices = class_targets(user, year)
    taken = {value for value, _label in choices}
    for c in access.taught_classes_for(user=user).filter(academic_year=year).order_by("grade", "letter"):
        if f"class:{c.pk}" not in taken:
            choices.append((f"class:{c.pk}", pgettext("report scope", "class %(name)s") % {"name": c.name}))
    return choices


def diagnostics_extra_fields(user, year) -> dict:
    return {
        "work_kind": forms.ChoiceField(
            label=gettext_lazy("Kind of work"), choices=WORK_KIND_CHOICES, required=False, initial=""
        )
    }


def _layout(report: DiagnosticsReport):
    from gradebook.reports.diagnostics_layout import diagnostics_layout

    return diagnostics_layout(report)


DIAGNOSTICS = ReportKind(
    slug="diagnostics",
    label=gettext_lazy("Diagnostic works and reading technique"),
    description=gettext_lazy(
        "Start-of-year, administrative and final tests: the share of students who passed each task, each "
        "student's points, total, % and mark; reading technique of grades 1–4 against the school's norms."
    ),
    roles=access.REPORT_USERS,
    check=diagnostics_check,
    reload=diagnostics_reload,
    data_version=diagnostics_data_version,
    build=diagnostics_build,
    renderers=document_renderers(_layout),
    layout=_layout,
    targets=diagnostics_targets,
    extra_params=("work_kind",),
    extra_fields=diagnostics_extra_fields,
    order=40,
)
