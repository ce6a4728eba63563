from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model

from accounts.roles import role_annotations


class SchoolAuthenticationBackend(AuthenticationBackend):
    """allauth's backend (username or e-mail), loading the user together with their roles in one query."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.annotate(**role_annotations()).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
