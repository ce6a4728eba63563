"""A worker killed during a ledger job neither loses the job nor makes two results: shown with a real
PostgreSQL database, a real Redis broker and real `celery worker` processes (DESIGN.md §5, acks late).

Runs only on PostgreSQL with REDIS_URL set (CI's second run of the suite); skipped otherwise. The workers
are `celery -A tests.worker_app worker` subprocesses on the test database, which pause after each progress
write and get an unacknowledged message back from Redis after 4 s (see tests/worker_app.py). The broker is
a Redis database of its own: TEST_BROKER_REDIS_URL, or by default REDIS_URL's database number + 8; it is
emptied before and after. Every wait has a deadline, and the workers are killed whatever happens.
"""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path
from unittest.mock import patch
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from openpyxl import load_workbook

from gradebook.models import ReportJob, ReportJobPart
from gradebook.reports.jobs import report_job_request
from gradebook.reports.pdf_merge import pdf_merge_available
from gradebook.tasks import report_job_merge_task, report_job_part_task, report_job_task
from tests.conftest import build_world, load_world
from tests.gradebook.reports_school import build_reports_school

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
Status = ReportJob.Status
WORKER_START_TIMEOUT = 20  # seconds until a started worker has taken the job
JOB_TIMEOUT = 40  # seconds for the second worker to get the message back and finish
STOP_TIMEOUT = 5


def broker_url() -> str:
    explicit = os.environ.get("TEST_BROKER_REDIS_URL")
    if explicit:
        return explicit
    base, _slash, db = settings.REDIS_URL.rstrip("/").rpartition("/")
    if not db.isdigit() or base.endswith(":/"):  # redis://host:6379 without a database number
        base, db = settings.REDIS_URL.rstrip("/"), "0"
    # Past the databases tests/conftest.py gives each xdist worker's cache (REDIS_URL's number + 1, + 2…).
    return f"{base}/{int(db) + 8}"


def database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django created
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def real_services():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs a real PostgreSQL database and Redis: set DATABASE_URL=postgres://… and REDIS_URL")


@pytest.fixture
def broker(real_services):
    url = broker_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def workers(broker, media, tmp_path):
    """start(name) → a running worker process on the test database and the broker; all killed at the end."""
    started: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(media),
        "APP_VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }

    def start(name: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        command = [
            sys.executable, "-m", "celery", "-A", "tests.worker_app", "worker",
            "--pool=solo", "--concurrency=1", "--loglevel=INFO", f"--hostname={name}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        # A fixed command, no shell; its own process group so that a kill reaches everything it started.
        process = subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        process.log_path = log.name
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    # The test is over: nothing the worker holds is needed (the broker database is emptied next).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT)


def wait_for(condition, *, timeout: float, what: str, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(f"--- {p}\n{Path(p).read_text(errors='replace')[-3000:]}" for p in logs)
    pytest.fail(f"timed out after {timeout} s waiting until {what}\n{tails}")


def part_tasks(log: str, event: str) -> list[str]:
    """The ids of the part tasks a worker's log shows as received (or succeeded)."""
    return re.findall(rf"report_job_part_task\[([0-9a-f-]+)\] {event}", log)


def job_state(job_id) -> ReportJob:
    return ReportJob.objects.get(pk=job_id)


def stored_files(media: Path) -> list[str]:
    root = media / "reports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def request_on_broker(broker):
    """request_on_broker(fmt) → a school ledger job, requested by the deputy of a fresh school whose figures
    are known by hand, and enqueued on commit as in production, on the test's own Redis database."""
    from config.celery import app

    def on_the_test_broker(task):
        def send(*args):
            with app.connection_for_write(broker) as conn:
                return task.apply_async(args, connection=conn)

        return patch.object(task, "delay", side_effect=send)

    def request(fmt: str) -> ReportJob:
        build_world()
        world = load_world()
        school = build_reports_school(world)
        with on_the_test_broker(report_job_task) as enqueued:
            job = report_job_request(
                user=world.deputy,
                kind="ledger",
                fmt=fmt,
                params={"scope": "school", "period": school.term.pk},
            )
        assert enqueued.call_count == 1
        return job

    # The parts and the merge of a split job are enqueued by the workers themselves, on the same broker.
    with on_the_test_broker(report_job_part_task), on_the_test_broker(report_job_merge_task):
        yield request


def test_a_worker_killed_during_a_ledger_job_leaves_one_finished_job_and_one_file(
    request_on_broker, media, workers
):
    job = request_on_broker("xlsx")

    first = workers("first")
    running = wait_for(
        lambda: (j := job_state(job.pk)).status == Status.RUNNING and j.progress > 0 and j,
        timeout=WORKER_START_TIMEOUT,
        what="the first worker is building the job",
        logs=[first.log_path],
    )
    os.killpg(first.pid, signal.SIGKILL)  # mid-job: after a progress write, before the file
    first.wait(timeout=STOP_TIMEOUT)
    killed = job_state(job.pk)
    assert (killed.status, killed.attempts) == (Status.RUNNING, 1) and 0 < running.progress < 100
    assert not (media / "reports" / f"{job.pk}.xlsx").exists()

    second = workers("second")
    done = wait_for(
        lambda: (j := job_state(job.pk)).status in (Status.DONE, Status.FAILED) and j,
        timeout=JOB_TIMEOUT,
        what="the second worker has finished the job",
        logs=[first.log_path, second.log_path],
    )
    assert (done.status, done.attempts, done.progress, done.error) == (Status.DONE, 2, 100, "")
    assert ReportJob.objects.count() == 1
    assert done.result_file.name == f"reports/{job.pk}.xlsx"
    assert stored_files(media) == [f"{job.pk}.xlsx"]  # one result, no partial file left behind

    summary = load_workbook(BytesIO((media / done.result_file.name).read_bytes())).worksheets[0]
    school_row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Школа")
    # By hand (tests/gradebook/reports_school.py): 7 students, 6 assessed, 1 отличник, 2 хорошиста…
    assert list(school_row[2:]) == [7, 6, 1, 2, 1, 2, 1, 1, pytest.approx(0.6667), 0.5, 0.68, 4]


@pytest.mark.skipif(not pdf_merge_available(), reason="pypdf is not installed: PDFs are built in one task")
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_a_worker_killed_during_a_part_of_a_school_pdf_costs_that_part_only(
    request_on_broker, media, workers
):
    job = request_on_broker("pdf")
    first = workers("first")

    def a_part_in_the_works():
        parts = list(ReportJobPart.objects.filter(job=job).values_list("index", "status", "attempts"))
        done = [p for p in parts if p[1] == ReportJobPart.Status.DONE]
        working = [p for p in parts if p[1] == ReportJobPart.Status.PENDING and p[2] == 1]
        return len(parts) == 3 and done and working and working[0]

    killed_part = wait_for(
        a_part_in_the_works,
        timeout=WORKER_START_TIMEOUT,
        what="the first worker has stored a part and works on the next",
        logs=[first.log_path],
    )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=STOP_TIMEOUT)
    assert job_state(job.pk).status == Status.RUNNING

    second = workers("second")
    done = wait_for(
        lambda: (j := job_state(job.pk)).status in (Status.DONE, Status.FAILED) and j,
        timeout=JOB_TIMEOUT,
        what="the second worker has finished the job",
        logs=[first.log_path, second.log_path],
    )
    assert (done.status, done.attempts, done.progress, done.error) == (Status.DONE, 1, 100, "")
    # The message of the killed part came back from Redis to the second worker, which built that part.
    first_log, second_log = Path(first.log_path).read_text(), Path(second.log_path).read_text()
    unfinished = set(part_tasks(first_log, "received")) - set(part_tasks(first_log, "succeeded"))
    assert len(unfinished) == 1 and unfinished <= set(part_tasks(second_log, "succeeded")), killed_part
    assert "split into" not in second_log  # the job itself was not claimed again
    assert ReportJob.objects.count() == 1 and not ReportJobPart.objects.exists()
    assert stored_files(media) == [f"{job.pk}.pdf"]  # one result; no part, no partial left behind
    text = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-layout", str(media / done.result_file.name), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert text.count("\f") == 3 and "стр. 1 из 3" in text and "стр. 3 из 3" in text
    assert "68,44" in text and "66,67" in text  # 5А's СОУ and the school's успеваемость, by hand
