"""Who may reach which class and which student. The only gradebook module that asks django-guardian.

Access is the union of everything a person's roles allow: deputy, director and administrator see the
whole school; a class teacher their classes; a teacher the classes they teach; a parent their own
children; a student themselves. Anything else answers the same 404 as a missing object.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from accounts.access import children_of
from accounts.models import Role, Student
from accounts.roles import has_role, is_school_wide
from gradebook.models import ClassSubject, DiagnosticWork, SchoolClass, TeachingAssignment

STAFF_CLASS_PERMS = ["gradebook.lead_schoolclass", "gradebook.teach_schoolclass"]


def classes_visible_to(*, user) -> QuerySet[SchoolClass]:
    """Classes a member of staff works with. Families see no class as such, only their children."""
    if not user.is_authenticated:
        return SchoolClass.objects.none()
    if is_school_wide(user):
        return SchoolClass.objects.all()
    return get_objects_for_user(
        user,
        STAFF_CLASS_PERMS,
        klass=SchoolClass,
        any_perm=True,
        accept_global_perms=False,
        with_superuser=False,
    )


def classes_led_by(*, user) -> QuerySet[SchoolClass]:
    if not user.is_authenticated:
        return SchoolClass.objects.none()
    return get_objects_for_user(
        user, "gradebook.lead_schoolclass", klass=SchoolClass, accept_global_perms=False, with_superuser=False
    )


def students_visible_to(*, user) -> QuerySet[Student]:
    if not user.is_authenticated:
        return Student.objects.none()
    if is_school_wide(user):
        return Student.objects.all()
    staff_classes = classes_visible_to(user=user).values("pk")
    return Student.objects.filter(
        Q(pk__in=children_of(user=user).values("pk"))
        | Q(user=user)
        | Q(enrolments__school_class__in=staff_classes)
    ).distinct()


def access_student(*, user, id, action: str = "view") -> Student:
    """The student, or Http404 for a missing one and for one the user may not reach alike."""
    if action != "view":
        raise ValueError(f"unknown action {action!r}")
    try:
        return students_visible_to(user=user).get(pk=id)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_school_class(*, user, id, action: str = "view") -> SchoolClass:
    if action not in {"view", "lead"}:
        raise ValueError(f"unknown action {action!r}")
    visible = (
        classes_visible_to(user=user)
        if action == "view" or is_school_wide(user)
        else classes_led_by(user=user)
    )
    try:
        return visible.select_related("academic_year", "class_teacher").get(pk=id)
    except (SchoolClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assignments_of(*, user) -> QuerySet[TeachingAssignment]:
    """The teaching load of this teacher: the journals they write to."""
    if not user.is_authenticated:
        return TeachingAssignment.objects.none()
    return TeachingAssignment.objects.filter(teacher=user)


def journals_readable_by(*, user) -> QuerySet[TeachingAssignment]:
    """Journals a person may read: the school's for deputy/director/admin, a class teacher's class, one's own."""
    if not user.is_authenticated:
        return TeachingAssignment.objects.none()
    if is_school_wide(user):
        return TeachingAssignment.objects.all()
    return TeachingAssignment.objects.filter(
        Q(teacher=user) | Q(class_subject__school_class__in=classes_led_by(user=user).values("pk"))
    )


def journals_writable_by(*, user) -> QuerySet[TeachingAssignment]:
    """Only the teacher of a journal writes to it; everyone else corrects through the deputy."""
    return assignments_of(user=user)


def access_journal(*, user, id, action: str = "view") -> TeachingAssignment:
    if action not in {"view", "write"}:
        raise ValueError(f"unknown action {action!r}")
    journals = journals_writable_by(user=user) if action == "write" else journals_readable_by(user=user)
    try:
        return journals.select_related(
            "class_subject__school_class__academic_year", "class_subject__subject", "subgroup", "teacher"
        ).get(pk=id)
    except (TeachingAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# Diagnostic works: read by the deputy and the director (the whole school), a class teacher (their classes)
# and a teacher (the subjects they teach); written by the teacher of the subject in the class or the deputy.
DIAGNOSTIC_ACTIONS = {"view", "write"}


def _reads_all_diagnostics(user) -> bool:
    return has_role(user, Role.DEPUTY, Role.DIRECTOR)


def _writes_all_diagnostics(user) -> bool:
    return has_role(user, Role.DEPUTY)


def diagnostic_class_subjects_of(*, user, action: str = "view") -> QuerySet[ClassSubject]:
    """The subjects of classes whose diagnostic works the user may read (or, for "write", create and fill)."""
    if action not in DIAGNOSTIC_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not user.is_authenticated:
        return ClassSubject.objects.none()
    if _writes_all_diagnostics(user) or (action == "view" and _reads_all_diagnostics(user)):
        return ClassSubject.objects.all()
    taught = Q(pk__in=TeachingAssignment.objects.filter(teacher=user).values("class_subject"))
    if action == "write":
        return ClassSubject.objects.filter(taught)
    return ClassSubject.objects.filter(taught | Q(school_class__in=classes_led_by(user=user).values("pk")))


def diagnostic_works_visible_to(*, user) -> QuerySet[DiagnosticWork]:
    return DiagnosticWork.objects.filter(
        class_subject__in=diagnostic_class_subjects_of(user=user).values("pk")
    )


def access_diagnostic_class(*, user, id, action: str = "view") -> SchoolClass:
    """A class whose diagnostic works the user may list ("view") or add to ("write"); Http404 otherwise."""
    subjects = diagnostic_class_subjects_of(user=user, action=action)
    try:
        return SchoolClass.objects.select_related("academic_year", "class_teacher").get(
            pk=id, pk__in=subjects.values("school_class")
        )
    except (SchoolClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_diagnostic_work(*, user, id, action: str = "view") -> DiagnosticWork:
    """The work, or Http404 for a missing one and for one the user may not read (or write) alike."""
    subjects = diagnostic_class_subjects_of(user=user, action=action)
    try:
        return DiagnosticWork.objects.select_related(
            "class_subject__school_class__academic_year", "class_subject__subject", "created_by"
        ).get(pk=id, class_subject__in=subjects.values("pk"))
    except (DiagnosticWork.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
