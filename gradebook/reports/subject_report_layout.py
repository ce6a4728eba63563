"""The subject teacher report (gradebook.reports.subject_report) laid out as a Document, and its request form's
choices: targets («mine», the classes) and the subject and teacher filters.

Sections: the rows with a total per subject (a table of counts and figures), the comparison with the previous
term (the four figures then and their change, as columns, row for row as above), the totals per teacher (the same two tables),
and the students with a «2», «н/а» or «незачёт». Count columns that would be empty everywhere are left out: the
marks where no five-point subject is in the report, «1», pass / fail and achieved / not achieved where nobody
has such a result in the period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gradebook.models import AssessmentScale, SchoolClass, Subject
from gradebook.reports import access
from gradebook.reports.document import (
    CHANGE,
    MEAN,
    PERCENT,
    Column,
    Document,
    Facts,
    Figure,
    Row,
    Section,
    Table,
)
from gradebook.reports.ledger import YEAR
from gradebook.reports.spec import class_targets

if TYPE_CHECKING:
    from gradebook.reports.subject_report import SubjectReport, Tally, Total

FIGURES = (("success", PERCENT), ("quality", PERCENT), ("sou", PERCENT), ("mean", MEAN))


def _figure_headers() -> dict[str, str]:
    return {
        "success": pgettext("ledger figures", "Success, %"),
        "quality": pgettext("ledger figures", "Quality, %"),
        "sou": pgettext("ledger figures", "SOU, %"),
        "mean": pgettext("ledger figures", "Mean mark"),
    }


def subject_report_layout(report: SubjectReport) -> Document:
    scope = report.scope
    counts = _count_columns(report)
    sections = [_rows_section(report, counts)]
    if report.rows and report.compared_with:
        sections.append(_comparison_section(report))
    if report.teachers:
        sections.append(_teachers_section(report, counts))
    if report.rows:
        sections.append(_flagged_section(report))
    return Document(
        title=_("Subject teacher report"),
        subtitle=f"{scope.label} · {report.period_text}",
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=scope.file_stem,
        sections=tuple(sections),
        notes=_notes(report),
    )


def _notes(report: SubjectReport) -> tuple[str, ...]:
    notes = [
        _(
            "Students enrolled at the end of the period (in the subgroup for a subgroup's teacher); those who left "
            "are not counted. Success: without «2» and «n/a»; quality: «4» and «5»; of the assessed. Pass/fail "
            "courses have success only; grade 1 (basic level) has no figures."
        )
    ]
    if report.compared_with and report.scope.place.period == YEAR:
        notes.append(
            _("The annual marks are compared with the last term's (%(term)s); the change is in points.")
            % {"term": report.compared_with}
        )
    elif report.compared_with:
        notes.append(_("Compared with %(term)s; the change is in points.") % {"term": report.compared_with})
    elif report.scope.place.period != YEAR:
        notes.append(_("This is the first term: there is nothing to compare with."))
    return tuple(notes)


def _count_columns(report: SubjectReport) -> list[tuple[str, callable]]:
    """(header, tally → count) of the count columns this report needs."""
    scales = {row.scale for row in report.rows}
    tallies = [row.now for row in report.rows]
    columns = [
        (pgettext("ledger figures", "Students"), lambda t: t.students),
        (pgettext("ledger figures", "Assessed"), lambda t: t.assessed),
    ]
    if AssessmentScale.FIVE_POINT in scales:
        columns += [(f"«{v}»", lambda t, v=v: t.marks[v - 1]) for v in (5, 4, 3, 2)]
        if any(t.marks[0] for t in tallies):
            columns.append(("«1»", lambda t: t.marks[0]))
    columns.append((pgettext("ledger figures", "Not attested"), lambda t: t.not_attested))
    if any(t.passed or t.failed for t in tallies):
        columns += [(_("Pass"), lambda t: t.passed), (_("Fail"), lambda t: t.failed)]
    if any(t.achieved or t.not_achieved for t in tallies):
        columns += [(_("Achieved"), lambda t: t.achieved), (_("Not achieved"), lambda t: t.not_achieved)]
    return columns


def _tally_cells(tally: Tally, counts) -> tuple:
    return (
        *(count(tally) for _h, count in counts),
        *(Figure(getattr(tally.figures, name), kind) for name, kind in FIGURES),
    )


def _tally_columns(counts) -> tuple[Column, ...]:
    headers = _figure_headers()
    return (*(Column(h) for h, _c in counts), *(Column(headers[name], kind) for name, kind in FIGURES))


def _name_columns() -> tuple[Column, ...]:
    return (
        Column(pgettext("document", "Subject"), name=True),
        Column(_("Class"), name=True),
        Column(_("Teacher"), name=True),
    )


def _grouped(report: SubjectReport):
    """(row or None, total or None) in the order of the tables: each subject's rows, then its total when it
    has more than one row."""
    totals = {t.label: t for t in report.subjects}
    for i, row in enumerate(report.rows):
        yield row, None
        last = i + 1 == len(report.rows) or report.rows[i + 1].subject_id != row.subject_id
        total = totals.get(row.subject)
        if last and total is not None and total.rows > 1:
            yield None, total


def _total_label(total: Total) -> str:
    return _("Total: %(subject)s") % {"subject": total.label}


def _rows_section(report: SubjectReport, counts) -> Section:
    if not report.rows:
        empty = Facts((), title=_("No assessed subject is taught here in this period."))
        return Section("", (empty,), sheet=_("Report"))
    rows = []
    for row, total in _grouped(report):
        if row is not None:
            names = (row.subject, row.class_label, row.teacher or "—")
            rows.append(Row((*names, *_tally_cells(row.now, counts))))
        else:
            rows.append(Row((_total_label(total), "", "", *_tally_cells(total.now, counts)), total=True))
    table = Table((*_name_columns(), *_tally_columns(counts)), tuple(rows))
    return Section(_("Results by class and subject"), (table,), sheet=_("Summary"), anchor="summary")


def _comparison_columns(before: str) -> tuple[Column, ...]:
    """Per figure: its value in the comparison term and the change since (the current values are in the
    table above, row for row: a third column per figure would not fit an A4 page)."""
    headers = _figure_headers()
    columns = []
    for name, kind in FIGURES:
        columns += [
            Column(f"{headers[name]}: {before}", kind),
            Column(pgettext("report change", "± %(figure)s") % {"figure": headers[name]}, CHANGE),
        ]
    return tuple(columns)


def _comparison_cells(before: Tally | None, change) -> tuple:
    cells = []
    for name, kind in FIGURES:
        cells += [
            Figure(getattr(before.figures, name) if before else None, kind),
            Figure(getattr(change, name) if change else None, CHANGE),
        ]
    return tuple(cells)


def _comparison_section(report: SubjectReport) -> Section:
    rows = []
    for row, total in _grouped(report):
        if row is not None:
            names = (row.subject, row.class_label, row.teacher or "—")
            rows.append(Row((*names, *_comparison_cells(row.before, row.change))))
        else:
            cells = _comparison_cells(total.before, total.change)
            rows.append(Row((_total_label(total), "", "", *cells), total=True))
    table = Table((*_name_columns(), *_comparison_columns(report.compared_with)), tuple(rows))
    title = _("Compared with %(term)s") % {"term": report.compared_with}
    return Section(title, (table,), anchor="comparison")


def _teachers_section(report: SubjectReport, counts) -> Section:
    head = (Column(_("Teacher"), name=True), Column(_("Classes and groups")))
    blocks = [
        Table(
            (*head, *_tally_columns(counts)),
            tuple(Row((t.label, t.rows, *_tally_cells(t.now, counts))) for t in report.teachers),
            title=_("All the teacher's classes and subjects"),
        )
    ]
    if report.compared_with:
        blocks.append(
            Table(
                (*head, *_comparison_columns(report.compared_with)),
                tuple(
                    Row((t.label, t.rows, *_comparison_cells(t.before, t.change))) for t in report.teachers
                ),
                title=_("Compared with %(term)s") % {"term": report.compared_with},
            )
        )
    return Section(_("Totals by teacher"), tuple(blocks), sheet=_("Teachers"), anchor="teachers")


def _flagged_section(report: SubjectReport) -> Section:
    columns = (
        *_name_columns(),
        Column(pgettext("document", "Student"), name=True),
        Column(_("Result")),
    )
    rows = tuple(
        Row((row.subject, row.class_label, row.teacher or "—", f.name, f.result), warn=True)
        for row in report.rows
        for f in row.flagged
    )
    table = Table(columns, rows, empty=_("Nobody has a «2», «n/a» or «fail»."))
    return Section(_("Students with «2», «n/a» or «fail»"), (table,), sheet=_("Students"), anchor="students")


# The request form ---------------------------------------------------------------------------------------


def subject_targets(user, year) -> list[tuple[str, str]]:
    """«My classes and subjects» for whoever has a teaching load this year; the school, the grades and the
    classes for the deputy and the director; the classes one leads or teaches for anyone else."""
    from gradebook.reports.subject_report import MINE

    taught = SchoolClass.objects.filter(academic_year=year, class_subjects__assignments__teacher=user)
    mine = [(MINE, _("my classes and subjects"))] if taught.exists() else []
    if access.builds_school_reports(user):
        return class_targets(user, year) + mine
    led = access.ledger_classes_for(user=user).values("pk")
    classes = SchoolClass.objects.filter(Q(pk__in=led) | Q(pk__in=taught.values("pk")), academic_year=year)
    return mine + [
        (f"class:{c.pk}", pgettext("report scope", "class %(name)s") % {"name": c.name})
        for c in classes.order_by("grade", "letter")
    ]


def subject_fields(user, year) -> dict[str, forms.Field]:
    """The subject filter (the subjects the user may see), and the teacher filter for the deputy and the
    director."""
    lines = access.subject_report_lines(user=user, year=year)
    subjects = Subject.objects.filter(pk__in=lines.values("subject")).order_by("order", "name")
    fields = {
        "subject": forms.ChoiceField(
            label=pgettext("document", "Subject"),
            required=False,
            choices=[("", _("all subjects")), *((str(s.pk), s.name) for s in subjects)],
        )
    }
    if access.builds_school_reports(user):
        teachers = get_user_model().objects.filter(teaching_assignments__class_subject__in=lines.values("pk"))
        teachers = sorted(set(teachers), key=lambda t: t.short_name.lower())
        fields["teacher"] = forms.ChoiceField(
            label=_("Teacher"),
            required=False,
            choices=[("", _("all teachers")), *((str(t.pk), t.short_name) for t in teachers)],
        )
    return fields
