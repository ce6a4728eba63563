"""Celery entry points of the archive: they take ids and call one service."""

from celery import shared_task

from archive.packages import archive_package_run
from gradebook.tasks import JOB_TASK_OPTIONS


@shared_task(**JOB_TASK_OPTIONS)
def archive_package_task(self, package_id: int) -> None:
    """Builds an archive package; a message delivered twice finds it built and does nothing."""
    archive_package_run(package_id=package_id)
