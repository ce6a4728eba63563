"""Who may reach which person. The only module of this app that asks django-guardian."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from accounts.models import Role, Student
from accounts.roles import has_role


def children_of(*, user) -> QuerySet[Student]:
    """The students this user is a legal representative of (granted by guardianship_create)."""
    if not user.is_authenticated:
        return Student.objects.none()
    return get_objects_for_user(
        user, "accounts.view_student", klass=Student, accept_global_perms=False, with_superuser=False
    )


def own_student_profile(*, user) -> Student | None:
    if not user.is_authenticated:
        return None
    return Student.objects.filter(user=user).first()


def require_role(*roles: Role):
    """View decorator: anonymous → login page; signed in without any of the roles → 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
