"""The deputy's journal pages: marking rules, closing a term after the check, corrections, history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from gradebook.calendar import policy
from gradebook.cells import mark_set
from gradebook.journal_services import lesson_create, term_mark_set, term_of
from gradebook.models import CorrectionRequest, GradingPolicy, Mark, TermClosure, WorkType
from gradebook.term_closing import term_close_check


@pytest.fixture
def setup(world):
    journal = world.math_a.assignments.get(teacher=world.teacher)
    work = WorkType.objects.get(short_name="отв")
    lessons = [
        lesson_create(
            user=world.teacher,
            assignment=journal,
            on=world.year.start_date + timedelta(days=d),
            work_type=work,
        )
        for d in (1, 2, 3)
    ]
    term = term_of(school_class=world.class_a, on=lessons[0].date)
    return journal, lessons, term


def test_rules_page_changes_the_suggestion_thresholds(world, client_for):
    client = client_for(world.deputy)
    response = client.post(
        reverse("rules"),
        {
            "threshold_3": "2.6",
            "threshold_4": "3.6",
            "threshold_5": "4.6",
            "min_marks": "2",
            "absence_share_not_attested": "40",
        },
    )
    assert response.status_code == 302
    assert policy().thresholds.five == Decimal("4.60") and policy().min_marks == 2


def test_rules_refuse_unordered_thresholds_and_change_nothing(world, client_for):
    client = client_for(world.deputy)
    client.post(
        reverse("rules"),
        {
            "threshold_3": "3.6",
            "threshold_4": "3.5",
            "threshold_5": "4.5",
            "min_marks": "3",
            "absence_share_not_attested": "50",
        },
    )
    assert GradingPolicy.objects.get().threshold_3 == Decimal("2.50")


def test_close_check_lists_missing_term_marks_and_suggests_na(world, setup):
    _journal, lessons, term = setup
    for lesson in lessons:
        mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="5")
    check = term_close_check(term=term, classes=[world.class_a])
    missing = {(m.subject, m.student.split()[0], m.suggestion) for m in check.missing}
    assert ("Математика", "Аннина", "") in missing  # three marks: a real mark is due
    assert ("Математика", "Борисов", "н/а") in missing  # no marks at all
    assert check.teachers_not_finished == {"Teacher": ["5А Математика"], "Colleague": ["5А Русский язык"]}
    assert not check.ready


def test_deputy_closes_a_ready_class_and_teachers_cannot_write(world, setup, client_for):
    journal, lessons, term = setup
    for student in (world.anna, world.boris):
        for cs in (world.math_a, world.russian_a):
            term_mark_set(
                user=world.teacher, class_subject=cs, student=student, term=term, raw="н/а", suggested="н/а"
            )
    assert term_close_check(term=term, classes=[world.class_a]).ready
    response = client_for(world.deputy).post(
        reverse("term_close", args=[term.pk]), {"scope": f"class:{world.class_a.pk}"}
    )
    assert response.status_code == 302
    assert TermClosure.objects.filter(term=term, school_class=world.class_a).exists()
    cell = client_for(world.teacher).post(
        reverse("api-journal-cell", args=[journal.pk]),
        {"lesson": lessons[0].pk, "student": world.anna.pk, "op": "mark", "value": "5"},
        content_type="application/json",
    )
    assert cell.status_code == 400 and cell.json()["error"]["code"] == "term_closed"


def test_closing_an_unready_class_is_refused_without_force(world, setup, client_for):
    _journal, _lessons, term = setup
    client_for(world.deputy).post(
        reverse("term_close", args=[term.pk]), {"scope": f"class:{world.class_a.pk}"}
    )
    assert not TermClosure.objects.exists()


def test_correction_flow_through_the_pages(world, setup, client_for):
    journal, lessons, term = setup
    mark_set(user=world.teacher, lesson=lessons[0], student=world.anna, raw="3")
    TermClosure.objects.create(term=term, school_class=world.class_a, closed_by=world.deputy)
    client_for(world.teacher).post(
        reverse("correction_request", args=[journal.pk]),
        {"lesson": lessons[0].pk, "student": world.anna.pk, "new_value": "4", "reason": "ошибка ввода"},
    )
    request = CorrectionRequest.objects.get()
    page = client_for(world.deputy).get(reverse("corrections"))
    assert "ошибка ввода" in page.content.decode()
    client_for(world.deputy).post(reverse("correction_decide", args=[request.pk]), {"decision": "approve"})
    assert Mark.objects.get(lesson=lessons[0], student=world.anna).value == 4
    history = client_for(world.teacher).get(reverse("journal_history", args=[journal.pk])).content.decode()
    assert "ошибка ввода" in history


def test_history_page_is_not_for_a_parent(world, setup, client_for):
    journal, _lessons, _term = setup
    assert client_for(world.parent_a).get(reverse("journal_history", args=[journal.pk])).status_code == 404
