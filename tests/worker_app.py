"""The real Celery app, slowed down, for the worker processes of tests/gradebook/test_report_worker_kill.py.

`celery -A tests.worker_app worker` runs the production tasks with two test-only changes, so a test can
kill a worker in the middle of a report job deterministically and see the broker hand the job over:

- every progress write of a report job (`_JobProgress.set` that reached the database), and every part of
  a ledger PDF built in parts, is followed by a pause of TEST_WORKER_PAUSE seconds (default 1.5): the job
  is RUNNING with some progress for a while;
- the Redis broker gives an unacknowledged message to another worker after TEST_WORKER_VISIBILITY
  seconds (default 4) instead of an hour, checking every second.

Nothing here is imported by the application; the test starts the workers as subprocesses.
"""

import os
import time

import django

from config.celery import app

django.setup()

from gradebook.reports import jobs, ledger_pdf_parts  # noqa: E402  (needs the app registry)

PAUSE = float(os.environ.get("TEST_WORKER_PAUSE", "1.5"))
VISIBILITY = int(os.environ.get("TEST_WORKER_VISIBILITY", "4"))

_real_set = jobs._JobProgress.set


def _set_then_pause(self, percent: float) -> None:
    before = self.last
    _real_set(self, percent)
    if self.last != before:
        time.sleep(PAUSE)


_real_part = ledger_pdf_parts.ledger_pdf_part


def _part_then_pause(data: dict) -> bytes:
    content = _real_part(data)
    time.sleep(PAUSE)
    return content


jobs._JobProgress.set = _set_then_pause
ledger_pdf_parts.ledger_pdf_part = _part_then_pause
app.conf.broker_transport_options = {
    "visibility_timeout": VISIBILITY,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
