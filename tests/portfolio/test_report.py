"""The achievements overview as a report kind: the page, the XLSX and PDF jobs, who may ask for it.

World: in the current year, verified — anna: school olympiad winner, municipal olympiad participant; vera:
regional sport prize-winner; submitted — boris: a contest (not counted but «waiting»)."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.errors import DomainError
from gradebook.models import ReportJob
from gradebook.reports.jobs import report_job_request, report_job_run
from gradebook.reports.kinds import KINDS
from portfolio.report import overview_check
from portfolio.services import ItemData, portfolio_item_create
from tests.conftest import PERSONAS


@pytest.fixture(autouse=True)
def _english():
    """The messages and the file's labels are checked in English, the msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def items(world):
    def add(student, kind, level, result, verify=True):
        data = ItemData(kind=kind, title=kind, date=world.year.start_date, level=level, result=result)
        user = world.deputy if verify else world.parent_a
        return portfolio_item_create(user=user, student=student, data=data, verify=verify)

    add(world.anna, "olympiad", "school", "winner")
    add(world.anna, "olympiad", "municipal", "participant")
    add(world.vera, "sport", "regional", "prize_winner")
    add(world.boris, "contest", "school", "winner", verify=False)


def test_xlsx_job_has_the_counts_by_hand(world, items):
    job = report_job_request(user=world.deputy, kind="achievements", fmt="xlsx", params={"period": "year"})
    job = report_job_run(job_id=job.pk)
    assert job.status == ReportJob.Status.DONE
    sheet = load_workbook(BytesIO(job.result_file.read())).active
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["verified achievements"][0] == 3
    assert rows["students with achievements"][0] == 2
    assert rows["waiting for verification"][0] == 1
    assert rows["olympiad"][:7] == (1, 1, 0, 0, 0, 0, 2)
    assert rows["sport competition"][:7] == (0, 0, 1, 0, 0, 0, 1)
    assert rows["participant"][0] == 1 and rows["prize-winner"][0] == 1 and rows["winner"][0] == 1


def test_pdf_job_and_the_same_file_for_unchanged_data(world, items):
    job = report_job_run(
        job_id=report_job_request(
            user=world.deputy, kind="achievements", fmt="pdf", params={"period": "year"}
        ).pk
    )
    assert job.result_file.read().startswith(b"%PDF")
    again = report_job_request(user=world.deputy, kind="achievements", fmt="pdf", params={"period": "year"})
    assert again.pk == job.pk and again.status == ReportJob.Status.DONE
    portfolio_item_create(
        user=world.deputy,
        student=world.boris,
        data=ItemData(
            kind="gto",
            title="ГТО",
            date=world.year.start_date,
            level="school",
            result="winner",
            gto_badge="gold",
            gto_stage=3,
        ),
        verify=True,
    )
    fresh = report_job_request(user=world.deputy, kind="achievements", fmt="pdf", params={"period": "year"})
    assert fresh.pk != job.pk


def test_custom_dates_and_bad_periods(world, items):
    start = world.year.start_date.isoformat()
    checked = overview_check(user=world.deputy, params={"start": start, "end": start})
    assert checked.params()["start"] == start
    with pytest.raises(DomainError):
        overview_check(user=world.deputy, params={"period": "999999"})
    with pytest.raises(DomainError):
        overview_check(user=world.deputy, params={"start": "2026-10-01", "end": "2026-09-01"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_opens_the_report_page(world, items, client_for, persona):
    response = client_for(world.user(persona)).get(
        reverse("report_page", args=["achievements"]), {"period": "year"}
    )
    expected = 200 if persona in ("deputy", "director") else 302 if persona == "anonymous" else 404
    assert response.status_code == expected


def test_the_kind_is_in_the_catalogue():
    assert set(KINDS["achievements"].renderers) == {"xlsx", "pdf"}


def test_the_overview_page_links_to_the_report_of_the_same_period(world, items, client_for):
    page = client_for(world.deputy).get(
        reverse("portfolio_overview"), {"start": "2026-09-01", "end": "2026-09-30"}
    )
    assert "/reports/achievements/?start=2026-09-01&amp;end=2026-09-30" in page.content.decode()
    report = client_for(world.deputy).get(
        reverse("report_page", args=["achievements"]), {"start": "2026-09-01", "end": "2026-09-30"}
    )
    assert report.status_code == 200 and "01.09.2026–30.09.2026" in report.content.decode()
