"""The role portals and the pages about a class and a student. Thin: access, one selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.access import children_of, own_student_profile, require_role
from accounts.audit import student_record_accessed
from accounts.models import Role
from gradebook import selectors
from gradebook.access import access_school_class, access_student, classes_led_by
from gradebook.reports.access import may_report_on_class

STAFF = (Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)


@require_role(Role.TEACHER)
def teacher_home(request):
    year = selectors.current_year()
    rows = selectors.teacher_assignments(teacher=request.user, year=year) if year else []
    return render(request, "gradebook/teacher_home.html", {"year": year, "rows": rows})


@require_role(Role.CLASS_TEACHER)
def class_teacher_home(request):
    classes = list(classes_led_by(user=request.user).filter(academic_year__is_current=True))
    if len(classes) == 1:
        return redirect("class_detail", pk=classes[0].pk)
    return render(request, "gradebook/class_teacher_home.html", {"classes": classes})


@require_role(Role.PARENT)
def parent_home(request):
    cards = selectors.children_cards(children=children_of(user=request.user))
    return render(request, "gradebook/parent_home.html", {"cards": cards})


@require_role(Role.STUDENT)
def student_home(request):
    student = own_student_profile(user=request.user)
    return redirect("student_detail", pk=student.pk)


@require_role(Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def school_overview(request):
    overview = selectors.school_overview(year=selectors.current_year())
    return render(request, "gradebook/school_overview.html", {"overview": overview})


@require_role(*STAFF)
def class_detail(request, pk):
    school_class = access_school_class(user=request.user, id=pk)
    page = selectors.class_page(school_class=school_class)
    reports = may_report_on_class(user=request.user, school_class=school_class)
    return render(
        request,
        "gradebook/class_detail.html",
        {"page": page, "school_class": school_class, "reports": reports},
    )


@login_required
def student_detail(request, pk):
    student = access_student(user=request.user, id=pk)
    student_record_accessed(request, student=student)
    record = selectors.student_record(student=student)
    return render(request, "gradebook/student_detail.html", {"record": record, "student": student})
