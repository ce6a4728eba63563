from datetime import timedelta

import pytest
from django.db import connection

from accounts.errors import ConflictError, DomainError
from gradebook.cells import attendance_set, mark_clear, mark_set
from gradebook.journal_services import (
    column_fill,
    correction_request_create,
    correction_request_decide,
    lesson_create,
    lesson_delete,
    term_close,
    term_mark_set,
    term_of,
    term_reopen,
)
from gradebook.models import JournalHistory, Mark, Subject, TermMark, WorkType
from gradebook.services import class_subject_set, school_class_create, teaching_assignment_create
from tests.factories import StudentFactory


@pytest.fixture
def journal(world):
    assignment = world.math_a.assignments.get(teacher=world.teacher)
    day = world.year.start_date + timedelta(days=7)
    lesson = lesson_create(
        user=world.teacher, assignment=assignment, on=day, work_type=WorkType.objects.get(short_name="отв")
    )
    return assignment, lesson


def history(**filters):
    return list(
        JournalHistory.objects.filter(**filters).order_by("id").values_list("entity", "action", "old", "new")
    )


def test_setting_a_mark_writes_the_history(world, journal):
    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="4", expected_version=0)
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="5", expected_version=1)
    assert Mark.objects.get(lesson=lesson, student=world.anna).value == 5
    assert history(entity="mark") == [
        ("mark", "create", None, {"value": 4, "passed": None, "comment": ""}),
        (
            "mark",
            "update",
            {"value": 4, "passed": None, "comment": ""},
            {"value": 5, "passed": None, "comment": ""},
        ),
    ]


def test_a_stale_version_is_a_conflict_and_changes_nothing(world, journal):
    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="4", expected_version=0)
    with pytest.raises(ConflictError) as conflict:
        mark_set(user=world.colleague, lesson=lesson, student=world.anna, raw="3", expected_version=0)
    assert conflict.value.details == {"current": "4", "version": 1}
    assert Mark.objects.get(lesson=lesson, student=world.anna).value == 4
    assert JournalHistory.objects.filter(entity="mark").count() == 1


def test_a_student_of_another_class_cannot_get_a_mark(world, journal):
    _assignment, lesson = journal
    with pytest.raises(DomainError) as refused:
        mark_set(user=world.teacher, lesson=lesson, student=world.vera, raw="5")
    assert refused.value.code == "student_not_in_journal"
    assert not Mark.objects.exists()


def test_grade_one_class_refuses_a_numeric_mark(world):
    first = school_class_create(academic_year=world.year, grade=1, letter="А", class_teacher=world.ct_b)
    maths = class_subject_set(school_class=first, subject=Subject.objects.get(name="Математика"))
    assignment = teaching_assignment_create(teacher=world.teacher, class_subject=maths)
    from gradebook.services import enrolment_create

    child = StudentFactory()
    enrolment_create(student=child, school_class=first, start_date=world.year.start_date)
    lesson = lesson_create(
        user=world.teacher,
        assignment=assignment,
        on=world.year.start_date + timedelta(days=2),
        work_type=WorkType.objects.first(),
    )
    with pytest.raises(DomainError) as refused:
        mark_set(user=world.teacher, lesson=lesson, student=child, raw="5")
    assert refused.value.code == "grade1_no_marks"
    assert mark_set(user=world.teacher, lesson=lesson, student=child, raw="в").mark == "зач"
    assert Mark.objects.get(lesson=lesson, student=child).passed is True


def test_attendance_and_clearing_are_in_the_history(world, journal):
    _assignment, lesson = journal
    attendance_set(user=world.teacher, lesson=lesson, student=world.boris, code="б")
    attendance_set(user=world.teacher, lesson=lesson, student=world.boris, code=None)
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="3")
    mark_clear(user=world.teacher, lesson=lesson, student=world.anna, reason="ошибка")
    assert [(e, a) for e, a, _o, _n in history(entity__in=["mark", "attendance"])] == [
        ("attendance", "create"),
        ("attendance", "delete"),
        ("mark", "create"),
        ("mark", "delete"),
    ]


def test_column_fill_sets_empty_cells_only(world, journal):
    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="3")
    created = column_fill(user=world.teacher, lesson=lesson, raw="5", students=[world.anna, world.boris])
    assert [m.student for m in created] == [world.boris]
    assert Mark.objects.get(lesson=lesson, student=world.anna).value == 3
    assert JournalHistory.objects.filter(entity="mark", action="create").count() == 2


def test_lesson_removal_keeps_what_it_held_in_history(world, journal):
    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="4")
    lesson_delete(user=world.teacher, lesson=lesson, reason="урок не состоялся")
    assert not Mark.objects.exists()
    assert [(e, a) for e, a, _o, _n in history()][-2:] == [("mark", "delete"), ("lesson", "delete")]


def test_closed_term_refuses_teacher_changes_and_reopening_allows_them(world, journal):
    _assignment, lesson = journal
    term = term_of(school_class=world.class_a, on=lesson.date)
    term_close(user=world.deputy, term=term, classes=[world.class_a])
    with pytest.raises(DomainError) as refused:
        mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="5")
    assert refused.value.code == "term_closed"
    assert not Mark.objects.exists()
    term_reopen(user=world.deputy, term=term, school_class=world.class_a)
    assert mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="5").mark == "5"


def test_an_approved_correction_changes_a_closed_term(world, journal):
    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="3")
    term = term_of(school_class=world.class_a, on=lesson.date)
    term_close(user=world.deputy, term=term, classes=[world.class_a])
    request = correction_request_create(
        user=world.teacher, student=world.anna, lesson=lesson, new_value="4", reason="ошибка при вводе"
    )
    assert Mark.objects.get(lesson=lesson, student=world.anna).value == 3
    correction_request_decide(user=world.deputy, request=request, approve=True)
    assert Mark.objects.get(lesson=lesson, student=world.anna).value == 4
    last = JournalHistory.objects.filter(entity="mark").order_by("-id").first()
    assert (last.actor, last.old["value"], last.new["value"]) == (world.deputy, 3, 4)
    assert "ошибка при вводе" in last.reason
    with pytest.raises(DomainError):
        correction_request_decide(user=world.deputy, request=request, approve=False, note="поздно")


def test_a_rejection_needs_a_reason_and_changes_nothing(world, journal):
    _assignment, lesson = journal
    request = correction_request_create(
        user=world.teacher, student=world.anna, lesson=lesson, new_value="5", reason="r"
    )
    with pytest.raises(DomainError):
        correction_request_decide(user=world.deputy, request=request, approve=False)
    correction_request_decide(user=world.deputy, request=request, approve=False, note="оценка верна")
    assert not Mark.objects.exists()


def test_term_mark_differing_from_the_suggestion_needs_a_reason(world, journal):
    _assignment, lesson = journal
    term = term_of(school_class=world.class_a, on=lesson.date)
    with pytest.raises(DomainError) as refused:
        term_mark_set(
            user=world.teacher,
            class_subject=world.math_a,
            student=world.anna,
            term=term,
            raw="5",
            suggested="4",
        )
    assert refused.value.code == "reason_required"
    assert not TermMark.objects.exists()
    tm = term_mark_set(
        user=world.teacher,
        class_subject=world.math_a,
        student=world.anna,
        term=term,
        raw="5",
        suggested="4",
        reason="олимпиада",
    )
    assert (tm.value, tm.overridden, tm.reason) == (5, True, "олимпиада")
    same = term_mark_set(
        user=world.teacher,
        class_subject=world.math_a,
        student=world.boris,
        term=term,
        raw="н/а",
        suggested="н/а",
    )
    assert (same.not_attested, same.overridden) == (True, False)


def test_final_marks_only_in_grades_9_and_11(world):
    with pytest.raises(DomainError) as refused:
        term_mark_set(
            user=world.teacher, class_subject=world.math_a, student=world.anna, kind="final", raw="5"
        )
    assert refused.value.code == "final_grade_only"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_to_rewrite_history(world, journal):
    from django.db import DatabaseError, transaction

    _assignment, lesson = journal
    mark_set(user=world.teacher, lesson=lesson, student=world.anna, raw="4")
    for statement in (
        "UPDATE gradebook_journalhistory SET reason = 'x'",
        "DELETE FROM gradebook_journalhistory",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert JournalHistory.objects.count() >= 2


def test_column_fill_refuses_a_student_outside_the_journal_and_writes_nothing(world, journal):
    _assignment, lesson = journal
    with pytest.raises(DomainError) as refused:
        column_fill(user=world.teacher, lesson=lesson, raw="5", students=[world.anna, world.vera])
    assert refused.value.code == "student_not_in_journal"
    assert not Mark.objects.exists()


def test_column_fill_refuses_a_closed_term(world, journal):
    _assignment, lesson = journal
    term_close(
        user=world.deputy, term=term_of(school_class=world.class_a, on=lesson.date), classes=[world.class_a]
    )
    with pytest.raises(DomainError) as refused:
        column_fill(user=world.teacher, lesson=lesson, raw="5", students=[world.anna, world.boris])
    assert refused.value.code == "term_closed"
    assert not Mark.objects.exists()


def test_column_fill_query_count_does_not_grow_with_the_class(world, journal, django_assert_max_num_queries):
    from gradebook.services import enrolment_create
    from tests.factories import StudentFactory

    _assignment, lesson = journal
    extra = [StudentFactory() for _ in range(28)]
    for student in extra:
        enrolment_create(student=student, school_class=world.class_a, start_date=world.year.start_date)
    students = [world.anna, world.boris, *extra]
    column_fill(user=world.teacher, lesson=lesson, raw="4", students=students[:1])  # warms the cached rules
    with django_assert_max_num_queries(6):
        created = column_fill(user=world.teacher, lesson=lesson, raw="5", students=students)
    assert len(created) == 29


def test_column_fill_without_a_list_fills_the_journals_members_on_that_date(world, journal):
    from gradebook.models import Enrolment
    from gradebook.services import enrolment_end

    _assignment, lesson = journal
    enrolment_end(
        enrolment=Enrolment.objects.get(student=world.boris, school_class=world.class_a),
        end_date=lesson.date - timedelta(days=1),
        reason="transfer_school",
    )
    created = column_fill(user=world.teacher, lesson=lesson, raw="5")
    assert [m.student_id for m in created] == [world.anna.pk]
