"""The report kind «Лидеры и отстающие / раннее предупреждение»: its parameters, layout and fingerprint. What it
counts and how: `gradebook.reports.early_warning_data`.

Parameters: the usual target (school, grade, class: the deputy and the director anywhere, a class teacher
their class), `period` («now» — each grade's current term — or a term id) and `on`, the day the report is
made for (YYYY-MM-DD, a day of the academic year; today by default). The day is part of the stored
parameters, so a job run later builds what was asked for, and a reused file is the same day's.
"""

import hashlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from accounts.errors import DomainError
from gradebook.models import (
    AcademicYear,
    Attendance,
    ClassSubject,
    Enrolment,
    GradeTermScheme,
    GradingPolicy,
    JournalHistory,
    Lesson,
    Mark,
    School,
    Subgroup,
    TeachingAssignment,
    Term,
    TermMark,
    WorkType,
)
from gradebook.reports import access
from gradebook.reports.document import MEAN, PERCENT, Column, Document, Figure, Row, Section, Table
from gradebook.reports.early_warning_data import (
    NOW,
    REASON_LABELS,
    RULES,
    AtRisk,
    ClassWarnings,
    EarlyWarning,
    LeaderGroup,
    Reason,
    WarningScope,
    early_warning_build,
)
from gradebook.reports.forms import period_choices
from gradebook.reports.labels import figure_text
from gradebook.reports.ledger import YEAR, ledger_classes, ledger_scope
from gradebook.reports.spec import ReportKind, class_scope_check, class_targets, document_renderers

# The parameters ---------------------------------------------------------------------------------------------


def early_warning_check(*, user, params: dict) -> WarningScope:
    """Access first (class_scope_check: Http404 outside the user's classes), then the period and the day."""
    period = params.get("period") or NOW
    scope = class_scope_check(
        user=user, params={**params, "period": YEAR if period in (NOW, YEAR) else period}
    )
    return WarningScope(scope, _day(params.get("on"), scope.year_id))


def early_warning_reload(params: dict) -> WarningScope:
    period = params["period"]
    scope = ledger_scope(
        year=params["year"],
        scope=params["scope"],
        grade=params.get("grade"),
        class_id=params.get("class_id"),
        period=YEAR if period == NOW else period,
    )
    return WarningScope(scope, date.fromisoformat(params["on"]))


def _day(raw, year_id: int) -> date:
    start, end = AcademicYear.objects.values_list("start_date", "end_date").get(pk=year_id)
    if raw in (None, ""):
        return min(max(timezone.localdate(), start), end)
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        raise DomainError(_("Write the date as YYYY-MM-DD."), code="invalid_date") from None
    if not start <= day <= end:
        raise DomainError(
            _("Choose a day of the academic year (%(start)s – %(end)s).")
            % {"start": start.strftime("%d.%m.%Y"), "end": end.strftime("%d.%m.%Y")},
            code="date_outside_year",
        )
    return day


def _fields(user, year) -> dict:
    """The period (now, or a term) and the day, on the reports page."""
    terms, _default = period_choices(year)
    today = timezone.localdate()
    return {
        "period": forms.ChoiceField(
            label=_("Period"),
            choices=[(NOW, _("now: the current term")), *((v, label) for v, label in terms if v != YEAR)],
            initial=NOW,
        ),
        "on": forms.DateField(
            label=_("As of"),
            initial=min(max(today, year.start_date), year.end_date),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        ),
    }


# The layout -------------------------------------------------------------------------------------------------


def early_warning_layout(report: EarlyWarning) -> Document:
    checked = report.scope
    terms = ", ".join(dict.fromkeys(c.window.label for c in report.classes))
    on = checked.on.strftime("%d.%m.%Y")
    subtitle = _("%(scope)s · %(terms)s · as of %(day)s") % {
        "scope": checked.scope.scope_label,
        "terms": terms or checked.period_label,
        "day": on,
    }
    sections = [_summary_section(report), _leaders_section(report), _at_risk_section(report)]
    return Document(
        title=str(EARLY_WARNING.label),
        subtitle=subtitle,
        school_name=report.school_name,
        made_on=report.made_on,
        file_stem=checked.file_stem,
        sections=tuple(sections),
        notes=_notes(report),
    )


def _notes(report: EarlyWarning) -> tuple[str, ...]:
    values = {
        "three": figure_text(report.three),
        "min": report.min_marks,
        "share": RULES.absence_share,
        "lessons": RULES.min_lessons,
        "drop": figure_text(RULES.drop.quantize(Decimal("0.01"))),
    }
    return (
        _(
            "Marks and lessons of the term up to the day count; the weighted mean and the suggestion are the "
            "journal's. Suggested «2»: the weighted mean is below %(three)s with at least %(min)s marks. Too few "
            "marks: fewer than %(min)s once half of the term has passed. Many absences: at least %(share)s %% "
            "of the lessons missed (н, б, уп; not оп), over at least %(lessons)s lessons. Falling: the mean is "
            "%(drop)s or more below the previous term mark."
        )
        % values,
        _(
            "Leaders: the mean of the current weighted means over the subjects, or, once the term has ended, "
            "the mean of the term marks (the weighted means break ties); ranked with results in at least half "
            "of the subjects. Equal results share a place."
        )
        % values,
    )


REASON_COLUMNS = (Reason.FAILING, Reason.FEW_MARKS, Reason.ABSENCES, Reason.FALLING)


def _summary_section(report: EarlyWarning) -> Section:
    columns = (
        Column(_("Class"), name=True),
        Column(_("Class teacher"), name=True),
        Column(_("Term"), name=True),
        Column(_("Days left")),
        Column(pgettext("ledger figures", "Students")),
        *(Column(str(REASON_LABELS[r])) for r in REASON_COLUMNS),
        Column(_("Students at risk")),
    )
    rows = [
        Row(
            (
                c.name,
                c.teacher,
                c.window.label,
                c.window.days_left,
                c.students,
                *(c.count(r) for r in REASON_COLUMNS),
                c.at_risk,
            ),
            warn=c.at_risk > 0,
        )
        for c in report.classes
    ]
    if len(report.classes) > 1:
        classes = report.classes
        totals = (sum(c.count(r) for c in classes) for r in REASON_COLUMNS)
        rows.append(
            Row(
                (
                    _("Total"),
                    "",
                    "",
                    None,
                    sum(c.students for c in classes),
                    *totals,
                    sum(c.at_risk for c in classes),
                ),
                total=True,
            )
        )
    table = Table(columns, tuple(rows), empty=_("No classes study in this period."))
    return Section(_("At risk by class"), (table,), sheet=_("Summary"), anchor="summary")


def _leaders_section(report: EarlyWarning) -> Section:
    tables = tuple(_leaders_table(group) for group in report.leaders)
    if not tables:
        tables = (Table((Column(""),), (), empty=_("Nobody has enough marks to be ranked yet.")),)
    return Section(_("Leaders"), tables, sheet=_("Leaders"), anchor="leaders")


def _leaders_table(group: LeaderGroup) -> Table:
    if group.by_term_marks:
        scores = (Column(_("Mean of the term marks"), MEAN), Column(_("Mean of the weighted means"), MEAN))
    else:
        scores = (Column(_("Mean of the weighted means"), MEAN),)
    columns = (
        Column(_("Place")),
        Column(pgettext("document", "Student"), name=True),
        Column(_("Class"), name=True),
        Column(_("Class teacher"), name=True),
        *scores,
        Column(_("Subjects")),
    )
    rows = []
    for leader in group.leaders:
        values = (leader.score, leader.weighted) if group.by_term_marks else (leader.score,)
        rows.append(
            Row(
                (
                    leader.place,
                    leader.student,
                    leader.class_name,
                    leader.class_teacher,
                    *(Figure(v, MEAN) for v in values),
                    leader.subjects,
                )
            )
        )
    return Table(
        columns, tuple(rows), title=group.label, empty=_("Nobody has enough marks to be ranked yet.")
    )


def _at_risk_section(report: EarlyWarning) -> Section:
    columns = (
        Column(_("Class"), name=True),
        Column(_("Class teacher"), name=True),
        Column(pgettext("document", "Student"), name=True),
        Column(_("Subject"), name=True),
        Column(_("Subject teacher"), name=True),
        Column(_("Reason"), name=True),
        Column(_("Figure")),
        Column(_("Details"), name=True),
    )
    rows = []
    for c in report.classes:
        rows += [_at_risk_row(c, r, report.min_marks) for r in c.rows]
    table = Table(columns, tuple(rows), empty=_("Nobody is at risk."))
    return Section(_("Students at risk"), (table,), sheet=_("At risk"), anchor="at-risk")


def _at_risk_row(c: ClassWarnings, r: AtRisk, min_marks: int) -> Row:
    figure, details = _figure_and_details(r, min_marks)
    return Row(
        (c.name, c.teacher, r.student, r.subject, r.teacher, str(REASON_LABELS[r.reason]), figure, details)
    )


def _figure_and_details(r: AtRisk, min_marks: int) -> tuple:
    if r.reason == Reason.FAILING:
        return Figure(_cent(r.mean), MEAN), _("weighted mean over %(n)d marks") % {"n": r.marks}
    if r.reason == Reason.FEW_MARKS:
        return r.marks, _("%(n)d of the %(min)d marks needed; %(days)d days left") % {
            "n": r.marks,
            "min": min_marks,
            "days": r.days_left,
        }
    if r.reason == Reason.ABSENCES:
        return Figure(r.share, PERCENT), _("%(missed)d of %(lessons)d lessons missed") % {
            "missed": r.missed,
            "lessons": r.lessons,
        }
    return Figure(_cent(r.drop), MEAN), _("%(term)s: %(previous)d, now %(mean)s") % {
        "term": r.previous_term,
        "previous": r.previous,
        "mean": figure_text(_cent(r.mean)),
    }


def _cent(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if value is not None else None


# The fingerprint --------------------------------------------------------------------------------------------


def early_warning_version(checked: WarningScope) -> str:
    """A fingerprint of everything the report reads, for reusing a finished file of the same day:
    - aggregates (count, latest change) of the scope's marks, attendance and lessons up to the day, and of
      the journal history of its curriculum lines (which moves on every edit and delete of a lesson, a mark
      or an attendance entry), and of its students' term marks (the previous term's, this term's);
    - the small tables row by row: classes with their class teachers, enrolments, curriculum lines,
      teaching load, subgroups, terms and schemes, work types with their weights, the grading policy and
      the school's name.
    """
    classes = ledger_classes(checked.scope)
    class_ids = classes.values("pk")
    lessons = Lesson.objects.filter(
        assignment__class_subject__school_class__in=class_ids, date__lte=checked.on
    )
    parts = [
        checked.on.isoformat(),
        lessons.aggregate(n=Count("id"), last=Max("id")),
        Mark.objects.filter(lesson__in=lessons).aggregate(n=Count("id"), at=Max("updated_at")),
        Attendance.objects.filter(lesson__in=lessons).aggregate(n=Count("id"), at=Max("updated_at")),
        JournalHistory.objects.filter(class_subject__school_class__in=class_ids).aggregate(
            n=Count("id"), last=Max("id")
        ),
        TermMark.objects.filter(
            student__in=Enrolment.objects.filter(school_class__in=class_ids).values("student_id")
        ).aggregate(n=Count("id"), at=Max("updated_at")),
        classes.order_by("pk").values_list(
            "pk", "grade", "letter", "class_teacher__last_name", "class_teacher__first_name"
        ),
        Enrolment.objects.filter(school_class__in=class_ids)
        .order_by("pk")
        .values_list(
            "pk", "school_class_id", "start_date", "end_date", "student__last_name", "student__first_name"
        ),
        ClassSubject.objects.filter(school_class__in=class_ids)
        .order_by("pk")
        .values_list("pk", "school_class_id", "scale", "subject__name", "subject__order"),
        TeachingAssignment.objects.filter(class_subject__school_class__in=class_ids)
        .order_by("pk")
        .values_list("pk", "class_subject_id", "subgroup_id", "teacher__last_name", "teacher__first_name"),
        Subgroup.students.through.objects.filter(subgroup__school_class__in=class_ids)
        .order_by("pk")
        .values_list("subgroup_id", "student_id"),
        Term.objects.filter(academic_year_id=checked.scope.year_id)
        .order_by("pk")
        .values_list("pk", "scheme", "number", "start_date", "end_date"),
        GradeTermScheme.objects.filter(academic_year_id=checked.scope.year_id)
        .order_by("grade")
        .values_list("grade", "scheme"),
        WorkType.objects.order_by("pk").values_list("pk", "weight"),
        GradingPolicy.objects.values_list("threshold_3", "threshold_4", "threshold_5", "min_marks"),
        School.objects.values_list("name", flat=True),
    ]
    digest = hashlib.sha256()
    for part in parts:
        rows = [part] if isinstance(part, dict | str) else part
        for row in rows:
            digest.update(repr(row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


EARLY_WARNING = ReportKind(
    slug="early-warning",
    label=gettext_lazy("Leaders and students at risk"),
    description=gettext_lazy(
        "Now or for a chosen term: the top students, and who is at risk — a suggested «2», too few marks, "
        "many absences, a falling mean — with the class teacher, the subject and its teacher."
    ),
    roles=access.REPORTERS,
    check=early_warning_check,
    reload=early_warning_reload,
    data_version=early_warning_version,
    build=early_warning_build,
    renderers=document_renderers(early_warning_layout),
    layout=early_warning_layout,
    targets=class_targets,
    periods=False,
    extra_params=("on",),
    extra_fields=_fields,
    order=30,
)
