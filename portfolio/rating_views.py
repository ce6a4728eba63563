"""Staff pages of the rating and the achievements overview, and the deputy's points table.

The full ranking is for staff: the deputy and the director see the school; a class teacher sees the
students of their class (with their places in the class, grade and school). Families see only their
child's place, on the child's portfolio page.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import require_role
from accounts.errors import DomainError
from accounts.models import Role
from accounts.roles import is_school_wide
from gradebook.selectors import current_year
from portfolio import access, selectors, services
from portfolio.models import Level, Result


def _period_context(request) -> dict:
    period, key = selectors.period_from(request.GET)
    return {"period": period, "period_key": key, "period_choices": selectors.period_choices(current_year())}


@require_role(Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def portfolio_rating(request):
    context = _period_context(request)
    ranking = selectors.school_ranking(period=context["period"])
    standings = ranking.standings
    if not is_school_wide(request.user):
        mine = set(access.students_reviewed_by(user=request.user).values_list("pk", flat=True))
        standings = [s for s in standings if s.student_id in mine]
    scope = request.GET.get("grade", "")
    if scope.isdigit():
        standings = [s for s in standings if s.grade == int(scope)]
    grades = sorted({s.grade for s in ranking.standings})
    context |= {"standings": standings, "grades": grades, "grade": scope}
    return render(request, "portfolio/rating.html", context)


@require_role(Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
def portfolio_overview(request):
    context = _period_context(request)
    context["overview"] = selectors.achievements_overview(period=context["period"])
    context["report_query"] = _report_query(context)
    return render(request, "portfolio/overview.html", context)


def _report_query(context) -> str:
    """The same period as the report framework's parameters (XLSX and PDF of the overview)."""
    period, key = context["period"], context["period_key"]
    if key == "custom":
        return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return urlencode({"period": key.removeprefix("term:")})


@require_role(Role.DEPUTY)
def portfolio_points(request):
    """The points table (level × result) and the academic weight, edited by the deputy."""
    table = selectors.points_table()
    weight = selectors.academic_weight()
    errors = []
    if request.method == "POST":
        submitted = {}
        for level in Level.values:
            for result in Result.values:
                raw = request.POST.get(f"p_{level}_{result}", "").strip()
                submitted[(level, result)] = int(raw) if raw.isdigit() else -1
        try:
            services.rating_points_set(
                user=request.user, table=submitted, academic_weight=request.POST.get("academic_weight", "")
            )
        except DomainError as error:
            errors.append(error.message)
            table, weight = submitted, request.POST.get("academic_weight", "")
        else:
            messages.success(request, _("The rating's points are saved."))
            return redirect("portfolio_points")
    rows = [
        (value, label, [(result, table.get((value, result), 0)) for result in Result.values])
        for value, label in Level.choices
    ]
    context = {"rows": rows, "results": Result.choices, "weight": weight, "errors": errors}
    return render(request, "portfolio/points.html", context)
