"""The demo school's archive part (`demo_school --previous-year --archive`): the previous year closed with
graduates, its package built and sound, leavers near their retention date. Built once for the module in
a transaction rolled back at its end."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from archive.models import ArchivePackage, CertificateBookEntry, PersonalFileRecord
from archive.packages import archive_package_verify
from archive.retention import retention_due
from gradebook.models import AcademicYear, Enrolment


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command(
            "demo_school",
            "--students",
            "120",
            "--seed",
            "7",
            "--no-journal",
            "--previous-year",
            "--archive",
            stdout=out,
        )
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(built, db):
    return built


def previous():
    current = AcademicYear.objects.get(is_current=True)
    return AcademicYear.objects.get(start_date__year=current.start_date.year - 1)


def test_the_previous_year_is_closed_with_its_graduates(demo):
    year = previous()
    assert "Архив:" in demo
    assert year.closed_at is not None
    graduates = Enrolment.objects.filter(school_class__academic_year=year, leave_reason="graduation")
    assert graduates.count() == 6
    book = CertificateBookEntry.objects.filter(academic_year=year)
    assert set(book.filter(grade=11).values_list("student_id", flat=True)) == set(
        graduates.values_list("student_id", flat=True)
    )
    assert book.filter(grade=9).exists()
    students = set(
        Enrolment.objects.filter(school_class__academic_year=year).values_list("student_id", flat=True)
    )
    assert (
        set(PersonalFileRecord.objects.filter(academic_year=year).values_list("student_id", flat=True))
        == students
    )


def test_the_package_of_the_year_is_built_and_sound(demo, settings):
    (package,) = ArchivePackage.objects.filter(academic_year=previous())
    assert package.status == "done" and package.scope == "year"
    assert archive_package_verify(package).ok


def test_leavers_are_near_their_retention_date(demo):
    today = timezone.localdate()
    due = [d for d in retention_due(today=today) if d.kind == "personal_file"]
    assert sorted((d.due_on - today).days for d in due) == [-10, 30, 60]
    assert [d.held for d in sorted(due, key=lambda d: d.due_on)] == [False, False, True]
