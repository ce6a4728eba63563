"""The archive pages: closing a year and the promotion, archive packages (request, watch, download,
verify). Thin: parse, check access, call one service or selector, render."""

import io
from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from accounts.models import Role, Student
from archive import access
from archive.family import student_data_zip
from archive.models import ArchivePackage, CertificateBookEntry, DestructionAct, LegalHold, RetentionRule
from archive.packages import (
    archive_package_request,
    archive_package_verify,
    archive_package_verify_copy,
    package_zip,
    package_zip_name,
    verification_message,
)
from archive.retention import (
    destruction_act_approve,
    destruction_act_draft,
    legal_hold_place,
    legal_hold_release,
    retention_due,
    retention_rules,
)
from archive.year_close import Outcome, promotion_confirm, promotion_propose, year_close, year_close_check
from gradebook.models import AcademicYear, SchoolClass

UNFINISHED = (ArchivePackage.Status.QUEUED, ArchivePackage.Status.RUNNING)
MAX_COPY_BYTES = 200 * 1024 * 1024


@require_role(*access.ARCHIVISTS)
def archive_home(request):
    retention_rules()  # the defaults, if the table is empty
    years = list(AcademicYear.objects.order_by("-start_date"))
    checks = {y.pk: year_close_check(year=y) for y in years if y.closed_at is None}
    return render(
        request,
        "archive/home.html",
        {
            "years": [(y, checks.get(y.pk)) for y in years],
            "closed_years": [y for y in years if y.closed_at is not None],
            "classes": SchoolClass.objects.filter(academic_year__closed_at__isnull=False).select_related(
                "academic_year"
            ),
            "packages": access.archive_packages_visible_to(user=request.user)[:50],
            "live": UNFINISHED,
            "rules": RetentionRule.objects.all(),
            "can_close": Role.DEPUTY in request.roles,
        },
    )


@require_role(Role.DEPUTY)
@require_POST
def archive_year_close(request, year_id):
    year = get_object_or_404(AcademicYear, pk=year_id)
    try:
        issued_on = (
            date.fromisoformat(request.POST.get("issued_on", ""))
            if request.POST.get("issued_on")
            else timezone.localdate()
        )
        result = year_close(user=request.user, year=year, now=timezone.now(), issued_on=issued_on)
        messages.success(
            request,
            _(
                "The year %(year)s is closed: %(records)d personal file records, %(certificates)d certificate book entries."
            )
            % {"year": year.name, "records": result.records, "certificates": result.certificates},
        )
    except ValueError:
        messages.error(request, _("Give the issue date as YYYY-MM-DD."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("archive_home")


@require_role(*access.ARCHIVISTS)
def archive_promotion(request, year_id):
    year = get_object_or_404(AcademicYear, pk=year_id, closed_at__isnull=False)
    next_years = AcademicYear.objects.filter(start_date__gt=year.end_date).order_by("start_date")
    if request.method == "POST":
        if Role.DEPUTY not in request.roles:
            raise Http404
        next_year = get_object_or_404(next_years, pk=request.POST.get("next_year"))
        repeaters = {int(v) for v in request.POST.getlist("repeat") if v.isdigit()}
        try:
            n = promotion_confirm(user=request.user, year=year, next_year=next_year, repeaters=repeaters)
            messages.success(
                request, _("%(n)d students enrolled in %(year)s.") % {"n": n, "year": next_year.name}
            )
            return redirect("archive_home")
        except DomainError as error:
            messages.error(request, error.message)
    return render(
        request,
        "archive/promotion.html",
        {
            "year": year,
            "proposals": promotion_propose(year=year),
            "next_years": next_years,
            "Outcome": Outcome,
            "can_confirm": Role.DEPUTY in request.roles,
            "book": CertificateBookEntry.objects.filter(academic_year=year),
        },
    )


@require_role(*access.ARCHIVISTS)
@require_POST
def archive_package_create(request):
    year = get_object_or_404(AcademicYear, pk=request.POST.get("year"))
    school_class = None
    if request.POST.get("class"):
        school_class = get_object_or_404(SchoolClass, pk=request.POST["class"])
    try:
        archive_package_request(user=request.user, year=year, school_class=school_class, now=timezone.now())
        messages.success(request, _("The package is being built."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("archive_home")


def _state(package: ArchivePackage) -> dict:
    return {
        "id": str(package.pk),
        "status": package.status,
        "status_label": package.get_status_display(),
        "progress": package.progress,
        "error": package.error,
        "download_url": reverse("archive_package_download", args=[package.pk])
        if package.status == ArchivePackage.Status.DONE
        else "",
    }


@require_role(*access.ARCHIVISTS)
def archive_packages_status(request):
    """JSON for static/js/jobs.js: the packages named in `?ids=`."""
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()][:50]
    packages = access.archive_packages_visible_to(user=request.user).filter(pk__in=ids)
    return JsonResponse({"jobs": [_state(p) for p in packages]})


@require_role(*access.ARCHIVISTS)
def archive_package_detail(request, pk):
    package = access.access_archive_package(user=request.user, id=pk)
    return render(request, "archive/package_detail.html", {"package": package, "files": package.files.all()})


@require_role(*access.ARCHIVISTS)
@require_POST
def archive_package_verify_view(request, pk):
    """Verifies the stored files, or an uploaded zip copy when one is sent."""
    package = access.access_archive_package(user=request.user, id=pk)
    if package.status != ArchivePackage.Status.DONE:
        raise Http404
    upload = request.FILES.get("copy")
    try:
        if upload is not None:
            if upload.size > MAX_COPY_BYTES:
                raise DomainError(_("The file is too large for a copy of this package."), code="too_large")
            result = archive_package_verify_copy(package, upload.read())
        else:
            result = archive_package_verify(package)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("archive_package_detail", pk=package.pk)
    security_event(
        request,
        action="archive.verify",
        obj=f"archive_package:{package.pk}",
        outcome="ok" if result.ok else "mismatch",
    )
    return render(
        request,
        "archive/package_detail.html",
        {
            "package": package,
            "files": package.files.all(),
            "result": result,
            "result_message": verification_message(result),
            "checked_copy": upload is not None,
        },
    )


@require_role(*access.ARCHIVISTS)
def archive_package_download(request, pk):
    package = access.access_archive_package(user=request.user, id=pk)
    if package.status != ArchivePackage.Status.DONE:
        raise Http404
    security_event(request, action="archive.download", obj=f"archive_package:{package.pk}")
    return FileResponse(
        io.BytesIO(package_zip(package)),
        as_attachment=True,
        filename=package_zip_name(package),
        content_type="application/zip",
    )


# Retention -------------------------------------------------------------------------------------------


@require_role(*access.ARCHIVISTS)
def retention_page(request):
    today = timezone.localdate()
    due = retention_due(today=today)
    return render(
        request,
        "archive/retention.html",
        {
            "today": today,
            "expired": [d for d in due if d.expired(today)],
            "soon": [d for d in due if not d.expired(today)],
            "holds": LegalHold.objects.filter(released_at__isnull=True).select_related(
                "student", "placed_by"
            ),
            "acts": DestructionAct.objects.select_related("drafted_by", "approved_by")[:50],
            "is_deputy": Role.DEPUTY in request.roles,
        },
    )


@require_role(Role.DEPUTY)
@require_POST
def destruction_act_create(request):
    try:
        act = destruction_act_draft(user=request.user, today=timezone.localdate(), now=timezone.now())
        messages.success(request, _("Act № %(n)s is drafted: the director approves it.") % {"n": act.number})
        return redirect("destruction_act_detail", pk=act.pk)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("retention")


@require_role(*access.ARCHIVISTS)
def destruction_act_detail(request, pk):
    act = get_object_or_404(DestructionAct.objects.select_related("drafted_by", "approved_by"), pk=pk)
    return render(
        request,
        "archive/act_detail.html",
        {
            "act": act,
            "items": act.items.select_related("academic_year"),
            "can_approve": Role.DIRECTOR in request.roles and act.status == DestructionAct.Status.DRAFT,
        },
    )


@require_role(Role.DIRECTOR)
@require_POST
def destruction_act_approve_view(request, pk):
    act = get_object_or_404(DestructionAct, pk=pk)
    try:
        destruction_act_approve(user=request.user, act=act, now=timezone.now())
        security_event(request, action="retention.approve", obj=f"destruction_act:{act.number}")
        messages.success(request, _("The act is approved: the records are being destroyed."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("destruction_act_detail", pk=act.pk)


@require_role(*access.ARCHIVISTS)
def destruction_act_pdf(request, pk):
    act = get_object_or_404(DestructionAct, pk=pk, status=DestructionAct.Status.EXECUTED)
    if not act.pdf:
        raise Http404
    security_event(request, action="retention.act_download", obj=f"destruction_act:{act.number}")
    return FileResponse(act.pdf.open("rb"), as_attachment=True, filename=f"act-{act.number}.pdf")


@require_role(Role.DEPUTY)
@require_POST
def legal_hold_create(request):
    student = get_object_or_404(Student, pk=request.POST.get("student"))
    try:
        legal_hold_place(
            user=request.user, student=student, reason=request.POST.get("reason", ""), now=timezone.now()
        )
        messages.success(request, _("The records are kept past their date."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("retention")


@require_role(Role.DEPUTY)
@require_POST
def legal_hold_release_view(request, pk):
    hold = get_object_or_404(LegalHold, pk=pk)
    try:
        legal_hold_release(user=request.user, hold=hold, now=timezone.now())
        messages.success(request, _("The hold is released."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("retention")


@require_role(Role.PARENT)
def my_child_data(request, student_id):
    """«All data about my child», as a zip, for the child's guardian."""
    student = access.access_own_child(user=request.user, id=student_id)
    security_event(request, action="personal_data.export", obj=f"student:{student.pk}")
    return FileResponse(
        io.BytesIO(student_data_zip(student=student)),
        as_attachment=True,
        filename=f"personal-data-{student.pk}.zip",
        content_type="application/zip",
    )
