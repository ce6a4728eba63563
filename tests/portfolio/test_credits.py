"""Results from other organisations (family applies, the deputy decides), the gifted register, and the
deputy's overview of achievements by kind × level."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Student
from portfolio.credits import (
    CreditData,
    credit_request_create,
    credit_request_decide,
    gifted_entry_add,
    gifted_entry_remove,
)
from portfolio.models import ExternalCreditRequest, PortfolioHistory
from portfolio.selectors import achievements_overview, period_from
from portfolio.services import ItemData, portfolio_item_create, portfolio_item_reject
from tests.portfolio.scans import HTML, pdf_bytes, upload


def music(**changes) -> CreditData:
    fields = {
        "organisation": "ДШИ № 3",
        "programme": "Фортепиано, 3 класс",
        "result": "окончил с отличием",
        "completed_on": timezone.localdate() - timedelta(days=30),
        "hours": 68,
    }
    return CreditData(**(fields | changes))


def apply(world, **kwargs):
    return credit_request_create(
        user=world.parent_a,
        student=world.anna,
        data=music(**kwargs),
        files=[upload("справка.pdf", pdf_bytes())],
    )


def test_family_applies_with_a_document(world):
    request = apply(world)
    assert request.status == "submitted" and request.documents.count() == 1


@pytest.mark.parametrize(
    ("who", "files", "code"),
    [
        ("parent_b", "pdf", "not_family"),
        ("ct_a", "pdf", "not_family"),
        ("parent_a", None, "document_required"),
        ("parent_a", "html", "wrong_type"),
    ],
)
def test_bad_applications_are_refused(world, who, files, code):
    uploads = {"pdf": [upload("a.pdf", pdf_bytes())], "html": [upload("a.pdf", HTML)], None: []}[files]
    with pytest.raises(DomainError) as caught:
        credit_request_create(user=getattr(world, who), student=world.anna, data=music(), files=uploads)
    assert caught.value.code == code
    assert not ExternalCreditRequest.objects.exists()


def test_deputy_rejects_with_a_reason_and_the_family_sees_it(world, client_for):
    request = apply(world)
    with pytest.raises(DomainError):
        credit_request_decide(user=world.deputy, request=request, accept=False, reason="")
    with pytest.raises(DomainError):
        credit_request_decide(user=world.ct_a, request=request, accept=True)
    credit_request_decide(user=world.deputy, request=request, accept=False, reason="Нет печати школы")
    request.refresh_from_db()
    assert (request.status, request.decision_reason, request.decided_by) == (
        "rejected",
        "Нет печати школы",
        world.deputy,
    )
    with pytest.raises(DomainError) as caught:
        credit_request_decide(user=world.deputy, request=request, accept=True)
    assert caught.value.code == "already_decided"
    page = client_for(world.parent_a).get(reverse("portfolio_student", args=[world.anna.pk])).content.decode()
    assert "Нет печати школы" in page


def test_accepted_result_is_shown_with_its_source(world, client_for):
    request = apply(world)
    client_for(world.deputy).post(reverse("credit_request_decide", args=[request.pk]), {"decision": "accept"})
    request.refresh_from_db()
    assert request.status == "accepted"
    assert PortfolioHistory.objects.filter(entity="credit", entity_id=request.pk, action="accept").exists()
    api = client_for(world.parent_a).get(reverse("api-student-portfolio", args=[world.anna.pk])).json()
    assert api["credits"][0]["organisation"] == "ДШИ № 3" and api["credits"][0]["status"] == "accepted"
    page = client_for(world.parent_a).get(reverse("portfolio_student", args=[world.anna.pk])).content.decode()
    assert "ДШИ № 3" in page


def test_family_applies_through_the_page(world, client_for):
    response = client_for(world.anna_user).post(
        reverse("credit_request_add", args=[world.anna.pk]),
        {
            "organisation": "СШОР «Зенит»",
            "programme": "Футбол",
            "result": "1 спортивный разряд",
            "completed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "files": upload("разряд.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    assert ExternalCreditRequest.objects.get().submitted_by == world.anna_user


# The gifted register ------------------------------------------------------------------------------------


def test_register_entries_keep_the_students_mark(world, client_for):
    first = gifted_entry_add(
        user=world.deputy,
        student=world.anna,
        basis="Призёр регионального этапа ВсОШ",
        entered_on=world.year.start_date,
    )
    gifted_entry_add(
        user=world.deputy, student=world.anna, basis="Победитель «Сириус»", entered_on=world.year.start_date
    )
    assert Student.objects.get(pk=world.anna.pk).gifted_registry
    page = client_for(world.deputy).get(reverse("portfolio_gifted")).content.decode()
    assert "Аннина Анна" in page and "Победитель «Сириус»" in page and "Верина" not in page
    with pytest.raises(DomainError):
        gifted_entry_remove(user=world.deputy, entry=first, reason="")
    gifted_entry_remove(user=world.deputy, entry=first, reason="ошибка ввода")
    assert Student.objects.get(pk=world.anna.pk).gifted_registry  # one entry left
    last = world.anna.gifted_entries.get()
    gifted_entry_remove(user=world.deputy, entry=last, reason="исключён из реестра")
    assert not Student.objects.get(pk=world.anna.pk).gifted_registry


def test_only_the_deputy_or_director_keeps_the_register(world):
    with pytest.raises(DomainError):
        gifted_entry_add(user=world.ct_a, student=world.anna, basis="x", entered_on=world.year.start_date)
    assert not Student.objects.get(pk=world.anna.pk).gifted_registry


def test_register_entry_through_the_students_page(world, client_for):
    response = client_for(world.deputy).post(
        reverse("portfolio_gifted"),
        {"student": world.vera.pk, "basis": "Победитель заключительного этапа", "entered_on": "2026-09-15"},
    )
    assert response.status_code == 302
    assert Student.objects.get(pk=world.vera.pk).gifted_registry


# The overview ---------------------------------------------------------------------------------------------


def test_overview_counts_only_verified_items_in_the_period(world, client_for):
    start = world.year.start_date

    def add(student, kind, level, verify=True, days=0):
        data = ItemData(
            kind=kind, title=kind, date=start + timedelta(days=days), level=level, result="winner"
        )
        return portfolio_item_create(
            user=world.deputy if verify else world.parent_a, student=student, data=data, verify=verify
        )

    add(world.anna, "olympiad", "school")
    add(world.boris, "olympiad", "school")
    add(world.vera, "sport", "regional")
    add(world.anna, "contest", "municipal", verify=False)
    portfolio_item_reject(user=world.deputy, item=add(world.boris, "contest", "municipal"), reason="дубль")
    add(world.anna, "olympiad", "international", days=-10)  # last academic year: outside the period
    period, _key = period_from({})
    overview = achievements_overview(period=period)
    assert overview.counts == {("olympiad", "school"): 2, ("sport", "regional"): 1}
    assert (overview.total, overview.students, overview.submitted) == (3, 3, 1)
    api = client_for(world.director).get(reverse("api-portfolio-overview")).json()
    olympiad = next(r for r in api["rows"] if r["kind"] == "olympiad")
    assert olympiad["by_level"]["school"] == 2 and api["total"] == 3
    assert client_for(world.parent_a).get(reverse("api-portfolio-overview")).status_code == 404


def test_more_than_five_documents_are_refused_not_dropped(world):
    from accounts.errors import DomainError
    from portfolio.credits import CreditData, credit_request_create
    from portfolio.models import ExternalCreditRequest
    from tests.portfolio.scans import pdf_bytes, upload

    data = CreditData(
        organisation="ДШИ № 1",
        programme="Фортепиано",
        result="окончил",
        hours=68,
        completed_on=world.year.start_date,
    )
    files = [upload(f"d{i}.pdf", pdf_bytes()) for i in range(6)]
    with pytest.raises(DomainError) as caught:
        credit_request_create(user=world.parent_a, student=world.anna, data=data, files=files)
    assert caught.value.code == "too_many_files"
    assert not ExternalCreditRequest.objects.exists()
