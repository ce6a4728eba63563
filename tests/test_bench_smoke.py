"""The pure parts of bench/: statistics, the verdicts, the load test's audit, cookies and the environment.

The scripts themselves need gunicorn, PostgreSQL and Redis; CI runs the benchmarks at a small size. These
tests only make sure a refactoring does not silently break the arithmetic and the checks. No network.
The report benchmark's baselines are checked on the hand-built school of the report tests, whose figures
are known, and the whole report benchmark runs once on it.
"""

import shutil
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.utils import translation

from bench import harness, journal_bench, load_test, report_bench
from bench.load_test import Ack, verify

DAY = date(2026, 11, 20)


def test_percentile_interpolates_between_closest_ranks():
    values = [4.0, 1.0, 3.0, 2.0]

    assert harness.percentile(values, 50) == 2.5
    assert harness.percentile(values, 0) == 1.0
    assert harness.percentile(values, 100) == 4.0
    assert harness.percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert harness.percentile([7.0], 99) == 7.0


@pytest.mark.parametrize(("values", "p"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_no_values_and_out_of_range(values, p):
    with pytest.raises(ValueError):
        harness.percentile(values, p)


def test_stats_give_median_p95_p99():
    stats = harness.Stats.of([float(v) for v in range(1, 101)])

    assert (stats.count, stats.median) == (100, 50.5)
    assert stats.p95 == pytest.approx(95.05)
    assert stats.p99 == pytest.approx(99.01)
    assert harness.Stats.of([]).count == 0


def test_a_ratio_at_its_limit_passes_and_above_it_fails():
    assert harness.verdict(40.0, 40) == "PASS"
    assert harness.verdict(40.01, 40) == "FAIL"


def test_benchmark_rows_take_the_ratio_to_their_baseline_and_fail_on_errors():
    empty = harness.Stats(count=10, median=2.0, p95=3.0, p99=3.0)
    page = harness.Stats(count=10, median=50.0, p95=60.0, p99=70.0)
    slow = harness.Stats(count=10, median=100.0, p95=120.0, p99=130.0)

    rows = [
        journal_bench.Row("empty", empty),
        journal_bench.Row("page", page, empty, 40),
        journal_bench.Row("save", page, empty, 40, errors=1),
    ]

    assert rows[1].ratio == 25.0
    assert rows[1].result == "PASS"
    assert rows[2].result.startswith("FAIL")
    assert journal_bench.failed(rows)
    assert not journal_bench.failed(rows[:2])
    assert journal_bench.Row("slow", slow, empty, 40).result == "FAIL"
    assert "25.0×" in journal_bench.format_table(rows)


def _ack(lesson, student, mark, version, changed, journal=1):
    return Ack(journal, lesson, DAY, student, mark, version, changed)


def test_audit_accepts_acknowledged_saves_that_are_in_the_database_and_the_history():
    acks = [
        _ack(10, 1, "5", 1, True),
        _ack(10, 1, "4", 2, True),
        _ack(10, 1, "4", 2, False),  # the same mark again: no write, no history row
        _ack(11, 2, "3", 1, True),
        _ack(11, 2, "", 0, True),  # cleared
    ]
    marks = {(10, 1): ("4", 2)}
    history = {(1, 1, DAY): ["5", "4"], (1, 2, DAY): ["3", ""]}

    assert verify(acks, marks, history) == []


def test_audit_reports_a_lost_write_a_stale_version_and_a_cleared_cell_still_held():
    acks = [_ack(10, 1, "5", 1, True), _ack(10, 1, "4", 2, True), _ack(11, 2, "3", 1, True)]
    acks += [_ack(12, 3, "5", 1, True), _ack(12, 3, "", 0, True)]
    marks = {(10, 1): ("5", 1), (11, 2): ("3", 7), (12, 3): ("5", 1)}
    history = {(1, 1, DAY): ["5", "4"], (1, 2, DAY): ["3"], (1, 3, DAY): ["5", ""]}

    problems = verify(acks, marks, history)

    assert len(problems) == 3
    assert any("(10, 1)" in p for p in problems)
    assert any("(11, 2)" in p for p in problems)
    assert any("(12, 3)" in p and "empty" in p for p in problems)


def test_audit_reports_missing_and_unexpected_history_rows():
    acks = [_ack(10, 1, "5", 1, True), _ack(10, 1, "4", 2, True)]
    marks = {(10, 1): ("4", 2)}
    history = {(1, 1, DAY): ["4"], (1, 9, DAY): ["2"]}

    problems = verify(acks, marks, history)

    assert len(problems) == 2
    assert all(p.startswith("history of") for p in problems)


def test_history_states_read_as_the_api_shows_marks():
    assert load_test.mark_text({"value": 5, "passed": None, "comment": ""}) == "5"
    assert load_test.mark_text({"value": None, "passed": True}) == "зач"
    assert load_test.mark_text({"value": None, "passed": False}) == "незач"
    assert load_test.mark_text(None) == ""


def test_client_keeps_secure_host_cookies_and_forgets_deleted_ones():
    client = harness.Client("http://127.0.0.1:9")  # never connects in this test

    client._remember(
        [
            "__Host-csrftoken=abc123; expires=Sun, 21 Nov 2027 06:00:00 GMT; Max-Age=31449600; Path=/; "
            "SameSite=Lax; Secure",
            "__Host-sessionid=s1; HttpOnly; Path=/; SameSite=Lax; Secure",
        ]
    )
    assert client.cookies == {"__Host-csrftoken": "abc123", "__Host-sessionid": "s1"}
    assert client.csrf_token == "abc123"

    client._remember(['__Host-sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'])
    assert client.cookies == {"__Host-csrftoken": "abc123"}


def test_client_refuses_anything_but_loopback():
    with pytest.raises(harness.BenchError):
        harness.Client("http://example.org:8000")


def test_app_environment_is_production_and_inherits_no_app_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "true")
    monkeypatch.setenv("DJANGO_DEBUG", "true")

    env = harness.app_environment(
        database_url="postgres://postgres@127.0.0.1:5432/school_bench",
        redis_url=harness.DEFAULT_REDIS_URL,
        workdir=tmp_path,
    )

    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= harness.app_variables()
    assert env["APP_ENV"] == "production"
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert "CELERY_TASK_ALWAYS_EAGER" not in env
    assert "DJANGO_DEBUG" not in env


@pytest.mark.parametrize(
    "url",
    ["postgres://postgres@127.0.0.1:5432/school", "postgres://postgres@db.example.org:5432/school_bench"],
)
def test_scratch_database_refuses_a_name_without_bench_or_a_remote_host(url):
    with pytest.raises(harness.BenchError), harness.scratch_database(url, sqlite=False):
        pass


# The report benchmark: its baselines must do the ledger's work, or its ratios prove nothing -------------


@pytest.fixture
def reports_school(world):
    from tests.gradebook.reports_school import build_reports_school

    return build_reports_school(world)


def _school_scope(world, period):
    from gradebook.reports.ledger import ledger_scope

    return ledger_scope(year=world.year, scope="school", period=period)


def test_report_bench_sql_gives_the_figures_known_by_hand(world, reports_school):
    from gradebook.reports.figures import Figures

    figures = report_bench.sql_figures(_school_scope(world, reports_school.term.pk))

    # tests/gradebook/reports_school.py: Егоров left 5А mid-term, 1А has basic-level results only.
    assert figures[world.class_a.pk] == Figures(5, 5, 3, 1, 1, 1, 1, 1, 1, marks=(0, 1, 2, 2, 4))
    assert figures[world.class_b.pk] == Figures(1, 1, 1, 0, 1, 0, 1, 0, 0, marks=(0, 0, 0, 1, 0))
    assert figures[reports_school.class_1.pk] == Figures(students=1)


def test_report_bench_sql_agrees_with_the_ledger_after_a_transfer_and_for_every_period(world, reports_school):
    from gradebook.reports.ledger import ledger_build
    from gradebook.services import enrolment_create, enrolment_transfer
    from tests.factories import StudentFactory
    from tests.gradebook.reports_school import set_term_mark

    petr = StudentFactory(last_name="Петров", first_name="Пётр")
    enrolment_create(student=petr, school_class=world.class_a, start_date=world.year.start_date)
    set_term_mark(world, world.math_a, petr, reports_school.term, "2")
    enrolment_transfer(
        student=petr, to_class=world.class_b, on_date=world.year.start_date + timedelta(days=30)
    )
    set_term_mark(world, world.math_b, petr, reports_school.term, "5")

    for period in (reports_school.term.pk, reports_school.term2.pk, "year"):
        checked = _school_scope(world, period)
        ledger = ledger_build(checked)
        assert report_bench.figures_disagree(ledger, report_bench.sql_figures(checked)) == []
    class_b = report_bench.sql_figures(_school_scope(world, reports_school.term.pk))[world.class_b.pk]
    assert (class_b.students, class_b.excellent) == (2, 1)  # Петров counts in 5Б only, as in the ledger


def test_report_bench_names_every_figure_where_the_sql_disagrees(world, reports_school):
    from dataclasses import replace

    from gradebook.reports.ledger import ledger_build

    checked = _school_scope(world, reports_school.term.pk)
    figures = report_bench.sql_figures(checked)
    figures[world.class_a.pk] = replace(figures[world.class_a.pk], good=2, marks=(0, 0, 2, 2, 4))
    del figures[world.class_b.pk]
    figures[-1] = figures[reports_school.class_1.pk]

    problems = report_bench.figures_disagree(ledger_build(checked), figures)

    assert len(problems) == 2 + 6 + 1  # 5А: good and marks; 5Б: each figure not zero; the unknown class
    assert "5А: good is 1 in the ledger, 2 in the SQL" in problems
    assert any(p.startswith("5Б: students is 1") for p in problems)
    assert "class id -1 is in the SQL's figures, not in the ledger" in problems


def test_report_bench_bare_workbook_holds_the_ledgers_results(world, reports_school):
    from openpyxl import load_workbook

    from gradebook.reports.ledger import ledger_build

    checked = _school_scope(world, reports_school.term.pk)
    content, written = report_bench.bare_xlsx(*report_bench.sql_cells(checked))

    assert written == report_bench.ledger_cells(ledger_build(checked)) == 19  # 17 in 5А, 1 in 5Б, 1 in 1А
    sheet = load_workbook(BytesIO(content))[str(world.class_a.pk)]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["№", "Обучающийся", "Мат", "Рус", "ОРКСЭ"]
    assert rows[1] == [1, "Аннина Анна", 5, 5, "зач"]
    assert ["н/а", 5, "зач"] in [r[2:] for r in rows]
    boxed, also_written = report_bench.bare_xlsx(*report_bench.sql_cells(checked), boxed=True)
    sheet = load_workbook(BytesIO(boxed))[str(world.class_a.pk)]
    assert also_written == written and [list(r) for r in sheet.iter_rows(values_only=True)] == rows
    egor = next(r for r in sheet.iter_rows() if r[1].value == "Егоров Егор")
    assert egor[4].value is None and egor[4].border.left.style == "thin"  # an empty cell has its box too


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils (pdfinfo) is not installed")
def test_report_bench_measures_a_small_school_in_one_round(world, reports_school):
    with translation.override("ru"):
        rows, notes = report_bench.measure(
            _school_scope(world, reports_school.term.pk), repeats=1, warmup=0, pdf_repeats=1
        )

    assert [row.limit for row in rows] == [2, None, 1.5, None, None, None, 1.2, None]
    assert all(row.stats.count == 1 and row.stats.median > 0 for row in rows)
    assert all(row.ratio > 0 for row in rows if row.limit)
    assert "3 classes, 8 students listed, 19 results" in notes[0]
    assert notes[1].startswith("Class PDF: 5А, 6 students × 3 subjects, 1 page(s)")
    assert "MiB per 1,000 students" in notes[2]
