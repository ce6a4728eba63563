"""Who may build which report and fetch which result file. The only reports module that asks about roles.

The deputy and the director build reports for the whole school. A class teacher builds the ledger of a
class they lead, nothing else. A result file goes to the person who asked for it, and to the deputy and
the director. Anything else answers the same 404 as a missing object.
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role
from accounts.roles import has_role
from gradebook.access import classes_led_by
from gradebook.models import ReportJob, SchoolClass

SCHOOL_REPORTERS = (Role.DEPUTY, Role.DIRECTOR)
REPORTERS = (*SCHOOL_REPORTERS, Role.CLASS_TEACHER)
REPORT_USERS = (*REPORTERS, Role.TEACHER)  # the reports page: each kind says who may build it


def builds_school_reports(user) -> bool:
    return user.is_authenticated and has_role(user, *SCHOOL_REPORTERS)


def ledger_classes_for(*, user) -> QuerySet[SchoolClass]:
    """Classes whose ledger the user may build on their own: all for the school-wide roles."""
    if builds_school_reports(user):
        return SchoolClass.objects.all()
    return classes_led_by(user=user)


def ledger_access_check(*, user, scope: str, class_id=None) -> None:
    """Raises Http404 unless the user may build a ledger of this scope (before the parameters are checked,
    so another class's ledger answers exactly like a missing class)."""
    if builds_school_reports(user):
        return
    if scope == "class" and has_role(user, Role.CLASS_TEACHER):
        try:
            if classes_led_by(user=user).filter(pk=int(class_id)).exists():
                return
        except (TypeError, ValueError):
            pass
    raise Http404


def may_report_on_class(*, user, school_class: SchoolClass) -> bool:
    """Whether the class's page offers its reports: the same rule as `ledger_access_check`."""
    if builds_school_reports(user):
        return True
    return (
        has_role(user, Role.CLASS_TEACHER) and classes_led_by(user=user).filter(pk=school_class.pk).exists()
    )


def report_jobs_of(*, user) -> QuerySet[ReportJob]:
    """The jobs a person asked for: the list on their reports page."""
    if not user.is_authenticated:
        return ReportJob.objects.none()
    return ReportJob.objects.filter(requested_by=user)


def access_report_job(*, user, id, action: str = "download") -> ReportJob:
    """The job, or Http404 for a missing one and for one the user may not fetch alike."""
    if action != "download":
        raise ValueError(f"unknown action {action!r}")
    if not user.is_authenticated:
        raise Http404
    try:
        job = ReportJob.objects.get(pk=id)
    except (ReportJob.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None
    if job.requested_by_id != user.pk and not builds_school_reports(user):
        raise Http404
    return job
