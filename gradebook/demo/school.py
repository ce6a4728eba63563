"""A deterministic demo school: structure, staff, students, families and the demo logins.

`build_demo_school(students=..., seed=...)` first plans the whole school in memory with one
`random.Random(seed)`, then writes it in one transaction, so the same seed on the same date gives the
same school. Staff, classes, curriculum, teaching load, transfers and leavers go through the services;
students, enrolments, families and the families' object permissions are bulk-created (per-row services
are too slow for a large school) with exactly the rows and permissions the services would write.
"""

import math
import random
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from accounts.errors import DomainError
from accounts.models import Guardianship, Role, Student, UserRole
from accounts.roles import role_annotations
from accounts.services import VIEW_STUDENT, user_create
from gradebook.demo.curriculum import SUBGROUPS, SUBJECTS, curriculum
from gradebook.demo.families import assign_logins, pick_demo_people, plan_families, plan_movements
from gradebook.demo.logins import DEMO_LOGINS
from gradebook.demo.plan import Child, ClassPlan, Namer, Person, SchoolPlan
from gradebook.demo.staffing import plan_classes, plan_staff
from gradebook.models import (
    AcademicYear,
    Enrolment,
    School,
    SchoolClass,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from gradebook.services import (
    academic_year_create,
    class_subject_set,
    enrolment_end,
    enrolment_transfer,
    school_class_create,
    school_class_set_teacher,
    teaching_assignment_create,
)

User = get_user_model()

MIN_STUDENTS, MAX_STUDENTS = 50, 40_000

SCHOOL = {
    "name": "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17»",
    "short_name": "МБОУ «СОШ № 17»",
    "address": "150040, Ярославская область, г. Ярославль, ул. Чехова, д. 12",
    "phone": "+7 (4852) 72-15-40",
    "email": "school17@example.org",
    "inn": "7604015235",
}
DEMO_USERNAMES = frozenset(username for username, _role in DEMO_LOGINS)


@dataclass(frozen=True)
class DemoSummary:
    school: str
    year: str
    classes: int
    students: int
    student_accounts: int
    teachers: int
    parents: int
    guardianships: int
    assignments: int
    transfers: int
    leavers: int


@transaction.atomic
def build_demo_school(*, students: int, seed: int) -> DemoSummary:
    """Creates the demo school of about `students` students; refuses when a school already exists.

    The same seed on the same day gives the same school (the current academic year and the dates of
    transfers depend on today). Every demo login gets the password settings.DEMO_PASSWORD; every other
    account an unusable one.
    """
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise DomainError(
            _("A demo school has from %(min)s to %(max)s students.")
            % {"min": MIN_STUDENTS, "max": MAX_STUDENTS},
            code="demo_size",
        )
    if School.objects.exists():
        raise DomainError(_("The school already exists."), code="school_exists")
    today = timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    write_school(plan_school(students=students, seed=seed, start_year=start_year, today=today))
    return demo_summary()


def plan_school(*, students: int, seed: int, start_year: int, today: date) -> SchoolPlan:
    """The whole school, with no database access: same arguments, same plan."""
    rng = random.Random(seed)
    namer = Namer(rng)
    classes = plan_classes(rng, students)
    plan = SchoolPlan(start_year, classes, plan_staff(namer, classes), namer.adult(0.4), namer.adult(0.6))
    plan.director.username, plan.admin.username = "director", "admin"
    plan.families = plan_families(namer, classes, start_year)
    pick_demo_people(plan)
    plan_movements(rng, plan, today)
    assign_logins(plan, namer)
    return plan


def write_school(plan: SchoolPlan) -> None:
    """Writes a plan into an empty school, in the caller's transaction."""
    password = make_password(settings.DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    School.objects.create(id=1, **SCHOOL)
    year = academic_year_create(start_year=plan.start_year, make_current=True)
    subjects = {
        key: Subject.objects.get_or_create(
            name=name, defaults={"short_name": short, "area": area, "order": order}
        )[0]
        for key, (name, short, area, order) in SUBJECTS.items()
    }
    _staff_create(plan, password)
    for school_class in plan.classes:
        school_class.obj = school_class_create(
            academic_year=year, grade=school_class.grade, letter=school_class.letter
        )
    subgroups = _load_create(plan, subjects)
    for school_class in plan.classes:
        school_class_set_teacher(
            school_class=school_class.obj, teacher=school_class.class_teacher.person.user
        )
    _students_create(plan, year, password)
    _families_create(plan, password)
    _movements_apply(plan)
    _subgroups_fill(plan, subgroups)


def _staff_create(plan: SchoolPlan, password: str) -> None:
    staff = [(teacher.person, teacher.roles) for teacher in plan.teachers]
    staff += [(plan.director, (Role.DIRECTOR,)), (plan.admin, (Role.ADMIN,))]
    for person, roles in staff:
        person.user = user_create(
            username=person.username,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            roles=roles,
        )
        if person.username in DEMO_USERNAMES:
            person.user.password = password
            person.user.save(update_fields=["password"])
    admin = plan.admin.user
    admin.is_staff = admin.is_superuser = True  # the Django admin site works for the demo admin
    admin.save(update_fields=["is_staff", "is_superuser"])
    # Loaded with their role annotations, as the authentication backend does, so that the services'
    # teacher check reads them instead of asking the database once per assignment.
    loaded = User.objects.annotate(**role_annotations()).in_bulk([person.user.pk for person, _roles in staff])
    for person, _roles in staff:
        person.user = loaded[person.user.pk]


def _load_create(plan: SchoolPlan, subjects: dict[str, Subject]) -> dict[tuple[ClassPlan, str], Subgroup]:
    """Curriculum lines, English subgroups and teaching assignments; returns the subgroups."""
    lines, subgroups = {}, {}
    for school_class in plan.classes:
        for key, hours in curriculum(school_class.grade):
            lines[school_class, key] = class_subject_set(
                school_class=school_class.obj, subject=subjects[key], hours_per_week=hours
            )
        if school_class.grade >= 5:  # no service creates subgroups yet
            subgroups.update(
                {(school_class, n): Subgroup(school_class=school_class.obj, name=n) for n in SUBGROUPS}
            )
    Subgroup.objects.bulk_create(subgroups.values())
    for teacher in plan.teachers:
        for bundle in teacher.bundles:
            for key in bundle.subjects:
                teaching_assignment_create(
                    teacher=teacher.person.user,
                    class_subject=lines[bundle.school_class, key],
                    subgroup=subgroups.get((bundle.school_class, bundle.subgroup)),
                )
    return subgroups


def _users_bulk_create(people: list[Person], password: str) -> None:
    """Accounts without staff roles (students, parents): the rows user_create would write, in bulk."""
    users = [
        User(
            username=person.username,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            password=password if person.username in DEMO_USERNAMES else make_password(None),
        )
        for person in people
    ]
    User.objects.bulk_create(users, batch_size=1000)
    for person, user in zip(people, users, strict=True):
        person.user = user


def _students_create(plan: SchoolPlan, year: AcademicYear, password: str) -> None:
    """Students (some with a login) enrolled on the first day of the year, in bulk."""
    children = plan.children()
    _users_bulk_create([child.person for child in children if child.has_login], password)
    for child in children:
        person = child.person
        child.student = Student(
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            birth_date=child.birth_date,
            gender=person.gender,
            user=person.user,
        )
    Student.objects.bulk_create([child.student for child in children], batch_size=1000)
    Enrolment.objects.bulk_create(
        [
            Enrolment(student=c.student, school_class=c.school_class.obj, start_date=year.start_date)
            for c in children
        ],
        batch_size=1000,
    )


def _families_create(plan: SchoolPlan, password: str) -> None:
    """Parents' accounts and guardianship links, with the view_student permission guardianship_create grants."""
    parents = [person for f in plan.families for person, _rel in f.guardians if person.user is None]
    _users_bulk_create(parents, password)
    links = [
        Guardianship(guardian=person.user, student=child.student, relation=relation)
        for family in plan.families
        for person, relation in family.guardians
        for child in family.children
    ]
    Guardianship.objects.bulk_create(links, batch_size=1000)
    content_type = ContentType.objects.get_for_model(Student)
    permission = Permission.objects.get(content_type=content_type, codename=VIEW_STUDENT.split(".")[1])
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user_id=link.guardian_id,
                permission=permission,
                content_type=content_type,
                object_pk=str(link.student_id),
            )
            for link in links
        ],
        batch_size=1000,
    )


def _movements_apply(plan: SchoolPlan) -> None:
    for child in plan.children():
        if child.transfer:
            to_class, on_date = child.transfer
            enrolment_transfer(student=child.student, to_class=to_class.obj, on_date=on_date)
        if child.leaves_on:
            enrolment = Enrolment.objects.get(student=child.student, end_date__isnull=True)
            enrolment_end(
                enrolment=enrolment, end_date=child.leaves_on, reason=Enrolment.LeaveReason.TRANSFER_SCHOOL
            )


def _subgroups_fill(plan: SchoolPlan, subgroups: dict[tuple[ClassPlan, str], Subgroup]) -> None:
    """Each class's current students split in alphabetical halves between the two English groups."""
    members: dict[ClassPlan, list[Child]] = {}
    for child in plan.children():
        if child.leaves_on is None and child.current_class.grade >= 5:
            members.setdefault(child.current_class, []).append(child)
    through = Subgroup.students.through
    rows = []
    for school_class, children in members.items():
        children.sort(key=lambda c: _alphabetical(c.student))
        half = math.ceil(len(children) / 2)
        for i, child in enumerate(children):
            subgroup = subgroups[school_class, SUBGROUPS[0 if i < half else 1]]
            rows.append(through(subgroup_id=subgroup.pk, student_id=child.student.pk))
    through.objects.bulk_create(rows, batch_size=1000)


def _alphabetical(student: Student) -> tuple[str, ...]:
    # Ё sorts after Я in code points; in the alphabet it goes with Е.
    return tuple(
        p.replace("Ё", "Е").replace("ё", "е")
        for p in (student.last_name, student.first_name, student.middle_name)
    )


def demo_summary() -> DemoSummary:
    year = AcademicYear.objects.get(is_current=True)
    reasons = Enrolment.objects.filter(school_class__academic_year=year)
    return DemoSummary(
        school=School.objects.get(pk=1).short_name,
        year=year.name,
        classes=SchoolClass.objects.filter(academic_year=year).count(),
        students=Student.objects.count(),
        student_accounts=Student.objects.filter(user__isnull=False).count(),
        teachers=UserRole.objects.filter(role=Role.TEACHER).count(),
        parents=Guardianship.objects.values("guardian").distinct().count(),
        guardianships=Guardianship.objects.count(),
        assignments=TeachingAssignment.objects.filter(
            class_subject__school_class__academic_year=year
        ).count(),
        transfers=reasons.filter(leave_reason=Enrolment.LeaveReason.TRANSFER_CLASS).count(),
        leavers=reasons.filter(leave_reason=Enrolment.LeaveReason.TRANSFER_SCHOOL).count(),
    )


def demo_school_flush() -> None:
    """Deletes the school, its structure, every student and every account. For tests and benchmarks only.

    Refuses (DomainError) once the journal holds lessons or marks: those are kept, never flushed.
    """
    try:
        with transaction.atomic():
            Enrolment.objects.all().delete()
            TeachingAssignment.objects.all().delete()
            SchoolClass.objects.all().delete()
            AcademicYear.objects.all().delete()
            Subject.objects.all().delete()
            Student.objects.all().delete()
            UserObjectPermission.objects.all().delete()
            GroupObjectPermission.objects.all().delete()
            User.objects.all().delete()
            School.objects.all().delete()
    except IntegrityError as error:  # ProtectedError included
        raise DomainError(
            _("The school already has journal records; only a fresh demo school can be deleted."),
            code="flush_refused",
        ) from error
