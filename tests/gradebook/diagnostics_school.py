"""Diagnostic works on top of the `world`, with results known by hand (used by tests/gradebook/test_diagnostics*
and test_reports_diagnostics).

5А, mathematics (teacher), стартовая, on day 7 of the year: three tasks, marks from 50 / 70 / 90 %:

    task            1    2    3        max total 6
    max points      1    2    3
    passed from     1    1    2

    Аннина Анна     1    2    3   total 6   100.00 %  (600 ≥ 90·6 = 540)            → «5»
    Борисов Борис   1    1    2   total 4    66.67 %  (400 < 70·6 = 420, ≥ 300)      → «3»
    Глебов Глеб     0    2    1   total 3    50.00 %  (300 ≥ 50·6 = 300, exactly)    → «3»
    Динина Дина     absent

    wrote 3; passed task 1: Анна, Борис → 2 / 3 = 66.67 %; task 2: all three (1, 2, 2 ≥ 1) → 100.00 %;
    task 3: Анна 3, Борис 2 (≥ 2), not Глеб 1 → 2 / 3 = 66.67 %. Mean 13 / 18 = 72.22 %.
    marks 5, 3, 3: success 3 / 3 = 100.00 %, quality 1 / 3 = 33.33 %, SOU (100 + 36 + 36) / 3 = 57.33 %,
    mean mark 11 / 3 = 3.67.

5А, Russian (colleague), административная, on day 8: one task (max 2, passed from 1), unmarked;
    Анна 2, Борис 0 → task passed by 1 / 2 = 50.00 %.

3А (no class teacher), Литературное чтение (colleague), reading technique on day 7 against the start-of-year
norm of grade 3 (50–55 words per minute):
    Ильина Ира 45 → below; Карпов Кирилл 50 → at (the lower end counts); Лебедев Лев 55 → at (the upper
    end counts); Миронова Мира 60 → above; Носов Никита absent.
    read 4: below 1 (25.00 %), at 2 (50.00 %), above 1 (25.00 %).
3Б, Литературное чтение (colleague), reading on day 9, same norm: Орлова Оля 70 → above, Петров Пётр 40 → below.
Grade 3 (and the school): below 2, at 2, above 2 of 6 → 33.33 % each.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from gradebook.diagnostic_services import (
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
    reading_norms_ensure,
)
from gradebook.models import ReadingPeriod, Subject
from gradebook.services import (
    class_subject_set,
    enrolment_create,
    school_class_create,
    teaching_assignment_create,
)
from tests.factories import StudentFactory


def day(world, n: int):
    """Day n of the year, never in the future (works with results cannot be)."""
    return min(world.year.start_date + timedelta(days=n), timezone.localdate())


@dataclass
class DiagnosticsSchool:
    math_work: object
    russian_work: object
    reading_a: object
    reading_b: object
    class_3a: object
    class_3b: object
    reading_3a: object  # the class subject
    students: dict  # last name → Student


def enrol(world, school_class, last, first):
    student = StudentFactory(last_name=last, first_name=first)
    enrolment_create(student=student, school_class=school_class, start_date=world.year.start_date)
    return student


def build_diagnostics_school(world) -> DiagnosticsSchool:
    reading_norms_ensure()
    students = {"Аннина": world.anna, "Борисов": world.boris, "Верина": world.vera}
    students["Глебов"] = enrol(world, world.class_a, "Глебов", "Глеб")
    students["Динина"] = enrol(world, world.class_a, "Динина", "Дина")
    math_work = diagnostic_work_create(
        user=world.teacher,
        class_subject=world.math_a,
        kind="start",
        on=day(world, 7),
        title="Входная",
        tasks=[TaskSpec(1, 1, "Счёт"), TaskSpec(2, 1, "Дроби"), TaskSpec(3, 2, "Задача")],
        thresholds=(50, 70, 90),
    )
    rows = {"Аннина": (1, 2, 3), "Борисов": (1, 1, 2), "Глебов": (0, 2, 1)}
    diagnostic_results_record(
        user=world.teacher,
        work=math_work,
        rows=[ResultRow(students[n].pk, points=p) for n, p in rows.items()]
        + [ResultRow(students["Динина"].pk, absent=True)],
    )
    russian_work = diagnostic_work_create(
        user=world.colleague,
        class_subject=world.russian_a,
        kind="administrative",
        on=day(world, 8),
        tasks=[TaskSpec(2, 1)],
    )
    diagnostic_results_record(
        user=world.colleague,
        work=russian_work,
        rows=[ResultRow(world.anna.pk, points=(2,)), ResultRow(world.boris.pk, points=(0,))],
    )

    reading = Subject.objects.create(name="Литературное чтение", short_name="Лит. чт.", order=3)
    class_3a = school_class_create(academic_year=world.year, grade=3, letter="А")
    class_3b = school_class_create(academic_year=world.year, grade=3, letter="Б")
    reading_3a = class_subject_set(school_class=class_3a, subject=reading)
    reading_3b = class_subject_set(school_class=class_3b, subject=reading)
    for class_subject in (reading_3a, reading_3b):
        teaching_assignment_create(teacher=world.colleague, class_subject=class_subject)
    speeds_a = {
        "Ильина": ("Ира", 45),
        "Карпов": ("Кирилл", 50),
        "Лебедев": ("Лев", 55),
        "Миронова": ("Мира", 60),
    }
    for last, (first, _wpm) in speeds_a.items():
        students[last] = enrol(world, class_3a, last, first)
    students["Носов"] = enrol(world, class_3a, "Носов", "Никита")
    reading_a = diagnostic_work_create(
        user=world.colleague,
        class_subject=reading_3a,
        kind="reading",
        on=day(world, 7),
        reading_period=ReadingPeriod.START,
    )
    diagnostic_results_record(
        user=world.colleague,
        work=reading_a,
        rows=[ResultRow(students[last].pk, words_per_minute=wpm) for last, (_f, wpm) in speeds_a.items()]
        + [ResultRow(students["Носов"].pk, absent=True)],
    )
    speeds_b = {"Орлова": ("Оля", 70), "Петров": ("Пётр", 40)}
    for last, (first, _wpm) in speeds_b.items():
        students[last] = enrol(world, class_3b, last, first)
    reading_b = diagnostic_work_create(
        user=world.colleague,
        class_subject=reading_3b,
        kind="reading",
        on=day(world, 9),
        reading_period=ReadingPeriod.START,
    )
    diagnostic_results_record(
        user=world.colleague,
        work=reading_b,
        rows=[ResultRow(students[last].pk, words_per_minute=wpm) for last, (_f, wpm) in speeds_b.items()],
    )
    return DiagnosticsSchool(
        math_work, russian_work, reading_a, reading_b, class_3a, class_3b, reading_3a, students
    )
