"""What a kind of report is made of: who may ask for it, how its parameters are read and checked, how its
data is fingerprinted, built and rendered. The catalogue of kinds is `gradebook.reports.kinds.KINDS`.

A kind's parameters travel as a flat dict of strings (a form's fields, a page's query string, a job's
stored params): `target` («school», «grade:5», «class:12») and `period` (a term id or «year») for most, plus
the kind's own (`extra_params`). `check(user=, params=)` turns them into a checked object with
`.params()` (normalized, JSON-safe: what a job stores) and `.file_stem`; it raises Http404 when the user
may not see that scope (exactly like a missing class) and DomainError with a message for bad values.
`reload(params)` does the same in the worker, where access was already checked.

A *document* kind (every kind but the ledger) has a `layout(data) → Document`; its page, XLSX and PDF are
the generic ones (render_document, templates/reports/_document_body.html).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.errors import DomainError
from accounts.roles import has_role
from gradebook.reports import access
from gradebook.reports.document import Document
from gradebook.reports.ledger import LedgerScope, ledger_scope

SCOPE_KEYS = ("scope", "grade", "class_id", "period")


@dataclass(frozen=True)
class Split:
    """How a format is built in parts, one task each (see `gradebook.reports.job_parts`)."""

    # (checked, progress=) → [(label, data of one part)], or None to build the file in one task
    plan: Callable[..., list[tuple[str, dict]] | None]
    render: Callable[[dict], bytes]  # one part's data → the part's file; never touches the ORM
    merge: Callable[..., bytes]  # (the parts' files in order, progress=) → the job's file


@dataclass(frozen=True)
class ReportKind:
    slug: str
    label: str
    description: str
    roles: tuple[str, ...]  # who may ask for it at all; `check` decides the scope
    check: Callable[..., object]  # (user=, params=) → checked parameters; Http404 / DomainError
    reload: Callable[[dict], object]  # stored parameters → checked parameters, in the worker
    data_version: Callable[[object], str]  # a cheap fingerprint of everything the report reads
    build: Callable[..., object]  # (checked, progress=) → the report's data
    renderers: dict[str, Callable[..., bytes]]  # format → (data, progress=) → file content
    layout: Callable[[object], Document] | None = None  # document kinds: data → Document
    targets: Callable | None = None  # (user, year) → [(value, label)] of the target field; None: no field
    periods: bool = True  # the form asks for a term or the year
    extra_params: tuple[str, ...] = ()  # the kind's own parameters, passed through from forms and URLs
    extra_fields: Callable | None = None  # (user, year) → {name: forms.Field} shown on the reports page
    order: int = 100
    splits: dict[str, Split] = field(default_factory=dict)  # format → how to build it in parts

    def may_request(self, user) -> bool:
        return user.is_authenticated and has_role(user, *self.roles)

    def params_from(self, data: QueryDict | dict) -> dict:
        """The parameters of a form post or a query string: the target spelled out, the rest as given."""
        params = target_params(data.get("target")) if data.get("target") else {}
        for key in (*SCOPE_KEYS, *self.extra_params):
            value = data.get(key)
            if key not in params and value not in (None, ""):
                params[key] = value
        return params


def target_params(target: str | None) -> dict:
    """«school», «grade:5», «class:12» → the scope parameters."""
    kind, _sep, value = (target or "").partition(":")
    if kind == "grade":
        return {"scope": "grade", "grade": value}
    if kind == "class":
        return {"scope": "class", "class_id": value}
    return {"scope": kind or "school"}


def target_of(params: dict) -> str:
    if params.get("scope") == "grade":
        return f"grade:{params['grade']}"
    if params.get("scope") == "class":
        return f"class:{params['class_id']}"
    return "school"


def class_scope_check(*, user, params: dict) -> LedgerScope:
    """The school, a grade or a class, for a term or the year: the deputy and the director anywhere, a class
    teacher for the classes they lead (Http404 otherwise, before any parameter is looked at)."""
    from gradebook.selectors import current_year

    scope = params.get("scope") or "school"
    access.ledger_access_check(user=user, scope=scope, class_id=params.get("class_id"))
    year = params.get("year") or current_year()
    if year is None:
        raise DomainError(_("There is no current academic year."), code="no_year")
    return ledger_scope(
        year=year,
        scope=scope,
        grade=params.get("grade"),
        class_id=params.get("class_id"),
        period=params.get("period") or "year",
    )


def class_scope_reload(params: dict) -> LedgerScope:
    return ledger_scope(
        year=params["year"],
        scope=params["scope"],
        grade=params.get("grade"),
        class_id=params.get("class_id"),
        period=params["period"],
    )


def document_renderers(layout: Callable[[object], Document]) -> dict[str, Callable[..., bytes]]:
    """XLSX and PDF of a document kind: its data laid out, then rendered by the generic renderers."""

    def xlsx(data, *, progress=None) -> bytes:
        from gradebook.reports.render_document import render_document_xlsx

        return render_document_xlsx(layout(data), progress=progress)

    def pdf(data, *, progress=None) -> bytes:
        from gradebook.reports.render_document import render_document_pdf

        return render_document_pdf(layout(data), progress=progress)

    return {"xlsx": xlsx, "pdf": pdf}


def class_targets(user, year):
    """The default target field: the school, the grades and the classes the user may report on."""
    from gradebook.reports.forms import class_targets as targets

    return targets(user, year)
