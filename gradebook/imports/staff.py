"""Import of staff: accounts with their roles. An existing login only gets the roles it lacks."""

import re

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, UserRole
from accounts.services import role_grant, user_create
from gradebook.imports import columns
from gradebook.imports.columns import FIRST_NAME, LAST_NAME, MIDDLE_NAME, Person
from gradebook.imports.plan import Column, Context, KindSpec, Outcome, Problems, Row, RowAction, norm

User = get_user_model()

ROLE_WORDS = {
    **dict.fromkeys(map(norm, ("учитель", "teacher")), Role.TEACHER),
    **dict.fromkeys(map(norm, ("завуч", "заместитель директора", "deputy", "deputy director")), Role.DEPUTY),
    **dict.fromkeys(map(norm, ("директор", "director")), Role.DIRECTOR),
    **dict.fromkeys(map(norm, ("администратор", "admin", "administrator")), Role.ADMIN),
}


def _roles(problems: Problems) -> list[Role]:
    roles = []
    for word in filter(None, (w.strip() for w in re.split(r"[,;]", problems.required("roles")))):
        role = ROLE_WORDS.get(norm(word))
        if role is None:
            problems.add(
                "unknown_role",
                _("Unknown role «%(role)s». Possible: учитель, завуч, директор, администратор.")
                % {"role": word},
            )
        elif role not in roles:
            roles.append(role)
    return roles


def _role_names(roles) -> str:
    return ", ".join(str(Role(r).label) for r in roles)


def staff_row(row: Row, ctx: Context) -> Outcome:
    problems = Problems(row)
    person = Person(problems.required("last_name"), problems.required("first_name"), row.text("middle_name"))
    login = columns.login(problems, "login")
    email = columns.email(problems, "email")
    roles = _roles(problems)
    if problems.required("login"):
        problems.once(ctx, ("login", login.casefold()))
    problems.check()
    user = User.objects.filter(username__iexact=login).first()
    if user is None:
        user_create(username=login, email=email, roles=tuple(roles), **vars(person))
        return Outcome(
            RowAction.CREATE,
            _("New account %(login)s: %(name)s; roles: %(roles)s")
            % {"login": login, "name": person.full_name, "roles": _role_names(roles)},
        )
    columns.check_account(user, person, email)
    held = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    missing = [r for r in roles if r not in held]
    for role in missing:
        role_grant(user=user, role=role)
    values = {"login": user.username, "name": user.full_name, "roles": _role_names(missing or roles)}
    if missing:
        return Outcome(RowAction.UPDATE, _("%(login)s (%(name)s) gets roles: %(roles)s") % values)
    return Outcome(RowAction.UNCHANGED, _("%(login)s (%(name)s) has the roles: %(roles)s") % values)


SPEC = KindSpec(
    columns=(
        LAST_NAME,
        FIRST_NAME,
        MIDDLE_NAME,
        Column("login", "Логин", ("login", "username"), True, _("Login for signing in.")),
        Column(
            "email",
            "E-mail",
            ("email", "е-mail", "электронная почта"),
            False,
            _("For password reset; the account is created without a password."),
        ),
        Column(
            "roles",
            "Роли",
            ("roles", "роль", "role"),
            True,
            _("Comma-separated: учитель, завуч (заместитель директора), директор, администратор."),
        ),
    ),
    note=_(
        "An existing login gets the missing roles; roles are never taken away by an import. The class "
        "teacher role comes from the classes import."
    ),
    handler=staff_row,
    needs_year=False,
)
