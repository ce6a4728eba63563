"""Отчет классного руководителя «Оценка результатов учебного процесса» for a term or the year: the movement
of students (at the start, arrived, left, at the end), the standard figures, and who is in each category —
отличники, хорошисты, с одной «4», с одной «3», неуспевающие and н/а, the last four with their subjects.

For a grade or the school it is the same per class, after a summary table with the grade and school totals.

It reads what the ledger reads (the same selector: the same students, results and figures), plus the first
day each listed student was in the class during the period, for the arrivals:
- at the start: in the class on the period's first day; arrived: came later in the period (from another
  school or another class); left: no longer in the class on the last day (the ledger's «left»); at the end:
  the ledger's class list. For every class: at the start + arrived = left + at the end.
- «with one 4» is a subset of хорошисты, as in the ledger figures; a student in both неуспевающие and н/а
  is listed in both.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gradebook.models import Enrolment
from gradebook.reports import access
from gradebook.reports.document import PERCENT, Column, Document, Facts, Figure, Row, Section, Table
from gradebook.reports.figures import Figures, Result, figures_sum, share
from gradebook.reports.labels import figure_columns, figure_header
from gradebook.reports.ledger import (
    COUNTED_SCALES,
    ClassLedger,
    Ledger,
    LedgerScope,
    Progress,
    _period_bounds,
    ledger_build,
    period_results,
)
from gradebook.reports.spec import (
    ReportKind,
    class_scope_check,
    class_scope_reload,
    class_targets,
    document_renderers,
)
from gradebook.reports.versions import ledger_data_version


@dataclass(frozen=True, slots=True)
class Moved:
    name: str
    on: date


@dataclass(frozen=True, slots=True)
class Listed:
    """A student in a category, with the subjects that put them there (for one «3», one «4», failing, н/а)."""

    name: str
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassReport:
    id: int
    name: str
    grade: int
    teacher: str
    at_start: int
    arrived: tuple[Moved, ...]
    left: tuple[Moved, ...]
    at_end: int
    figures: Figures
    excellent: tuple[Listed, ...]
    good: tuple[Listed, ...]
    one_four: tuple[Listed, ...]
    one_three: tuple[Listed, ...]
    failing: tuple[Listed, ...]
    not_attested: tuple[Listed, ...]
    has_marks: bool  # False for grade 1 and for a period with nothing set


@dataclass(frozen=True, slots=True)
class Movement:
    at_start: int = 0
    arrived: int = 0
    left: int = 0
    at_end: int = 0

    def __add__(self, other: "Movement") -> "Movement":
        return Movement(*(a + b for a, b in zip(self.counts, other.counts, strict=True)))

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return (self.at_start, self.arrived, self.left, self.at_end)


@dataclass(frozen=True, slots=True)
class GroupTotal:
    label: str
    movement: Movement
    figures: Figures


@dataclass(frozen=True)
class ClassTeacherReport:
    school_name: str
    scope: LedgerScope
    period_text: str
    made_on: date
    classes: tuple[ClassReport, ...]
    grades: tuple[GroupTotal, ...]  # for the grade and school scopes
    school: GroupTotal | None  # for the school scope


def class_report_build(checked: LedgerScope, *, progress: Progress | None = None) -> ClassTeacherReport:
    """The report from the ledger's data plus one query for the arrivals; a fixed number of queries."""
    ledger: Ledger = ledger_build(checked, progress=progress)
    class_ids = [c.id for c in ledger.classes]
    grades = {c.grade for c in ledger.classes}
    bounds = _period_bounds(checked, grades) if grades else {}
    first_days = _first_days(class_ids)
    results = period_results(checked, class_ids)
    built = tuple(
        _class_report(c, results, first_days.get(c.id, {}), bounds[c.grade][0]) for c in ledger.classes
    )
    grade_totals: list[GroupTotal] = []
    if checked.scope != "class":
        by_grade = defaultdict(list)
        for c in built:
            by_grade[c.grade].append(c)
        for grade, members in sorted(by_grade.items()):
            label = pgettext("report scope", "grade %(grade)d classes") % {"grade": grade}
            grade_totals.append(_total(label, members))
    school = _total(_("School"), list(built)) if checked.scope == "school" else None
    return ClassTeacherReport(
        school_name=ledger.school_name,
        scope=checked,
        period_text=ledger.period_text,
        made_on=ledger.made_on,
        classes=built,
        grades=tuple(grade_totals),
        school=school,
    )


def _first_days(class_ids: list[int]) -> dict[int, dict[int, date]]:
    """class → student → the first day of their enrolments in the class (whatever the period)."""
    rows = (
        Enrolment.objects.filter(school_class_id__in=class_ids)
        .values("school_class_id", "student_id")
        .annotate(first=Min("start_date"))
        .values_list("school_class_id", "student_id", "first")
    )
    found: dict[int, dict[int, date]] = defaultdict(dict)
    for class_id, student_id, first in rows:
        found[class_id][student_id] = first
    return found


def _class_report(
    school_class: ClassLedger, results: dict, first_days: dict[int, date], period_start: date
) -> ClassReport:
    arrived, left = [], []
    at_start = 0
    lists = {name: [] for name in ("excellent", "good", "one_four", "one_three", "failing", "not_attested")}
    counted = [s for s in school_class.subjects if s.scale in COUNTED_SCALES]
    for row in school_class.students:
        first = first_days.get(row.id, period_start)
        if first > period_start:
            arrived.append(Moved(row.name, first))
        else:
            at_start += 1
        if row.left:
            left.append(Moved(row.name, row.left_on))
            continue
        standing = row.standing
        if standing is None or not standing.assessed:
            continue
        found = {s.short_name or s.name: results.get((s.id, row.id)) for s in counted}
        if standing.excellent:
            lists["excellent"].append(Listed(row.name))
        if standing.good:
            lists["good"].append(Listed(row.name))
        if standing.one_four:
            lists["one_four"].append(Listed(row.name, _subjects_with(found, lambda r: r.value == 4)))
        if standing.one_three:
            lists["one_three"].append(Listed(row.name, _subjects_with(found, lambda r: r.value == 3)))
        if standing.failing:
            lists["failing"].append(Listed(row.name, _subjects_with(found, _failed)))
        if standing.not_attested:
            lists["not_attested"].append(Listed(row.name, _subjects_with(found, lambda r: r.not_attested)))
    return ClassReport(
        id=school_class.id,
        name=school_class.name,
        grade=school_class.grade,
        teacher=school_class.teacher,
        at_start=at_start,
        arrived=tuple(sorted(arrived, key=lambda m: m.on)),
        left=tuple(sorted(left, key=lambda m: m.on)),
        at_end=school_class.figures.students,
        figures=school_class.figures,
        has_marks=sum(school_class.figures.marks) > 0,
        **{name: tuple(listed) for name, listed in lists.items()},
    )


def _failed(result: Result) -> bool:
    return (result.value is not None and result.value < 3) or result.passed is False


def _subjects_with(found: dict[str, Result | None], test) -> tuple[str, ...]:
    return tuple(name for name, result in found.items() if result is not None and test(result))


def _total(label: str, classes: list[ClassReport]) -> GroupTotal:
    movement = Movement()
    for c in classes:
        movement += Movement(c.at_start, len(c.arrived), len(c.left), c.at_end)
    return GroupTotal(label, movement, figures_sum(c.figures for c in classes))


# The layout -------------------------------------------------------------------------------------------------


def class_report_layout(report: ClassTeacherReport) -> Document:
    scope = report.scope
    sections = []
    if report.grades:
        sections.append(_summary_section(report))
    for c in report.classes:
        sections.append(_class_section(c))
    if not report.classes:
        sections.append(
            Section("", (Facts((), title=_("No classes study in this period.")),), sheet=_("Report"))
        )
    return Document(
        title=str(CLASS_REPORT.label),
        subtitle=f"{scope.scope_label} · {report.period_text}",
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=" ".join(
            (
                _("Class teacher report"),
                scope.scope_label,
                scope.period_label,
                scope.year_name.replace("/", "-"),
            )
        ),
        sections=tuple(sections),
        notes=(
            _(
                "Percentages are of the students assessed in the period; students who left are listed but "
                "not counted. «With one 4» are also among the good students."
            ),
        ),
    )


MOVEMENT_HEADERS = (
    gettext_lazy("At the start"),
    gettext_lazy("Arrived"),
    gettext_lazy("Left"),
    gettext_lazy("At the end"),
)


def _figure_cells(figures: Figures) -> tuple:
    return tuple(
        Figure(getattr(figures, name), kind) if kind else getattr(figures, name)
        for _h, name, kind in figure_columns()
        if name != "students"
    )


def _summary_section(report: ClassTeacherReport) -> Section:
    columns = (
        Column(_("Class"), name=True),
        Column(_("Class teacher"), name=True),
        *(Column(str(h)) for h in MOVEMENT_HEADERS),
        *(Column(h, kind) for h, name, kind in figure_columns() if name != "students"),
    )
    rows = []
    by_grade = {g.label: g for g in report.grades}
    grade_label = {
        c.grade: pgettext("report scope", "grade %(grade)d classes") % {"grade": c.grade}
        for c in report.classes
    }
    for i, c in enumerate(report.classes):
        movement = (c.at_start, len(c.arrived), len(c.left), c.at_end)
        rows.append(Row((c.name, c.teacher, *movement, *_figure_cells(c.figures))))
        last_of_grade = i + 1 == len(report.classes) or report.classes[i + 1].grade != c.grade
        total = by_grade.get(grade_label[c.grade])
        if last_of_grade and total is not None:
            rows.append(
                Row((total.label, "", *total.movement.counts, *_figure_cells(total.figures)), total=True)
            )
    if report.school is not None:
        school = report.school
        rows.append(
            Row((school.label, "", *school.movement.counts, *_figure_cells(school.figures)), total=True)
        )
    return Section(
        _("Figures by class, grade and school"),
        (Table(columns, tuple(rows)),),
        sheet=_("Totals"),
        anchor="totals",
    )


def _class_section(c: ClassReport) -> Section:
    title = pgettext("report scope", "class %(name)s") % {"name": c.name}
    if c.teacher:
        title += f" · {_('class teacher')} {c.teacher}"
    movement = Facts(
        tuple(
            zip(
                (str(h) for h in MOVEMENT_HEADERS),
                (c.at_start, len(c.arrived), len(c.left), c.at_end),
                strict=True,
            )
        ),
        title=_("Students"),
    )
    blocks: list = [movement]
    if c.arrived or c.left:
        moved_columns = (Column("№"), Column(pgettext("document", "Student"), name=True), Column(_("Date")))
        for title_text, moved in (
            (_("Arrived during the period"), c.arrived),
            (_("Left during the period"), c.left),
        ):
            if moved:
                rows = tuple(
                    Row((n, m.name, m.on.strftime("%d.%m.%Y"))) for n, m in enumerate(moved, start=1)
                )
                blocks.append(Table(moved_columns, rows, title=title_text))
    blocks.append(_results_table(c))
    blocks.append(_lists_table(c))
    return Section(title, tuple(blocks), sheet=c.name, anchor=f"class-{c.id}")


def _results_table(c: ClassReport) -> Table | Facts:
    f = c.figures
    if not c.has_marks:
        return Facts(
            ((_("Assessed"), f.assessed), (figure_header("success"), Figure(f.success, PERCENT))),
            title=_("Results (no marks in this period: the quality figures are not computed)"),
        )
    columns = (
        Column(_("Result"), name=True),
        Column(_("Students")),
        Column(_("Share of the assessed, %"), PERCENT),
    )
    rows = (
        Row((_("Assessed"), f.assessed, _pct(f.assessed, f.assessed))),
        Row((_("Excellent students"), f.excellent, _pct(f.excellent, f.assessed))),
        Row((_("Good students"), f.good, _pct(f.good, f.assessed))),
        Row((_("of them with one «4»"), f.one_four, _pct(f.one_four, f.assessed))),
        Row((_("With one «3»"), f.one_three, _pct(f.one_three, f.assessed))),
        Row((_("Failing"), f.failing, _pct(f.failing, f.assessed)), warn=f.failing > 0),
        Row((_("Not attested"), f.not_attested, _pct(f.not_attested, f.assessed)), warn=f.not_attested > 0),
        *(
            Row((header, None, Figure(getattr(f, name), kind)), total=True)
            for header, name, kind in figure_columns()
            if kind is not None  # успеваемость, качество, СОУ, средний балл: named as in the ledger
        ),
    )
    return Table(columns, rows, title=_("Results"))


def _pct(part: int, whole: int) -> Figure:
    return Figure(share(part, whole), PERCENT)


def _lists_table(c: ClassReport) -> Table:
    columns = (
        Column(_("Result"), name=True),
        Column("№"),
        Column(pgettext("document", "Student"), name=True),
        Column(_("Subjects")),
    )
    rows = []
    for label, listed in (
        (_("Excellent students"), c.excellent),
        (_("Good students"), c.good),
        (_("With one «4»"), c.one_four),
        (_("With one «3»"), c.one_three),
        (_("Failing"), c.failing),
        (_("Not attested"), c.not_attested),
    ):
        for n, item in enumerate(listed, start=1):
            warn = label in (_("Failing"), _("Not attested"))
            rows.append(Row((label if n == 1 else "", n, item.name, ", ".join(item.subjects)), warn=warn))
    return Table(columns, tuple(rows), title=_("Students by result"), empty=_("Nobody in these categories."))


def class_report_version(checked: LedgerScope) -> str:
    """The ledger's fingerprint covers all this report reads (term marks, enrolments with their dates)."""
    return ledger_data_version(checked)


CLASS_REPORT = ReportKind(
    slug="class-results",
    label=gettext_lazy("Class teacher report «Assessment of the results of the learning process»"),
    description=gettext_lazy(
        "Students at the start and end of the period, arrivals and departures, the figures, and who is "
        "excellent, good, with one «3» or «4», failing or not attested, with the subjects."
    ),
    roles=access.REPORTERS,
    check=class_scope_check,
    reload=class_scope_reload,
    data_version=class_report_version,
    build=class_report_build,
    renderers=document_renderers(class_report_layout),
    layout=class_report_layout,
    targets=class_targets,
    order=20,
)
