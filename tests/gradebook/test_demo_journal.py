"""The demo journal: a realistic, deterministic year of lessons, marks, term marks and history.

The module builds a small school four times inside one transaction that is rolled back at its end
(history rows cannot be deleted on PostgreSQL): twice with the same seed and once with another to
compare digests, once up to the end of the year for the annual marks; the last build stays for the tests.
"""

import hashlib
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Student
from gradebook.cells import mark_set
from gradebook.demo import build_demo_journal
from gradebook.models import (
    AssessmentScale,
    Attendance,
    ClassSubject,
    CorrectionRequest,
    Enrolment,
    JournalHistory,
    Lesson,
    Mark,
    SchoolClass,
    TeachingAssignment,
    Term,
    TermClosure,
    TermMark,
)
from gradebook.rules import NOT_ATTESTED, Thresholds, suggest_annual_mark, suggest_term_mark
from gradebook.term_closing import term_close_check

SMALL, SEED = 120, 7
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _start_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


UNTIL = date(_start_year(), 11, 22)  # the first quarter closed, the second under way
YEAR_END = date(_start_year() + 1, 5, 26)


@dataclass(frozen=True)
class Built:
    output: str
    digests: tuple[str, str, str]  # seed, the same seed again, another seed
    full_year: dict


def _school(seed: int, *journal: str) -> str:
    out = StringIO()
    call_command("demo_school", "--students", str(SMALL), "--seed", str(seed), *journal, stdout=out)
    return out.getvalue()


def _digest() -> str:
    """The journal by natural keys: rows are numbered in creation order (ids differ on PostgreSQL,
    whose sequences a rollback does not reset)."""

    def numbered(model):
        return {pk: i for i, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True))}

    ids = {
        "lesson": numbered(Lesson),
        "student": numbered(Student),
        "class_subject": numbered(ClassSubject),
        "assignment": numbered(TeachingAssignment),
        "term": {pk: (scheme, n) for pk, scheme, n in Term.objects.values_list("pk", "scheme", "number")},
    }
    ids["term"][None] = None
    tables = {
        Lesson: ("assignment", "date", "topic", "homework", "work_type"),
        Mark: ("lesson", "student", "value", "passed"),
        Attendance: ("lesson", "student", "kind"),
        TermMark: ("class_subject", "student", "term", "kind", "value", "not_attested", "reason"),
        CorrectionRequest: ("student", "new_value", "reason", "status"),
    }
    parts = [
        [
            tuple(ids[name][value] if name in ids else value for name, value in zip(names, row, strict=True))
            for row in model.objects.order_by("pk").values_list(*names)
        ]
        for model, names in tables.items()
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _rolled_back(build) -> object:
    with transaction.atomic():
        result = build()
        transaction.set_rollback(True)
    return result


def _full_year_facts() -> dict:
    """What a whole year gives: closed terms, annual marks and whether they follow the term marks."""
    thresholds = Thresholds()
    terms = defaultdict(list)
    for cs, student, value, not_attested in TermMark.objects.filter(kind=TermMark.Kind.TERM).values_list(
        "class_subject", "student", "value", "not_attested"
    ):
        terms[cs, student].append(NOT_ATTESTED if not_attested else str(value))
    annual = TermMark.objects.filter(
        kind=TermMark.Kind.ANNUAL, class_subject__scale=AssessmentScale.FIVE_POINT
    )
    return {
        "annual": annual.count(),
        "annual_as_suggested": all(
            (NOT_ATTESTED if na else str(value))
            == suggest_annual_mark(terms[cs, s], thresholds=thresholds).result
            for cs, s, value, na in annual.values_list("class_subject", "student", "value", "not_attested")
        ),
        "open_terms_of_grades_2_11": sum(
            1
            for c in SchoolClass.objects.filter(grade__gte=2)
            for t in Term.objects.filter(scheme="half_year" if c.grade >= 10 else "quarter")
            if not TermClosure.objects.filter(term=t, school_class=c).exists()
        ),
        "last_lesson": Lesson.objects.order_by("-date").values_list("date", flat=True).first(),
    }


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="demo-media-")  # the demo portfolio's scans
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media),
        transaction.atomic(),
    ):

        def build(seed, until):
            _school(seed, "--no-journal")
            assert not Lesson.objects.exists()
            build_demo_journal(seed=seed, until=until)
            return _digest()

        first = _rolled_back(lambda: build(SEED, UNTIL))
        other = _rolled_back(lambda: build(SEED + 1, UNTIL))
        full_year = _rolled_back(lambda: (build(SEED, YEAR_END), _full_year_facts())[1])
        output = _school(SEED, "--until", UNTIL.isoformat())
        yield Built(output, (first, _digest(), other), full_year)
        transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture
def demo(built, db) -> Built:
    return built


def test_the_command_fills_the_journal_up_to_the_given_date(demo):
    assert f"Журнал по {UNTIL:%d.%m.%Y}" in demo.output
    assert Lesson.objects.filter(date__gt=UNTIL).count() == 0
    assert not Mark.objects.filter(lesson__date__gt=UNTIL).exists()
    assert Lesson.objects.filter(date__gte=date(UNTIL.year, 11, 16)).exists()


def test_every_assignment_has_lessons_with_a_topic_on_school_days_within_terms(demo):
    assert not TeachingAssignment.objects.filter(lessons__isnull=True).exists()
    quarters = list(Term.objects.filter(scheme="quarter").values_list("start_date", "end_date"))
    lessons = Lesson.objects.filter(assignment__class_subject__school_class__grade__lte=9)
    for day, topic in lessons.values_list("date", "topic"):
        assert day.weekday() < 5 and topic
        assert any(start <= day <= end for start, end in quarters)


def test_work_types_mostly_answers_with_tests_and_a_final_work_per_term(demo):
    kinds = defaultdict(int)
    for name in Lesson.objects.filter(assignment__class_subject__school_class__grade__gte=2).values_list(
        "work_type__name", flat=True
    ):
        kinds[name] += 1
    total = sum(kinds.values())
    assert kinds["Ответ на уроке"] > total / 2
    assert kinds["Самостоятельная работа"] and kinds["Контрольная работа"] > total / 20
    assert kinds["Итоговая работа"]


def test_marks_go_only_to_students_in_the_journal_on_that_day(demo):
    enrolled = defaultdict(list)
    for student, school_class, start, end in Enrolment.objects.values_list(
        "student", "school_class", "start_date", "end_date"
    ):
        enrolled[student, school_class].append((start, end or date.max))
    marks = Mark.objects.values_list(
        "student",
        "lesson__assignment__class_subject__school_class",
        "lesson__date",
        "lesson__assignment__subgroup",
    )
    groups = {
        (g, s)
        for g, s in TeachingAssignment.objects.filter(subgroup__isnull=False).values_list(
            "subgroup", "subgroup__students"
        )
    }
    for student, school_class, day, subgroup in marks:
        assert any(start <= day <= end for start, end in enrolled[student, school_class])
        assert subgroup is None or (subgroup, student) in groups


def test_grade_1_has_no_numeric_marks_only_basic_level_checks(demo):
    grade_1 = Mark.objects.filter(lesson__assignment__class_subject__school_class__grade=1)
    assert grade_1.exists()
    assert not grade_1.filter(value__isnull=False).exists()
    assert set(grade_1.values_list("lesson__work_type__name", flat=True)) == {"Проверочная работа"}


def test_pass_fail_courses_have_only_passed_marks_mostly_passed(demo):
    marks = Mark.objects.filter(lesson__assignment__class_subject__scale=AssessmentScale.PASS_FAIL)
    assert not marks.filter(value__isnull=False).exists()
    assert marks.filter(passed=True).count() > 5 * marks.filter(passed=False).count() > 0


def _cells() -> dict[int, int]:
    """Lesson id → how many students were in its journal that day."""
    enrolled = defaultdict(list)
    for student, school_class, start, end in Enrolment.objects.values_list(
        "student", "school_class", "start_date", "end_date"
    ):
        enrolled[school_class].append((student, start, end or date.max))
    groups = defaultdict(set)
    for group, student in TeachingAssignment.objects.filter(subgroup__isnull=False).values_list(
        "subgroup", "subgroup__students"
    ):
        groups[group].add(student)
    return {
        pk: sum(
            1
            for student, start, end in enrolled[school_class]
            if start <= day <= end and (group is None or student in groups[group])
        )
        for pk, school_class, day, group in Lesson.objects.values_list(
            "pk", "assignment__class_subject__school_class", "date", "assignment__subgroup"
        )
    }


def test_a_third_of_the_class_gets_a_mark_at_an_ordinary_lesson_everyone_at_a_test(demo):
    cells = _cells()
    five_point = Lesson.objects.filter(assignment__class_subject__scale=AssessmentScale.FIVE_POINT)
    for work_type, low, high in (("Ответ на уроке", 0.25, 0.45), ("Контрольная работа", 0.85, 1)):
        lessons = five_point.filter(work_type__name=work_type).values_list("pk", flat=True)
        marks = Mark.objects.filter(lesson__in=lessons).count()
        assert low <= marks / sum(cells[pk] for pk in lessons) <= high


def test_three_to_six_percent_are_away_mostly_ill(demo):
    kinds = defaultdict(int)
    for kind in Attendance.objects.values_list("kind", flat=True):
        kinds[kind] += 1
    assert set(kinds) == set(Attendance.Kind.values)
    assert kinds["sick"] == max(kinds.values())
    away = sum(kinds.values()) - kinds["late"]
    assert 0.03 <= away / sum(_cells().values()) <= 0.06


def test_absent_students_get_no_mark(demo):
    away = set(Attendance.objects.exclude(kind=Attendance.Kind.LATE).values_list("lesson", "student"))
    assert away
    assert not away & set(Mark.objects.values_list("lesson", "student"))


def test_every_lesson_mark_attendance_and_term_mark_has_its_history(demo):
    models = {"lesson": Lesson, "mark": Mark, "attendance": Attendance, "term_mark": TermMark}
    for entity, model in models.items():
        created = JournalHistory.objects.filter(entity=entity, action="create")
        assert set(created.values_list("entity_id", flat=True)) == set(
            model.objects.values_list("pk", flat=True)
        )
        assert created.count() == model.objects.count()


def test_history_shows_the_state_the_services_write_at_the_lesson_time(demo):
    marks = {
        pk: (value, passed)
        for pk, value, passed in Mark.objects.filter(version=1).values_list("pk", "value", "passed")
    }
    teachers = dict(Lesson.objects.values_list("pk", "assignment__teacher"))
    lesson_of = dict(Mark.objects.values_list("pk", "lesson"))
    now = timezone.now()
    rows = JournalHistory.objects.filter(entity="mark", action="create", entity_id__in=marks)
    for entity_id, actor, at, lesson_date, old, new in rows.values_list(
        "entity_id", "actor", "at", "lesson_date", "old", "new"
    ):
        value, passed = marks[entity_id]
        assert old is None and new == {"value": value, "passed": passed, "comment": ""}
        assert actor == teachers[lesson_of[entity_id]]
        assert timezone.localtime(at).date() == lesson_date and at <= now
    lesson = JournalHistory.objects.filter(entity="lesson").order_by("pk").first()
    stored = Lesson.objects.get(pk=lesson.entity_id)
    assert lesson.new == {
        "date": stored.date.isoformat(),
        "topic": stored.topic,
        "homework": stored.homework,
        "work_type": stored.work_type_id,
    }


def test_first_quarter_is_closed_for_grades_2_to_9_and_refuses_a_mark(demo):
    q1 = Term.objects.get(scheme="quarter", number=1)
    closed = set(TermClosure.objects.filter(term=q1).values_list("school_class__grade", flat=True))
    assert closed == set(range(2, 10))
    assert not TermClosure.objects.exclude(term=q1).exists()
    assert set(TermClosure.objects.values_list("closed_by__username", flat=True)) == {"deputy"}
    lesson = Lesson.objects.filter(
        date__lte=q1.end_date, assignment__class_subject__school_class__grade=5, marks__isnull=False
    ).first()
    student = lesson.marks.first().student
    with pytest.raises(DomainError) as refused:
        mark_set(user=lesson.assignment.teacher, lesson=lesson, student=student, raw="5")
    assert refused.value.code == "term_closed"


def test_every_student_has_first_quarter_marks_nothing_is_missing(demo):
    q1 = Term.objects.get(scheme="quarter", number=1)
    classes = list(SchoolClass.objects.filter(grade__gte=2, grade__lte=9))
    assert term_close_check(term=q1, classes=classes).ready
    assert not TermMark.objects.filter(class_subject__school_class__grade__in=(1, 10, 11)).exists()


def test_term_marks_follow_the_rules_unless_set_otherwise_with_a_reason(demo):
    q1 = Term.objects.get(scheme="quarter", number=1)
    weighted = defaultdict(list)
    for cs, student, value, weight in Mark.objects.filter(
        lesson__date__gte=q1.start_date, lesson__date__lte=q1.end_date, value__isnull=False
    ).values_list("lesson__assignment__class_subject", "student", "value", "lesson__work_type__weight"):
        weighted[cs, student].append((value, Decimal(weight)))
    corrected = set(
        CorrectionRequest.objects.filter(status="approved", target="term_mark").values_list(
            "class_subject", "student"
        )
    )
    term_marks = TermMark.objects.filter(term=q1, class_subject__scale=AssessmentScale.FIVE_POINT)
    overridden = 0
    for cs, student, value, not_attested, suggested, is_overridden, reason in term_marks.values_list(
        "class_subject", "student", "value", "not_attested", "suggested", "overridden", "reason"
    ):
        rules = suggest_term_mark(weighted[cs, student], thresholds=Thresholds(), min_marks=3)
        assert suggested == rules.result
        result = NOT_ATTESTED if not_attested else str(value)
        if (cs, student) not in corrected:
            assert is_overridden == (result != suggested)
        assert bool(reason) == (is_overridden or (cs, student) in corrected)
        overridden += is_overridden
    assert 0 < overridden <= term_marks.count() * 0.05


def test_there_are_excellent_students_failing_marks_and_not_attested(demo):
    q1 = Term.objects.get(scheme="quarter", number=1)
    by_student = defaultdict(list)
    for student, value, not_attested in TermMark.objects.filter(
        term=q1, class_subject__scale=AssessmentScale.FIVE_POINT
    ).values_list("student", "value", "not_attested"):
        by_student[student].append(NOT_ATTESTED if not_attested else value)
    excellent = [s for s, marks in by_student.items() if all(m == 5 for m in marks)]
    assert 1 <= len(excellent) < len(by_student) / 4
    assert any(2 in marks for marks in by_student.values())
    assert any(NOT_ATTESTED in marks for marks in by_student.values())
    assert TermMark.objects.filter(
        term=q1, class_subject__scale=AssessmentScale.PASS_FAIL, passed=True
    ).exists()


def test_corrections_are_approved_rejected_or_pending_through_the_services(demo):
    requests = CorrectionRequest.objects.all()
    statuses = defaultdict(int)
    for status in requests.values_list("status", flat=True):
        statuses[status] += 1
    assert 8 <= requests.count() <= 12
    assert statuses["approved"] >= 3 and statuses["rejected"] >= 2 and statuses["pending"] >= 1
    assert all(r.decision_note for r in requests.filter(status="rejected"))
    assert set(requests.exclude(status="pending").values_list("decided_by__username", flat=True)) == {
        "deputy"
    }


def test_approved_corrections_changed_the_mark_with_history(demo):
    approved = CorrectionRequest.objects.filter(status="approved")
    for request in approved.filter(target="mark"):
        mark = Mark.objects.get(lesson=request.lesson, student=request.student)
        assert str(mark.value) == request.new_value and mark.version == 2
        change = JournalHistory.objects.get(entity="mark", action="update", entity_id=mark.pk)
        assert change.old["value"] != change.new["value"] == mark.value
        assert request.reason in change.reason
    (term_request,) = approved.filter(target="term_mark")
    term_mark = TermMark.objects.get(
        class_subject=term_request.class_subject, student=term_request.student, term=term_request.term
    )
    assert str(term_mark.value) == term_request.new_value
    change = JournalHistory.objects.get(entity="term_mark", action="update", entity_id=term_mark.pk)
    assert change.old["not_attested"] and change.new["value"] == term_mark.value


def test_same_seed_gives_the_same_journal_and_another_seed_another(demo):
    first, again, other = demo.digests
    assert first == again
    assert other != first


def test_a_whole_year_closes_every_term_and_sets_annual_marks_from_the_term_marks(demo):
    facts = demo.full_year
    assert facts["annual"] > SMALL * 5
    assert facts["annual_as_suggested"]
    assert facts["open_terms_of_grades_2_11"] == 0
    assert facts["last_lesson"] == YEAR_END


def test_a_second_journal_is_refused(demo):
    with pytest.raises(DomainError) as refused:
        build_demo_journal(seed=SEED, until=UNTIL)
    assert refused.value.code == "journal_exists"


def _diagnostics_digest() -> str:
    from gradebook.models import DiagnosticResult, DiagnosticTask, DiagnosticTaskResult, DiagnosticWork

    parts = [
        list(
            DiagnosticWork.objects.order_by("class_subject_id", "date", "kind").values_list(
                "class_subject_id", "kind", "date", "reading_period", "threshold_3"
            )
        ),
        list(
            DiagnosticTask.objects.order_by("work__class_subject_id", "number").values_list(
                "number", "max_points"
            )
        ),
        list(
            DiagnosticResult.objects.order_by(
                "work__class_subject_id", "work__date", "student_id"
            ).values_list("student_id", "absent", "words_per_minute", "reading_way", "mark")
        ),
        list(
            DiagnosticTaskResult.objects.order_by(
                "result__work__class_subject_id", "result__work__date", "result__student_id", "task__number"
            ).values_list("points", flat=True)
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_demo_has_start_tests_and_reading_checks_by_the_apps_rules(demo):
    from gradebook.demo import build_demo_diagnostics
    from gradebook.models import DiagnosticResult, DiagnosticTaskResult, DiagnosticWork, ReadingPeriod

    until = min(UNTIL, timezone.localdate())
    works = list(
        DiagnosticWork.objects.select_related("class_subject__school_class", "class_subject__subject")
    )
    assert all(w.date <= until for w in works)
    tests = {
        (w.class_subject.school_class.grade, w.class_subject.subject.name) for w in works if w.kind == "start"
    }
    reading = {(w.class_subject.school_class.grade, w.reading_period) for w in works if w.kind == "reading"}
    if until >= date(_start_year(), 9, 28):  # the third and fourth weeks of September have passed
        assert tests == {(2, "Математика"), (5, "Математика"), (5, "Русский язык")}
        assert reading == {(g, ReadingPeriod.START) for g in (2, 3, 4)}
        assert f"Диагностические работы и техника чтения: работ {len(works)}" in demo.output
    for w in works:
        members = w.class_subject.school_class.enrolments.filter(start_date__lte=w.date).count()
        assert 0 < w.results.count() <= members
    # points within each task's maximum, and a present test-taker has every task
    assert not DiagnosticTaskResult.objects.filter(points__gt=models.F("task__max_points")).exists()
    for result in DiagnosticResult.objects.filter(work__kind="start", absent=False).annotate(
        n=models.Count("task_results")
    ):
        assert result.n == 8 and result.mark in (2, 3, 4, 5)
    # the same seed gives the same works and results
    first = _diagnostics_digest()
    DiagnosticWork.objects.all().delete()
    build_demo_diagnostics(seed=SEED, until=UNTIL)
    assert _diagnostics_digest() == first
