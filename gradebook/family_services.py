"""Writes by a family: the parent's weekly «ознакомлен» with the child's marks."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Student
from gradebook.family_selectors import is_guardian
from gradebook.models import WeekAcknowledgement


class NotAGuardianError(DomainError):
    """The person may see the student (a teacher, the student) but is not their legal representative."""

    status_code = 403


@transaction.atomic
def week_acknowledge(*, guardian, student: Student, week_start: date) -> WeekAcknowledgement:
    """The guardian confirms they have seen the child's week starting on Monday `week_start`.

    Idempotent: confirming an already confirmed week returns the first confirmation unchanged.
    Refuses a person who is not the student's guardian (403, not_a_guardian), a day that is not a
    Monday (not_a_monday) and a week that has not begun yet (future_week).
    """
    if not is_guardian(user=guardian, student=student):
        raise NotAGuardianError(
            _("Only the student's parent or legal representative can confirm the week."),
            code="not_a_guardian",
        )
    if week_start.weekday() != 0:
        raise DomainError(
            _("A week starts on a Monday; %(date)s is not one.") % {"date": week_start.strftime("%d.%m.%Y")},
            code="not_a_monday",
            details={"week": week_start.isoformat()},
        )
    if week_start > timezone.localdate():
        raise DomainError(
            _("The week from %(date)s has not begun yet.") % {"date": week_start.strftime("%d.%m.%Y")},
            code="future_week",
            details={"week": week_start.isoformat()},
        )
    acknowledgement, _created = WeekAcknowledgement.objects.get_or_create(
        student=student, guardian=guardian, week_start=week_start
    )
    return acknowledgement
