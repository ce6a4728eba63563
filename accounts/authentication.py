from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication


class SessionAuthentication401(SessionAuthentication):
    """Session auth that answers 401 (not 403) to a caller who has not signed in."""

    def authenticate_header(self, request):
        return 'Session realm="api"'


class SessionAuthentication401Scheme(OpenApiAuthenticationExtension):
    """Describes the session scheme in the OpenAPI schema (drf-spectacular)."""

    target_class = "accounts.authentication.SessionAuthentication401"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
