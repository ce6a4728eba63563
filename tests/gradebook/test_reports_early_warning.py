"""Лидеры и отстающие / раннее предупреждение on a hand-built 5А, quarter 2, as of day 30 of the quarter
(`ON`): more than half of it has passed. Math (teacher) has six lessons by then — L3 a test, weight 2, the
rest answers, weight 1 — and a seventh after ON; Russian (colleague) five answers. The school's rules are
the defaults: «3» from 2.50, at least 3 marks.

    math (L1 L2 L3w2 L4 L5 L6)         Russian (R1–R5)      quarter 1
    Анна   5 5 . 4 . .  → 14/3 = 4.67   5 5 5 → 5.00
           and a «2» on L7, after ON: not counted (with it math would be 16/4 = 4.00)
    Борис  5 5 . 5 . .  → 5.00          5 4 5 → 4.67         Russian 5: 4.67 is 0.33 lower, not falling
    Глеб   3 2 2 . . .  → (3+2+4)/4 = 2.25: suggested «2»    4 4 4 → 4.00
    Дина   4 . . . . .  → 1 mark        4 5 → 2 marks        too few marks in both (fewer than 3)
    Егор   4 н б н 4оп 4 → 4.00; missed L2, L3, L4: 3 of 6 = 50.00 % (late on L5 is not missed)
                                        4 4 4оп уп оп → 4.00; missed 1 of 5 = 20 % (with the lates 60 %)
    Жанна  4 4 . 5 . .  → 13/3 = 4.33   4 4 4 → 4.00         math 5: 5 − 4.33 = 0.67 ≥ 0.5, falling

Leaders (the mean of the current weighted means, from the first mark): Анна (14/3 + 5)/2 = 4.83 and Борис
(5 + 14/3)/2 = 4.83 share place 1 (by name: Аннина first); Дина (4 + 9/2)/2 = 4.25 place 3; Жанна
(13/3 + 4)/2 = 4.1666… → 4.17 place 4; Егор 4.00 place 5; Глеб (2.25 + 4)/2 = 3.125 → 3.13 place 6.
At risk in 5А: Глеб math (suggested «2», 2.25), Дина math and Russian (too few marks, 1 and 2), Егор math
(absences, 50.00 %), Жанна math (falling, 0.67): five rows, four students.
"""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from gradebook.cells import attendance_set, mark_set
from gradebook.journal_services import lesson_create, term_mark_set, term_of
from gradebook.models import ReportJob, Subject, WorkType
from gradebook.reports import early_warning_data
from gradebook.reports.early_warning import early_warning_check, early_warning_layout
from gradebook.reports.early_warning_data import Reason, WarningRules, early_warning_build
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.reports.kinds import KINDS
from gradebook.services import (
    class_subject_set,
    enrolment_create,
    school_class_create,
    teaching_assignment_create,
)
from tests.conftest import PERSONAS
from tests.factories import StudentFactory

D = Decimal
URL = reverse("report_page", args=["early-warning"])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def work(short_name):
    return WorkType.objects.get(short_name=short_name)


class Quarter2:
    """5А's students by first name, the quarters, the day of the report, and the journal helpers."""

    def __init__(self, world):
        self.world = world
        self.q1 = term_of(school_class=world.class_a, on=world.year.start_date + timedelta(days=7))
        self.q2 = term_of(school_class=world.class_a, on=self.q1.end_date + timedelta(days=15))
        self.on = self.q2.start_date + timedelta(days=29)
        self.students = {"Анна": world.anna, "Борис": world.boris}
        for last, first in (("Глебов", "Глеб"), ("Динина", "Дина"), ("Егоров", "Егор"), ("Жаннина", "Жанна")):
            self.students[first] = StudentFactory(last_name=last, first_name=first)
            enrolment_create(
                student=self.students[first], school_class=world.class_a, start_date=world.year.start_date
            )

    def lessons(self, class_subject, teacher, days, works):
        assignment = class_subject.assignments.get(teacher=teacher)
        return [
            lesson_create(
                user=teacher, assignment=assignment, on=self.q2.start_date + timedelta(days=d), work_type=w
            )
            for d, w in zip(days, works, strict=True)
        ]

    def fill(self, teacher, lessons, rows):
        """rows: name → cells per lesson: a mark, an attendance code, a mark with «оп», or None."""
        for name, cells in rows.items():
            for lesson, cell in zip(lessons, cells, strict=True):
                if cell is None:
                    continue
                mark, _sep, code = cell.partition("+")
                if mark in ("н", "б", "уп", "оп"):
                    mark, code = "", mark
                if mark:
                    mark_set(user=teacher, lesson=lesson, student=self.students[name], raw=mark)
                if code:
                    attendance_set(user=teacher, lesson=lesson, student=self.students[name], code=code)


@pytest.fixture
def q2(world):
    school = Quarter2(world)
    answer, test = work("отв"), work("кр")
    math = school.lessons(
        world.math_a, world.teacher, (1, 3, 8, 10, 15, 17, 35), [answer] * 2 + [test] + [answer] * 4
    )
    school.fill(
        world.teacher,
        math,
        {
            "Анна": ("5", "5", None, "4", None, None, "2"),
            "Борис": ("5", "5", None, "5", None, None, None),
            "Глеб": ("3", "2", "2", None, None, None, None),
            "Дина": ("4", None, None, None, None, None, None),
            "Егор": ("4", "н", "б", "н", "4+оп", "4", None),
            "Жанна": ("4", "4", None, "5", None, None, None),
        },
    )
    russian = school.lessons(world.russian_a, world.colleague, (2, 4, 9, 11, 16), [answer] * 5)
    school.fill(
        world.colleague,
        russian,
        {
            "Анна": ("5", "5", "5", None, None),
            "Борис": ("5", "4", "5", None, None),
            "Глеб": ("4", "4", "4", None, None),
            "Дина": ("4", "5", None, None, None),
            "Егор": ("4", "4", "4+оп", "уп", "оп"),
            "Жанна": ("4", "4", "4", None, None),
        },
    )
    for class_subject, name, raw in (
        (world.math_a, "Жанна", "5"),
        (world.russian_a, "Жанна", "4"),
        (world.russian_a, "Борис", "5"),
    ):
        term_mark_set(
            user=world.teacher,
            class_subject=class_subject,
            student=school.students[name],
            term=school.q1,
            raw=raw,
        )
    return school


def check(world, school, user=None, **params):
    params = {"scope": "class", "class_id": world.class_a.pk, "on": school.on.isoformat(), **params}
    return early_warning_check(user=user or world.deputy, params=params)


def build(world, school, **params):
    return early_warning_build(check(world, school, **params))


def rows_of(report, class_name="5А"):
    (c,) = [c for c in report.classes if c.name == class_name]
    return c, [(r.student, r.subject, r.reason) for r in c.rows]


def test_each_reason_is_found_with_its_figure(world, q2):
    c, rows = rows_of(build(world, q2))
    assert rows == [
        ("Глебов Глеб", "Математика", Reason.FAILING),
        ("Динина Дина", "Математика", Reason.FEW_MARKS),
        ("Динина Дина", "Русский язык", Reason.FEW_MARKS),
        ("Егоров Егор", "Математика", Reason.ABSENCES),
        ("Жаннина Жанна", "Математика", Reason.FALLING),
    ]
    failing, few_math, few_russian, absent, falling = c.rows
    assert (failing.mean, failing.marks, failing.teacher) == (D("2.25"), 3, world.teacher.short_name)
    days_left = (q2.q2.end_date - q2.on).days
    assert (few_math.marks, few_math.days_left, few_russian.marks) == (1, days_left, 2)
    assert few_russian.teacher == world.colleague.short_name
    assert (absent.missed, absent.lessons, absent.share) == (3, 6, D("50.00"))
    assert (falling.previous, falling.previous_term, falling.drop.quantize(D("0.01"))) == (
        5,
        "quarter 1",
        D("0.67"),
    )
    assert (c.students, c.at_risk, c.teacher) == (6, 4, world.ct_a.short_name)
    assert [c.count(r) for r in Reason] == [1, 2, 1, 1]
    assert (c.window.label, c.window.as_of, c.window.ended) == ("quarter 2", q2.on, False)


def test_leaders_share_a_place_on_equal_means_and_are_listed_by_name(world, q2):
    (group,) = build(world, q2).leaders
    assert group.label == "5А" and group.by_term_marks is False
    assert [(leader.place, leader.student, leader.score, leader.subjects) for leader in group.leaders] == [
        (1, "Аннина Анна", D("4.83"), 2),  # the «2» after the day of the report does not count
        (1, "Борисов Борис", D("4.83"), 2),
        (3, "Динина Дина", D("4.25"), 2),
        (4, "Жаннина Жанна", D("4.17"), 2),
        (5, "Егоров Егор", D("4.00"), 2),
        (6, "Глебов Глеб", D("3.13"), 2),
    ]
    assert group.leaders[0].class_teacher == world.ct_a.short_name


def test_the_top_places_keep_everyone_tied_at_the_last_one(world, q2, monkeypatch):
    monkeypatch.setattr(early_warning_data, "RULES", WarningRules(leaders=1))
    (group,) = build(world, q2).leaders
    assert [leader.student for leader in group.leaders] == ["Аннина Анна", "Борисов Борис"]


def test_few_marks_waits_until_half_the_term_has_passed(world, q2):
    early = q2.q2.start_date + timedelta(days=20)  # 21 of the quarter's days: less than half
    _c, rows = rows_of(build(world, q2, on=early.isoformat()))
    assert [r for r in rows if r[2] == Reason.FEW_MARKS] == []


def test_an_ended_term_ranks_by_term_marks_and_breaks_ties_by_the_weighted_means(world, q2):
    """Quarter 1, asked for on ON (ended): one math lesson M1 and a test M2 (weight 2), one Russian R1.
    term marks       marks                       mean of the term marks   weighted means
    Анна  5 5        —                           5.00                     —
    Борис 4 5        M1 4, M2 5; R1 5            4.50                     ((4+10)/3 + 5)/2 = 4.83
    Жанна 5 4        M1 5; R1 4                  4.50                     (5 + 4)/2 = 4.50
    """
    s = q2.students
    day = q2.q1.start_date + timedelta(days=3)
    math = world.math_a.assignments.get(teacher=world.teacher)
    russian = world.russian_a.assignments.get(teacher=world.colleague)
    m1 = lesson_create(user=world.teacher, assignment=math, on=day, work_type=work("отв"))
    m2 = lesson_create(user=world.teacher, assignment=math, on=day + timedelta(days=1), work_type=work("кр"))
    r1 = lesson_create(user=world.colleague, assignment=russian, on=day, work_type=work("отв"))
    for teacher, lesson, name, raw in (
        (world.teacher, m1, "Борис", "4"),
        (world.teacher, m2, "Борис", "5"),
        (world.colleague, r1, "Борис", "5"),
        (world.teacher, m1, "Жанна", "5"),
        (world.colleague, r1, "Жанна", "4"),
    ):
        mark_set(user=teacher, lesson=lesson, student=s[name], raw=raw)
    for class_subject, name, raw in (
        (world.math_a, "Анна", "5"),
        (world.russian_a, "Анна", "5"),
        (world.math_a, "Борис", "4"),
    ):
        term_mark_set(user=world.teacher, class_subject=class_subject, student=s[name], term=q2.q1, raw=raw)

    report = build(world, q2, period=q2.q1.pk)
    (group,) = report.leaders
    assert group.by_term_marks is True
    assert [(x.place, x.student, x.score, x.weighted) for x in group.leaders] == [
        (1, "Аннина Анна", D("5.00"), None),
        (2, "Борисов Борис", D("4.50"), D("4.83")),
        (3, "Жаннина Жанна", D("4.50"), D("4.50")),
    ]
    (c,) = report.classes
    assert (c.window.label, c.window.ended, c.window.days_left) == ("quarter 1", True, 0)


def test_a_grade_ranks_its_classes_together_and_counts_per_class(world, q2):
    report = build(world, q2, scope="grade", grade=5)
    assert [c.name for c in report.classes] == ["5А", "5Б"]
    assert [(c.students, c.at_risk) for c in report.classes] == [(6, 4), (1, 0)]
    (group,) = report.leaders
    assert group.label == "grade 5 classes" and len(group.leaders) == 6


def test_the_document_names_class_teacher_subject_and_teacher(world, q2):
    document = early_warning_layout(build(world, q2))
    summary, leaders, at_risk = document.sections
    (table,) = at_risk.blocks
    first = table.rows[0].cells
    assert first[:6] == (
        "5А",
        world.ct_a.short_name,
        "Глебов Глеб",
        "Математика",
        world.teacher.short_name,
        "Suggested «2»",
    )
    assert first[6].value == D("2.25")
    assert summary.blocks[0].rows[0].cells[4:] == (6, 1, 2, 1, 1, 4)
    (ranked,) = leaders.blocks
    assert [(row.cells[0], row.cells[1], row.cells[4].value) for row in ranked.rows[:2]] == [
        (1, "Аннина Анна", D("4.83")),
        (1, "Борисов Борис", D("4.83")),
    ]


def test_queries_do_not_grow_with_the_school(world, q2, django_assert_max_num_queries):
    checked = check(world, q2, scope="school")
    with CaptureQueriesContext(connection) as small:
        early_warning_build(checked)
    _more_classes(world, q2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = early_warning_build(checked)
    assert len(report.classes) == 6 and len(small.captured_queries) <= 15


def _more_classes(world, school):
    """Four more classes (grades 6 and 10) with students, lessons, marks and absences."""
    subject = Subject.objects.create(name="История", short_name="Ист", order=5)
    for grade, letter in ((6, "А"), (6, "Б"), (10, "А"), (10, "Б")):
        school_class = school_class_create(
            academic_year=world.year, grade=grade, letter=letter, class_teacher=world.ct_b
        )
        class_subject = class_subject_set(school_class=school_class, subject=subject)
        assignment = teaching_assignment_create(teacher=world.teacher, class_subject=class_subject)
        students = [StudentFactory() for _ in range(3)]
        for student in students:
            enrolment_create(student=student, school_class=school_class, start_date=world.year.start_date)
        on = school.on - timedelta(days=2)
        lesson = lesson_create(user=world.teacher, assignment=assignment, on=on, work_type=work("отв"))
        mark_set(user=world.teacher, lesson=lesson, student=students[0], raw="2")
        attendance_set(user=world.teacher, lesson=lesson, student=students[1], code="н")


# Access, parameters, the page and the files -----------------------------------------------------------------


def test_refusals_read_well_and_another_class_is_missing(world, q2, client_for):
    client = client_for(world.deputy)
    for params, message in (
        ({"on": "2001-01-01"}, "Choose a day of the academic year"),
        ({"on": "1st of May"}, "Write the date as YYYY-MM-DD."),
        ({"period": "999999"}, "Choose a term of this year or the whole year."),
    ):
        query = {"scope": "class", "class_id": world.class_a.pk, **params}
        response = client.get(URL, query, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert response.redirect_chain[-1][0] == reverse("reports")
        assert message in response.content.decode()
    ct_a = client_for(world.ct_a)
    assert ct_a.get(URL, {"scope": "class", "class_id": world.class_b.pk}).status_code == 404
    assert ct_a.get(URL, {"scope": "class", "class_id": world.class_b.pk, "on": "junk"}).status_code == 404


PAGE_CASES = {"class": ["class_teacher", "deputy", "director"], "school": ["deputy", "director"]}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("scope", sorted(PAGE_CASES))
def test_persona_matrix(world, client_for, persona, scope):
    params = {"scope": scope, "class_id": world.class_a.pk} if scope == "class" else {"scope": "school"}
    response = client_for(world.user(persona)).get(URL, params)
    expected = 200 if persona in PAGE_CASES[scope] else 302 if persona == "anonymous" else 404
    assert response.status_code == expected


def test_the_page_shows_the_rows(world, q2, client_for):
    response = client_for(world.ct_a).get(
        URL, {"scope": "class", "class_id": world.class_a.pk, "on": q2.on.isoformat()}
    )
    html = response.content.decode()
    for text in ("Глебов Глеб", "Динина Дина", "Егоров Егор", "Жаннина Жанна", "2,25", "50,00"):
        assert text in html


def test_the_jobs_make_an_xlsx_that_reads_back_and_a_pdf(
    world, q2, settings, tmp_path, django_capture_on_commit_callbacks
):
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path
    params = {"scope": "class", "class_id": world.class_a.pk, "period": "now", "on": q2.on.isoformat()}
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        jobs = {}
        for fmt in ("xlsx", "pdf"):
            with django_capture_on_commit_callbacks(execute=False):
                job = report_job_request(user=world.ct_a, kind="early-warning", fmt=fmt, params=params)
            jobs[fmt] = report_job_run(job_id=job.pk)
    finally:
        app.conf.task_always_eager = saved
    assert {j.status for j in jobs.values()} == {ReportJob.Status.DONE}
    assert jobs["xlsx"].params["on"] == q2.on.isoformat() and jobs["xlsx"].params["period"] == "now"
    assert jobs["pdf"].result_file.read().startswith(b"%PDF")
    book = load_workbook(BytesIO(jobs["xlsx"].result_file.read()))
    rows = [r for r in book["At risk"].iter_rows(values_only=True) if r and r[0] == "5А"]
    assert [(r[2], r[3], r[5]) for r in rows] == [
        ("Глебов Глеб", "Математика", "Suggested «2»"),
        ("Динина Дина", "Математика", "Too few marks"),
        ("Динина Дина", "Русский язык", "Too few marks"),
        ("Егоров Егор", "Математика", "Many absences"),
        ("Жаннина Жанна", "Математика", "Falling"),
    ]
    assert rows[0][6] == pytest.approx(2.25) and rows[3][6] == pytest.approx(0.5)  # 50 % stored as 0.5
    summary = [r for r in book["Summary"].iter_rows(values_only=True) if r and r[0] == "5А"]
    assert summary[0][4:] == (6, 1, 2, 1, 1, 4)
    leaders = [r for r in book["Leaders"].iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [(r[0], r[1], r[4]) for r in leaders[:2]] == [(1, "Аннина Анна", 4.83), (1, "Борисов Борис", 4.83)]


def test_the_kind_is_in_the_catalogue():
    kind = KINDS["early-warning"]
    assert set(kind.renderers) == {"xlsx", "pdf"} and kind.layout is not None and "on" in kind.extra_params


def test_the_reports_page_form_opens_the_page_for_the_chosen_day(world, q2, client_for):
    client = client_for(world.ct_a)
    page = client.get(reverse("reports")).content.decode()
    assert 'id="report-early-warning"' in page and 'type="date"' in page
    data = {
        "kind": "early-warning",
        "target": f"class:{world.class_a.pk}",
        "period": "now",
        "on": q2.on.isoformat(),
    }
    response = client.post(reverse("report_job_create"), {**data, "fmt": "html"})
    assert response.status_code == 302
    assert response["Location"].startswith(URL) and f"on={q2.on.isoformat()}" in response["Location"]
    assert "period=now" in response["Location"]
