"""Retention of the records kept as single rows, with a controlled clock: the certificate book (50 years
from the issue date), the summary ledgers inside the school's and the classes' packages (25 years from
the year's end), and executed destruction acts with their PDF (3 years from execution). The day before,
of and after each date; a legal hold keeps the record; a second run finds nothing.

The school (tests/archive/school.py) closes 2024/2025, which ends 31.08.2025; its certificates are
issued 28.06.2025 (Глебов 2025-9-001, Егоров 2025-11-001). Every student is still enrolled, so no
personal file expires here.
"""

from datetime import UTC, date, datetime, time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.errors import DomainError
from archive.models import (
    ArchivePackage,
    ArchivePackageFile,
    CertificateBookEntry,
    DestructionAct,
    DestructionActItem,
)
from archive.packages import archive_package_request, archive_package_run, package_dir
from archive.retention import (
    destruction_act_approve,
    destruction_act_draft,
    destruction_act_execute,
    legal_hold_place,
    retention_due,
)
from archive.year_close import year_close
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
BOOK_KEPT_UNTIL = date(2075, 6, 28)
LEDGER_KEPT_UNTIL = date(2050, 8, 31)
ACT_EXECUTED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ACT_KEPT_UNTIL = date(2029, 3, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    school = build_archive_school()
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    school.year.refresh_from_db()
    return school


def _of(kind, today):
    return [d for d in retention_due(today=today) if d.kind == kind]


def _run(school, today, capture):
    """Drafts, approves and executes an act on `today`; returns it."""
    now = datetime.combine(today, time(12), tzinfo=UTC)
    act = destruction_act_draft(user=school.deputy, today=today, now=now)
    destruction_act_approve(user=school.director, act=act, now=now)
    with capture(execute=True):
        return destruction_act_execute(act_id=act.pk, now=now, today=today)


def _nothing_to_draft(school, today):
    before = DestructionAct.objects.count()
    with pytest.raises(DomainError) as refused:
        destruction_act_draft(user=school.deputy, today=today, now=NOW)
    assert refused.value.code == "nothing_expired"
    assert DestructionAct.objects.count() == before


# The certificate book ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2075, 6, 27), False), (BOOK_KEPT_UNTIL, False), (date(2075, 6, 29), True)],
)
def test_the_certificate_book_is_kept_fifty_years_from_the_issue(school, today, expired):
    due = _of("certificate_book", today)
    assert [d.label for d in due] == ["Глебов Г.И., № 2025-9-001", "Егоров Е.И., № 2025-11-001"]
    assert {(d.due_on, d.expired(today)) for d in due} == {(BOOK_KEPT_UNTIL, expired)}
    if not expired:
        _nothing_to_draft(school, today)


def test_the_certificate_book_is_not_listed_long_before(school):
    assert not _of("certificate_book", date(2075, 1, 1))


def test_the_act_destroys_the_book_lines_and_a_second_run_finds_nothing(
    school, django_capture_on_commit_callbacks
):
    today = date(2075, 6, 29)
    entries = sorted(CertificateBookEntry.objects.values_list("pk", flat=True))
    act = _run(school, today, django_capture_on_commit_callbacks)
    assert sorted(act.items.values_list("kind", "record_id")) == [("certificate_book", pk) for pk in entries]
    assert not CertificateBookEntry.objects.exists()
    assert all(i.done.startswith("уничтожено") for i in act.items.all())  # «destroyed», in Russian
    assert not _of("certificate_book", today)
    _nothing_to_draft(school, date(2075, 7, 1))


def test_a_legal_hold_keeps_the_book_line(school, django_capture_on_commit_callbacks):
    gleb = school.students["gleb"]
    legal_hold_place(user=school.deputy, student=gleb, reason="запрос суда", now=NOW)
    today = date(2075, 6, 29)
    held = {d.label: d.held for d in _of("certificate_book", today)}
    assert held == {"Глебов Г.И., № 2025-9-001": True, "Егоров Е.И., № 2025-11-001": False}
    act = _run(school, today, django_capture_on_commit_callbacks)
    assert list(act.items.values_list("label", flat=True)) == ["Егоров Е.И., № 2025-11-001"]
    assert list(CertificateBookEntry.objects.values_list("number", flat=True)) == ["2025-9-001"]
    _nothing_to_draft(school, today)  # the held line stays listed, held, and is not drafted


def test_a_hold_placed_after_approval_keeps_the_book_line(school, django_capture_on_commit_callbacks):
    today = date(2075, 6, 29)
    act = destruction_act_draft(user=school.deputy, today=today, now=NOW)
    destruction_act_approve(user=school.director, act=act, now=NOW)
    legal_hold_place(user=school.deputy, student=school.students["egor"], reason="проверка", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        destruction_act_execute(act_id=act.pk, now=NOW, today=today)
    assert list(CertificateBookEntry.objects.values_list("number", flat=True)) == ["2025-11-001"]


# The summary ledgers in packages ----------------------------------------------------------------------


@pytest.fixture
def packages(school):
    built = {}
    for key, target in (
        ("school", {}),
        ("5А", {"school_class": school.classes[5]}),
        ("9А", {"school_class": school.classes[9]}),
        ("student", {"student": school.students["anna"]}),
    ):
        package = archive_package_request(user=school.deputy, year=school.year, now=NOW, **target)
        built[key] = archive_package_run(package_id=package.pk, now=NOW)
    return built


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2050, 8, 30), False), (LEDGER_KEPT_UNTIL, False), (date(2050, 9, 1), True)],
)
def test_the_ledgers_are_kept_twenty_five_years_from_the_years_end(school, packages, today, expired):
    due = _of("ledger", today)
    assert sorted(d.record_id for d in due) == sorted(packages[k].pk for k in ("school", "5А", "9А"))
    assert {(d.due_on, d.year_name, d.expired(today)) for d in due} == {
        (LEDGER_KEPT_UNTIL, "2024/2025", expired)
    }
    if not expired:
        _nothing_to_draft(school, today)


def test_the_act_removes_the_packages_with_their_ledgers_and_files(
    school, packages, django_capture_on_commit_callbacks
):
    folders = {k: package_dir(p) for k, p in packages.items()}
    assert all(f.is_dir() for f in folders.values())
    today = date(2050, 9, 1)
    act = _run(school, today, django_capture_on_commit_callbacks)
    assert act.items.count() == 3
    assert list(ArchivePackage.objects.values_list("pk", flat=True)) == [packages["student"].pk]
    assert not ArchivePackageFile.objects.exclude(package=packages["student"]).exists()
    assert [k for k, f in folders.items() if f.exists()] == ["student"]
    assert not _of("ledger", today)
    _nothing_to_draft(school, date(2050, 9, 2))


def test_a_legal_hold_keeps_the_packages_holding_the_students_file(
    school, packages, django_capture_on_commit_callbacks
):
    legal_hold_place(user=school.deputy, student=school.students["gleb"], reason="запрос суда", now=NOW)
    today = date(2050, 9, 1)
    held = {d.record_id: d.held for d in _of("ledger", today)}
    assert held == {packages["school"].pk: True, packages["5А"].pk: False, packages["9А"].pk: True}
    _run(school, today, django_capture_on_commit_callbacks)
    kept = set(ArchivePackage.objects.values_list("pk", flat=True))
    assert kept == {packages[k].pk for k in ("school", "9А", "student")}
    assert package_dir(packages["9А"]).is_dir() and not package_dir(packages["5А"]).exists()


# Destruction acts --------------------------------------------------------------------------------------


@pytest.fixture
def old_act(school):
    act = DestructionAct.objects.create(
        number="2026-001",
        status=DestructionAct.Status.EXECUTED,
        drafted_by=school.deputy,
        drafted_at=ACT_EXECUTED,
        approved_by=school.director,
        approved_at=ACT_EXECUTED,
        executed_at=ACT_EXECUTED,
    )
    act.pdf.save("act-2026-001.pdf", ContentFile(b"%PDF-1.7 old act"), save=True)
    DestructionActItem.objects.create(
        act=act,
        student=school.students["boris"],
        label="Борисов Б.",
        kind="state_exam",
        academic_year=school.year,
        due_on=date(2026, 8, 31),
        done="destroyed: 0 state exam results of 2024/2025",
    )
    return act


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2029, 3, 9), False), (ACT_KEPT_UNTIL, False), (date(2029, 3, 11), True)],
)
def test_an_act_is_kept_three_years_from_its_execution(school, old_act, today, expired):
    (due,) = _of("destruction_act", today)
    assert (due.record_id, due.due_on, due.expired(today)) == (old_act.pk, ACT_KEPT_UNTIL, expired)
    if not expired:
        _nothing_to_draft(school, today)


def test_the_act_destroys_an_old_act_and_its_pdf(school, old_act, django_capture_on_commit_callbacks):
    pdf = old_act.pdf.name
    assert default_storage.exists(pdf)
    today = date(2029, 3, 11)
    act = _run(school, today, django_capture_on_commit_callbacks)
    assert list(DestructionAct.objects.values_list("number", flat=True)) == [act.number]
    assert not DestructionActItem.objects.filter(act_id=old_act.pk).exists()
    assert not default_storage.exists(pdf)
    assert default_storage.exists(act.pdf.name)  # the new act keeps its own PDF
    assert not _of("destruction_act", today)  # the new act runs its own three years
    _nothing_to_draft(school, date(2029, 3, 12))


def test_a_legal_hold_keeps_an_act_naming_the_student(school, old_act):
    legal_hold_place(user=school.deputy, student=school.students["boris"], reason="запрос суда", now=NOW)
    (due,) = _of("destruction_act", date(2029, 3, 11))
    assert due.held
    _nothing_to_draft(school, date(2029, 3, 11))
    assert DestructionAct.objects.filter(pk=old_act.pk).exists()
