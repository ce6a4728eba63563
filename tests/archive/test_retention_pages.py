"""The retention pages and «all data about my child» through HTTP."""

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from accounts.models import Student
from archive.models import DestructionAct
from archive.retention import destruction_act_draft

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def left_long_ago(world, settings, tmp_path):
    """boris left the school in 2015: his personal file expired in 2018."""
    from gradebook.models import Enrolment
    from gradebook.services import academic_year_create, enrolment_create, school_class_create

    settings.MEDIA_ROOT = tmp_path / "media"
    old = academic_year_create(start_year=2014)
    Enrolment.objects.filter(student=world.boris).delete()
    enrolment = enrolment_create(
        student=world.boris,
        school_class=school_class_create(academic_year=old, grade=3, letter="В"),
        start_date=old.start_date,
    )
    enrolment.end_date, enrolment.leave_reason = date(2015, 5, 31), "transfer_school"
    enrolment.save(update_fields=["end_date", "leave_reason"])
    return world


def test_the_page_lists_the_expired_file(client_for, left_long_ago):
    page = client_for(left_long_ago.deputy).get(reverse("retention")).content.decode()
    expired = page.split('id="expired"')[1].split("</table>")[0]
    assert "Борисов Б." in expired and "31.05.2018" in expired


def test_deputy_drafts_director_approves_and_the_job_destroys(
    client_for, left_long_ago, eager, django_capture_on_commit_callbacks
):
    w = left_long_ago
    response = client_for(w.deputy).post(reverse("destruction_act_create"))
    act = DestructionAct.objects.get()
    assert response.status_code == 302 and act.status == "draft"
    assert Student.objects.filter(pk=w.boris.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(w.director).post(reverse("destruction_act_approve", args=[act.pk]))
    act.refresh_from_db()
    assert act.status == "executed" and act.pdf
    assert not Student.objects.filter(last_name="Борисов").exists()
    pdf = client_for(w.deputy).get(reverse("destruction_act_pdf", args=[act.pk]))
    assert pdf.status_code == 200


def test_a_guardian_gets_all_data_about_their_child(client_for, world):
    response = client_for(world.parent_a).get(reverse("my_child_data", args=[world.anna.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    purposes = json.loads(archive.read("purposes.json"))
    assert [r["last_name"] for r in data["accounts.Student"]] == ["Аннина"]
    assert {r["school_class_id"] for r in data["gradebook.Enrolment"]} == {world.class_a.pk}
    assert purposes["gradebook.Enrolment"]["retention"] == "personal_file"
    assert "Борисов" not in archive.read("data.json").decode()


def test_another_parent_gets_404(client_for, world):
    assert client_for(world.parent_b).get(reverse("my_child_data", args=[world.anna.pk])).status_code == 404


def test_nothing_expired_means_no_act(client_for, world):
    with pytest.raises(DomainError) as refused:
        destruction_act_draft(user=world.deputy, today=date(2026, 1, 1), now=NOW)
    assert refused.value.code == "nothing_expired"
    client_for(world.deputy).post(reverse("destruction_act_create"))
    assert not DestructionAct.objects.exists()
