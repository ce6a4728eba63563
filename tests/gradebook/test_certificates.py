"""Справки об успеваемости: what an issued certificate prints, its numbering, its PDF, who may open it, and
the public check of its code, which tells nothing about the child."""

import hashlib
import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from accounts.errors import DomainError
from accounts.models import Role, StudentAccessLog, UserRole
from gradebook.cells import mark_set
from gradebook.certificate_pdf import NoFetching
from gradebook.certificates import (
    CODE_ALPHABET,
    CODE_LENGTH,
    progress_certificate_issue,
    progress_certificate_snapshot,
)
from gradebook.family_selectors import monday_of
from gradebook.journal_services import attestation_set, lesson_create, term_mark_set, term_of
from gradebook.models import ProgressCertificate, WorkType
from gradebook.services import enrolment_end
from tests.factories import StudentFactory

SITE = "https://school.example.org"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = SITE


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def first_monday(world) -> date:
    return monday_of(world.year.start_date + timedelta(days=7))


def issue_day(world) -> date:
    """In the first quarter, a week after the marks of `anna_marks`."""
    return first_monday(world) + timedelta(days=7)


def lesson(world, on, work_type, journal=None, teacher=None):
    teacher = teacher or world.teacher
    return lesson_create(
        user=teacher,
        assignment=journal or world.math_a.assignments.get(teacher=world.teacher),
        on=on,
        work_type=WorkType.objects.get(short_name=work_type),
    )


@pytest.fixture
def anna_marks(world):
    """Math: 5 (answer ×1), 3 (test ×2), 4 (answer ×1) → 15 / 4 = 3,75, and a 2 after the day of issue;
    the first quarter's mark 4, the annual 4 and the attestation 5. Russian: one 5. Boris: 2s."""
    monday = first_monday(world)
    lessons = [lesson(world, monday, "отв"), lesson(world, monday + timedelta(1), "кр")]
    lessons.append(lesson(world, monday + timedelta(2), "отв"))
    for each, value in zip(lessons, ["5", "3", "4"], strict=True):
        mark_set(user=world.teacher, lesson=each, student=world.anna, raw=value)
        mark_set(user=world.teacher, lesson=each, student=world.boris, raw="2")
    later = lesson(world, issue_day(world) + timedelta(days=1), "отв")
    mark_set(user=world.teacher, lesson=later, student=world.anna, raw="2")
    russian = lesson(
        world,
        monday,
        "отв",
        journal=world.russian_a.assignments.get(teacher=world.colleague),
        teacher=world.colleague,
    )
    mark_set(user=world.colleague, lesson=russian, student=world.anna, raw="5")
    q1 = term_of(school_class=world.class_a, on=monday)
    term_mark_set(
        user=world.teacher, class_subject=world.math_a, student=world.anna, term=q1, raw="4", suggested="4"
    )
    term_mark_set(user=world.teacher, class_subject=world.math_a, student=world.anna, kind="annual", raw="4")
    attestation_set(
        user=world.deputy, class_subject=world.math_a, student=world.anna, form="test", on=monday, raw="5"
    )


def issue(world, on=None, user=None):
    return progress_certificate_issue(
        user=user or world.deputy, student=world.anna, issued_on=on or issue_day(world)
    )


# Issuing ----------------------------------------------------------------------------------------------


def test_issued_certificate_prints_the_marks_set_so_far(world, anna_marks):
    certificate = issue(world)

    c = certificate.content
    assert c["student"] == {"full_name": world.anna.full_name, "birth_date": "2015-03-01"}
    assert (c["school_class"], c["academic_year"]) == ("5А", world.year.name)
    assert c["school"]["name"] == "МБОУ «Тестовая школа»"
    assert c["director"]["full_name"] == world.director.full_name
    assert c["terms"] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert c["current_term"] == "1 четверть"
    math, russian = c["subjects"]
    assert math["name"] == "Математика"
    assert math["term_marks"] == ["4", "", "", ""]
    assert math["current_marks"] == ["5", "3", "4"]  # the 2 after the day of issue is not printed
    assert math["weighted_mean"] == "3,75"
    assert math["annual"] == "4"
    assert math["attestation"] == f"5 (контрольная работа, {first_monday(world):%d.%m.%Y})"
    assert (russian["name"], russian["current_marks"], russian["weighted_mean"]) == (
        "Русский язык",
        ["5"],
        "5,00",
    )
    assert russian["term_marks"] == ["", "", "", ""] and russian["annual"] == russian["attestation"] == ""


def test_issued_certificate_keeps_the_pdf_and_its_hash(world, anna_marks):
    certificate = issue(world)

    assert certificate.issued_by == world.deputy
    assert certificate.issued_on == issue_day(world)
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}", certificate.verification_code)
    assert certificate.content["verify_url"] == f"{SITE}/verify/{certificate.verification_code}/"
    data = certificate.pdf.read()
    assert data.startswith(b"%PDF")
    assert certificate.sha256 == hashlib.sha256(data).hexdigest()


def test_numbers_run_within_the_calendar_year_of_issue(world):
    autumn = issue_day(world)
    january = date(world.year.start_date.year + 1, 1, 15)

    numbers = [issue(world, on=day).number for day in (autumn, autumn, january, autumn)]

    y = autumn.year
    assert numbers == [f"1/{y}", f"2/{y}", f"1/{y + 1}", f"3/{y}"]


def test_a_student_who_left_is_printed_as_of_their_last_day(world, anna_marks):
    last_day = issue_day(world)
    enrolment_end(enrolment=world.anna.enrolments.get(), end_date=last_day, reason="transfer_school")
    in_the_next_term = date(world.year.start_date.year, 11, 20)

    certificate = issue(world, on=in_the_next_term)

    c = certificate.content
    assert c["school_class"] == "5А"
    assert c["current_term"] == "1 четверть"
    assert c["subjects"][0]["current_marks"] == ["5", "3", "4"]


def test_codes_differ_between_certificates(world):
    codes = {issue(world).verification_code for _ in range(3)}
    assert len(codes) == 3


def test_refused_without_a_director(world, settings):
    UserRole.objects.filter(role=Role.DIRECTOR).delete()

    with pytest.raises(DomainError) as refused:
        issue(world)

    assert refused.value.code == "no_director"
    assert "директор" in str(refused.value.message)
    assert not ProgressCertificate.objects.exists()
    assert stored_files(settings) == []


def test_refused_for_a_student_who_did_not_study_here_this_year(world):
    stranger = StudentFactory()

    with pytest.raises(DomainError) as refused:
        progress_certificate_issue(user=world.deputy, student=stranger, issued_on=issue_day(world))

    assert refused.value.code == "not_enrolled_this_year"


def test_a_failed_save_leaves_no_file(world, settings, monkeypatch):
    def fail(**fields):
        raise IntegrityError("simulated")

    monkeypatch.setattr(ProgressCertificate.objects, "create", fail)

    with pytest.raises(IntegrityError):
        issue(world)

    assert stored_files(settings) == []


def test_snapshot_takes_a_fixed_number_of_queries(world, anna_marks, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        snapshot = progress_certificate_snapshot(student=world.anna, on=issue_day(world))
    assert len(snapshot.subjects) == 2


def test_the_document_fetches_no_url():
    with pytest.raises(FatalURLFetchingError):
        HTML(string='<img src="file:///etc/hostname">', url_fetcher=NoFetching()).write_pdf()
    with pytest.raises(ValueError):
        NoFetching().fetch("http://127.0.0.1/")


def test_pdf_text_shows_the_student_number_and_code(world, anna_marks):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftotext not found: install poppler-utils")
        pytest.skip("pdftotext not found (poppler-utils)")
    certificate = issue(world)

    text = subprocess.run(  # noqa: S603 - a fixed local tool on our own file
        [pdftotext, "-layout", certificate.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout

    code = certificate.verification_code
    assert world.anna.full_name in text
    assert f"№ {certificate.number}" in text
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text
    assert "СПРАВКА" in text and "Математика" in text


# Pages ------------------------------------------------------------------------------------------------


def test_deputy_issues_from_the_student_page(world, client_for):
    client = client_for(world.deputy)
    page = client.get(reverse("student_detail", args=[world.anna.pk])).content.decode()
    assert 'id="certificate-issue"' in page

    response = client.post(reverse("certificate_issue", args=[world.anna.pk]))

    certificate = ProgressCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("certificate_detail", args=[certificate.pk])
    assert certificate.issued_by == world.deputy


def test_refusal_is_shown_on_the_student_page(world, client_for):
    UserRole.objects.filter(role=Role.DIRECTOR).delete()

    response = client_for(world.deputy).post(reverse("certificate_issue", args=[world.anna.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("student_detail", args=[world.anna.pk])
    assert "директор" in response.content.decode()
    assert not ProgressCertificate.objects.exists()


def test_a_teacher_cannot_issue(world, client_for):
    response = client_for(world.teacher).post(reverse("certificate_issue", args=[world.anna.pk]))

    assert response.status_code == 404
    assert not ProgressCertificate.objects.exists()
    page = client_for(world.teacher).get(reverse("student_detail", args=[world.anna.pk])).content.decode()
    assert 'id="certificate-issue"' not in page


def test_staff_and_parent_see_the_list_on_the_student_page(world, client_for):
    certificate = issue(world)
    for user in (world.teacher, world.parent_a):
        page = client_for(user).get(reverse("student_detail", args=[world.anna.pk])).content.decode()
        assert reverse("certificate_detail", args=[certificate.pk]) in page


def test_parent_opens_and_downloads_their_childs_certificate(world, client_for, anna_marks):
    certificate = issue(world)
    client = client_for(world.parent_a)

    page = client.get(reverse("certificate_detail", args=[certificate.pk]))
    download = client.get(reverse("certificate_download", args=[certificate.pk]))

    assert page.status_code == 200
    assert "Аннина Анна" in page.content.decode() and "3,75" in page.content.decode()
    assert (
        world.deputy.full_name not in page.content.decode()
    )  # families do not see who of the staff issued it
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == certificate.sha256
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
    assert "%D0%A1%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0" in disposition  # «Справка», RFC 5987
    assert not StudentAccessLog.objects.filter(student=world.anna).exists()  # a family's view is not logged


def test_another_parent_gets_404(world, client_for):
    certificate = issue(world)
    client = client_for(world.parent_b)

    assert client.get(reverse("certificate_detail", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificate_download", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("certificate_detail", args=[999_999])).status_code == 404


def test_the_student_themself_gets_404(world, client_for):
    certificate = issue(world)
    response = client_for(world.anna_user).get(reverse("certificate_detail", args=[certificate.pk]))
    assert response.status_code == 404


def test_staff_download_is_logged(world, client_for):
    certificate = issue(world)

    response = client_for(world.ct_a).get(reverse("certificate_download", args=[certificate.pk]))

    assert response.status_code == 200
    log = StudentAccessLog.objects.get(student=world.anna, action=StudentAccessLog.Action.DOWNLOAD)
    assert log.actor == world.ct_a


# The public check -------------------------------------------------------------------------------------


def verify_url(certificate) -> str:
    return reverse("certificate_verify", args=[certificate.verification_code])


def test_verification_shows_the_number_date_and_school_and_nothing_about_the_child(
    world, client_for, anna_marks
):
    certificate = issue(world)

    response = client_for(None).get(verify_url(certificate))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"№ {certificate.number}" in html
    assert f"{certificate.issued_on:%d.%m.%Y}" in html
    assert "Тестовая школа" in html and certificate.sha256 in html
    for private in ("Аннина", "Анна", "01.03.2015", "5А", "Математика", "3,75", "контрольная"):
        assert private not in html, private
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_code_is_found_however_it_is_typed(world, client_for):
    certificate = issue(world)
    code = certificate.verification_code
    typed = f"{code[:4]}-{code[4:8]} {code[8:]}".lower()

    response = client_for(None).get(reverse("certificate_verify_lookup"), {"code": typed})

    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate)


def test_uploading_the_issued_pdf_says_unchanged(world, client_for):
    certificate = issue(world)
    data = certificate.pdf.read()

    response = client_for(None).post(
        verify_url(certificate), {"document": SimpleUploadedFile("справка.pdf", data, "application/pdf")}
    )

    assert response.status_code == 200
    assert "Документ не изменён" in response.content.decode()


def test_uploading_a_changed_pdf_says_changed(world, client_for):
    certificate = issue(world)
    data = bytearray(certificate.pdf.read())
    data[len(data) // 2] ^= 0x01

    response = client_for(None).post(
        verify_url(certificate),
        {"document": SimpleUploadedFile("справка.pdf", bytes(data), "application/pdf")},
    )

    html = response.content.decode()
    assert "Документ изменён или это другой документ" in html
    assert "Документ не изменён" not in html


def test_upload_must_be_a_pdf_of_at_most_5_mb(world, client_for):
    certificate = issue(world)
    client = client_for(None)

    not_pdf = client.post(verify_url(certificate), {"document": SimpleUploadedFile("a.pdf", b"<html>")})
    too_big = client.post(
        verify_url(certificate), {"document": SimpleUploadedFile("b.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024))}
    )

    assert "Это не PDF-файл" in not_pdf.content.decode()
    assert "больше 5 МБ" in too_big.content.decode()
    assert "Обязательное поле" not in too_big.content.decode()
    assert 'id="certificate-compare"' not in not_pdf.content.decode()


def test_upload_needs_the_csrf_token(world):
    certificate = issue(world)
    client = Client(enforce_csrf_checks=True)
    upload = {"document": SimpleUploadedFile("справка.pdf", certificate.pdf.read(), "application/pdf")}

    refused = client.post(verify_url(certificate), upload)
    token = client.get(verify_url(certificate)).context["csrf_token"]
    upload["document"].seek(0)
    accepted = client.post(verify_url(certificate), {**upload, "csrfmiddlewaretoken": str(token)})

    assert refused.status_code == 403
    assert "Документ не изменён" in accepted.content.decode()


@pytest.mark.parametrize("code", ["ZZZZZZZZZZZZ", "not-a-code", "K7M4"])
def test_unknown_code_is_404_with_the_same_page(db, client_for, code):
    response = client_for(None).get(reverse("certificate_verify", args=[code]))

    assert response.status_code == 404
    assert "Справка не найдена" in response.content.decode()


def test_checks_are_rate_limited_per_address(db, client_for):
    client = client_for(None)
    url = reverse("certificate_verify", args=["ZZZZZZZZZZZZ"])

    statuses = [client.get(url).status_code for _ in range(31)]

    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429
    other = client.get(url, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 404
