"""A small closed-ready year, known by hand (start 2024, so the clock is ours, not today's):

- 5А: Аннина Анна (annual Математика 5, Русский 4) and Борисов Борис (Математика 2 → a debt, Русский 4).
- 9А: Глебов Глеб (annual 4, 5; final 4, 5 → certificate 2025-9-001) and Дашина Дарья (final
  Математика 2 → no certificate: repeats grade 9).
- 11А: Егоров Егор (annual and final 5, 5 → certificate 2025-11-001, graduates).
Every term of every class is closed. Nothing in the current year is touched.
"""

from dataclasses import dataclass

from accounts.models import Role
from accounts.services import user_create
from gradebook.journal_services import term_close, term_mark_set
from gradebook.models import AcademicYear, SchoolClass, Subject, Term, TermMark
from gradebook.services import academic_year_create, class_subject_set, enrolment_create, school_class_create
from tests.factories import PASSWORD, StudentFactory

MARKS = {  # student → (annual math, annual russian, final math, final russian)
    "anna": ("5", "4", None, None),
    "boris": ("2", "4", None, None),
    "gleb": ("4", "5", "4", "5"),
    "dasha": ("3", "4", "2", "4"),
    "egor": ("5", "5", "5", "5"),
}


@dataclass
class ArchiveSchool:
    year: AcademicYear
    deputy: object
    director: object
    classes: dict
    students: dict


def build_archive_school(*, close_terms: bool = True, annual: bool = True) -> ArchiveSchool:
    deputy = user_create(
        username="a_deputy", last_name="Замова", first_name="Зоя", password=PASSWORD, roles=[Role.DEPUTY]
    )
    director = user_create(
        username="a_director",
        last_name="Директоров",
        first_name="Дмитрий",
        password=PASSWORD,
        roles=[Role.DIRECTOR],
    )
    year = academic_year_create(start_year=2024)
    classes = {g: school_class_create(academic_year=year, grade=g, letter="А") for g in (5, 9, 11)}
    math, _ = Subject.objects.get_or_create(name="Математика", defaults={"short_name": "Мат", "order": 1})
    russian, _ = Subject.objects.get_or_create(
        name="Русский язык", defaults={"short_name": "Рус", "order": 2}
    )
    subjects = {
        g: (
            class_subject_set(school_class=c, subject=math),
            class_subject_set(school_class=c, subject=russian),
        )
        for g, c in classes.items()
    }
    people = {
        "anna": (StudentFactory(last_name="Аннина", first_name="Анна"), 5),
        "boris": (StudentFactory(last_name="Борисов", first_name="Борис"), 5),
        "gleb": (StudentFactory(last_name="Глебов", first_name="Глеб"), 9),
        "dasha": (StudentFactory(last_name="Дашина", first_name="Дарья"), 9),
        "egor": (StudentFactory(last_name="Егоров", first_name="Егор"), 11),
    }
    for key, (student, grade) in people.items():
        enrolment_create(student=student, school_class=classes[grade], start_date=year.start_date)
        if not annual:
            continue
        values = MARKS[key]
        for cs, raw in zip(subjects[grade], values[:2], strict=True):
            term_mark_set(user=deputy, class_subject=cs, student=student, kind=TermMark.Kind.ANNUAL, raw=raw)
        if grade in (9, 11):
            for cs, raw in zip(subjects[grade], values[2:], strict=True):
                term_mark_set(
                    user=deputy, class_subject=cs, student=student, kind=TermMark.Kind.FINAL, raw=raw
                )
    if close_terms:
        schemes = dict(year.grade_schemes.values_list("grade", "scheme"))
        for term in Term.objects.filter(academic_year=year):
            mine = [
                c for c in SchoolClass.objects.filter(academic_year=year) if schemes[c.grade] == term.scheme
            ]
            if mine:
                term_close(user=deputy, term=term, classes=mine)
    return ArchiveSchool(
        year=year,
        deputy=deputy,
        director=director,
        classes=classes,
        students={k: s for k, (s, _g) in people.items()},
    )
