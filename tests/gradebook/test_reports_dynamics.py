"""Динамика on a hand-built history: last year Анна and Борис were in 4А (the same letter, one grade lower),
this year they are in 5А.

    term marks             math  Russian                               figures of the two
    4А, quarter 4          5 4   4 3    Анна good, Борис one «3»       quality 1/2 = 50.00; СОУ (100+64+64+36)/4
                                                                        = 66.00; mean 16/4 = 4.00
    4А, year (annual)      5 4   5 3    Анна excellent, Борис one «3»  quality 50.00; СОУ (100+100+64+36)/4
                                                                        = 75.00; mean 17/4 = 4.25
    5А, quarter 1          5 5   5 4    Анна excellent, Борис good     quality 100.00; СОУ (300+64)/4 = 91.00;
                                                                        mean 19/4 = 4.75
    5А, quarter 2          5 3   4 4    Анна good, Борис one «3»       quality 50.00; СОУ (100+64+36+64)/4
                                                                        = 66.00; mean 16/4 = 4.00
    (Анна, quarter 1: ОРКСЭ «зач» — a result, not a mark.)

Success is 100.00 everywhere. The points come in time order: Q4 25/26, Year 25/26, Q1 26/27, Q2 26/27; the
other terms have no result and are left out. Анна's means: 4.50, 5.00, 5.00, 4.50; her subjects' means of
the term marks: math (5+5+5)/3 = 5.00, Russian (4+5+4)/3 = 4.33.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from gradebook.journal_services import term_mark_set
from gradebook.models import AssessmentScale, ReportJob, Subject, Term, TermScheme
from gradebook.reports.document import Chart
from gradebook.reports.dynamics import dynamics_check, dynamics_layout
from gradebook.reports.dynamics_data import class_dynamics_build, student_dynamics_build
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.reports.ledger import ledger
from gradebook.services import (
    academic_year_create,
    class_subject_set,
    enrolment_create,
    enrolment_end,
    school_class_create,
)
from tests.conftest import PERSONAS
from tests.factories import StudentFactory

D = Decimal
URL = reverse("report_page", args=["dynamics"])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class History:
    def __init__(self, world):
        start = world.year.start_date.year
        self.last_year = academic_year_create(start_year=start - 1)
        self.class_4a = school_class_create(
            academic_year=self.last_year, grade=4, letter="А", class_teacher=world.ct_a
        )
        math, russian = Subject.objects.get(short_name="Мат"), Subject.objects.get(short_name="Рус")
        self.math_4a = class_subject_set(school_class=self.class_4a, subject=math)
        self.russian_4a = class_subject_set(school_class=self.class_4a, subject=russian)
        for student in (world.anna, world.boris):
            enrolment = enrolment_create(
                student=student, school_class=self.class_4a, start_date=self.last_year.start_date
            )
            enrolment_end(enrolment=enrolment, end_date=date(start, 5, 31), reason="promotion")
        self.q4 = Term.objects.get(academic_year=self.last_year, scheme=TermScheme.QUARTER, number=4)
        terms = Term.objects.filter(academic_year=world.year, scheme=TermScheme.QUARTER)
        self.q1, self.q2 = terms.get(number=1), terms.get(number=2)
        orkse = Subject.objects.create(name="Основы религиозных культур", short_name="ОРКСЭ", order=50)
        self.orkse_a = class_subject_set(
            school_class=world.class_a, subject=orkse, scale=AssessmentScale.PASS_FAIL
        )
        marks = (
            (world.anna, self.math_4a, self.russian_4a, self.q4, "5", "4"),
            (world.boris, self.math_4a, self.russian_4a, self.q4, "4", "3"),
            (world.anna, self.math_4a, self.russian_4a, None, "5", "5"),
            (world.boris, self.math_4a, self.russian_4a, None, "4", "3"),
            (world.anna, world.math_a, world.russian_a, self.q1, "5", "5"),
            (world.boris, world.math_a, world.russian_a, self.q1, "5", "4"),
            (world.anna, world.math_a, world.russian_a, self.q2, "5", "4"),
            (world.boris, world.math_a, world.russian_a, self.q2, "3", "4"),
        )
        for student, math_line, russian_line, term, math_mark, russian_mark in marks:
            for line, raw in ((math_line, math_mark), (russian_line, russian_mark)):
                kind = "term" if term else "annual"
                term_mark_set(
                    user=world.teacher, class_subject=line, student=student, kind=kind, term=term, raw=raw
                )
        term_mark_set(
            user=world.teacher, class_subject=self.orkse_a, student=world.anna, term=self.q1, raw="зач"
        )


@pytest.fixture
def history(world):
    return History(world)


def check(user, **params):
    return dynamics_check(user=user, params=params)


def points(line):
    return [
        (p.period.label, p.class_name, p.figures.success, p.figures.quality, p.figures.sou, p.figures.mean)
        for p in line.points
    ]


EXPECTED_5A = [
    ("Q4 25/26", "4А", D("100.00"), D("50.00"), D("66.00"), D("4.00")),
    ("Year 25/26", "4А", D("100.00"), D("50.00"), D("75.00"), D("4.25")),
    ("Q1 26/27", "5А", D("100.00"), D("100.00"), D("91.00"), D("4.75")),
    ("Q2 26/27", "5А", D("100.00"), D("50.00"), D("66.00"), D("4.00")),
]


def labelled(expected, world):
    """The expected labels for the years the test runs in (the world's year is the current one)."""
    now = world.year.start_date.year
    names = {"25/26": f"{str(now - 1)[2:]}/{str(now)[2:]}", "26/27": f"{str(now)[2:]}/{str(now + 1)[2:]}"}
    return [(label.replace(label[-5:], names[label[-5:]]), *rest) for label, *rest in expected]


def test_a_class_over_two_terms_and_last_years_annual_marks(world, history):
    report = class_dynamics_build(check(world.deputy, scope="class", class_id=world.class_a.pk))
    assert report.total is None
    (line,) = report.classes
    assert (line.label, line.teacher) == ("5А", world.ct_a.short_name)
    assert points(line) == labelled(EXPECTED_5A, world)


def test_the_figures_are_the_ledgers_for_each_period(world, history):
    (line,) = class_dynamics_build(check(world.deputy, scope="class", class_id=world.class_a.pk)).classes
    ledgers = [
        ledger(scope="class", year=history.last_year, class_id=history.class_4a.pk, period=history.q4.pk),
        ledger(scope="class", year=history.last_year, class_id=history.class_4a.pk, period="year"),
        ledger(scope="class", year=world.year, class_id=world.class_a.pk, period=history.q1.pk),
        ledger(scope="class", year=world.year, class_id=world.class_a.pk, period=history.q2.pk),
    ]
    assert [p.figures for p in line.points] == [x.total for x in ledgers]


def test_a_past_class_opens_in_its_own_year(world, history):
    checked = check(world.deputy, scope="class", class_id=history.class_4a.pk)
    assert (checked.year_id, checked.scope_label) == (history.last_year.pk, "4А")
    (line,) = class_dynamics_build(checked).classes
    assert [p[0] for p in points(line)] == [p[0] for p in labelled(EXPECTED_5A, world)[:2]]


def test_a_grade_is_its_classes_as_a_cohort_and_a_row_per_class(world, history):
    report = class_dynamics_build(check(world.deputy, scope="grade", grade=5))
    assert [line.label for line in report.classes] == ["5А", "5Б"]
    assert report.classes[1].points == ()  # Вера has no term marks
    totals = points(report.total)
    assert totals == [(label, "", *rest) for label, _c, *rest in labelled(EXPECTED_5A, world)]
    assert report.total.points[2].figures.students == 3  # Вера of 5Б is listed, not assessed
    document = dynamics_layout(report)
    by_class = document.sections[1]
    success = by_class.blocks[0]
    assert [c.header for c in success.columns][2:] == [p[0] for p in labelled(EXPECTED_5A, world)]
    assert [cell.value if cell else None for cell in success.rows[0].cells[2:]] == [D("100.00")] * 4
    assert success.rows[1].cells[2:] == (None, None, None, None)


def test_the_school_splits_term_charts_when_a_year_mixes_quarters_and_half_years(world, history):
    class_10 = school_class_create(academic_year=world.year, grade=10, letter="А")
    math_10 = class_subject_set(school_class=class_10, subject=world.math_a.subject)
    student = StudentFactory()
    enrolment_create(student=student, school_class=class_10, start_date=world.year.start_date)
    h1 = Term.objects.get(academic_year=world.year, scheme=TermScheme.HALF_YEAR, number=1)
    term_mark_set(user=world.teacher, class_subject=math_10, student=student, term=h1, raw="5")
    report = class_dynamics_build(check(world.deputy, scope="school"))
    assert [line.label for line in report.classes] == ["5А", "5Б", "10А"]
    charts = [b.title for b in dynamics_layout(report).sections[0].blocks if isinstance(b, Chart)]
    assert charts == [
        "Success, quality and SOU by term, % (quarters)",
        "Mean mark by term (quarters)",
        "Success, quality and SOU by term, % (half-years)",
        "Mean mark by term (half-years)",
    ]
    school_q1 = next(p for p in report.total.points if p.period.term_id == history.q1.pk)
    assert school_q1.figures == ledger(scope="school", year=world.year, period=history.q1.pk).total


def test_a_students_marks_by_subject_and_period(world, history):
    report = student_dynamics_build(check(world.ct_a, student_id=world.anna.pk))
    assert [p.label for p in report.periods] == [p[0] for p in labelled(EXPECTED_5A, world)]
    assert [(s.name, s.cells, s.mean) for s in report.subjects] == [
        ("Математика", (5, 5, 5, 5), D("5.00")),
        ("Русский язык", (4, 5, 5, 4), D("4.33")),
        ("Основы религиозных культур", (None, None, "pass", None), None),
    ]
    assert report.means == (D("4.50"), D("5.00"), D("5.00"), D("4.50"))
    (section,) = dynamics_layout(report).sections
    chart = section.blocks[0]
    assert chart.x_labels == tuple(p[0] for i, p in enumerate(labelled(EXPECTED_5A, world)) if i != 1)
    assert chart.series[0].values == (D("4.50"), D("5.00"), D("4.50"))  # terms only, not the year


def test_queries_do_not_grow_with_the_years_and_classes(world, history, django_assert_max_num_queries):
    checked = check(world.deputy, scope="school")
    with CaptureQueriesContext(connection) as small:
        class_dynamics_build(checked)
    for grade in (6, 7, 8):
        school_class = school_class_create(academic_year=history.last_year, grade=grade, letter="Б")
        line = class_subject_set(school_class=school_class, subject=world.math_a.subject)
        student = StudentFactory()
        enrolment_create(student=student, school_class=school_class, start_date=history.last_year.start_date)
        term_mark_set(user=world.teacher, class_subject=line, student=student, term=history.q4, raw="4")
    with django_assert_max_num_queries(len(small.captured_queries)):
        class_dynamics_build(checked)
    anna = check(world.deputy, student_id=world.anna.pk)
    with django_assert_max_num_queries(2):
        student_dynamics_build(anna)
    assert len(small.captured_queries) <= 8


# Access, parameters, pages and files ------------------------------------------------------------------------


def test_refusals(world, history, client_for):
    deputy = client_for(world.deputy)
    response = deputy.get(URL, {"scope": "grade", "grade": "12"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports")
    assert deputy.get(URL, {"student_id": "abc"}).status_code == 404
    assert deputy.get(URL, {"student_id": "999999"}).status_code == 404
    ct_a = client_for(world.ct_a)
    assert ct_a.get(URL, {"scope": "class", "class_id": world.class_b.pk}).status_code == 404
    assert ct_a.get(URL, {"student_id": world.vera.pk}).status_code == 404
    assert client_for(world.other_teacher).get(URL, {"student_id": world.anna.pk}).status_code == 404


CLASS_PAGE = ["class_teacher", "deputy", "director"]
STUDENT_PAGE = ["owner", "colleague", "class_teacher", "deputy", "director"]  # staff who see Анна and report
FAMILY_PAGE = ["owner", "colleague", "class_teacher", "own_parent", "student", "deputy", "director", "admin"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", ["class", "student", "family"])
def test_persona_matrix(world, client_for, persona, case):
    client = client_for(world.user(persona))
    if case == "class":
        response, allowed = client.get(URL, {"scope": "class", "class_id": world.class_a.pk}), CLASS_PAGE
    elif case == "student":
        response, allowed = client.get(URL, {"student_id": world.anna.pk}), STUDENT_PAGE
    else:
        response, allowed = client.get(reverse("student_dynamics", args=[world.anna.pk])), FAMILY_PAGE
    expected = 200 if persona in allowed else 302 if persona == "anonymous" else 404
    assert response.status_code == expected


def test_the_family_page_shows_the_marks_and_downloads_only_for_staff(world, history, client_for):
    url = reverse("student_dynamics", args=[world.anna.pk])
    parent = client_for(world.parent_a).get(url).content.decode()
    assert "Математика" in parent and "4,33" in parent and 'name="fmt"' not in parent
    staff = client_for(world.ct_a).get(url).content.decode()
    assert 'name="student_id"' in staff and 'value="xlsx"' in staff
    record = client_for(world.parent_a).get(reverse("student_detail", args=[world.anna.pk])).content.decode()
    assert url in record


def test_the_class_page_links_the_reports_for_those_who_may_open_them(world, client_for):
    page = reverse("class_detail", args=[world.class_a.pk])
    link = f"{URL}?scope=class&amp;class_id={world.class_a.pk}"
    assert link in client_for(world.ct_a).get(page).content.decode()
    assert link not in client_for(world.teacher).get(page).content.decode()


def test_the_jobs_make_an_xlsx_that_reads_back_and_a_pdf(
    world, history, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    jobs = {}
    for fmt, params in (
        ("xlsx", {"scope": "class", "class_id": world.class_a.pk}),
        ("pdf", {"student_id": world.anna.pk}),
    ):
        with django_capture_on_commit_callbacks(execute=False):
            job = report_job_request(user=world.deputy, kind="dynamics", fmt=fmt, params=params)
        jobs[fmt] = report_job_run(job_id=job.pk)
    assert {j.status for j in jobs.values()} == {ReportJob.Status.DONE}
    assert jobs["pdf"].result_name == "Dynamics Аннина Анна.pdf"
    assert jobs["pdf"].result_file.read().startswith(b"%PDF")
    book = load_workbook(BytesIO(jobs["xlsx"].result_file.read()))
    sheet = book["5А"]
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r and r[0]}
    now = world.year.start_date.year
    year_label = f"Year {str(now - 1)[2:]}/{str(now)[2:]}"
    # the figures table: period, class, students, assessed, … SOU (col 12), mean (col 13)
    assert rows[year_label][1:4] == ("4А", 2, 2)
    assert rows[year_label][12] == pytest.approx(0.75) and rows[year_label][13] == pytest.approx(4.25)
    quality = rows["Quality, %"]  # the chart's table: a row per series, a column per term (not the year)
    assert list(quality[1:4]) == pytest.approx([0.5, 1.0, 0.5]) and quality[4] is None
