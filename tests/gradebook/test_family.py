"""What a family sees of a child: marks by subject with the weighted mean, the week's diary with the parent's
«ознакомлен», changed marks; the class teacher's list of confirmations; the same through the API."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import StudentAccessLog
from gradebook.cells import attendance_set, mark_clear, mark_set
from gradebook.family_selectors import (
    class_acknowledgements,
    current_week,
    monday_of,
    student_mark_changes,
    student_marks,
    student_week,
)
from gradebook.family_services import NotAGuardianError, week_acknowledge
from gradebook.journal_services import lesson_create, term_of
from gradebook.models import Subgroup, Subject, WeekAcknowledgement, WorkType
from gradebook.services import class_subject_set, enrolment_transfer, teaching_assignment_create

MISSING = 999_999


def work(short_name: str) -> WorkType:
    return WorkType.objects.get(short_name=short_name)


def first_monday(world):
    """A Monday of the first quarter, whatever weekday 1 September falls on."""
    return monday_of(world.year.start_date + timedelta(days=7))


def past_monday(world):
    """A Monday inside the year that has begun by now (the week a parent may confirm)."""
    return min(first_monday(world), current_week())


def math_journal(world):
    return world.math_a.assignments.get(teacher=world.teacher)


def lesson(world, on, work_type="отв", assignment=None, teacher=None, **fields):
    return lesson_create(
        user=teacher or world.teacher,
        assignment=assignment or math_journal(world),
        on=on,
        work_type=work(work_type),
        **fields,
    )


def q1(world) -> int:
    return term_of(school_class=world.class_a, on=first_monday(world)).pk


@pytest.fixture
def anna_marks(world):
    """Math for anna: 5 (answer, ×1), 3 (test, ×2), 4 (answer, ×1) → (5 + 6 + 4) / 4 = 3.75 → «4».
    Boris gets a 2 at the same lessons; Russian for anna: one 5."""
    monday = first_monday(world)
    lessons = [
        lesson(world, monday, "отв"),
        lesson(world, monday + timedelta(days=1), "кр"),
        lesson(world, monday + timedelta(days=2), "отв"),
    ]
    for each, value in zip(lessons, ["5", "3", "4"], strict=True):
        mark_set(user=world.teacher, lesson=each, student=world.anna, raw=value)
        mark_set(user=world.teacher, lesson=each, student=world.boris, raw="2")
    russian = lesson(
        world,
        monday,
        assignment=world.russian_a.assignments.get(teacher=world.colleague),
        teacher=world.colleague,
    )
    mark_set(user=world.colleague, lesson=russian, student=world.anna, raw="5")
    return lessons


# Marks by subject -------------------------------------------------------------------------------------


def test_marks_show_exactly_the_childs_marks_with_the_weighted_mean_and_suggestion(world, anna_marks):
    data = student_marks(student=world.anna, term_or_none=q1(world))

    assert data.school_class == world.class_a
    assert [row.subject for row in data.subjects] == ["Математика", "Русский язык"]
    math, russian = data.subjects
    assert [m.mark for m in math.marks] == ["5", "3", "4"]
    assert [m.weight for m in math.marks] == [Decimal("1.0"), Decimal("2.0"), Decimal("1.0")]
    assert math.summary.mean == Decimal("3.75")
    assert math.summary.result == "4"
    assert [m.mark for m in russian.marks] == ["5"]
    assert russian.summary.result == "н/а"  # one mark: fewer than the school's minimum of 3


def test_marks_page_shows_the_mean_and_no_other_childs_marks(world, client_for, anna_marks):
    response = client_for(world.parent_a).get(
        reverse("student_marks", args=[world.anna.pk]), {"term": q1(world)}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "3.75" in html
    assert html.count('<span class="mark v5"') >= 2 and '<span class="mark v3"' in html
    assert '<span class="mark v2"' not in html  # boris's marks are not anna's


def test_marks_default_to_the_term_containing_today(world, client_for):
    response = client_for(world.anna_user).get(reverse("student_marks", args=[world.anna.pk]))

    assert response.status_code == 200
    data = response.context["data"]
    assert data.term is not None and data.term.id in [t.id for t in data.terms]


def test_a_term_of_another_grade_scheme_is_404(world, client_for):
    from gradebook.models import Term

    half_year = Term.objects.get(academic_year=world.year, scheme="half_year", number=1)
    response = client_for(world.parent_a).get(
        reverse("student_marks", args=[world.anna.pk]), {"term": half_year.pk}
    )
    assert response.status_code == 404


def test_a_student_sees_their_own_marks_and_not_a_classmates(world, client_for, anna_marks):
    client = client_for(world.anna_user)
    assert client.get(reverse("student_marks", args=[world.anna.pk]), {"term": q1(world)}).status_code == 200
    assert client.get(reverse("student_marks", args=[world.boris.pk])).status_code == 404


def test_a_student_outside_the_subgroup_does_not_see_its_lessons(world):
    english = class_subject_set(
        school_class=world.class_a, subject=Subject.objects.create(name="Английский язык", short_name="Англ")
    )
    group = Subgroup.objects.create(school_class=world.class_a, name="Группа 1")
    group.students.add(world.boris)
    journal = teaching_assignment_create(teacher=world.colleague, class_subject=english, subgroup=group)
    monday = first_monday(world)
    only_group = lesson(world, monday, assignment=journal, teacher=world.colleague, homework="Слова, с. 12")
    mark_set(user=world.colleague, lesson=only_group, student=world.boris, raw="5")
    with pytest.raises(DomainError):
        mark_set(user=world.colleague, lesson=only_group, student=world.anna, raw="5")

    anna_week = student_week(student=world.anna, week_start=monday)
    boris_week = student_week(student=world.boris, week_start=monday)

    assert "Английский язык" not in {x.subject for day in anna_week.days for x in day.lessons}
    assert [(x.subject, x.mark) for x in boris_week.days[0].lessons] == [("Английский язык", "5")]
    anna_english = next(
        r
        for r in student_marks(student=world.anna, term_or_none=q1(world)).subjects
        if r.subject == "Английский язык"
    )
    assert anna_english.marks == []


def test_after_a_transfer_each_week_shows_the_class_the_student_was_in(world):
    monday = first_monday(world)
    before = lesson(world, monday, topic="Дроби")
    mark_set(user=world.teacher, lesson=before, student=world.anna, raw="5")
    enrolment_transfer(student=world.anna, to_class=world.class_b, on_date=monday + timedelta(days=7))
    later_a = lesson(world, monday + timedelta(days=8), topic="Проценты")
    later_b = lesson(
        world,
        monday + timedelta(days=8),
        assignment=world.math_b.assignments.get(teacher=world.other_teacher),
        teacher=world.other_teacher,
        topic="Уравнения",
    )
    mark_set(user=world.other_teacher, lesson=later_b, student=world.anna, raw="4")

    first = student_week(student=world.anna, week_start=monday)
    second = student_week(student=world.anna, week_start=monday + timedelta(days=7))
    term = student_marks(student=world.anna, term_or_none=q1(world))

    assert [x.topic for day in first.days for x in day.lessons] == ["Дроби"]
    assert [x.topic for day in second.days for x in day.lessons] == ["Уравнения"]
    assert later_a.pk not in {x.lesson_id for day in second.days for x in day.lessons}
    assert term.school_class == world.class_b
    assert [m.mark for m in term.subjects[0].marks] == ["4"]


def _many_subjects(world, subjects: int, lessons_per_subject: int) -> None:
    monday = first_monday(world)
    for i in range(subjects):
        subject = Subject.objects.create(name=f"Предмет {i}", short_name=f"П{i}", order=10 + i)
        journal = teaching_assignment_create(
            teacher=world.teacher,
            class_subject=class_subject_set(school_class=world.class_a, subject=subject),
        )
        for day in range(lessons_per_subject):
            each = lesson(world, monday + timedelta(days=day % 5 + 7 * (day // 5)), assignment=journal)
            mark_set(user=world.teacher, lesson=each, student=world.anna, raw=str(2 + (i + day) % 4))
            if day % 3 == 0:
                attendance_set(user=world.teacher, lesson=each, student=world.anna, code="оп")


@pytest.mark.parametrize(("subjects", "lessons_per_subject"), [(0, 0), (6, 8)])
def test_marks_and_diary_make_a_fixed_number_of_queries(
    world, client_for, anna_marks, subjects, lessons_per_subject, django_assert_max_num_queries
):
    _many_subjects(world, subjects, lessons_per_subject)
    term = q1(world)
    client = client_for(world.parent_a)
    marks_url = reverse("student_marks", args=[world.anna.pk]) + f"?term={term}"
    diary_url = reverse("student_diary", args=[world.anna.pk]) + f"?week={first_monday(world).isoformat()}"
    assert client.get(marks_url).status_code == 200  # warms the cached policy and terms

    with django_assert_max_num_queries(6):
        data = student_marks(student=world.anna, term_or_none=term)
    with django_assert_max_num_queries(9):  # + session, user, access check
        marks_page = client.get(marks_url)
    with django_assert_max_num_queries(10):  # + whether the viewer is a guardian
        diary_page = client.get(diary_url)

    assert marks_page.status_code == diary_page.status_code == 200
    assert len(data.subjects) == 2 + subjects
    assert sum(len(r.marks) for r in data.subjects) == 4 + subjects * lessons_per_subject
    first_week = 4 + subjects * min(lessons_per_subject, 5)
    assert diary_page.context["week"].marks_count == first_week


# Privacy: another family's child is exactly like a missing one ----------------------------------------------


def family_urls(pk):
    return [
        reverse("student_marks", args=[pk]),
        reverse("student_diary", args=[pk]),
        reverse("student_changes", args=[pk]),
    ]


def family_api_urls(pk):
    return [
        reverse("api-student-marks", args=[pk]),
        reverse("api-student-diary", args=[pk]),
        reverse("api-student-changes", args=[pk]),
    ]


def test_the_parent_of_another_child_gets_404_everywhere_like_a_missing_id(world, client_for, anna_marks):
    client = client_for(world.parent_b)
    for url, missing in zip(family_urls(world.anna.pk), family_urls(MISSING), strict=True):
        assert client.get(url).status_code == client.get(missing).status_code == 404
    for url, missing in zip(family_api_urls(world.anna.pk), family_api_urls(MISSING), strict=True):
        theirs, nobodys = client.get(url), client.get(missing)
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == nobodys.json()
    for name in ("student_diary_acknowledge", "api-student-diary-acknowledge"):
        week = {"week": past_monday(world).isoformat()}
        theirs = client.post(reverse(name, args=[world.anna.pk]), week)
        nobodys = client.post(reverse(name, args=[MISSING]), week)
        assert theirs.status_code == nobodys.status_code == 404
    assert not WeekAcknowledgement.objects.exists()


def test_the_api_returns_the_childs_marks_to_the_parent(world, client_for, anna_marks):
    response = client_for(world.parent_a).get(
        reverse("api-student-marks", args=[world.anna.pk]), {"term": q1(world)}
    )

    assert response.status_code == 200
    math = response.json()["subjects"][0]
    assert [m["mark"] for m in math["marks"]] == ["5", "3", "4"]
    assert math["summary"]["mean"] == "3.75" and math["summary"]["suggestion"] == "4"


def test_staff_views_of_the_family_pages_are_logged_and_the_familys_are_not(world, client_for):
    client_for(world.parent_a).get(reverse("student_marks", args=[world.anna.pk]))
    client_for(world.anna_user).get(reverse("student_diary", args=[world.anna.pk]))
    client_for(world.teacher).get(reverse("student_diary", args=[world.anna.pk]))
    client_for(world.deputy).get(reverse("api-student-changes", args=[world.anna.pk]))

    entries = list(StudentAccessLog.objects.order_by("at").values_list("actor__username", "student"))
    assert entries == [("teacher", world.anna.pk), ("deputy", world.anna.pk)]


# The diary and «ознакомлен» -----------------------------------------------------------------------------


def test_diary_shows_lessons_homework_marks_and_attendance(world, client_for):
    monday = first_monday(world)
    tuesday = lesson(world, monday + timedelta(days=1), topic="Дроби", homework="№ 245, 247")
    mark_set(user=world.teacher, lesson=tuesday, student=world.anna, raw="5", comment="у доски")
    attendance_set(user=world.teacher, lesson=tuesday, student=world.anna, code="оп")
    lesson(world, monday + timedelta(days=7), homework="Не эта неделя")

    response = client_for(world.parent_a).get(
        reverse("student_diary", args=[world.anna.pk]), {"week": monday.isoformat()}
    )

    assert response.status_code == 200
    week = response.context["week"]
    assert [d.date for d in week.days] == [monday + timedelta(days=i) for i in range(6)]
    (entry,) = week.days[1].lessons
    assert (entry.subject, entry.topic, entry.homework, entry.mark, entry.attendance) == (
        "Математика",
        "Дроби",
        "№ 245, 247",
        "5",
        "оп",
    )
    assert week.marks_count == 1
    html = response.content.decode()
    assert "№ 245, 247" in html and "у доски" in html and "Не эта неделя" not in html


def test_a_day_in_the_middle_of_the_week_shows_that_whole_week(world, client_for):
    wednesday = first_monday(world) + timedelta(days=2)
    response = client_for(world.parent_a).get(
        reverse("student_diary", args=[world.anna.pk]), {"week": wednesday.isoformat()}
    )
    assert response.context["week"].week_start == first_monday(world)


def test_the_parent_confirms_the_week_once_with_the_button(world, client_for):
    client = client_for(world.parent_a)
    week = past_monday(world)
    diary = reverse("student_diary", args=[world.anna.pk])
    page = client.get(diary, {"week": week.isoformat()})
    assert page.context["can_acknowledge"]
    assert reverse("student_diary_acknowledge", args=[world.anna.pk]) in page.content.decode()

    button = reverse("student_diary_acknowledge", args=[world.anna.pk])
    first = client.post(button, {"week": week.isoformat()})
    again = client.post(button, {"week": week.isoformat()})

    assert first.status_code == again.status_code == 302
    assert first["Location"] == f"{diary}?week={week.isoformat()}"
    assert WeekAcknowledgement.objects.filter(student=world.anna, guardian=world.parent_a).count() == 1
    after = client.get(diary, {"week": week.isoformat()})
    assert after.context["my_acknowledgement"] is not None
    assert button not in after.content.decode()  # no second button once confirmed
    assert after.context["week"].acknowledged


def test_a_student_and_a_teacher_see_the_state_but_no_button(world, client_for):
    week = past_monday(world)
    week_acknowledge(guardian=world.parent_a, student=world.anna, week_start=week)
    button = reverse("student_diary_acknowledge", args=[world.anna.pk])
    for user in (world.anna_user, world.ct_a):
        response = client_for(user).get(
            reverse("student_diary", args=[world.anna.pk]), {"week": week.isoformat()}
        )
        assert response.status_code == 200
        assert button not in response.content.decode()
        assert response.context["week"].acknowledged
        assert [a.guardian_id for a in response.context["week"].acknowledgements if a.acknowledged_at] == [
            world.parent_a.pk
        ]


def test_acknowledge_is_idempotent(world):
    week = past_monday(world)
    first = week_acknowledge(guardian=world.parent_a, student=world.anna, week_start=week)
    second = week_acknowledge(guardian=world.parent_a, student=world.anna, week_start=week)
    assert first.pk == second.pk and first.acknowledged_at == second.acknowledged_at
    assert WeekAcknowledgement.objects.count() == 1


def test_acknowledge_refuses_a_day_that_is_not_a_monday(world):
    with pytest.raises(DomainError) as refused:
        week_acknowledge(
            guardian=world.parent_a, student=world.anna, week_start=past_monday(world) + timedelta(1)
        )
    assert refused.value.code == "not_a_monday"
    assert not WeekAcknowledgement.objects.exists()


def test_acknowledge_refuses_a_week_that_has_not_begun(world):
    with pytest.raises(DomainError) as refused:
        week_acknowledge(
            guardian=world.parent_a, student=world.anna, week_start=current_week() + timedelta(7)
        )
    assert refused.value.code == "future_week"
    assert not WeekAcknowledgement.objects.exists()


@pytest.mark.parametrize("who", ["ct_a", "teacher", "anna_user", "deputy", "parent_b"])
def test_acknowledge_refuses_anyone_but_the_guardian(world, who):
    with pytest.raises(NotAGuardianError) as refused:
        week_acknowledge(guardian=getattr(world, who), student=world.anna, week_start=past_monday(world))
    assert refused.value.code == "not_a_guardian"
    assert not WeekAcknowledgement.objects.exists()


def test_acknowledge_through_the_api(world, client_for):
    url = reverse("api-student-diary-acknowledge", args=[world.anna.pk])
    week = past_monday(world)

    parent = client_for(world.parent_a).post(url, {"week": week.isoformat()}, content_type="application/json")
    assert parent.status_code == 200
    assert parent.json()["week_start"] == week.isoformat()

    tuesday = client_for(world.parent_a).post(url, {"week": (week + timedelta(1)).isoformat()})
    assert tuesday.status_code == 400 and tuesday.json()["error"]["code"] == "not_a_monday"
    future = client_for(world.parent_a).post(url, {"week": (current_week() + timedelta(7)).isoformat()})
    assert future.status_code == 400 and future.json()["error"]["code"] == "future_week"
    teacher = client_for(world.ct_a).post(url, {"week": week.isoformat()})
    assert teacher.status_code == 403 and teacher.json()["error"]["code"] == "not_a_guardian"
    assert WeekAcknowledgement.objects.count() == 1

    diary = client_for(world.anna_user).get(
        reverse("api-student-diary", args=[world.anna.pk]), {"week": week.isoformat()}
    )
    assert diary.json()["acknowledged"] is True


# The class teacher's list ---------------------------------------------------------------------------


def test_the_class_teacher_sees_which_families_have_not_confirmed(world, client_for):
    week = past_monday(world)
    week_acknowledge(guardian=world.parent_a, student=world.anna, week_start=week)

    data = class_acknowledgements(school_class=world.class_a, week_start=week)
    assert [r.student for r in data.not_confirmed] == [world.boris]
    assert [r.student for r in data.confirmed] == [world.anna]

    url = reverse("class_acknowledgements", args=[world.class_a.pk])
    response = client_for(world.ct_a).get(url, {"week": week.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    not_confirmed = html.split('id="not-confirmed"')[1].split("</table>")[0]
    confirmed = html.split('id="confirmed"')[1].split("</table>")[0]
    assert world.boris.full_name in not_confirmed and world.anna.full_name not in not_confirmed
    assert world.anna.full_name in confirmed
    assert (
        f"?week={(week - timedelta(7)).isoformat()}" in html
        and f"?week={(week + timedelta(7)).isoformat()}" in html
    )


@pytest.mark.parametrize("who", ["ct_b", "teacher", "parent_a", "anna_user"])
def test_others_do_not_get_the_class_list(world, client_for, who):
    response = client_for(getattr(world, who)).get(reverse("class_acknowledgements", args=[world.class_a.pk]))
    assert response.status_code == 404


# Changed marks --------------------------------------------------------------------------------------


@pytest.fixture
def changed(world):
    monday = first_monday(world)
    first, second = lesson(world, monday), lesson(world, monday + timedelta(days=1))
    mark_set(user=world.teacher, lesson=first, student=world.anna, raw="4")
    mark_set(user=world.teacher, lesson=first, student=world.anna, raw="5")
    mark_set(user=world.teacher, lesson=second, student=world.anna, raw="3")
    mark_clear(user=world.teacher, lesson=second, student=world.anna, reason="ошибочно выставлена")
    mark_set(user=world.teacher, lesson=second, student=world.boris, raw="2")
    mark_set(user=world.teacher, lesson=second, student=world.boris, raw="3")
    return first, second


def test_mark_changes_list_old_and_new_values_of_the_childs_marks_only(world, changed):
    first, second = changed
    changes = student_mark_changes(student=world.anna)

    assert [(c.lesson_date, c.old, c.new, c.removed) for c in changes] == [
        (second.date, "3", "", True),
        (first.date, "4", "5", False),
    ]
    assert changes[1].display == "4 → 5"
    assert changes[0].reason == "ошибочно выставлена"
    assert {c.actor for c in changes} == {None}
    assert {c.actor for c in student_mark_changes(student=world.anna, with_actors=True)} == {
        world.teacher.short_name
    }


def test_the_changes_page_shows_the_change_and_date_but_not_the_teacher_to_a_parent(
    world, client_for, changed
):
    first, _second = changed
    url = reverse("student_changes", args=[world.anna.pk])

    parent = client_for(world.parent_a).get(url).content.decode()
    staff = client_for(world.deputy).get(url).content.decode()

    assert "4 → 5" in parent and first.date.strftime("%d.%m.%Y") in parent
    assert world.teacher.short_name not in parent
    assert world.teacher.short_name in staff


def test_the_changes_api_hides_the_teacher_from_the_family(world, client_for, changed):
    url = reverse("api-student-changes", args=[world.anna.pk])
    family = client_for(world.anna_user).get(url).json()
    staff = client_for(world.ct_a).get(url).json()

    assert [c["display"] for c in family][1] == "4 → 5"
    assert {c["actor"] for c in family} == {None}
    assert {c["actor"] for c in staff} == {world.teacher.short_name}


# The parent's home -------------------------------------------------------------------------------------


def test_the_parents_home_shows_this_weeks_marks_and_links_to_diary_and_marks(
    world, client_for, anna_marks, monkeypatch
):
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: first_monday(world) + timedelta(days=2)
    )

    html = client_for(world.parent_a).get(reverse("parent_home")).content.decode()

    cards = {
        child: html.split(f"{child.full_name}</a></h2>")[1].split("child-card")[0]
        for child in (world.anna, world.boris)
    }
    assert re.search(r'class="week-marks">(\d+)', cards[world.anna]).group(1) == "4"
    assert re.search(r'class="week-marks">(\d+)', cards[world.boris]).group(1) == "3"
    for child, card in cards.items():
        assert reverse("student_diary", args=[child.pk]) in card
        assert reverse("student_marks", args=[child.pk]) in card


def test_the_schema_documents_the_family_endpoints(world, client_for):
    paths = (
        client_for(world.teacher).get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()["paths"]
    )
    assert {
        "/api/v1/students/{id}/marks/",
        "/api/v1/students/{id}/diary/",
        "/api/v1/students/{id}/diary/acknowledge/",
        "/api/v1/students/{id}/changes/",
    } <= set(paths)
