"""Closing a year: refusals that change nothing, the personal file, the certificate book, the lock on
every writing service of the gradebook, and the promotion."""

from datetime import UTC, date, datetime

import pytest

from accounts.errors import DomainError
from archive.models import CertificateBookEntry, PersonalFileRecord
from archive.year_close import Outcome, promotion_confirm, promotion_propose, year_close, year_close_check
from gradebook.models import Enrolment, SchoolClass, Term, TermClosure, TermMark
from gradebook.services import academic_year_create
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
ISSUED = date(2025, 6, 28)

pytestmark = pytest.mark.django_db


def _close(school):
    return year_close(user=school.deputy, year=school.year, now=NOW, issued_on=ISSUED)


def test_year_with_an_open_term_is_refused_and_nothing_written():
    school = build_archive_school()
    TermClosure.objects.filter(school_class=school.classes[5], term__number=4).delete()
    with pytest.raises(DomainError) as refused:
        _close(school)
    assert refused.value.code == "terms_open"
    assert "5А: 4 четверть" in str(refused.value.message)
    school.year.refresh_from_db()
    assert school.year.closed_at is None
    assert not PersonalFileRecord.objects.exists() and not CertificateBookEntry.objects.exists()


def test_missing_annual_marks_are_counted_per_class():
    school = build_archive_school()
    TermMark.objects.filter(student=school.students["anna"], kind="annual").delete()
    check = year_close_check(year=school.year)
    assert check.open_terms == [] and check.missing_annual == ["5А: 2"]
    with pytest.raises(DomainError) as refused:
        _close(school)
    assert refused.value.code == "annual_marks_missing"
    assert not PersonalFileRecord.objects.exists()


def test_close_writes_personal_files_and_certificates_of_graduates_only():
    school = build_archive_school()
    result = _close(school)
    assert (result.records, result.certificates) == (5, 2)
    anna = PersonalFileRecord.objects.get(student=school.students["anna"])
    assert (anna.class_name, anna.grade, anna.created_at) == ("5А", 5, NOW)
    assert anna.sections["annual_marks"] == [
        {"subject": "Математика", "mark": "5"},
        {"subject": "Русский язык", "mark": "4"},
    ]
    book = {
        e.number: (e.full_name.split()[0], e.issued_on, e.final_marks)
        for e in CertificateBookEntry.objects.all()
    }
    assert book == {
        "2025-9-001": (
            "Глебов",
            ISSUED,
            [{"subject": "Математика", "mark": "4"}, {"subject": "Русский язык", "mark": "5"}],
        ),
        "2025-11-001": (
            "Егоров",
            ISSUED,
            [{"subject": "Математика", "mark": "5"}, {"subject": "Русский язык", "mark": "5"}],
        ),
    }
    school.year.refresh_from_db()
    assert school.year.closed_at == NOW and school.year.closed_by == school.deputy


def test_closing_twice_is_refused():
    school = build_archive_school()
    _close(school)
    with pytest.raises(DomainError) as refused:
        _close(school)
    assert refused.value.code == "year_closed"
    assert PersonalFileRecord.objects.count() == 5


# The lock: one test per family of writing services --------------------------------------------------


@pytest.fixture
def closed_school():
    school = build_archive_school()
    _close(school)
    return school


def test_closed_year_refuses_term_marks(closed_school):
    from gradebook.journal_services import term_mark_set

    cs = closed_school.classes[5].class_subjects.get(subject__name="Математика")
    with pytest.raises(DomainError) as refused:
        term_mark_set(
            user=closed_school.deputy,
            class_subject=cs,
            student=closed_school.students["boris"],
            kind="annual",
            raw="3",
            reason="пересдача",
        )
    assert refused.value.code == "year_closed"
    assert (
        TermMark.objects.get(class_subject=cs, student=closed_school.students["boris"], kind="annual").value
        == 2
    )


def test_closed_year_refuses_lessons_and_term_reopen(closed_school):
    from gradebook.journal_services import lesson_create, term_reopen
    from gradebook.models import TeachingAssignment, WorkType

    cs = closed_school.classes[5].class_subjects.get(subject__name="Математика")
    assignment = TeachingAssignment.objects.create(teacher=closed_school.deputy, class_subject=cs)
    with pytest.raises(DomainError) as refused:
        lesson_create(
            user=closed_school.deputy,
            assignment=assignment,
            on=date(2024, 9, 10),
            work_type=WorkType.objects.first(),
        )
    assert refused.value.code == "year_closed"
    term = Term.objects.filter(academic_year=closed_school.year, scheme="quarter").first()
    with pytest.raises(DomainError) as refused:
        term_reopen(user=closed_school.deputy, term=term, school_class=closed_school.classes[5])
    assert refused.value.code == "year_closed"
    assert TermClosure.objects.filter(term=term, school_class=closed_school.classes[5]).exists()


def test_closed_year_refuses_state_exams(closed_school):
    from gradebook.exam_services import state_exam_result_set
    from gradebook.models import StateExamResult, Subject

    with pytest.raises(DomainError) as refused:
        state_exam_result_set(
            user=closed_school.deputy,
            student=closed_school.students["gleb"],
            subject=Subject.objects.get(name="Математика"),
            kind="oge",
            exam_date=date(2025, 5, 20),
            primary_score=20,
            mark=4,
        )
    assert refused.value.code == "year_closed"
    assert not StateExamResult.objects.exists()


def test_closed_year_refuses_diagnostic_works(closed_school):
    from gradebook.diagnostic_services import TaskSpec, diagnostic_work_create
    from gradebook.models import DiagnosticWork

    cs = closed_school.classes[5].class_subjects.get(subject__name="Математика")
    with pytest.raises(DomainError) as refused:
        diagnostic_work_create(
            user=closed_school.deputy,
            class_subject=cs,
            kind="final",
            on=date(2025, 4, 10),
            tasks=[TaskSpec(max_points=2, pass_points=1)],
            thresholds=(1, 1, 2),
        )
    assert refused.value.code == "year_closed"
    assert not DiagnosticWork.objects.exists()


# Promotion --------------------------------------------------------------------------------------------


def test_promotion_proposal_names_debts_repeaters_and_graduates(closed_school):
    got = {
        (p.name.split()[0], p.class_name, p.outcome, tuple(p.debts))
        for p in promotion_propose(year=closed_school.year)
    }
    assert got == {
        ("Аннина", "5А", Outcome.PROMOTE, ()),
        ("Борисов", "5А", Outcome.DEBT, ("Математика",)),
        ("Глебов", "9А", Outcome.PROMOTE, ()),
        ("Дашина", "9А", Outcome.REPEAT, ()),
        ("Егоров", "11А", Outcome.GRADUATE, ()),
    }


def test_promotion_needs_a_closed_year():
    school = build_archive_school()
    next_year = academic_year_create(start_year=2025)
    with pytest.raises(DomainError) as refused:
        promotion_confirm(user=school.deputy, year=school.year, next_year=next_year, repeaters=set())
    assert refused.value.code == "year_not_closed"
    assert not SchoolClass.objects.filter(academic_year=next_year).exists()


def test_promotion_confirm_makes_next_classes_and_ends_old_enrolments(closed_school):
    next_year = academic_year_create(start_year=2025)
    anna = closed_school.students["anna"]
    enrolled = promotion_confirm(
        user=closed_school.deputy, year=closed_school.year, next_year=next_year, repeaters={anna.pk}
    )
    assert enrolled == 4
    placed = {
        e.student.last_name: e.school_class.name
        for e in Enrolment.objects.filter(school_class__academic_year=next_year).select_related(
            "student", "school_class"
        )
    }
    assert placed == {"Аннина": "5А", "Борисов": "6А", "Глебов": "10А", "Дашина": "9А"}
    egor = Enrolment.objects.get(student=closed_school.students["egor"])
    assert (egor.end_date, egor.leave_reason) == (closed_school.year.end_date, "graduation")
    with pytest.raises(DomainError) as refused:
        promotion_confirm(
            user=closed_school.deputy, year=closed_school.year, next_year=next_year, repeaters=set()
        )
    assert refused.value.code == "promoted"
