"""The archive pages through HTTP: closing a year, building, downloading (logged) and verifying a copy."""

import io
import json
import logging
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from archive.models import ArchivePackage, PersonalFileRecord
from archive.packages import archive_package_request, archive_package_run, package_zip
from archive.year_close import year_close
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_the_deputy_closes_a_ready_year_from_the_page(client_for, media):
    school = build_archive_school()
    client = client_for(school.deputy)
    page = client.get(reverse("archive_home"))
    assert "2024/2025" in page.content.decode()
    response = client.post(
        reverse("archive_year_close", args=[school.year.pk]), {"issued_on": "2025-06-28"}, follow=True
    )
    school.year.refresh_from_db()
    assert school.year.closed_at is not None
    assert PersonalFileRecord.objects.count() == 5
    assert "Записей личных дел: 5, записей в книге выдачи аттестатов: 2." in response.content.decode()


def test_the_director_cannot_close_a_year(client_for, media):
    school = build_archive_school()
    response = client_for(school.director).post(reverse("archive_year_close", args=[school.year.pk]))
    assert response.status_code == 404
    school.year.refresh_from_db()
    assert school.year.closed_at is None


def test_a_refused_close_shows_the_reason_and_writes_nothing(client_for, media):
    school = build_archive_school(annual=False)
    response = client_for(school.deputy).post(
        reverse("archive_year_close", args=[school.year.pk]), follow=True
    )
    assert "5А: 4" in response.content.decode()  # the count of missing annual marks of 5А (2 students × 2)
    school.year.refresh_from_db()
    assert school.year.closed_at is None and not PersonalFileRecord.objects.exists()


@pytest.fixture
def package(media):
    school = build_archive_school()
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    school.year.refresh_from_db()
    built = archive_package_request(user=school.deputy, year=school.year, now=NOW)
    return school, archive_package_run(package_id=built.pk, now=NOW)


def test_every_download_is_logged(client_for, package, caplog):
    school, built = package
    with caplog.at_level(logging.INFO, logger="security"):
        response = client_for(school.director).get(reverse("archive_package_download", args=[built.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == package_zip(built)
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "security"]
    assert [(e["actor"], e["action"], e["object"]) for e in events] == [
        ("a_director", "archive.download", f"archive_package:{built.pk}")
    ]


def test_a_tampered_copy_is_rejected_with_the_file_named(client_for, package):
    school, built = package
    source = zipfile.ZipFile(io.BytesIO(package_zip(built)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(
                info.filename,
                body.replace(b'"mark": "2"', b'"mark": "5"') if info.filename.endswith("data.json") else body,
            )
    out.name = "copy.zip"
    out.seek(0)
    response = client_for(school.deputy).post(
        reverse("archive_package_verify", args=[built.pk]), {"copy": out}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        'id="verification" class="tag bad"' in page
        and "data.json" in page.split('id="verification"')[1].split("</p>")[0]
    )


def test_the_packages_list_reports_progress_as_json(client_for, package):
    school, built = package
    queued = ArchivePackage.objects.create(
        scope="year",
        academic_year=school.year,
        requested_by=school.deputy,
        requested_at=NOW,
        progress=40,
        status="running",
    )
    response = client_for(school.deputy).get(
        reverse("archive_packages_status") + f"?ids={built.pk},{queued.pk}"
    )
    jobs = {j["id"]: (j["status"], j["progress"], bool(j["download_url"])) for j in response.json()["jobs"]}
    assert jobs == {str(built.pk): ("done", 100, True), str(queued.pk): ("running", 40, False)}
