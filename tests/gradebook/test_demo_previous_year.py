"""The demo school's previous year (`demo_school --previous-year`): the classes one grade lower, this year's
students enrolled there all year, term and annual marks with their history, the terms closed — enough for
the «Динамика» report to show two years. Built once for the module in a transaction rolled back at its end."""

from collections import defaultdict
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.errors import DomainError
from gradebook.demo.previous_year import build_demo_previous_year
from gradebook.models import (
    AcademicYear,
    Enrolment,
    JournalHistory,
    SchoolClass,
    TermClosure,
    TermMark,
)
from gradebook.reports.dynamics import dynamics_reload
from gradebook.reports.dynamics_data import class_dynamics_build
from gradebook.rules import Thresholds, suggest_annual_mark

SMALL, SEED = 120, 7


def _until() -> date:
    today = timezone.localdate()
    start = today.year if today.month >= 9 else today.year - 1
    return date(start, 11, 22)  # the first quarter closed


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers), transaction.atomic():
        out = StringIO()
        args = (
            "--students",
            str(SMALL),
            "--seed",
            str(SEED),
            "--until",
            _until().isoformat(),
            "--previous-year",
        )
        call_command("demo_school", *args, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


def years():
    current = AcademicYear.objects.get(is_current=True)
    previous = AcademicYear.objects.get(start_date__year=current.start_date.year - 1)
    return current, previous


def test_every_class_of_grades_2_to_11_has_its_predecessor_with_its_students(demo):
    current, previous = years()
    assert "Прошлый учебный год" in demo
    now = {(c.grade, c.letter) for c in SchoolClass.objects.filter(academic_year=current, grade__gte=2)}
    before = {(c.grade + 1, c.letter) for c in SchoolClass.objects.filter(academic_year=previous)}
    assert now == before
    for enrolment in Enrolment.objects.filter(school_class__academic_year=previous).select_related(
        "school_class"
    ):
        assert (enrolment.start_date, enrolment.end_date) == (
            previous.start_date,
            date(current.start_date.year, 5, 31),
        )
        assert enrolment.leave_reason == Enrolment.LeaveReason.PROMOTION
        successor = Enrolment.objects.get(
            student=enrolment.student, school_class__academic_year=current, start_date=current.start_date
        )
        assert (successor.school_class.grade, successor.school_class.letter) == (
            enrolment.school_class.grade + 1,
            enrolment.school_class.letter,
        )


def test_term_and_annual_marks_follow_the_rules_and_have_their_history(demo):
    _current, previous = years()
    marks = TermMark.objects.filter(class_subject__school_class__academic_year=previous)
    assert marks.filter(kind="term").exists() and marks.filter(kind="annual").exists()
    assert not marks.filter(class_subject__school_class__grade=1).exists()  # grade 1 is mark-free
    terms = defaultdict(list)
    for cs, student, value in marks.filter(kind="term", value__isnull=False).values_list(
        "class_subject", "student", "value"
    ):
        terms[cs, student].append(str(value))
    for cs, student, value in marks.filter(kind="annual", value__isnull=False).values_list(
        "class_subject", "student", "value"
    ):
        assert str(value) == suggest_annual_mark(terms[cs, student], thresholds=Thresholds()).result
    created = JournalHistory.objects.filter(
        entity="term_mark", action="create", entity_id__in=marks.values("pk")
    )
    assert created.count() == marks.count()
    closed = TermClosure.objects.filter(term__academic_year=previous)
    assert closed.count() == sum(
        4 if c.grade <= 9 else 2 for c in SchoolClass.objects.filter(academic_year=previous, grade__gte=2)
    )


def test_a_class_dynamics_spans_both_years(demo):
    current, previous = years()
    school_class = SchoolClass.objects.get(academic_year=current, grade=5, letter="А")
    checked = dynamics_reload({"year": current.pk, "scope": "class", "class_id": school_class.pk})
    (line,) = class_dynamics_build(checked).classes
    names = [p.period.year_name for p in line.points]
    assert names.count(previous.name) == 5 and names.count(current.name) >= 1  # four quarters and the year


def test_it_refuses_a_second_time(demo):
    with pytest.raises(DomainError):
        build_demo_previous_year(seed=SEED)
