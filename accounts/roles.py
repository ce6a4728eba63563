"""Which roles a person holds.

Staff roles are granted explicitly (UserRole). The others follow from the school's data and are
contributed by the app that owns that data through `register_role_condition`, so this module never
imports the apps above it. Every condition is an EXISTS subquery: the authentication backend folds
them all into the single query that loads the user, so knowing the roles costs no extra query and a
removed role is gone on the very next request.
"""

from collections.abc import Callable

from django.db.models import Exists, OuterRef

from accounts.models import STAFF_ROLES, Guardianship, Role, Student, UserRole

# Shown first after login when a person holds several roles.
ROLE_PRIORITY = [
    Role.DEPUTY,
    Role.DIRECTOR,
    Role.ADMIN,
    Role.CLASS_TEACHER,
    Role.TEACHER,
    Role.PARENT,
    Role.STUDENT,
]

_conditions: dict[Role, Callable[[], Exists]] = {}


def register_role_condition(role: Role, condition: Callable[[], Exists]) -> None:
    """`condition()` returns an Exists() over rows that point at OuterRef("pk"), the user."""
    _conditions[role] = condition


def _staff_condition(role: Role) -> Callable[[], Exists]:
    return lambda: Exists(UserRole.objects.filter(user=OuterRef("pk"), role=role))


for _role in STAFF_ROLES:
    register_role_condition(_role, _staff_condition(_role))
register_role_condition(Role.PARENT, lambda: Exists(Guardianship.objects.filter(guardian=OuterRef("pk"))))
register_role_condition(Role.STUDENT, lambda: Exists(Student.objects.filter(user=OuterRef("pk"))))


def role_annotations() -> dict[str, Exists]:
    return {f"has_role_{role.value}": condition() for role, condition in _conditions.items()}


def user_roles(user) -> list[Role]:
    """The user's roles, in ROLE_PRIORITY order.

    Uses the annotations when the user was loaded with them (once per request, by the backend);
    otherwise asks the database, without caching on the object, so a service sees the current state.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    source = user
    if not hasattr(user, "has_role_teacher"):
        source = type(user)._default_manager.filter(pk=user.pk).annotate(**role_annotations()).first()
        if source is None:
            return []
    return [role for role in ROLE_PRIORITY if getattr(source, f"has_role_{role.value}", False)]


def has_role(user, *roles: Role) -> bool:
    held = user_roles(user)
    return any(role in held for role in roles)


def is_school_wide(user) -> bool:
    """Deputy, director and administrator see the whole school."""
    return has_role(user, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
