"""Who may reach which meta-subject record. Built on gradebook.access; the only module of this app that
decides access.

- Levels and personal results of a class: its class teacher, the deputy and the director write and read them.
- A student's characteristic: the class teacher of a class the student is in that year, the deputy and the
  director write and publish; whoever sees the student (gradebook.access.students_visible_to) reads it,
  but the family (the student and their guardians) reads only published versions.
- The results card: whoever sees the student — the student, their guardians and the staff who work with
  them. Another family gets the same 404 as for a missing student.
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import children_of
from accounts.models import Role, Student
from accounts.roles import has_role
from gradebook.access import access_student, classes_led_by
from gradebook.models import AcademicYear, Enrolment, SchoolClass

WRITERS = (Role.DEPUTY, Role.DIRECTOR)


def classes_recorded_by(*, user) -> QuerySet[SchoolClass]:
    """Classes whose levels, personal results and characteristics this person records."""
    if not user.is_authenticated:
        return SchoolClass.objects.none()
    if has_role(user, *WRITERS):
        return SchoolClass.objects.all()
    return classes_led_by(user=user)


def access_levels_class(*, user, id) -> SchoolClass:
    """The class whose levels the user records (its class teacher, the deputy, the director); Http404 else."""
    try:
        return classes_recorded_by(user=user).select_related("academic_year", "class_teacher").get(pk=id)
    except (SchoolClass.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_record_for(*, user, student: Student, year: AcademicYear) -> bool:
    """Whether the user writes this student's records of the year: the class teacher of a class the student
    was in that year, the deputy or the director."""
    classes = classes_recorded_by(user=user).filter(academic_year=year)
    return Enrolment.objects.filter(student=student, school_class__in=classes.values("pk")).exists()


def is_family(*, user, student: Student) -> bool:
    if not user.is_authenticated:
        return False
    return student.user_id == user.pk or children_of(user=user).filter(pk=student.pk).exists()


def sees_drafts(*, user, student: Student) -> bool:
    """Staff who reached the student read unpublished characteristics; the family never does (a guardian
    who also teaches in the school reads their own child's characteristic as family)."""
    staff = (Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
    return has_role(user, *staff) and not is_family(user=user, student=student)


def access_card_student(*, user, id) -> Student:
    """The student whose results card is asked for, or Http404 as for a missing one."""
    return access_student(user=user, id=id)


def access_characteristic_student(*, user, id, year: AcademicYear) -> Student:
    """The student whose characteristic of the year the user writes; Http404 for anyone else."""
    student = access_student(user=user, id=id)
    if not can_record_for(user=user, student=student, year=year):
        raise Http404
    return student
