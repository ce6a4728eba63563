"""Shared fixtures: a small school in which every persona of the access tests has a place.

5А: class teacher ct_a; math by teacher (the journal's owner); Russian by colleague.
5Б: class teacher ct_b; math by other_teacher.
anna (5А, has a login) and boris (5А): children of parent_a. vera (5Б, has a login): child of parent_b.
deputy, director, admin: school-wide. outsider: signed in, no role.
"""

import os
from dataclasses import dataclass

import pytest

from accounts.models import Role
from accounts.services import guardianship_create, user_create
from achievements.services import metaskills_ensure
from gradebook.models import School, Subject
from gradebook.school_rules import default_rules_ensure
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
    # Parallel workers clear the cache between tests: on Redis each worker gets its own database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if settings.REDIS_URL and worker.startswith("gw"):
        base = (
            settings.REDIS_URL.rsplit("/", 1)[0] if settings.REDIS_URL.count("/") > 2 else settings.REDIS_URL
        )
        settings.CACHES["default"]["LOCATION"] = f"{base}/{int(worker[2:]) + 1}"


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


def build_world() -> None:
    """Creates the school of the docstring above, through the services."""
    default_rules_ensure()  # a browser test's flush also removes what the data migration seeded
    metaskills_ensure()
    School.objects.create(id=1, name="МБОУ «Тестовая школа»", short_name="Тестовая школа")
    year = academic_year_create(start_year=_current_start_year(), make_current=True)
    teacher = _staff("teacher", Role.TEACHER)
    colleague = _staff("colleague", Role.TEACHER)
    other_teacher = _staff("other_teacher", Role.TEACHER)
    ct_a = _staff("ct_a", Role.TEACHER)
    ct_b = _staff("ct_b", Role.TEACHER)
    _staff("deputy", Role.DEPUTY, Role.TEACHER)
    _staff("director", Role.DIRECTOR)
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
    UserFactory(username="outsider")


def load_world() -> World:
    """Fresh instances of the world's rows, so no test sees another test's in-memory changes."""
    from django.contrib.auth import get_user_model

    from accounts.models import Student
    from gradebook.models import AcademicYear, ClassSubject, SchoolClass

    users = {u.username: u for u in get_user_model().objects.all()}
    students = {s.first_name: s for s in Student.objects.all()}
    year = AcademicYear.objects.get(is_current=True)
    classes = {c.letter: c for c in SchoolClass.objects.filter(academic_year=year, grade=5)}
    subjects = {
        (cs.school_class.letter, cs.subject.name): cs
        for cs in ClassSubject.objects.select_related("school_class", "subject")
    }
    return World(
        year,
        classes["А"],
        classes["Б"],
        subjects[("А", "Математика")],
        subjects[("А", "Русский язык")],
        subjects[("Б", "Математика")],
        users["teacher"],
        users["colleague"],
        users["other_teacher"],
        users["ct_a"],
        users["ct_b"],
        users["parent_a"],
        users["parent_b"],
        students["Анна"],
        students["Борис"],
        students["Вера"],
        users["anna"],
        users["vera"],
        users["deputy"],
        users["director"],
        users["admin"],
        users["outsider"],
    )


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world, built once per test module inside a transaction that is rolled back at the module's end.

    Each test then runs in a savepoint inside it (pytest-django's `db`), as Django's setUpTestData does.
    """
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        if not ("memory" in name or "test" in name):
            raise RuntimeError(f"refusing to build the test world in a non-test database: {name}")
        outer = transaction.atomic()
        outer.__enter__()
        build_world()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db) -> World:
    """The world for one test, in a savepoint of the module's transaction (browser tests override this)."""
    return load_world()


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


@pytest.fixture
def media(settings, tmp_path):
    """Files the test writes (report results, scans, packages) go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def eager():
    """Celery tasks run in the test's process when they are sent (errors propagate)."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
