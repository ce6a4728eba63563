"""The plan of an import and the runner that makes it: columns, rows, row errors, the transaction.

Every kind is a KindSpec: its columns, a note for the upload page, and a row handler that applies one
row through the services and says what it did (an Outcome), or refuses the row. `run` maps the file's
columns, then applies every row in its own savepoint inside one transaction, which it rolls back for a
preview and for a commit with any row error.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from gradebook.imports.files import read_table
from gradebook.models import AcademicYear
from gradebook.selectors import current_year


class ImportKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CLASSES = "classes", _("Classes")
    STUDENTS = "students", _("Students with parents")
    TEACHING_LOAD = "teaching_load", _("Teaching load")
    STATE_EXAMS = "state_exams", _("State exam results")


class RowAction(models.TextChoices):
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    UNCHANGED = "unchanged", _("unchanged")
    ERROR = "error", _("error")


@dataclass(frozen=True)
class RowError:
    code: str
    message: str


@dataclass
class RowResult:
    row_number: int
    action: RowAction
    description: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    kind: ImportKind
    filename: str
    rows: list[RowResult]
    ignored_columns: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def has_errors(self) -> bool:
        return any(r.action == RowAction.ERROR for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        return {a.value: sum(r.action == a for r in self.rows) for a in RowAction}


def refuse(message, code: str, **details) -> NoReturn:
    raise DomainError(message, code=code, details=details)


# --- The file format: columns of each kind ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in the file; part of the format, so not translated
    aliases: tuple[str, ...]
    required: bool
    help: str


def norm(text) -> str:
    """Headers, roles and yes/no words compared without case, spaces, punctuation or «ё»."""
    return re.sub(r"[\W_]+", "", str(text).casefold().replace("ё", "е"))


@dataclass
class Row:
    number: int
    values: dict[str, object]
    headers: dict[str, str]

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.strftime("%d.%m.%Y")
        return " ".join(str(value).split())

    def label(self) -> str:
        """A few cells of the row, to recognise it in the preview when it cannot be described."""
        return " · ".join([t for t in (self.text(k) for k in self.headers) if t][:4])


def map_columns(columns: tuple[Column, ...], table) -> tuple[list[Row], list[str]]:
    if not table or table[0][0] != 1:
        refuse(_("The first row must hold the column headers."), "no_header")
    lookup = {norm(name): c for c in columns for name in (c.header, *c.aliases)}
    positions, headers, ignored = {}, {}, []
    for index, title in enumerate(table[0][1]):
        text = " ".join(str(title or "").split())
        column = lookup.get(norm(text)) if text else None
        if column is None:
            if text:
                ignored.append(text)
            continue
        if column.key in positions:
            refuse(_("The column «%(column)s» appears twice.") % {"column": text}, "duplicate_column")
        positions[column.key], headers[column.key] = index, text
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        refuse(
            _("Columns are missing: %(columns)s. Check the kind of import and the first row.")
            % {"columns": ", ".join(f"«{m}»" for m in missing)},
            "missing_columns",
            columns=missing,
        )
    rows = [
        Row(number, {k: cells[i] if i < len(cells) else None for k, i in positions.items()}, headers)
        for number, cells in table[1:]
    ]
    if not rows:
        refuse(_("The file has no rows below the header."), "no_rows")
    return rows, ignored


# --- Applying rows -------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the rows of one run share: the year, who runs the import, and what earlier rows did."""

    year: AcademicYear | None
    today: date
    user: object = None  # who runs the import; None for a preview of a kind that records no author
    seen: dict = field(default_factory=dict)  # duplicate key → first row number
    hours: dict = field(default_factory=dict)  # (class, subject) → (hours, row number)
    classes: dict = field(default_factory=dict)  # (grade, letter) → SchoolClass or None

    @property
    def default_start(self) -> date:
        return min(max(self.year.start_date, self.today), self.year.end_date)


@dataclass
class Outcome:
    action: RowAction
    description: str
    warnings: list[str] = field(default_factory=list)


class RowRefused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("row refused")
        self.errors = errors


class Problems:
    """Collects every problem of a row, so the admin sees them all at once."""

    def __init__(self, row: Row):
        self.row = row
        self.errors: list[RowError] = []

    def add(self, code: str, message) -> None:
        self.errors.append(RowError(code, str(message)))

    def required(self, key: str) -> str:
        value = self.row.text(key)
        if not value:
            self.add("required", _("Fill in «%(column)s».") % {"column": self.row.headers.get(key, key)})
        return value

    def once(self, ctx: Context, key: tuple) -> None:
        first = ctx.seen.setdefault(key, self.row.number)
        if first != self.row.number:
            self.add("duplicate_row", _("The row repeats row %(row)s.") % {"row": first})

    def check(self) -> None:
        if self.errors:
            raise RowRefused(self.errors)


@dataclass(frozen=True)
class KindSpec:
    """One kind of file: its columns, what the upload page says about it, and how a row is applied."""

    columns: tuple[Column, ...]
    note: str
    handler: Callable[[Row, Context], Outcome]
    needs_year: bool = True  # rows refer to classes of the current academic year
    needs_user: bool = False  # rows record who entered them, so even a preview needs the user


def run(*, kind: ImportKind, spec: KindSpec, file, user, commit: bool) -> ImportPlan:
    if spec.needs_user and user is None:
        raise ValueError(f"an import of {kind} records who entered it: pass the user, even to a preview")
    rows, ignored = map_columns(spec.columns, read_table(file))
    year = current_year()
    if year is None and spec.needs_year:
        refuse(_("No current academic year is set up."), "no_current_year")
    ctx = Context(year=year, today=timezone.localdate(), user=user)
    plan = ImportPlan(kind, PurePath(getattr(file, "name", "") or "").name, [], ignored)
    with transaction.atomic():
        plan.rows = [_apply_row(spec.handler, row, ctx) for row in rows]
        plan.committed = commit and not plan.has_errors
        if not plan.committed:
            transaction.set_rollback(True)
    return plan


def _apply_row(handler, row: Row, ctx: Context) -> RowResult:
    errors = []
    try:
        with transaction.atomic():  # a savepoint: a refused row leaves nothing behind
            outcome = handler(row, ctx)
    except RowRefused as refused:
        errors = refused.errors
    except DomainError as exc:
        errors = [RowError(exc.code, str(exc.message))]
    except ValidationError as exc:
        errors = [RowError("invalid", m) for m in exc.messages]
    except IntegrityError:  # someone changed the same records meanwhile
        errors = [RowError("conflict", str(_("The row conflicts with data changed meanwhile. Try again.")))]
    if errors:
        return RowResult(row.number, RowAction.ERROR, row.label(), errors)
    return RowResult(row.number, outcome.action, outcome.description, [], outcome.warnings)
