"""Celery entry points of the gradebook: they take ids, call one service, and own the retry policy."""

from celery import Task, shared_task
from django.db import OperationalError
from django.utils.translation import gettext as _

from gradebook.reports.job_parts import report_job_merge_run, report_job_part_run
from gradebook.reports.jobs import report_job_fail, report_job_run, report_jobs_sweep

# Acknowledged only when done, and requeued if the worker dies mid-way: the services complete a job (and
# a part) once however many times its message arrives. Database errors are retried, a few times.
JOB_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "max_retries": 3,
    "retry_backoff": 5,
    "retry_jitter": True,
}


class ReportJobTask(Task):
    def job_id(self, args, kwargs):
        return args[0] if args else kwargs.get("job_id")

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The task gave up (retries exhausted, or an error outside the job's own handling)."""
        job_id = self.job_id(args, kwargs)
        if job_id is not None:
            report_job_fail(
                job_id=job_id,
                message=_("The report could not be built: the database did not answer. Try again later."),
            )


class ReportJobPartTask(ReportJobTask):
    def job_id(self, args, kwargs):
        from gradebook.models import ReportJobPart

        part_id = args[0] if args else kwargs.get("part_id")
        return ReportJobPart.objects.filter(pk=part_id).values_list("job_id", flat=True).first()


@shared_task(base=ReportJobTask, **JOB_TASK_OPTIONS)
def report_job_task(self, job_id: str) -> None:
    """Builds a report job, or splits it into parts (`report_job_part_task`, then `report_job_merge_task`)."""
    report_job_run(job_id=job_id)


@shared_task(base=ReportJobPartTask, **JOB_TASK_OPTIONS)
def report_job_part_task(self, part_id: int) -> None:
    """Builds one part of a split report job; the last part enqueues the merge."""
    report_job_part_run(part_id=part_id)


@shared_task(base=ReportJobTask, **JOB_TASK_OPTIONS)
def report_job_merge_task(self, job_id: str) -> None:
    """Joins the parts of a split report job into its file."""
    report_job_merge_run(job_id=job_id)


@shared_task(ignore_result=True)
def report_jobs_sweep_task() -> None:
    """Every minute (config/celery.py): enqueues stuck report jobs again, fails those out of attempts."""
    report_jobs_sweep()
