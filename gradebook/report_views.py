"""Report pages: the report form and the list of one's jobs, the ledger as a page, job status and downloads.

HTML opens at once; XLSX and PDF are built by a background job (gradebook.reports.jobs) that the list
follows live (static/js/jobs.js polls `report_jobs_status`). Files are served only by
`report_job_download`, to the person who asked for them and to the deputy and the director.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from gradebook import selectors
from gradebook.models import ReportJob
from gradebook.reports import access
from gradebook.reports.forms import report_form
from gradebook.reports.jobs import UNFINISHED, report_job_request
from gradebook.reports.kinds import KINDS, ReportKind, kinds_for, target_of
from gradebook.reports.ledger import ledger_build

STATUS_POLL_LIMIT = 50


@require_role(*access.REPORT_USERS)
def reports_page(request):
    """The reports the user may build, each with its form, and the list of their jobs."""
    year = selectors.current_year()
    cards = []
    for kind in kinds_for(request.user):
        form = report_form(kind, user=request.user, year=year) if year else None
        cards.append({"kind": kind, "form": form})
    jobs = access.report_jobs_of(user=request.user).order_by("-created_at")[:30]
    return render(
        request,
        "gradebook/reports_page.html",
        {"cards": cards, "has_year": year is not None, "jobs": jobs, "live": list(UNFINISHED)},
    )


def _requestable(user, slug: str) -> ReportKind:
    kind = KINDS.get(slug)
    if kind is None or not kind.may_request(user):
        raise Http404
    return kind


@require_role(*access.REPORT_USERS)
@require_POST
def report_job_create(request):
    """Opens the report's page (HTML), or asks for an XLSX or PDF job and goes back to the list."""
    kind = _requestable(request.user, request.POST.get("kind", "ledger"))
    params = kind.params_from(request.POST)
    fmt = request.POST.get("fmt", "html")
    try:
        checked = kind.check(user=request.user, params=params)  # Http404 for a scope the user may not see
        if fmt == "html":
            return redirect(_page_url(kind, checked))
        job = report_job_request(user=request.user, kind=kind.slug, fmt=fmt, params=params)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports")
    security_event(request, action="report.request", obj=f"report_job:{job.pk}")
    if job.status == ReportJob.Status.DONE:
        messages.success(request, _("Nothing has changed since this report was built: the file is ready."))
    else:
        messages.success(request, _("The report is being built; it will appear in the list below."))
    return redirect("reports")


def _page_params(checked) -> dict:
    """The checked parameters as a page's query string and the download form's hidden fields."""
    return {k: v for k, v in checked.params().items() if k != "year" and v is not None}


def _page_url(kind: ReportKind, checked) -> str:
    name, args = ("report_ledger", []) if kind.layout is None else ("report_page", [kind.slug])
    return f"{reverse(name, args=args)}?{urlencode(_page_params(checked))}"


@require_role(*access.REPORT_USERS)
def report_ledger(request):
    """The ledger as a page: `?scope=school|grade|class&grade=…&class_id=…&period=<term id>|year`."""
    kind = _requestable(request.user, "ledger")
    params = kind.params_from(request.GET)
    try:
        checked = kind.check(user=request.user, params=params)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports")
    security_event(request, action="report.view", obj=f"ledger:{target_of(checked.params())}")
    return render(
        request,
        "gradebook/reports_ledger.html",
        {"ledger": ledger_build(checked), "target": target_of(checked.params()), "period": checked.period},
    )


@require_role(*access.REPORT_USERS)
def report_page(request, kind):
    """A document report as a page, with buttons that ask for the same report as XLSX and PDF."""
    report = _requestable(request.user, kind)
    if report.layout is None:
        raise Http404
    try:
        checked = report.check(user=request.user, params=report.params_from(request.GET))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("reports")
    document = report.layout(report.build(checked))
    security_event(request, action="report.view", obj=f"{report.slug}:{urlencode(_page_params(checked))}")
    labels = {"xlsx": _("Download XLSX"), "pdf": _("Download PDF")}
    return render(
        request,
        "gradebook/report_document.html",
        {
            "kind": report,
            "document": document,
            "hidden": list(_page_params(checked).items()),
            "formats": [(fmt, labels[fmt]) for fmt in report.renderers if fmt in labels],
        },
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


@require_role(*access.REPORT_USERS)
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


@require_role(*access.REPORT_USERS)
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
