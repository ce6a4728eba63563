"""The deputy's overview of achievements as a report kind: the page, XLSX and PDF of the report framework.

For a term of the current year or the whole year (or any `start`–`end` dates): verified items of the whole
school by kind × level, by result, and how many students have them. Only the deputy and the director ask for
it. The data is `portfolio.selectors.achievements_overview`; this module only checks the parameters, lays
the data out as a Document and fingerprints what it reads.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from accounts.models import Role
from accounts.roles import has_role
from gradebook.models import AcademicYear, School, Term
from gradebook.reports.document import Column, Document, Facts, Row, Section, Table
from gradebook.reports.spec import ReportKind, document_renderers
from gradebook.selectors import current_year
from portfolio.models import PortfolioHistory, Result
from portfolio.rating import Period
from portfolio.selectors import Overview, achievements_overview

ROLES = (Role.DEPUTY, Role.DIRECTOR)


@dataclass(frozen=True)
class OverviewParams:
    year: AcademicYear
    period_key: str  # «year» or a term id
    period: Period
    label: str
    custom: bool = False

    def params(self) -> dict:
        params = {"year": self.year.pk, "period": self.period_key}
        if self.custom:
            params |= {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        return params

    @property
    def file_stem(self) -> str:
        return f"{_('Achievements')} {self.label.replace('/', '-')}"


def _parse(params: dict, year: AcademicYear) -> OverviewParams:
    start, end = params.get("start"), params.get("end")
    if start and end:
        try:
            period = Period(date.fromisoformat(start), date.fromisoformat(end))
        except ValueError:
            raise DomainError(
                _("Give the period's dates, the first not after the last."), code="bad_period"
            ) from None
        label = f"{period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}"
        return OverviewParams(year, "year", period, label, custom=True)
    key = str(params.get("period") or "year")
    if key == "year":
        return OverviewParams(year, key, Period(year.start_date, year.end_date), str(year))
    term = Term.objects.filter(academic_year=year, pk=key).first() if key.isdigit() else None
    if term is None:
        raise DomainError(_("Choose a term of this year or the whole year."), code="bad_period")
    return OverviewParams(year, key, Period(term.start_date, term.end_date), f"{term} {year}")


def overview_check(*, user, params: dict) -> OverviewParams:
    if not has_role(user, *ROLES):
        raise Http404
    year = current_year()
    if year is None:
        raise DomainError(_("There is no current academic year."), code="no_year")
    return _parse(params, year)


def overview_reload(params: dict) -> OverviewParams:
    return _parse(params, AcademicYear.objects.get(pk=params["year"]))


def overview_version(checked: OverviewParams) -> str:
    """Every change of a portfolio record writes a history row, so its latest id covers them all."""
    last = PortfolioHistory.objects.aggregate(last=Max("id"))["last"] or 0
    school = School.objects.values_list("name", flat=True).first() or ""
    return f"{checked.period.start}:{checked.period.end}:{last}:{school}"


@dataclass(frozen=True)
class OverviewReport:
    params: OverviewParams
    overview: Overview
    school_name: str
    made_on: date


def overview_build(checked: OverviewParams, *, progress=None) -> OverviewReport:
    school = School.objects.values_list("name", flat=True).first() or ""
    return OverviewReport(checked, achievements_overview(period=checked.period), school, timezone.localdate())


def overview_layout(report: OverviewReport) -> Document:
    o = report.overview
    facts = Facts(
        (
            (_("verified achievements"), o.total),
            (_("students with achievements"), o.students),
            (_("on the official list"), o.official_list),
            (_("waiting for verification"), o.submitted),
        )
    )
    columns = (
        Column(_("Kind"), name=True),
        *(Column(str(label)) for _v, label in o.levels),
        Column(_("Total")),
    )
    rows = [Row((str(label), *cells, total)) for _kind, label, cells, total in o.rows]
    rows.append(Row((_("Total"), *o.column_totals, o.total), total=True))
    by_kind = Table(columns, tuple(rows), title=_("By kind and level"))
    by_result = Table(
        (Column(_("Result"), name=True), Column(_("Achievements"))),
        tuple(Row((str(label), o.by_result.get(value, 0))) for value, label in Result.choices),
        title=_("By result"),
    )
    period = report.params.period
    return Document(
        title=str(ACHIEVEMENTS_REPORT.label),
        subtitle=f"{report.params.label} · {period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}",
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=report.params.file_stem,
        sections=(Section("", (facts, by_kind, by_result), sheet=_("Achievements")),),
        notes=(_("Only verified achievements dated within the period are counted."),),
    )


ACHIEVEMENTS_REPORT = ReportKind(
    slug="achievements",
    label=gettext_lazy("Achievements of the school"),
    description=gettext_lazy("Verified portfolio achievements of the period by kind, level and result."),
    roles=ROLES,
    check=overview_check,
    reload=overview_reload,
    data_version=overview_version,
    build=overview_build,
    renderers=document_renderers(overview_layout),
    layout=overview_layout,
    extra_params=("start", "end"),
    order=60,
)
