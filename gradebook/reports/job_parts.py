"""Report jobs built in parts, one Celery task each (the school and grade ledger PDFs: a part per class).

The job row and its `ReportJobPart` rows are the source of truth. There is no Celery result backend, so
no chord: the part that is marked done last enqueues the merge, decided under the job row's lock.

1. `report_job_run` claims the job; the kind's `Split.plan` takes the data once and cuts it into parts
   (progress 0 → PLANNED); `parts_start` creates the part rows with their data and enqueues a task per
   part, in one transaction.
2. `report_job_part_run` claims a part (attempts + 1, at most MAX_ATTEMPTS), renders it from its data and
   stores it at `reports/<job>/<index>.<fmt>` (temporary name, then moved), then marks it DONE in a
   transaction holding the job row's lock (SELECT … FOR UPDATE; an IMMEDIATE transaction on SQLite):
   progress moves from PLANNED towards MERGING, and the transaction that marks the last part enqueues the
   merge on commit, once.
3. `report_job_merge_run` joins the parts in order into the job's one file, `reports/<job>.<fmt>`
   (temporary name, then moved), marks the job DONE, then deletes the parts' files and rows.

A worker that dies loses at most what it was doing. Its message comes back (acks late, Redis), or the
sweep revives the silent job: the new claim finds the parts (`parts_resume`) and enqueues those not
done, or the merge when all are. A part rendered twice is stored twice under the same name and counted
once. A failed job's parts are discarded (`parts_discard`).
"""

import contextlib
import logging

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from gradebook.models import ReportJob, ReportJobPart
from gradebook.reports.jobs import (
    MAX_ATTEMPTS,
    RESULT_DIR,
    _JobProgress,
    remove_partials,
    report_job_finish,
    report_job_give_up,
    run_guarded,
    store_file,
)
from gradebook.reports.kinds import kind_for

logger = logging.getLogger(__name__)

PLANNED = 10  # % when the data is taken and the parts are enqueued
MERGING = 95  # % when every part is stored
Status = ReportJob.Status
PartStatus = ReportJobPart.Status


def part_path(job: ReportJob, index: int) -> str:
    return f"{RESULT_DIR}/{job.pk}/{index}.{job.fmt}"


def parts_start(job: ReportJob, planned: list[tuple[str, dict]]) -> None:
    """Creates the job's parts and enqueues them on commit, if this claim of the job is still the latest."""
    with transaction.atomic():
        current = ReportJob.objects.select_for_update().filter(
            pk=job.pk, status=Status.RUNNING, attempts=job.attempts
        )
        if not current.exists():
            return  # another claim of the job took over
        parts = ReportJobPart.objects.bulk_create(
            ReportJobPart(job=job, index=index, label=label[:60], data=data)
            for index, (label, data) in enumerate(planned)
        )
        current.update(progress=PLANNED, heartbeat_at=timezone.now())
        for part in parts:
            _enqueue_part_on_commit(part.pk)
    logger.info("report job %s split into %d parts", job.pk, len(parts))


def parts_resume(job: ReportJob) -> bool:
    """For a claim of a job split before: enqueues its parts not done, or the merge if all are. False if
    the job has no parts."""
    parts = list(ReportJobPart.objects.filter(job=job).values_list("pk", "status"))
    if not parts:
        return False
    pending = [pk for pk, status in parts if status == PartStatus.PENDING]
    with transaction.atomic():
        ReportJob.objects.filter(pk=job.pk).update(
            progress=_progress(len(parts) - len(pending), len(parts)), heartbeat_at=timezone.now()
        )
        for pk in pending:
            _enqueue_part_on_commit(pk)
        if not pending:
            _enqueue_merge_on_commit(job.pk)
    logger.warning("report job %s resumed: %d of %d parts to build", job.pk, len(pending), len(parts))
    return True


def _progress(done: int, total: int) -> int:
    return PLANNED + (MERGING - PLANNED) * done // max(total, 1)


def report_job_part_run(*, part_id) -> ReportJobPart | None:
    """Builds and stores one part; the last one enqueues the merge. Called by the part's task; safe to
    call again. Errors are handled as in `report_job_run` (`run_guarded`): database errors propagate for
    the task to retry, others fail the whole job."""
    claimed = ReportJobPart.objects.filter(
        pk=part_id, status=PartStatus.PENDING, job__status=Status.RUNNING, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    part = ReportJobPart.objects.select_related("job").filter(pk=part_id).first()
    if part is None:
        return None  # the job is finished and its parts deleted: a late redelivery
    if not claimed:
        if part.status == PartStatus.PENDING and part.job.status == Status.RUNNING:
            report_job_give_up(part.job, attempts=part.attempts)
        return part
    run_guarded(part.job, lambda: _part_build(part))
    return part


def _part_build(part: ReportJobPart) -> None:
    job = part.job
    split = kind_for(job.kind, job.fmt).splits[job.fmt]
    try:
        content = split.render(part.data)
        store_file(job, content, final=part_path(job, part.index), tag=f"p{part.index}-", tidy=False)
    except Exception:
        if ReportJobPart.objects.filter(pk=part.pk, status=PartStatus.DONE).exists():
            # A second run of a part another run has stored (a message given back while the first run
            # was alive): the merge may have removed this run's temporary file. The job is not at fault.
            logger.warning("report job %s: a second run of part %s failed", job.pk, part.index, exc_info=True)
            return
        raise
    _part_done(part)


def _part_done(part: ReportJobPart) -> None:
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().get(pk=part.job_id)
        marked = ReportJobPart.objects.filter(pk=part.pk, status=PartStatus.PENDING).update(
            status=PartStatus.DONE
        )
        if not marked or job.status != Status.RUNNING:
            return
        counts = ReportJobPart.objects.filter(job=job).aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(status=PartStatus.DONE))
        )
        ReportJob.objects.filter(pk=job.pk).update(
            progress=_progress(counts["done"], counts["total"]), heartbeat_at=timezone.now()
        )
        if counts["done"] == counts["total"]:
            _enqueue_merge_on_commit(job.pk)


def report_job_merge_run(*, job_id) -> ReportJob | None:
    """Joins the stored parts of a RUNNING job into its file and marks it DONE; does nothing while a part
    is missing (the last part enqueues the merge again). Called by the merge task; safe to call again."""
    job = ReportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != Status.RUNNING:
        return job
    indexes = list(job.parts.order_by("index").values_list("index", "status"))
    if not indexes or any(status != PartStatus.DONE for _index, status in indexes):
        return job
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    return run_guarded(job, lambda: _merge(job, [index for index, _status in indexes]))


def _merge(job: ReportJob, indexes: list[int]) -> None:
    split = kind_for(job.kind, job.fmt).splits[job.fmt]
    contents = []
    for index in indexes:
        with default_storage.open(part_path(job, index), "rb") as part_file:
            contents.append(part_file.read())
    progress = _JobProgress(job.pk, start=MERGING)
    content = split.merge(contents, progress=progress.span(MERGING, 99))
    remove_partials(job, every=True)  # every part is stored: a temporary file left is a dead run's
    if report_job_finish(job, content, name=job.result_name):
        parts_discard(job.pk)
        logger.info("report job %s done: %d parts joined, %d bytes", job.pk, len(indexes), len(content))


def parts_discard(job_id) -> None:
    """Deletes a finished or failed job's parts: their files, their folder and their rows."""
    indexes = list(ReportJobPart.objects.filter(job_id=job_id).values_list("index", flat=True))
    if not indexes:
        return
    job = ReportJob.objects.get(pk=job_id)
    for index in indexes:
        default_storage.delete(part_path(job, index))
    with contextlib.suppress(OSError):  # a late second run of a part may have stored it again
        default_storage.delete(f"{RESULT_DIR}/{job.pk}")  # the folder, now empty (local storage)
    ReportJobPart.objects.filter(job_id=job_id).delete()


def _enqueue_part_on_commit(part_id) -> None:
    from gradebook.tasks import report_job_part_task

    transaction.on_commit(lambda: report_job_part_task.delay(part_id))


def _enqueue_merge_on_commit(job_id) -> None:
    from gradebook.tasks import report_job_merge_task

    job_id = str(job_id)
    transaction.on_commit(lambda: report_job_merge_task.delay(job_id))
