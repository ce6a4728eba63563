"""A child's pages for the family (and the staff who work with the child): marks by subject, the week's
diary with the parent's «ознакомлен», changed marks; and the class teacher's list of confirmations.

Thin: access through gradebook.access (the same 404 for a missing student and another family's child),
one selector or service, render. Staff views of a student's data are logged.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.access import require_role
from accounts.audit import student_record_accessed
from accounts.errors import DomainError
from accounts.models import Role
from gradebook import family_selectors, family_services
from gradebook.access import access_school_class, access_student
from gradebook.reports.dynamics import dynamics_layout, student_scope
from gradebook.reports.dynamics_data import student_dynamics_build
from gradebook.reports.kinds import KINDS


def parse_week(raw: str | None) -> date:
    """The Monday of the week containing the ?week= day; this week for a missing or malformed one."""
    try:
        return family_selectors.monday_of(date.fromisoformat(raw or ""))
    except ValueError:
        return family_selectors.current_week()


def parse_term(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
def student_marks(request, pk):
    student = access_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    data = family_selectors.student_marks(student=student, term_or_none=parse_term(request.GET.get("term")))
    return render(request, "gradebook/family_marks.html", {"student": student, "data": data})


@login_required
def student_dynamics(request, pk):
    """The student's marks across terms and years (the «Динамика» report's document); those who may build
    reports also get its XLSX and PDF."""
    student = access_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    checked = student_scope(student)
    document = dynamics_layout(student_dynamics_build(checked))
    downloads = KINDS["dynamics"].may_request(request.user)
    context = {"student": student, "document": document, "downloads": downloads}
    return render(request, "gradebook/family_dynamics.html", context)


@login_required
def student_diary(request, pk):
    student = access_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    week = family_selectors.student_week(student=student, week_start=parse_week(request.GET.get("week")))
    guardian = family_selectors.is_guardian(user=request.user, student=student)
    context = {
        "student": student,
        "week": week,
        "can_acknowledge": guardian and not week.is_future,
        "my_acknowledgement": week.acknowledged_by(request.user) if guardian else None,
    }
    return render(request, "gradebook/family_diary.html", context)


@require_POST
def student_diary_acknowledge(request, pk):
    """The «Ознакомлен» button. A person who may see the child but is no guardian gets 403."""
    student = access_student(user=request.user, id=pk)
    raw = request.POST.get("week", "")
    try:
        week_start = date.fromisoformat(raw)
    except ValueError:
        messages.error(request, _("Choose the week to confirm."))
        return redirect("student_diary", pk=student.pk)
    try:
        family_services.week_acknowledge(guardian=request.user, student=student, week_start=week_start)
    except family_services.NotAGuardianError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: the week is confirmed."))
    return redirect(f"{reverse('student_diary', args=[student.pk])}?week={week_start.isoformat()}")


@login_required
def student_changes(request, pk):
    student = access_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    staff = not family_selectors.is_family(user=request.user, student=student)
    changes = family_selectors.student_mark_changes(student=student, with_actors=staff)
    return render(
        request,
        "gradebook/family_changes.html",
        {"student": student, "changes": changes, "show_actor": staff},
    )


@require_role(Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def class_acknowledgements(request, pk):
    school_class = access_school_class(user=request.user, id=pk, action="lead")
    data = family_selectors.class_acknowledgements(
        school_class=school_class, week_start=parse_week(request.GET.get("week"))
    )
    return render(
        request, "gradebook/family_acknowledgements.html", {"school_class": school_class, "data": data}
    )
