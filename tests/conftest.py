"""Shared fixtures: a small school in which every persona of the access tests has a place.

5А: class teacher ct_a; math by teacher (the journal's owner); Russian by colleague.
5Б: class teacher ct_b; math by other_teacher.
anna (5А, has a login) and boris (5А): children of parent_a. vera (5Б, has a login): child of parent_b.
deputy, director, admin: school-wide. outsider: signed in, no role.
"""

from dataclasses import dataclass

import pytest

from accounts.models import Role
from accounts.services import guardianship_create, user_create
from gradebook.models import School, Subject
from gradebook.services import (
    academic_year_create,
    class_subject_set,
    enrolment_create,
    school_class_create,
    teaching_assignment_create,
)
from tests.factories import PASSWORD, StudentFactory, UserFactory


def pytest_configure(config):
    from django.conf import settings

    # Password hashing dominates fixture time; the real hasher is exercised by the login tests' logic
    # through the same code path, only slower.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    year: object
    class_a: object
    class_b: object
    math_a: object
    russian_a: object
    math_b: object
    teacher: object
    colleague: object
    other_teacher: object
    ct_a: object
    ct_b: object
    parent_a: object
    parent_b: object
    anna: object
    boris: object
    vera: object
    anna_user: object
    vera_user: object
    deputy: object
    director: object
    admin: object
    outsider: object

    def user(self, persona: str):
        return {
            "owner": self.teacher,
            "colleague": self.colleague,
            "other_teacher": self.other_teacher,
            "class_teacher": self.ct_a,
            "other_class_teacher": self.ct_b,
            "own_parent": self.parent_a,
            "other_parent": self.parent_b,
            "student": self.anna_user,
            "other_student": self.vera_user,
            "deputy": self.deputy,
            "director": self.director,
            "admin": self.admin,
            "outsider": self.outsider,
            "anonymous": None,
        }[persona]


PERSONAS = [
    "owner",
    "colleague",
    "other_teacher",
    "class_teacher",
    "other_class_teacher",
    "own_parent",
    "other_parent",
    "student",
    "other_student",
    "deputy",
    "director",
    "admin",
    "outsider",
    "anonymous",
]


def _staff(username, *roles, **extra):
    return user_create(
        username=username,
        last_name=username.capitalize(),
        first_name="Тест",
        password=PASSWORD,
        roles=roles,
        **extra,
    )


@pytest.fixture
def world(db) -> World:
    School.objects.create(id=1, name="МБОУ «Тестовая школа»", short_name="Тестовая школа")
    year = academic_year_create(start_year=_current_start_year(), make_current=True)
    teacher = _staff("teacher", Role.TEACHER)
    colleague = _staff("colleague", Role.TEACHER)
    other_teacher = _staff("other_teacher", Role.TEACHER)
    ct_a = _staff("ct_a", Role.TEACHER)
    ct_b = _staff("ct_b", Role.TEACHER)
    deputy = _staff("deputy", Role.DEPUTY, Role.TEACHER)
    director = _staff("director", Role.DIRECTOR)
    admin = _staff("admin", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    class_a = school_class_create(academic_year=year, grade=5, letter="А", class_teacher=ct_a)
    class_b = school_class_create(academic_year=year, grade=5, letter="Б", class_teacher=ct_b)
    math = Subject.objects.create(name="Математика", short_name="Мат", order=1)
    russian = Subject.objects.create(name="Русский язык", short_name="Рус", order=2)
    math_a = class_subject_set(school_class=class_a, subject=math)
    russian_a = class_subject_set(school_class=class_a, subject=russian)
    math_b = class_subject_set(school_class=class_b, subject=math)
    teaching_assignment_create(teacher=teacher, class_subject=math_a)
    teaching_assignment_create(teacher=colleague, class_subject=russian_a)
    teaching_assignment_create(teacher=other_teacher, class_subject=math_b)
    anna_user = UserFactory(username="anna")
    vera_user = UserFactory(username="vera")
    anna = StudentFactory(last_name="Аннина", first_name="Анна", gender="f", user=anna_user)
    boris = StudentFactory(last_name="Борисов", first_name="Борис")
    vera = StudentFactory(last_name="Верина", first_name="Вера", gender="f", user=vera_user)
    for student, school_class in ((anna, class_a), (boris, class_a), (vera, class_b)):
        enrolment_create(student=student, school_class=school_class, start_date=year.start_date)
    parent_a = UserFactory(username="parent_a")
    parent_b = UserFactory(username="parent_b")
    guardianship_create(guardian=parent_a, student=anna, relation="mother")
    guardianship_create(guardian=parent_a, student=boris, relation="mother")
    guardianship_create(guardian=parent_b, student=vera, relation="father")
    outsider = UserFactory(username="outsider")
    return World(
        year,
        class_a,
        class_b,
        math_a,
        russian_a,
        math_b,
        teacher,
        colleague,
        other_teacher,
        ct_a,
        ct_b,
        parent_a,
        parent_b,
        anna,
        boris,
        vera,
        anna_user,
        vera_user,
        deputy,
        director,
        admin,
        outsider,
    )


def _current_start_year() -> int:
    from django.utils import timezone

    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client signed in as that user (or anonymous for None)."""

    def make(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _no_throttle_leak(settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
