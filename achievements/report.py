"""The `metaskills` report kind: the distribution of УУД levels per indicator for a class, a grade or the
school of a year (a heat map on the page), the change from the previous year for the same students, the
students at the low level per indicator, and the class personal results (anonymous).

Rules (pure, from achievements.rules and gradebook.reports.figures):
- A student counts in the scope when enrolled, at any time of the year, in a class of the scope; a share is
  the students at a level ÷ the students with a level of that indicator × 100 (figures.share).
- The previous year's distribution is of the same students' levels of the year before (a cohort's change).
- Any aggregate of fewer than 5 students (MIN_GROUP) is "too few to show": no counts, no shares.
For the deputy and the director (any scope) and a class teacher (their class): spec.class_scope_check.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from achievements.models import ClassPersonalResults, Level, MetaSkillLevel, MetaSkillLevelHistory
from achievements.rules import shown
from achievements.selectors import PersonalRow, active_indicators, personal_row
from gradebook.models import AcademicYear, Enrolment, School, SchoolClass
from gradebook.reports import access
from gradebook.reports.document import CHANGE, PERCENT, Column, Document, Figure, Row, Section, Table
from gradebook.reports.figures import share
from gradebook.reports.ledger import LedgerScope
from gradebook.reports.spec import (
    ReportKind,
    class_scope_check,
    class_scope_reload,
    class_targets,
    document_renderers,
)

TOO_FEW = gettext_lazy("too few to show")


@dataclass(frozen=True)
class Scope:
    """The checked parameters: a class, grade or school of a year (always the whole year)."""

    ledger: LedgerScope

    def params(self) -> dict:
        return self.ledger.params()

    @property
    def file_stem(self) -> str:
        return " ".join(
            (_("Learning actions"), self.ledger.scope_label, self.ledger.year_name.replace("/", "-"))
        )


def scope_check(*, user, params: dict) -> Scope:
    return Scope(class_scope_check(user=user, params={**params, "period": "year"}))


def scope_reload(params: dict) -> Scope:
    return Scope(class_scope_reload({**params, "period": "year"}))


@dataclass(frozen=True)
class Distribution:
    group: str
    indicator: str
    low: int
    optimal: int
    high: int

    @property
    def total(self) -> int:
        return self.low + self.optimal + self.high

    @property
    def shown(self) -> bool:
        return shown(self.total)

    def share(self, level: str) -> Decimal | None:
        """% of the students with a level of this indicator; None when too few to show."""
        if not self.shown:
            return None
        return share(getattr(self, level), self.total)


@dataclass(frozen=True)
class LowStudents:
    indicator: str
    students: tuple[tuple[str, str], ...]  # (class, «Фамилия Имя»)


@dataclass(frozen=True)
class MetaSkillReport:
    scope: Scope
    school_name: str
    made_on: date
    previous_year: str  # its name, "" when there is none
    now: tuple[Distribution, ...]
    before: tuple[Distribution, ...]
    by_class: tuple[tuple[str, tuple[Distribution, ...]], ...]  # grade and school scopes
    low: tuple[LowStudents, ...]
    personal: tuple[PersonalRow, ...]


def _classes(ledger: LedgerScope):
    classes = SchoolClass.objects.filter(academic_year_id=ledger.year_id)
    if ledger.scope == "grade":
        classes = classes.filter(grade=ledger.grade)
    elif ledger.scope == "class":
        classes = classes.filter(pk=ledger.class_id)
    return classes


def _students(ledger: LedgerScope) -> dict[int, tuple[str, str]]:
    """student id → (class name, «Фамилия Имя»): the last class of the scope the student was in that year."""
    rows = (
        Enrolment.objects.filter(school_class__in=_classes(ledger))
        .order_by("start_date", "id")
        .values_list(
            "student_id",
            "school_class__grade",
            "school_class__letter",
            "student__last_name",
            "student__first_name",
        )
    )
    return {sid: (f"{grade}{letter}", f"{last} {first}") for sid, grade, letter, last, first in rows}


def _distributions(indicators, levels: list[tuple[int, int, str]], students=None) -> tuple[Distribution, ...]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for student_id, indicator_id, level in levels:
        if students is None or student_id in students:
            counts[indicator_id][level] += 1
    return tuple(
        Distribution(
            ind.meta_skill.name,
            ind.name,
            counts[ind.pk][Level.LOW],
            counts[ind.pk][Level.OPTIMAL],
            counts[ind.pk][Level.HIGH],
        )
        for ind in indicators
    )


def metaskills_build(checked: Scope, *, progress=None) -> MetaSkillReport:
    ledger = checked.ledger
    year = AcademicYear.objects.get(pk=ledger.year_id)
    before = AcademicYear.objects.filter(start_date__lt=year.start_date).order_by("-start_date").first()
    students = _students(ledger)
    indicators = active_indicators()
    rows = list(
        MetaSkillLevel.objects.filter(
            student_id__in=list(students), academic_year_id__in=[year.pk, getattr(before, "pk", None)]
        ).values_list("academic_year_id", "student_id", "indicator_id", "level")
    )
    now = [(s, i, lv) for y, s, i, lv in rows if y == year.pk]
    then = [(s, i, lv) for y, s, i, lv in rows if before and y == before.pk]
    by_class = ()
    if ledger.scope != "class":
        members: dict[str, set[int]] = defaultdict(set)
        for sid, (class_name, _name) in students.items():
            members[class_name].add(sid)
        by_class = tuple(
            (name, _distributions(indicators, now, members[name]))
            for name in sorted(members, key=lambda n: (int("".join(c for c in n if c.isdigit()) or 0), n))
        )
    names = {ind.pk: ind.name for ind in indicators}
    low: dict[int, list] = defaultdict(list)
    for sid, ind_id, level in now:
        if level == Level.LOW and ind_id in names:
            low[ind_id].append(students[sid])
    personal = tuple(
        personal_row(r)
        for r in ClassPersonalResults.objects.filter(school_class__in=_classes(ledger)).select_related(
            "school_class"
        )
    )
    return MetaSkillReport(
        scope=checked,
        school_name=School.objects.values_list("name", flat=True).first() or "",
        made_on=timezone.localdate(),
        previous_year=before.name if before else "",
        now=_distributions(indicators, now),
        before=_distributions(indicators, then) if before else (),
        by_class=by_class,
        low=tuple(LowStudents(names[i], tuple(sorted(low[i]))) for i in names if low.get(i)),
        personal=personal,
    )


def metaskills_version(checked: Scope) -> str:
    """Every change of a level writes a history row; personal results and enrolments are fingerprinted whole."""
    ledger = checked.ledger
    classes = _classes(ledger)
    return _sha256(
        [
            [MetaSkillLevelHistory.objects.aggregate(last=Max("id"))["last"]],
            list(
                ClassPersonalResults.objects.filter(school_class__in=classes).values_list(
                    "pk", "methodology", "date", "low_count", "optimal_count", "high_count"
                )
            ),
            list(
                Enrolment.objects.filter(school_class__in=classes).values_list(
                    "pk", "student_id", "start_date", "end_date"
                )
            ),
            list(active_indicators_names()),
            [School.objects.values_list("name", flat=True).first()],
            [checked.params()],
        ]
    )


def _sha256(parts: list) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def active_indicators_names():
    return [(i.pk, i.name, i.meta_skill.name) for i in active_indicators()]


def _share_cells(d: Distribution) -> tuple:
    if not d.shown:
        return (d.total or None, str(TOO_FEW), None, None)
    return (d.total, *(Figure(d.share(level), PERCENT) for level in Level.values))


def metaskills_layout(report: MetaSkillReport) -> Document:
    level_columns = tuple(Column(f"{label}, %", PERCENT, heat=True) for _v, label in Level.choices)
    heat = Table(
        (
            Column(_("Group"), name=True),
            Column(_("Indicator"), name=True),
            Column(_("Students")),
            *level_columns,
        ),
        tuple(Row((d.group, d.indicator, *_share_cells(d))) for d in report.now),
        empty=_("No levels recorded."),
    )
    sections = [Section(_("Distribution of levels"), (heat,), sheet=_("Levels"), anchor="levels")]
    if report.by_class:
        sections.append(
            Section(_("By class"), tuple(_class_tables(report)), sheet=_("By class"), anchor="classes")
        )
    if report.before:
        sections.append(
            Section(
                _("Change from the previous year"),
                (_change_table(report),),
                sheet=_("Change"),
                anchor="change",
            )
        )
    sections.append(
        Section(_("Students at the low level"), (_low_table(report),), sheet=_("Low level"), anchor="low")
    )
    sections.append(
        Section(
            _("Personal results (anonymous)"),
            (_personal_table(report),),
            sheet=_("Personal"),
            anchor="personal",
        )
    )
    ledger = report.scope.ledger
    return Document(
        title=str(METASKILLS.label),
        subtitle=f"{ledger.scope_label} · {ledger.year_name}",
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=report.scope.file_stem,
        sections=tuple(sections),
        notes=(
            _(
                "A share is of the students with a level of the indicator. Fewer than 5 students: too few to show."
            ),
        ),
    )


def _class_tables(report: MetaSkillReport):
    """A heat map per level: classes × indicators, the share of the class's students at that level."""
    indicators = [d.indicator for d in report.now]
    for level, label in Level.choices:
        columns = (Column(_("Class"), name=True), *(Column(name, PERCENT, heat=True) for name in indicators))
        rows = tuple(
            Row((name, *(Figure(d.share(level), PERCENT) if d.shown else str(TOO_FEW) for d in dists)))
            for name, dists in report.by_class
        )
        yield Table(columns, rows, title=_("Level «%(level)s», %% of the class") % {"level": label})


def _change_table(report: MetaSkillReport) -> Table:
    columns = (
        Column(_("Indicator"), name=True),
        Column(_("low in %(year)s, %%") % {"year": report.previous_year}, PERCENT),
        Column(_("low now, %%") % {}, PERCENT),
        Column(_("change"), CHANGE),
        Column(_("high in %(year)s, %%") % {"year": report.previous_year}, PERCENT),
        Column(_("high now, %%") % {}, PERCENT),
        Column(_("change"), CHANGE),
    )
    rows = []
    for then, now in zip(report.before, report.now, strict=True):
        cells = [now.indicator]
        for level in (Level.LOW, Level.HIGH):
            a, b = then.share(level), now.share(level)
            cells += [a, b, b - a if a is not None and b is not None else None]
        rows.append(Row(tuple(cells)))
    return Table(columns, tuple(rows), title=_("The same students, this year and the year before"))


def _low_table(report: MetaSkillReport) -> Table:
    rows = tuple(
        Row((low.indicator, len(low.students), "; ".join(f"{name} ({cls})" for cls, name in low.students)))
        for low in report.low
    )
    columns = (Column(_("Indicator"), name=True), Column(_("Students")), Column(_("Who")))  # names wrap
    return Table(columns, rows, empty=_("Nobody is at the low level."))


def _personal_table(report: MetaSkillReport) -> Table:
    columns = (
        Column(_("Class"), name=True),
        Column(_("Methodology or survey"), name=True),
        Column(_("Date"), name=True),
        *(Column(str(label)) for _v, label in Level.choices),
    )
    rows = []
    for r in report.personal:
        counts = r.counts if r.counts is not None else (str(TOO_FEW), None, None)
        rows.append(Row((r.school_class.name, r.methodology, f"{r.date:%d.%m.%Y}", *counts)))
    return Table(columns, tuple(rows), empty=_("No personal results recorded."))


METASKILLS = ReportKind(
    slug="metaskills",
    label=gettext_lazy("Levels of universal learning actions"),
    description=gettext_lazy(
        "The distribution of levels per indicator (a heat map) for a class, grade or school, the change from "
        "the previous year, the students at the low level, and the class personal results."
    ),
    roles=access.REPORTERS,
    check=scope_check,
    reload=scope_reload,
    data_version=metaskills_version,
    build=metaskills_build,
    renderers=document_renderers(metaskills_layout),
    layout=metaskills_layout,
    targets=class_targets,
    periods=False,
    order=70,
)
