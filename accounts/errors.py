"""One error type for domain refusals and one JSON shape for every API error.

Shape: {"error": {"code": "<machine code>", "message": "<text for people>", "details": {...}}}
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule refused the request. Raised by services before their first write."""

    status_code = 400

    def __init__(self, message, *, code: str, details: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.details = details or {}

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class ConflictError(DomainError):
    """The record changed since the caller read it."""

    status_code = 409


def _body(code: str, message, details=None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body("invalid", _("The request has invalid fields."), {"fields": exc.detail})
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = _body(code, exc.detail if isinstance(exc.detail, str) else _("Request failed."))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["error"]["code"] = "throttled"
    return response
