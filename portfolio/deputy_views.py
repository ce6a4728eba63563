"""The deputy's pages: award proposals and orders (with the order's PDF), external-credit applications
(the family's form too) and the gifted register. Thin: access, one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.errors import DomainError
from accounts.models import Role
from gradebook.access import access_student
from gradebook.selectors import current_year
from portfolio import access, awards, credits, selectors
from portfolio.forms import AwardOrderForm, CreditRequestForm, GiftedEntryForm
from portfolio.models import AwardOrder, AwardProposal, ExternalCreditRequest, GiftedRegistryEntry
from portfolio.uploads import too_large_error, upload_limited, upload_too_large

DECIDERS = (Role.DEPUTY, Role.DIRECTOR)


# Awards ------------------------------------------------------------------------------------------------


@require_role(*DECIDERS)
def portfolio_awards(request):
    year = current_year()
    proposals = list(
        AwardProposal.objects.filter(academic_year=year)
        .select_related("student", "subject", "award__order")
        .prefetch_related("basis_items")
        .order_by("status", "kind", "student__last_name")
    )
    classes = selectors.classes_on(student_ids=[p.student_id for p in proposals], day=timezone.localdate())
    orders = list(AwardOrder.objects.prefetch_related("awards")[:50])
    context = {
        "year": year,
        "proposals": [(p, classes.get(p.student_id, "")) for p in proposals],
        "orders": orders,
        "order_form": AwardOrderForm(
            initial={"date": timezone.localdate(), "title": _("On awarding students")}
        ),
    }
    return render(request, "portfolio/awards.html", context)


@require_role(Role.DEPUTY)
@require_POST
def award_proposals_generate(request):
    year = current_year()
    if year is None:
        raise Http404
    created = awards.award_proposals_generate(user=request.user, year=year)
    messages.success(request, _("New proposals: %(count)s.") % {"count": len(created)})
    return redirect("portfolio_awards")


@require_role(Role.DEPUTY)
@require_POST
def award_proposal_decide(request, pk):
    proposal = get_object_or_404(AwardProposal, pk=pk)
    try:
        awards.award_proposal_decide(
            user=request.user, proposal=proposal, accept=request.POST.get("decision") == "accept"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("portfolio_awards")


@require_role(Role.DEPUTY)
@require_POST
def award_order_create(request):
    form = AwardOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the order's number, date and title."))
        return redirect("portfolio_awards")
    ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()]
    try:
        order = awards.award_order_create(
            user=request.user,
            number=form.cleaned_data["number"],
            on=form.cleaned_data["date"],
            title=form.cleaned_data["title"],
            proposals=list(AwardProposal.objects.filter(pk__in=ids)),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portfolio_awards")
    messages.success(request, _("Order %(order)s is prepared.") % {"order": order})
    return redirect("portfolio_awards")


@require_role(*DECIDERS)
def award_order_pdf(request, pk):
    order = get_object_or_404(AwardOrder, pk=pk)
    response = HttpResponse(awards.award_order_pdf(order), content_type="application/pdf")
    number = order.number.replace("/", "-")
    response["Content-Disposition"] = content_disposition_header(True, f"Приказ о поощрении {number}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# External credit -------------------------------------------------------------------------------------


@login_required
@upload_limited
def credit_request_add(request, pk):
    """The family's application form; anyone else who may see the child gets 404 like an outsider."""
    student = access.access_portfolio_student(user=request.user, id=pk)
    if not access.is_family(user=request.user, student=student):
        raise Http404
    form = CreditRequestForm(request.POST or None, request.FILES or None)
    if upload_too_large(request):
        form.add_error(None, too_large_error().message)
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = credits.CreditData(
            d["organisation"], d["programme"], d["result"], d["completed_on"], d["hours"]
        )
        try:
            credits.credit_request_create(user=request.user, student=student, data=data, files=d["files"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The application is sent to the deputy director."))
            return redirect("portfolio_student", pk=student.pk)
    return render(request, "portfolio/credit_form.html", {"student": student, "form": form})


@require_role(*DECIDERS)
def portfolio_credits(request):
    requests = list(
        ExternalCreditRequest.objects.select_related("student", "submitted_by", "decided_by")
        .prefetch_related("documents")
        .order_by("status", "-submitted_at")[:300]
    )
    return render(request, "portfolio/credits.html", {"requests": requests})


@require_role(Role.DEPUTY)
@require_POST
def credit_request_decide(request, pk):
    application = access.access_credit_request(user=request.user, id=pk, action="decide")
    try:
        credits.credit_request_decide(
            user=request.user,
            request=application,
            accept=request.POST.get("decision") == "accept",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application is decided."))
    return redirect("portfolio_credits")


# The gifted register --------------------------------------------------------------------------------


@require_role(*DECIDERS)
def portfolio_gifted(request):
    form = GiftedEntryForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            student = access_student(user=request.user, id=form.cleaned_data["student"])
            try:
                credits.gifted_entry_add(
                    user=request.user,
                    student=student,
                    basis=form.cleaned_data["basis"],
                    entered_on=form.cleaned_data["entered_on"],
                    registry_number=form.cleaned_data["registry_number"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The entry is added."))
            return redirect("portfolio_gifted")
        messages.error(request, _("Give the basis and the date of the entry."))
    entries = list(
        GiftedRegistryEntry.objects.select_related("student", "item").order_by("student__last_name")
    )
    classes = selectors.classes_on(student_ids={e.student_id for e in entries}, day=timezone.localdate())
    listed = {}
    for entry in entries:
        listed.setdefault(entry.student, []).append(entry)
    rows = [(student, classes.get(student.pk, ""), items) for student, items in listed.items()]
    return render(request, "portfolio/gifted.html", {"rows": rows, "form": form})
