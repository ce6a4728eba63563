"""Справки об успеваемости: issuing (deputy, director), the certificate's page and file (staff who see the
student, and the student's guardians), and the public check of a code, open to anyone.

The public pages tell only the number, the date, the school and the document's SHA-256, never anything
about the student, and are rate-limited per address so codes cannot be enumerated.
"""

import hmac
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require_role
from accounts.audit import client_address, security_event, student_record_accessed
from accounts.errors import DomainError
from accounts.models import Role, StudentAccessLog
from gradebook.access import access_student
from gradebook.certificate_pdf import grouped_code
from gradebook.certificates import (
    access_progress_certificate,
    certificate_by_code,
    normalize_code,
    progress_certificate_issue,
    sha256_of,
)
from gradebook.family_selectors import is_guardian

MAX_PDF_BYTES = 5 * 1024 * 1024
VERIFY_LIMIT = 30  # checks of codes per address …
VERIFY_WINDOW = 5 * 60  # … per this many seconds


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40)

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(_("A verification code is 12 letters and digits, like K7M4-QX92-P3AB."))
        return code


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("The certificate's PDF file"))

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_PDF_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        head = upload.read(5)
        upload.seek(0)
        if not head.startswith(b"%PDF"):
            raise ValidationError(_("This is not a PDF file."))
        return upload


@require_role(Role.DEPUTY, Role.DIRECTOR)
@require_POST
def certificate_issue(request, pk):
    student = access_student(user=request.user, id=pk)
    try:
        certificate = progress_certificate_issue(user=request.user, student=student)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("student_detail", pk=student.pk)
    security_event(request, action="certificate.issue", obj=f"certificate:{certificate.pk}")
    messages.success(request, _("Certificate No. %(number)s is issued.") % {"number": certificate.number})
    return redirect("certificate_detail", pk=certificate.pk)


@login_required
def certificate_detail(request, pk):
    certificate = access_progress_certificate(user=request.user, id=pk)
    student_record_accessed(request, student=certificate.student)
    context = {
        "certificate": certificate,
        "c": certificate.content,
        "birth_date": date.fromisoformat(certificate.content["student"]["birth_date"]),
        "code": grouped_code(certificate.verification_code),
        "show_issuer": not is_guardian(user=request.user, student=certificate.student),
    }
    return render(request, "gradebook/certificate_detail.html", context)


def download_name(certificate) -> str:
    number = certificate.number.replace("/", "-")
    return f"Справка об успеваемости {number} {certificate.student.last_name}.pdf"


@login_required
def certificate_download(request, pk):
    certificate = access_progress_certificate(user=request.user, id=pk, action="download")
    try:
        handle = certificate.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    student_record_accessed(request, student=certificate.student, action=StudentAccessLog.Action.DOWNLOAD)
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(certificate), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The public check ---------------------------------------------------------------------------------------


def _over_limit(request) -> bool:
    """Counts a check from this address; True past VERIFY_LIMIT in the current window."""
    key = f"certificate-verify:{client_address(request) or '-'}"
    cache.add(key, 0, VERIFY_WINDOW)
    try:
        return cache.incr(key) > VERIFY_LIMIT
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, VERIFY_WINDOW)
        return False


def _public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_not_required
@require_GET
def certificate_verify_lookup(request):
    """The form to type a code in; a well-formed code goes on to its page."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        return redirect("certificate_verify", code=form.cleaned_data["code"])
    return _public(render(request, "gradebook/certificate_verify.html", {"lookup": form}))


class PdfUploadLimit(FileUploadHandler):
    """Skips an uploaded file once it passes MAX_PDF_BYTES: the rest of it is read but never stored."""

    too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_PDF_BYTES:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _upload_check(request, found, limit: PdfUploadLimit) -> dict:
    """The upload form and, for a valid upload, its SHA-256 and whether it is the issued document's."""
    if request.method != "POST":
        return {"form": DocumentForm()}
    files = request.FILES  # the body is read here (if CSRF's check has not yet), through the limit
    if limit.too_large:
        return {"form": DocumentForm(), "upload_error": _("The file is larger than 5 MB.")}
    form = DocumentForm(request.POST, files)
    if not form.is_valid():
        return {"form": form}
    uploaded = sha256_of(form.cleaned_data["document"])
    return {
        "form": form,
        "uploaded_sha256": uploaded,
        "unchanged": hmac.compare_digest(uploaded, found.sha256),
    }


@login_not_required
@require_http_methods(["GET", "POST"])
@csrf_exempt
def certificate_verify(request, code):
    """What the certificate with this code is (or «not found», 404), and the check of an uploaded file.

    The size limit must be in place before anything reads the body, CSRF's check included; so, as Django
    documents for upload handlers, this view is exempt and the inner one checks CSRF itself."""
    limit = PdfUploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return _certificate_verify(request, code, limit)


@csrf_protect
def _certificate_verify(request, code, limit: PdfUploadLimit):
    if _over_limit(request):
        security_event(request, action="certificate.verify", outcome="throttled")
        context = {"lookup": CodeForm(), "throttled": True}
        return _public(render(request, "gradebook/certificate_verify.html", context, status=429))
    found = certificate_by_code(code=code)
    security_event(request, action="certificate.verify", outcome="found" if found else "not_found")
    context = {"lookup": CodeForm(initial={"code": code}), "code": code, "found": found}
    if found is not None:
        context |= _upload_check(request, found, limit)
    response = render(request, "gradebook/certificate_verify.html", context, status=200 if found else 404)
    return _public(response)
