"""Retention with a controlled clock: the day before, the day of and the day after each date; legal
holds; the act workflow; destroyed data gone from the database, the history and the disk; a second
run finds nothing.

The school (tests/archive/school.py) closes 2024/2025 (ends 31.08.2025); Егоров Егор graduates, so his
personal file is kept 3 years after leaving: through 31.08.2028, expired from 01.09.2028. Глебов Глеб
sat ОГЭ on 20.05.2025: the protocol is kept a year after the exam period (31.08.2025): through
31.08.2026.
"""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from accounts.errors import DomainError
from accounts.models import Student
from archive.models import ArchivePackage, CertificateBookEntry, DestructionAct, PersonalFileRecord
from archive.packages import archive_package_request, archive_package_run, package_dir
from archive.retention import (
    destruction_act_approve,
    destruction_act_draft,
    destruction_act_execute,
    legal_hold_place,
    legal_hold_release,
    retention_due,
)
from archive.year_close import promotion_confirm, year_close
from gradebook.models import Enrolment, JournalHistory, StateExamResult, Subject, TermMark
from gradebook.services import academic_year_create
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
EGOR_KEPT_UNTIL = date(2028, 8, 31)
GLEB_EXAM_KEPT_UNTIL = date(2026, 8, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(media):
    from gradebook.exam_services import state_exam_result_set

    school = build_archive_school()
    state_exam_result_set(
        user=school.deputy,
        student=school.students["gleb"],
        subject=Subject.objects.get(name="Математика"),
        kind="oge",
        exam_date=date(2025, 5, 20),
        primary_score=20,
        mark=4,
    )
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    next_year = academic_year_create(start_year=2025)
    promotion_confirm(user=school.deputy, year=school.year, next_year=next_year, repeaters=set())
    school.year.refresh_from_db()
    return school


def _due(today, kind, student):
    return [d for d in retention_due(today=today) if d.kind == kind and d.student_id == student.pk]


@pytest.mark.parametrize(
    ("today", "listed", "expired"),
    [
        (date(2028, 6, 1), False, False),  # more than 90 days ahead: not listed yet
        (date(2028, 8, 30), True, False),  # the day before
        (EGOR_KEPT_UNTIL, True, False),  # the day of: still kept
        (date(2028, 9, 1), True, True),  # the day after: expired
    ],
)
def test_a_personal_file_expires_the_day_after_three_years_from_leaving(school, today, listed, expired):
    due = _due(today, "personal_file", school.students["egor"])
    assert bool(due) == listed
    if listed:
        assert (
            due[0].due_on == EGOR_KEPT_UNTIL
            and due[0].expired(today) == expired
            and due[0].label == "Егоров Е.И."
        )


def test_a_student_still_studying_is_never_listed(school):
    assert not _due(date(2060, 1, 1), "personal_file", school.students["anna"])


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2026, 8, 30), False), (GLEB_EXAM_KEPT_UNTIL, False), (date(2026, 9, 1), True)],
)
def test_an_exam_protocol_expires_a_year_after_the_exam_period(school, today, expired):
    (due,) = _due(today, "state_exam", school.students["gleb"])
    assert (due.due_on, due.year_name, due.expired(today)) == (GLEB_EXAM_KEPT_UNTIL, "2024/2025", expired)


def test_nothing_is_drafted_before_the_date(school):
    with pytest.raises(DomainError) as refused:
        destruction_act_draft(user=school.deputy, today=date(2026, 8, 31), now=NOW)
    assert refused.value.code == "nothing_expired"
    assert not DestructionAct.objects.exists()


def test_a_legal_hold_keeps_the_record_past_its_date(school):
    egor = school.students["egor"]
    hold = legal_hold_place(user=school.deputy, student=egor, reason="запрос суда", now=NOW)
    today = date(2028, 9, 1)
    assert _due(today, "personal_file", egor)[0].held
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    assert egor.pk not in set(act.items.values_list("student_id", flat=True))
    legal_hold_release(user=school.deputy, hold=hold, now=NOW)
    again = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    assert list(again.items.values_list("student_id", "kind")) == [(egor.pk, "personal_file")]


def test_a_hold_placed_after_approval_still_keeps_the_record(school):
    egor = school.students["egor"]
    act = destruction_act_draft(user=school.deputy, today=date(2028, 9, 1), now=NOW)
    destruction_act_approve(user=school.director, act=act, now=NOW)
    legal_hold_place(user=school.deputy, student=egor, reason="проверка", now=NOW)
    destruction_act_execute(act_id=act.pk, now=NOW, today=date(2028, 9, 2))
    assert Student.objects.filter(pk=egor.pk, last_name="Егоров").exists()
    assert PersonalFileRecord.objects.filter(student=egor).exists()


def test_the_act_needs_the_directors_approval(school):
    act = destruction_act_draft(user=school.deputy, today=date(2028, 9, 1), now=NOW)
    with pytest.raises(DomainError) as refused:
        destruction_act_execute(act_id=act.pk, now=NOW, today=date(2028, 9, 1))
    assert refused.value.code == "not_approved"
    with pytest.raises(DomainError) as refused:
        destruction_act_approve(user=school.deputy, act=act, now=NOW)
    assert refused.value.code == "not_allowed"
    with pytest.raises(DomainError) as refused:
        destruction_act_draft(user=school.director, today=date(2028, 9, 1), now=NOW)
    assert refused.value.code == "not_allowed"
    assert Student.objects.filter(pk=school.students["egor"].pk).exists()


def test_executing_the_act_destroys_the_data_its_history_and_files(school):
    egor = school.students["egor"]
    own = archive_package_request(user=school.deputy, year=school.year, student=egor, now=NOW)
    own = archive_package_run(package_id=own.pk, now=NOW)
    folder = package_dir(own)
    assert folder.is_dir()
    assert JournalHistory.objects.filter(student=egor, entity="term_mark").exists()
    today = date(2028, 9, 1)
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    destruction_act_approve(user=school.director, act=act, now=NOW)
    with django_capture_on_commit():
        act = destruction_act_execute(act_id=act.pk, now=NOW, today=today)
    assert act.status == "executed"
    assert not Student.objects.filter(pk=egor.pk).exists()
    assert not PersonalFileRecord.objects.filter(student_id=egor.pk).exists()
    assert not TermMark.objects.filter(student_id=egor.pk).exists()
    assert not Enrolment.objects.filter(student_id=egor.pk).exists()
    assert not JournalHistory.objects.filter(student_id=egor.pk).exists()
    assert not ArchivePackage.objects.filter(pk=own.pk).exists()
    assert not folder.exists()
    # the certificate book is kept 50 years: the line stays, without the link
    entry = CertificateBookEntry.objects.get(number="2025-11-001")
    assert (entry.student_id, entry.full_name) == (None, "Егоров Егор Иванович")
    # the act and its log extract
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(act.pdf.path).pages)
    assert act.number in text and "Егоров Е.И." in text
    # a second run finds nothing
    assert destruction_act_execute(act_id=act.pk, now=NOW, today=today).executed_at == NOW
    assert not [d for d in retention_due(today=today) if d.kind == "personal_file"]


def test_the_act_also_destroys_the_learning_action_levels_their_history_and_the_characteristic(school):
    """The achievements app's rows are in the registry under the personal-file rule; on PostgreSQL the
    levels' history lets the act's DELETE through like the journal's (archive migration 0004)."""
    from achievements.models import Characteristic, MetaSkillIndicator, MetaSkillLevel, MetaSkillLevelHistory

    egor, indicator = school.students["egor"], MetaSkillIndicator.objects.first()
    common = {"student": egor, "academic_year": school.year, "indicator": indicator}
    MetaSkillLevel.objects.create(
        **common, level="high", source="observation", updated_by=school.deputy, updated_at=NOW
    )
    MetaSkillLevelHistory.objects.create(
        **common, new_level="high", new_source="observation", changed_by=school.deputy, changed_at=NOW
    )
    Characteristic.objects.create(
        student=egor,
        academic_year=school.year,
        version=1,
        achievements="a",
        qualities="q",
        development="d",
        written_by=school.deputy,
        written_at=NOW,
    )
    today = date(2028, 9, 1)
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    destruction_act_approve(user=school.director, act=act, now=NOW)
    with django_capture_on_commit():
        destruction_act_execute(act_id=act.pk, now=NOW, today=today)
    for model in (MetaSkillLevel, MetaSkillLevelHistory, Characteristic):
        assert not model.objects.filter(student_id=egor.pk).exists(), model
    assert not Student.objects.filter(pk=egor.pk).exists()


def test_a_depersonalised_student_is_not_listed_again(school):
    """Глеб leaves on 30.09.2025: his personal file expires while his exam protocol (kept 10 years
    here) stays, so he is depersonalised, not deleted — and never listed again."""
    from archive.models import RetentionRule

    RetentionRule.objects.filter(kind="state_exam").update(years=10)
    gleb = school.students["gleb"]
    Enrolment.objects.filter(student=gleb, end_date=None).update(
        end_date=date(2025, 9, 30), leave_reason="transfer_school"
    )
    today = date(2028, 10, 1)  # kept through 30.09.2028
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    destruction_act_approve(user=school.director, act=act, now=NOW)
    item = destruction_act_execute(act_id=act.pk, now=NOW, today=today).items.get(student=gleb)
    assert "обезличено" in item.done
    kept = Student.objects.get(pk=gleb.pk)
    assert (kept.last_name, kept.middle_name, kept.birth_date.month) == ("Обезличен", "", 1)
    assert StateExamResult.objects.filter(student=gleb).exists()
    assert not PersonalFileRecord.objects.filter(student=gleb).exists()
    assert not [d for d in retention_due(today=today) if d.student_id == gleb.pk]


def test_the_exam_protocols_go_and_the_student_stays(school):
    gleb = school.students["gleb"]
    today = date(2026, 9, 1)
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    assert list(act.items.values_list("student_id", "kind")) == [(gleb.pk, "state_exam")]
    destruction_act_approve(user=school.director, act=act, now=NOW)
    destruction_act_execute(act_id=act.pk, now=NOW, today=today)
    assert not StateExamResult.objects.filter(student=gleb).exists()
    assert Student.objects.filter(pk=gleb.pk, last_name="Глебов").exists()
    assert retention_due(today=today) == []
    with pytest.raises(DomainError):
        destruction_act_draft(user=school.deputy, today=today, now=NOW)


class django_capture_on_commit:
    """Runs the on-commit callbacks of the block (the test's transaction never commits)."""

    def __enter__(self):
        from django.db import connection

        self.connection = connection
        self.start = len(connection.run_on_commit)
        return self

    def __exit__(self, *exc):
        for _sids, func, _robust in self.connection.run_on_commit[self.start :]:
            func()
        del self.connection.run_on_commit[self.start :]


class _Rollback(Exception):
    pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
def test_history_stays_append_only_outside_an_act(school):
    """Only a transaction that names an act may delete history; UPDATE is refused even then."""
    from django.db import DatabaseError, transaction

    count = JournalHistory.objects.count()
    assert count
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM gradebook_journalhistory")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.destruction_act', 'T-1', true)")
        cursor.execute("UPDATE gradebook_journalhistory SET reason = 'x'")
    with pytest.raises(_Rollback), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.destruction_act', 'T-1', true)")
        cursor.execute("DELETE FROM gradebook_journalhistory")
        assert JournalHistory.objects.count() == 0
        raise _Rollback
    assert JournalHistory.objects.count() == count


@pytest.fixture
def year_with_a_journal(media):
    """The school with one lesson of 5А's Математика on 10.09.2024 and Аннина's «5» in it, then closed:
    its journal is kept through 31.08.2030 (5 years from the year's end)."""
    from gradebook.cells import mark_set
    from gradebook.journal_services import lesson_create, term_close
    from gradebook.models import SchoolClass, TeachingAssignment, Term, WorkType

    school = build_archive_school(close_terms=False)
    cs = school.classes[5].class_subjects.get(subject__name="Математика")
    assignment = TeachingAssignment.objects.create(teacher=school.deputy, class_subject=cs)
    lesson = lesson_create(
        user=school.deputy, assignment=assignment, on=date(2024, 9, 10), work_type=WorkType.objects.first()
    )
    mark_set(user=school.deputy, lesson=lesson, student=school.students["anna"], raw="5")
    schemes = dict(school.year.grade_schemes.values_list("grade", "scheme"))
    for term in Term.objects.filter(academic_year=school.year):
        mine = [
            c
            for c in SchoolClass.objects.filter(academic_year=school.year)
            if schemes[c.grade] == term.scheme
        ]
        term_close(user=school.deputy, term=term, classes=mine)
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    return school


@pytest.mark.parametrize(("today", "expired"), [(date(2030, 8, 31), False), (date(2030, 9, 1), True)])
def test_a_years_journal_expires_five_years_after_the_year(year_with_a_journal, today, expired):
    (due,) = [d for d in retention_due(today=today) if d.kind == "journal"]
    assert (due.student_id, due.year_name, due.due_on, due.expired(today)) == (
        None,
        "2024/2025",
        date(2030, 8, 31),
        expired,
    )


def test_destroying_a_journal_keeps_the_personal_file(year_with_a_journal):
    from gradebook.models import Mark

    school = year_with_a_journal
    today = date(2030, 9, 1)
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    assert ("journal", None) in set(act.items.values_list("kind", "student_id"))
    destruction_act_approve(user=school.director, act=act, now=NOW)
    destruction_act_execute(act_id=act.pk, now=NOW, today=today)
    assert not Mark.objects.exists()
    assert not JournalHistory.objects.filter(entity="mark").exists()
    assert TermMark.objects.filter(student=school.students["anna"], kind="annual").count() == 2
    assert JournalHistory.objects.filter(entity="term_mark").exists()
    assert not [d for d in retention_due(today=today) if d.kind == "journal"]
