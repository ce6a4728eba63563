"""The request forms of the reports page: one per report kind, with the targets and periods the user may
choose. Field names are the report parameters themselves (`target`, `period`, the kind's own)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gradebook.models import Term, TermScheme
from gradebook.reports import access
from gradebook.reports.ledger import YEAR

FORMAT_CHOICES = [("html", "HTML"), ("xlsx", "XLSX"), ("pdf", "PDF")]


def class_targets(user, year) -> list[tuple[str, str]]:
    """(value, label) of what the user may build a class report for: the school, each grade, each class."""
    classes = list(
        access.ledger_classes_for(user=user).filter(academic_year=year).order_by("grade", "letter")
    )
    choices = []
    if access.builds_school_reports(user):
        choices.append(("school", pgettext("report scope", "the whole school")))
        choices += [
            (f"grade:{g}", pgettext("report scope", "grade %(grade)d classes") % {"grade": g})
            for g in sorted({c.grade for c in classes})
        ]
    choices += [
        (f"class:{c.pk}", pgettext("report scope", "class %(name)s") % {"name": c.name}) for c in classes
    ]
    return choices


def period_choices(year) -> tuple[list[tuple[str, str]], str]:
    """The year's terms and the year itself, and the default: the last term that has ended."""
    order = {TermScheme.QUARTER: 0, TermScheme.TRIMESTER: 1, TermScheme.HALF_YEAR: 2}
    terms = sorted(Term.objects.filter(academic_year=year), key=lambda t: (order.get(t.scheme, 9), t.number))
    today = timezone.localdate()
    ended = [t for t in terms if t.end_date < today]
    default = max(ended, key=lambda t: (t.end_date, t.scheme == "quarter"), default=None)
    choices = [(str(t.pk), str(t.label)) for t in terms] + [(YEAR, _("the whole year"))]
    return choices, str(default.pk) if default else YEAR


class ReportRequestForm(forms.Form):
    """The fields every report shares; `report_form` adds the kind's own and drops what it does not ask."""

    target = forms.ChoiceField(label=gettext_lazy("Classes"))
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    fmt = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMAT_CHOICES, initial="html")


def report_form(kind, *, user, year) -> ReportRequestForm | None:
    """The kind's request form for the user, or None when there is nothing the user could choose."""
    form = ReportRequestForm(auto_id=f"id_{kind.slug}_%s")
    if kind.targets is None:
        del form.fields["target"]
    else:
        form.fields["target"].choices = kind.targets(user, year)
        if not form.fields["target"].choices:
            return None
    if kind.periods:
        choices, default = period_choices(year)
        form.fields["period"].choices = choices
        form.fields["period"].initial = default
    else:
        del form.fields["period"]
    if kind.extra_fields is not None:
        extra = kind.extra_fields(user, year)
        if extra is None:
            return None
        fmt = form.fields.pop("fmt")
        form.fields.update(extra)
        form.fields["fmt"] = fmt
    form.fields["fmt"].choices = [c for c in FORMAT_CHOICES if c[0] == "html" or c[0] in kind.renderers]
    return form
