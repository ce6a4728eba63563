"""The Celery application. Periodic schedules are defined here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("school")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Revives report jobs left without a worker (gradebook.reports.jobs, "Stuck jobs"). A sweep not run
    # within the minute is dropped: the next one does the same work.
    "report-jobs-sweep": {
        "task": "gradebook.tasks.report_jobs_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}
