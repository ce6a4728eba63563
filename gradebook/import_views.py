"""Bulk import pages for the administrator: upload → preview → commit, and the sample files.

Between preview and commit the uploaded file is kept in the default storage under imports/<random
token>, never under a public URL; the session holds the token, and the commit form repeats it so that
a stale preview tab cannot commit a file uploaded later. The file is deleted after the commit.
"""

import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from accounts.models import Role
from gradebook import imports

PENDING_KEY = "import_pending"
UPLOAD_DIR = "imports"
STALE_AFTER = timedelta(days=1)  # longer than any session lives
SAMPLES_DIR = settings.BASE_DIR / "docs" / "import-samples"
SAMPLE_FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": imports.XLSX_CONTENT_TYPE}


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=imports.ImportKind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("XLSX or CSV, up to 5 MB; the first row holds the column headers."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is 5 MB. Split it into several files.")
                % {"size": filesizeformat(upload.size)},
                code="file_too_large",
            )
        return upload


@require_role(Role.ADMIN)
def import_upload(request):
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        _discard_pending(request)
        _purge_stale_uploads()
        upload = form.cleaned_data["file"]
        stored = default_storage.save(f"{UPLOAD_DIR}/{secrets.token_urlsafe(24)}", upload)
        request.session[PENDING_KEY] = {
            "path": stored,
            "token": secrets.token_urlsafe(16),
            "kind": form.cleaned_data["kind"],
            "filename": (upload.name or "")[-200:],
        }
        return redirect("import_preview")
    return render(request, "gradebook/import_upload.html", {"form": form, "kinds": imports.import_kinds()})


@require_role(Role.ADMIN)
def import_preview(request):
    pending = request.session.get(PENDING_KEY)
    if pending is None:
        return render(request, "gradebook/import_preview.html", {"plan": None})
    try:
        with _open_pending(pending) as file:
            plan = imports.import_preview(kind=pending["kind"], file=file, user=request.user)
    except (DomainError, FileNotFoundError) as exc:
        return _back_to_upload(request, exc)
    return render(request, "gradebook/import_preview.html", {"plan": plan, "token": pending["token"]})


@require_role(Role.ADMIN)
@require_POST
def import_commit(request):
    pending = request.session.get(PENDING_KEY)
    if pending is None or not secrets.compare_digest(request.POST.get("token", ""), pending["token"]):
        messages.error(request, _("This import is no longer waiting: upload the file again."))
        return redirect("import_upload")
    try:
        with _open_pending(pending) as file:
            plan = imports.import_commit(kind=pending["kind"], file=file, user=request.user)
    except (DomainError, FileNotFoundError) as exc:
        return _back_to_upload(request, exc)
    action = f"import.{plan.kind}"
    if not plan.committed:  # the database changed since the preview
        security_event(request, action=action, outcome="refused", obj=pending["filename"])
        messages.error(request, _("Nothing was imported: some rows have errors now."))
        return render(request, "gradebook/import_preview.html", {"plan": plan, "token": pending["token"]})
    _discard_pending(request)
    security_event(request, action=action, obj=pending["filename"])
    messages.success(
        request,
        _("Import done: %(create)s created, %(update)s updated, %(unchanged)s unchanged.") % plan.counts,
    )
    return redirect("import_upload")


@require_role(Role.ADMIN)
def import_sample(request, kind, fmt):
    if kind not in imports.ImportKind.values or fmt not in SAMPLE_FORMATS:
        raise Http404
    path = SAMPLES_DIR / f"{kind}.{fmt}"
    if not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"import-{kind}.{fmt}", content_type=SAMPLE_FORMATS[fmt]
    )


def _open_pending(pending) -> File:
    """The stored upload under its original name: the import tells .xlsx from .csv by content and name."""
    if not pending["path"].startswith(f"{UPLOAD_DIR}/"):
        raise FileNotFoundError(pending["path"])
    return File(default_storage.open(pending["path"], "rb"), name=pending["filename"])


def _back_to_upload(request, exc):
    _discard_pending(request)
    if isinstance(exc, DomainError):
        messages.error(request, str(exc.message))
    else:
        messages.error(request, _("The uploaded file is gone: upload it again."))
    return redirect("import_upload")


def _discard_pending(request) -> None:
    pending = request.session.pop(PENDING_KEY, None)
    if pending and pending["path"].startswith(f"{UPLOAD_DIR}/"):
        default_storage.delete(pending["path"])


def _purge_stale_uploads() -> None:
    """Files of imports that were previewed but never committed or replaced (the session ended)."""
    try:
        _dirs, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - STALE_AFTER
    for name in names:
        path = f"{UPLOAD_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
