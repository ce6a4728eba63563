"""The journal page and its lesson forms. Cells are saved through gradebook.journal_api."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.errors import DomainError
from accounts.models import Role
from accounts.roles import has_role
from gradebook import journal_services
from gradebook.access import access_journal
from gradebook.journal_api import CellWriteSerializer, GridSerializer, pick_term
from gradebook.journal_selectors import journal_grid
from gradebook.models import (
    AssessmentScale,
    IntermediateAttestation,
    Lesson,
    TermClosure,
    WorkType,
)
from gradebook.year_marks import year_marks


class LessonForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    work_type = forms.ModelChoiceField(
        label=_("Work type"), queryset=WorkType.objects.filter(is_active=True), empty_label=None
    )
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)
    homework = forms.CharField(label=_("Homework"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FillForm(forms.Form):
    value = forms.CharField(label=_("Mark"), max_length=10)


@require_role(Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def journal_page(request, pk):
    assignment = access_journal(user=request.user, id=pk)
    term = pick_term(assignment, request.GET.get("term"))
    grid = journal_grid(assignment=assignment, term=term)
    closed = TermClosure.objects.filter(
        term_id=term.id, school_class_id=assignment.class_subject.school_class_id
    ).exists()
    is_teacher = assignment.teacher_id == request.user.pk
    writable = is_teacher and not closed
    school_class = assignment.class_subject.school_class
    sees_diagnostics = (
        is_teacher
        or school_class.class_teacher_id == request.user.pk
        or has_role(request.user, Role.DEPUTY, Role.DIRECTOR)
    )
    work_types = list(WorkType.objects.filter(is_active=True))
    config = {
        "cellUrl": reverse("api-journal-cell", args=[pk]),
        "termMarkUrl": reverse("api-journal-term-mark", args=[pk]),
        "writable": writable,
        "scale": grid.scale,
        "termId": term.id,
        "grid": GridSerializer(grid).data,
        "ops": CellWriteSerializer.OPS,
    }
    return render(
        request,
        "gradebook/journal.html",
        {
            "assignment": assignment,
            "grid": grid,
            "term": term,
            "writable": writable,
            "closed": closed,
            "can_request_correction": is_teacher and closed,
            "config": config,
            "work_types": work_types,
            "is_five_point": grid.scale == AssessmentScale.FIVE_POINT,
            "sees_diagnostics": sees_diagnostics,
        },
    )


def _back(pk, term_id=None):
    url = reverse("journal", args=[pk])
    return redirect(f"{url}?term={term_id}" if term_id else url)


def _refused(request, error: DomainError):
    messages.error(request, error.message)


def _lesson_form_submit(request, pk, *, save, invalid, done):
    """Validates the lesson form and calls `save(**fields)`; a refusal or a bad form becomes a message."""
    form = LessonForm(request.POST)
    if not form.is_valid():
        messages.error(request, invalid)
        return _back(pk, request.POST.get("term"))
    try:
        save(
            on=form.cleaned_data["date"],
            work_type=form.cleaned_data["work_type"],
            topic=form.cleaned_data["topic"],
            homework=form.cleaned_data["homework"],
        )
        messages.success(request, done)
    except DomainError as error:
        _refused(request, error)
    return _back(pk, request.POST.get("term"))


@require_POST
def journal_lesson_create(request, pk):
    assignment = access_journal(user=request.user, id=pk, action="write")
    return _lesson_form_submit(
        request,
        pk,
        save=lambda **fields: journal_services.lesson_create(
            user=request.user, assignment=assignment, **fields
        ),
        invalid=_("The lesson was not added: check the date and the work type."),
        done=_("Lesson added."),
    )


def _own_lesson(request, pk, lesson_id) -> Lesson:
    assignment = access_journal(user=request.user, id=pk, action="write")
    return get_object_or_404(
        Lesson.objects.select_related("assignment__class_subject__school_class"),
        pk=lesson_id,
        assignment=assignment,
    )


@require_POST
def journal_lesson_update(request, pk, lesson_id):
    lesson = _own_lesson(request, pk, lesson_id)
    return _lesson_form_submit(
        request,
        pk,
        save=lambda **fields: journal_services.lesson_update(user=request.user, lesson=lesson, **fields),
        invalid=_("The lesson was not changed: check the date and the work type."),
        done=_("Lesson saved."),
    )


@require_POST
def journal_lesson_delete(request, pk, lesson_id):
    lesson = _own_lesson(request, pk, lesson_id)
    try:
        journal_services.lesson_delete(
            user=request.user, lesson=lesson, reason=request.POST.get("reason", "")[:500]
        )
        messages.success(request, _("Lesson removed; its marks are kept in the history."))
    except DomainError as error:
        _refused(request, error)
    return _back(pk, request.POST.get("term"))


@require_POST
def journal_column_fill(request, pk, lesson_id):
    lesson = _own_lesson(request, pk, lesson_id)
    form = FillForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the mark to fill the column with."))
        return _back(pk, request.POST.get("term"))
    try:
        filled = journal_services.column_fill(
            user=request.user, lesson=lesson, raw=form.cleaned_data["value"]
        )
        messages.success(
            request,
            ngettext("Filled %(n)d empty cell.", "Filled %(n)d empty cells.", len(filled))
            % {"n": len(filled)},
        )
    except DomainError as error:
        _refused(request, error)
    return _back(pk, request.POST.get("term"))


def journal_year(request, pk):
    """Annual marks (with the suggestion from the term marks), the attestation result and final marks."""
    assignment = access_journal(user=request.user, id=pk)
    writable = assignment.teacher_id == request.user.pk
    if request.method == "POST":
        if not writable:
            raise Http404
        errors = _save_year_rows(request, assignment)
        if errors:
            for name, message in errors:
                messages.error(request, f"{name}: {message}")
        else:
            messages.success(request, _("Saved."))
        return redirect("journal_year", pk=pk)
    data = year_marks(assignment=assignment)
    return render(
        request,
        "gradebook/journal_year.html",
        {
            "assignment": assignment,
            "data": data,
            "writable": writable,
            "forms": IntermediateAttestation.Form.choices,
        },
    )


def _save_year_rows(request, assignment) -> list[tuple[str, str]]:
    """Applies what changed in each row through the services; one row's refusal does not stop the others."""
    from accounts.models import Student

    data = year_marks(assignment=assignment)
    class_subject = assignment.class_subject
    errors = []
    students = {s.pk: s for s in Student.objects.filter(pk__in=[r.student_id for r in data.rows])}
    for row in data.rows:
        student, sid = students[row.student_id], row.student_id
        try:
            annual = request.POST.get(f"annual-{sid}", "").strip()
            reason = request.POST.get(f"reason-{sid}", "").strip()
            if annual and (annual != row.annual or reason != row.annual_reason):
                journal_services.term_mark_set(
                    user=request.user,
                    class_subject=class_subject,
                    student=student,
                    kind="annual",
                    raw=annual,
                    suggested=row.suggestion.result,
                    reason=reason,
                )
            final = request.POST.get(f"final-{sid}", "").strip()
            if data.has_final and final and final != row.final:
                journal_services.term_mark_set(
                    user=request.user, class_subject=class_subject, student=student, kind="final", raw=final
                )
            result = request.POST.get(f"att-{sid}", "").strip()
            if result:
                on = forms.DateField().clean(request.POST.get(f"att-date-{sid}"))
                journal_services.attestation_set(
                    user=request.user,
                    class_subject=class_subject,
                    student=student,
                    form=request.POST.get(f"att-form-{sid}", ""),
                    on=on,
                    raw=result,
                )
        except DomainError as error:
            errors.append((row.name, error.message))
        except forms.ValidationError:
            errors.append((row.name, _("Enter the attestation date.")))
    return errors
