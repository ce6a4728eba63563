"""The archive pages: closing a year and the promotion, archive packages (request, watch, download,
verify). Thin: parse, check access, call one service or selector, render."""

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
from accounts.models import Role
from archive import access
from archive.models import ArchivePackage, CertificateBookEntry, RetentionRule
from archive.packages import (
    archive_package_request,
    archive_package_verify,
    archive_package_verify_copy,
    package_zip,
    package_zip_name,
    verification_message,
)
from archive.year_close import Outcome, promotion_confirm, promotion_propose, year_close, year_close_check
from gradebook.models import AcademicYear, SchoolClass

UNFINISHED = (ArchivePackage.Status.QUEUED, ArchivePackage.Status.RUNNING)
MAX_COPY_BYTES = 200 * 1024 * 1024


@require_role(*access.ARCHIVISTS)
def archive_home(request):
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
    import io

    return FileResponse(
        io.BytesIO(package_zip(package)),
        as_attachment=True,
        filename=package_zip_name(package),
        content_type="application/zip",
    )
