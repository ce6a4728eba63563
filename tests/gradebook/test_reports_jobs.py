"""Report jobs: request → run → one file; reuse over unchanged data; a worker dying mid-way; failures."""

import logging
from datetime import timedelta
from io import BytesIO
from unittest.mock import patch

import pytest
from django.db import OperationalError, connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.errors import DomainError
from gradebook.models import ReportJob
from gradebook.reports import jobs
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.tasks import report_job_task
from tests.gradebook.reports_school import build_reports_school, set_term_mark

Status = ReportJob.Status


@pytest.fixture
def school(world):
    return build_reports_school(world)


def class_a_params(world, school):
    return {"scope": "class", "class_id": world.class_a.pk, "period": school.term.pk}


def request_job(world, school, capture, *, user=None, fmt="xlsx", run=True, params=None):
    with capture(execute=run) as callbacks:
        job = report_job_request(
            user=user or world.deputy, kind="ledger", fmt=fmt, params=params or class_a_params(world, school)
        )
    job.refresh_from_db()
    return job, callbacks


def stored_files(media):
    """Every file under MEDIA_ROOT/reports, partial ones included."""
    root = media / "reports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_requested_job_runs_in_the_background_and_leaves_one_file(
    world, school, media, eager, django_capture_on_commit_callbacks
):
    job, callbacks = request_job(world, school, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1  # enqueued when the transaction committed
    assert (job.status, job.progress, job.attempts) == (Status.DONE, 100, 1)
    assert job.started_at <= job.finished_at and job.error == ""
    assert job.result_file.name == f"reports/{job.pk}.xlsx"
    assert job.result_name == f"Сводная ведомость 5А 1 четверть {world.year.name.replace('/', '-')}.xlsx"
    assert job.params == {
        "year": world.year.pk,
        "scope": "class",
        "grade": None,
        "class_id": world.class_a.pk,
        "period": school.term.pk,
        "lang": "ru",
    }
    assert stored_files(media) == [f"{job.pk}.xlsx"]
    with job.result_file.open("rb") as f:
        sheet = load_workbook(BytesIO(f.read()))["5А"]
    assert any(row[1] == "Аннина Анна" for row in sheet.iter_rows(values_only=True))


def test_the_same_request_over_unchanged_data_reuses_the_finished_job(
    world, school, media, eager, django_capture_on_commit_callbacks
):
    first, _ = request_job(world, school, django_capture_on_commit_callbacks)
    again, callbacks = request_job(world, school, django_capture_on_commit_callbacks)
    assert again.pk == first.pk and callbacks == []
    assert ReportJob.objects.count() == 1


def test_a_changed_term_mark_makes_a_new_job(world, school, media, eager, django_capture_on_commit_callbacks):
    first, _ = request_job(world, school, django_capture_on_commit_callbacks)
    set_term_mark(world, world.math_a, world.boris, school.term, "5")
    second, _ = request_job(world, school, django_capture_on_commit_callbacks)
    assert second.pk != first.pk and second.status == Status.DONE
    assert stored_files(media) == sorted([f"{first.pk}.xlsx", f"{second.pk}.xlsx"])


def test_a_student_who_leaves_makes_a_new_job(
    world, school, media, eager, django_capture_on_commit_callbacks
):
    from gradebook.services import enrolment_end

    first, _ = request_job(world, school, django_capture_on_commit_callbacks)
    enrolment = world.boris.enrolments.get()
    enrolment_end(enrolment=enrolment, end_date=school.term.start_date + timedelta(days=3), reason="other")
    second, _ = request_job(world, school, django_capture_on_commit_callbacks)
    assert second.pk != first.pk


def test_a_live_job_is_returned_instead_of_a_duplicate(world, school, django_capture_on_commit_callbacks):
    first, callbacks = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    assert first.status == Status.QUEUED and len(callbacks) == 1
    again, callbacks = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    assert again.pk == first.pk and callbacks == []


def test_format_and_requester_are_part_of_the_request(world, school, django_capture_on_commit_callbacks):
    xlsx, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    pdf, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False, fmt="pdf")
    director, _ = request_job(
        world, school, django_capture_on_commit_callbacks, run=False, user=world.director
    )
    assert len({xlsx.pk, pdf.pk, director.pk}) == 3


def test_a_stale_unfinished_job_is_enqueued_again_when_asked_for(
    world, school, django_capture_on_commit_callbacks
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    ReportJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, started_at=timezone.now() - jobs.STALE_AFTER - timedelta(seconds=1)
    )
    again, callbacks = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    assert again.pk == job.pk and len(callbacks) == 1


def test_a_redelivered_message_of_a_finished_job_completes_once(
    world, school, media, eager, django_capture_on_commit_callbacks
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks)
    mtime = (media / job.result_file.name).stat().st_mtime_ns
    again = report_job_run(job_id=job.pk)
    assert (again.status, again.attempts) == (Status.DONE, 1)
    assert (media / job.result_file.name).stat().st_mtime_ns == mtime
    assert stored_files(media) == [f"{job.pk}.xlsx"]


def test_a_job_left_running_by_a_dead_worker_is_built_again_once(
    world, school, media, django_capture_on_commit_callbacks
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    # The worker dies while rendering: SystemExit is not an error the job handles, as a killed process.
    with (
        patch("gradebook.reports.render_xlsx.render_xlsx", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.RUNNING, 1)
    # The message is redelivered (acks late, rejected on worker loss) and the job is built from scratch.
    redelivered = report_job_run(job_id=job.pk)
    assert (redelivered.status, redelivered.attempts, redelivered.progress) == (Status.DONE, 2, 100)
    assert stored_files(media) == [f"{job.pk}.xlsx"]
    # A third delivery after success does nothing.
    assert report_job_run(job_id=job.pk).attempts == 2


def test_a_worker_dying_after_writing_the_partial_file_leaves_one_result(
    world, school, media, django_capture_on_commit_callbacks
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    with patch("gradebook.reports.jobs.os.replace", side_effect=SystemExit), pytest.raises(SystemExit):
        report_job_run(job_id=job.pk)
    (partial,) = stored_files(media)
    assert partial.startswith(f"tmp/{job.pk}.1.") and partial.endswith(".part")
    report_job_run(job_id=job.pk)
    assert stored_files(media) == [f"{job.pk}.xlsx"]  # the half-written attempt is gone


def test_an_error_fails_the_job_with_a_readable_message_and_logs_the_traceback(
    world, school, media, django_capture_on_commit_callbacks, caplog
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    with (
        patch("gradebook.reports.render_xlsx.render_xlsx", side_effect=KeyError("secret internals")),
        caplog.at_level(logging.ERROR, logger="gradebook.reports.jobs"),
    ):
        failed = report_job_run(job_id=job.pk)
    assert failed.status == Status.FAILED and failed.finished_at is not None
    assert failed.error.startswith("Не удалось построить отчёт.") and "secret" not in failed.error
    assert "secret internals" in caplog.text
    assert stored_files(media) == []
    # A failed job does not block the same request: asking again makes a new job.
    again, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    assert again.pk != job.pk and again.status == Status.QUEUED


def test_a_database_error_is_left_to_the_task_to_retry(world, school, django_capture_on_commit_callbacks):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    with (
        patch(
            "gradebook.reports.render_xlsx.render_xlsx", side_effect=OperationalError("database is locked")
        ),
        pytest.raises(OperationalError),
    ):
        report_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.RUNNING  # claimed again by the retry


def test_the_task_acks_late_and_retries_database_errors_only():
    assert report_job_task.acks_late and report_job_task.reject_on_worker_lost
    assert report_job_task.autoretry_for == (OperationalError,) and report_job_task.max_retries == 3


def test_the_task_builds_the_job_and_gives_up_by_failing_it(
    world, school, media, django_capture_on_commit_callbacks
):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    report_job_task.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == Status.DONE
    other, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False, fmt="pdf")
    report_job_task.on_failure(OperationalError("gone"), "task-id", (str(other.pk),), {}, None)
    other.refresh_from_db()
    assert other.status == Status.FAILED and "база данных" in other.error


def test_progress_is_written_in_steps_of_five_percent(world, school, django_capture_on_commit_callbacks):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, run=False)
    progress = jobs._JobProgress(job.pk)
    with CaptureQueriesContext(connection) as queries:
        for percent in range(0, 101):
            progress.set(percent)
    assert len(queries) == 19  # 5, 10, … 95; never 100 before the file is stored
    job.refresh_from_db()
    assert job.progress == 95


def test_a_class_teacher_may_ask_only_for_their_own_class(world, school, django_capture_on_commit_callbacks):
    own, _ = request_job(world, school, django_capture_on_commit_callbacks, user=world.ct_a, run=False)
    assert own.requested_by == world.ct_a
    for params in (
        {"scope": "class", "class_id": world.class_b.pk, "period": school.term.pk},
        {"scope": "grade", "grade": 5, "period": school.term.pk},
        {"scope": "school", "period": school.term.pk},
    ):
        with pytest.raises(Http404):
            report_job_request(user=world.ct_a, kind="ledger", fmt="xlsx", params=params)
    with pytest.raises(Http404):
        report_job_request(
            user=world.teacher, kind="ledger", fmt="xlsx", params=class_a_params(world, school)
        )


@pytest.mark.parametrize(
    ("kind", "fmt", "code"), [("gossip", "xlsx", "unknown_report"), ("ledger", "docx", "unknown_format")]
)
def test_unknown_reports_and_formats_are_refused(world, school, kind, fmt, code):
    with pytest.raises(DomainError) as refused:
        report_job_request(user=world.deputy, kind=kind, fmt=fmt, params=class_a_params(world, school))
    assert refused.value.code == code
    assert not ReportJob.objects.exists()


def test_a_pdf_job_stores_a_pdf(world, school, media, eager, django_capture_on_commit_callbacks):
    job, _ = request_job(world, school, django_capture_on_commit_callbacks, fmt="pdf")
    assert job.status == Status.DONE and job.result_name.endswith(".pdf")
    assert (media / job.result_file.name).read_bytes().startswith(b"%PDF")
