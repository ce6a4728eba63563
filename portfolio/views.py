"""The student's portfolio page, adding and changing items, the review queue and the evidence files.

Thin: access through portfolio.access (the same 404 for a missing record and another family's), one
service or selector, render. Staff views of a student's portfolio and downloads of files are logged.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import student_record_accessed
from accounts.errors import DomainError
from accounts.models import Role, StudentAccessLog
from gradebook.selectors import current_year
from portfolio import access, selectors, services
from portfolio.forms import ChangeReasonForm, EvidenceForm, ItemForm, RejectForm, StaffItemForm
from portfolio.models import PortfolioItem
from portfolio.uploads import too_large_error, upload_limited, upload_too_large


@login_required
def portfolio_student(request, pk):
    student = access.access_portfolio_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    period, key = selectors.period_from(request.GET)
    context = {
        "student": student,
        "portfolio": selectors.student_portfolio(student=student),
        "standing": selectors.student_standing(student=student, period=period),
        "can_add": access.is_family(user=request.user, student=student)
        or access.can_review(user=request.user, student=student),
        "is_family": access.is_family(user=request.user, student=student),
        "is_decider": access.is_decider(request.user),
        "period_choices": selectors.period_choices(current_year()),
        "period": period,
        "period_key": key,
    }
    return render(request, "portfolio/student.html", context)


def _refused_if_too_large(request, form) -> bool:
    """Adds the size refusal to the form when a file went past the limit while it arrived."""
    if upload_too_large(request):
        form.add_error(None, too_large_error().message)
        return True
    return False


@login_required
@upload_limited
def portfolio_item_add(request, pk):
    student = access.access_portfolio_student(user=request.user, id=pk, action="add")
    reviewer = access.can_review(user=request.user, student=student)
    form_class = StaffItemForm if reviewer else ItemForm
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and not _refused_if_too_large(request, form) and form.is_valid():
        try:
            item = services.portfolio_item_create(
                user=request.user,
                student=student,
                data=form.item_data(),
                files=form.cleaned_data["files"],
                verify=reviewer and form.cleaned_data.get("verify", False),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if item.is_verified:
                messages.success(request, _("The achievement is added and verified."))
            else:
                messages.success(request, _("The achievement is sent to the class teacher for verification."))
            return redirect("portfolio_item", pk=item.pk)
    context = {"student": student, "form": form, "item": None, "limit": settings.PORTFOLIO_EVIDENCE_MAX_MB}
    return render(request, "portfolio/item_form.html", context)


def _item_context(request, item: PortfolioItem) -> dict:
    reviewer = access.can_review(user=request.user, student=item.student)
    family = access.is_family(user=request.user, student=item.student)
    may_change = reviewer or (family and not item.is_verified)
    return {
        "item": item,
        "student": item.student,
        "evidence": list(item.evidence.all()),
        "reviewer": reviewer,
        "may_change": may_change,
        "history": selectors.item_history(item=item) if reviewer else [],
        "reject_form": RejectForm(),
        "evidence_form": EvidenceForm(),
    }


@login_required
def portfolio_item(request, pk):
    item = access.access_item(user=request.user, id=pk)
    student_record_accessed(request, student=item.student)
    return render(request, "portfolio/item.html", _item_context(request, item))


@login_required
@upload_limited
def portfolio_item_edit(request, pk):
    item = access.access_item(user=request.user, id=pk, action="edit")
    form = ItemForm(request.POST or None, request.FILES or None, initial=ItemForm.initial_of(item))
    reason_form = ChangeReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and not _refused_if_too_large(request, form)
        and form.is_valid()
        and reason_form.is_valid()
    ):
        try:
            services.portfolio_item_update(
                user=request.user,
                item=item,
                data=form.item_data(),
                files=form.cleaned_data["files"],
                reason=reason_form.cleaned_data["reason"],
                expected_version=_version(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The achievement is saved."))
            return redirect("portfolio_item", pk=item.pk)
    context = {
        "student": item.student,
        "form": form,
        "item": item,
        "reason_form": reason_form,
        "limit": settings.PORTFOLIO_EVIDENCE_MAX_MB,
    }
    return render(request, "portfolio/item_form.html", context)


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@require_POST
@upload_limited
def portfolio_item_evidence(request, pk):
    item = access.access_item(user=request.user, id=pk, action="edit")
    if upload_too_large(request):
        messages.error(request, too_large_error().message)
        return redirect("portfolio_item", pk=item.pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
        return redirect("portfolio_item", pk=item.pk)
    try:
        services.evidence_attach(user=request.user, item=item, files=form.cleaned_data["files"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The file is attached."))
    return redirect("portfolio_item", pk=item.pk)


@require_POST
def portfolio_item_review(request, pk):
    """Verify (decision=verify) or reject with a reason (decision=reject). Reviewers only; others 404."""
    item = access.access_item(user=request.user, id=pk, action="review")
    decision = request.POST.get("decision")
    try:
        if decision == "verify":
            services.portfolio_item_verify(user=request.user, item=item, expected_version=_version(request))
            messages.success(request, _("«%(title)s» is verified.") % {"title": item.title})
        elif decision == "reject":
            services.portfolio_item_reject(
                user=request.user,
                item=item,
                reason=request.POST.get("reason", ""),
                expected_version=_version(request),
            )
            messages.success(request, _("«%(title)s» is rejected.") % {"title": item.title})
        else:
            messages.error(request, _("Choose to verify or to reject."))
    except DomainError as error:
        messages.error(request, error.message)
    if request.POST.get("next") == "queue":
        return redirect("portfolio_review_queue")
    return redirect("portfolio_item", pk=item.pk)


@require_role(Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR)
def portfolio_review_queue(request):
    items = list(access.review_queue_of(user=request.user).prefetch_related("evidence")[:200])
    return render(request, "portfolio/review_queue.html", {"items": items, "reject_form": RejectForm()})


@login_required
def portfolio_evidence(request, pk):
    """The file, as an attachment, to whoever may see its student; 404 for anyone else."""
    evidence = access.access_evidence(user=request.user, id=pk)
    student = evidence.item.student if evidence.item_id else evidence.credit_request.student
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    student_record_accessed(request, student=student, action=StudentAccessLog.Action.DOWNLOAD)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"evidence-{evidence.pk}.{evidence.file.name.rsplit('.', 1)[-1]}",
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
