"""Who may reach which portfolio record. Built on gradebook.access; the only module of this app that
decides access.

- Seeing a student's portfolio: whoever may see the student (gradebook.access.students_visible_to): the
  student, their guardians, the staff who work with the student, the school-wide roles.
- Adding an item for a student: the student, their guardians (the item is "submitted"), and the student's
  reviewers (below; their item may be verified at once).
- Reviewing (verify, reject, change a verified item): the class teacher of the class the student is in now,
  the deputy and the director.
- Deciding external-credit applications and keeping the gifted register: the deputy (and the director).

Anything else answers the same 404 as a missing object.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import children_of
from accounts.models import Role, Student
from accounts.roles import has_role
from gradebook.access import classes_led_by, students_visible_to
from gradebook.selectors import active_enrolment_q
from portfolio.models import Evidence, ExternalCreditRequest, PortfolioItem

DECIDERS = (Role.DEPUTY, Role.DIRECTOR)


def is_decider(user) -> bool:
    """The deputy and the director: review any item, decide applications, keep the register."""
    return user.is_authenticated and has_role(user, *DECIDERS)


def is_family(*, user, student: Student) -> bool:
    if not user.is_authenticated:
        return False
    return student.user_id == user.pk or children_of(user=user).filter(pk=student.pk).exists()


def students_reviewed_by(*, user) -> QuerySet[Student]:
    """Students whose items this person verifies: their class's now, or everyone for the deputy/director."""
    if not user.is_authenticated:
        return Student.objects.none()
    if is_decider(user):
        return Student.objects.all()
    led = classes_led_by(user=user).values("pk")
    return Student.objects.filter(
        Q(enrolments__school_class__in=led) & active_enrolment_q("enrolments__")
    ).distinct()


def can_review(*, user, student: Student) -> bool:
    return students_reviewed_by(user=user).filter(pk=student.pk).exists()


def access_portfolio_student(*, user, id, action: str = "view") -> Student:
    """The student whose portfolio is asked for: "view" for whoever sees the student, "add" for the
    family and the reviewers. Http404 otherwise, as for a missing student."""
    if action not in {"view", "add"}:
        raise ValueError(f"unknown action {action!r}")
    try:
        student = students_visible_to(user=user).get(pk=id)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if action == "add" and not (
        is_family(user=user, student=student) or can_review(user=user, student=student)
    ):
        raise Http404
    return student


def items_visible_to(*, user) -> QuerySet[PortfolioItem]:
    return PortfolioItem.objects.filter(student__in=students_visible_to(user=user).values("pk"))


def access_item(*, user, id, action: str = "view") -> PortfolioItem:
    """The item for "view" (who sees its student), "edit" (its family while it is not verified, and its
    reviewers) or "review" (its reviewers)."""
    if action not in {"view", "edit", "review"}:
        raise ValueError(f"unknown action {action!r}")
    try:
        item = (
            items_visible_to(user=user)
            .select_related("student", "subject", "added_by", "verified_by")
            .get(pk=id)
        )
    except (PortfolioItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    reviewer = can_review(user=user, student=item.student)
    if action == "review" and not reviewer:
        raise Http404
    if action == "edit" and not (
        reviewer or (not item.is_verified and is_family(user=user, student=item.student))
    ):
        raise Http404  # a verified item is changed only by staff
    return item


def review_queue_of(*, user) -> QuerySet[PortfolioItem]:
    """Submitted items this person may verify, oldest first."""
    return (
        PortfolioItem.objects.filter(
            status=PortfolioItem.Status.SUBMITTED, student__in=students_reviewed_by(user=user).values("pk")
        )
        .select_related("student", "subject", "added_by")
        .order_by("added_at", "id")
    )


def access_evidence(*, user, id) -> Evidence:
    """An evidence file of an item or an application whose student the user may see."""
    visible = students_visible_to(user=user).values("pk")
    try:
        return (
            Evidence.objects.filter(Q(item__student__in=visible) | Q(credit_request__student__in=visible))
            .select_related("item__student", "credit_request__student")
            .get(pk=id)
        )
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_credit_request(*, user, id, action: str = "view") -> ExternalCreditRequest:
    if action not in {"view", "decide"}:
        raise ValueError(f"unknown action {action!r}")
    if action == "decide" and not is_decider(user):
        raise Http404
    try:
        return (
            ExternalCreditRequest.objects.filter(student__in=students_visible_to(user=user).values("pk"))
            .select_related("student", "submitted_by", "decided_by")
            .get(pk=id)
        )
    except (ExternalCreditRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
