"""The demo school's meta-subject records: УУД levels of every class for the current year and, when the demo
has it (`demo_school --previous-year`), the year before; thresholds on a diagnostic work of each class so
that "levels from a diagnostic work" has something to propose; anonymous personal-results surveys of grades
1–9 (one of them answered by too few to show); published characteristics of the «classteacher»'s class and of
the «parent»'s children. Deterministic for a seed; written through the services, so the history is complete.

Called by `manage.py demo_school` after the portfolio.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Role, Student
from achievements.models import Level
from achievements.selectors import active_indicators, grid_day
from achievements.services import (
    LevelCell,
    ThresholdRow,
    characteristic_publish,
    characteristic_save,
    level_thresholds_set,
    levels_record,
    metaskills_ensure,
    personal_results_record,
)
from gradebook.diagnostic_selectors import members_on
from gradebook.models import AcademicYear, DiagnosticWork, Enrolment, SchoolClass

User = get_user_model()
SURVEYS = ("Диагностика школьной мотивации (Н. Г. Лусканова)", "Самооценка (Дембо — Рубинштейн)")
ACHIEVEMENTS = [
    "Успешно освоила программу года, участвовала в школьной олимпиаде по математике.",
    "Хорошо успевает по предметам естественно-научного цикла, призёр конкурса чтецов.",
    "Стабильно учится, активно участвует в проектной деятельности класса.",
]
QUALITIES = [
    "Ответственность, доброжелательность, умение работать в группе.",
    "Любознательность, аккуратность.",
]
DEVELOPMENT = ["Развивать навыки публичных выступлений.", "Планировать своё время при подготовке к урокам."]


@dataclass(frozen=True)
class AchievementsSummary:
    levels: int
    previous_levels: int
    surveys: int
    characteristics: int


def build_demo_achievements(*, seed: int) -> AchievementsSummary:
    year = AcademicYear.objects.filter(is_current=True).first()
    deputy = User.objects.filter(staff_roles__role=Role.DEPUTY).order_by("pk").first()
    if year is None or deputy is None:
        return AchievementsSummary(0, 0, 0, 0)
    metaskills_ensure()
    rng = random.Random(f"achievements:{seed}")
    bias: dict[int, float] = {}
    levels = sum(_levels(rng, c, bias, deputy) for c in _classes(year))
    before = AcademicYear.objects.filter(start_date__lt=year.start_date).order_by("-start_date").first()
    previous = sum(_levels(rng, c, bias, deputy, drift=-0.3) for c in _classes(before)) if before else 0
    for school_class in _classes(year):
        _thresholds(school_class, active_indicators(grade=school_class.grade), deputy)
    surveys = sum(_surveys(rng, c, deputy) for c in _classes(year) if c.grade <= 9)
    return AchievementsSummary(levels, previous, surveys, _characteristics(rng, year, deputy))


def _classes(year):
    return list(
        SchoolClass.objects.filter(academic_year=year).select_related("academic_year", "class_teacher")
    )


def _level(value: float) -> str:
    return Level.LOW if value < 0.8 else Level.HIGH if value > 2.2 else Level.OPTIMAL


def _levels(rng, school_class, bias, deputy, drift: float = 0.0) -> int:
    """Every student × indicator of the class (no personal group below grade 10): a student's own bias plus
    noise; the year before a bit lower."""
    indicators = active_indicators(grade=school_class.grade)
    members = members_on(school_class_id=school_class.pk, on=grid_day(school_class))
    cells = []
    for student_id in members:
        own = bias.setdefault(student_id, rng.gauss(1.5, 0.5))
        cells += [
            LevelCell(student_id, ind.pk, _level(own + drift + rng.gauss(0, 0.45))) for ind in indicators
        ]
    user = (
        school_class.class_teacher
        if school_class.academic_year.is_current and school_class.class_teacher
        else deputy
    )
    return levels_record(user=user, school_class=school_class, cells=cells, source="observation").created


def _thresholds(school_class, indicators, deputy) -> None:
    """The class's first test with at least two tasks measures «Смысловое чтение» by all its tasks and
    «Планирование» by its last one."""
    work = (
        DiagnosticWork.objects.filter(class_subject__school_class=school_class)
        .exclude(kind=DiagnosticWork.Kind.READING)
        .order_by("date", "id")
        .first()
    )
    numbers = list(work.tasks.values_list("number", flat=True)) if work else []
    by_name = {i.name: i for i in indicators}
    if len(numbers) < 2 or "Смысловое чтение" not in by_name or "Планирование" not in by_name:
        return
    level_thresholds_set(
        user=deputy,
        work=work,
        rows=[
            ThresholdRow(by_name["Смысловое чтение"].pk, tuple(numbers), 50, 80),
            ThresholdRow(by_name["Планирование"].pk, (numbers[-1],), 50, 100),
        ],
    )


def _surveys(rng, school_class, deputy) -> int:
    year = school_class.academic_year
    on = min(year.start_date + timedelta(days=45), timezone.localdate())
    size = len(members_on(school_class_id=school_class.pk, on=on))
    if size == 0:
        return 0
    written = 0
    for n, methodology in enumerate(SURVEYS):
        # the «classteacher»'s class answered the second survey in a small group: shown as too few
        small = n == 1 and getattr(school_class.class_teacher, "username", "") == "classteacher"
        answered = min(size, 4) if small else size
        low = rng.randint(0, answered // 4)
        high = rng.randint(0, (answered - low) // 2)
        personal_results_record(
            user=deputy,
            school_class=school_class,
            methodology=methodology,
            on=on + timedelta(days=n),
            low=low,
            optimal=answered - low - high,
            high=high,
        )
        written += 1
    return written


def _characteristics(rng, year, deputy) -> int:
    """The «classteacher»'s class and the «parent»'s children: a published version; some also a newer draft."""
    students = set(
        Student.objects.filter(
            enrolments__school_class__academic_year=year,
            enrolments__school_class__class_teacher__username="classteacher",
        ).values_list("pk", flat=True)
    )
    students |= set(
        Student.objects.filter(guardianships__guardian__username="parent").values_list("pk", flat=True)
    )
    written = 0
    teachers = dict(
        Enrolment.objects.filter(student_id__in=students, school_class__academic_year=year)
        .exclude(school_class__class_teacher=None)
        .values_list("student_id", "school_class__class_teacher")
    )
    users = User.objects.in_bulk(set(teachers.values()))
    for student in Student.objects.filter(pk__in=students).order_by("pk"):
        author = users.get(teachers.get(student.pk), deputy)  # the class teacher writes it
        text = {
            "achievements": rng.choice(ACHIEVEMENTS),
            "qualities": rng.choice(QUALITIES),
            "development": rng.choice(DEVELOPMENT),
        }
        version = characteristic_save(user=author, student=student, year=year, **text)
        characteristic_publish(user=author, characteristic=version)
        written += 1
        if rng.random() < 0.3:
            characteristic_save(
                user=deputy, student=student, year=year, **{**text, "development": "Черновик: дополнить."}
            )
    return written
