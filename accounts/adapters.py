from allauth.account.adapter import DefaultAccountAdapter
from django.utils import timezone

from accounts.sessions import LOGIN_AT_KEY


class SchoolAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the school (admin, import), never by public sign-up."""

    def is_open_for_signup(self, request):
        return False

    def login(self, request, user):
        super().login(request, user)  # rotates the session key
        request.session[LOGIN_AT_KEY] = timezone.now().isoformat()
