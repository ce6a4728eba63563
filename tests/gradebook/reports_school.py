"""A small school on top of the `world` whose ledger is known by hand (used by tests/gradebook/test_reports_*).

Quarter 1, class 5А (math, Russian, ОРКСЭ pass/fail), term marks:

    Аннина Анна      5  5  зач   отличник
    Борисов Борис    5  4  зач   хорошист, с одной «4»
    Глебов Глеб      3  4  зач   с одной «3»
    Динина Дина      2  3  незач неуспевающий
    Жаннина Жанна    н/а 5 зач   н/а
    Егоров Егор      2  2  —     left on 20 September: listed, not counted

    students 5, passing 3 → успеваемость 60.00; отличники + хорошисты 2 → качество 40.00;
    marks 5×4, 4×2, 3×2, 2×1 = 9 → СОУ (400 + 128 + 72 + 16) / 9 = 68.44, средний балл 36 / 9 = 4.00.

5Б: Верина Вера, math 4 → хорошист with one «4»: 100.00, 100.00, СОУ 64.00, 4.00.
Grade 5: students 6, passing 4 → 66.67; quality 3 / 6 → 50.00; marks 5×4, 4×3, 3×2, 2×1 = 10 →
    СОУ (400 + 192 + 72 + 16) / 10 = 68.00, mean 40 / 10 = 4.00.
1А (grade 1, basic level): Фомин Фома «в» → listed, no figures. School = grade 5's figures, 7 students.
Quarter 2 is empty: nothing set.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from gradebook.journal_services import term_mark_set, term_of
from gradebook.models import AssessmentScale, Subject
from gradebook.services import class_subject_set, enrolment_create, enrolment_end, school_class_create
from tests.factories import StudentFactory

D = Decimal


@dataclass
class ReportsSchool:
    term: object
    term2: object
    orkse_a: object
    class_1: object
    students: dict  # last name → Student


def build_reports_school(world) -> ReportsSchool:
    term = term_of(school_class=world.class_a, on=world.year.start_date + timedelta(days=7))
    term2 = term_of(school_class=world.class_a, on=term.end_date + timedelta(days=15))
    orkse = Subject.objects.create(name="Основы религиозных культур", short_name="ОРКСЭ", order=50)
    orkse_a = class_subject_set(school_class=world.class_a, subject=orkse, scale=AssessmentScale.PASS_FAIL)
    students = {"Аннина": world.anna, "Борисов": world.boris, "Верина": world.vera}
    for last, first in (("Глебов", "Глеб"), ("Динина", "Дина"), ("Жаннина", "Жанна"), ("Егоров", "Егор")):
        students[last] = StudentFactory(last_name=last, first_name=first)
        enrolment_create(student=students[last], school_class=world.class_a, start_date=world.year.start_date)
    rows = {
        "Аннина": ("5", "5", "зач"),
        "Борисов": ("5", "4", "зач"),
        "Глебов": ("3", "4", "зач"),
        "Динина": ("2", "3", "незач"),
        "Жаннина": ("н/а", "5", "зач"),
        "Егоров": ("2", "2", None),
    }
    for last, results in rows.items():
        for class_subject, raw in zip((world.math_a, world.russian_a, orkse_a), results, strict=True):
            if raw is not None:
                set_term_mark(world, class_subject, students[last], term, raw)
    set_term_mark(world, world.math_b, world.vera, term, "4")
    left = students["Егоров"].enrolments.get()
    enrolment_end(
        enrolment=left, end_date=world.year.start_date + timedelta(days=19), reason="transfer_school"
    )

    class_1 = school_class_create(academic_year=world.year, grade=1, letter="А")
    world_around = Subject.objects.create(name="Окружающий мир", short_name="Окр", order=60)
    around_1 = class_subject_set(school_class=class_1, subject=world_around)
    students["Фомин"] = StudentFactory(last_name="Фомин", first_name="Фома")
    enrolment_create(student=students["Фомин"], school_class=class_1, start_date=world.year.start_date)
    set_term_mark(world, around_1, students["Фомин"], term, "в")
    return ReportsSchool(term, term2, orkse_a, class_1, students)


def set_term_mark(world, class_subject, student, term, raw):
    return term_mark_set(user=world.teacher, class_subject=class_subject, student=student, term=term, raw=raw)
