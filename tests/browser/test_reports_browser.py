"""The deputy runs the reports in Chromium: each kind for a class, a grade and the school, watches the job's
progress in the list, downloads the XLSX and the PDF, and the files hold the figures known by hand
(tests/gradebook/reports_school.py: 5А in quarter 1 has успеваемость 60.00 %, качество 40.00 %).

Jobs run on a real Celery worker (a thread of this process, on an in-memory broker), so the list shows a
job queued, then its progress, then the download link — all by the page's own polling (static/js/jobs.js).
"""

import shutil
import subprocess
from contextlib import ExitStack
from io import BytesIO

import pytest
from openpyxl import load_workbook

from config.celery import app as celery_app
from tests.factories import PASSWORD
from tests.gradebook.reports_school import build_reports_school

JOB_TIMEOUT_MS = 60_000


@pytest.fixture
def worker(world):
    """`worker()` starts a real worker consuming the jobs the live server enqueues (a memory broker shared
    by the threads); until then jobs wait in the queue, as they do when every worker is busy."""
    from celery.contrib.testing.worker import start_worker

    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = "memory://", False
    _forget_connections()  # connections and producers made for another broker are not reused
    with ExitStack() as stack:
        try:
            yield lambda: stack.enter_context(
                start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30)
            )
        finally:
            stack.close()
            celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
            _forget_connections()


def _forget_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_thread(worker):
    worker()


@pytest.fixture
def school(world):
    return build_reports_school(world)


def request_report(page, live_server, *, kind: str, target: str | None, period: str | None, fmt: str):
    page.goto(f"{live_server.url}/reports/")
    card = page.locator(f"#report-{kind}")
    if target is not None:
        card.locator("select[name=target]").select_option(target)
    if period is not None:
        card.locator("select[name=period]").select_option(period)
    card.locator("select[name=fmt]").select_option(fmt)
    with page.expect_navigation():
        card.locator("button[type=submit]").click()


def download_newest(page) -> bytes:
    """Waits in the list for the newest job's download link (the page polls by itself), then downloads it."""
    row = page.locator("table.report-jobs tbody tr").first
    link = row.locator(".job-result a")
    link.wait_for(timeout=JOB_TIMEOUT_MS)
    with page.expect_download() as info:
        link.click()
    return info.value.path().read_bytes()


def sheet_rows(content: bytes, sheet: str) -> dict:
    """First cell with a value → the cells after it, for the first row that starts so."""
    rows = {}
    for row in load_workbook(BytesIO(content))[sheet].iter_rows(values_only=True):
        filled = [i for i, value in enumerate(row) if value is not None]
        if filled:
            rows.setdefault(row[filled[0]], row[filled[0] + 1 :])
    return rows


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is not installed"
    run = {"capture_output": True, "text": True, "check": True}
    return subprocess.run([pdftotext, "-layout", str(path), "-"], **run).stdout  # noqa: S603


def test_the_deputy_watches_a_ledger_job_and_downloads_the_right_figures(
    world, school, live_server, page, login_as, worker, tmp_path
):
    login_as("deputy", PASSWORD)
    request_report(
        page,
        live_server,
        kind="ledger",
        target=f"class:{world.class_a.pk}",
        period=str(school.term.pk),
        fmt="xlsx",
    )
    row = page.locator("table.report-jobs tbody tr").first
    assert row.locator(".job-status").inner_text() == "в очереди"  # no worker yet: the job waits
    assert row.locator("progress").count() == 1 and row.locator(".job-result a").count() == 0
    worker()  # a worker comes up: the page, without reloading, shows the link when the job is done
    content = download_newest(page)
    assert row.locator("progress").count() == 0
    figures = sheet_rows(content, "5А")
    assert figures["Успеваемость, %"][0] == pytest.approx(0.60)
    assert figures["Качество, %"][0] == pytest.approx(0.40)
    assert figures["СОУ, %"][0] == pytest.approx(0.6844)

    request_report(page, live_server, kind="ledger", target="school", period=str(school.term.pk), fmt="pdf")
    text = pdf_text(download_newest(page), tmp_path)
    assert "Сводная ведомость" in text and "Аннина Анна" in text and "66,67" in text  # grade 5 and the school

    request_report(page, live_server, kind="ledger", target="grade:5", period=str(school.term.pk), fmt="xlsx")
    totals = sheet_rows(download_newest(page), "Итоги")
    assert totals["5-е классы"][-4] == pytest.approx(0.6667)  # the grade's успеваемость


def test_every_report_kind_opens_and_downloads_for_the_school_grade_and_class(
    world, school, live_server, page, login_as, celery_worker_thread, tmp_path
):
    login_as("deputy", PASSWORD)
    page.goto(f"{live_server.url}/reports/")
    kinds = [card.get_attribute("id").removeprefix("report-") for card in page.locator(".report-form").all()]
    assert "ledger" in kinds and "class-results" in kinds
    for kind in kinds:
        card = page.locator(f"#report-{kind}")
        targets = card.locator("select[name=target] option")
        values = [targets.nth(i).get_attribute("value") for i in range(targets.count())]
        wanted = [v for v in ("school", "grade:5", f"class:{world.class_a.pk}") if v in values] or [None]
        has_period = card.locator("select[name=period]").count() > 0
        for target in wanted:
            period = str(school.term.pk) if has_period else None
            request_report(page, live_server, kind=kind, target=target, period=period, fmt="html")
            assert page.locator("h1").first.is_visible(), (kind, target)
            assert "/reports/" in page.url and page.url != f"{live_server.url}/reports/", (kind, target)
            for fmt in ("xlsx", "pdf"):
                request_report(page, live_server, kind=kind, target=target, period=period, fmt=fmt)
                content = download_newest(page)
                if fmt == "xlsx":
                    assert load_workbook(BytesIO(content)).sheetnames, (kind, target)
                else:
                    assert content.startswith(b"%PDF") and pdf_text(content, tmp_path).strip(), (kind, target)


def test_the_class_teacher_report_in_the_browser_has_the_hand_counted_lists(
    world, school, live_server, page, login_as, celery_worker_thread
):
    login_as("ct_a", PASSWORD)
    request_report(
        page,
        live_server,
        kind="class-results",
        target=f"class:{world.class_a.pk}",
        period=str(school.term.pk),
        fmt="html",
    )
    body = page.locator("main").inner_text()
    for text in ("Динина Дина", "ОРКСЭ", "Жаннина Жанна", "60,00", "40,00", "68,44"):
        assert text in body
    with page.expect_navigation():
        page.locator("button[value=xlsx]").click()
    rows = sheet_rows(download_newest(page), "5А")
    assert rows["Выбыло"][0] == 1 and rows["На конец периода"][0] == 5
