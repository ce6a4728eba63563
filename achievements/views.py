"""Pages of the meta-subject records: the class teacher's levels grid (from the keyboard, or proposed by a
diagnostic work), the thresholds of a work, class personal results, the characteristic, the results card.
Thin: parse, reach the object through achievements.access (404 otherwise), call one service or selector."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import require_role
from accounts.audit import security_event, student_record_accessed
from accounts.errors import DomainError
from accounts.models import Role, StudentAccessLog
from achievements import access, card, selectors, services
from achievements.models import Characteristic, Level, Source
from gradebook.access import access_diagnostic_work
from gradebook.models import AcademicYear
from gradebook.selectors import current_year

RECORDERS = (Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR)


def _saved(request, summary):
    messages.success(
        request,
        _("Saved: %(created)s new, %(updated)s changed, %(deleted)s removed.")
        % {"created": summary.created, "updated": summary.updated, "deleted": summary.deleted},
    )


# ── Levels grid ───────────────────────────────────────────────────────────────────────────────────────


@require_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def levels_class(request, pk):
    """Students × indicators. With ?work=<id> the levels the work's thresholds give are proposed; saving
    confirms them (source: the diagnostic work). Otherwise the source is chosen on the form."""
    school_class = access.access_levels_class(user=request.user, id=pk)
    works = selectors.works_with_thresholds(school_class=school_class)
    work = _work_of(request, works)
    on = selectors.grid_day(school_class)
    if request.method == "POST":
        grid = selectors.levels_grid(school_class=school_class, on=on)
        cells = [
            services.LevelCell(
                row.student_id, c.indicator_id, request.POST.get(f"l-{row.student_id}-{c.indicator_id}", "")
            )
            for row in grid.rows
            for c in row.cells
        ]
        source = Source.DIAGNOSTIC if work else request.POST.get("source", Source.OBSERVATION)
        try:
            summary = services.levels_record(
                user=request.user, school_class=school_class, cells=cells, source=source, diagnostic_work=work
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            security_event(request, action="metaskill_levels.record", obj=f"school_class:{school_class.pk}")
            _saved(request, summary)
            return redirect("levels_class", pk=school_class.pk)
    context = {
        "school_class": school_class,
        "grid": selectors.levels_grid(school_class=school_class, on=on, work=work),
        "works": works,
        "levels": Level.choices,
        "sources": [(v, label) for v, label in Source.choices if v != Source.DIAGNOSTIC],
        "personal_url": reverse("personal_results", args=[school_class.pk]),
    }
    return render(request, "achievements/levels_class.html", context)


def _work_of(request, works):
    raw = request.GET.get("work") or request.POST.get("work")
    if not raw:
        return None
    try:
        return works.get(pk=raw)
    except (works.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@require_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def level_thresholds(request, pk):
    """Which tasks of the work measure which indicator, and from which share of their points each level."""
    work = access_diagnostic_work(user=request.user, id=pk, action="view")
    school_class = access.access_levels_class(user=request.user, id=work.class_subject.school_class_id)
    indicators = selectors.active_indicators(grade=school_class.grade)
    current = {t.indicator_id: t for t in work.level_thresholds.all()}
    values = {}
    if request.method == "POST":
        rows, values = _threshold_rows(request.POST, indicators)
        try:
            services.level_thresholds_set(user=request.user, work=work, rows=rows)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thresholds saved. Check the proposed levels and save them."))
            return redirect(f"{reverse('levels_class', args=[school_class.pk])}?work={work.pk}")
    lines = []
    for ind in indicators:
        t = current.get(ind.pk)
        stored = (",".join(map(str, t.task_numbers)), t.optimal_from, t.high_from) if t else ("", "", "")
        lines.append((ind, values.get(ind.pk, stored)))
    context = {
        "work": work,
        "school_class": school_class,
        "lines": lines,
        "tasks": list(work.tasks.all()),
    }
    return render(request, "achievements/thresholds.html", context)


def _threshold_rows(post, indicators):
    """Filled lines of the form → ThresholdRow; a line with nothing in it measures nothing. Unparseable
    numbers become 0, which the service refuses with its message."""
    rows, values = [], {}
    for ind in indicators:
        tasks = post.get(f"tasks-{ind.pk}", "").strip()
        low, high = post.get(f"opt-{ind.pk}", "").strip(), post.get(f"high-{ind.pk}", "").strip()
        values[ind.pk] = (tasks, low, high)
        if not (tasks or low or high):
            continue
        numbers = tuple(_int(n) for n in tasks.replace(";", ",").replace(" ", ",").split(",") if n)
        rows.append(services.ThresholdRow(ind.pk, numbers, _int(low), _int(high)))
    return rows, values


def _int(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


# ── Personal results ──────────────────────────────────────────────────────────────────────────────────


@require_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def personal_results(request, pk):
    school_class = access.access_levels_class(user=request.user, id=pk)
    if request.method == "POST":
        try:
            on = date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            messages.error(request, _("Enter the date as YYYY-MM-DD."))
        else:
            try:
                services.personal_results_record(
                    user=request.user,
                    school_class=school_class,
                    methodology=request.POST.get("methodology", ""),
                    on=on,
                    low=_int(request.POST.get("low")),
                    optimal=_int(request.POST.get("optimal")),
                    high=_int(request.POST.get("high")),
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("personal_results", pk=school_class.pk)
    context = {
        "school_class": school_class,
        "rows": selectors.class_personal_results(school_class=school_class),
        "post": request.POST if request.method == "POST" else {},
    }
    return render(request, "achievements/personal_results.html", context)


# ── Characteristic ────────────────────────────────────────────────────────────────────────────────────


def _year_param(request) -> AcademicYear:
    raw = request.GET.get("year") or request.POST.get("year")
    if raw:
        try:
            return AcademicYear.objects.get(pk=raw)
        except (AcademicYear.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
    year = current_year()
    if year is None:
        raise Http404
    return year


@require_role(*RECORDERS)
@require_http_methods(["GET", "POST"])
def characteristic_edit(request, pk):
    """Write a new version of the student's characteristic of the year; the versions are listed below."""
    year = _year_param(request)
    student = access.access_characteristic_student(user=request.user, id=pk, year=year)
    latest = selectors.characteristic_of(student=student, year=year, drafts=True)
    initial = {
        "achievements": latest.achievements if latest else "",
        "qualities": latest.qualities if latest else "",
        "development": latest.development if latest else "",
    }
    if request.method == "POST":
        initial = {k: request.POST.get(k, "") for k in initial}
        try:
            services.characteristic_save(user=request.user, student=student, year=year, **initial)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("A new version is saved as a draft."))
            return redirect(f"{reverse('characteristic_edit', args=[student.pk])}?year={year.pk}")
    context = {
        "student": student,
        "year": year,
        "initial": initial,
        "versions": selectors.characteristic_versions(student=student, year=year),
    }
    return render(request, "achievements/characteristic.html", context)


@require_role(*RECORDERS)
@require_POST
def characteristic_publish(request, pk):
    version = get_object_or_404(Characteristic.objects.select_related("student", "academic_year"), pk=pk)
    access.access_characteristic_student(user=request.user, id=version.student_id, year=version.academic_year)
    try:
        services.characteristic_publish(user=request.user, characteristic=version)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Published: the student and their guardians now see this version."))
    return redirect(
        f"{reverse('characteristic_edit', args=[version.student_id])}?year={version.academic_year_id}"
    )


# ── Results card ──────────────────────────────────────────────────────────────────────────────────────


def _card_of(request, pk):
    student = access.access_card_student(user=request.user, id=pk)
    years = card.years_of(student)
    raw = request.GET.get("year", "")
    if raw == "all":
        year = None
    elif raw:
        year = next((y for y in years if str(y.pk) == raw), None)
        if year is None:
            raise Http404
    else:
        today = timezone.localdate()
        year = next((y for y in reversed(years) if y.start_date <= today), years[-1] if years else None)
    drafts = access.sees_drafts(user=request.user, student=student)
    return student, years, card.results_card(student=student, year=year, drafts=drafts)


@login_required
def results_card(request, pk):
    student, years, the_card = _card_of(request, pk)
    student_record_accessed(request, student=student)
    writes = bool(the_card.years) and not the_card.all_years
    writes = writes and access.can_record_for(user=request.user, student=student, year=the_card.years[0].year)
    context = {"student": student, "years": years, "card": the_card, "writes_characteristic": writes}
    return render(request, "achievements/card.html", context)


@login_required
def results_card_pdf(request, pk):
    student, _years, the_card = _card_of(request, pk)
    student_record_accessed(request, student=student, action=StudentAccessLog.Action.EXPORT)
    response = HttpResponse(card.results_card_pdf(the_card), content_type="application/pdf")
    name = f"Карта результатов {student.full_name}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
