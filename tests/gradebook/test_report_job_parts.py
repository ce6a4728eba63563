"""The school and grade ledger PDFs built in parts: a task per class, then one file joined from them.

The joined file must read exactly as the single render (page by page, with «стр. N из M» over the whole),
the job must keep its guarantees (one result file, nothing left behind, a part counted once however often
it runs), progress must move as parts finish, and a dead worker must cost only its own part.
"""

import shutil
import subprocess
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.utils import timezone, translation

from gradebook.models import ReportJob, ReportJobPart
from gradebook.reports import job_parts, ledger_pdf_parts
from gradebook.reports.job_parts import report_job_merge_run, report_job_part_run
from gradebook.reports.jobs import (
    MAX_ATTEMPTS,
    STALE_AFTER,
    report_job_request,
    report_job_run,
    report_jobs_sweep,
)
from gradebook.reports.ledger import ledger
from gradebook.reports.ledger_json import ledger_from_json, ledger_to_json
from gradebook.reports.render_pdf import render_pdf
from tests.gradebook.reports_school import build_reports_school

Status = ReportJob.Status
PartStatus = ReportJobPart.Status
PDFTOTEXT = shutil.which("pdftotext")
needs_pypdf = pytest.mark.skipif(
    not ledger_pdf_parts.pdf_merge_available(), reason="pypdf is not installed: PDFs are built in one task"
)
needs_pdftotext = pytest.mark.skipif(not PDFTOTEXT, reason="poppler-utils (pdftotext) is not installed")


@pytest.fixture
def school(world):
    return build_reports_school(world)


@pytest.fixture
def request_pdf(world, school, django_capture_on_commit_callbacks):
    """request_pdf(scope=…, run=…) → (the job, the messages its request enqueued)."""

    def make(*, scope="school", grade=5, run=False, lang="ru"):
        params = {"scope": scope, "period": school.term.pk, "grade": grade, "class_id": world.class_a.pk}
        with translation.override(lang), django_capture_on_commit_callbacks(execute=run) as callbacks:
            job = report_job_request(user=world.deputy, kind="ledger", fmt="pdf", params=params)
        job.refresh_from_db()
        return job, callbacks

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run(service, **ids) → (what it returned, how many messages it enqueued on commit)."""

    def call(service, **ids):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            result = service(**ids)
        return result, len(callbacks)

    return call


def stored_files(media):
    root = media / "reports"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_text(path) -> str:
    return subprocess.run(  # noqa: S603
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def parts_of(job):
    return list(ReportJobPart.objects.filter(job=job).order_by("index"))


@needs_pypdf
@needs_pdftotext
def test_a_school_pdf_is_built_a_class_a_task_and_reads_exactly_as_the_single_render(
    world, school, media, eager, request_pdf, tmp_path
):
    with patch.object(ledger_pdf_parts, "ledger_pdf_part", wraps=ledger_pdf_parts.ledger_pdf_part) as parts:
        job, _ = request_pdf(run=True)
    assert parts.call_count == 3  # 1А (under the title and summary), 5А, 5Б: a task each
    assert (job.status, job.attempts, job.progress, job.error) == (Status.DONE, 1, 100, "")
    assert stored_files(media) == [f"{job.pk}.pdf"]  # the parts' files are gone, nothing half-written
    assert not ReportJobPart.objects.exists()
    with translation.override("ru"):
        single = render_pdf(ledger(scope="school", year=world.year, period=school.term.pk))
    (tmp_path / "single.pdf").write_bytes(single)
    joined = pdf_text(media / job.result_file.name)
    assert joined == pdf_text(tmp_path / "single.pdf")  # the same pages, the same words, the same numbers
    assert joined.count("\f") == 3 and "стр. 1 из 3" in joined and "стр. 3 из 3" in joined
    assert "68,44" in joined and "Фомин Фома" in joined and "Верина Вера" in joined


@needs_pypdf
def test_progress_moves_as_parts_finish_and_the_last_part_enqueues_the_merge_once(
    school, media, request_pdf, run
):
    job, callbacks = request_pdf()
    assert len(callbacks) == 1
    job, enqueued = run(report_job_run, job_id=job.pk)
    parts = parts_of(job)
    assert [p.label for p in parts] == ["1А", "5А", "5Б"] and enqueued == 3  # a message per part
    assert (job.status, job.progress) == (Status.RUNNING, job_parts.PLANNED)
    progress = []
    for part in parts:
        _, enqueued = run(report_job_part_run, part_id=part.pk)
        job.refresh_from_db()
        progress.append((job.progress, enqueued))
    assert progress == [(38, 0), (66, 0), (95, 1)]  # 10 + 85 × done / 3; the last part enqueues the merge
    _, enqueued = run(report_job_part_run, part_id=parts[1].pk)  # a part's message delivered again
    assert enqueued == 0 and ReportJobPart.objects.get(pk=parts[1].pk).attempts == 1
    assert stored_files(media) == [f"{job.pk}/0.pdf", f"{job.pk}/1.pdf", f"{job.pk}/2.pdf"]
    done, _ = run(report_job_merge_run, job_id=job.pk)
    assert (done.status, done.progress, done.result_file.name) == (Status.DONE, 100, f"reports/{job.pk}.pdf")
    assert stored_files(media) == [f"{job.pk}.pdf"]
    assert (media / done.result_file.name).read_bytes().startswith(b"%PDF")
    again, enqueued = run(report_job_merge_run, job_id=job.pk)  # the merge's message delivered again
    assert again.status == Status.DONE and enqueued == 0 and stored_files(media) == [f"{job.pk}.pdf"]


@needs_pypdf
def test_a_merge_before_the_last_part_is_stored_does_nothing(school, media, request_pdf, run):
    job, _ = request_pdf()
    job, _ = run(report_job_run, job_id=job.pk)
    run(report_job_part_run, part_id=parts_of(job)[0].pk)
    waiting, _ = run(report_job_merge_run, job_id=job.pk)
    assert (waiting.status, waiting.progress) == (Status.RUNNING, 38)
    assert stored_files(media) == [f"{job.pk}/0.pdf"]


@needs_pypdf
def test_a_worker_dying_in_a_part_costs_that_part_only(school, media, request_pdf, run):
    job, _ = request_pdf()
    job, _ = run(report_job_run, job_id=job.pk)
    first, second, third = parts_of(job)
    run(report_job_part_run, part_id=first.pk)
    # The worker dies while writing the second part: after the temporary file, before the move.
    with patch("gradebook.reports.jobs.os.replace", side_effect=SystemExit), pytest.raises(SystemExit):
        report_job_part_run(part_id=second.pk)
    assert any(name.startswith("tmp/") for name in stored_files(media))
    # Nobody works on the job any more: the sweep sends it again; its new claim resumes the parts.
    silent_since = timezone.now()
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=silent_since)
    result, enqueued = run(report_jobs_sweep, now=silent_since + STALE_AFTER + timedelta(seconds=1))
    assert result.requeued == [job.pk] and enqueued == 1
    rendered = []
    real_render = ledger_pdf_parts.ledger_pdf_part
    with patch.object(
        ledger_pdf_parts, "ledger_pdf_part", side_effect=lambda d: rendered.append(d) or real_render(d)
    ):
        resumed, enqueued = run(report_job_run, job_id=job.pk)
        assert (resumed.status, resumed.attempts, resumed.progress) == (Status.RUNNING, 2, 38)
        assert enqueued == 2  # the second and third parts; the first is kept
        for part in (second, third):
            run(report_job_part_run, part_id=part.pk)
    assert len(rendered) == 2  # the first part was not rendered again
    assert ReportJobPart.objects.get(pk=second.pk).attempts == 2
    done, _ = run(report_job_merge_run, job_id=job.pk)
    assert (done.status, done.attempts) == (Status.DONE, 2)
    assert stored_files(media) == [f"{job.pk}.pdf"]  # the dead run's temporary file is gone too


@needs_pypdf
def test_a_lost_merge_message_is_sent_again_when_the_sweep_revives_the_job(school, media, request_pdf, run):
    job, _ = request_pdf()
    job, _ = run(report_job_run, job_id=job.pk)
    for part in parts_of(job):
        run(report_job_part_run, part_id=part.pk)  # the last one's merge message is lost with its worker
    silent_since = timezone.now()
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=silent_since)
    result, _ = run(report_jobs_sweep, now=silent_since + STALE_AFTER + timedelta(seconds=1))
    assert result.requeued == [job.pk]
    resumed, enqueued = run(report_job_run, job_id=job.pk)
    assert (resumed.status, resumed.attempts, resumed.progress, enqueued) == (Status.RUNNING, 2, 95, 1)
    done, _ = run(report_job_merge_run, job_id=job.pk)
    assert done.status == Status.DONE and stored_files(media) == [f"{job.pk}.pdf"]


@needs_pypdf
def test_a_part_that_keeps_killing_its_worker_fails_the_job_and_leaves_nothing(
    school, media, request_pdf, run
):
    job, _ = request_pdf(lang="en")
    job, _ = run(report_job_run, job_id=job.pk)
    first, second, _third = parts_of(job)
    run(report_job_part_run, part_id=first.pk)
    ReportJobPart.objects.filter(pk=second.pk).update(attempts=MAX_ATTEMPTS)
    run(report_job_part_run, part_id=second.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error == (
        "The report could not be built: the work on it stopped 5 times. Try again later; "
        "if it fails again, tell the administrator."
    )
    assert stored_files(media) == [] and not ReportJobPart.objects.exists()


@needs_pypdf
def test_an_error_in_a_part_fails_the_job_with_a_readable_message(school, media, request_pdf, run, caplog):
    job, _ = request_pdf()
    job, _ = run(report_job_run, job_id=job.pk)
    first, second, _third = parts_of(job)
    run(report_job_part_run, part_id=first.pk)
    with patch.object(ledger_pdf_parts, "ledger_pdf_part", side_effect=KeyError("secret internals")):
        run(report_job_part_run, part_id=second.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error.startswith("Не удалось построить отчёт.")
    assert "secret" not in job.error and "secret internals" in caplog.text
    assert stored_files(media) == [] and not ReportJobPart.objects.exists()
    _, enqueued = run(report_job_part_run, part_id=second.pk)  # a late message of a failed job
    assert enqueued == 0 and job.status == Status.FAILED


def test_a_class_ledger_pdf_is_built_in_one_task(school, media, request_pdf, run):
    job, _ = request_pdf(scope="class")
    done, enqueued = run(report_job_run, job_id=job.pk)
    assert (done.status, enqueued) == (Status.DONE, 0) and not ReportJobPart.objects.exists()
    assert stored_files(media) == [f"{job.pk}.pdf"]


def test_without_pypdf_a_school_pdf_is_built_in_one_task(school, media, request_pdf, run):
    job, _ = request_pdf()
    with patch.object(ledger_pdf_parts, "pdf_merge_available", return_value=False):
        done, enqueued = run(report_job_run, job_id=job.pk)
    assert (done.status, enqueued) == (Status.DONE, 0) and not ReportJobPart.objects.exists()
    assert stored_files(media) == [f"{job.pk}.pdf"]


@needs_pypdf
def test_a_grade_with_one_class_is_built_in_one_task(school, media, request_pdf, run):
    job, _ = request_pdf(scope="grade", grade=1)  # 1А alone
    done, enqueued = run(report_job_run, job_id=job.pk)
    assert (done.status, enqueued) == (Status.DONE, 0) and not ReportJobPart.objects.exists()


def test_the_ledger_survives_its_json_exactly(world, school):
    with translation.override("ru"):
        whole = ledger(scope="school", year=world.year, period=school.term.pk)
    assert ledger_from_json(ledger_to_json(whole)) == whole
    class_a = whole.classes[1]
    assert any(row.left_on for row in class_a.students) and "н/а" in {
        c for r in class_a.students for c in r.cells
    }
