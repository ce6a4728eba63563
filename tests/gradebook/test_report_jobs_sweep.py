"""Stuck report jobs: the sweep enqueues again the unfinished jobs nobody has worked on for STALE_AFTER, and
gives up, with a message for people, on those claimed MAX_ATTEMPTS times. Time moves by explicit
timestamps (`now=` and the job's own columns), never by sleeping."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from config.celery import app
from gradebook.models import ReportJob
from gradebook.reports import jobs
from gradebook.reports.jobs import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    report_job_request,
    report_job_run,
    report_jobs_sweep,
)
from gradebook.tasks import report_jobs_sweep_task
from tests.gradebook.reports_school import build_reports_school

Status = ReportJob.Status
SECOND = timedelta(seconds=1)
GAVE_UP = (
    "The report could not be built: the work on it stopped 5 times. Try again later; "
    "if it fails again, tell the administrator."
)


@pytest.fixture
def school(world):
    return build_reports_school(world)


@pytest.fixture
def new_job(world, school, django_capture_on_commit_callbacks):
    """new_job(**columns) → a class 5А XLSX job requested in English (its messages stay English), its
    message not run, then its columns set as given."""

    def make(**columns):
        with translation.override("en"), django_capture_on_commit_callbacks(execute=False):
            job = report_job_request(
                user=world.deputy,
                kind="ledger",
                fmt="xlsx",
                params={"scope": "class", "class_id": world.class_a.pk, "period": school.term.pk},
            )
        ReportJob.objects.filter(pk=job.pk).update(**columns)
        job.refresh_from_db()
        return job

    return make


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """sweep(now, run=False) → (the sweep's result, the messages it enqueued on commit)."""

    def run_sweep(now, *, run=False):
        with django_capture_on_commit_callbacks(execute=run) as callbacks:
            result = report_jobs_sweep(now=now)
        return result, callbacks

    return run_sweep


def test_a_queued_job_whose_message_was_lost_is_enqueued_again_once_per_stale_period(new_job, sweep):
    t0 = timezone.now()
    job = new_job(created_at=t0)
    result, callbacks = sweep(t0 + STALE_AFTER)
    assert (result.requeued, result.failed, callbacks) == ([], [], [])  # not older than STALE_AFTER yet
    later = t0 + STALE_AFTER + SECOND
    result, callbacks = sweep(later)
    assert result.requeued == [job.pk] and len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.heartbeat_at) == (Status.QUEUED, 0, later)
    # Enqueued again counts as a sign of life: the next sweeps wait another STALE_AFTER.
    assert sweep(later + timedelta(minutes=1))[0].requeued == []
    assert sweep(later + STALE_AFTER + SECOND)[0].requeued == [job.pk]


def test_a_long_job_that_still_writes_progress_is_left_alone(new_job, sweep):
    t0 = timezone.now()
    new_job(
        status=Status.RUNNING,
        attempts=1,
        created_at=t0 - timedelta(hours=1),
        started_at=t0 - timedelta(hours=1),
        heartbeat_at=t0 - STALE_AFTER + SECOND,
    )
    result, callbacks = sweep(t0)
    assert (result.requeued, result.failed, callbacks) == ([], [], [])


def test_progress_written_is_a_sign_of_life(new_job):
    job = new_job(status=Status.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1))
    before = timezone.now()
    jobs._JobProgress(job.pk).set(40)
    job.refresh_from_db()
    assert job.progress == 40 and job.heartbeat_at >= before


def test_a_job_whose_worker_died_is_built_by_the_message_the_sweep_sends(new_job, sweep, media, eager):
    t0 = timezone.now()
    job = new_job(status=Status.RUNNING, attempts=1, started_at=t0 - timedelta(minutes=7), heartbeat_at=None)
    result, callbacks = sweep(t0, run=True)
    assert result.requeued == [job.pk] and len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == (Status.DONE, 2, 100)
    assert (media / f"reports/{job.pk}.xlsx").is_file()


def test_a_stuck_job_out_of_attempts_is_failed_with_a_readable_message(new_job, sweep, media):
    t0 = timezone.now()
    job = new_job(status=Status.RUNNING, attempts=MAX_ATTEMPTS, heartbeat_at=t0 - STALE_AFTER - SECOND)
    result, callbacks = sweep(t0)
    assert (result.requeued, result.failed, callbacks) == ([], [job.pk], [])
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (Status.FAILED, GAVE_UP, MAX_ATTEMPTS)
    assert job.finished_at is not None
    assert sweep(t0 + timedelta(hours=1))[0].failed == []  # a failed job is never swept again
    assert report_job_run(job_id=job.pk).status == Status.FAILED  # nor built by a late message
    assert not (media / "reports").exists()


def test_a_message_that_comes_back_after_the_last_attempt_fails_the_job_instead_of_building_it(
    new_job, media
):
    # A job that kills its worker every time is redelivered again and again (acks late): the claim stops it.
    job = new_job(status=Status.RUNNING, attempts=MAX_ATTEMPTS, heartbeat_at=timezone.now())
    ran = report_job_run(job_id=job.pk)
    assert (ran.status, ran.error, ran.attempts) == (Status.FAILED, GAVE_UP, MAX_ATTEMPTS)
    assert not (media / "reports").exists()


def test_a_job_below_the_cap_is_claimed_again(new_job, media):
    job = new_job(status=Status.RUNNING, attempts=MAX_ATTEMPTS - 1, heartbeat_at=timezone.now())
    ran = report_job_run(job_id=job.pk)
    assert (ran.status, ran.attempts) == (Status.DONE, MAX_ATTEMPTS)


def test_finished_jobs_are_never_swept(new_job, sweep):
    long_ago = timezone.now() - timedelta(days=1)
    failed = new_job(status=Status.FAILED, attempts=1, created_at=long_ago, heartbeat_at=long_ago)
    done = new_job(status=Status.DONE, attempts=1, created_at=long_ago, heartbeat_at=long_ago)
    assert failed.pk != done.pk
    result, callbacks = sweep(timezone.now())
    assert (result.requeued, result.failed, callbacks) == ([], [], [])


def test_the_beat_schedule_runs_the_sweep_task_every_minute(new_job, django_capture_on_commit_callbacks):
    entry = app.conf.beat_schedule["report-jobs-sweep"]
    assert entry["task"] == report_jobs_sweep_task.name and entry["schedule"] <= 60
    job = new_job(created_at=timezone.now() - STALE_AFTER - SECOND)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_jobs_sweep_task.apply()
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.heartbeat_at is not None
