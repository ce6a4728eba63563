"""The report kind «Динамика»: its parameters, access, layout and fingerprint. What it counts:
`gradebook.reports.dynamics_data`.

Parameters: the usual target (school, grade, class), or `student_id` for one student. A class is taken in its
own academic year (a past class's dynamics opens from its page); a grade and the school in the current year.
Access: for classes, as every class report (the deputy and the director anywhere, a class teacher their
classes); for a student, whoever may see the student's record (`gradebook.access.access_student`: the
school-wide roles, the class teacher and the teachers of the student's class, and — on the family pages,
which show the same document — the student's guardians and the student). Anything else answers 404.
"""

import hashlib

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import DomainError
from accounts.models import Student
from gradebook.access import access_student
from gradebook.models import (
    AcademicYear,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    School,
    SchoolClass,
    Term,
    TermMark,
    TermScheme,
)
from gradebook.reports import access
from gradebook.reports.document import (
    MEAN,
    PERCENT,
    Chart,
    Column,
    Document,
    Facts,
    Figure,
    Row,
    Section,
    Series,
    Table,
)
from gradebook.reports.dynamics_data import (
    SCHEME_ORDER,
    ClassDynamics,
    DynamicsScope,
    Line,
    Point,
    StudentDynamics,
    class_dynamics_build,
    student_dynamics_build,
)
from gradebook.reports.labels import figure_columns
from gradebook.reports.ledger import YEAR, Progress, ledger_scope
from gradebook.reports.spec import ReportKind, class_targets, document_renderers

STUDENT = "student"

# The parameters ---------------------------------------------------------------------------------------------


def dynamics_check(*, user, params: dict) -> DynamicsScope:
    """Access first (Http404 for a class or a student the user may not see), then the parameters."""
    if params.get("student_id") not in (None, ""):
        return student_scope(access_student(user=user, id=params["student_id"]))
    scope = params.get("scope") or "school"
    access.ledger_access_check(user=user, scope=scope, class_id=params.get("class_id"))
    from gradebook.selectors import current_year

    year = current_year()
    if scope == "class":
        own = SchoolClass.objects.filter(pk=_int_or_none(params.get("class_id"))).values_list(
            "academic_year_id", flat=True
        )
        year = own.first() or year
    if year is None:
        raise DomainError(_("There is no current academic year."), code="no_year")
    return _class_scope(
        ledger_scope(
            year=year, scope=scope, grade=params.get("grade"), class_id=params.get("class_id"), period=YEAR
        )
    )


def dynamics_reload(params: dict) -> DynamicsScope:
    if params["scope"] == STUDENT:
        return student_scope(Student.objects.get(pk=params["student_id"]))
    return _class_scope(
        ledger_scope(
            year=params["year"],
            scope=params["scope"],
            grade=params.get("grade"),
            class_id=params.get("class_id"),
            period=YEAR,
        )
    )


def student_scope(student: Student) -> DynamicsScope:
    """The parameters of a student's dynamics; pass only a student that came through gradebook.access."""
    year = AcademicYear.objects.filter(is_current=True).values_list("pk", "name").first() or (None, "")
    return DynamicsScope(year[0], year[1], STUDENT, None, None, student.pk, student.short_name)


def _class_scope(checked) -> DynamicsScope:
    return DynamicsScope(
        checked.year_id,
        checked.year_name,
        checked.scope,
        checked.grade,
        checked.class_id,
        None,
        checked.scope_label,
    )


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def dynamics_build(checked: DynamicsScope, *, progress: Progress | None = None):
    if checked.scope == STUDENT:
        return student_dynamics_build(checked, progress=progress)
    return class_dynamics_build(checked, progress=progress)


# The layout -------------------------------------------------------------------------------------------------

RATES = ("success", "quality", "sou")


def _header(name: str) -> str:
    """The figure's header, as every report names it («Успеваемость, %»)."""
    return next(header for header, attribute, _kind in figure_columns() if attribute == name)


def dynamics_layout(report: ClassDynamics | StudentDynamics) -> Document:
    if isinstance(report, StudentDynamics):
        sections = (_student_section(report),)
        notes = (
            _(
                "Term and annual marks as set; the mean is the mean of the marks of the period (pass/fail "
                "results are not marks)."
            ),
        )
    else:
        sections = _class_sections(report)
        notes = (
            _(
                "The figures of each period as in the summary ledger: the students in the class on its last "
                "day, their term marks (annual marks for the year). A class's earlier years are its classes "
                "with the same letter one grade lower each year back."
            ),
        )
    scope = report.scope
    return Document(
        title=str(DYNAMICS.label),
        subtitle=scope.scope_label,
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=scope.file_stem,
        sections=sections,
        notes=notes,
    )


def _class_sections(report: ClassDynamics) -> tuple[Section, ...]:
    sections = []
    if report.total is not None:
        sections.append(
            Section(report.total.label, _line_blocks(report.total), sheet=_("Totals"), anchor="total")
        )
        sections.append(_by_class_section(report.classes))
    elif report.classes:
        line = report.classes[0]
        sections.append(Section(_line_title(line), _line_blocks(line), sheet=line.label, anchor="class"))
    if not sections:
        sections.append(Section("", (Facts((), title=_("No classes in this scope.")),), sheet=_("Report")))
    return tuple(sections)


def _line_title(line: Line) -> str:
    return f"{line.label} · {_('class teacher')} {line.teacher}" if line.teacher else line.label


def _line_blocks(line: Line) -> tuple:
    terms = [p for p in line.points if not p.period.is_year]
    if not line.points:
        return (Facts((), title=_("No term or annual marks yet.")),)
    blocks = []
    groups = _scheme_groups(terms)
    for scheme, points in groups:
        suffix = f" ({TermScheme(scheme).label})" if len(groups) > 1 else ""
        labels = tuple(p.period.label for p in points)
        rates = tuple(
            Series(_header(name), tuple(getattr(p.figures, name) for p in points)) for name in RATES
        )
        blocks.append(Chart(_("Success, quality and SOU by term, %") + suffix, labels, rates, kind=PERCENT))
        means = (Series(_header("mean"), tuple(p.figures.mean for p in points)),)
        blocks.append(Chart(_("Mean mark by term") + suffix, labels, means, y_min=2, y_max=5, kind=MEAN))
    blocks.append(_figures_table(line.points))
    return tuple(blocks)


def _scheme_groups(points: list[Point]) -> list[tuple[str | None, list[Point]]]:
    """One chart for a class; for a total whose years mix schemes (quarters and half-years), one per scheme."""
    schemes_by_year = {}
    for p in points:
        schemes_by_year.setdefault(p.period.year_name, set()).add(p.period.scheme)
    if not points:
        return []
    if all(len(s) == 1 for s in schemes_by_year.values()):
        return [(None, points)]
    schemes = sorted({p.period.scheme for p in points}, key=lambda s: SCHEME_ORDER.get(s, 9))
    return [(s, [p for p in points if p.period.scheme == s]) for s in schemes]


def _figures_table(points: tuple[Point, ...]) -> Table:
    columns = (
        Column(_("Period"), name=True),
        Column(_("Class"), name=True),
        *(Column(header, kind) for header, _name, kind in figure_columns()),
    )
    rows = tuple(
        Row(
            (
                p.period.label,
                p.class_name,
                *(
                    Figure(getattr(p.figures, name), kind) if kind else getattr(p.figures, name)
                    for _h, name, kind in figure_columns()
                ),
            ),
            total=p.period.is_year,
        )
        for p in points
    )
    return Table(columns, rows, title=_("Figures by term and year"))


def _by_class_section(lines: tuple[Line, ...]) -> Section:
    periods = sorted({p.period for line in lines for p in line.points}, key=lambda p: p.key)
    tables = []
    for name, kind in (*((n, PERCENT) for n in RATES), ("mean", MEAN)):
        columns = (
            Column(_("Class"), name=True),
            Column(_("Class teacher"), name=True),
            *(Column(p.label, kind) for p in periods),
        )
        rows = []
        for line in lines:
            by_period = {p.period: p.figures for p in line.points}
            cells = (Figure(getattr(by_period[p], name), kind) if p in by_period else None for p in periods)
            rows.append(Row((line.label, line.teacher, *cells)))
        tables.append(Table(columns, tuple(rows), title=_header(name), empty=_("No classes in this scope.")))
    return Section(_("By class"), tuple(tables), sheet=_("By class"), anchor="by-class")


def _student_section(report: StudentDynamics) -> Section:
    if not report.periods:
        return Section("", (Facts((), title=_("No term or annual marks yet.")),), sheet=_("Marks"))
    blocks = []
    terms = [(p, m) for p, m in zip(report.periods, report.means, strict=True) if not p.is_year]
    if terms:
        low = min((m for _p, m in terms if m is not None), default=2)
        blocks.append(
            Chart(
                _("Mean of the term marks"),
                tuple(p.label for p, _m in terms),
                (Series(_header("mean"), tuple(m for _p, m in terms)),),
                y_min=1 if low < 2 else 2,
                y_max=5,
                kind=MEAN,
            )
        )
    columns = (
        Column(_("Subject"), name=True),
        *(Column(p.label) for p in report.periods),
        Column(_("Mean of the term marks"), MEAN),
    )
    rows = [Row((s.name, *s.cells, Figure(s.mean, MEAN))) for s in report.subjects]
    rows.append(Row((_header("mean"), *(Figure(m, MEAN) for m in report.means), None), total=True))
    blocks.append(Table(columns, tuple(rows), title=_("Marks by subject")))
    return Section(_("Term and annual marks"), tuple(blocks), sheet=_("Marks"), anchor="marks")


# The fingerprint --------------------------------------------------------------------------------------------


def dynamics_version(checked: DynamicsScope) -> str:
    """A fingerprint of everything the report reads: the term marks aggregated (count, latest change), and
    the small tables row by row — classes with their class teachers, enrolments, curriculum lines, terms,
    schemes, names."""
    if checked.scope == STUDENT:
        marks = TermMark.objects.filter(student_id=checked.student_id)
        classes = SchoolClass.objects.filter(
            class_subjects__term_marks__student_id=checked.student_id
        ).distinct()
        parts = [Student.objects.filter(pk=checked.student_id).values_list("last_name", "first_name")]
    else:
        year_start = AcademicYear.objects.filter(pk=checked.year_id).values("start_date")
        classes = SchoolClass.objects.filter(academic_year__start_date__lte=year_start)
        if checked.scope != "school":
            scope_classes = SchoolClass.objects.filter(academic_year_id=checked.year_id)
            if checked.scope == "class":
                scope_classes = scope_classes.filter(pk=checked.class_id)
            else:
                scope_classes = scope_classes.filter(grade=checked.grade)
            classes = classes.filter(letter__in=scope_classes.values("letter"))
        marks = TermMark.objects.filter(class_subject__school_class__in=classes.values("pk"))
        parts = [
            Enrolment.objects.filter(school_class__in=classes.values("pk"))
            .order_by("pk")
            .values_list("pk", "school_class_id", "student_id", "start_date", "end_date")
        ]
    class_ids = classes.values("pk")
    parts += [
        marks.aggregate(n=Count("id"), at=Max("updated_at")),
        SchoolClass.objects.filter(pk__in=class_ids)
        .order_by("pk")
        .values_list("pk", "academic_year_id", "grade", "letter", "class_teacher__last_name"),
        ClassSubject.objects.filter(school_class__in=class_ids)
        .order_by("pk")
        .values_list("pk", "scale", "subject__name", "subject__order"),
        Term.objects.order_by("pk").values_list("pk", "academic_year_id", "scheme", "number", "end_date"),
        GradeTermScheme.objects.order_by("pk").values_list("academic_year_id", "grade", "scheme"),
        AcademicYear.objects.order_by("pk").values_list("pk", "name", "start_date", "end_date"),
        School.objects.values_list("name", flat=True),
    ]
    digest = hashlib.sha256()
    for part in parts:
        rows = [part] if isinstance(part, dict) else part
        for row in rows:
            digest.update(repr(row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


DYNAMICS = ReportKind(
    slug="dynamics",
    label=gettext_lazy("Dynamics"),
    description=gettext_lazy(
        "Success, quality, SOU and the mean mark term by term and year by year, for a class with its earlier "
        "years, a grade or the school; a student's marks across terms and years from their page."
    ),
    roles=access.REPORT_USERS,
    check=dynamics_check,
    reload=dynamics_reload,
    data_version=dynamics_version,
    build=dynamics_build,
    renderers=document_renderers(dynamics_layout),
    layout=dynamics_layout,
    targets=class_targets,
    periods=False,
    extra_params=("student_id",),
    order=40,
)
