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

Stuck jobs: `heartbeat_at` is a job's last sign of life (claimed, progress written, a part done, enqueued
again). The filesystem broker of the embedded mode forgets a message when its worker is killed, and Redis
gives an unacknowledged one back only after its visibility timeout (an hour), so a job can stay QUEUED or
RUNNING with nothing to run it. `report_jobs_sweep` (every minute, config/celery.py) enqueues again every
unfinished job silent for longer than STALE_AFTER, as does asking for the same report again; running a
job twice is harmless (see above). A job is claimed at most MAX_ATTEMPTS times: one that keeps killing
its worker, or that the sweep finds stuck after that many, is FAILED with a message for people.

Split jobs: a kind may build a format in parts, one task each (`ReportKind.splits`; the school and grade
ledger PDFs, one part per class): see `gradebook.reports.job_parts`. The job is claimed, split and
revived as above; its parts have their own claims and attempts.
"""

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from gradebook.models import ReportJob
from gradebook.reports.kinds import kind_for

logger = logging.getLogger(__name__)

LAYOUT_VERSION = 3  # bump when a renderer's output changes, so old files are not reused
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5  # claims of one job (or one part); above the task's own retries (1 + 3)
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
    if job.status in UNFINISHED and _last_seen(job) < timezone.now() - STALE_AFTER:
        _requeue(job, now=timezone.now())


def _last_seen(job: ReportJob):
    return job.heartbeat_at or job.started_at or job.created_at


def _enqueue_on_commit(job: ReportJob) -> None:
    from gradebook.tasks import report_job_task

    job_id = str(job.pk)
    transaction.on_commit(lambda: report_job_task.delay(job_id))


# Stuck jobs ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    requeued: list
    failed: list


def report_jobs_sweep(*, now=None) -> SweepResult:
    """Enqueues again every unfinished job silent for longer than STALE_AFTER, or FAILS it with a message
    for people once it has been claimed MAX_ATTEMPTS times. Called every minute by the beat schedule;
    `now` is for tests. Each job is handled in a transaction of its own, its message sent on commit."""
    now = now or timezone.now()
    stale = (
        ReportJob.objects.filter(status__in=UNFINISHED)
        .alias(seen=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(seen__lt=now - STALE_AFTER)
        .order_by("created_at")
    )
    requeued, failed = [], []
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            if report_job_give_up(job):
                failed.append(job.pk)
        elif _requeue(job, now=now):
            requeued.append(job.pk)
    return SweepResult(requeued, failed)


def _requeue(job: ReportJob, *, now) -> bool:
    """Touches the job (so it is not enqueued again for another STALE_AFTER) and enqueues it on commit.
    False when someone touched it since it was read: a worker came back to life, or another sweep."""
    with transaction.atomic():
        touched = ReportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at, attempts=job.attempts
        ).update(heartbeat_at=now)
        if touched:
            logger.warning(
                "report job %s is %s since %s: enqueued again", job.pk, job.status, _last_seen(job)
            )
            _enqueue_on_commit(job)
    return bool(touched)


def report_job_give_up(job: ReportJob, *, attempts: int | None = None) -> bool:
    """FAILS an unfinished job claimed too often (or one of its parts, `attempts` times)."""
    attempts = job.attempts if attempts is None else attempts
    with translation.override(job_language(job)):
        message = _(
            "The report could not be built: the work on it stopped %(count)d times. Try again later; "
            "if it fails again, tell the administrator."
        ) % {"count": attempts}
    logger.error("report job %s: given up after %s attempts", job.pk, attempts)
    return report_job_fail(job_id=job.pk, message=message)


# Running a job -----------------------------------------------------------------------------------------


class _JobProgress:
    """Writes the job's progress in % at most every PROGRESS_STEP points: an UPDATE of that column (and of
    the heartbeat) only."""

    def __init__(self, job_id, *, start: int = 0):
        self.job_id = job_id
        self.last = start

    def set(self, percent: float) -> None:
        percent = max(0, min(99, int(percent)))
        if percent - self.last >= PROGRESS_STEP:
            ReportJob.objects.filter(pk=self.job_id).update(progress=percent, heartbeat_at=timezone.now())
            self.last = percent

    def span(self, start: int, end: int) -> Progress:
        """A `progress(done, total)` callback that moves the bar from `start` to `end`."""
        return lambda done, total: self.set(start + (end - start) * done / max(total, 1))


def report_job_run(*, job_id) -> ReportJob | None:
    """Builds the job's report and stores the file, or splits it into parts (see `job_parts`). Called by
    the Celery task; safe to call again.

    Database errors (OperationalError: a locked or lost database) propagate for the task to retry, the
    job staying RUNNING to be claimed again; any other error marks the job FAILED with a message for
    people, and the traceback goes to the log only.
    """
    job, claimed = _claim(job_id)
    if job is None:
        logger.warning("report job %s does not exist", job_id)
        return None
    if not claimed:
        return job  # finished before: a redelivered message completes once
    return run_guarded(job, lambda: _run_claimed(job))


def _claim(job_id) -> tuple[ReportJob | None, bool]:
    """Takes the job for this run (attempts + 1); an unfinished job out of attempts is FAILED instead."""
    now = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, status__in=UNFINISHED, attempts__lt=MAX_ATTEMPTS).update(
        status=ReportJob.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    job = ReportJob.objects.filter(pk=job_id).first()
    if job is not None and not claimed and job.status in UNFINISHED:
        report_job_give_up(job)  # a job that keeps killing its worker is redelivered again and again
        job.refresh_from_db()
    return job, bool(claimed)


def run_guarded(job: ReportJob, work: Callable[[], object]) -> ReportJob:
    """Runs `work` for the job in the job's language. Database errors propagate (the task retries); a
    DomainError fails the job with its message; any other error with a general one, logged."""
    try:
        with translation.override(job_language(job)):
            work()
    except OperationalError:
        raise
    except DomainError as error:
        _fail(job, str(error.message))
    except Exception:
        logger.exception("report job %s failed", job.pk)
        with translation.override(job_language(job)):
            _fail(
                job, _("The report could not be built. Try again; if it fails again, tell the administrator.")
            )
    return ReportJob.objects.get(pk=job.pk)


def job_language(job: ReportJob) -> str:
    return job.params.get("lang") or settings.LANGUAGE_CODE


def _run_claimed(job: ReportJob) -> None:
    from gradebook.reports import job_parts

    report = kind_for(job.kind, job.fmt)
    split = report.splits.get(job.fmt)
    if split is not None:
        if job_parts.parts_resume(job):
            return  # split by an earlier attempt: its parts go on
        progress = _JobProgress(job.pk)
        planned = split.plan(report.reload(job.params), progress=progress.span(0, job_parts.PLANNED))
        if planned is not None:
            job_parts.parts_start(job, planned)
            return
    name, content, timings = _build(job)
    report_job_finish(job, content, name=name)
    logger.info("report job %s (%s %s) done: %s", job.pk, job.kind, job.fmt, timings)


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


def report_job_finish(job: ReportJob, content: bytes, *, name: str) -> bool:
    """Stores the job's file and marks the job DONE, if it is still RUNNING. Who may call: this module and
    `job_parts`, inside `run_guarded`."""
    path = store_file(job, content, final=result_path(job))
    return bool(
        ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING).update(
            status=ReportJob.Status.DONE,
            progress=100,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            result_file=path,
            result_name=name,
            error="",
        )
    )


def report_job_fail(*, job_id, message: str) -> bool:
    """Marks an unfinished job FAILED (the task gave up retrying) and removes what its parts left."""
    failed = ReportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=ReportJob.Status.FAILED, finished_at=timezone.now(), error=message
    )
    if failed:
        from gradebook.reports.job_parts import parts_discard

        parts_discard(job_id)
    return bool(failed)


def _fail(job: ReportJob, message: str) -> None:
    report_job_fail(job_id=job.pk, message=message)


# Storing the file --------------------------------------------------------------------------------------


def result_path(job: ReportJob) -> str:
    return f"{RESULT_DIR}/{job.pk}.{job.fmt}"


def store_file(job: ReportJob, content: bytes, *, final: str, tag: str = "", tidy: bool = True) -> str:
    """Writes the file under a temporary name, then moves it to `final`: the final name is whole or absent.

    The temporary name is `<job>.<attempt>.<tag><random>.part`. With `tidy`, what earlier attempts of the
    job left half-written is removed first (not by a part: a part of an earlier claim may still be alive).
    """
    storage = default_storage
    if tidy:
        remove_partials(job)
    partial = storage.save(
        f"{PARTIAL_DIR}/{job.pk}.{job.attempts}.{tag}{uuid.uuid4().hex}.part", ContentFile(content)
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


def remove_partials(job: ReportJob, *, every: bool = False) -> None:
    """Deletes what earlier attempts of this job left half-written (a worker died while writing); with
    `every`, those of the current attempt too (its parts are all stored: what is left is litter)."""
    storage = default_storage
    try:
        _dirs, files = storage.listdir(PARTIAL_DIR)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        job_id, _sep, rest = name.partition(".")
        attempt = rest.split(".", 1)[0]
        if job_id == str(job.pk) and attempt.isdigit() and (every or int(attempt) < job.attempts):
            storage.delete(f"{PARTIAL_DIR}/{name}")
