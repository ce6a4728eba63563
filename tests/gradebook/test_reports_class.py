"""Отчет классного руководителя on the hand-built school (tests/gradebook/reports_school.py), with one more
student who arrives in 5А mid-quarter:

    Зоина Зоя (from day 10 of the quarter)   4  4  зач   хорошист (two 4s: not «with one 4»)

5А, quarter 1: at the start 6 (everyone of reports_school, Егоров included), arrived 1 (Зоя), left 1
(Егоров), at the end 6. Assessed 6; passing Анна, Борис, Глеб, Зоя → 66.67 %; отличники 1 + хорошисты 2
→ качество 50.00 %; marks 5×4, 4×4, 3×2, 2×1 = 11 → СОУ (400 + 256 + 72 + 16) / 11 = 67.64,
средний балл 44 / 11 = 4.00. Shares of the 6 assessed: 1 → 16.67, 2 → 33.33.
"""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from gradebook.reports.class_report import class_report_build, class_report_layout
from gradebook.reports.kinds import KINDS
from gradebook.reports.ledger import ledger_scope
from gradebook.reports.render_document import render_document_pdf, render_document_xlsx
from gradebook.services import enrolment_create
from tests.factories import StudentFactory
from tests.gradebook.reports_school import build_reports_school, set_term_mark

D = Decimal


@pytest.fixture
def school(world):
    built = build_reports_school(world)
    zoya = StudentFactory(last_name="Зоина", first_name="Зоя")
    enrolment_create(
        student=zoya, school_class=world.class_a, start_date=built.term.start_date + timedelta(days=9)
    )
    for class_subject, raw in ((world.math_a, "4"), (world.russian_a, "4"), (built.orkse_a, "зач")):
        set_term_mark(world, class_subject, zoya, built.term, raw)
    built.students["Зоина"] = zoya
    return built


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def build(world, school, scope="class", **params):
    if scope == "class":
        params.setdefault("class_id", world.class_a.pk)
    checked = ledger_scope(
        year=world.year, scope=scope, period=params.pop("period", school.term.pk), **params
    )
    return class_report_build(checked)


def names(listed):
    return [(item.name, item.subjects) for item in listed]


def test_movement_of_students_in_the_quarter(world, school):
    (c,) = build(world, school).classes
    assert c.at_start == 6
    assert [(m.name, m.on) for m in c.arrived] == [("Зоина Зоя", school.term.start_date + timedelta(days=9))]
    assert [(m.name, m.on) for m in c.left] == [("Егоров Егор", world.year.start_date + timedelta(days=19))]
    assert c.at_end == 6
    assert c.at_start + len(c.arrived) == len(c.left) + c.at_end


def test_every_category_lists_its_students_with_the_subjects(world, school):
    (c,) = build(world, school).classes
    assert names(c.excellent) == [("Аннина Анна", ())]
    assert names(c.good) == [("Борисов Борис", ()), ("Зоина Зоя", ())]
    assert names(c.one_four) == [("Борисов Борис", ("Рус",))]
    assert names(c.one_three) == [("Глебов Глеб", ("Мат",))]
    assert names(c.failing) == [("Динина Дина", ("Мат", "ОРКСЭ"))]  # a «2» and a failed pass/fail course
    assert names(c.not_attested) == [("Жаннина Жанна", ("Мат",))]


def test_the_figures_are_the_ledgers_and_known_by_hand(world, school):
    (c,) = build(world, school).classes
    f = c.figures
    assert (f.students, f.assessed, f.passing, f.excellent, f.good, f.one_four, f.one_three) == (
        6,
        6,
        4,
        1,
        2,
        1,
        1,
    )
    assert (f.failing, f.not_attested, f.marks) == (1, 1, (0, 1, 2, 4, 4))
    assert (f.success, f.quality, f.sou, f.mean) == (D("66.67"), D("50.00"), D("67.64"), D("4.00"))


def test_the_school_report_adds_up_classes_into_grades_and_the_school(world, school):
    report = build(world, school, scope="school")
    assert [c.name for c in report.classes] == ["1А", "5А", "5Б"]
    grades = {g.label: g for g in report.grades}
    # grade 5: 5А (6, +1, −1, 6) and 5Б (Вера: 1, 0, 0, 1)
    assert grades["grade 5 classes"].movement.counts == (7, 1, 1, 7)
    assert grades["grade 5 classes"].figures.students == 7
    assert report.school.movement.counts == (8, 1, 1, 8)  # and Фома of 1А
    grade_1 = report.classes[0]
    assert (grade_1.has_marks, grade_1.at_end, grade_1.excellent, grade_1.failing) == (False, 1, (), ())


def test_an_empty_term_has_the_class_and_no_categories(world, school):
    (c,) = build(world, school, period=school.term2.pk).classes
    assert (c.at_start, c.arrived, c.left, c.at_end) == (
        6,
        (),
        (),
        6,
    )  # Зоя came in quarter 1: here at the start
    assert c.has_marks is False and c.figures.assessed == 0
    assert c.excellent == c.good == c.failing == c.not_attested == ()


def test_page_xlsx_and_pdf_show_the_same_numbers(world, school, client_for):
    report = build(world, school)
    document = class_report_layout(report)
    workbook = load_workbook(BytesIO(render_document_xlsx(document)))
    sheet = workbook["5А"]
    rows, listed = {}, {}  # the results table comes first, the lists of students after it
    for r in sheet.iter_rows(values_only=True):
        if r and r[0]:
            (listed if r[0] in rows else rows)[r[0]] = r[1:]
    assert rows["At the start"][0] == 6 and rows["Arrived"][0] == 1 and rows["Left"][0] == 1
    assert rows["Excellent students"][:2] == (1, pytest.approx(0.1667, abs=1e-6))
    assert rows["Good students"][:2] == (2, pytest.approx(0.3333, abs=1e-6))
    assert rows["Success, %"][1] == pytest.approx(0.6667, abs=1e-6)
    assert rows["SOU, %"][1] == pytest.approx(0.6764, abs=1e-6)
    assert rows["Mean mark"][1] == pytest.approx(4.0)
    assert rows["Failing"][:2] == (1, pytest.approx(0.1667, abs=1e-6))
    assert listed["Failing"][:3] == (1, "Динина Дина", "Мат, ОРКСЭ")
    assert sheet.freeze_panes and sheet.print_area and sheet.page_setup.orientation == "landscape"

    pdf = render_document_pdf(document)
    assert pdf.startswith(b"%PDF")

    page = client_for(world.deputy).get(
        reverse("report_page", args=["class-results"]),
        {"scope": "class", "class_id": world.class_a.pk, "period": school.term.pk},
    )
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Зоина Зоя", "Динина Дина", "Мат, ОРКСЭ", "66,67", "67,64"):  # the page is in Russian
        assert text in html


def test_a_class_teacher_gets_their_class_and_nothing_else(world, school, client_for):
    url = reverse("report_page", args=["class-results"])
    client = client_for(world.ct_a)
    assert (
        client.get(url, {"scope": "class", "class_id": world.class_a.pk, "period": "year"}).status_code == 200
    )
    assert (
        client.get(url, {"scope": "class", "class_id": world.class_b.pk, "period": "year"}).status_code == 404
    )
    assert client.get(url, {"scope": "school", "period": "year"}).status_code == 404
    assert (
        client_for(world.teacher).get(url, {"scope": "class", "class_id": world.class_a.pk}).status_code
        == 404
    )


def test_bad_parameters_are_refused_with_a_message(world, school, client_for):
    url = reverse("report_page", args=["class-results"])
    response = client_for(world.deputy).get(
        url, {"scope": "grade", "grade": "12", "period": "year"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reports")
    assert "Параллель должна быть числом от 1 до 11." in response.content.decode()  # the message, in Russian


def test_the_kind_is_in_the_catalogue_with_both_formats():
    kind = KINDS["class-results"]
    assert set(kind.renderers) == {"xlsx", "pdf"} and kind.layout is not None
