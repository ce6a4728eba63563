"""The characteristic (versions, publication, who reads drafts), the results card (subject results, levels with
the change from the previous year, verified portfolio items, the characteristic) and its PDF, and the pages
of the levels grid."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.errors import DomainError
from achievements.card import results_card
from achievements.models import Characteristic, MetaSkillIndicator, MetaSkillLevel
from achievements.services import LevelCell, characteristic_publish, characteristic_save, levels_record
from gradebook.models import AcademicYear, TermMark
from gradebook.services import enrolment_create, school_class_create


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def write(world, text="Победитель олимпиады", user=None):
    return characteristic_save(
        user=user or world.ct_a,
        student=world.anna,
        year=world.year,
        achievements=text,
        qualities="Ответственная",
        development="Публичные выступления",
    )


def test_every_save_is_a_new_version_and_the_family_reads_only_the_published_one(world, client_for):
    first = write(world, "Первая редакция")
    characteristic_publish(user=world.ct_a, characteristic=first)
    second = write(world, "Вторая редакция")
    assert (first.version, second.version) == (1, 2)
    url = reverse("results_card", args=[world.anna.pk])
    for persona in ("own_parent", "student"):
        page = client_for(world.user(persona)).get(url).content.decode()
        assert "Первая редакция" in page and "Вторая редакция" not in page, persona
    for persona in ("class_teacher", "deputy", "owner"):
        page = client_for(world.user(persona)).get(url).content.decode()
        assert "Вторая редакция" in page and "draft-note" in page, persona


def test_a_draft_only_characteristic_is_not_shown_to_the_family(world, client_for):
    write(world, "Черновик")
    page = client_for(world.parent_a).get(reverse("results_card", args=[world.anna.pk])).content.decode()
    assert "Черновик" not in page and "no-characteristic" in page


def test_characteristic_refusals_write_nothing(world):
    with pytest.raises(DomainError) as error:
        write(world, user=world.ct_b)
    assert error.value.code == "not_allowed"
    with pytest.raises(DomainError) as error:
        write(world, text="  ")
    assert error.value.code == "empty"
    assert not Characteristic.objects.exists()
    published = write(world)
    characteristic_publish(user=world.ct_a, characteristic=published)
    with pytest.raises(DomainError) as error:
        characteristic_publish(user=world.ct_a, characteristic=published)
    assert error.value.code == "already_published"
    with pytest.raises(DomainError):
        characteristic_publish(user=world.teacher, characteristic=write(world))
    assert Characteristic.objects.filter(published_at__isnull=False).count() == 1


@pytest.fixture
def two_years(world):
    """Anna in 4А last year (planning low) and 5А this year (planning high, goal-setting optimal); a term mark
    «5» in mathematics, term 1, this year."""
    start = world.year.start_date
    last = AcademicYear.objects.create(
        name=f"{start.year - 1}/{start.year}",
        start_date=start.replace(year=start.year - 1),
        end_date=start.replace(day=31, month=8),
    )
    class_4a = school_class_create(academic_year=last, grade=4, letter="А")
    enrolment_create(student=world.anna, school_class=class_4a, start_date=last.start_date)
    plan = MetaSkillIndicator.objects.get(name="Планирование")
    goal = MetaSkillIndicator.objects.get(name="Целеполагание")
    MetaSkillLevel.objects.create(
        student=world.anna,
        academic_year=last,
        indicator=plan,
        level="low",
        source="observation",
        updated_by=world.deputy,
        updated_at=timezone.now(),
    )
    levels_record(
        user=world.ct_a,
        school_class=world.class_a,
        cells=[LevelCell(world.anna.pk, plan.pk, "high"), LevelCell(world.anna.pk, goal.pk, "optimal")],
        source="observation",
    )
    term = world.year.terms.order_by("scheme", "number").first()
    TermMark.objects.create(
        class_subject=world.math_a,
        student=world.anna,
        term=term,
        kind="term",
        value=5,
        updated_by=world.teacher,
    )
    return last


def test_the_card_shows_subject_results_and_levels_with_the_change(world, two_years):
    card = results_card(student=world.anna, drafts=False)
    assert [y.year.pk for y in card.years] == [two_years.pk, world.year.pk]
    this = card.years[1]
    assert this.class_name == "5А"
    assert [(s.subject, s.terms) for s in this.subjects] == [("Математика", ("5",))]
    levels = {line.indicator: (line.previous_label, line.level_label, line.change) for line in this.levels}
    assert levels == {"Целеполагание": ("", "optimal", None), "Планирование": ("low", "high", 1)}
    assert [line.indicator for line in card.years[0].levels] == ["Планирование"]


def test_the_card_page_and_pdf_for_the_family_and_404_for_another(world, two_years, client_for):
    parent = client_for(world.parent_a)
    page = parent.get(reverse("results_card", args=[world.anna.pk]) + "?year=all")
    assert page.status_code == 200 and "Планирование" in page.content.decode()
    pdf = parent.get(reverse("results_card_pdf", args=[world.anna.pk]) + f"?year={world.year.pk}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    other = client_for(world.parent_b)
    assert other.get(reverse("results_card", args=[world.anna.pk])).status_code == 404
    assert other.get(reverse("results_card_pdf", args=[world.anna.pk])).status_code == 404
    assert parent.get(reverse("results_card", args=[world.anna.pk]) + "?year=999999").status_code == 404


def test_the_class_teacher_saves_the_grid_in_one_submit_and_a_refusal_changes_nothing(world, client_for):
    plan = MetaSkillIndicator.objects.get(name="Планирование")
    client = client_for(world.ct_a)
    url = reverse("levels_class", args=[world.class_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and f'name="l-{world.anna.pk}-{plan.pk}"' in page.content.decode()
    response = client.post(
        url,
        {f"l-{world.anna.pk}-{plan.pk}": "high", f"l-{world.boris.pk}-{plan.pk}": "low", "source": "project"},
    )
    assert response.status_code == 302
    assert sorted(MetaSkillLevel.objects.values_list("student__first_name", "level", "source")) == [
        ("Анна", "high", "project"),
        ("Борис", "low", "project"),
    ]
    response = client.post(
        url, {f"l-{world.anna.pk}-{plan.pk}": "optimal", f"l-{world.boris.pk}-{plan.pk}": "bad"}
    )
    assert response.status_code == 200 and "«bad»" in response.content.decode()  # the refusal names it
    assert MetaSkillLevel.objects.get(student=world.anna).level == "high"
    assert client_for(world.ct_b).get(url).status_code == 404


def test_the_card_reads_in_a_fixed_number_of_queries_per_year(
    world, two_years, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):
        card = results_card(student=world.anna, year=world.year, drafts=True)
    assert len(card.years) == 1
