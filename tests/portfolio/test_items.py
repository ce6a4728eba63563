"""Portfolio items: who adds, who verifies, what a family may change, the history, and the files' access.

World (tests/conftest.py): anna and boris (5А, class teacher ct_a) are parent_a's; vera (5Б, ct_b) is
parent_b's; anna and vera log in.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import StudentAccessLog
from portfolio.models import Evidence, PortfolioHistory, PortfolioItem
from portfolio.services import (
    ItemData,
    evidence_attach,
    portfolio_item_create,
    portfolio_item_reject,
    portfolio_item_update,
    portfolio_item_verify,
)
from tests.portfolio.scans import EXECUTABLE, GPS_MARK, jpeg_bytes, pdf_bytes, upload


def diploma(**changes) -> ItemData:
    fields = {
        "kind": "olympiad",
        "title": "Муниципальная олимпиада по математике",
        "date": timezone.localdate() - timedelta(days=3),
        "level": "municipal",
        "result": "winner",
    }
    return ItemData(**(fields | changes))


def history_of(item) -> list[str]:
    return list(
        PortfolioHistory.objects.filter(entity="item", entity_id=item.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_parent_adds_a_submitted_item_with_a_scan(world):
    item = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(), files=[upload("d.pdf", pdf_bytes())]
    )
    assert item.status == "submitted" and item.verified_by is None
    assert item.evidence.get().content_type == "application/pdf"
    assert history_of(item) == ["create"]
    assert PortfolioHistory.objects.filter(entity="evidence").count() == 1


def test_parent_cannot_verify_their_own_item(world):
    with pytest.raises(DomainError) as caught:
        portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma(), verify=True)
    assert caught.value.code == "not_reviewer"
    assert not PortfolioItem.objects.exists()


def test_other_family_cannot_add_for_a_child(world):
    with pytest.raises(DomainError):
        portfolio_item_create(user=world.parent_b, student=world.anna, data=diploma())
    assert not PortfolioItem.objects.exists()


def test_class_teacher_adds_and_verifies_at_once(world):
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=diploma(), verify=True)
    assert item.status == "verified" and item.verified_by == world.ct_a and item.verified_at


def test_class_teacher_of_another_class_does_not_review(world):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    with pytest.raises(DomainError) as caught:
        portfolio_item_verify(user=world.ct_b, item=item)
    assert caught.value.code == "not_reviewer"
    item.refresh_from_db()
    assert item.status == "submitted"


def test_verify_then_reject_needs_reason_and_keeps_history(world):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    portfolio_item_verify(user=world.ct_a, item=item)
    with pytest.raises(DomainError) as caught:
        portfolio_item_reject(user=world.ct_a, item=item, reason="  ")
    assert caught.value.code == "reason_required"
    portfolio_item_reject(user=world.deputy, item=item, reason="Диплом другого ученика")
    item.refresh_from_db()
    assert (item.status, item.rejection_reason, item.verified_by) == (
        "rejected",
        "Диплом другого ученика",
        world.deputy,
    )
    assert history_of(item) == ["create", "verify", "reject"]


def test_family_cannot_change_a_verified_item(world):
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=diploma(), verify=True)
    with pytest.raises(DomainError) as caught:
        portfolio_item_update(
            user=world.parent_a, item=item, data=diploma(level="all_russian"), reason="опечатка"
        )
    assert caught.value.code == "verified_locked"
    item.refresh_from_db()
    assert item.level == "municipal" and history_of(item) == ["create"]


def test_staff_change_of_a_verified_item_needs_a_reason_and_is_kept(world):
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=diploma(), verify=True)
    with pytest.raises(DomainError):
        portfolio_item_update(user=world.ct_a, item=item, data=diploma(level="regional"))
    portfolio_item_update(
        user=world.ct_a, item=item, data=diploma(level="regional"), reason="уровень по приказу"
    )
    item.refresh_from_db()
    assert item.level == "regional" and item.status == "verified"
    entry = PortfolioHistory.objects.filter(entity="item", entity_id=item.pk, action="update").get()
    assert (entry.old["level"], entry.new["level"], entry.reason) == (
        "municipal",
        "regional",
        "уровень по приказу",
    )


def test_family_change_of_a_rejected_item_sends_it_for_review_again(world):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    portfolio_item_reject(user=world.ct_a, item=item, reason="Нет скана")
    portfolio_item_update(user=world.parent_a, item=item, data=diploma(title="Олимпиада (исправлено)"))
    item.refresh_from_db()
    assert (item.status, item.rejection_reason, item.verified_by) == ("submitted", "", None)


def test_stale_version_is_refused(world):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    portfolio_item_verify(user=world.ct_a, item=item)
    with pytest.raises(DomainError) as caught:
        portfolio_item_reject(user=world.deputy, item=item, reason="x", expected_version=1)
    assert caught.value.code == "version_conflict"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "gto"}, "gto_fields"),
        ({"kind": "gto", "gto_badge": "gold", "gto_stage": 19}, "gto_fields"),
        ({"kind": "volunteering"}, "hours_required"),
        ({"title": " "}, "title_required"),
        ({"level": "galactic"}, "invalid_level"),
        ({"date": timezone.localdate() + timedelta(days=1)}, "future_date"),
    ],
)
def test_bad_item_data_is_refused_and_nothing_is_stored(world, changes, code):
    with pytest.raises(DomainError) as caught:
        portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma(**changes))
    assert caught.value.code == code
    assert not PortfolioItem.objects.exists() and not PortfolioHistory.objects.exists()


def test_gto_fields_are_kept_only_for_gto(world):
    gto = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(kind="gto", gto_badge="silver", gto_stage=3)
    )
    other = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(gto_badge="gold", gto_stage=2)
    )
    assert (gto.gto_badge, gto.gto_stage) == ("silver", 3)
    assert (other.gto_badge, other.gto_stage) == ("", None)


def test_disguised_upload_refuses_the_whole_item(world):
    with pytest.raises(DomainError) as caught:
        portfolio_item_create(
            user=world.parent_a, student=world.anna, data=diploma(), files=[upload("диплом.pdf", EXECUTABLE)]
        )
    assert caught.value.code == "wrong_type"
    assert not PortfolioItem.objects.exists() and not Evidence.objects.exists()


def test_family_attaches_no_files_to_a_verified_item(world):
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=diploma(), verify=True)
    with pytest.raises(DomainError):
        evidence_attach(user=world.parent_a, item=item, files=[upload("d.pdf", pdf_bytes())])
    assert not item.evidence.exists()


# Pages and files ---------------------------------------------------------------------------------------


def test_parent_adds_through_the_page_and_a_disguised_file_is_refused_in_russian(world, client):
    client.force_login(world.parent_a)
    url = reverse("portfolio_item_add", args=[world.anna.pk])
    form = {
        "kind": "contest",
        "title": "Конкурс чтецов",
        "date": "2026-01-10",
        "level": "school",
        "result": "winner",
    }
    form["date"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url, form | {"files": upload("стихи.pdf", b"<html>x</html>")}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 200
    assert not PortfolioItem.objects.exists()
    assert "PDF, JPEG" in response.content.decode()
    response = client.post(url, form | {"files": upload("photo.jpg", jpeg_bytes(), "image/jpeg")})
    item = PortfolioItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portfolio_item", args=[item.pk])
    assert item.status == "submitted"
    stored = item.evidence.get()
    assert stored.file.name.startswith("private/portfolio/") and stored.file.name.endswith(".jpg")
    assert GPS_MARK not in stored.file.read()


def test_evidence_download_is_an_attachment_with_nosniff_and_other_family_gets_404(world, client_for):
    item = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(), files=[upload("d.pdf", pdf_bytes())]
    )
    evidence = item.evidence.get()
    url = reverse("portfolio_evidence", args=[evidence.pk])
    response = client_for(world.parent_a).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    with evidence.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()  # the stored (rewritten) scan
    for other in (world.parent_b, world.vera_user, world.ct_b):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).get(reverse("portfolio_item", args=[item.pk])).status_code == 404
        assert client_for(other).get(reverse("portfolio_student", args=[world.anna.pk])).status_code == 404
    missing = client_for(world.parent_b).get(reverse("portfolio_evidence", args=[evidence.pk + 100]))
    assert missing.status_code == 404


def test_staff_download_is_logged(world, client_for):
    item = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(), files=[upload("d.pdf", pdf_bytes())]
    )
    client_for(world.ct_a).get(reverse("portfolio_evidence", args=[item.evidence.get().pk]))
    assert StudentAccessLog.objects.filter(actor=world.ct_a, student=world.anna, action="download").exists()


def test_review_queue_shows_only_the_class_teachers_class(world, client_for):
    anna_item = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=diploma(title="Аннин диплом")
    )
    portfolio_item_create(user=world.parent_b, student=world.vera, data=diploma(title="Верин диплом"))
    page = client_for(world.ct_a).get(reverse("portfolio_review_queue")).content.decode()
    assert "Аннин диплом" in page and "Верин диплом" not in page
    response = client_for(world.ct_a).post(
        reverse("portfolio_item_review", args=[anna_item.pk]),
        {"decision": "reject", "reason": "", "next": "queue"},
    )
    assert response.status_code == 302
    anna_item.refresh_from_db()
    assert anna_item.status == "submitted"  # a rejection without a reason is refused
    client_for(world.ct_a).post(reverse("portfolio_item_review", args=[anna_item.pk]), {"decision": "verify"})
    anna_item.refresh_from_db()
    assert anna_item.status == "verified"


def test_family_sees_the_rejection_reason(world, client_for):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    portfolio_item_reject(user=world.ct_a, item=item, reason="Нет печати организатора")
    page = (
        client_for(world.anna_user).get(reverse("portfolio_student", args=[world.anna.pk])).content.decode()
    )
    assert "Нет печати организатора" in page


def test_portfolio_page_and_queue_queries_do_not_grow_with_items(
    world, client_for, django_assert_max_num_queries
):
    for n in range(6):
        portfolio_item_create(
            user=world.parent_a,
            student=world.anna,
            data=diploma(title=f"Диплом {n}"),
            files=[upload(f"d{n}.pdf", pdf_bytes())],
        )
    client = client_for(world.ct_a)
    client.get(reverse("portfolio_student", args=[world.anna.pk]))  # warm the session and the role cache
    with django_assert_max_num_queries(40) as page_queries:
        assert client.get(reverse("portfolio_student", args=[world.anna.pk])).status_code == 200
    with django_assert_max_num_queries(25) as queue_queries:
        assert client.get(reverse("portfolio_review_queue")).status_code == 200
    for n in range(6, 12):
        student = world.anna if n % 2 else world.boris
        data = diploma(title=f"Диплом {n}")
        portfolio_item_create(
            user=world.parent_a, student=student, data=data, files=[upload("d.pdf", pdf_bytes())]
        )
    with django_assert_max_num_queries(len(page_queries.captured_queries)):
        client.get(reverse("portfolio_student", args=[world.anna.pk]))
    with django_assert_max_num_queries(len(queue_queries.captured_queries)):
        client.get(reverse("portfolio_review_queue"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_rewrite_portfolio_history(world):
    from django.db import DatabaseError, transaction

    portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    for statement in (
        "UPDATE portfolio_portfoliohistory SET reason = 'x'",
        "DELETE FROM portfolio_portfoliohistory",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert PortfolioHistory.objects.count() == 1


def test_family_gets_no_edit_page_for_a_verified_item(world, client_for):
    item = portfolio_item_create(user=world.parent_a, student=world.anna, data=diploma())
    url = reverse("portfolio_item_edit", args=[item.pk])
    assert client_for(world.parent_a).get(url).status_code == 200
    portfolio_item_verify(user=world.ct_a, item=item)
    assert client_for(world.parent_a).get(url).status_code == 404
    assert client_for(world.anna_user).get(url).status_code == 404
    assert client_for(world.ct_a).get(url).status_code == 200


def test_an_oversized_scan_is_dropped_while_it_arrives_and_the_page_refuses(
    world, client_for, settings, monkeypatch
):
    settings.PORTFOLIO_EVIDENCE_MAX_MB = 1

    def never(**kwargs):
        raise AssertionError("the service must not see a request whose file was too large")

    monkeypatch.setattr("portfolio.views.services.portfolio_item_create", never)
    form = {
        "kind": "contest",
        "title": "Конкурс",
        "date": timezone.localdate().isoformat(),
        "level": "school",
        "result": "winner",
        "files": upload("big.pdf", pdf_bytes(b"0" * (1024 * 1024 + 10))),
    }
    response = client_for(world.parent_a).post(reverse("portfolio_item_add", args=[world.anna.pk]), form)
    assert response.status_code == 200
    assert "1 МБ" in response.content.decode()  # «1 MB», on the Russian page
    assert not PortfolioItem.objects.exists() and not Evidence.objects.exists()


def test_upload_views_still_check_csrf(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.parent_a)
    response = client.post(reverse("portfolio_item_add", args=[world.anna.pk]), {"title": "x"})
    assert response.status_code == 403
