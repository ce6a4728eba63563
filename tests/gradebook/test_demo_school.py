"""The demo school generator: deterministic, complete, and granting exactly the services' permissions."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from guardian.models import UserObjectPermission

from accounts.access import children_of
from accounts.models import Guardianship, Role, Student, User
from accounts.roles import user_roles
from gradebook.demo import (
    DEMO_LOGINS,
    SUBGROUPS,
    feminine_surname,
    patronymic,
    plan_school,
    transliterate,
)
from gradebook.models import (
    AssessmentScale,
    ClassSubject,
    Enrolment,
    Lesson,
    School,
    SchoolClass,
    TeachingAssignment,
    WorkType,
)

SMALL = 120


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_school(django_db_setup, django_db_blocker):
    """One small school for the whole module (a build takes about a second), rolled back at its end.

    Built inside a transaction that the module's end rolls back (as Django's setUpTestData does), so no
    other module ever sees it; tests that change it run in the usual per-test savepoint.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            output = run("demo_school", "--students", str(SMALL), "--seed", "7", "--no-journal")
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_school, db) -> str:
    """The output of the command that built the module's school."""
    return demo_school


def _people() -> list[tuple]:
    return list(
        Student.objects.order_by("id").values_list(
            "last_name", "first_name", "middle_name", "birth_date", "gender"
        )
    ) + list(User.objects.order_by("id").values_list("username", "last_name", "first_name", "middle_name"))


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("father", "son", "daughter"),
    [
        ("Сергей", "Сергеевич", "Сергеевна"),
        ("Иван", "Иванович", "Ивановна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Илья", "Ильич", "Ильинична"),
        ("Никита", "Никитич", "Никитична"),
        ("Кузьма", "Кузьмич", "Кузьминична"),
        ("Михаил", "Михайлович", "Михайловна"),
        ("Лев", "Львович", "Львовна"),
        ("Павел", "Павлович", "Павловна"),
        ("Пётр", "Петрович", "Петровна"),
        ("Яков", "Яковлевич", "Яковлевна"),
        ("Артём", "Артёмович", "Артёмовна"),
        ("Георгий", "Георгиевич", "Георгиевна"),
    ],
)
def test_patronymic_follows_the_fathers_name(father, son, daughter):
    assert patronymic(father, "m") == son
    assert patronymic(father, "f") == daughter


@pytest.mark.parametrize(
    ("masculine", "feminine"),
    [
        ("Иванов", "Иванова"),
        ("Соловьёв", "Соловьёва"),
        ("Ильин", "Ильина"),
        ("Высоцкий", "Высоцкая"),
        ("Покровский", "Покровская"),
        ("Толстой", "Толстая"),
        ("Донской", "Донская"),
        ("Белый", "Белая"),
        ("Ким", "Ким"),
        ("Цой", "Цой"),
        ("Шевченко", "Шевченко"),
        ("Черных", "Черных"),
        ("Ковальчук", "Ковальчук"),
    ],
)
def test_feminine_surname(masculine, feminine):
    assert feminine_surname(masculine) == feminine


def test_transliteration_for_logins():
    assert transliterate("Щербакова") == "shcherbakova"
    assert transliterate("Соловьёв") == "solovev"


# --- the plan (no database) ----------------------------------------------------------------------


def _plan(students=1100, seed=2026):
    today = date(2026, 11, 22)
    return plan_school(students=students, seed=seed, start_year=2026, today=today), today


def test_plan_fills_grades_with_classes_of_about_27():
    plan, _today = _plan()
    assert sum(c.size for c in plan.classes) == 1100
    per_grade = Counter(c.grade for c in plan.classes)
    assert all(3 <= per_grade[g] <= 4 for g in range(1, 10))
    assert per_grade[10] == per_grade[11] == 2
    assert all(24 <= c.size <= 32 for c in plan.classes)


def test_plan_has_about_one_teacher_per_15_to_18_students():
    plan, _today = _plan()
    assert 1100 / 19 <= len(plan.teachers) <= 1100 / 15


def test_plan_moves_about_one_percent_to_a_parallel_class_before_today():
    plan, today = _plan()
    moved = [c for c in plan.children() if c.transfer]
    assert 5 <= len(moved) <= 20
    for child in moved:
        to_class, on_date = child.transfer
        assert to_class.grade == child.school_class.grade and to_class is not child.school_class
        assert date(2026, 9, 1) < on_date < today
    leavers = [c for c in plan.children() if c.leaves_on]
    assert leavers and all(date(2026, 9, 1) < c.leaves_on < today for c in leavers)


def test_plan_gives_about_15_percent_of_families_several_children_in_different_grades():
    plan, _today = _plan()
    with_siblings = [f for f in plan.families if len(f.children) > 1]
    assert 0.10 <= len(with_siblings) / len(plan.families) <= 0.20
    for family in with_siblings:
        assert len({c.school_class.grade for c in family.children}) == len(family.children)
        assert {c.person.surname for c in family.children} == {family.surname}
        assert all(
            c.person.middle_name == patronymic(family.father_name, c.person.gender) for c in family.children
        )


def test_birth_dates_fit_the_grade():
    plan, _today = _plan()
    for child in plan.children():
        age_on_1_september = (date(2026, 9, 1) - child.birth_date).days / 365.25
        assert child.school_class.grade + 4.9 <= age_on_1_september <= child.school_class.grade + 7.3


# --- the school in the database ------------------------------------------------------------------


def test_same_seed_gives_the_same_school_and_another_seed_another(demo):
    first = _people()
    run("demo_school", "--students", str(SMALL), "--seed", "7", "--flush", "--no-journal")
    assert _people() == first
    run("demo_school", "--students", str(SMALL), "--seed", "8", "--flush", "--no-journal")
    assert _people() != first


def test_the_current_year_is_the_one_containing_today(demo):
    today = timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    assert SchoolClass.objects.filter(academic_year__is_current=True).first().academic_year.name == (
        f"{start_year}/{start_year + 1}"
    )
    assert Student.objects.count() == SMALL
    assert School.objects.get().name.startswith("Муниципальное бюджетное общеобразовательное учреждение")


def test_every_class_has_a_class_teacher_and_students(demo):
    classes = SchoolClass.objects.all()
    assert sorted({c.grade for c in classes}) == list(range(1, 12))
    for school_class in classes:
        assert school_class.class_teacher is not None
        assert Role.TEACHER in user_roles(school_class.class_teacher)
        assert school_class.enrolments.filter(end_date__isnull=True).exists()


def test_every_curriculum_line_is_taught(demo):
    assert not ClassSubject.objects.filter(assignments__isnull=True).exists()
    assert ClassSubject.objects.filter(school_class__grade__gte=2).count() > 100


def test_english_groups_from_grade_5_have_different_teachers_and_split_the_class(demo):
    english = ClassSubject.objects.filter(subject__short_name="Англ. язык", school_class__grade__gte=5)
    assert english.exists()
    for line in english:
        assignments = list(line.assignments.select_related("subgroup"))
        assert sorted(a.subgroup.name for a in assignments) == list(SUBGROUPS)
        assert assignments[0].teacher_id != assignments[1].teacher_id
        current = set(
            line.school_class.enrolments.filter(end_date__isnull=True).values_list("student", flat=True)
        )
        grouped = [set(a.subgroup.students.values_list("pk", flat=True)) for a in assignments]
        assert grouped[0] | grouped[1] == current and not grouped[0] & grouped[1]


def test_grade_1_is_mark_free_and_some_courses_are_pass_fail(demo):
    scales = dict(
        ClassSubject.objects.filter(school_class__grade__gte=2)
        .values_list("subject__short_name", "scale")
        .distinct()
    )
    assert set(ClassSubject.objects.filter(school_class__grade=1).values_list("scale", flat=True)) == {
        AssessmentScale.BASIC_LEVEL
    }
    assert scales["ОРКСЭ"] == scales["ОДНКНР"] == scales["Инд. проект"] == AssessmentScale.PASS_FAIL
    assert scales["Математика"] == AssessmentScale.FIVE_POINT


@pytest.mark.parametrize(
    ("username", "roles"),
    [
        ("deputy", [Role.DEPUTY, Role.TEACHER]),
        ("director", [Role.DIRECTOR]),
        ("admin", [Role.ADMIN]),
        ("teacher", [Role.TEACHER]),
        ("classteacher", [Role.CLASS_TEACHER, Role.TEACHER]),
        ("parent", [Role.PARENT]),
        ("student", [Role.STUDENT]),
        ("multirole", [Role.CLASS_TEACHER, Role.TEACHER, Role.PARENT]),
    ],
)
def test_demo_login_has_its_roles_and_the_demo_password(demo, settings, username, roles):
    user = User.objects.get(username=username)
    assert user_roles(user) == roles
    assert user.check_password(settings.DEMO_PASSWORD)


def test_only_demo_logins_have_a_usable_password(demo):
    usable = {u.username for u in User.objects.all() if u.has_usable_password()}
    assert usable == {username for username, _role in DEMO_LOGINS}


def test_admin_can_use_the_django_admin(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_demo_teacher_teaches_mathematics_in_several_classes_5_to_9(demo):
    lines = TeachingAssignment.objects.filter(teacher__username="teacher").select_related(
        "class_subject__subject"
    )
    classes = {a.class_subject.school_class_id for a in lines}
    assert len(classes) >= 2
    assert {a.class_subject.subject.area for a in lines} == {"Математика и информатика"}
    assert set(SchoolClass.objects.filter(pk__in=classes).values_list("grade", flat=True)) <= set(
        range(5, 10)
    )


def test_demo_class_teacher_leads_a_5th_grade_and_teaches_russian_there(demo):
    led = SchoolClass.objects.get(class_teacher__username="classteacher")
    assert led.grade == 5
    assert TeachingAssignment.objects.filter(
        teacher__username="classteacher",
        class_subject__school_class=led,
        class_subject__subject__name="Русский язык",
    ).exists()


def test_demo_parent_sees_her_two_children_in_different_grades(demo):
    parent = User.objects.get(username="parent")
    children = list(children_of(user=parent))
    assert len(children) == 2
    assert {c.last_name if c.gender == "f" else feminine_surname(c.last_name) for c in children} == {
        parent.last_name
    }
    grades = {Enrolment.objects.get(student=c, end_date__isnull=True).school_class.grade for c in children}
    assert len(grades) == 2
    assert set(Guardianship.objects.filter(guardian=parent).values_list("relation", flat=True)) == {"mother"}


def test_demo_student_is_in_grade_7(demo):
    student = Student.objects.get(user__username="student")
    assert Enrolment.objects.get(student=student, end_date__isnull=True).school_class.grade == 7


def test_multirole_leads_one_class_and_has_a_child_in_another(demo):
    user = User.objects.get(username="multirole")
    led = SchoolClass.objects.get(class_teacher=user)
    (child,) = children_of(user=user)
    assert Enrolment.objects.get(student=child, end_date__isnull=True).school_class != led


def test_object_permissions_are_exactly_those_the_services_grant(demo):
    def granted(codename):
        return set(
            UserObjectPermission.objects.filter(permission__codename=codename).values_list(
                "user_id", "object_pk"
            )
        )

    links = set(Guardianship.objects.values_list("guardian_id", "student_id"))
    assert UserObjectPermission.objects.filter(permission__codename="view_student").count() == len(links)
    assert granted("view_student") == {(user, str(student)) for user, student in links}
    leads = SchoolClass.objects.values_list("class_teacher_id", "pk")
    assert granted("lead_schoolclass") == {(user, str(pk)) for user, pk in leads}
    teaches = TeachingAssignment.objects.values_list(
        "teacher_id", "class_subject__school_class_id"
    ).distinct()
    assert granted("teach_schoolclass") == {(user, str(pk)) for user, pk in teaches}


def test_a_few_students_left_the_school_before_today(demo):
    left = Enrolment.objects.filter(leave_reason=Enrolment.LeaveReason.TRANSFER_SCHOOL)
    assert left.exists()
    assert all(e.end_date < timezone.localdate() for e in left)
    assert not Enrolment.objects.filter(student__in=left.values("student"), end_date__isnull=True).exists()


def test_if_empty_does_nothing_the_second_time(demo):
    before = (Student.objects.count(), User.objects.count(), SchoolClass.objects.count())
    out = run("demo_school", "--students", "300", "--if-empty")
    assert "уже есть" in out
    assert (Student.objects.count(), User.objects.count(), SchoolClass.objects.count()) == before


def test_second_run_without_flags_is_refused(demo):
    with pytest.raises(CommandError):
        run("demo_school", "--students", str(SMALL))


def test_flush_is_refused_in_production(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        run("demo_school", "--students", str(SMALL), "--flush")
    assert Student.objects.count() == SMALL


def test_demo_logins_prints_every_login_with_who_it_is(demo, settings):
    out = run("demo_logins")
    for username, role in DEMO_LOGINS:
        line = next(line for line in out.splitlines() if f" {username} " in line)
        assert line.startswith(role) and settings.DEMO_PASSWORD in line
    assert User.objects.get(username="parent").full_name in out
    assert out.strip() in demo


def test_flush_refuses_once_the_journal_has_lessons(demo):
    assignment = TeachingAssignment.objects.first()
    Lesson.objects.create(
        assignment=assignment, date=timezone.localdate(), work_type=WorkType.objects.first()
    )
    with pytest.raises(CommandError):
        run("demo_school", "--students", str(SMALL), "--flush")
    assert Student.objects.count() == SMALL
