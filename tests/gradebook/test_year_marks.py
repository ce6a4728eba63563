from datetime import date

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from gradebook.journal_services import attestation_set, term_mark_set
from gradebook.models import IntermediateAttestation, JournalHistory, Term, TermMark


@pytest.fixture
def journal(world):
    return world.math_a.assignments.get(teacher=world.teacher)


def quarters(world):
    return list(Term.objects.filter(academic_year=world.year, scheme="quarter").order_by("number"))


def set_terms(world, student, values):
    for term, value in zip(quarters(world), values, strict=True):
        term_mark_set(user=world.teacher, class_subject=world.math_a, student=student, term=term, raw=value)


def test_year_page_suggests_the_rounded_mean_of_the_terms(world, client_for, journal):
    set_terms(world, world.anna, ["5", "4", "4", "5"])  # 4.50 → 5
    set_terms(world, world.boris, ["3", "4", "3", "3"])  # 3.25 → 3
    html = client_for(world.teacher).get(reverse("journal_year", args=[journal.pk])).content.decode()
    assert f'<tr data-student="{world.anna.pk}">' in html
    row = html.split(f'<tr data-student="{world.anna.pk}">')[1].split("</tr>")[0]
    assert 'class="num suggested"' in row and ">5</td>" in row.split('class="num suggested"')[1][:80]
    row_b = html.split(f'<tr data-student="{world.boris.pk}">')[1].split("</tr>")[0]
    assert ">3</td>" in row_b.split('class="num suggested"')[1][:80]


def test_an_annual_mark_differing_from_the_suggestion_needs_a_reason(world, client_for, journal):
    set_terms(world, world.anna, ["5", "4", "4", "5"])
    client = client_for(world.teacher)
    response = client.post(
        reverse("journal_year", args=[journal.pk]), {f"annual-{world.anna.pk}": "4"}, follow=True
    )
    assert not TermMark.objects.filter(kind="annual").exists()
    assert "Аннина Анна" in response.content.decode()
    client.post(
        reverse("journal_year", args=[journal.pk]),
        {f"annual-{world.anna.pk}": "4", f"reason-{world.anna.pk}": "пропуски"},
    )
    annual = TermMark.objects.get(kind="annual", student=world.anna)
    assert (annual.value, annual.overridden, annual.reason) == (4, True, "пропуски")


def test_attestation_is_recorded_with_history_and_checked(world):
    result = attestation_set(
        user=world.teacher,
        class_subject=world.math_a,
        student=world.anna,
        form="test",
        on=date(world.year.end_date.year, 5, 15),
        raw="4",
    )
    assert (result.value, result.form) == (4, "test")
    assert JournalHistory.objects.filter(entity="attestation", action="create").count() == 1
    with pytest.raises(DomainError) as refused:
        attestation_set(
            user=world.teacher,
            class_subject=world.math_a,
            student=world.vera,
            form="test",
            on=date(world.year.end_date.year, 5, 15),
            raw="4",
        )
    assert refused.value.code == "student_not_in_class"
    with pytest.raises(DomainError):
        attestation_set(
            user=world.teacher,
            class_subject=world.math_a,
            student=world.anna,
            form="test",
            on=date(2001, 1, 1),
            raw="4",
        )
    assert IntermediateAttestation.objects.count() == 1


def test_only_the_teacher_of_the_journal_saves_year_marks(world, client_for, journal):
    response = client_for(world.ct_a).post(
        reverse("journal_year", args=[journal.pk]), {f"annual-{world.anna.pk}": "5"}
    )
    assert response.status_code == 404
    assert not TermMark.objects.exists()
