"""The one refusal for writes into a closed academic year (closed by archive.services.year_close).

Every writing service of the gradebook calls `check_year_open` (or reads `closed_at` in its own
query) before its first write, next to its closed-term check.
"""

from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from gradebook.models import AcademicYear


def year_closed_error(year_name: str) -> DomainError:
    return DomainError(
        _("The academic year %(year)s is closed: its records are read-only.") % {"year": year_name},
        code="year_closed",
    )


def check_year_open(*, year_id: int) -> None:
    closed = AcademicYear.objects.filter(pk=year_id, closed_at__isnull=False).values_list("name", flat=True)
    name = closed.first()
    if name is not None:
        raise year_closed_error(name)


def check_loaded_year_open(year: AcademicYear) -> None:
    """The same check on a year row the caller has already loaded (no query: for services with a fixed
    query budget; the row is as fresh as the request that loaded it)."""
    if year.closed_at is not None:
        raise year_closed_error(year.name)
