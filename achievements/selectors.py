"""Reads for the meta-subject pages: a class's levels grid (with levels a diagnostic work proposes), the
class's personal results (counts hidden below MIN_GROUP), a student's characteristic. A fixed number of
queries whatever the class size; the rules come from achievements.rules."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import Student
from achievements.models import (
    Characteristic,
    ClassPersonalResults,
    Level,
    LevelThreshold,
    MetaSkill,
    MetaSkillIndicator,
    MetaSkillLevel,
)
from achievements.rules import level_from_tasks, per_student, shown
from gradebook.diagnostic_selectors import members_on
from gradebook.models import AcademicYear, DiagnosticTaskResult, DiagnosticWork, Enrolment, SchoolClass


def grid_day(school_class: SchoolClass) -> date:
    """The day whose class list the levels grid shows: today within the class's year; for a past year the
    last day a student of the class was enrolled (its last lessons, not 31 August); else the first day."""
    year = school_class.academic_year
    today = timezone.localdate()
    if today < year.start_date:
        return year.start_date
    if today <= year.end_date:
        return today
    enrolments = Enrolment.objects.filter(school_class=school_class)
    if enrolments.filter(end_date__isnull=True).exists():
        return year.end_date
    last = enrolments.aggregate(last=Max("end_date"))["last"]
    return min(last, year.end_date) if last else year.end_date


def active_indicators(*, grade: int | None = None) -> list[MetaSkillIndicator]:
    """The indicators in use; for a grade, only those with per-student levels there (no personal group in
    grades 1–9: achievements.rules.per_student)."""
    indicators = MetaSkillIndicator.objects.filter(is_active=True).select_related("meta_skill")
    return [i for i in indicators if grade is None or per_student(group=i.meta_skill.code, grade=grade)]


def indicator_groups(indicators: list[MetaSkillIndicator]) -> list[tuple[MetaSkill, int]]:
    """(group, number of its indicators) in order, for a header row spanning each group's columns."""
    groups: list[tuple[MetaSkill, int]] = []
    for indicator in indicators:
        if groups and groups[-1][0].pk == indicator.meta_skill_id:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((indicator.meta_skill, 1))
    return groups


@dataclass(frozen=True)
class GridCell:
    indicator_id: int
    indicator_name: str
    level: str  # stored level, or the proposed one when a work proposes
    stored: str
    source: str  # of the stored level
    proposed: bool  # the value comes from the work and differs from what is stored


@dataclass(frozen=True)
class GridRow:
    student_id: int
    name: str
    cells: list[GridCell]


@dataclass(frozen=True)
class LevelsGrid:
    school_class: SchoolClass
    indicators: list[MetaSkillIndicator]
    groups: list[tuple[MetaSkill, int]]
    rows: list[GridRow]
    work: DiagnosticWork | None
    proposed: int  # cells the work proposes a level for


def levels_grid(*, school_class: SchoolClass, on, work: DiagnosticWork | None = None) -> LevelsGrid:
    """The students of the class on the day × the indicators in use. With a work, each cell the work's
    thresholds measure shows the proposed level instead of the stored one (confirmed by saving)."""
    members = members_on(school_class_id=school_class.pk, on=on)
    indicators = active_indicators(grade=school_class.grade)
    stored = {
        (lv.student_id, lv.indicator_id): lv
        for lv in MetaSkillLevel.objects.filter(
            academic_year_id=school_class.academic_year_id, student_id__in=list(members)
        )
    }
    proposals = levels_proposed(work=work) if work is not None else {}
    rows, proposed = [], 0
    for student_id, name in members.items():
        cells = []
        for ind in indicators:
            old = stored.get((student_id, ind.pk))
            new = proposals.get(student_id, {}).get(ind.pk)
            proposed += new is not None
            cells.append(
                GridCell(
                    indicator_id=ind.pk,
                    indicator_name=ind.name,
                    level=new or (old.level if old else ""),
                    stored=old.level if old else "",
                    source=old.source if old else "",
                    proposed=new is not None and (old is None or new != old.level),
                )
            )
        rows.append(GridRow(student_id, name, cells))
    return LevelsGrid(school_class, indicators, indicator_groups(indicators), rows, work, proposed)


def levels_proposed(*, work: DiagnosticWork) -> dict[int, dict[int, Level]]:
    """student id → indicator id → the level the work's thresholds give (students with every chosen task
    entered; absent students get none). Three queries."""
    thresholds = list(LevelThreshold.objects.filter(work=work))
    max_points = dict(work.tasks.values_list("number", "max_points"))
    points: dict[int, dict[int, int]] = defaultdict(dict)
    for student_id, number, value in DiagnosticTaskResult.objects.filter(
        result__work=work, result__absent=False
    ).values_list("result__student_id", "task__number", "points"):
        points[student_id][number] = value
    proposals: dict[int, dict[int, Level]] = {}
    for student_id, got in points.items():
        for t in thresholds:
            level = level_from_tasks(
                points=got,
                max_points=max_points,
                task_numbers=t.task_numbers,
                optimal_from=t.optimal_from,
                high_from=t.high_from,
            )
            if level is not None:
                proposals.setdefault(student_id, {})[t.indicator_id] = level
    return proposals


def works_with_thresholds(*, school_class: SchoolClass) -> QuerySet[DiagnosticWork]:
    """The class's diagnostic works (not reading technique), newest first, for "levels from a work"."""
    return (
        DiagnosticWork.objects.filter(class_subject__school_class=school_class)
        .exclude(kind=DiagnosticWork.Kind.READING)
        .select_related("class_subject__subject")
        .order_by("-date", "-id")
    )


# ── Personal results ──────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PersonalRow:
    """One survey of a class. `counts` is None when fewer than MIN_GROUP students took part: the page and
    every export show only "too few to show"."""

    methodology: str
    date: object
    school_class: SchoolClass
    counts: tuple[int, int, int] | None


def personal_row(row: ClassPersonalResults) -> PersonalRow:
    counts = (row.low_count, row.optimal_count, row.high_count)
    return PersonalRow(row.methodology, row.date, row.school_class, counts if shown(sum(counts)) else None)


def class_personal_results(*, school_class: SchoolClass) -> list[PersonalRow]:
    return [
        personal_row(r)
        for r in ClassPersonalResults.objects.filter(school_class=school_class).select_related("school_class")
    ]


# ── Characteristic ────────────────────────────────────────────────────────────────────────────────────


def characteristic_of(*, student: Student, year: AcademicYear, drafts: bool) -> Characteristic | None:
    """The characteristic a reader sees: the newest version for staff (`drafts`), the newest published
    version for the family; None when there is none. Public: the archive's personal file reads the
    published one with drafts=False."""
    versions = Characteristic.objects.filter(student=student, academic_year=year)
    if not drafts:
        versions = versions.filter(published_at__isnull=False)
    return versions.select_related("written_by", "published_by").order_by("-version").first()


def characteristic_versions(*, student: Student, year: AcademicYear) -> list[Characteristic]:
    return list(
        Characteristic.objects.filter(student=student, academic_year=year)
        .select_related("written_by", "published_by")
        .order_by("-version")
    )
