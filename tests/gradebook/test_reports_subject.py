"""Отчет учителя-предметника on the hand-built school (tests/gradebook/reports_school.py), extended here:

English in 5А is taught in two subgroups: Группа 1 (Анна, Борис, Егоров) by `teacher`, Группа 2 (Глеб, Дина,
Жанна) by `colleague`. Grade 1 gets Юлия («нв»). Quarter 2 marks for 5А and 5Б; quarter 3 stays empty;
5Б: Вера has «4» for quarter 4 and «5» for the year. Nobody teaches ОРКСЭ and Окружающий мир (rows without
a teacher). Егоров left on 20 September: in quarter 1 he is in no row's figures, nor in quarter 2's lists.

                 Мат  Рус  ОРКСЭ  Англ             Мат  Рус  ОРКСЭ  Англ
    quarter 1                                   quarter 2
    Аннина       5    5    зач    4 (Гр.1)         5    5    зач    5
    Борисов      5    4    зач    4 (Гр.1)         4    5    зач    4
    Глебов       3    4    зач    5 (Гр.2)         4    4    зач    5
    Динина       2    3    незач  3 (Гр.2)         2    3    зач    4
    Жаннина      н/а  5    зач    2 (Гр.2)         4    н/а  зач    3
    Егоров       2    2    —      5 (Гр.1) left
    5Б Верина    4                                  5

Quarter 2 rows (success / quality / СОУ / mean; in brackets quarter 1, and the change):
- Математика 5А (teacher): 5, 4, 4, 2, 4 → passing 4/5 = 80.00; «4»+«5» 4/5 = 80.00;
  СОУ (100 + 3·64 + 16)/5 = 308/5 = 61.60; mean 19/5 = 3.80.
  [q1: 5, 5, 3, 2, н/а → 3/5 = 60.00, 2/5 = 40.00, (200 + 36 + 16)/4 = 63.00, 15/4 = 3.75]
  change +20.00, +40.00, −1.40, +0.05.
- Математика 5Б (other_teacher): 5 → 100.00, 100.00, 100.00, 5.00 [q1: 4 → 100, 100, 64.00, 4.00].
- Total Математика: 6 results, marks 5×2, 4×3, 2×1 → 5/6 = 83.33, 5/6 = 83.33, (200 + 192 + 16)/6 = 68.00,
  24/6 = 4.00 [q1: 4/6 = 66.67, 3/6 = 50.00, (200 + 64 + 36 + 16)/5 = 63.20, 19/5 = 3.80]
  change +16.66, +33.33, +4.80, +0.20 (differences of the figures as shown).
- Русский язык 5А (colleague): 5, 5, 4, 3, н/а → 4/5 = 80.00, 3/5 = 60.00, (200 + 64 + 36)/4 = 75.00,
  17/4 = 4.25 [q1: 5, 4, 4, 3, 5 → 100.00, 80.00, 364/5 = 72.80, 4.20] change −20.00, −20.00, +2.20, +0.05.
- Английский 5А, Группа 1 (teacher): 5, 4 → 100, 100, 82.00, 4.50 [q1: 4, 4 (Егоров left) → 100, 100, 64.00,
  4.00]; Группа 2 (colleague): 5, 4, 3 → 100.00, 66.67, 200/3 = 66.67, 4.00 [q1: 5, 3, 2 → 66.67, 33.33,
  152/3 = 50.67, 10/3 = 3.33]. Total Английский: 100.00, 80.00, 72.80, 4.20 [q1: 4/5 = 80.00, 3/5 = 60.00,
  280/5 = 56.00, 18/5 = 3.60].
- ОРКСЭ 5А (pass/fail, no teacher): 5 зач → 100.00, no quality, СОУ, mean [q1: 4 зач, 1 незач → 80.00].
- Окружающий мир 1А (basic level): quarter 1 Фома «в», Юлия «нв»: 2 assessed, achieved 1, not achieved 1,
  no figures; quarter 2 nothing set.
Per teacher, quarter 2: teacher (Мат 5А + Англ Гр.1, 7 results): 6/7 = 85.71, 6/7 = 85.71,
  (200 + 256 + 16)/7 = 67.43, 28/7 = 4.00 [q1: 5/7 = 71.43, 4/7 = 57.14, 380/6 = 63.33, 23/6 = 3.83];
  colleague (Рус + Англ Гр.2, 8 results): 7/8 = 87.50, 5/8 = 62.50, 500/7 = 71.43, 29/7 = 4.14
  [q1: 87.50, 62.50, 516/8 = 64.50, 31/8 = 3.88].
The year, 5Б: annual «5» against quarter 4's «4» → СОУ 100.00 (64.00, +36.00), mean 5.00 (4.00, +1.00).
"""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.errors import DomainError
from gradebook.journal_services import term_mark_set
from gradebook.models import GradingPolicy, ReportJob, Subgroup, Subject, Term
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.reports.kinds import KINDS
from gradebook.reports.subject_report import subject_report_build, subject_scope_check
from gradebook.reports.subject_report_layout import subject_report_layout
from gradebook.services import (
    class_subject_set,
    enrolment_create,
    school_class_create,
    teaching_assignment_create,
)
from tests.conftest import PERSONAS
from tests.factories import StudentFactory
from tests.gradebook.reports_school import build_reports_school, set_term_mark

D = Decimal
URL = reverse("report_page", args=["subject-results"])

QUARTER_2 = {  # Мат, Рус, ОРКСЭ, Англ
    "Аннина": ("5", "5", "зач", "5"),
    "Борисов": ("4", "5", "зач", "4"),
    "Глебов": ("4", "4", "зач", "5"),
    "Динина": ("2", "3", "зач", "4"),
    "Жаннина": ("4", "н/а", "зач", "3"),
}
ENGLISH_Q1 = {"Аннина": "4", "Борисов": "4", "Егоров": "5", "Глебов": "5", "Динина": "3", "Жаннина": "2"}


@pytest.fixture
def school(world):
    built = build_reports_school(world)
    s = built.students
    english = Subject.objects.create(name="Английский язык", short_name="Англ", order=3)
    built.english_a = class_subject_set(school_class=world.class_a, subject=english)
    group_1 = Subgroup.objects.create(school_class=world.class_a, name="Группа 1")
    group_1.students.set([s["Аннина"], s["Борисов"], s["Егоров"]])
    group_2 = Subgroup.objects.create(school_class=world.class_a, name="Группа 2")
    group_2.students.set([s["Глебов"], s["Динина"], s["Жаннина"]])
    teaching_assignment_create(teacher=world.teacher, class_subject=built.english_a, subgroup=group_1)
    teaching_assignment_create(teacher=world.colleague, class_subject=built.english_a, subgroup=group_2)
    for last, raw in ENGLISH_Q1.items():
        set_term_mark(world, built.english_a, s[last], built.term, raw)
    lines = (world.math_a, world.russian_a, built.orkse_a, built.english_a)
    for last, results in QUARTER_2.items():
        for line, raw in zip(lines, results, strict=True):
            set_term_mark(world, line, s[last], built.term2, raw)
    set_term_mark(world, world.math_b, world.vera, built.term2, "5")

    s["Юлина"] = StudentFactory(last_name="Юлина", first_name="Юлия")
    enrolment_create(student=s["Юлина"], school_class=built.class_1, start_date=world.year.start_date)
    around_1 = built.class_1.class_subjects.get()
    set_term_mark(world, around_1, s["Юлина"], built.term, "нв")

    quarters = {t.number: t for t in Term.objects.filter(academic_year=world.year, scheme="quarter")}
    built.term3, built.term4 = quarters[3], quarters[4]
    set_term_mark(world, world.math_b, world.vera, built.term4, "4")
    term_mark_set(
        user=world.other_teacher, class_subject=world.math_b, student=world.vera, kind="annual", raw="5"
    )
    return built


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def report(user, **params):
    return subject_report_build(subject_scope_check(user=user, params=params))


def figures(tally):
    f = tally.figures
    return (f.success, f.quality, f.sou, f.mean)


def change(item):
    c = item.change
    return (c.success, c.quality, c.sou, c.mean)


def rows_by(built):
    return {(r.subject, r.class_label): r for r in built.rows}


def D4(*values):
    return tuple(None if v is None else D(v) for v in values)


# The figures ----------------------------------------------------------------------------------------------


def test_quarter_2_rows_have_the_distribution_and_figures_known_by_hand(world, school):
    built = report(world.deputy, scope="school", period=school.term2.pk)
    assert [(r.subject, r.class_label, r.teacher) for r in built.rows] == [
        ("Математика", "5А", "Teacher Т."),
        ("Математика", "5Б", "Other_teacher Т."),
        ("Русский язык", "5А", "Colleague Т."),
        ("Английский язык", "5А, Группа 1", "Teacher Т."),
        ("Английский язык", "5А, Группа 2", "Colleague Т."),
        ("Основы религиозных культур", "5А", ""),
        ("Окружающий мир", "1А", ""),
    ]
    rows = rows_by(built)
    math = rows["Математика", "5А"].now
    assert (math.students, math.assessed, math.marks, math.not_attested) == (5, 5, (0, 1, 0, 3, 1), 0)
    assert figures(math) == D4("80.00", "80.00", "61.60", "3.80")
    russian = rows["Русский язык", "5А"].now
    assert (russian.assessed, russian.marks, russian.not_attested) == (5, (0, 0, 1, 1, 2), 1)
    assert figures(russian) == D4("80.00", "60.00", "75.00", "4.25")
    assert figures(rows["Математика", "5Б"].now) == D4("100.00", "100.00", "100.00", "5.00")
    assert figures(rows["Английский язык", "5А, Группа 1"].now) == D4("100.00", "100.00", "82.00", "4.50")
    assert figures(rows["Английский язык", "5А, Группа 2"].now) == D4("100.00", "66.67", "66.67", "4.00")


def test_the_previous_quarter_and_the_change_are_known_by_hand(world, school):
    built = report(world.deputy, scope="school", period=school.term2.pk)
    assert built.compared_with == "quarter 1"
    rows = rows_by(built)
    math = rows["Математика", "5А"]
    assert figures(math.before) == D4("60.00", "40.00", "63.00", "3.75")
    assert change(math) == D4("20.00", "40.00", "-1.40", "0.05")
    russian = rows["Русский язык", "5А"]
    assert figures(russian.before) == D4("100.00", "80.00", "72.80", "4.20")
    assert change(russian) == D4("-20.00", "-20.00", "2.20", "0.05")
    group_2 = rows["Английский язык", "5А, Группа 2"]
    assert figures(group_2.before) == D4("66.67", "33.33", "50.67", "3.33")
    assert change(group_2) == D4("33.33", "33.34", "16.00", "0.67")


def test_a_subgroup_row_counts_its_own_students_and_not_one_who_left(world, school):
    rows = rows_by(report(world.deputy, scope="class", class_id=world.class_a.pk, period=school.term.pk))
    group_1 = rows["Английский язык", "5А, Группа 1"].now
    # Егоров («5») left on 20 September: Анна and Борис only
    assert (group_1.students, group_1.assessed, group_1.marks) == (2, 2, (0, 0, 0, 2, 0))
    assert figures(group_1) == D4("100.00", "100.00", "64.00", "4.00")
    math = rows["Математика", "5А"]  # Егоров's «2» is in no figure and not listed
    assert (math.now.students, math.now.marks) == (5, (0, 1, 1, 0, 2))
    assert [(f.name, f.result) for f in math.flagged] == [("Динина Дина", "2"), ("Жаннина Жанна", "n/a")]


def test_totals_per_subject_and_per_teacher_count_each_result_once(world, school):
    built = report(world.deputy, scope="school", period=school.term2.pk)
    subjects = {t.label: t for t in built.subjects}
    math = subjects["Математика"]
    assert (math.rows, math.now.students, math.now.marks) == (2, 6, (0, 1, 0, 3, 2))
    assert figures(math.now) == D4("83.33", "83.33", "68.00", "4.00")
    assert figures(math.before) == D4("66.67", "50.00", "63.20", "3.80")
    assert change(math) == D4("16.66", "33.33", "4.80", "0.20")
    english = subjects["Английский язык"]
    assert figures(english.now) == D4("100.00", "80.00", "72.80", "4.20")
    assert figures(english.before) == D4("80.00", "60.00", "56.00", "3.60")
    teachers = {t.label: t for t in built.teachers}
    assert list(teachers) == ["Colleague Т.", "Other_teacher Т.", "Teacher Т."]
    teacher = teachers["Teacher Т."]
    assert (teacher.rows, teacher.now.students) == (2, 7)
    assert figures(teacher.now) == D4("85.71", "85.71", "67.43", "4.00")
    assert figures(teacher.before) == D4("71.43", "57.14", "63.33", "3.83")
    colleague = teachers["Colleague Т."]
    assert figures(colleague.now) == D4("87.50", "62.50", "71.43", "4.14")
    assert change(colleague) == D4("0.00", "0.00", "6.93", "0.26")


def test_two_teachers_of_one_whole_class_line_do_not_count_it_twice_in_the_total(world, school):
    teaching_assignment_create(teacher=world.other_teacher, class_subject=world.russian_a)
    built = report(world.deputy, scope="class", class_id=world.class_a.pk, period=school.term2.pk)
    russian_rows = [r for r in built.rows if r.subject == "Русский язык"]
    assert [r.teacher for r in russian_rows] == ["Colleague Т.", "Other_teacher Т."]
    (total,) = [t for t in built.subjects if t.label == "Русский язык"]
    assert (total.rows, total.now.students, total.now.assessed) == (2, 5, 5)
    assert figures(total.now) == D4("80.00", "60.00", "75.00", "4.25")


def test_a_pass_fail_course_counts_pass_and_fail_with_success_only(world, school):
    rows = rows_by(report(world.deputy, scope="class", class_id=world.class_a.pk, period=school.term2.pk))
    orkse = rows["Основы религиозных культур", "5А"]
    assert (orkse.teacher, orkse.now.passed, orkse.now.failed, orkse.now.marks) == ("", 5, 0, (0,) * 5)
    assert figures(orkse.now) == D4("100.00", None, None, None)
    assert (orkse.before.passed, orkse.before.failed) == (4, 1)
    assert change(orkse) == D4("20.00", None, None, None)
    q1 = rows_by(report(world.deputy, scope="class", class_id=world.class_a.pk, period=school.term.pk))
    assert [(f.name, f.result) for f in q1["Основы религиозных культур", "5А"].flagged] == [
        ("Динина Дина", "fail")
    ]


def test_grade_1_counts_achieved_and_not_achieved_without_figures(world, school):
    (row,) = report(world.deputy, scope="class", class_id=school.class_1.pk, period=school.term.pk).rows
    assert (row.subject, row.now.students, row.now.assessed) == ("Окружающий мир", 2, 2)
    assert (row.now.achieved, row.now.not_achieved, row.flagged) == (1, 1, ())
    assert figures(row.now) == (None,) * 4
    assert row.before is None  # quarter 1: the first term
    headers = [
        c.header
        for c in subject_report_layout(report(world.deputy, scope="school", period=school.term.pk))
        .sections[0]
        .blocks[0]
        .columns
    ]
    assert {"Achieved", "Not achieved", "Pass", "Fail"} <= set(headers)
    q2 = report(world.deputy, scope="school", period=school.term2.pk)  # grade 1 has nothing in quarter 2
    headers = [c.header for c in subject_report_layout(q2).sections[0].blocks[0].columns]
    assert "Achieved" not in headers and "Pass" in headers


def test_the_first_quarter_has_nothing_to_compare_with(world, school):
    built = report(world.deputy, scope="school", period=school.term.pk)
    assert built.compared_with == ""
    assert all(r.before is None and r.change is None for r in built.rows)
    document = subject_report_layout(built)
    assert [s.anchor for s in document.sections] == ["summary", "teachers", "students"]
    assert "This is the first term: there is nothing to compare with." in document.notes


def test_an_empty_term_has_the_rows_without_figures_and_the_previous_term_beside(world, school):
    rows = rows_by(report(world.deputy, scope="class", class_id=world.class_a.pk, period=school.term3.pk))
    math = rows["Математика", "5А"]
    assert (math.now.students, math.now.assessed, figures(math.now)) == (5, 0, (None,) * 4)
    assert figures(math.before) == D4("80.00", "80.00", "61.60", "3.80")  # quarter 2
    assert change(math) == (None,) * 4 and math.flagged == ()


def test_the_year_compares_the_annual_marks_with_the_last_quarter(world, school):
    built = report(world.deputy, scope="class", class_id=world.class_b.pk, period="year")
    assert built.compared_with == "quarter 4"
    (row,) = built.rows
    assert figures(row.now) == D4("100.00", "100.00", "100.00", "5.00")
    assert figures(row.before) == D4("100.00", "100.00", "64.00", "4.00")
    assert change(row) == D4("0.00", "0.00", "36.00", "1.00")
    notes = subject_report_layout(built).notes
    assert "The annual marks are compared with the last term's (quarter 4); the change is in points." in notes


def test_a_mark_1_has_its_column_where_the_school_uses_it(world, school):
    without = subject_report_layout(report(world.deputy, scope="school", period=school.term2.pk))
    assert "«1»" not in [c.header for c in without.sections[0].blocks[0].columns]
    GradingPolicy.objects.update_or_create(id=1, defaults={"allow_mark_1": True})
    set_term_mark(world, world.math_b, world.vera, school.term3, "1")
    built = report(world.deputy, scope="class", class_id=world.class_b.pk, period=school.term3.pk)
    (row,) = built.rows
    assert row.now.marks == (1, 0, 0, 0, 0)
    assert figures(row.now) == D4("0.00", "0.00", "4.00", "1.00")
    assert [(f.name, f.result) for f in row.flagged] == [("Верина Вера", "1")]
    table = subject_report_layout(built).sections[0].blocks[0]
    headers = [c.header for c in table.columns]
    assert table.rows[0].cells[headers.index("«1»")] == 1


# Scopes and access ----------------------------------------------------------------------------------------


def labels(built):
    return [(r.subject, r.class_label) for r in built.rows]


def test_a_subject_teacher_gets_their_own_rows_only(world, school):
    own = [("Математика", "5А"), ("Английский язык", "5А, Группа 1")]
    assert labels(report(world.teacher, scope="mine", period=school.term2.pk)) == own
    assert (
        labels(report(world.teacher, scope="class", class_id=world.class_a.pk, period=school.term2.pk)) == own
    )
    assert labels(report(world.teacher, scope="school", period=school.term2.pk)) == own
    built = report(world.teacher, scope="mine", period=school.term2.pk)
    assert [t.label for t in built.teachers] == ["Teacher Т."]
    assert (
        built.scope.params()["teacher"] == world.teacher.pk
    )  # what a job stores: the rows stay the teacher's
    colleague = report(world.colleague, scope="class", class_id=world.class_a.pk, period=school.term2.pk)
    assert labels(colleague) == [("Русский язык", "5А"), ("Английский язык", "5А, Группа 2")]


def test_a_teacher_gets_404_for_a_class_they_do_not_teach_and_for_another_teachers_rows(world, school):
    for params in (
        {"scope": "class", "class_id": world.class_b.pk},
        {"scope": "class", "class_id": 987654},
        {"scope": "class", "class_id": "x"},
        {"scope": "school", "teacher": world.colleague.pk},
        {"scope": "class", "class_id": world.class_a.pk, "teacher": world.colleague.pk},
    ):
        with pytest.raises(Http404):
            subject_scope_check(user=world.teacher, params={**params, "period": school.term2.pk})


def test_a_class_teacher_gets_every_subject_of_their_class(world, school):
    built = report(world.ct_a, scope="class", class_id=world.class_a.pk, period=school.term2.pk)
    assert [r.class_label for r in built.rows] == ["5А", "5А", "5А, Группа 1", "5А, Группа 2", "5А"]
    filtered = report(
        world.ct_a,
        scope="class",
        class_id=world.class_a.pk,
        period=school.term2.pk,
        teacher=world.colleague.pk,
    )
    assert labels(filtered) == [("Русский язык", "5А"), ("Английский язык", "5А, Группа 2")]
    with pytest.raises(Http404):
        subject_scope_check(user=world.ct_a, params={"scope": "class", "class_id": world.class_b.pk})


def test_the_deputy_filters_by_subject_and_by_teacher(world, school):
    math = Subject.objects.get(name="Математика")
    by_subject = report(world.deputy, scope="grade", grade=5, period=school.term2.pk, subject=math.pk)
    assert labels(by_subject) == [("Математика", "5А"), ("Математика", "5Б")]
    assert [t.label for t in by_subject.subjects] == ["Математика"]
    by_teacher = report(world.deputy, scope="school", period=school.term2.pk, teacher=world.colleague.pk)
    assert labels(by_teacher) == [("Русский язык", "5А"), ("Английский язык", "5А, Группа 2")]
    both = report(
        world.director, scope="school", period=school.term2.pk, teacher=world.colleague.pk, subject=math.pk
    )
    assert both.rows == () and both.scope.label == "school · Математика · Colleague Т."
    assert subject_report_layout(both).sections[0].blocks[0].title == (
        "No assessed subject is taught here in this period."
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scope": "school", "subject": 987654}, "No such subject."),
        ({"scope": "school", "teacher": 987654}, "No such teacher."),
        ({"scope": "school", "teacher": "x"}, "Invalid report parameters."),
        ({"scope": "school", "period": 987654}, "Choose a term of this year or the whole year."),
        ({"scope": "galaxy"}, "Choose the whole school, a grade or a class."),
        ({"scope": "grade", "grade": 12}, "The grade must be from 1 to 11."),
    ],
)
def test_bad_parameters_are_refused_with_a_message(world, school, params, message):
    with pytest.raises(DomainError) as refused:
        subject_scope_check(user=world.deputy, params=params)
    assert str(refused.value.message) == message


def test_a_refusal_on_the_page_goes_back_to_the_form_with_the_message(world, school, client_for):
    with translation.override("ru"):
        response = client_for(world.deputy).get(
            URL, {"scope": "school", "period": "987654"}, follow=True, HTTP_ACCEPT_LANGUAGE="ru"
        )
    assert response.redirect_chain[-1][0] == reverse("reports")
    assert "Выберите учебный период этого года или весь год." in response.content.decode()
    assert not ReportJob.objects.exists()


def test_queries_do_not_grow_with_the_school(world, school, django_assert_max_num_queries):
    params = {"scope": "school", "period": school.term2.pk}
    with CaptureQueriesContext(connection) as small:
        report(world.deputy, **params)
    math = Subject.objects.get(name="Математика")
    for letter in "ВГД":
        school_class = school_class_create(academic_year=world.year, grade=5, letter=letter)
        line = class_subject_set(school_class=school_class, subject=math)
        group = Subgroup.objects.create(school_class=school_class, name="Группа 1")
        teaching_assignment_create(teacher=world.other_teacher, class_subject=line, subgroup=group)
        teaching_assignment_create(teacher=world.colleague, class_subject=line)
        for n in range(6):
            student = StudentFactory(last_name=f"Новиков{letter}{n}")
            enrolment_create(student=student, school_class=school_class, start_date=world.year.start_date)
            group.students.add(student)
            for term in (school.term, school.term2):
                set_term_mark(world, line, student, term, str(2 + n % 4))
    with django_assert_max_num_queries(len(small)):
        built = report(world.deputy, **params)
    assert len(built.rows) == 7 + 6 and len(small) <= 20


# The files, the page and the jobs -------------------------------------------------------------------------


def _tables(sheet):
    """Every table of the sheet: a list of rows (header first), split where a header row starts with
    «Subject» or «Teacher»."""
    tables, current = [], None
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] in ("Subject", "Teacher"):
            current = [row]
            tables.append(current)
        elif current is not None and row and any(v is not None for v in row):
            current.append(row)
        else:
            current = None
    return tables


def _keyed(table):
    header, *rows = table
    return header, {(r[0], r[1]): dict(zip(header, r, strict=False)) for r in rows}


def test_the_xlsx_of_a_job_holds_the_numbers(world, school, media, django_capture_on_commit_callbacks):
    params = {"scope": "school", "period": school.term2.pk}
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(user=world.deputy, kind="subject-results", fmt="xlsx", params=params)
    job = report_job_run(job_id=job.pk)
    assert job.status == ReportJob.Status.DONE, job.error
    assert (
        job.result_name == f"Subject teacher report school quarter 2 {world.year.name.replace('/', '-')}.xlsx"
    )
    with job.result_file.open("rb") as f:
        workbook = load_workbook(BytesIO(f.read()))
    summary, comparison = _tables(workbook.worksheets[0])
    _header, rows = _keyed(summary)
    math = rows["Математика", "5А"]
    values = list(math.values())
    assert values[3:10] == [5, 5, 1, 3, 0, 1, 0]  # students, assessed, «5», «4», «3», «2», н/а
    assert values[-4:] == [pytest.approx(0.8), pytest.approx(0.8), pytest.approx(0.616), pytest.approx(3.8)]
    _header, rows = _keyed(comparison)
    math = list(rows["Математика", "5А"].values())
    assert math[3:5] == [pytest.approx(0.6), pytest.approx(20.0)]  # success in quarter 1, change
    assert math[7:9] == [pytest.approx(0.63), pytest.approx(-1.4)]  # СОУ
    total = [r for key, r in rows.items() if "Математика" in key[0] and key[1] in ("", None)]
    assert len(total) == 1 and list(total[0].values())[5:7] == [pytest.approx(0.5), pytest.approx(33.33)]
    students = _tables(workbook.worksheets[2])[0]
    assert [r[3:] for r in students[1:]] == [
        ("Динина Дина", "2"),
        ("Жаннина Жанна", "n/a"),
    ]  # the job is in the language of the request


def test_the_pdf_of_a_teachers_job_is_built(world, school, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = report_job_request(
            user=world.teacher, kind="subject-results", fmt="pdf", params={"scope": "mine", "period": "year"}
        )
    assert job.params["teacher"] == world.teacher.pk
    job = report_job_run(job_id=job.pk)
    assert job.status == ReportJob.Status.DONE, job.error
    with job.result_file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_a_changed_mark_of_the_previous_term_makes_a_new_job(
    world, school, django_capture_on_commit_callbacks
):
    params = {"scope": "class", "class_id": world.class_a.pk, "period": school.term2.pk}
    with django_capture_on_commit_callbacks(execute=False):
        first = report_job_request(user=world.deputy, kind="subject-results", fmt="xlsx", params=params)
        same = report_job_request(user=world.deputy, kind="subject-results", fmt="xlsx", params=params)
        set_term_mark(world, world.math_a, world.boris, school.term, "3")  # quarter 1: the comparison
        second = report_job_request(user=world.deputy, kind="subject-results", fmt="xlsx", params=params)
    assert same.pk == first.pk and second.pk != first.pk


def test_the_page_shows_the_figures_and_the_signed_changes(world, school, client_for):
    with translation.override("ru"):
        response = client_for(world.teacher).get(URL, {"scope": "mine", "period": school.term2.pk})
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Teacher Т.", "5А, Группа 1", "80,00", "61,60", "+40,00", "−1,40", "Динина Дина"):
        assert text in html, text
    assert "Colleague" not in html and "Русский язык" not in html


def test_the_reports_page_offers_a_teacher_their_classes_and_the_deputy_the_filters(
    world, school, client_for
):
    def form(user):
        response = client_for(user).get(reverse("reports"))
        (card,) = [c for c in response.context["cards"] if c["kind"].slug == "subject-results"]
        return card["form"]

    teacher = form(world.teacher)
    assert [v for v, _label in teacher.fields["target"].choices] == ["mine", f"class:{world.class_a.pk}"]
    subjects = {s.name: str(s.pk) for s in Subject.objects.all()}
    assert [v for v, _label in teacher.fields["subject"].choices] == [
        "",
        subjects["Математика"],
        subjects["Английский язык"],
    ]
    assert "teacher" not in teacher.fields
    deputy = form(world.deputy)
    teachers = (world.colleague, world.other_teacher, world.teacher)
    assert [v for v, _label in deputy.fields["teacher"].choices] == ["", *(str(t.pk) for t in teachers)]
    assert "school" in [v for v, _label in deputy.fields["target"].choices]
    assert [v for v, _label in form(world.ct_b).fields["target"].choices] == [f"class:{world.class_b.pk}"]


def test_the_form_post_of_mine_opens_the_teachers_page(world, school, client_for):
    response = client_for(world.teacher).post(
        reverse("report_job_create"),
        {"kind": "subject-results", "target": "mine", "period": school.term2.pk, "fmt": "html"},
    )
    assert response.status_code == 302
    assert response.url == f"{URL}?scope=school&period={school.term2.pk}&teacher={world.teacher.pk}"


def test_the_kind_is_in_the_catalogue_for_subject_teachers():
    kind = KINDS["subject-results"]
    assert set(kind.renderers) == {"xlsx", "pdf"} and "teacher" in kind.roles
    assert kind.extra_params == ("subject", "teacher")


# Personas -------------------------------------------------------------------------------------------------

SCOPES = {
    "class_a": lambda w: {"scope": "class", "class_id": w.class_a.pk},
    "class_b": lambda w: {"scope": "class", "class_id": w.class_b.pk},
    "school": lambda w: {"scope": "school"},
    "mine": lambda w: {"scope": "mine"},
}
EVERYWHERE = dict.fromkeys(SCOPES, 200)
SEEN = {
    # own rows in a class they teach; own rows (maybe none) for the school and «mine»
    "owner": {"class_a": 200, "class_b": 404, "school": 200, "mine": 200},
    "colleague": {"class_a": 200, "class_b": 404, "school": 200, "mine": 200},
    "other_teacher": {"class_a": 404, "class_b": 200, "school": 200, "mine": 200},
    # class teachers: their class, every subject; elsewhere their own (empty) rows as teachers
    "class_teacher": {"class_a": 200, "class_b": 404, "school": 200, "mine": 200},
    "other_class_teacher": {"class_a": 404, "class_b": 200, "school": 200, "mine": 200},
    "deputy": EVERYWHERE,
    "director": EVERYWHERE,
}
MATRIX = [(persona, scope) for persona in PERSONAS for scope in SCOPES]


@pytest.mark.parametrize(("persona", "scope"), MATRIX, ids=[f"{p}-{s}" for p, s in MATRIX])
def test_persona_matrix_of_the_subject_report(world, client_for, persona, scope):
    response = client_for(world.user(persona)).get(URL, {**SCOPES[scope](world), "period": "year"})
    expected = 302 if persona == "anonymous" else SEEN.get(persona, {}).get(scope, 404)
    assert response.status_code == expected, (persona, scope)
    if expected == 302:
        assert response.url.startswith(reverse("account_login"))
