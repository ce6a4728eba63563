"""Celery entry points of the archive: they take ids and call one service."""

from celery import shared_task

from archive.packages import archive_package_run
from gradebook.tasks import JOB_TASK_OPTIONS


@shared_task(**JOB_TASK_OPTIONS)
def archive_package_task(self, package_id: int) -> None:
    """Builds an archive package; a message delivered twice finds it built and does nothing."""
    archive_package_run(package_id=package_id)


@shared_task(**JOB_TASK_OPTIONS)
def destruction_act_task(self, act_id: int) -> None:
    """Executes an approved destruction act; an executed act is left as it is."""
    from django.utils import timezone

    from archive.retention import destruction_act_execute

    destruction_act_execute(act_id=act_id, now=timezone.now(), today=timezone.localdate())
