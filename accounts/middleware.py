import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequiredMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.roles import user_roles
from accounts.sessions import ACTIVE_ROLE_KEY, LOGIN_AT_KEY, TOUCHED_AT_KEY


def _active_role(request) -> Role | None:
    roles = request.roles
    chosen = request.session.get(ACTIVE_ROLE_KEY)
    if chosen in roles:
        return Role(chosen)
    return roles[0] if roles else None


class ActiveRoleMiddleware:
    """Sets `request.roles` and `request.active_role`, and ends sessions past their absolute lifetime.

    The active role only chooses the home page and menu; access is always the union of all roles.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._expired(request):
            logout(request)
            return redirect(settings.LOGIN_URL)
        # Free for a signed-in user: the roles come annotated on the user row (accounts.backends).
        request.roles = user_roles(request.user)
        request.active_role = _active_role(request)
        response = self.get_response(request)
        self._touch(request)
        return response

    @staticmethod
    def _touch(request) -> None:
        """Slides the idle timeout at most every few minutes instead of writing the session on every request."""
        if not request.user.is_authenticated or request.session.modified:
            return
        now = int(time.time())
        if now - request.session.get(TOUCHED_AT_KEY, 0) >= settings.SESSION_TOUCH_INTERVAL:
            request.session[TOUCHED_AT_KEY] = now

    @staticmethod
    def _expired(request) -> bool:
        login_at = request.session.get(LOGIN_AT_KEY)
        if not login_at:
            return False
        return timezone.now() - datetime.fromisoformat(login_at) > settings.SESSION_ABSOLUTE_TIMEOUT


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in person are never cached: the back button after logout shows nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response


class LoginRequiredMiddleware(_DjangoLoginRequiredMiddleware):
    """Every view needs a signed-in user unless marked `login_not_required` (the short public list).

    API requests get the JSON error shape with 401 instead of a redirect to the login page.
    """

    def handle_no_permission(self, request, view_func):
        if request.path.startswith("/api/"):
            body = {
                "error": {"code": "not_authenticated", "message": str(_("Sign in first.")), "details": {}}
            }
            return JsonResponse(body, status=401)
        return super().handle_no_permission(request, view_func)
