"""State exam results (ГИА) pages: the school's results for the deputy, director and administrator, who
add, correct and delete them; a grade-9 or grade-11 class's results for its class teacher."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from accounts.models import Role
from accounts.roles import has_role
from gradebook import exam_selectors, selectors
from gradebook.access import access_school_class
from gradebook.exam_services import state_exam_result_delete, state_exam_result_set
from gradebook.models import StateExamResult, Subject

EXAM_KEEPERS = (Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)


class ExamFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Exam"), required=False, choices=[("", _("all")), *StateExamResult.Kind.choices]
    )
    subject = forms.ModelChoiceField(
        label=_("Subject"), required=False, queryset=Subject.objects.all(), empty_label=_("all")
    )
    school_class = forms.ModelChoiceField(
        label=_("Class"), required=False, queryset=None, empty_label=_("all")
    )

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = exam_selectors.exam_classes(year=year)

    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ExamScoresForm(forms.Form):
    primary_score = forms.IntegerField(label=_("Primary score"))
    test_score = forms.IntegerField(label=_("Test score"), required=False, help_text=_("ЕГЭ only."))
    mark = forms.IntegerField(
        label=_("Mark"), required=False, help_text=_("From 2 to 5; required for ОГЭ and ГВЭ.")
    )


class ExamResultForm(ExamScoresForm):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    kind = forms.ChoiceField(label=_("Exam"), choices=StateExamResult.Kind.choices)
    subject = forms.ModelChoiceField(label=_("Subject"), queryset=Subject.objects.all())
    exam_date = forms.DateField(label=_("Exam date"), widget=forms.DateInput(attrs={"type": "date"}))
    field_order = ["student", "kind", "subject", "exam_date", "primary_score", "test_score", "mark"]

    def __init__(self, *args, candidates: list[exam_selectors.Candidate], **kwargs):
        super().__init__(*args, auto_id="exam_%s", **kwargs)  # the filter form above uses the id_ ones
        self.students = {c.student.pk: c.student for c in candidates}
        self.fields["student"].choices = [
            ("", "—"),
            *((c.student.pk, f"{c.school_class.name} — {c.student.full_name}") for c in candidates),
        ]

    def clean_student(self):
        return self.students[self.cleaned_data["student"]]


def _save(request, form, **key) -> StateExamResult | None:
    """Saves the form through the service; a refusal becomes the form's error."""
    try:
        result = state_exam_result_set(user=request.user, **key, **form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.message)
        return None
    security_event(request, action="state_exam.set", obj=f"state_exam:{result.pk}")
    messages.success(request, _("The result is saved."))
    return result


@require_role(*EXAM_KEEPERS)
def exams_page(request):
    year = selectors.current_year()
    if year is None:
        return render(request, "gradebook/exams_list.html", {"year": None})
    filters = ExamFilterForm(request.GET or None, year=year)
    form = ExamResultForm(request.POST or None, candidates=exam_selectors.exam_candidates(year=year))
    if request.method == "POST" and form.is_valid() and _save(request, form):
        return redirect(request.get_full_path())
    context = {
        "year": year,
        "filters": filters,
        "form": form,
        "report": exam_selectors.exam_report(year=year, **filters.values()),
        "can_import": has_role(request.user, Role.ADMIN),
    }
    return render(request, "gradebook/exams_list.html", context)


def _result(pk) -> StateExamResult:
    return get_object_or_404(StateExamResult.objects.select_related("student", "subject"), pk=pk)


@require_role(*EXAM_KEEPERS)
def exam_result_edit(request, pk):
    """Corrects the scores of a result; a wrong student, exam, subject or date is deleted and added anew."""
    result = _result(pk)
    initial = {"primary_score": result.primary_score, "test_score": result.test_score, "mark": result.mark}
    form = ExamScoresForm(request.POST or None, initial=initial)
    key = {
        "student": result.student,
        "subject": result.subject,
        "kind": result.kind,
        "exam_date": result.exam_date,
    }
    if request.method == "POST" and form.is_valid() and _save(request, form, **key):
        return redirect("exams")
    return render(request, "gradebook/exams_edit.html", {"result": result, "form": form})


@require_role(*EXAM_KEEPERS)
@require_http_methods(["GET", "POST"])
def exam_result_delete(request, pk):
    result = _result(pk)
    if request.method == "POST":
        state_exam_result_delete(user=request.user, result=result)
        security_event(request, action="state_exam.delete", obj=f"state_exam:{pk}")
        messages.success(request, _("The result is deleted."))
        return redirect("exams")
    return render(request, "gradebook/exams_delete.html", {"result": result})


@require_role(Role.CLASS_TEACHER, *EXAM_KEEPERS)
def class_exams(request, pk):
    """Read-only: the class teacher's own grade-9 or grade-11 class; any other class answers 404."""
    school_class = access_school_class(user=request.user, id=pk, action="lead")
    if school_class.grade not in exam_selectors.EXAM_CLASS_GRADES:
        raise Http404
    report = exam_selectors.exam_report(year=school_class.academic_year, school_class=school_class)
    return render(request, "gradebook/exams_class.html", {"school_class": school_class, "report": report})
