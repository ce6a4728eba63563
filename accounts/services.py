"""Every write about people: accounts, staff roles, students and guardianship links.

Object permissions (django-guardian) are granted and revoked only here and in gradebook.services.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.errors import DomainError
from accounts.models import STAFF_ROLES, Guardianship, Role, Student, UserRole

User = get_user_model()
VIEW_STUDENT = "accounts.view_student"


@transaction.atomic
def user_create(
    *,
    username: str,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    email: str = "",
    password: str | None = None,
    roles: tuple[Role, ...] = (),
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            _("The login «%(username)s» is taken.") % {"username": username}, code="username_taken"
        )
    if email and User.objects.filter(email__iexact=email).exists():
        raise DomainError(
            _("The e-mail %(email)s belongs to another account.") % {"email": email}, code="email_taken"
        )
    for role in roles:
        _check_staff_role(role)
    user = User(
        username=username, last_name=last_name, first_name=first_name, middle_name=middle_name, email=email
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in roles])
    return user


def _check_staff_role(role) -> None:
    if role not in STAFF_ROLES:
        raise DomainError(
            _("The role «%(role)s» cannot be granted by hand.") % {"role": role}, code="role_not_grantable"
        )


@transaction.atomic
def role_grant(*, user: User, role: Role) -> UserRole:
    _check_staff_role(role)
    granted, _created = UserRole.objects.get_or_create(user=user, role=role)
    return granted


@transaction.atomic
def role_revoke(*, user: User, role: Role) -> int:
    deleted, _by_model = UserRole.objects.filter(user=user, role=role).delete()
    return deleted


@transaction.atomic
def student_create(
    *,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    birth_date: date,
    gender: str,
    user: User | None = None,
) -> Student:
    if gender not in Student.Gender.values:
        raise DomainError(_("Gender must be «f» or «m»."), code="invalid_gender")
    if birth_date >= date.today():
        raise DomainError(_("The date of birth must be in the past."), code="invalid_birth_date")
    student = Student(
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        birth_date=birth_date,
        gender=gender,
        user=user,
    )
    student.full_clean()
    student.save()
    return student


@transaction.atomic
def guardianship_create(*, guardian: User, student: Student, relation: str) -> Guardianship:
    """Links a parent account to a child and grants it the right to see that child's record."""
    if relation not in Guardianship.Relation.values:
        raise DomainError(_("Unknown relation to the child."), code="invalid_relation")
    if student.user_id == guardian.pk:
        raise DomainError(_("A student cannot be their own guardian."), code="self_guardian")
    link, created = Guardianship.objects.get_or_create(
        guardian=guardian, student=student, defaults={"relation": relation}
    )
    if not created and link.relation != relation:
        link.relation = relation
        link.save(update_fields=["relation"])
    assign_perm(VIEW_STUDENT, guardian, student)
    return link


@transaction.atomic
def guardianship_delete(*, guardian: User, student: Student) -> None:
    """Unlinks a parent; from the next request on they no longer reach the child."""
    Guardianship.objects.filter(guardian=guardian, student=student).delete()
    remove_perm(VIEW_STUDENT, guardian, student)
