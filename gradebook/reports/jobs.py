"""Report jobs: reports built in the background that the user watches and downloads (DESIGN.md §5).

The job row is the source of truth; Celery only carries its id. `report_job_request` creates a job (or
returns the one that already answers the same request) and enqueues it on commit; `report_job_run`
builds it and is safe to run again for the same job:

- a job that is DONE (or FAILED) is left alone: a message redelivered after a worker died completes once;
- a job left RUNNING by a worker that died is claimed again (attempts + 1) and built from scratch;
- the file is written to a temporary name and then moved to `reports/<job id>.<ext>`, so every attempt
  writes the same final name and a job has exactly one result file; a half-written file is never
  visible under the final name.

The idempotency key is sha256 of (kind, format, normalized parameters with the language, the data
version, the layout version, the requester). Same request over unchanged data → the finished job is
reused; a live one is returned instead of a duplicate. The requester is part of the key so that the
jobs list shows one's own requests and a class teacher never depends on a deputy's file.

Stuck jobs: the filesystem broker of the embedded mode forgets a message when its worker is killed, so a
job can stay QUEUED or RUNNING with nothing to run it. Asking for the same report again after
STALE_AFTER re-enqueues it (running a job twice is harmless, see above).
"""

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from gradebook.models import ReportJob
from gradebook.reports.kinds import kind_for

logger = logging.getLogger(__name__)

LAYOUT_VERSION = 2  # bump when a renderer's output changes, so old files are not reused
STALE_AFTER = timedelta(minutes=5)
PROGRESS_STEP = 5
RESULT_DIR = "reports"
PARTIAL_DIR = "reports/tmp"
LIVE = (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING, ReportJob.Status.DONE)
UNFINISHED = (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING)
FORMATS = {"xlsx": "XLSX", "pdf": "PDF"}
Progress = Callable[[int, int], None]


def _idempotency_key(*, kind: str, fmt: str, params: dict, version: str, user) -> str:
    material = json.dumps([kind, fmt, params, version, LAYOUT_VERSION, user.pk], sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def report_job_request(*, user, kind: str, fmt: str, params: dict) -> ReportJob:
    """The job that answers the request: a finished one over unchanged data, a live one, or a new one.

    Checks access (Http404) and the parameters (DomainError) before any write. A new job is enqueued
    when the transaction commits. Who may call: views, for a signed-in user.
    """
    report = kind_for(kind, fmt)
    checked = report.check(user=user, params=params)
    stored = {**checked.params(), "lang": translation.get_language() or settings.LANGUAGE_CODE}
    key = _idempotency_key(kind=kind, fmt=fmt, params=stored, version=report.data_version(checked), user=user)
    with transaction.atomic():
        existing = ReportJob.objects.filter(idempotency_key=key, status__in=LIVE).first()
        if existing is not None:
            _revive_if_stale(existing)
            return existing
        try:
            with transaction.atomic():
                job = ReportJob.objects.create(
                    kind=kind,
                    fmt=fmt,
                    params=stored,
                    idempotency_key=key,
                    requested_by=user,
                    result_name=f"{checked.file_stem}.{fmt}",
                )
        except IntegrityError:
            # The same request at the same moment: the unique constraint let one job through.
            return ReportJob.objects.get(idempotency_key=key, status__in=LIVE)
        _enqueue_on_commit(job)
    return job


def _revive_if_stale(job: ReportJob) -> None:
    since = job.started_at if job.status == ReportJob.Status.RUNNING else job.created_at
    if job.status in UNFINISHED and since is not None and timezone.now() - since > STALE_AFTER:
        logger.warning("report job %s is %s since %s: enqueued again", job.pk, job.status, since)
        _enqueue_on_commit(job)


def _enqueue_on_commit(job: ReportJob) -> None:
    from gradebook.tasks import report_job_task

    job_id = str(job.pk)
    transaction.on_commit(lambda: report_job_task.delay(job_id))


class _JobProgress:
    """Writes the job's progress in % at most every PROGRESS_STEP points: an UPDATE of that column only."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.last = 0

    def set(self, percent: float) -> None:
        percent = max(0, min(99, int(percent)))
        if percent - self.last >= PROGRESS_STEP:
            ReportJob.objects.filter(pk=self.job_id).update(progress=percent)
            self.last = percent

    def span(self, start: int, end: int) -> Progress:
        """A `progress(done, total)` callback that moves the bar from `start` to `end`."""
        return lambda done, total: self.set(start + (end - start) * done / max(total, 1))


def report_job_run(*, job_id) -> ReportJob | None:
    """Builds the job's report and stores the file. Called by the Celery task; safe to call again.

    Database errors (OperationalError: a locked or lost database) propagate for the task to retry, the
    job staying RUNNING to be claimed again; any other error marks the job FAILED with a message for
    people, and the traceback goes to the log only.
    """
    claimed = ReportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ReportJob.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        progress=0,
        error="",
    )
    job = ReportJob.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("report job %s does not exist", job_id)
        return None
    if not claimed:
        return job  # finished before: a redelivered message completes once
    try:
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            name, content, timings = _build(job)
        path = _store(job, content)
    except OperationalError:
        raise
    except DomainError as error:
        _fail(job, str(error.message))
        return ReportJob.objects.get(pk=job.pk)
    except Exception:
        logger.exception("report job %s failed", job.pk)
        with translation.override(job.params.get("lang") or settings.LANGUAGE_CODE):
            _fail(
                job, _("The report could not be built. Try again; if it fails again, tell the administrator.")
            )
        return ReportJob.objects.get(pk=job.pk)
    ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING).update(
        status=ReportJob.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        result_file=path,
        result_name=name,
        error="",
    )
    logger.info("report job %s (%s %s) done: %s", job.pk, job.kind, job.fmt, timings)
    return ReportJob.objects.get(pk=job.pk)


def _build(job: ReportJob) -> tuple[str, bytes, str]:
    report = kind_for(job.kind, job.fmt)
    progress = _JobProgress(job.pk)
    started = time.monotonic()
    checked = report.reload(job.params)
    data = report.build(checked, progress=progress.span(0, 40))
    built = time.monotonic()
    content = report.renderers[job.fmt](data, progress=progress.span(40, 99))
    rendered = time.monotonic()
    timings = f"data {built - started:.2f} s, {job.fmt} {rendered - built:.2f} s, {len(content)} bytes"
    return f"{checked.file_stem}.{job.fmt}", content, timings


def report_job_fail(*, job_id, message: str) -> None:
    """Marks an unfinished job FAILED (the task gave up retrying)."""
    ReportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ReportJob.Status.FAILED, finished_at=timezone.now(), error=message
    )


def _fail(job: ReportJob, message: str) -> None:
    report_job_fail(job_id=job.pk, message=message)


# Storing the file --------------------------------------------------------------------------------------


def result_path(job: ReportJob) -> str:
    return f"{RESULT_DIR}/{job.pk}.{job.fmt}"


def _store(job: ReportJob, content: bytes) -> str:
    """Writes the file under a temporary name, then moves it to the job's one final name."""
    storage = default_storage
    _remove_partials(storage, job)
    final = result_path(job)
    partial = storage.save(
        f"{PARTIAL_DIR}/{job.pk}.{job.attempts}.{uuid.uuid4().hex}.part", ContentFile(content)
    )
    try:
        source, target = storage.path(partial), storage.path(final)
    except NotImplementedError:
        return _copy_into_place(storage, partial, final)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.replace(source, target)  # atomic on one file system: the final name is whole or absent
    return final


def _copy_into_place(storage, partial: str, final: str) -> str:
    """A remote storage (S3…) has no rename: replace the final file by a copy, then delete the partial."""
    storage.delete(final)
    with storage.open(partial, "rb") as data:
        saved = storage.save(final, data)
    storage.delete(partial)
    if saved != final:
        raise RuntimeError(f"storage saved {final} as {saved}")
    return final


def _remove_partials(storage, job: ReportJob) -> None:
    """Deletes what earlier attempts of this job left half-written (a worker died while writing)."""
    try:
        _dirs, files = storage.listdir(PARTIAL_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        job_id, _sep, rest = name.partition(".")
        attempt = rest.split(".", 1)[0]
        if job_id == str(job.pk) and attempt.isdigit() and int(attempt) < job.attempts:
            storage.delete(f"{PARTIAL_DIR}/{name}")
