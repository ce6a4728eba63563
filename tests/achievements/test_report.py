"""The `metaskills` report kind: the heat map's shares, the year-over-year change, the low-level lists and
the small-group rule, known by hand; the XLSX and PDF jobs; who may ask for which scope.

World: 5А has Анна, Борис and four more (Ученик0–3); 5Б has Вера. Levels of «Планирование»:

    this year   Анна high, Борис low, Ученик0 optimal, Ученик1 optimal, Ученик2 high, Ученик3 low
                → 6 students: low 2, optimal 2, high 2 → 33.33 % each
    last year   (the same six) Анна low, Борис low, Ученик0 low, Ученик1 low, Ученик2 optimal, Ученик3 optimal
                → low 4 (66.67 %), optimal 2 (33.33 %), high 0 (0.00 %)
    change      low 33.33 − 66.67 = −33.34; high 33.33 − 0.00 = +33.33

«Целеполагание» only for Анна, Борис, Вера (3 students in the school) → too few to show.
Personal results of 5А: «Анкета» 2/2/2 (shown), «Тест» 1/1/1 (too few).
"""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from achievements.models import MetaSkillIndicator, MetaSkillLevel
from achievements.report import metaskills_build, metaskills_layout, scope_check
from achievements.services import LevelCell, levels_record, personal_results_record
from gradebook.models import AcademicYear, ReportJob
from gradebook.reports.document import Figure
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.reports.kinds import KINDS
from gradebook.services import enrolment_create, school_class_create
from tests.conftest import PERSONAS
from tests.gradebook.diagnostics_school import enrol

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def levels(world):
    plan = MetaSkillIndicator.objects.get(name="Планирование")
    goal = MetaSkillIndicator.objects.get(name="Целеполагание")
    pupils = [world.anna, world.boris] + [enrol(world, world.class_a, f"Ученик{n}", "Тест") for n in range(4)]
    now = ["high", "low", "optimal", "optimal", "high", "low"]
    cells = [LevelCell(p.pk, plan.pk, lv) for p, lv in zip(pupils, now, strict=True)]
    cells += [LevelCell(world.anna.pk, goal.pk, "high"), LevelCell(world.boris.pk, goal.pk, "low")]
    levels_record(user=world.ct_a, school_class=world.class_a, cells=cells, source="observation")
    levels_record(
        user=world.ct_b,
        school_class=world.class_b,
        cells=[LevelCell(world.vera.pk, goal.pk, "optimal")],
        source="observation",
    )
    start = world.year.start_date
    last = AcademicYear.objects.create(
        name=f"{start.year - 1}/{start.year}",
        start_date=start.replace(year=start.year - 1),
        end_date=start.replace(day=31, month=8),
    )
    class_4a = school_class_create(academic_year=last, grade=4, letter="А")
    before = ["low", "low", "low", "low", "optimal", "optimal"]
    for p, lv in zip(pupils, before, strict=True):
        enrolment_create(student=p, school_class=class_4a, start_date=last.start_date)
        MetaSkillLevel.objects.create(
            student=p,
            academic_year=last,
            indicator=plan,
            level=lv,
            source="observation",
            updated_by=world.ct_a,
            updated_at=timezone.now(),
        )
    on = world.year.start_date
    personal_results_record(
        user=world.ct_a, school_class=world.class_a, methodology="Анкета", on=on, low=2, optimal=2, high=2
    )
    personal_results_record(
        user=world.ct_a, school_class=world.class_a, methodology="Тест", on=on, low=1, optimal=1, high=1
    )
    return last


def build(world, **params):
    return metaskills_build(scope_check(user=world.deputy, params=params or {"scope": "school"}))


def test_the_distribution_change_and_low_lists_by_hand(world, levels):
    report = build(world)
    by_name = {d.indicator: d for d in report.now}
    plan = by_name["Планирование"]
    assert (plan.low, plan.optimal, plan.high) == (2, 2, 2)
    assert [plan.share(lv) for lv in ("low", "optimal", "high")] == [D("33.33")] * 3
    goal = by_name["Целеполагание"]
    assert goal.total == 3 and not goal.shown and goal.share("high") is None
    before = {d.indicator: d for d in report.before}["Планирование"]
    assert (before.share("low"), before.share("high")) == (D("66.67"), D("0.00"))
    assert report.previous_year == levels.name
    low = {x.indicator: x.students for x in report.low}
    assert low["Планирование"] == (("5А", "Борисов Борис"), ("5А", "Ученик3 Тест"))
    assert low["Целеполагание"] == (("5А", "Борисов Борис"),)
    assert {r.methodology: r.counts for r in report.personal} == {"Анкета": (2, 2, 2), "Тест": None}
    assert [name for name, _d in report.by_class] == ["5А", "5Б"]


def test_the_layout_colours_shares_and_hides_small_groups(world, levels):
    document = metaskills_layout(build(world))
    heat = document.sections[0].blocks[0]
    rows = {r.cells[1]: r.cells for r in heat.rows}
    assert rows["Планирование"][2:] == (6, *(Figure(D("33.33"), "percent"),) * 3)
    assert rows["Целеполагание"][2:4] == (3, "too few to show")
    assert all(c.heat for c in heat.columns[3:])
    change = next(s for s in document.sections if s.anchor == "change").blocks[0]
    plan = next(r.cells for r in change.rows if r.cells[0] == "Планирование")
    assert plan[1:] == (D("66.67"), D("33.33"), D("-33.34"), D("0.00"), D("33.33"), D("33.33"))


def test_page_shows_the_heat_map_and_xlsx_and_pdf_jobs(world, levels, client_for):
    page = client_for(world.deputy).get(reverse("report_page", args=["metaskills"]), {"scope": "school"})
    html = page.content.decode()
    assert page.status_code == 200 and "heat heat-1" in html and "Ученик3 Тест" in html
    with translation.override("en"):  # the page left Russian active: the file's labels are checked in English
        job = report_job_run(
            job_id=report_job_request(
                user=world.deputy, kind="metaskills", fmt="xlsx", params={"scope": "school"}
            ).pk
        )
    assert job.status == ReportJob.Status.DONE
    workbook = load_workbook(BytesIO(job.result_file.read()))
    rows = {r[1]: r for r in workbook.worksheets[0].iter_rows(values_only=True) if r and len(r) > 1 and r[1]}
    assert rows["Планирование"][2] == 6 and rows["Планирование"][3] == pytest.approx(0.3333, abs=1e-6)
    assert rows["Целеполагание"][3] == "too few to show"
    personal = {r[1]: r for r in workbook["Personal"].iter_rows(values_only=True) if r and len(r) > 1}
    assert personal["Тест"][3] == "too few to show" and personal["Анкета"][3:6] == (2, 2, 2)
    pdf = report_job_run(
        job_id=report_job_request(
            user=world.deputy, kind="metaskills", fmt="pdf", params={"scope": "school"}
        ).pk
    )
    assert pdf.result_file.read().startswith(b"%PDF")
    again = report_job_request(user=world.deputy, kind="metaskills", fmt="pdf", params={"scope": "school"})
    assert again.pk == pdf.pk
    plan = MetaSkillIndicator.objects.get(name="Планирование")
    levels_record(
        user=world.ct_a,
        school_class=world.class_a,
        cells=[LevelCell(world.anna.pk, plan.pk, "low")],
        source="observation",
    )
    fresh = report_job_request(user=world.deputy, kind="metaskills", fmt="pdf", params={"scope": "school"})
    assert fresh.pk != pdf.pk


SCOPES = {
    "school": lambda w: {"scope": "school"},
    "grade": lambda w: {"scope": "grade", "grade": "5"},
    "class_a": lambda w: {"scope": "class", "class_id": w.class_a.pk},
    "class_b": lambda w: {"scope": "class", "class_id": w.class_b.pk},
}
ALLOWED = {
    "deputy": set(SCOPES),
    "director": set(SCOPES),
    "class_teacher": {"class_a"},
    "other_class_teacher": {"class_b"},
}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
@pytest.mark.parametrize("scope", list(SCOPES))
def test_who_may_see_which_scope(world, client_for, persona, scope):
    response = client_for(world.user(persona)).get(
        reverse("report_page", args=["metaskills"]), SCOPES[scope](world)
    )
    assert response.status_code == (200 if scope in ALLOWED.get(persona, ()) else 404)


def test_the_kind_is_in_the_catalogue_with_both_formats():
    kind = KINDS["metaskills"]
    assert set(kind.renderers) == {"xlsx", "pdf"} and kind.layout is not None and not kind.periods
