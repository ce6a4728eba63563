"""The сводная ведомость selector on a school built by hand (tests/gradebook/reports_school.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.errors import DomainError
from gradebook.journal_services import term_mark_set
from gradebook.models import TermMark
from gradebook.reports.ledger import ledger
from gradebook.services import enrolment_create, enrolment_transfer, school_class_create
from tests.factories import StudentFactory
from tests.gradebook.reports_school import build_reports_school, set_term_mark

D = Decimal


@pytest.fixture
def school(world):
    return build_reports_school(world)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def figures_tuple(f):
    return (
        f.students,
        f.assessed,
        f.passing,
        f.excellent,
        f.good,
        f.one_three,
        f.one_four,
        f.failing,
        f.not_attested,
        f.success,
        f.quality,
        f.sou,
        f.mean,
    )


def test_class_ledger_lists_every_student_mark_and_category(world, school):
    result = ledger(scope="class", year=world.year, class_id=world.class_a.pk, period=school.term.pk)
    (class_a,) = result.classes
    assert [s.short_name for s in class_a.subjects] == ["Мат", "Рус", "ОРКСЭ"]
    rows = {r.name: r for r in class_a.students}
    assert [r.name for r in class_a.students] == [
        "Аннина Анна",
        "Борисов Борис",
        "Глебов Глеб",
        "Динина Дина",
        "Егоров Егор",
        "Жаннина Жанна",
    ]
    assert rows["Аннина Анна"].cells == (5, 5, "pass")
    assert rows["Динина Дина"].cells == (2, 3, "fail")
    assert rows["Жаннина Жанна"].cells == ("n/a", 5, "pass")
    assert rows["Егоров Егор"].cells == (2, 2, None)
    assert {name: r.category for name, r in rows.items()} == {
        "Аннина Анна": "excellent student",
        "Борисов Борис": "with one «4»",
        "Глебов Глеб": "with one «3»",
        "Динина Дина": "failing",
        "Жаннина Жанна": "not attested",
        "Егоров Егор": "",
    }
    assert class_a.teacher == "Ct_a Т."


def test_a_student_who_left_mid_term_is_listed_as_left_and_not_counted(world, school):
    result = ledger(scope="class", year=world.year, class_id=world.class_a.pk, period=school.term.pk)
    (class_a,) = result.classes
    egor = next(r for r in class_a.students if r.name == "Егоров Егор")
    assert egor.left and egor.left_on == world.year.start_date + timedelta(days=19) and egor.standing is None
    # 5, not 6; and Egor's two «2» are not among the marks.
    assert figures_tuple(class_a.figures) == (
        5,
        5,
        3,
        1,
        1,
        1,
        1,
        1,
        1,
        D("60.00"),
        D("40.00"),
        D("68.44"),
        D("4.00"),
    )
    assert class_a.figures.marks == (0, 1, 2, 2, 4)
    assert result.grades == () and result.school is None
    assert result.total == class_a.figures


def test_school_ledger_has_class_grade_and_school_figures(world, school):
    result = ledger(scope="school", year=world.year, period=school.term.pk)
    assert [c.name for c in result.classes] == ["1А", "5А", "5Б"]
    by_name = {c.name: c for c in result.classes}
    # Vera's single «4» is exactly one 4 with the rest (none) 5: хорошист with one «4».
    assert figures_tuple(by_name["5Б"].figures) == (
        1,
        1,
        1,
        0,
        1,
        0,
        1,
        0,
        0,
        D("100.00"),
        D("100.00"),
        D("64.00"),
        D("4.00"),
    )
    grades = {g.grade: g for g in result.grades}
    assert figures_tuple(grades[5].figures) == (
        6,
        6,
        4,
        1,
        2,
        1,
        2,
        1,
        1,
        D("66.67"),
        D("50.00"),
        D("68.00"),
        D("4.00"),
    )
    assert grades[5].classes == 2
    assert figures_tuple(result.school) == (
        7,
        6,
        4,
        1,
        2,
        1,
        2,
        1,
        1,
        D("66.67"),
        D("50.00"),
        D("68.00"),
        D("4.00"),
    )
    assert result.school_name == "МБОУ «Тестовая школа»"
    assert result.scope.period_label == "quarter 1"


def test_a_grade_1_class_shows_its_results_but_has_no_numeric_figures(world, school):
    result = ledger(scope="class", year=world.year, class_id=school.class_1.pk, period=school.term.pk)
    (class_1,) = result.classes
    assert [(r.name, r.cells, r.category) for r in class_1.students] == [("Фомин Фома", ("achieved",), "")]
    assert figures_tuple(class_1.figures) == (1, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, None)


def test_an_empty_term_lists_the_class_with_zeros_and_no_percentages(world, school):
    result = ledger(scope="grade", year=world.year, grade=5, period=school.term2.pk)
    class_a = result.classes[0]
    # Egor left before the 2nd quarter began: not listed at all.
    assert [r.name for r in class_a.students] == [
        "Аннина Анна",
        "Борисов Борис",
        "Глебов Глеб",
        "Динина Дина",
        "Жаннина Жанна",
    ]
    assert all(cell is None for r in class_a.students for cell in r.cells)
    assert figures_tuple(result.grades[0].figures) == (6, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, None)


def test_the_year_reads_annual_marks(world, school):
    term_mark_set(user=world.teacher, class_subject=world.math_a, student=world.anna, kind="annual", raw="4")
    result = ledger(scope="class", year=world.year, class_id=world.class_a.pk, period="year")
    rows = {r.name: r for r in result.classes[0].students}
    assert rows["Аннина Анна"].cells == (4, None, None)
    assert rows["Аннина Анна"].category == "with one «4»"
    assert rows["Борисов Борис"].cells == (None, None, None)
    assert result.scope.period_label == "year"


def test_a_student_moved_to_another_class_mid_term_counts_only_in_the_new_class(world, school):
    petr = StudentFactory(last_name="Петров", first_name="Пётр")
    enrolment_create(student=petr, school_class=world.class_a, start_date=world.year.start_date)
    set_term_mark(world, world.math_a, petr, school.term, "2")
    enrolment_transfer(
        student=petr, to_class=world.class_b, on_date=world.year.start_date + timedelta(days=30)
    )
    set_term_mark(world, world.math_b, petr, school.term, "5")
    result = ledger(scope="grade", year=world.year, grade=5, period=school.term.pk)
    class_a, class_b = result.classes
    assert next(r for r in class_a.students if r.name == "Петров Пётр").left
    assert next(r for r in class_b.students if r.name == "Петров Пётр").category == "excellent student"
    assert (class_a.figures.students, class_a.figures.failing) == (5, 1)
    assert (class_b.figures.students, class_b.figures.excellent) == (2, 1)


def test_a_term_of_another_scheme_is_refused_for_a_class(world, school):
    tenth = school_class_create(academic_year=world.year, grade=10, letter="А")
    with pytest.raises(DomainError) as refused:
        ledger(scope="class", year=world.year, class_id=tenth.pk, period=school.term.pk)
    assert refused.value.code == "other_scheme"


def test_the_school_ledger_for_a_quarter_leaves_out_classes_on_half_years(world, school):
    school_class_create(academic_year=world.year, grade=10, letter="А")
    result = ledger(scope="school", year=world.year, period=school.term.pk)
    assert [c.name for c in result.classes] == ["1А", "5А", "5Б"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"scope": "galaxy", "period": "year"}, "invalid_scope"),
        ({"scope": "class", "class_id": "x", "period": "year"}, "invalid_parameter"),
        ({"scope": "class", "class_id": 0, "period": "year"}, "invalid_class"),
        ({"scope": "grade", "grade": 12, "period": "year"}, "invalid_grade"),
        ({"scope": "school", "period": 999999}, "invalid_period"),
    ],
)
def test_invalid_parameters_are_refused_with_a_message(world, params, code):
    with pytest.raises(DomainError) as refused:
        ledger(year=world.year, **params)
    assert refused.value.code == code


def _grow(world, school, n):
    """n more students in 5Б with a mark each, and a class 6А with n students and marks."""
    sixth = school_class_create(academic_year=world.year, grade=6, letter="А")
    from gradebook.services import class_subject_set

    math_6 = class_subject_set(school_class=sixth, subject=world.math_a.subject)
    for i in range(n):
        for school_class, class_subject in ((world.class_b, world.math_b), (sixth, math_6)):
            student = StudentFactory()
            enrolment_create(student=student, school_class=school_class, start_date=world.year.start_date)
            set_term_mark(world, class_subject, student, school.term, str(2 + i % 4))


def test_the_number_of_queries_does_not_grow_with_the_school(world, school, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        ledger(scope="school", year=world.year, period=school.term.pk)
    _grow(world, school, 15)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as large:
        result = ledger(scope="school", year=world.year, period=school.term.pk)
    assert len(result.classes) == 4 and sum(c.figures.students for c in result.classes) == 37
    assert len(large.captured_queries) == len(small.captured_queries)


def test_progress_is_reported_after_each_class(world, school):
    calls = []
    ledger(scope="school", year=world.year, period=school.term.pk, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_term_marks_of_other_terms_and_kinds_are_not_shown(world, school):
    set_term_mark(world, world.math_a, world.anna, school.term2, "2")
    result = ledger(scope="class", year=world.year, class_id=world.class_a.pk, period=school.term.pk)
    assert result.classes[0].students[0].cells[0] == 5
    assert TermMark.objects.filter(student=world.anna).count() == 4


def test_a_scope_without_classes_reads_no_marks_and_has_no_figures(world):
    """An empty school (no class in the year) builds an empty ledger instead of failing on an empty query."""
    from gradebook.models import AcademicYear

    empty = AcademicYear.objects.create(
        name="2001/2002",
        start_date=world.year.start_date.replace(year=2001),
        end_date=world.year.end_date.replace(year=2002),
    )
    result = ledger(scope="school", year=empty, period="year")
    assert result.classes == () and result.school.students == 0 and result.school.success is None
