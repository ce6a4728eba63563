"""Celery entry points of the gradebook: they take ids, call one service, and own the retry policy."""

from celery import Task, shared_task
from django.db import OperationalError
from django.utils.translation import gettext as _

from gradebook.reports.jobs import report_job_fail, report_job_run


class ReportJobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The task gave up (retries exhausted, or an error outside the job's own handling)."""
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            report_job_fail(
                job_id=job_id,
                message=_("The report could not be built: the database did not answer. Try again later."),
            )


@shared_task(
    bind=True,
    base=ReportJobTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=5,
    retry_jitter=True,
)
def report_job_task(self, job_id: str) -> None:
    """Builds a report job. Acknowledged only when done, and requeued if the worker dies mid-way:
    `report_job_run` completes a job once however many times its message arrives."""
    report_job_run(job_id=job_id)
