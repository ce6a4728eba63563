"""The catalogue of reports (`KINDS`): the jobs service, the report pages and the reports page all work from
this one table. What a kind is made of: `gradebook.reports.spec.ReportKind`.
"""

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from gradebook.reports import access
from gradebook.reports.class_report import CLASS_REPORT
from gradebook.reports.diagnostics_report import DIAGNOSTICS
from gradebook.reports.dynamics import DYNAMICS
from gradebook.reports.early_warning import EARLY_WARNING
from gradebook.reports.ledger import ledger_build
from gradebook.reports.spec import (
    ReportKind,
    Split,
    class_scope_check,
    class_scope_reload,
    class_targets,
    target_of,
)
from gradebook.reports.subject_report import SUBJECT_REPORT
from gradebook.reports.versions import ledger_data_version


def _ledger_xlsx(data, *, progress=None) -> bytes:
    from gradebook.reports.render_xlsx import render_xlsx

    return render_xlsx(data, progress=progress)


def _ledger_pdf(data, *, progress=None) -> bytes:
    from gradebook.reports.render_pdf import render_pdf

    return render_pdf(data, progress=progress)


def _ledger_pdf_plan(checked, *, progress=None):
    from gradebook.reports.ledger_pdf_parts import ledger_pdf_plan

    return ledger_pdf_plan(checked, progress=progress)


def _ledger_pdf_part(data: dict) -> bytes:
    from gradebook.reports.ledger_pdf_parts import ledger_pdf_part

    return ledger_pdf_part(data)


def _ledger_pdf_merge(parts: list[bytes], *, progress=None) -> bytes:
    from gradebook.reports.ledger_pdf_parts import ledger_pdf_merge

    return ledger_pdf_merge(parts, progress=progress)


LEDGER = ReportKind(
    slug="ledger",
    label=gettext_lazy("Summary ledger of academic results"),
    description=gettext_lazy(
        "Students × subjects with the term or annual marks, and the standard figures per class, grade and school."
    ),
    roles=access.REPORTERS,
    check=class_scope_check,
    reload=class_scope_reload,
    data_version=ledger_data_version,
    build=ledger_build,
    renderers={"xlsx": _ledger_xlsx, "pdf": _ledger_pdf},
    targets=class_targets,
    order=10,
    splits={"pdf": Split(plan=_ledger_pdf_plan, render=_ledger_pdf_part, merge=_ledger_pdf_merge)},
)


def _catalogue() -> dict[str, ReportKind]:
    kinds: list[ReportKind] = [
        LEDGER,
        CLASS_REPORT,
        SUBJECT_REPORT,
        DIAGNOSTICS,
        EARLY_WARNING,
        DYNAMICS,
        *_installed_apps_kinds(),
    ]
    return {k.slug: k for k in sorted(kinds, key=lambda k: k.order)}


def _installed_apps_kinds() -> list[ReportKind]:
    """Kinds of the apps built on gradebook (imported here, never the other way round), when installed."""
    kinds = []
    if apps.is_installed("portfolio"):
        from portfolio.report import ACHIEVEMENTS_REPORT

        kinds.append(ACHIEVEMENTS_REPORT)
    if apps.is_installed("achievements"):
        from achievements.report import METASKILLS

        kinds.append(METASKILLS)
    return kinds


KINDS: dict[str, ReportKind] = _catalogue()


def kind_for(slug: str, fmt: str | None = None) -> ReportKind:
    """The kind named `slug` (DomainError for an unknown one, or a format it is not made in)."""
    report = KINDS.get(slug)
    if report is None:
        raise DomainError(_("Unknown report."), code="unknown_report")
    if fmt is not None and fmt not in report.renderers:
        raise DomainError(_("This report is not made in that format."), code="unknown_format")
    return report


def kinds_for(user) -> list[ReportKind]:
    return [k for k in KINDS.values() if k.may_request(user)]


__all__ = ["KINDS", "ReportKind", "kind_for", "kinds_for", "target_of"]
