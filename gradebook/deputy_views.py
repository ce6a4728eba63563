"""The deputy director's pages for the journal: the marking rules, closing terms, corrections, history."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.errors import DomainError
from accounts.models import Role
from gradebook import journal_services, school_rules, selectors
from gradebook.access import access_journal
from gradebook.models import (
    CorrectionRequest,
    Enrolment,
    GradingPolicy,
    JournalHistory,
    Lesson,
    SchoolClass,
    Term,
    WorkType,
)
from gradebook.term_closing import term_close_check

RULE_MAKERS = (Role.DEPUTY, Role.DIRECTOR)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = GradingPolicy
        fields = [
            "threshold_3",
            "threshold_4",
            "threshold_5",
            "min_marks",
            "absence_share_not_attested",
            "allow_mark_1",
        ]


@require_role(*RULE_MAKERS)
def rules_page(request):
    policy, _created = GradingPolicy.objects.get_or_create(id=1)
    work_types = list(WorkType.objects.all())
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            school_rules.grading_policy_update(**form.cleaned_data)
            for wt in work_types:
                weight = request.POST.get(f"weight-{wt.pk}")
                if weight is not None:
                    school_rules.work_type_update(
                        work_type=wt,
                        weight=Decimal(weight.replace(",", ".")),
                        is_active=f"active-{wt.pk}" in request.POST,
                    )
            messages.success(request, _("The rules are saved; suggestions use them from now on."))
            return redirect("rules")
        except (DomainError, ArithmeticError, ValueError) as error:
            messages.error(request, getattr(error, "message", _("A weight must be a number, like 1.5.")))
    return render(
        request, "gradebook/deputy_rules.html", {"form": form, "policy": policy, "work_types": work_types}
    )


def _scope_classes(request, term: Term) -> tuple[str, list[SchoolClass]]:
    scope = request.GET.get("scope") or request.POST.get("scope") or "school"
    same_scheme = SchoolClass.objects.filter(
        academic_year=term.academic_year,
        grade__in=term.academic_year.grade_schemes.filter(scheme=term.scheme).values("grade"),
    ).order_by("grade", "letter")
    if scope.startswith("class:"):
        classes = list(same_scheme.filter(pk=scope.split(":", 1)[1]))
    elif scope.startswith("grade:"):
        classes = list(same_scheme.filter(grade=scope.split(":", 1)[1]))
    else:
        scope, classes = "school", list(same_scheme)
    return scope, classes


def _default_term(terms: list[Term]) -> Term | None:
    """The quarter in progress (most classes study by quarters), else the first term."""
    from django.utils import timezone

    today = timezone.localdate()
    current = [t for t in terms if t.start_date <= today <= t.end_date]
    return next(
        (t for t in current if t.scheme == "quarter"),
        current[0] if current else (terms[0] if terms else None),
    )


@require_role(Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def terms_page(request):
    year = selectors.current_year()
    terms = list(Term.objects.filter(academic_year=year).order_by("scheme", "number")) if year else []
    term = next((t for t in terms if str(t.pk) == request.GET.get("term")), None) or _default_term(terms)
    context = {"terms": terms, "term": term}
    if term is not None:
        scope, classes = _scope_classes(request, term)
        check = term_close_check(term=term, classes=classes)
        all_classes = SchoolClass.objects.filter(
            academic_year=year, grade__in=year.grade_schemes.filter(scheme=term.scheme).values("grade")
        ).order_by("grade", "letter")
        context |= {
            "scope": scope,
            "check": check,
            "classes": classes,
            "all_classes": all_classes,
            "grades": sorted({c.grade for c in all_classes}),
            "can_close": Role.DEPUTY in request.roles,
        }
    return render(request, "gradebook/deputy_terms.html", context)


@require_role(Role.DEPUTY)
@require_POST
def term_close(request, term_id):
    term = get_object_or_404(Term, pk=term_id)
    scope, classes = _scope_classes(request, term)
    if not classes:
        messages.error(request, _("No classes to close."))
    elif not term_close_check(term=term, classes=classes).ready and "force" not in request.POST:
        messages.error(request, _("Not everything is ready: set the missing term marks (or «н/а») first."))
    else:
        try:
            closed = journal_services.term_close(user=request.user, term=term, classes=classes)
            messages.success(
                request,
                ngettext("Closed for %(n)d class.", "Closed for %(n)d classes.", len(closed))
                % {"n": len(closed)},
            )
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(f"{reverse('terms')}?term={term.pk}&scope={scope}")


@require_role(Role.DEPUTY)
@require_POST
def term_reopen(request, term_id, class_id):
    term = get_object_or_404(Term, pk=term_id)
    school_class = get_object_or_404(SchoolClass, pk=class_id)
    try:
        journal_services.term_reopen(user=request.user, term=term, school_class=school_class)
        messages.success(request, _("Reopened for class %(name)s.") % {"name": school_class.name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('terms')}?term={term.pk}&scope={request.POST.get('scope', 'school')}")


@require_role(Role.DEPUTY, Role.DIRECTOR)
def corrections_page(request):
    pending = CorrectionRequest.objects.filter(status=CorrectionRequest.Status.PENDING)
    decided = CorrectionRequest.objects.exclude(status=CorrectionRequest.Status.PENDING)[:50]
    related = (
        "student",
        "requested_by",
        "decided_by",
        "lesson__assignment__class_subject__subject",
        "lesson__assignment__class_subject__school_class",
        "class_subject__subject",
        "class_subject__school_class",
        "term",
    )
    return render(
        request,
        "gradebook/deputy_corrections.html",
        {
            "pending": pending.select_related(*related),
            "decided": decided.select_related(*related),
            "can_decide": Role.DEPUTY in request.roles,
        },
    )


@require_role(Role.DEPUTY)
@require_POST
def correction_decide(request, pk):
    correction = get_object_or_404(CorrectionRequest, pk=pk)
    try:
        journal_services.correction_request_decide(
            user=request.user,
            request=correction,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", "")[:500],
        )
        messages.success(request, _("Decision recorded."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("corrections")


@require_role(Role.TEACHER)
@require_POST
def correction_request(request, pk):
    """A teacher asks to change a mark of a closed term in their own journal."""
    assignment = access_journal(user=request.user, id=pk, action="write")
    lesson = get_object_or_404(Lesson, pk=request.POST.get("lesson"), assignment=assignment)
    student = get_object_or_404(
        Enrolment.objects.select_related("student"),
        school_class=assignment.class_subject.school_class,
        student=request.POST.get("student"),
    ).student
    try:
        journal_services.correction_request_create(
            user=request.user,
            student=student,
            lesson=lesson,
            new_value=request.POST.get("new_value", ""),
            reason=request.POST.get("reason", "")[:2000],
        )
        messages.success(request, _("The request is sent to the deputy director."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(f"{reverse('journal', args=[pk])}?term={request.POST.get('term', '')}")


def journal_history(request, pk):
    """The history of one journal: every change, who made it, old and new value, reason."""
    assignment = access_journal(user=request.user, id=pk)
    entries = (
        JournalHistory.objects.filter(class_subject=assignment.class_subject)
        .filter(Q(assignment=assignment) | Q(assignment__isnull=True))
        .select_related("actor", "student")
        .order_by("-at", "-id")
    )
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "gradebook/journal_history.html", {"assignment": assignment, "page": page})
