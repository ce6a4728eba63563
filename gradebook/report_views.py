"""Report pages: the report form and the list of one's jobs, the ledger as a page, job status and downloads.

HTML opens at once; XLSX and PDF are built by a background job (gradebook.reports.jobs) that the list
follows live (static/js/jobs.js polls `report_jobs_status`). Files are served only by
`report_job_download`, to the person who asked for them and to the deputy and the director.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from gradebook import selectors
from gradebook.models import ReportJob, Term, TermScheme
from gradebook.reports import access
from gradebook.reports.jobs import FORMATS, UNFINISHED, report_job_request
from gradebook.reports.ledger import YEAR, ledger_build, ledger_scope

STATUS_POLL_LIMIT = 50


def _targets(user, year) -> list[tuple[str, str]]:
    """(value, label) of what the user may build a ledger for: the school, each grade, each class."""
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


def _periods(year) -> tuple[list[tuple[str, str]], str]:
    """The year's terms and the year itself, and the default: the last term that has ended."""
    order = {TermScheme.QUARTER: 0, TermScheme.TRIMESTER: 1, TermScheme.HALF_YEAR: 2}
    terms = sorted(Term.objects.filter(academic_year=year), key=lambda t: (order.get(t.scheme, 9), t.number))
    today = timezone.localdate()
    ended = [t for t in terms if t.end_date < today]
    default = max(ended, key=lambda t: (t.end_date, t.scheme == "quarter"), default=None)
    choices = [(str(t.pk), str(t.label)) for t in terms] + [(YEAR, _("the whole year"))]
    return choices, str(default.pk) if default else YEAR


class LedgerRequestForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Classes"))
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    fmt = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("html", "HTML"), *FORMATS.items()],
        initial="html",
    )

    def __init__(self, *args, user, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _targets(user, year)
        periods, default = _periods(year)
        self.fields["period"].choices = periods
        self.fields["period"].initial = default


def _target_params(target: str) -> dict:
    """«school», «grade:5», «class:12» → the ledger's scope parameters."""
    kind, _sep, value = (target or "").partition(":")
    if kind == "grade":
        return {"scope": "grade", "grade": value}
    if kind == "class":
        return {"scope": "class", "class_id": value}
    return {"scope": kind or "school"}


def _target_of(params: dict) -> str:
    if params["scope"] == "grade":
        return f"grade:{params['grade']}"
    if params["scope"] == "class":
        return f"class:{params['class_id']}"
    return "school"


@require_role(*access.REPORTERS)
def reports_page(request):
    year = selectors.current_year()
    form = LedgerRequestForm(user=request.user, year=year) if year else None
    if form is not None and not form.fields["target"].choices:
        form = None
    jobs = access.report_jobs_of(user=request.user).order_by("-created_at")[:30]
    return render(
        request, "gradebook/reports_page.html", {"form": form, "jobs": jobs, "live": list(UNFINISHED)}
    )


@require_role(*access.REPORTERS)
@require_POST
def report_job_create(request):
    """Opens the HTML ledger, or asks for an XLSX or PDF job and goes back to the list."""
    params = {**_target_params(request.POST.get("target")), "period": request.POST.get("period")}
    fmt = request.POST.get("fmt", "html")
    access.ledger_access_check(user=request.user, scope=params["scope"], class_id=params.get("class_id"))
    if fmt == "html":
        return redirect(f"{reverse('report_ledger')}?{urlencode(params)}")
    try:
        job = report_job_request(
            user=request.user, kind=request.POST.get("kind", "ledger"), fmt=fmt, params=params
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports")
    security_event(request, action="report.request", obj=f"report_job:{job.pk}")
    if job.status == ReportJob.Status.DONE:
        messages.success(request, _("Nothing has changed since this report was built: the file is ready."))
    else:
        messages.success(request, _("The report is being built; it will appear in the list below."))
    return redirect("reports")


@require_role(*access.REPORTERS)
def report_ledger(request):
    """The ledger as a page: `?scope=school|grade|class&grade=…&class_id=…&period=<term id>|year`."""
    params = {key: request.GET.get(key) for key in ("scope", "grade", "class_id", "period")}
    params["scope"] = params["scope"] or "school"
    access.ledger_access_check(user=request.user, scope=params["scope"], class_id=params["class_id"])
    year = selectors.current_year()
    try:
        if year is None:
            raise DomainError(_("There is no current academic year."), code="no_year")
        checked = ledger_scope(
            year=year,
            scope=params["scope"],
            grade=params["grade"],
            class_id=params["class_id"],
            period=params["period"] or YEAR,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports")
    security_event(request, action="report.view", obj=f"ledger:{_target_of(checked.params())}")
    return render(
        request,
        "gradebook/reports_ledger.html",
        {"ledger": ledger_build(checked), "target": _target_of(checked.params()), "period": checked.period},
    )


def _job_state(job: ReportJob) -> dict:
    state = {
        "id": str(job.pk),
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
    }
    if job.status == ReportJob.Status.DONE:
        state["download_url"] = reverse("report_job_download", args=[job.pk])
    if job.status == ReportJob.Status.FAILED:
        state["error"] = job.error
    return state


@require_role(*access.REPORTERS)
def report_jobs_status(request):
    """JSON: the user's unfinished jobs, and those named in `?ids=` whatever their status."""
    ids = [i for i in request.GET.get("ids", "").split(",") if i][:STATUS_POLL_LIMIT]
    jobs = access.report_jobs_of(user=request.user)
    unfinished = jobs.filter(status__in=UNFINISHED)
    named = jobs.filter(pk__in=_valid_uuids(ids))
    found = {job.pk: job for job in (*unfinished[:STATUS_POLL_LIMIT], *named)}
    return JsonResponse({"jobs": [_job_state(job) for job in found.values()]})


def _valid_uuids(values: list[str]) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


@require_role(*access.REPORTERS)
def report_job_download(request, pk):
    job = access.access_report_job(user=request.user, id=pk)
    if job.status != ReportJob.Status.DONE or not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    security_event(request, action="report.download", obj=f"report_job:{job.pk}")
    response = FileResponse(handle, as_attachment=True, filename=job.result_name or job.result_file.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
