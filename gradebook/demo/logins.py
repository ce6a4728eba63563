"""The demo logins: who they are, and the accounts behind them read back from the database."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.models import Student
from gradebook.models import Enrolment, SchoolClass, TeachingAssignment

User = get_user_model()

DEMO_LOGINS = (
    ("deputy", "Заместитель директора по УВР"),
    ("director", "Директор"),
    ("admin", "Администратор"),
    ("teacher", "Учитель-предметник"),
    ("classteacher", "Классный руководитель"),
    ("parent", "Родитель"),
    ("student", "Обучающийся"),
    ("multirole", "Учитель, классный руководитель и родитель"),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    who: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist now, each described from the database."""
    users = User.objects.in_bulk([username for username, _role in DEMO_LOGINS], field_name="username")
    return [
        DemoLogin(role, username, settings.DEMO_PASSWORD, _describe(users[username]))
        for username, role in DEMO_LOGINS
        if username in users
    ]


def _describe(user: User) -> str:
    parts = [user.full_name]
    led = SchoolClass.objects.filter(class_teacher=user, academic_year__is_current=True)
    if led:
        parts.append("кл. руководитель " + ", ".join(c.name for c in led))
    taught: dict[str, list[str]] = {}
    assignments = TeachingAssignment.objects.filter(
        teacher=user, class_subject__school_class__academic_year__is_current=True
    ).select_related("class_subject__subject", "class_subject__school_class")
    for assignment in assignments:
        classes = taught.setdefault(assignment.class_subject.subject.short_name, [])
        if assignment.class_subject.school_class.name not in classes:
            classes.append(assignment.class_subject.school_class.name)
    parts += [f"{subject} ({_listed(classes)})" for subject, classes in taught.items()]
    children = Student.objects.filter(guardianships__guardian=user)
    if children:
        parts.append("дети: " + ", ".join(f"{c.short_name} ({_class_name(c)})" for c in children))
    own = Student.objects.filter(user=user).first()
    if own is not None:
        parts.append(f"{'ученица' if own.gender == Student.Gender.FEMALE else 'ученик'} {_class_name(own)}")
    return "; ".join(parts)


def _listed(names: list[str], limit: int = 6) -> str:
    return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f" … всего {len(names)}"


def _class_name(student: Student) -> str:
    enrolment = (
        Enrolment.objects.filter(
            student=student, end_date__isnull=True, school_class__academic_year__is_current=True
        )
        .select_related("school_class")
        .first()
    )
    return f"{enrolment.school_class.name} класс" if enrolment else "выбыл(а)"


def format_demo_logins(rows: list[DemoLogin]) -> str:
    """A plain-text table for the console."""
    table = [("Роль", "Логин", "Пароль", "Кто это")] + [(r.role, r.username, r.password, r.who) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
        for row in table
    ]
    lines.insert(1, "  ".join("-" * width for width in [*widths, len("Кто это")]))
    return "\n".join(lines)
