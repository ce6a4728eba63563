"""The deputy, in Chromium: closes a demo-like year (tests/archive/school.py), builds the school's archive
package on a real Celery worker (watching the list's own polling), verifies it, downloads it, and sees a
tampered copy rejected with the changed file named."""

import io
import zipfile
from contextlib import ExitStack

import pytest

from config.celery import app as celery_app
from tests.archive.school import build_archive_school
from tests.factories import PASSWORD

JOB_TIMEOUT_MS = 60_000


def _forget_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_thread(world):
    from celery.contrib.testing.worker import start_worker

    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = "memory://", False
    _forget_connections()
    with ExitStack() as stack:
        try:
            stack.enter_context(
                start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30)
            )
            yield
        finally:
            stack.close()
            celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
            _forget_connections()


def _tampered(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.endswith(name):
                body = body.replace(b'"mark": "2"', b'"mark": "5"')
            target.writestr(info.filename, body)
    return out.getvalue()


def test_deputy_closes_archives_verifies_and_catches_a_tampered_copy(
    world, media, celery_worker_thread, login_as, live_server, tmp_path
):
    build_archive_school()
    page = login_as("a_deputy", PASSWORD)
    page.goto(f"{live_server.url}/archive/")
    row = page.locator("#years tr[data-year='2024/2025']")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "Записей личных дел: 5, записей в книге выдачи аттестатов: 2." in page.content()
    assert page.locator("#years tr[data-year='2024/2025'] .tag.ok").count() == 1

    form = page.locator("#package-form")
    form.locator("select[name=year]").select_option(label="2024/2025")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    newest = page.locator("table.report-jobs tbody tr").first
    newest.locator(".job-result a").wait_for(timeout=JOB_TIMEOUT_MS)  # the page's own polling
    with page.expect_navigation():
        newest.locator("td a").first.click()

    with page.expect_navigation():
        page.locator("#verify-stored").click()
    assert page.locator("#verification.ok").count() == 1

    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать (ZIP)").click()
    copy = info.value.path().read_bytes()
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(copy)
    bad.write_bytes(_tampered(copy, "data.json"))

    page.locator("input[name=copy]").set_input_files(str(good))
    with page.expect_navigation():
        page.locator("#verify-copy").click()
    assert page.locator("#verification.ok").count() == 1

    page.locator("input[name=copy]").set_input_files(str(bad))
    with page.expect_navigation():
        page.locator("#verify-copy").click()
    verdict = page.locator("#verification")
    assert "bad" in verdict.get_attribute("class")
    assert "data.json" in verdict.inner_text()
    assert "documents.pdf" not in verdict.inner_text()
