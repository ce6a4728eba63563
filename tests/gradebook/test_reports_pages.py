"""Report pages: the form and one's jobs, the ledger page, live status, and who may download a file."""

from unittest.mock import patch
from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import user_create
from gradebook.models import ReportJob
from gradebook.reports.jobs import report_job_request, report_job_run
from tests.factories import PASSWORD
from tests.gradebook.reports_school import build_reports_school

Status = ReportJob.Status


@pytest.fixture
def school(world):
    return build_reports_school(world)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _ledger_form(response):
    """The ledger's request form among the report cards of the reports page."""
    (card,) = [c for c in response.context["cards"] if c["kind"].slug == "ledger"]
    return card["form"]


def done_job(world, school, user, *, params=None, fmt="xlsx"):
    params = params or {"scope": "class", "class_id": world.class_a.pk, "period": school.term.pk}
    job = report_job_request(user=user, kind="ledger", fmt=fmt, params=params)
    return report_job_run(job_id=job.pk)


def test_the_reports_page_offers_the_deputy_the_school_grades_and_classes(world, school, client_for):
    response = client_for(world.deputy).get(reverse("reports"))
    assert response.status_code == 200
    targets = [value for value, _label in _ledger_form(response).fields["target"].choices]
    assert targets == [
        "school",
        "grade:1",
        "grade:5",
        f"class:{school.class_1.pk}",
        f"class:{world.class_a.pk}",
        f"class:{world.class_b.pk}",
    ]
    periods = [value for value, _label in _ledger_form(response).fields["period"].choices]
    assert periods[-1] == "year" and str(school.term.pk) in periods
    assert _ledger_form(response).fields["period"].initial == str(school.term.pk)  # the last ended term
    html = response.content.decode()
    assert '<script src="/static/js/jobs.js" nonce="' in html


def test_a_class_teacher_is_offered_only_their_classes(world, school, client_for):
    response = client_for(world.ct_a).get(reverse("reports"))
    targets = [value for value, _label in _ledger_form(response).fields["target"].choices]
    assert targets == [f"class:{world.class_a.pk}"]


def test_html_opens_the_ledger_page_with_the_figures(world, school, client_for):
    client = client_for(world.deputy)
    response = client.post(
        reverse("report_job_create"), {"target": "school", "period": school.term.pk, "fmt": "html"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Сводная ведомость итогов успеваемости" in html
    assert "68,44" in html and "66,67" in html and "Аннина Анна" in html
    assert page.context["ledger"].school.students == 7
    assert not ReportJob.objects.exists()


def test_xlsx_creates_a_job_listed_with_its_progress(
    world, school, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.deputy)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("report_job_create"), {"target": "grade:5", "period": school.term.pk, "fmt": "xlsx"}
        )
    assert response.status_code == 302 and response["Location"] == reverse("reports")
    assert len(callbacks) == 1
    job = ReportJob.objects.get()
    assert (job.requested_by, job.status, job.params["scope"], job.params["grade"]) == (
        world.deputy,
        Status.QUEUED,
        "grade",
        5,
    )
    page = client.get(reverse("reports")).content.decode()
    assert f'data-job="{job.pk}" data-live' in page and "<progress" in page and "5-е классы" in page


def test_the_status_endpoint_follows_the_users_own_jobs(world, school, client_for):
    mine = report_job_request(
        user=world.deputy, kind="ledger", fmt="xlsx", params={"scope": "school", "period": school.term.pk}
    )
    finished = done_job(world, school, world.deputy)
    someone_elses = report_job_request(
        user=world.director, kind="ledger", fmt="xlsx", params={"scope": "school", "period": school.term.pk}
    )
    ReportJob.objects.filter(pk=mine.pk).update(status=Status.RUNNING, progress=45)
    client = client_for(world.deputy)
    ids = f"{finished.pk},{someone_elses.pk},not-a-uuid"
    data = client.get(reverse("report_jobs_status"), {"ids": ids}).json()
    states = {job["id"]: job for job in data["jobs"]}
    assert set(states) == {str(mine.pk), str(finished.pk)}
    assert states[str(mine.pk)] == {
        "id": str(mine.pk),
        "status": "running",
        "status_label": "выполняется",
        "progress": 45,
    }
    assert states[str(finished.pk)]["download_url"] == reverse("report_job_download", args=[finished.pk])


def test_the_requester_downloads_the_file_under_its_russian_name(world, school, client_for, media):
    job = done_job(world, school, world.deputy)
    with patch("gradebook.report_views.security_event") as logged:
        response = client_for(world.deputy).get(reverse("report_job_download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(job.result_name)}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert b"".join(response.streaming_content) == (media / job.result_file.name).read_bytes()
    logged.assert_called_once()
    assert logged.call_args.kwargs == {"action": "report.download", "obj": f"report_job:{job.pk}"}


def test_deputies_and_the_director_download_any_job_and_others_get_404(world, school, client_for):
    by_class_teacher = done_job(world, school, world.ct_a)
    by_deputy = done_job(world, school, world.deputy, fmt="pdf")
    another_deputy = user_create(
        username="deputy2", last_name="Второй", first_name="Зам", password=PASSWORD, roles=[Role.DEPUTY]
    )
    allowed = {
        (world.ct_a, by_class_teacher): 200,
        (world.deputy, by_class_teacher): 200,
        (world.director, by_class_teacher): 200,
        (another_deputy, by_deputy): 200,
        (world.director, by_deputy): 200,
        (world.ct_a, by_deputy): 404,
        (world.ct_b, by_class_teacher): 404,
        (world.teacher, by_deputy): 404,
        (world.parent_a, by_deputy): 404,
        (world.admin, by_deputy): 404,
    }
    for (user, job), status in allowed.items():
        response = client_for(user).get(reverse("report_job_download", args=[job.pk]))
        assert response.status_code == status, (user.username, job.requested_by.username)


def test_an_unfinished_or_missing_job_has_nothing_to_download(world, school, client_for):
    queued = report_job_request(
        user=world.deputy, kind="ledger", fmt="xlsx", params={"scope": "school", "period": school.term.pk}
    )
    client = client_for(world.deputy)
    assert client.get(reverse("report_job_download", args=[queued.pk])).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("report_job_download", args=[missing])).status_code == 404


def test_a_class_teacher_reaches_their_own_class_only(world, school, client_for):
    client = client_for(world.ct_a)
    own = client.get(
        reverse("report_ledger"), {"scope": "class", "class_id": world.class_a.pk, "period": school.term.pk}
    )
    assert own.status_code == 200 and "60,00" in own.content.decode()
    for params in (
        {"scope": "class", "class_id": world.class_b.pk, "period": school.term.pk},
        {"scope": "class", "class_id": 987654, "period": school.term.pk},
        {"scope": "grade", "grade": 5, "period": school.term.pk},
        {"scope": "school", "period": "year"},
    ):
        assert client.get(reverse("report_ledger"), params).status_code == 404, params
    post = client.post(
        reverse("report_job_create"), {"target": f"class:{world.class_b.pk}", "period": "year", "fmt": "xlsx"}
    )
    assert post.status_code == 404 and not ReportJob.objects.exists()


def test_invalid_parameters_go_back_to_the_form_with_a_message(world, school, client_for):
    client = client_for(world.deputy)
    response = client.get(reverse("report_ledger"), {"scope": "school", "period": "999999"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports")
    assert "Выберите учебный период этого года или весь год." in response.content.decode()
    response = client.post(
        reverse("report_job_create"), {"target": "grade:x", "period": "year", "fmt": "pdf"}, follow=True
    )
    assert "Неверные параметры отчёта." in response.content.decode()
