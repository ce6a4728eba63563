"""Who may build which report and fetch which result file. The only reports module that asks about roles.

The deputy and the director build reports for the whole school. A class teacher builds the ledger of a
class they lead, nothing else. A subject teacher builds the subject report of their own teaching
assignments (and a class teacher that of their class, all subjects). A result file goes to the person who
asked for it, and to the deputy and the director. Anything else answers the same 404 as a missing object.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role
from accounts.roles import has_role
from gradebook.access import classes_led_by
from gradebook.models import ClassSubject, ReportJob, SchoolClass, TeachingAssignment

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


def subject_report_teacher(*, user, scope: str, class_id=None, teacher=None):
    """Whose rows of the subject report the user may see: `teacher` as asked (None: everyone's) for the deputy
    and the director anywhere and for a class teacher in a class they lead; the user's own id for anyone else
    with the teacher role. Raises Http404, before the parameters are checked, for a class the user neither
    leads nor teaches and for another teacher's rows."""
    if builds_school_reports(user):
        return teacher
    if (
        scope == "class"
        and has_role(user, Role.CLASS_TEACHER)
        and _among(classes_led_by(user=user), class_id)
    ):
        return teacher
    if not has_role(user, Role.TEACHER) or teacher not in (None, "", str(user.pk), user.pk):
        raise Http404
    if scope == "class":
        taught = SchoolClass.objects.filter(class_subjects__assignments__teacher=user)
        if not _among(taught, class_id):
            raise Http404
    return user.pk


def _among(classes: QuerySet[SchoolClass], class_id) -> bool:
    try:
        return classes.filter(pk=int(class_id)).exists()
    except (TypeError, ValueError):
        return False


def subject_report_lines(*, user, year) -> QuerySet[ClassSubject]:
    """The curriculum lines of the year whose subject report the user may see on their own: all for the deputy
    and the director; the lines of the classes one leads and of one's own teaching assignments otherwise."""
    lines = ClassSubject.objects.filter(school_class__academic_year=year)
    if builds_school_reports(user):
        return lines
    own = TeachingAssignment.objects.filter(teacher=user).values("class_subject")
    return lines.filter(Q(school_class__in=classes_led_by(user=user).values("pk")) | Q(pk__in=own))


def teaches_in_class(*, user, scope, class_id) -> bool:
    """A teacher asking for a report of one class in which they teach a subject (the diagnostics report
    shows them the works of their own subjects there)."""
    if scope != "class" or not user.is_authenticated or not has_role(user, Role.TEACHER):
        return False
    try:
        class_id = int(class_id)
    except (TypeError, ValueError):
        return False
    return TeachingAssignment.objects.filter(teacher=user, class_subject__school_class_id=class_id).exists()


def taught_classes_for(*, user) -> QuerySet[SchoolClass]:
    """Classes in which the user teaches a subject."""
    if not user.is_authenticated or not has_role(user, Role.TEACHER):
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(
        pk__in=TeachingAssignment.objects.filter(teacher=user).values("class_subject__school_class")
    )


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
