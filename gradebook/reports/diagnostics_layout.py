"""The diagnostics report laid out as a Document (the page, the XLSX and the PDF render the same one): a
summary of the works (tests, then reading technique with grade and school totals), then per class each
work with its tasks' shares of passes and its students."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook.diagnostic_rules import READING_LEVEL_LABELS, ReadingCounts, ReadingLevel
from gradebook.models import DiagnosticResult, ReadingPeriod
from gradebook.reports.diagnostics_report import ClassDiagnostics, DiagnosticsReport, WorkReport
from gradebook.reports.document import MEAN, PERCENT, Column, Document, Facts, Figure, Row, Section, Table

PASS_SHARE_WARN = 50  # a task passed by fewer than half of those who wrote is marked

WAYS = dict(DiagnosticResult.ReadingWay.choices)
COMPREHENSION = dict(DiagnosticResult.Comprehension.choices)
PERIODS = dict(ReadingPeriod.choices)


def diagnostics_layout(report: DiagnosticsReport) -> Document:
    scope = report.checked.scope
    subtitle = f"{scope.scope_label} · {report.period_text}"
    if report.checked.work_kind:
        subtitle += f" · {report.works[0].kind_label if report.works else report.checked.work_kind}"
    sections = []
    works = report.works
    if works and scope.scope != "class":
        sections.append(_summary_section(report))
    for c in report.classes:
        if c.works:
            sections += _class_sections(c)
    if not works:
        sections.append(
            Section("", (Facts((), title=_("No diagnostic works in this period.")),), sheet=_("Report"))
        )
    notes = [
        _(
            "A task is passed when its points reach the task's «passed from». Shares of passes, the mean % "
            "and the mark figures are over the students who wrote the work; absent students are not counted."
        )
    ]
    if any(w.is_reading for w in works):
        notes.append(
            _(
                "Reading technique: below, at or above the norm of the class's grade for the work's period "
                "(the school's norms, words per minute); shares are over those who read against a norm."
            )
        )
    if report.checked.teacher_id is not None:
        notes.append(_("Only the works of your own subjects in this class."))
    return Document(
        title=str(_("Diagnostic works")),
        subtitle=subtitle,
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=report.checked.file_stem,
        sections=tuple(sections),
        notes=tuple(notes),
    )


def _work_heading(w: WorkReport, *, with_class: bool) -> str:
    parts = [w.class_name] if with_class else []
    parts += [w.subject, w.kind_label, w.on.strftime("%d.%m.%Y")]
    heading = " · ".join(parts)
    return f"{heading} «{w.title}»" if w.title else heading


def _summary_section(report: DiagnosticsReport) -> Section:
    blocks = []
    tests = [w for w in report.works if not w.is_reading]
    reading = [w for w in report.works if w.is_reading]
    if tests:
        blocks.append(_tests_table(tests, with_class=True))
    if reading:
        blocks.append(_reading_table(reading, report.reading_totals, with_class=True))
    return Section(
        _("Summary of the works"),
        tuple(blocks),
        sheet=pgettext("diagnostics report sheet", "Summary"),
        anchor="summary",
    )


def _tests_table(works: list[WorkReport], *, with_class: bool) -> Table:
    columns = (
        *((Column(_("Class"), name=True),) if with_class else ()),
        Column(_("Subject"), name=True),
        Column(_("Kind of work"), name=True),
        Column(_("Date")),
        Column(_("Title"), name=True),
        Column(_("Listed")),
        Column(_("Wrote")),
        Column(_("Absent")),
        Column(_("Mean, %"), PERCENT),
        Column(pgettext("ledger figures", "Success, %"), PERCENT),
        Column(pgettext("ledger figures", "Quality, %"), PERCENT),
        Column(pgettext("ledger figures", "SOU, %"), PERCENT),
        Column(pgettext("ledger figures", "Mean mark"), MEAN),
    )
    rows = []
    for w in works:
        f = w.figures
        marks = (
            (
                Figure(f.success, PERCENT),
                Figure(f.quality, PERCENT),
                Figure(f.sou, PERCENT),
                Figure(f.mean, MEAN),
            )
            if f
            else (None, None, None, None)
        )
        head = (w.class_name,) if with_class else ()
        cells = (w.subject, w.kind_label, w.on.strftime("%d.%m.%Y"), w.title, w.listed, w.wrote, w.absent)
        rows.append(Row((*head, *cells, Figure(w.mean_percent, PERCENT), *marks)))
    return Table(columns, tuple(rows), title=_("Tests"))


def _reading_cells(counts: ReadingCounts) -> tuple:
    cells = [counts.measured]
    for level in (ReadingLevel.BELOW, ReadingLevel.AT, ReadingLevel.ABOVE):
        cells += [getattr(counts, level.value), Figure(counts.share_of(level), PERCENT)]
    return tuple(cells)


def _reading_table(works: list[WorkReport], totals: tuple, *, with_class: bool) -> Table:
    columns = (
        *((Column(_("Class"), name=True),) if with_class else ()),
        Column(_("Date")),
        Column(_("Norm of"), name=True),
        Column(_("Norm, words per minute")),
        Column(_("Read against the norm")),
        Column(_("Below")),
        Column(_("Below, %"), PERCENT),
        Column(_("At")),
        Column(_("At, %"), PERCENT),
        Column(_("Above")),
        Column(_("Above, %"), PERCENT),
    )
    rows = []
    for w in works:
        head = (w.class_name,) if with_class else ()
        period = str(PERIODS.get(w.reading_period, ""))
        rows.append(
            Row((*head, w.on.strftime("%d.%m.%Y"), period, _norm_text(w.norm), *_reading_cells(w.reading)))
        )
    blank = ("", "", "") if with_class else ("", "")
    rows += [Row((t.label, *blank, *_reading_cells(t.counts)), total=True) for t in totals]
    return Table(columns, tuple(rows), title=_("Reading technique"))


def _norm_text(norm: tuple[int, int] | None) -> str:
    return f"{norm[0]}–{norm[1]}" if norm else "—"


def _class_sections(c: ClassDiagnostics) -> list[Section]:
    """The class's summary (its sheet and its entry in the contents), then each work."""
    title = pgettext("report scope", "class %(name)s") % {"name": c.name}
    if c.teacher:
        title += f" · {_('class teacher')} {c.teacher}"
    tests = [w for w in c.works if not w.is_reading]
    reading = [w for w in c.works if w.is_reading]
    summary = []
    if tests:
        summary.append(_tests_table(tests, with_class=False))
    if reading:
        summary.append(_reading_table(reading, (), with_class=False))
    sections = [Section(title, tuple(summary), sheet=c.name, anchor=f"class-{c.id}")]
    for w in c.works:
        blocks = _reading_blocks(w) if w.is_reading else _test_blocks(w)
        sections.append(Section(_work_heading(w, with_class=True), blocks))
    return sections


def _test_blocks(w: WorkReport) -> tuple:
    items = [
        (_("Listed"), w.listed),
        (_("Wrote"), w.wrote),
        (_("Absent"), w.absent),
        (_("Nothing entered"), w.listed - w.wrote - w.absent),
        (_("Maximum total"), w.max_total),
        (_("Mean, %"), Figure(w.mean_percent, PERCENT)),
    ]
    if w.figures is not None:
        f = w.figures
        items += [
            *((f"«{mark}»", f.marks[mark - 1]) for mark in (5, 4, 3, 2)),
            (pgettext("ledger figures", "Success, %"), Figure(f.success, PERCENT)),
            (pgettext("ledger figures", "Quality, %"), Figure(f.quality, PERCENT)),
            (pgettext("ledger figures", "SOU, %"), Figure(f.sou, PERCENT)),
            (pgettext("ledger figures", "Mean mark"), Figure(f.mean, MEAN)),
        ]
    return (Facts(tuple(items), title=_("Results")), _tasks_table(w), _students_table(w))


def _tasks_table(w: WorkReport) -> Table:
    columns = (
        Column("№"),
        Column(_("What it checks"), name=True),
        Column(_("Maximum points")),
        Column(_("Passed from, points")),
        Column(_("Passed")),
        Column(_("Wrote")),
        Column(_("Passed, %"), PERCENT),
    )
    rows = []
    for task, s in zip(w.tasks, w.shares, strict=True):
        warn = s.share is not None and s.share < PASS_SHARE_WARN
        rows.append(
            Row(
                (
                    task.number,
                    task.description,
                    task.max_points,
                    task.pass_points,
                    s.passed,
                    s.wrote,
                    Figure(s.share, PERCENT),
                ),
                warn=warn,
            )
        )
    return Table(columns, tuple(rows), title=_("Tasks: who passed them"))


def _students_table(w: WorkReport) -> Table:
    columns = [
        Column("№"),
        Column(pgettext("document", "Student"), name=True),
        *(Column(str(t.number)) for t in w.tasks),
        Column(_("Total")),
        Column("%", PERCENT),
    ]
    if w.marked:
        columns.append(Column(_("Mark")))
    rows = []
    for n, s in enumerate(w.students, start=1):
        blank = (None,) * len(w.tasks)
        if s.score is not None:
            cells = (*s.score.points, s.score.total, Figure(s.score.percent, PERCENT))
            mark = s.score.mark
        else:
            cells = (*blank, _("absent") if s.absent else None, None)
            mark = None
        row = (n, s.name, *cells, *((mark,) if w.marked else ()))
        rows.append(Row(row, muted=s.score is None, warn=mark == 2))
    return Table(tuple(columns), tuple(rows), title=_("Students"), empty=_("No students."))


def _reading_blocks(w: WorkReport) -> tuple:
    counts = w.reading
    norm = (
        _("%(from)s–%(to)s words per minute, %(period)s")
        % {"from": w.norm[0], "to": w.norm[1], "period": PERIODS.get(w.reading_period, "")}
        if w.norm
        else _("no norm for grade %(grade)s, %(period)s")
        % {"grade": w.grade, "period": PERIODS.get(w.reading_period, "")}
    )
    items = [
        (_("Norm"), norm),
        (_("Listed"), w.listed),
        (_("Read"), w.wrote),
        (_("Absent"), w.absent),
    ]
    for level in (ReadingLevel.BELOW, ReadingLevel.AT, ReadingLevel.ABOVE):
        label = str(READING_LEVEL_LABELS[level]).capitalize()
        items += [
            (label, getattr(counts, level.value)),
            (f"{label}, %", Figure(counts.share_of(level), PERCENT)),
        ]
    columns = (
        Column("№"),
        Column(pgettext("document", "Student"), name=True),
        Column(_("Words per minute")),
        Column(_("Way of reading"), name=True),
        Column(_("Comprehension"), name=True),
        Column(_("Against the norm"), name=True),
    )
    rows = []
    for n, s in enumerate(w.students, start=1):
        if s.absent:
            cells = (n, s.name, None, _("absent"), "", "")
        else:
            cells = (
                n,
                s.name,
                s.words_per_minute,
                str(WAYS.get(s.reading_way, "")),
                str(COMPREHENSION.get(s.comprehension, "")),
                str(READING_LEVEL_LABELS[s.level])
                if s.level
                else ("—" if s.words_per_minute is not None else ""),
            )
        rows.append(Row(cells, muted=s.words_per_minute is None, warn=s.level == ReadingLevel.BELOW))
    return (
        Facts(tuple(items), title=_("Results")),
        Table(columns, tuple(rows), title=_("Students"), empty=_("No students.")),
    )
