"""The demo school's diagnostic works, written after the journal with their own random generator (the same
school, seed and `until` give the same works and results):

- стартовая контрольная работа in mathematics and Russian for every 5th-grade class, and in mathematics for
  every 2nd-grade class, in the third week of September: eight tasks each, marked 50 / 70 / 90 %;
- техника чтения for every class of grades 2–4: in the fourth week of September against the start-of-year
  norm, and, once `until` reaches it, in the last week of the 1st half-year against its norm.

Each student gets a reading skill (a share of the norm) and a test skill once, so the same child reads
and writes consistently; about one in twenty misses each work. Everything goes through
gradebook.diagnostic_services in the name of the subject's teacher, so the rules are the app's own.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gradebook.diagnostic_selectors import members_on
from gradebook.diagnostic_services import (
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
    reading_norms_ensure,
)
from gradebook.models import (
    AcademicYear,
    ClassSubject,
    DiagnosticResult,
    DiagnosticWork,
    ReadingNorm,
    ReadingPeriod,
    Term,
    TermScheme,
)

ABSENT = 0.05
THRESHOLDS = (50, 70, 90)
MATH_5 = (
    ("Действия с натуральными числами", 1, 1),
    ("Порядок действий", 1, 1),
    ("Единицы измерения", 1, 1),
    ("Текстовая задача на движение", 2, 1),
    ("Периметр и площадь прямоугольника", 2, 1),
    ("Уравнение", 2, 2),
    ("Задача на части", 3, 2),
    ("Логическая задача", 3, 2),
)
RUSSIAN_5 = (
    ("Безударные гласные в корне", 1, 1),
    ("Парные согласные", 1, 1),
    ("Разделительные Ъ и Ь", 1, 1),
    ("Падежные окончания существительных", 2, 1),
    ("Личные окончания глаголов", 2, 1),
    ("Разбор предложения по членам", 2, 2),
    ("Знаки препинания при однородных членах", 3, 2),
    ("Основная мысль текста", 3, 2),
)
MATH_2 = (
    ("Счёт в пределах 20", 1, 1),
    ("Сравнение чисел", 1, 1),
    ("Сложение и вычитание без перехода через десяток", 1, 1),
    ("Сложение с переходом через десяток", 2, 1),
    ("Задача в одно действие", 2, 1),
    ("Длина отрезка", 2, 2),
    ("Задача в два действия", 3, 2),
    ("Закономерность", 3, 2),
)
TESTS = {5: (("math", MATH_5), ("rus", RUSSIAN_5)), 2: (("math", MATH_2),)}
SUBJECT_NAMES = {"math": "Математика", "rus": "Русский язык", "litread": "Литературное чтение"}
WAYS = (
    DiagnosticResult.ReadingWay.SYLLABLES,
    DiagnosticResult.ReadingWay.MIXED,
    DiagnosticResult.ReadingWay.WORDS,
    DiagnosticResult.ReadingWay.PHRASES,
)


@dataclass(frozen=True)
class DiagnosticsSummary:
    works: int
    results: int


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class _Skills:
    """One test skill and one reading skill per student, drawn on first use in a fixed order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.test: dict[int, float] = {}
        self.reading: dict[int, float] = {}

    def of(self, student_id: int) -> tuple[float, float]:
        if student_id not in self.test:
            self.test[student_id] = min(0.98, max(0.15, self.rng.gauss(0.76, 0.15)))
            self.reading[student_id] = min(1.5, max(0.45, self.rng.gauss(1.0, 0.22)))
        return self.test[student_id], self.reading[student_id]


@transaction.atomic
def build_demo_diagnostics(*, seed: int, until: date | None = None) -> DiagnosticsSummary:
    """Writes the works dated up to `until` (default: today, and never later than today)."""
    until = min(until or timezone.localdate(), timezone.localdate())
    reading_norms_ensure()
    year = AcademicYear.objects.get(is_current=True)
    rng = random.Random(f"diagnostics:{seed}")
    skills = _Skills(rng)
    start = year.start_date
    test_day = _weekday_on_or_after(start + timedelta(days=14))
    reading_day = _weekday_on_or_after(start + timedelta(days=21))
    half = Term.objects.filter(academic_year=year, scheme=TermScheme.HALF_YEAR, number=1).first()
    half_day = half.end_date - timedelta(days=7) if half else None
    lines = _lines(year)
    works = results = 0
    for (grade, _letter, key), class_subject in sorted(lines.items(), key=lambda item: item[0]):
        plans = []
        for test_key, tasks in TESTS.get(grade, ()):
            if test_key == key and test_day <= until:
                plans.append(("test", test_day, tasks))
        if key == "litread" and 2 <= grade <= 4:
            if reading_day <= until:
                plans.append(("reading", reading_day, ReadingPeriod.START))
            if half_day is not None and _weekday_on_or_after(half_day) <= until:
                plans.append(("reading", _weekday_on_or_after(half_day), ReadingPeriod.HALF_YEAR))
        for plan in plans:
            results += _write(rng, skills, class_subject, *plan)
            works += 1
    return DiagnosticsSummary(works, results)


def _lines(year: AcademicYear) -> dict[tuple[int, str, str], ClassSubject]:
    """(grade, letter, subject key) → the class's curriculum line, for the subjects the demo checks."""
    keys = {name: key for key, name in SUBJECT_NAMES.items()}
    found = {}
    rows = ClassSubject.objects.filter(
        school_class__academic_year=year, subject__name__in=keys, school_class__grade__lte=5
    ).select_related("school_class", "subject")
    for cs in rows:
        found[cs.school_class.grade, cs.school_class.letter, keys[cs.subject.name]] = cs
    return found


def _teacher(class_subject: ClassSubject):
    assignment = class_subject.assignments.select_related("teacher").order_by("pk").first()
    return assignment.teacher if assignment else None


def _write(rng, skills, class_subject, kind, on, detail) -> int:
    teacher = _teacher(class_subject)
    if teacher is None:
        return 0
    students = list(members_on(school_class_id=class_subject.school_class_id, on=on))
    if kind == "test":
        work = diagnostic_work_create(
            user=teacher,
            class_subject=class_subject,
            kind=DiagnosticWork.Kind.START,
            on=on,
            title="Входная диагностика",
            tasks=[TaskSpec(max_points, pass_points, text) for text, max_points, pass_points in detail],
            thresholds=THRESHOLDS,
        )
        rows = [_test_row(rng, skills, s, detail) for s in students]
    else:
        work = diagnostic_work_create(
            user=teacher,
            class_subject=class_subject,
            kind=DiagnosticWork.Kind.READING,
            on=on,
            reading_period=detail,
        )
        norm = ReadingNorm.objects.filter(grade=class_subject.school_class.grade, period=detail).first()
        middle = (norm.words_from + norm.words_to) / 2 if norm else 40
        rows = [_reading_row(rng, skills, s, middle) for s in students]
    diagnostic_results_record(user=teacher, work=work, rows=rows)
    return len(rows)


def _test_row(rng, skills, student_id, tasks) -> ResultRow:
    skill, _reading = skills.of(student_id)
    if rng.random() < ABSENT:
        return ResultRow(student_id, absent=True, points=(None,) * len(tasks))
    points = []
    for _text, max_points, _pass in tasks:
        chance = min(0.99, max(0.01, skill + rng.uniform(-0.15, 0.15) - 0.03 * (max_points - 1)))
        points.append(sum(rng.random() < chance for _ in range(max_points)))
    return ResultRow(student_id, points=tuple(points))


def _reading_row(rng, skills, student_id, middle: float) -> ResultRow:
    _skill, reading = skills.of(student_id)
    if rng.random() < ABSENT:
        return ResultRow(student_id, absent=True)
    wpm = max(5, round(middle * reading + rng.gauss(0, 3)))
    way = WAYS[sum(reading >= edge for edge in (0.7, 0.9, 1.3))]
    comprehension = (
        DiagnosticResult.Comprehension.FULL
        if reading > 0.85
        else DiagnosticResult.Comprehension.PARTIAL
        if reading > 0.6
        else DiagnosticResult.Comprehension.NONE
    )
    return ResultRow(student_id, words_per_minute=wpm, reading_way=way, comprehension=comprehension)
