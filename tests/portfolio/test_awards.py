"""Award proposals from the year-end rules, the deputy's decisions, orders and their PDF.

World: anna and boris in 5А, vera in 5Б. By hand for the current year (period = the year; no term marks, so
the annual marks make the academic component):
- anna: annual math 5, Russian 5; verified school olympiad in math (winner, 10 points); a submitted
  olympiad in Russian (does not count). Rating: 10 + 5.00×10 = 60.00.
- boris: annual math 5, Russian 4; verified municipal math olympiad (winner, 20) and a school Russian one
  (participant, 2). Rating: 22 + 4.50×10 = 67.00 → first in 5А.
- vera: no marks, no items: first in 5Б but with no achievements' points.
Proposals: anna — honour list, certificate of honour in math; boris — certificate of honour in math
(Russian has a 4), letter of gratitude (first in class; area of olympiads: academic). Vera — none.
"""

import os
import shutil
import subprocess

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from gradebook.journal_services import term_mark_set
from portfolio.awards import (
    AnnualMark,
    AwardLine,
    Olympiad,
    PointedKind,
    award_order_create,
    award_order_html,
    award_order_pdf,
    award_proposal_decide,
    award_proposals_generate,
    proposal_drafts,
)
from portfolio.models import Award, AwardProposal
from portfolio.services import ItemData, portfolio_item_create


def pdf_text(pdf: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftotext not found: install poppler-utils")
        pytest.skip("pdftotext not found (poppler-utils)")
    done = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode()


# Pure rules ------------------------------------------------------------------------------------------


def drafts(grade=5, marks=(), olympiads=(), place=2, kinds=()):
    return {
        (d.rule, d.subject_id)
        for d in proposal_drafts(
            grades={1: grade},
            annual={1: list(marks)},
            olympiads={1: list(olympiads)},
            class_places={1: place},
            item_kinds={1: list(kinds)},
        )
    }


def m(subject, value=None, passed=None, na=False):
    return AnnualMark(subject, value, passed, na)


def test_all_fives_gives_the_honour_list():
    assert drafts(marks=[m(1, 5), m(2, 5), m(3, passed=True)]) == {("all_fives", None)}


@pytest.mark.parametrize(
    "marks",
    [
        [m(1, 5), m(2, 4)],
        [m(1, 5), m(3, passed=False)],
        [m(1, 5), m(2, na=True)],
        [m(3, passed=True)],  # no five-point mark at all
        [],
    ],
    ids=["a-four", "failed-pass-fail", "not-attested", "only-pass-fail", "no-marks"],
)
def test_no_honour_list_without_all_fives(marks):
    assert drafts(marks=marks) == set()


def test_grade_one_gets_no_honour_list():
    assert drafts(grade=1, marks=[m(1, 5)]) == set()


def test_olympiad_with_an_annual_five_in_its_subject_gives_the_certificate_of_honour():
    result = drafts(
        marks=[m(1, 5), m(2, 4)], olympiads=[Olympiad(10, 1), Olympiad(11, 2), Olympiad(12, None)]
    )
    assert result == {("subject_olympiad", 1)}


def test_first_place_needs_points_from_achievements():
    assert drafts(place=1) == set()
    assert drafts(place=1, kinds=[PointedKind("volunteering", 4)]) == {("rating_top", None)}
    assert drafts(place=2, kinds=[PointedKind("volunteering", 4)]) == set()


def test_gratitude_area_follows_the_kind_with_most_points():
    (draft,) = proposal_drafts(
        grades={1: 5},
        annual={},
        olympiads={},
        class_places={1: 1},
        item_kinds={
            1: [PointedKind("sport", 10), PointedKind("volunteering", 4), PointedKind("volunteering", 7)]
        },
    )
    assert (draft.kind, draft.area) == ("gratitude", "social")


# On the world ------------------------------------------------------------------------------------------


@pytest.fixture
def year_end(world):
    math, rus = world.math_a, world.russian_a
    for student, marks in ((world.anna, (5, 5)), (world.boris, (5, 4))):
        for cs, value in zip((math, rus), marks, strict=True):
            term_mark_set(
                user=world.teacher, class_subject=cs, student=student, kind="annual", raw=str(value)
            )

    def olympiad(student, subject, level, result, verify=True):
        data = ItemData(
            kind="olympiad",
            title=f"{subject.name} {level}",
            date=world.year.start_date,
            level=level,
            result=result,
            subject=subject,
        )
        return portfolio_item_create(
            user=world.ct_a if verify else world.parent_a, student=student, data=data, verify=verify
        )

    items = {
        "anna_math": olympiad(world.anna, math.subject, "school", "winner"),
        "anna_rus": olympiad(world.anna, rus.subject, "school", "winner", verify=False),
        "boris_math": olympiad(world.boris, math.subject, "municipal", "winner"),
        "boris_rus": olympiad(world.boris, rus.subject, "school", "participant"),
    }
    return items


def proposals() -> set:
    return {
        (p.student.first_name, p.rule, p.subject.name if p.subject else None, p.kind, p.area)
        for p in AwardProposal.objects.select_related("student", "subject")
    }


def test_year_end_proposals_by_hand(world, year_end):
    created = award_proposals_generate(user=world.deputy, year=world.year)
    assert len(created) == 4
    assert proposals() == {
        ("Анна", "all_fives", None, "honour_list", "academic"),
        ("Анна", "subject_olympiad", "Математика", "subject_certificate", "academic"),
        ("Борис", "subject_olympiad", "Математика", "subject_certificate", "academic"),
        ("Борис", "rating_top", None, "gratitude", "academic"),
    }
    certificate = AwardProposal.objects.get(student=world.anna, rule="subject_olympiad")
    assert list(certificate.basis_items.all()) == [year_end["anna_math"]]


def test_regenerating_adds_nothing_and_keeps_decisions(world, year_end):
    award_proposals_generate(user=world.deputy, year=world.year)
    dismissed = AwardProposal.objects.get(student=world.boris, rule="rating_top")
    award_proposal_decide(user=world.deputy, proposal=dismissed, accept=False)
    assert award_proposals_generate(user=world.deputy, year=world.year) == []
    dismissed.refresh_from_db()
    assert dismissed.status == "dismissed" and AwardProposal.objects.count() == 4


def test_order_from_accepted_proposals_and_a_typed_line(world, year_end):
    award_proposals_generate(user=world.deputy, year=world.year)
    anna = list(AwardProposal.objects.filter(student=world.anna))
    for p in anna:
        award_proposal_decide(user=world.deputy, proposal=p, accept=True)
    line = AwardLine(student=world.vera, kind="certificate", area="creative", wording="за победу в конкурсе")
    order = award_order_create(
        user=world.deputy,
        number="112-у",
        on=world.year.start_date,
        title="О поощрении обучающихся",
        proposals=anna,
        lines=(line,),
    )
    assert Award.objects.filter(order=order).count() == 3
    assert all(p.award_id for p in AwardProposal.objects.filter(student=world.anna))
    with pytest.raises(DomainError) as caught:
        award_proposal_decide(user=world.deputy, proposal=anna[0], accept=False)
    assert caught.value.code == "in_order"
    html = award_order_html(order)
    assert "Аннина Анна" in html and "Верина Вера" in html and "112-у" in html
    pdf = award_order_pdf(order)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    text = " ".join(text.split())  # table cells wrap lines
    assert "Аннина Анна" in text and "5А" in text and "за победу в конкурсе" in text


@pytest.mark.parametrize("case", ["not-accepted", "empty", "duplicate", "unverified-basis"])
def test_bad_orders_are_refused_and_nothing_is_stored(world, year_end, case):
    award_proposals_generate(user=world.deputy, year=world.year)
    proposed = list(AwardProposal.objects.filter(student=world.anna))
    kwargs = {"user": world.deputy, "number": "1", "on": world.year.start_date, "title": "О поощрении"}
    if case == "duplicate":
        award_order_create(**kwargs, lines=(AwardLine(world.vera, "gratitude", "social"),))
    before = Award.objects.count()
    with pytest.raises(DomainError):
        if case == "not-accepted":
            award_order_create(**kwargs | {"number": "2"}, proposals=proposed)
        elif case == "empty":
            award_order_create(**kwargs | {"number": "2"})
        elif case == "duplicate":
            award_order_create(**kwargs, lines=(AwardLine(world.vera, "gratitude", "social"),))
        else:
            line = AwardLine(world.anna, "certificate", "academic", items=(year_end["anna_rus"],))
            award_order_create(**kwargs | {"number": "2"}, lines=(line,))
    assert Award.objects.count() == before


def test_awards_page_and_pdf_download(world, year_end, client_for):
    client = client_for(world.deputy)
    assert client.post(reverse("award_proposals_generate")).status_code == 302
    page = client.get(reverse("portfolio_awards")).content.decode()
    assert "Аннина Анна" in page and "Борисов Борис" in page
    proposal = AwardProposal.objects.get(student=world.boris, rule="rating_top")
    client.post(reverse("award_proposal_decide", args=[proposal.pk]), {"decision": "accept"})
    response = client.post(
        reverse("award_order_create"),
        {"number": "7-у", "date": "2026-05-30", "title": "О поощрении", "proposal": [proposal.pk]},
    )
    assert response.status_code == 302
    award = Award.objects.get()
    assert (award.student, award.kind) == (world.boris, "gratitude")
    pdf = client.get(reverse("award_order_pdf", args=[award.order.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("attachment")
