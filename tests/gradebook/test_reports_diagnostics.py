"""The `diagnostics` report on the hand-built works of tests/gradebook/diagnostics_school.py (the arithmetic is
in its docstring): shares per task, students' scores, the mark figures, reading against the norms with the
grade and school totals; who may build it; the job path with the XLSX read back; the query count."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.errors import DomainError
from gradebook.diagnostic_rules import ReadingLevel
from gradebook.diagnostic_services import (
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
)
from gradebook.journal_services import term_of
from gradebook.models import ReportJob
from gradebook.reports.diagnostics_layout import diagnostics_layout
from gradebook.reports.diagnostics_report import diagnostics_build, diagnostics_check
from gradebook.reports.jobs import report_job_request
from gradebook.reports.kinds import KINDS
from gradebook.reports.render_document import render_document_pdf
from tests.conftest import PERSONAS
from tests.gradebook.diagnostics_school import build_diagnostics_school, day, enrol

D = Decimal


@pytest.fixture
def school(world):
    return build_diagnostics_school(world)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def build(user, **params):
    params.setdefault("period", "year")
    return diagnostics_build(diagnostics_check(user=user, params=params))


def work_of(report, work_id):
    (found,) = [w for w in report.works if w.id == work_id]
    return found


def test_a_class_test_per_task_and_per_student(world, school):
    report = build(world.deputy, scope="class", class_id=world.class_a.pk)
    (c,) = report.classes
    assert [w.id for w in c.works] == [school.math_work.pk, school.russian_work.pk]
    math = work_of(report, school.math_work.pk)
    assert [(s.passed, s.wrote, s.share) for s in math.shares] == [
        (2, 3, D("66.67")),
        (3, 3, D("100.00")),
        (2, 3, D("66.67")),
    ]
    assert [
        (s.name, s.score and (s.score.points, s.score.total, s.score.percent, s.score.mark))
        for s in math.students
    ] == [
        ("Аннина Анна", ((1, 2, 3), 6, D("100.00"), 5)),
        ("Борисов Борис", ((1, 1, 2), 4, D("66.67"), 3)),
        ("Глебов Глеб", ((0, 2, 1), 3, D("50.00"), 3)),
        ("Динина Дина", None),
    ]
    assert (math.listed, math.wrote, math.absent, math.mean_percent) == (4, 3, 1, D("72.22"))
    f = math.figures
    assert f.marks == (0, 0, 2, 0, 1)
    assert (f.success, f.quality, f.sou, f.mean) == (D("100.00"), D("33.33"), D("57.33"), D("3.67"))
    russian = work_of(report, school.russian_work.pk)
    assert russian.figures is None and not russian.marked
    assert [(s.passed, s.wrote, s.share) for s in russian.shares] == [(1, 2, D("50.00"))]
    # Глеб and Дина have nothing entered for Russian: listed, not counted
    assert (russian.listed, russian.wrote, russian.absent) == (4, 2, 0)


def test_reading_against_the_norm_with_grade_and_school_totals(world, school):
    report = build(world.deputy, scope="school")
    reading = work_of(report, school.reading_a.pk)
    assert reading.norm == (50, 55)
    levels = [(s.name, s.words_per_minute, s.level) for s in reading.students]
    assert levels == [
        ("Ильина Ира", 45, ReadingLevel.BELOW),
        ("Карпов Кирилл", 50, ReadingLevel.AT),
        ("Лебедев Лев", 55, ReadingLevel.AT),
        ("Миронова Мира", 60, ReadingLevel.ABOVE),
        ("Носов Никита", None, None),
    ]
    counts = reading.reading
    assert (counts.below, counts.at, counts.above, counts.measured) == (1, 2, 1, 4)
    assert [counts.share_of(level) for level in ReadingLevel] == [D("25.00"), D("50.00"), D("25.00")]
    totals = {t.label: t.counts for t in report.reading_totals}
    assert list(totals) == ["grade 3 classes", "School"]
    for total in totals.values():
        assert (total.below, total.at, total.above) == (2, 2, 2)
        assert [total.share_of(level) for level in ReadingLevel] == [D("33.33")] * 3


def test_an_edited_norm_changes_the_levels(world, school):
    from gradebook.models import ReadingNorm, ReadingPeriod

    ReadingNorm.objects.filter(grade=3, period=ReadingPeriod.START).update(words_from=46, words_to=59)
    reading = work_of(build(world.deputy, scope="class", class_id=school.class_3a.pk), school.reading_a.pk)
    assert [s.level for s in reading.students[:4]] == [
        ReadingLevel.BELOW,
        ReadingLevel.AT,
        ReadingLevel.AT,
        ReadingLevel.ABOVE,
    ]
    ReadingNorm.objects.filter(grade=3, period=ReadingPeriod.START).delete()
    reading = work_of(build(world.deputy, scope="class", class_id=school.class_3a.pk), school.reading_a.pk)
    assert reading.norm is None and reading.reading.no_norm == 4 and reading.reading.measured == 0


def test_the_period_and_the_kind_of_work_narrow_the_works(world, school):
    term = term_of(school_class=world.class_a, on=school.math_work.date)
    next_term = term_of(school_class=world.class_a, on=term.end_date + timedelta(days=15))
    assert [
        w.id for w in build(world.deputy, scope="class", class_id=world.class_a.pk, period=term.pk).works
    ] == [
        school.math_work.pk,
        school.russian_work.pk,
    ]
    assert build(world.deputy, scope="class", class_id=world.class_a.pk, period=next_term.pk).works == []
    only = build(world.deputy, scope="school", work_kind="reading").works
    assert sorted(w.id for w in only) == sorted([school.reading_a.pk, school.reading_b.pk])
    with pytest.raises(DomainError):
        build(world.deputy, scope="school", work_kind="weekly")


def test_a_subject_teacher_gets_their_own_subjects_of_a_class_they_teach(world, school):
    assert [w.id for w in build(world.teacher, scope="class", class_id=world.class_a.pk).works] == [
        school.math_work.pk
    ]
    assert [w.id for w in build(world.colleague, scope="class", class_id=world.class_a.pk).works] == [
        school.russian_work.pk
    ]
    from django.http import Http404

    for params in (
        {"scope": "class", "class_id": world.class_b.pk},
        {"scope": "school"},
        {"scope": "grade", "grade": 5},
    ):
        with pytest.raises(Http404):
            build(world.teacher, **params)
    # the class teacher of 5А sees every work of the class
    assert len(build(world.ct_a, scope="class", class_id=world.class_a.pk).works) == 2


# Who may open the report page: every persona × scope (a class of theirs, another class, the school)
SCOPES = {
    "class_a": lambda w: {"scope": "class", "class_id": w.class_a.pk},
    "class_b": lambda w: {"scope": "class", "class_id": w.class_b.pk},
    "school": lambda w: {"scope": "school"},
}
ALLOWED = {
    "class_a": {"owner", "colleague", "class_teacher", "deputy", "director"},
    "class_b": {"other_teacher", "other_class_teacher", "deputy", "director"},
    "school": {"deputy", "director"},
}
MATRIX = [(persona, scope) for persona in PERSONAS for scope in SCOPES]


@pytest.mark.parametrize(("persona", "scope"), MATRIX, ids=[f"{p}-{s}" for p, s in MATRIX])
def test_who_may_open_the_report(world, client_for, persona, scope):
    url = reverse("report_page", args=["diagnostics"])
    response = client_for(world.user(persona)).get(url, {**SCOPES[scope](world), "period": "year"})
    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona in ALLOWED[scope] else 404), (persona, scope)


def test_the_page_shows_the_figures(world, school, client_for):
    with translation.override("ru"):
        page = client_for(world.deputy).get(
            reverse("report_page", args=["diagnostics"]), {"scope": "class", "class_id": world.class_a.pk}
        )
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Аннина Анна", "66,67", "72,22", "57,33", "Дроби"):
        assert text in html


def test_the_reports_page_offers_a_teacher_the_classes_they_teach(world, client_for):
    response = client_for(world.teacher).get(reverse("reports"))
    (card,) = [c for c in response.context["cards"] if c["kind"].slug == "diagnostics"]
    assert [v for v, _label in card["form"].fields["target"].choices] == [f"class:{world.class_a.pk}"]
    assert "work_kind" in card["form"].fields


def test_xlsx_and_pdf_through_the_job(world, school, django_capture_on_commit_callbacks):
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        params = {"scope": "grade", "grade": "5", "period": "year"}
        with django_capture_on_commit_callbacks(execute=True):
            job = report_job_request(user=world.deputy, kind="diagnostics", fmt="xlsx", params=params)
        job.refresh_from_db()
        assert job.status == ReportJob.Status.DONE, job.error
        with django_capture_on_commit_callbacks(execute=True):
            pdf_job = report_job_request(user=world.deputy, kind="diagnostics", fmt="pdf", params=params)
        pdf_job.refresh_from_db()
        assert pdf_job.status == ReportJob.Status.DONE, pdf_job.error
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    assert job.result_name.startswith("Диагностические работы") or job.result_name.startswith(
        "Diagnostic works"
    )
    with job.result_file.open("rb") as handle:
        workbook = load_workbook(BytesIO(handle.read()))
    sheet = workbook["5А"]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    # The tasks table of the math work: № 1–3 with their shares; the students' rows after it
    tasks = [r for r in rows if r[0] in (1, 2, 3) and r[1] in ("Счёт", "Дроби", "Задача")]
    assert [(r[0], r[4], r[5], r[6]) for r in tasks] == [
        (1, 2, 3, pytest.approx(0.6667, abs=1e-6)),
        (2, 3, 3, pytest.approx(1.0)),
        (3, 2, 3, pytest.approx(0.6667, abs=1e-6)),
    ]
    anna = next(r for r in rows if r[1] == "Аннина Анна")
    assert anna[2:8] == (1, 2, 3, 6, pytest.approx(1.0), 5)
    boris = next(r for r in rows if r[1] == "Борисов Борис")
    assert boris[2:8] == (1, 1, 2, 4, pytest.approx(0.6667, abs=1e-6), 3)
    with pdf_job.result_file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"


def test_the_pdf_of_the_school(world, school):
    pdf = render_document_pdf(diagnostics_layout(build(world.deputy, scope="school")))
    assert pdf.startswith(b"%PDF")


def test_a_changed_result_changes_the_data_version(world, school):
    kind = KINDS["diagnostics"]
    checked = diagnostics_check(user=world.deputy, params={"scope": "class", "class_id": world.class_a.pk})
    before = kind.data_version(checked)
    assert kind.data_version(checked) == before
    diagnostic_results_record(
        user=world.teacher,
        work=school.math_work,
        rows=[ResultRow(school.students["Глебов"].pk, points=(0, 2, 2))],
    )
    assert kind.data_version(checked) != before


def test_the_number_of_queries_does_not_grow_with_the_school(world, school, django_assert_max_num_queries):
    checked = diagnostics_check(user=world.deputy, params={"scope": "school", "period": "year"})
    with CaptureQueriesContext(connection) as small:
        diagnostics_build(checked)
    for n in range(20):
        student = enrol(world, world.class_a, f"Ученик{n:02d}", "Иван")
        diagnostic_results_record(
            user=world.teacher, work=school.math_work, rows=[ResultRow(student.pk, points=(1, 1, 1))]
        )
    extra = diagnostic_work_create(
        user=world.teacher,
        class_subject=world.math_a,
        kind="final",
        on=day(world, 12),
        tasks=[TaskSpec(2, 1)] * 5,
    )
    diagnostic_results_record(
        user=world.teacher, work=extra, rows=[ResultRow(world.anna.pk, points=(2,) * 5)]
    )
    with django_assert_max_num_queries(len(small)):
        report = diagnostics_build(checked)
    assert len(report.works) == 5
