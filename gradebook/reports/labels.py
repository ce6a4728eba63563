"""Headers and text forms shared by the report renderers, so the page, the XLSX and the PDF name and
show the same figures the same way."""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import pgettext

from gradebook.reports.figures import Figures

DASH = "—"
PERCENT = "percent"
MEAN = "mean"
CHANGE = "change"  # a signed difference of two figures, in points: «+8,33», «−1,40»


def figure_columns() -> list[tuple[str, str, str | None]]:
    """(header, attribute of Figures, kind of number) of the figures, in the order of every table."""
    return [
        (pgettext("ledger figures", "Students"), "students", None),
        (pgettext("ledger figures", "Assessed"), "assessed", None),
        (pgettext("ledger figures", "Excellent"), "excellent", None),
        (pgettext("ledger figures", "Good"), "good", None),
        (pgettext("ledger figures", "With one «3»"), "one_three", None),
        (pgettext("ledger figures", "With one «4»"), "one_four", None),
        (pgettext("ledger figures", "Failing"), "failing", None),
        (pgettext("ledger figures", "Not attested"), "not_attested", None),
        (pgettext("ledger figures", "Success, %"), "success", PERCENT),
        (pgettext("ledger figures", "Quality, %"), "quality", PERCENT),
        (pgettext("ledger figures", "SOU, %"), "sou", PERCENT),
        (pgettext("ledger figures", "Mean mark"), "mean", MEAN),
    ]


def figure_text(value: int | Decimal | None) -> str:
    """A figure as shown on the page and in the PDF: «83,33», «12», or «—» where it is undefined."""
    if value is None:
        return DASH
    if isinstance(value, Decimal):
        return number_format(value, 2)
    return str(value)


def change_text(value: Decimal | None) -> str:
    """A change as shown on the page and in the PDF: «+8,33», «−1,40», «0,00», or «—» where undefined."""
    if value is None:
        return DASH
    if value > 0:
        return f"+{number_format(value, 2)}"
    if value < 0:
        return f"−{number_format(-value, 2)}"
    return number_format(value, 2)


def figure_texts(figures: Figures) -> list[str]:
    return [figure_text(getattr(figures, name)) for _header, name, _kind in figure_columns()]


def figure_header(name: str) -> str:
    """The header of one figure (`"success"` → «Успеваемость, %»), as in every table of figures."""
    return next(header for header, attribute, _kind in figure_columns() if attribute == name)
