"""The portfolio API (schema, shape, privacy) and the admin, whose writes go through the services."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portfolio.models import PortfolioHistory, PortfolioItem
from portfolio.services import ItemData, portfolio_item_create
from tests.portfolio.scans import pdf_bytes, upload


def test_the_schema_documents_the_portfolio_endpoints(world, client_for):
    response = client_for(world.deputy).get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    paths = response.json()["paths"]
    assert {"/api/v1/students/{id}/portfolio/", "/api/v1/portfolio/overview/"} <= set(paths)


def test_student_portfolio_api_shape_and_404_for_another_family(world, client_for):
    data = ItemData(
        kind="sport",
        title="Кросс",
        date=timezone.localdate() - timedelta(days=1),
        level="municipal",
        result="prize_winner",
    )
    item = portfolio_item_create(
        user=world.parent_a, student=world.anna, data=data, files=[upload("d.pdf", pdf_bytes())]
    )
    body = client_for(world.parent_a).get(reverse("api-student-portfolio", args=[world.anna.pk])).json()
    (listed,) = body["items"]
    assert (listed["id"], listed["status"], listed["level"]) == (item.pk, "submitted", "municipal")
    assert listed["evidence"][0]["url"] == reverse("portfolio_evidence", args=[item.evidence.get().pk])
    assert body["points"] == []  # not verified: no points yet
    other = client_for(world.parent_b).get(reverse("api-student-portfolio", args=[world.anna.pk]))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


def staff_deputy(world):
    """The deputy with access to the admin site: a reviewer, so the services let them write."""
    world.deputy.is_staff = world.deputy.is_superuser = True
    world.deputy.save(update_fields=["is_staff", "is_superuser"])
    return world.deputy


def test_admin_add_goes_through_the_service_and_its_refusals(world, client_for):
    response = client_for(staff_deputy(world)).post(
        reverse("admin:portfolio_portfolioitem_add"),
        {
            "student": world.anna.pk,
            "kind": "volunteering",
            "title": "Акция «Чистый берег»",
            "organiser": "",
            "date": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "level": "school",
            "result": "participant",
            "area": "",
            "hours": "",  # volunteering needs hours: the service refuses
            "gto_badge": "",
            "gto_stage": "",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert not PortfolioItem.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("часов" in m for m in messages), messages  # «hours», in the Russian admin


def test_admin_add_of_a_valid_item_is_verified_and_in_history(world, client_for):
    form = {
        "student": world.anna.pk,
        "kind": "volunteering",
        "title": "Акция «Чистый берег»",
        "date": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "level": "school",
        "result": "participant",
        "hours": "6",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    response = client_for(staff_deputy(world)).post(reverse("admin:portfolio_portfolioitem_add"), form)
    assert response.status_code == 302
    item = PortfolioItem.objects.get()
    assert (item.status, item.hours, item.added_by) == ("verified", 6, world.deputy)
    assert PortfolioHistory.objects.filter(entity="item", entity_id=item.pk, action="create").exists()


def test_system_administrator_is_no_reviewer_and_changes_nothing(world, client_for):
    data = ItemData(
        kind="contest", title="Конкурс", date=timezone.localdate(), level="school", result="winner"
    )
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=data, verify=True)
    form = {
        "student": world.anna.pk,
        "kind": "contest",
        "title": "Другое",
        "date": timezone.localdate().isoformat(),
        "level": "school",
        "result": "winner",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    client_for(world.admin).post(reverse("admin:portfolio_portfolioitem_change", args=[item.pk]), form)
    item.refresh_from_db()
    assert item.title == "Конкурс"


def test_admin_change_keeps_history(world, client_for):
    data = ItemData(
        kind="contest", title="Конкурс", date=timezone.localdate(), level="school", result="winner"
    )
    item = portfolio_item_create(user=world.ct_a, student=world.anna, data=data, verify=True)
    client = client_for(staff_deputy(world))
    assert client.get(reverse("admin:portfolio_portfolioitem_change", args=[item.pk])).status_code == 200
    form = {
        "student": world.anna.pk,
        "kind": "contest",
        "title": "Конкурс (исправлено)",
        "organiser": "",
        "date": timezone.localdate().isoformat(),
        "level": "municipal",
        "result": "winner",
        "area": "",
        "hours": "",
        "gto_badge": "",
        "gto_stage": "",
        "evidence-TOTAL_FORMS": "0",
        "evidence-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:portfolio_portfolioitem_change", args=[item.pk]), form)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.level, item.status) == ("Конкурс (исправлено)", "municipal", "verified")
    entry = PortfolioHistory.objects.get(entity="item", entity_id=item.pk, action="update")
    assert entry.actor == world.deputy and entry.old["level"] == "school" and entry.reason == "admin"


def test_every_portfolio_admin_page_opens(world, client_for):
    from django.apps import apps

    client = client_for(world.admin)
    for model in apps.get_app_config("portfolio").get_models():
        url = reverse(f"admin:portfolio_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:portfolio_portfolioitem_add")).status_code == 200
