"""Bulk import of people, school structure and results from XLSX or CSV: staff, classes, students with
their parents, the teaching load, and state exam results. Who may call: the administrator (the views
check the role; `import_commit` checks it again).

Contract
- `import_preview(kind=, file=, user=)` and `import_commit(kind=, file=, user=)` return an ImportPlan with
  one RowResult per data row, numbered as in the spreadsheet (the header is row 1, empty rows keep their
  numbers). A file that cannot be used at all (not a spreadsheet, too big, missing columns, no current
  academic year) raises DomainError instead.
- Preview and commit are the same code path. Every row is applied through the existing services inside
  one `transaction.atomic()`, each row in its own savepoint, so a refused row leaves nothing behind and
  the rows after it are still checked. Preview always rolls the transaction back; commit rolls it back
  when any row has an error (all or nothing) and keeps it otherwise. So the preview shows exactly what
  the commit does, including rows that rely on earlier rows of the same file (a parent shared by
  siblings, a subject created two rows above). Nothing outside the database is touched (no mail).
  While it runs, the import holds the database's write lock on SQLite (IMMEDIATE transactions).
- Rows only add and change, never delete or revoke. A row that already matches the database calls no
  service and is "unchanged", so importing the same file again writes nothing. Existing accounts are
  matched, not edited: a login whose owner has another name or e-mail is a row error.

Layout: `files` reads the table, `plan` maps the columns and runs the rows, `columns` reads the cells
the kinds share, and each kind has its module with its columns and row handler (a KindSpec).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.roles import has_role
from gradebook.imports import classes, load, staff, state_exams, students
from gradebook.imports.files import MAX_FILE_SIZE, XLSX_CONTENT_TYPE, read_table
from gradebook.imports.plan import (
    Column,
    ImportKind,
    ImportPlan,
    KindSpec,
    RowAction,
    RowError,
    RowResult,
    refuse,
    run,
)

KINDS: dict[ImportKind, KindSpec] = {
    ImportKind.STAFF: staff.SPEC,
    ImportKind.CLASSES: classes.SPEC,
    ImportKind.STUDENTS: students.SPEC,
    ImportKind.TEACHING_LOAD: load.SPEC,
    ImportKind.STATE_EXAMS: state_exams.SPEC,
}
COLUMNS: dict[ImportKind, tuple[Column, ...]] = {kind: spec.columns for kind, spec in KINDS.items()}


@dataclass(frozen=True)
class KindDoc:
    value: str
    label: str
    columns: tuple[Column, ...]
    note: str


def import_kinds() -> list[KindDoc]:
    """What the upload page documents: every kind with its columns."""
    return [KindDoc(k.value, k.label, KINDS[k].columns, KINDS[k].note) for k in ImportKind]


def import_preview(*, kind: str, file, user=None) -> ImportPlan:
    """What `import_commit` would do with this file, written to nothing (the transaction is rolled back).

    `user` is who would commit; kinds that record who entered the data (state exams) need it.
    """
    return _run(kind=kind, file=file, user=user, commit=False)


def import_commit(*, kind: str, file, user) -> ImportPlan:
    """Applies the whole file, or nothing when any row has an error (then `plan.committed` is False)."""
    if not has_role(user, Role.ADMIN):
        refuse(_("Only the administrator may import."), "not_allowed")
    return _run(kind=kind, file=file, user=user, commit=True)


def _run(*, kind: str, file, user, commit: bool) -> ImportPlan:
    if kind not in ImportKind.values:
        refuse(_("Unknown kind of import."), "unknown_kind")
    kind = ImportKind(kind)
    return run(kind=kind, spec=KINDS[kind], file=file, user=user, commit=commit)


__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_FILE_SIZE",
    "XLSX_CONTENT_TYPE",
    "ImportKind",
    "ImportPlan",
    "KindDoc",
    "RowAction",
    "RowError",
    "RowResult",
    "import_commit",
    "import_kinds",
    "import_preview",
    "read_table",
]
