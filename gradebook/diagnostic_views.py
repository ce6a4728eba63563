"""Diagnostic works pages: a class's works, the form of a work with its tasks, and the results grid
(students × tasks, or words per minute for reading technique) saved in one submit.

Who: a teacher sees the works of the subjects they teach in the class and creates and fills them; the
class teacher sees every work of their class; the deputy sees and writes every class's; the director
reads. Anyone else gets 404 (gradebook.access). The pages only parse the form: the rules and every
refusal are in gradebook.diagnostic_services.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import require_role
from accounts.audit import security_event
from accounts.errors import DomainError
from accounts.models import Role
from gradebook.access import (
    access_diagnostic_class,
    access_diagnostic_work,
    diagnostic_class_subjects_of,
    diagnostic_works_visible_to,
)
from gradebook.diagnostic_rules import DEFAULT_THRESHOLDS, default_reading_period
from gradebook.diagnostic_selectors import GridRow, class_diagnostic_works, results_grid
from gradebook.diagnostic_services import (
    MAX_TASKS,
    ResultRow,
    TaskSpec,
    diagnostic_results_record,
    diagnostic_work_create,
    diagnostic_work_delete,
    diagnostic_work_update,
)
from gradebook.models import ClassSubject, DiagnosticResult, DiagnosticWork, ReadingPeriod

READERS = (Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR)
WRITERS = (Role.TEACHER, Role.DEPUTY)
SPARE_TASK_ROWS = 5
MIN_TASK_ROWS = 10


def _whole_or_none(raw: str, what: str) -> int | None:
    """A form field as a whole number, None when empty; a DomainError naming the field otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError(
            _("%(what)s: «%(raw)s» is not a whole number.") % {"what": what, "raw": raw}, code="not_a_number"
        ) from None


@require_role(*READERS)
def class_diagnostics(request, pk):
    """The class's works the user may see, newest first; `?subject=<subject of the class>` narrows them."""
    school_class = access_diagnostic_class(user=request.user, id=pk)
    works = diagnostic_works_visible_to(user=request.user).filter(class_subject__school_class=school_class)
    subject = request.GET.get("subject", "")
    if subject.isdigit():
        works = works.filter(class_subject_id=int(subject))
    writable = diagnostic_class_subjects_of(user=request.user, action="write").filter(
        school_class=school_class
    )
    context = {
        "school_class": school_class,
        "rows": class_diagnostic_works(works=works),
        "can_create": writable.exists(),
        "subject": subject if subject.isdigit() else "",
    }
    return render(request, "gradebook/diagnostics_class.html", context)


class WorkForm(forms.Form):
    class_subject = forms.ModelChoiceField(label=gettext_lazy("Subject"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of work"), choices=DiagnosticWork.Kind.choices)
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    reading_period = forms.TypedChoiceField(
        label=gettext_lazy("Reading norm of"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", gettext_lazy("— by the date —")), *ReadingPeriod.choices],
        help_text=gettext_lazy("Reading technique only: the period whose norm the speed is compared with."),
    )

    def __init__(self, *args, class_subjects, editing: DiagnosticWork | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_subject"].queryset = class_subjects
        self.fields["class_subject"].label_from_instance = lambda cs: cs.subject.name
        if editing is not None:
            del self.fields["class_subject"], self.fields["kind"]
            if not editing.is_reading:
                del self.fields["reading_period"]


@dataclass
class TaskLine:
    number: int
    max_points: str = ""
    pass_points: str = ""
    description: str = ""


def _task_lines(request, work: DiagnosticWork | None) -> list[TaskLine]:
    """The task rows of the form: as posted, or the work's tasks, with spare empty rows."""
    if request.method == "POST":
        lines = [
            TaskLine(
                n,
                request.POST.get(f"task-{n}-max", ""),
                request.POST.get(f"task-{n}-pass", ""),
                request.POST.get(f"task-{n}-description", ""),
            )
            for n in range(1, MAX_TASKS + 1)
            if f"task-{n}-max" in request.POST
        ]
    elif work is not None:
        lines = [
            TaskLine(t.number, str(t.max_points), str(t.pass_points), t.description)
            for t in work.tasks.order_by("number")
        ]
    else:
        lines = []
    rows = min(MAX_TASKS, max(MIN_TASK_ROWS, len(lines) + SPARE_TASK_ROWS))
    return lines + [TaskLine(n) for n in range(len(lines) + 1, rows + 1)]


def _tasks_from(lines: list[TaskLine]) -> list[TaskSpec]:
    """Filled rows become tasks numbered in order; empty rows are skipped."""
    tasks = []
    for line in lines:
        if not (line.max_points.strip() or line.pass_points.strip() or line.description.strip()):
            continue
        n = len(tasks) + 1
        max_points = _whole_or_none(line.max_points, _("Task %(n)s, maximum") % {"n": n})
        pass_points = _whole_or_none(line.pass_points, _("Task %(n)s, passed from") % {"n": n})
        if max_points is None or pass_points is None:
            raise DomainError(
                _("Task %(n)s: enter its maximum and the points from which it is passed.") % {"n": n},
                code="task_incomplete",
            )
        tasks.append(TaskSpec(max_points, pass_points, line.description))
    return tasks


def _thresholds_from(post) -> tuple[int, int, int] | None:
    values = [
        _whole_or_none(post.get(f"threshold_{mark}", ""), _("«%(mark)s» from, %%") % {"mark": mark})
        for mark in (3, 4, 5)
    ]
    if all(v is None for v in values):
        return None
    if any(v is None for v in values):
        raise DomainError(_("Fill in all three marks of the scale, or none."), code="thresholds_incomplete")
    return tuple(values)


def _work_fields(request, form: WorkForm, lines: list[TaskLine], kind: str) -> dict:
    """The service's arguments from a valid form; DomainError for bad task rows or scale."""
    data = form.cleaned_data
    is_reading = kind == DiagnosticWork.Kind.READING
    period = data.get("reading_period")
    if is_reading and period is None:
        period = default_reading_period(data["date"]).value
    return {
        "on": data["date"],
        "title": data["title"],
        "tasks": [] if is_reading else _tasks_from(lines),
        "thresholds": None if is_reading else _thresholds_from(request.POST),
        "reading_period": period if is_reading else None,
    }


def _initial_thresholds(school_class) -> dict:
    if school_class.grade == 1:
        return {}
    return {f"threshold_{m}": t for m, t in zip((3, 4, 5), DEFAULT_THRESHOLDS, strict=True)}


@require_role(*WRITERS)
@require_http_methods(["GET", "POST"])
def diagnostic_work_create_view(request, pk):
    school_class = access_diagnostic_class(user=request.user, id=pk, action="write")
    class_subjects = (
        diagnostic_class_subjects_of(user=request.user, action="write")
        .filter(school_class=school_class)
        .select_related("subject")
        .order_by("subject__order", "subject__name")
    )
    initial = {"date": timezone.localdate(), "class_subject": request.GET.get("subject")}
    form = WorkForm(request.POST or None, class_subjects=class_subjects, initial=initial)
    lines = _task_lines(request, None)
    thresholds = request.POST if request.method == "POST" else _initial_thresholds(school_class)

    def save():
        kind = form.cleaned_data["kind"]
        return diagnostic_work_create(
            user=request.user,
            class_subject=form.cleaned_data["class_subject"],
            kind=kind,
            **_work_fields(request, form, lines, kind),
        )

    return _work_form_submit(
        request,
        form,
        save,
        action="diagnostic_work.create",
        done=_("The work is created: enter its results."),
        context={"school_class": school_class, "lines": lines, "thresholds": thresholds, "work": None},
    )


@require_role(*WRITERS)
@require_http_methods(["GET", "POST"])
def diagnostic_work_edit(request, pk):
    work = access_diagnostic_work(user=request.user, id=pk, action="write")
    school_class = work.class_subject.school_class
    initial = {"date": work.date, "title": work.title, "reading_period": work.reading_period}
    form = WorkForm(
        request.POST or None, class_subjects=ClassSubject.objects.none(), editing=work, initial=initial
    )
    lines = _task_lines(request, work)
    thresholds = (
        request.POST
        if request.method == "POST"
        else {f"threshold_{m}": t for m, t in zip((3, 4, 5), work.thresholds or (), strict=False)}
    )

    def save():
        diagnostic_work_update(user=request.user, work=work, **_work_fields(request, form, lines, work.kind))
        return work

    return _work_form_submit(
        request,
        form,
        save,
        action="diagnostic_work.update",
        done=_("The work is saved."),
        context={"school_class": school_class, "lines": lines, "thresholds": thresholds, "work": work},
    )


def _work_form_submit(request, form, save, *, action: str, done: str, context: dict):
    """The one submit path of the work's create and edit pages: a valid form is saved by `save()`; a refusal
    stays on the page with what was typed; a saved work goes on to its results."""
    if request.method == "POST" and form.is_valid():
        try:
            work = save()
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            security_event(request, action=action, obj=f"diagnostic_work:{work.pk}")
            messages.success(request, done)
            return redirect("diagnostic_results", pk=work.pk)
    return render(request, "gradebook/diagnostics_work_form.html", {**context, "form": form})


@require_role(*WRITERS)
@require_POST
def diagnostic_work_delete_view(request, pk):
    work = access_diagnostic_work(user=request.user, id=pk, action="write")
    class_id = work.class_subject.school_class_id
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Confirm that the work is deleted with its results."))
        return redirect("diagnostic_work_edit", pk=pk)
    try:
        diagnostic_work_delete(user=request.user, work=work)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("diagnostic_results", pk=pk)
    security_event(request, action="diagnostic_work.delete", obj=f"diagnostic_work:{pk}")
    messages.success(request, _("The work is deleted."))
    return redirect("class_diagnostics", pk=class_id)


@dataclass
class EntryRow:
    """A line of the results form: the stored row, and what its inputs show (as posted after a refusal)."""

    row: GridRow
    points: list[str]
    absent: bool
    words_per_minute: str
    reading_way: str
    comprehension: str


def _entry_rows(grid, post=None) -> list[EntryRow]:
    rows = []
    for r in grid.rows:
        sid = r.student_id
        if post is not None and str(sid) in post.getlist("student"):
            rows.append(
                EntryRow(
                    r,
                    [post.get(f"p-{sid}-{t.number}", "") for t in grid.tasks],
                    post.get(f"absent-{sid}") == "1",
                    post.get(f"wpm-{sid}", ""),
                    post.get(f"way-{sid}", ""),
                    post.get(f"comp-{sid}", ""),
                )
            )
        else:
            rows.append(
                EntryRow(
                    r,
                    ["" if p is None else str(p) for p in r.points],
                    r.absent,
                    "" if r.words_per_minute is None else str(r.words_per_minute),
                    r.reading_way,
                    r.comprehension,
                )
            )
    return rows


def _result_rows(post, grid) -> list[ResultRow]:
    """The posted lines as the service's rows; DomainError naming the student for a non-number."""
    names = {r.student_id: r.name for r in grid.rows}
    rows = []
    for raw_id in post.getlist("student"):
        student_id = _whole_or_none(raw_id, _("Student"))
        name = names.get(student_id, "")
        points = tuple(
            _whole_or_none(post.get(f"p-{student_id}-{t.number}", ""), f"{name}, {_('task')} {t.number}")
            for t in grid.tasks
        )
        rows.append(
            ResultRow(
                student_id=student_id,
                absent=post.get(f"absent-{student_id}") == "1",
                points=points,
                words_per_minute=_whole_or_none(post.get(f"wpm-{student_id}", ""), name),
                reading_way=post.get(f"way-{student_id}", "").strip(),
                comprehension=post.get(f"comp-{student_id}", "").strip(),
            )
        )
    return rows


@require_role(*READERS)
@require_http_methods(["GET", "POST"])
def diagnostic_results(request, pk):
    """The results grid; a writer saves the whole class in one submit (a refusal keeps what was typed)."""
    work = access_diagnostic_work(user=request.user, id=pk, action="view")
    writable = diagnostic_class_subjects_of(user=request.user, action="write").filter(
        pk=work.class_subject_id
    )
    writable = writable.exists()
    post = None
    if request.method == "POST":
        if not writable:
            access_diagnostic_work(user=request.user, id=pk, action="write")  # the same 404
        grid = results_grid(work=work)
        try:
            summary = diagnostic_results_record(
                user=request.user, work=work, rows=_result_rows(request.POST, grid)
            )
        except DomainError as error:
            messages.error(request, error.message)
            post = request.POST
        else:
            security_event(request, action="diagnostic_results.record", obj=f"diagnostic_work:{work.pk}")
            messages.success(
                request,
                _("Saved: %(created)s new, %(updated)s changed, %(deleted)s removed.")
                % {"created": summary.created, "updated": summary.updated, "deleted": summary.deleted},
            )
            return redirect("diagnostic_results", pk=work.pk)
    grid = results_grid(work=work)
    context = {
        "work": work,
        "school_class": work.class_subject.school_class,
        "grid": grid,
        "entries": _entry_rows(grid, post),
        "writable": writable,
        "reading_ways": DiagnosticResult.ReadingWay.choices,
        "comprehension_levels": DiagnosticResult.Comprehension.choices,
        "report_url": _report_url(work),
    }
    return render(request, "gradebook/diagnostics_results.html", context)


def _report_url(work: DiagnosticWork) -> str:
    params = f"scope=class&class_id={work.class_subject.school_class_id}&period=year&work_kind={work.kind}"
    return f"{reverse('report_page', args=['diagnostics'])}?{params}"
