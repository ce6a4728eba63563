"""The journal through HTTP: the page, the cell API the page saves through, and their query budgets."""

from datetime import timedelta

import pytest
from django.urls import reverse

from gradebook.journal_services import lesson_create
from gradebook.models import JournalHistory, Lesson, Mark, WorkType
from gradebook.services import enrolment_create
from tests.factories import StudentFactory


@pytest.fixture
def journal(world):
    return world.math_a.assignments.get(teacher=world.teacher)


def lessons(world, assignment, n, start=7):
    work = WorkType.objects.get(short_name="отв")
    return [
        lesson_create(
            user=world.teacher,
            assignment=assignment,
            on=world.year.start_date + timedelta(days=start + i),
            work_type=work,
        )
        for i in range(n)
    ]


def cell(client, assignment, **body):
    return client.post(
        reverse("api-journal-cell", args=[assignment.pk]), body, content_type="application/json"
    )


def test_a_teacher_saves_a_mark_and_gets_the_new_suggestion(world, client_for, journal):
    client = client_for(world.teacher)
    first, second, third = lessons(world, journal, 3)
    for lesson, value in ((first, "5"), (second, "4")):
        assert (
            cell(
                client, journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value=value, version=0
            ).status_code
            == 200
        )
    response = cell(client, journal, lesson=third.pk, student=world.anna.pk, op="mark", value="4", version=0)
    body = response.json()
    assert body["cell"]["mark"] == "4" and body["cell"]["mark_version"] == 1
    assert body["summary"] == {"result": "4", "mean": "4.33", "count": 3, "rule": body["summary"]["rule"]}
    assert JournalHistory.objects.filter(entity="mark", action="create").count() == 3


def test_a_refused_mark_answers_in_russian_and_changes_nothing(world, client_for, journal, settings):
    (lesson,) = lessons(world, journal, 1)
    response = cell(
        client_for(world.teacher),
        journal,
        lesson=lesson.pk,
        student=world.anna.pk,
        op="mark",
        value="7",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_mark"
    assert not Mark.objects.exists()


def test_two_teachers_do_not_overwrite_each_other_silently(world, client_for, journal):
    (lesson,) = lessons(world, journal, 1)
    client = client_for(world.teacher)
    assert (
        cell(
            client, journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value="3", version=0
        ).status_code
        == 200
    )
    stale = cell(client, journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value="5", version=0)
    assert stale.status_code == 409
    assert stale.json()["error"]["details"] == {"current": "3", "version": 1}
    assert Mark.objects.get().value == 3


def test_a_colleague_cannot_write_to_someone_elses_journal(world, client_for, journal):
    (lesson,) = lessons(world, journal, 1)
    response = cell(
        client_for(world.colleague), journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value="5"
    )
    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_the_class_teacher_reads_but_does_not_write(world, client_for, journal):
    (lesson,) = lessons(world, journal, 1)
    client = client_for(world.ct_a)
    assert client.get(reverse("journal", args=[journal.pk])).status_code == 200
    assert (
        cell(client, journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value="5").status_code
        == 404
    )


def test_attendance_codes(world, client_for, journal):
    (lesson,) = lessons(world, journal, 1)
    client = client_for(world.teacher)
    body = cell(client, journal, lesson=lesson.pk, student=world.boris.pk, op="attendance", value="уп").json()
    assert body["cell"]["attendance"] == "уп"
    refused = cell(
        client, journal, lesson=lesson.pk, student=world.boris.pk, op="attendance", value="x", version=1
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_attendance"


def test_term_mark_override_requires_a_reason(world, client_for, journal):
    client = client_for(world.teacher)
    (lesson,) = lessons(world, journal, 1)
    from gradebook.journal_services import term_of

    term = term_of(school_class=world.class_a, on=lesson.date)
    url = reverse("api-journal-term-mark", args=[journal.pk])
    refused = client.post(
        url, {"student": world.anna.pk, "term": term.pk, "value": "5"}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    ok = client.post(
        url,
        {"student": world.anna.pk, "term": term.pk, "value": "5", "reason": "проект"},
        content_type="application/json",
    )
    assert ok.json()["overridden"] is True and ok.json()["suggested"] == "н/а"


def test_adding_a_lesson_from_the_page(world, client_for, journal):
    client = client_for(world.teacher)
    day = world.year.start_date + timedelta(days=9)
    response = client.post(
        reverse("journal_lesson_create", args=[journal.pk]),
        {"date": day.isoformat(), "work_type": WorkType.objects.get(short_name="кр").pk, "topic": "Дроби"},
    )
    assert response.status_code == 302
    assert Lesson.objects.get(assignment=journal).topic == "Дроби"


def test_a_lesson_in_the_holidays_is_refused(world, client_for, journal):
    client = client_for(world.teacher)
    holiday = world.year.start_date.replace(month=11, day=1)  # between the 1st and 2nd quarters
    client.post(
        reverse("journal_lesson_create", args=[journal.pk]),
        {"date": holiday.isoformat(), "work_type": WorkType.objects.first().pk},
    )
    assert not Lesson.objects.exists()


def _big_class(world, journal, students=35, n_lessons=70):
    for i in range(students - 2):
        enrolment_create(
            student=StudentFactory(last_name=f"Ученик{i:02d}"),
            school_class=world.class_a,
            start_date=world.year.start_date,
        )
    work = WorkType.objects.get(short_name="отв")
    start = world.year.start_date
    made = Lesson.objects.bulk_create(
        Lesson(assignment=journal, date=start + timedelta(days=i % 50), work_type=work)
        for i in range(n_lessons)
    )
    from gradebook.models import Enrolment

    ids = list(Enrolment.objects.filter(school_class=world.class_a).values_list("student_id", flat=True))
    Mark.objects.bulk_create(
        Mark(lesson=lesson, student_id=sid, value=2 + (lesson.pk + sid) % 4, updated_by=world.teacher)
        for lesson in made
        for sid in ids
        if (lesson.pk + sid) % 3 == 0
    )


@pytest.mark.parametrize("students", [3, 35])
def test_journal_page_query_count_does_not_grow_with_the_class(
    world, client_for, journal, students, django_assert_max_num_queries
):
    if students > 3:
        _big_class(world, journal, students=students)
    client = client_for(world.teacher)
    from gradebook.journal_services import term_of

    term = term_of(school_class=world.class_a, on=world.year.start_date)
    url = reverse("journal", args=[journal.pk]) + f"?term={term.pk}"
    assert client.get(url).status_code == 200  # warms the cached policy and terms
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200


def test_saving_one_cell_takes_at_most_8_queries_history_included(
    world, client_for, journal, django_assert_max_num_queries
):
    _big_class(world, journal)
    client = client_for(world.teacher)
    lesson = Lesson.objects.filter(assignment=journal).first()
    cell(
        client, journal, lesson=lesson.pk, student=world.boris.pk, op="attendance", value="н"
    )  # warm the caches
    before = JournalHistory.objects.count()
    with django_assert_max_num_queries(8):
        response = cell(
            client, journal, lesson=lesson.pk, student=world.anna.pk, op="mark", value="5", comment="у доски"
        )
    assert response.status_code == 200
    assert JournalHistory.objects.count() == before + 1
