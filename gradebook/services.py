"""Writes to the school's structure: years, terms, classes, curriculum, teaching load, enrolments.

Class-teacher and teaching object permissions are granted and revoked here, nowhere else.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.errors import DomainError
from accounts.models import Role, Student
from accounts.roles import has_role
from gradebook.models import (
    AcademicYear,
    AssessmentScale,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
    Term,
    TermScheme,
)

User = get_user_model()
LEAD_CLASS = "gradebook.lead_schoolclass"
TEACH_CLASS = "gradebook.teach_schoolclass"
CLASS_LETTERS = "АБВГДЕЖЗИКЛМНОПРСТ"


def default_scheme_for_grade(grade: int) -> TermScheme:
    return TermScheme.HALF_YEAR if grade >= 10 else TermScheme.QUARTER


def default_scale(*, grade: int, subject: Subject) -> AssessmentScale:
    """Grade 1 is mark-free; ОРКСЭ and similar courses are pass/fail; everything else five-point."""
    if grade == 1:
        return AssessmentScale.BASIC_LEVEL
    if subject.short_name in PASS_FAIL_SUBJECTS:
        return AssessmentScale.PASS_FAIL
    return AssessmentScale.FIVE_POINT


PASS_FAIL_SUBJECTS = frozenset({"ОРКСЭ", "ОДНКНР", "Инд. проект"})


@dataclass(frozen=True)
class TermDates:
    scheme: TermScheme
    number: int
    start: date
    end: date


def default_term_dates(start_year: int) -> list[TermDates]:
    """The usual Russian calendar: four quarters and two half-years with the standard holidays."""
    y, n = start_year, start_year + 1
    return [
        TermDates(TermScheme.QUARTER, 1, date(y, 9, 1), date(y, 10, 24)),
        TermDates(TermScheme.QUARTER, 2, date(y, 11, 5), date(y, 12, 28)),
        TermDates(TermScheme.QUARTER, 3, date(n, 1, 9), date(n, 3, 21)),
        TermDates(TermScheme.QUARTER, 4, date(n, 3, 31), date(n, 5, 26)),
        TermDates(TermScheme.HALF_YEAR, 1, date(y, 9, 1), date(y, 12, 28)),
        TermDates(TermScheme.HALF_YEAR, 2, date(n, 1, 9), date(n, 5, 26)),
    ]


@transaction.atomic
def academic_year_create(*, start_year: int, make_current: bool = False) -> AcademicYear:
    """Creates the year 1 Sep – 31 Aug with default terms and the default term scheme of each grade."""
    name = f"{start_year}/{start_year + 1}"
    if AcademicYear.objects.filter(name=name).exists():
        raise DomainError(
            _("The academic year %(name)s already exists.") % {"name": name}, code="year_exists"
        )
    if make_current:
        AcademicYear.objects.filter(is_current=True).update(is_current=False)
    year = AcademicYear.objects.create(
        name=name,
        start_date=date(start_year, 9, 1),
        end_date=date(start_year + 1, 8, 31),
        is_current=make_current,
    )
    Term.objects.bulk_create(
        Term(academic_year=year, scheme=t.scheme, number=t.number, start_date=t.start, end_date=t.end)
        for t in default_term_dates(start_year)
    )
    GradeTermScheme.objects.bulk_create(
        GradeTermScheme(academic_year=year, grade=grade, scheme=default_scheme_for_grade(grade))
        for grade in range(1, 12)
    )
    return year


def _check_teacher(user: User) -> None:
    if not has_role(user, Role.TEACHER):
        raise DomainError(
            _("%(name)s does not have the teacher role.") % {"name": user.full_name}, code="not_a_teacher"
        )


@transaction.atomic
def school_class_create(
    *, academic_year: AcademicYear, grade: int, letter: str, class_teacher: User | None = None
) -> SchoolClass:
    if not 1 <= grade <= 11:
        raise DomainError(_("The grade must be from 1 to 11."), code="invalid_grade")
    letter = letter.strip().upper()
    if not letter or letter[0] not in CLASS_LETTERS:
        raise DomainError(_("The class letter must be a Cyrillic letter (А, Б, В…)."), code="invalid_letter")
    if SchoolClass.objects.filter(academic_year=academic_year, grade=grade, letter=letter).exists():
        raise DomainError(
            _("Class %(name)s already exists in %(year)s.")
            % {"name": f"{grade}{letter}", "year": academic_year},
            code="class_exists",
        )
    school_class = SchoolClass.objects.create(academic_year=academic_year, grade=grade, letter=letter)
    if class_teacher is not None:
        school_class_set_teacher(school_class=school_class, teacher=class_teacher)
    return school_class


@transaction.atomic
def school_class_set_teacher(*, school_class: SchoolClass, teacher: User | None) -> SchoolClass:
    """Appoints (or removes, with None) the class teacher and moves the object permission with it."""
    if teacher is not None:
        _check_teacher(teacher)
    previous = school_class.class_teacher
    if previous is not None and previous != teacher:
        remove_perm(LEAD_CLASS, previous, school_class)
    school_class.class_teacher = teacher
    school_class.save(update_fields=["class_teacher"])
    if teacher is not None:
        assign_perm(LEAD_CLASS, teacher, school_class)
    return school_class


@transaction.atomic
def class_subject_set(
    *, school_class: SchoolClass, subject: Subject, scale: AssessmentScale | None = None, hours_per_week=1
) -> ClassSubject:
    scale = scale or default_scale(grade=school_class.grade, subject=subject)
    if school_class.grade == 1 and scale == AssessmentScale.FIVE_POINT:
        raise DomainError(
            _("Grade 1 is taught without marks: a five-point scale cannot be set."), code="grade1_no_marks"
        )
    class_subject, _created = ClassSubject.objects.update_or_create(
        school_class=school_class,
        subject=subject,
        defaults={"scale": scale, "hours_per_week": hours_per_week},
    )
    return class_subject


@transaction.atomic
def teaching_assignment_create(
    *, teacher: User, class_subject: ClassSubject, subgroup: Subgroup | None = None
) -> TeachingAssignment:
    _check_teacher(teacher)
    if subgroup is not None and subgroup.school_class_id != class_subject.school_class_id:
        raise DomainError(_("The subgroup belongs to another class."), code="subgroup_other_class")
    assignment, _created = TeachingAssignment.objects.get_or_create(
        teacher=teacher, class_subject=class_subject, subgroup=subgroup
    )
    assign_perm(TEACH_CLASS, teacher, class_subject.school_class)
    return assignment


@transaction.atomic
def teaching_assignment_delete(*, assignment: TeachingAssignment) -> None:
    teacher, school_class = assignment.teacher, assignment.class_subject.school_class
    assignment.delete()
    still_teaches = TeachingAssignment.objects.filter(
        teacher=teacher, class_subject__school_class=school_class
    ).exists()
    if not still_teaches:
        remove_perm(TEACH_CLASS, teacher, school_class)


@transaction.atomic
def enrolment_create(*, student: Student, school_class: SchoolClass, start_date: date) -> Enrolment:
    year = school_class.academic_year
    if not year.start_date <= start_date <= year.end_date:
        raise DomainError(
            _("The enrolment date must fall within the academic year %(year)s.") % {"year": year},
            code="date_outside_year",
        )
    if Enrolment.objects.filter(
        student=student, school_class__academic_year=year, end_date__isnull=True
    ).exists():
        raise DomainError(
            _("%(name)s is already enrolled in a class this year; transfer them instead.")
            % {"name": student.full_name},
            code="already_enrolled",
        )
    return Enrolment.objects.create(student=student, school_class=school_class, start_date=start_date)


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, end_date: date, reason: str) -> Enrolment:
    if reason not in Enrolment.LeaveReason.values:
        raise DomainError(_("Unknown reason for leaving."), code="invalid_reason")
    if enrolment.end_date is not None:
        raise DomainError(_("This enrolment has already ended."), code="enrolment_ended")
    if end_date < enrolment.start_date:
        raise DomainError(_("A student cannot leave before they arrived."), code="end_before_start")
    enrolment.end_date, enrolment.leave_reason = end_date, reason
    enrolment.save(update_fields=["end_date", "leave_reason"])
    return enrolment


@transaction.atomic
def enrolment_transfer(*, student: Student, to_class: SchoolClass, on_date: date) -> Enrolment:
    """Moves a student to another class of the same year; the old enrolment keeps its history."""
    current = (
        Enrolment.objects.select_for_update()
        .filter(student=student, school_class__academic_year=to_class.academic_year, end_date__isnull=True)
        .first()
    )
    if current is None:
        raise DomainError(_("The student is not enrolled in any class this year."), code="not_enrolled")
    if current.school_class_id == to_class.pk:
        raise DomainError(_("The student is already in this class."), code="same_class")
    if on_date <= current.start_date:
        raise DomainError(_("The transfer date must be after the enrolment date."), code="transfer_too_early")
    enrolment_end(
        enrolment=current, end_date=on_date - timedelta(days=1), reason=Enrolment.LeaveReason.TRANSFER_CLASS
    )
    return Enrolment.objects.create(student=student, school_class=to_class, start_date=on_date)
