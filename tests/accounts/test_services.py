from datetime import date, timedelta

import pytest
from django.http import Http404

from accounts.access import children_of
from accounts.errors import DomainError
from accounts.models import Role
from accounts.roles import user_roles
from accounts.services import guardianship_create, guardianship_delete, role_grant, role_revoke, user_create
from gradebook.access import access_student, classes_led_by, classes_visible_to, students_visible_to
from gradebook.models import Enrolment
from gradebook.services import (
    enrolment_create,
    enrolment_transfer,
    school_class_create,
    school_class_set_teacher,
    teaching_assignment_delete,
)
from tests.factories import StudentFactory, UserFactory


def test_user_create_refuses_a_taken_login(world):
    with pytest.raises(DomainError) as refused:
        user_create(username="TEACHER", last_name="Другой", first_name="Учитель")
    assert refused.value.code == "username_taken"


def test_derived_roles_are_not_grantable(world):
    with pytest.raises(DomainError) as refused:
        role_grant(user=world.outsider, role=Role.PARENT)
    assert refused.value.code == "role_not_grantable"


def test_roles_of_a_person_with_several(world):
    guardianship_create(guardian=world.ct_a, student=world.vera, relation="father")
    assert user_roles(world.ct_a) == [Role.CLASS_TEACHER, Role.TEACHER, Role.PARENT]


def test_parent_sees_only_own_children(world):
    assert set(children_of(user=world.parent_a)) == {world.anna, world.boris}
    assert set(students_visible_to(user=world.parent_b)) == {world.vera}


def test_unlinking_a_guardian_takes_effect_at_once(world):
    guardianship_delete(guardian=world.parent_b, student=world.vera)
    assert list(students_visible_to(user=world.parent_b)) == []
    assert Role.PARENT not in user_roles(world.parent_b)


def test_teacher_sees_students_of_taught_classes_only(world):
    assert set(students_visible_to(user=world.teacher)) == {world.anna, world.boris}
    assert set(students_visible_to(user=world.other_teacher)) == {world.vera}


def test_removing_the_last_assignment_in_a_class_removes_access(world):
    assignment = world.math_a.assignments.get(teacher=world.teacher)
    teaching_assignment_delete(assignment=assignment)
    assert list(classes_visible_to(user=world.teacher)) == []
    with pytest.raises(Http404):
        access_student(user=world.teacher, id=world.anna.pk)


def test_new_class_teacher_takes_over_the_class(world):
    school_class_set_teacher(school_class=world.class_a, teacher=world.colleague)
    assert list(classes_led_by(user=world.ct_a)) == []
    assert list(classes_led_by(user=world.colleague)) == [world.class_a]
    assert Role.CLASS_TEACHER not in user_roles(world.ct_a)


def test_class_teacher_must_be_a_teacher(world):
    with pytest.raises(DomainError) as refused:
        school_class_set_teacher(school_class=world.class_a, teacher=world.parent_a)
    assert refused.value.code == "not_a_teacher"
    world.class_a.refresh_from_db()
    assert world.class_a.class_teacher == world.ct_a


@pytest.mark.parametrize(
    ("grade", "letter", "code"),
    [
        (0, "А", "invalid_grade"),
        (12, "А", "invalid_grade"),
        (5, "Q", "invalid_letter"),
        (5, "А", "class_exists"),
    ],
)
def test_class_create_refusals(world, grade, letter, code):
    with pytest.raises(DomainError) as refused:
        school_class_create(academic_year=world.year, grade=grade, letter=letter)
    assert refused.value.code == code


def test_a_student_is_enrolled_once_per_year(world):
    with pytest.raises(DomainError) as refused:
        enrolment_create(student=world.anna, school_class=world.class_b, start_date=world.year.start_date)
    assert refused.value.code == "already_enrolled"


def test_enrolment_date_must_fall_in_the_year(world):
    student = StudentFactory()
    with pytest.raises(DomainError) as refused:
        enrolment_create(
            student=student, school_class=world.class_a, start_date=world.year.end_date + timedelta(days=1)
        )
    assert refused.value.code == "date_outside_year"
    assert not Enrolment.objects.filter(student=student).exists()


def test_transfer_keeps_the_old_enrolment_as_history(world):
    on = world.year.start_date + timedelta(days=30)
    enrolment_transfer(student=world.boris, to_class=world.class_b, on_date=on)
    history = list(Enrolment.objects.filter(student=world.boris).order_by("start_date"))
    assert [(e.school_class, e.start_date, e.end_date, e.leave_reason) for e in history] == [
        (world.class_a, world.year.start_date, on - timedelta(days=1), "transfer_class"),
        (world.class_b, on, None, ""),
    ]


def test_transfer_into_the_same_class_is_refused(world):
    with pytest.raises(DomainError) as refused:
        enrolment_transfer(
            student=world.anna, to_class=world.class_a, on_date=world.year.start_date + timedelta(days=3)
        )
    assert refused.value.code == "same_class"


def test_a_student_cannot_be_their_own_guardian(world):
    with pytest.raises(DomainError):
        guardianship_create(guardian=world.anna_user, student=world.anna, relation="other")


def test_revoking_a_staff_role(world):
    role_revoke(user=world.director, role=Role.DIRECTOR)
    assert user_roles(world.director) == []
    assert list(students_visible_to(user=world.director)) == []


def test_birth_date_in_the_future_is_refused(db):
    from accounts.services import student_create

    with pytest.raises(DomainError):
        student_create(last_name="А", first_name="Б", birth_date=date.today() + timedelta(days=1), gender="m")


def test_unused_factory_user_has_no_role(db):
    assert user_roles(UserFactory()) == []
