"""Writes of the meta-subject records: a class's levels in one submit (with their history), the thresholds
by which a diagnostic work measures indicators, class personal results, and characteristics.

Every check runs before the first write: a refusal is a DomainError with a message for people and nothing
is written. The views reach the class or the student through achievements.access first (404 for anyone
else); the services check the writer again so that no other caller can write past them.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Student
from achievements.access import can_record_for, classes_recorded_by
from achievements.models import (
    Characteristic,
    ClassPersonalResults,
    Level,
    LevelThreshold,
    MetaSkill,
    MetaSkillIndicator,
    MetaSkillLevel,
    MetaSkillLevelHistory,
    Source,
)
from achievements.rules import ANONYMOUS_PERSONAL_GRADES
from achievements.selectors import active_indicators, grid_day
from gradebook.diagnostic_selectors import members_on
from gradebook.models import AcademicYear, DiagnosticWork, SchoolClass

TEXT_LENGTH = 5000
METHODOLOGY_LENGTH = 200


def _refuse(message, code: str, **params):
    raise DomainError(message % params if params else message, code=code)


def _check_class_writer(*, user, school_class: SchoolClass) -> None:
    if not classes_recorded_by(user=user).filter(pk=school_class.pk).exists():
        _refuse(
            _("Only the class teacher of the class, the deputy director or the director may record this."),
            "not_allowed",
        )


# ── Levels ────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class LevelCell:
    """One cell of the grid: a student's level of an indicator ("" clears it)."""

    student_id: int
    indicator_id: int
    level: str


@dataclass(frozen=True)
class LevelSummary:
    created: int
    updated: int
    deleted: int


def levels_record(
    *,
    user,
    school_class: SchoolClass,
    cells: list[LevelCell],
    source: str,
    diagnostic_work: DiagnosticWork | None = None,
) -> LevelSummary:
    """Record the levels of a class's students for the class's year in one transaction. A cell whose level
    is unchanged keeps its row and source; a changed or new one takes `source` (and the work, for a
    diagnostic work); an emptied one is removed. Every change is written to the history."""
    _check_class_writer(user=user, school_class=school_class)
    _check_level_cells(school_class=school_class, cells=cells, source=source, work=diagnostic_work)
    year = school_class.academic_year
    stored = {
        (lv.student_id, lv.indicator_id): lv
        for lv in MetaSkillLevel.objects.filter(
            academic_year=year, student_id__in={c.student_id for c in cells}
        )
    }
    now = timezone.now()
    created = updated = deleted = 0
    history = []
    with transaction.atomic():
        for cell in cells:
            old = stored.get((cell.student_id, cell.indicator_id))
            if old is None and not cell.level:
                continue
            if old is not None and old.level == cell.level:
                continue
            history.append(
                MetaSkillLevelHistory(
                    student_id=cell.student_id,
                    academic_year=year,
                    indicator_id=cell.indicator_id,
                    old_level=old.level if old else "",
                    new_level=cell.level,
                    old_source=old.source if old else "",
                    new_source=source if cell.level else "",
                    diagnostic_work_id=diagnostic_work.pk if diagnostic_work and cell.level else None,
                    changed_by=user,
                    changed_at=now,
                )
            )
            if not cell.level:
                old.delete()
                deleted += 1
            elif old is None:
                MetaSkillLevel.objects.create(
                    student_id=cell.student_id,
                    academic_year=year,
                    indicator_id=cell.indicator_id,
                    level=cell.level,
                    source=source,
                    diagnostic_work=diagnostic_work,
                    updated_by=user,
                    updated_at=now,
                )
                created += 1
            else:
                old.level, old.source, old.diagnostic_work = cell.level, source, diagnostic_work
                old.updated_by, old.updated_at = user, now
                old.save(update_fields=["level", "source", "diagnostic_work", "updated_by", "updated_at"])
                updated += 1
        MetaSkillLevelHistory.objects.bulk_create(history)
    return LevelSummary(created=created, updated=updated, deleted=deleted)


def _check_level_cells(*, school_class, cells, source, work) -> None:
    if source not in Source.values:
        _refuse(_("Unknown source of a level."), "bad_source")
    if (source == Source.DIAGNOSTIC) != (work is not None):
        _refuse(_("A level from a diagnostic work must name the work, and only such a level."), "bad_source")
    if work is not None and work.class_subject.school_class_id != school_class.pk:
        _refuse(_("The diagnostic work is not of this class."), "work_of_another_class")
    members = members_on(school_class_id=school_class.pk, on=grid_day(school_class))
    active = {i.pk for i in active_indicators(grade=school_class.grade)}
    _check_not_anonymous(grade=school_class.grade, indicator_ids={c.indicator_id for c in cells})
    seen = set()
    for cell in cells:
        if cell.student_id not in members:
            _refuse(
                _("A student in the grid is not in the class %(name)s."),
                "not_in_class",
                name=school_class.name,
            )
        if cell.indicator_id not in active:
            _refuse(_("An indicator in the grid is not in use."), "unknown_indicator")
        if cell.level and cell.level not in Level.values:
            _refuse(
                _("%(student)s: «%(value)s» is not a level (low, optimal or high)."),
                "bad_level",
                student=members[cell.student_id],
                value=cell.level,
            )
        key = (cell.student_id, cell.indicator_id)
        if key in seen:
            _refuse(_("The same cell is given twice."), "duplicate_cell")
        seen.add(key)


# ── The default list of groups and indicators ──────────────────────────────────────────────────────────

# The regulations' groups and indicators (migration 0002 seeds the same rows; the school edits them later).
DEFAULT_METASKILLS: dict[tuple[str, str], tuple[str, ...]] = {
    ("regulatory", "Регулятивные"): (
        "Целеполагание",
        "Планирование",
        "Выбор способов деятельности",
        "Самоконтроль",
        "Самооценка",
    ),
    ("cognitive", "Познавательные"): (
        "Поиск информации",
        "Перевод информации из одной формы в другую",
        "Смысловое чтение",
        "Проектно-исследовательская компетентность",
    ),
    ("communicative", "Коммуникативные"): (
        "Выступление с сопровождением",
        "Выражение своего мнения",
        "Неконфликтность",
        "Создание текстов",
    ),
    ("personal", "Личностные"): ("Нравственно-этическая ориентация", "Готовность к выбору жизненной позиции"),
}


def metaskills_ensure() -> None:
    """Creates the default groups and indicators that are missing (a test database flush removes what the
    migration seeded); never changes or re-activates what the school edited."""
    for order, ((code, name), indicators) in enumerate(DEFAULT_METASKILLS.items(), start=1):
        skill, _created = MetaSkill.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for number, indicator in enumerate(indicators, start=1):
            MetaSkillIndicator.objects.get_or_create(
                meta_skill=skill, name=indicator, defaults={"order": number}
            )


def _check_not_anonymous(*, grade: int, indicator_ids: set[int]) -> None:
    if (
        grade in ANONYMOUS_PERSONAL_GRADES
        and MetaSkillIndicator.objects.filter(
            pk__in=indicator_ids, meta_skill__code=MetaSkill.Group.PERSONAL
        ).exists()
    ):
        _refuse(
            _(
                "Personal results of grades 1–9 are not recorded per student: record the class's counts "
                "per level on the personal results page."
            ),
            "personal_is_anonymous",
        )


# ── Thresholds of a diagnostic work ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ThresholdRow:
    """How the work measures one indicator: its task numbers and the % of their points for each level."""

    indicator_id: int
    task_numbers: tuple[int, ...]
    optimal_from: int
    high_from: int


def level_thresholds_set(*, user, work: DiagnosticWork, rows: list[ThresholdRow]) -> list[LevelThreshold]:
    """Replace the thresholds of the work. Written by whoever records the levels of the work's class."""
    school_class = work.class_subject.school_class
    _check_class_writer(user=user, school_class=school_class)
    if work.is_reading:
        _refuse(_("Reading technique has no tasks to measure indicators by."), "reading_work")
    numbers = set(work.tasks.values_list("number", flat=True))
    active = {i.pk for i in active_indicators(grade=school_class.grade)}
    _check_not_anonymous(grade=school_class.grade, indicator_ids={r.indicator_id for r in rows})
    seen = set()
    for row in rows:
        if row.indicator_id not in active or row.indicator_id in seen:
            _refuse(_("Each indicator in use may be measured once."), "bad_indicator")
        seen.add(row.indicator_id)
        if not row.task_numbers or not set(row.task_numbers) <= numbers:
            _refuse(
                _("Choose tasks of the work (numbers 1 to %(n)s) for each indicator."),
                "bad_tasks",
                n=max(numbers, default=0),
            )
        if not 0 < row.optimal_from < row.high_from <= 100:
            _refuse(
                _(
                    "The optimal level must start above 0 % and below the high one, the high one at most 100 %."
                ),
                "bad_thresholds",
            )
    with transaction.atomic():
        work.level_thresholds.all().delete()
        return LevelThreshold.objects.bulk_create(
            LevelThreshold(
                work=work,
                indicator_id=row.indicator_id,
                task_numbers=sorted(set(row.task_numbers)),
                optimal_from=row.optimal_from,
                high_from=row.high_from,
            )
            for row in rows
        )


# ── Personal results, anonymously ─────────────────────────────────────────────────────────────────────


def personal_results_record(
    *, user, school_class: SchoolClass, methodology: str, on: date, low: int, optimal: int, high: int
) -> ClassPersonalResults:
    """Record (or correct) a class's counts per level for a methodology or survey on a date. Nothing about
    who is counted is stored."""
    _check_class_writer(user=user, school_class=school_class)
    methodology = (methodology or "").strip()
    if not methodology or len(methodology) > METHODOLOGY_LENGTH:
        _refuse(_("Name the methodology or survey (at most 200 characters)."), "bad_methodology")
    year = school_class.academic_year
    if not year.start_date <= on <= year.end_date:
        _refuse(_("The date is outside the academic year of the class."), "date_outside_year")
    counts = (low, optimal, high)
    if any(not isinstance(n, int) or n < 0 for n in counts) or sum(counts) == 0:
        _refuse(_("Counts of students are whole numbers, not negative, and not all zero."), "bad_counts")
    size = len(members_on(school_class_id=school_class.pk, on=on))
    if sum(counts) > size:
        _refuse(
            _("%(total)s students counted, but the class %(name)s had %(size)s on that day."),
            "too_many",
            total=sum(counts),
            name=school_class.name,
            size=size,
        )
    with transaction.atomic():
        row, _created = ClassPersonalResults.objects.update_or_create(
            school_class=school_class,
            methodology=methodology,
            date=on,
            defaults={"low_count": low, "optimal_count": optimal, "high_count": high},
        )
    return row


# ── Characteristic ────────────────────────────────────────────────────────────────────────────────────


def characteristic_save(
    *, user, student: Student, year: AcademicYear, achievements: str, qualities: str, development: str
) -> Characteristic:
    """Add a new version of the student's characteristic of the year (a draft until published)."""
    if not can_record_for(user=user, student=student, year=year):
        _refuse(
            _(
                "Only the class teacher of the student's class, the deputy director or the director may write it."
            ),
            "not_allowed",
        )
    texts = [(t or "").strip() for t in (achievements, qualities, development)]
    if not all(texts):
        _refuse(
            _("Write all three parts: achievements, positive qualities, directions for development."), "empty"
        )
    if any(len(t) > TEXT_LENGTH for t in texts):
        _refuse(_("Each part is at most 5000 characters."), "too_long")
    with transaction.atomic():
        last = (
            Characteristic.objects.select_for_update()
            .filter(student=student, academic_year=year)
            .aggregate(n=Max("version"))["n"]
        )
        return Characteristic.objects.create(
            student=student,
            academic_year=year,
            version=(last or 0) + 1,
            achievements=texts[0],
            qualities=texts[1],
            development=texts[2],
            written_by=user,
            written_at=timezone.now(),
        )


def characteristic_publish(*, user, characteristic: Characteristic) -> Characteristic:
    """Publish a version: from then on the student and their guardians read it (the newest published one)."""
    if not can_record_for(user=user, student=characteristic.student, year=characteristic.academic_year):
        _refuse(
            _(
                "Only the class teacher of the student's class, the deputy director or the director may publish it."
            ),
            "not_allowed",
        )
    if characteristic.is_published:
        _refuse(_("This version is already published."), "already_published")
    characteristic.published_at, characteristic.published_by = timezone.now(), user
    with transaction.atomic():
        characteristic.save(update_fields=["published_at", "published_by"])
    return characteristic
