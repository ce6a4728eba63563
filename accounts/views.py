from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.sessions import ACTIVE_ROLE_KEY

# Where each role lands after login. URL names only: the pages belong to the apps that own the data.
ROLE_HOMES = {
    Role.DEPUTY: "school_overview",
    Role.DIRECTOR: "school_overview",
    Role.ADMIN: "school_overview",
    Role.CLASS_TEACHER: "class_teacher_home",
    Role.TEACHER: "teacher_home",
    Role.PARENT: "parent_home",
    Role.STUDENT: "student_home",
}


@login_required
def home(request):
    role = request.active_role
    if role is None:
        return render(request, "accounts/no_role.html")
    return redirect(ROLE_HOMES[role])


@login_required
@require_POST
def role_switch(request):
    role = request.POST.get("role")
    if role in request.roles:
        request.session[ACTIVE_ROLE_KEY] = role
    return redirect("home")
