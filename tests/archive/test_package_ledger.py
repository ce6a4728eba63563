"""The year's summary ledger in the packages of the school and of a class: XLSX and PDF/A, dated by the
year's close (not the day of building), in the manifest, the same bytes when built again, and a
tampered ledger named by verification."""

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.packages import (
    archive_package_request,
    archive_package_run,
    archive_package_verify,
    archive_package_verify_copy,
    package_dir,
    package_zip,
    sha256,
)
from archive.year_close import year_close
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    school = build_archive_school()
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    school.year.refresh_from_db()
    return school


def build(school, **target):
    package = archive_package_request(user=school.deputy, year=school.year, now=NOW, **target)
    return archive_package_run(package_id=package.pk, now=datetime(2031, 1, 15, 8, 0, tzinfo=UTC))


def _pdf_text(path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_school_package_holds_the_years_ledger_dated_by_the_close(closed):
    package = build(closed)
    folder = package_dir(package)
    recorded = dict(package.files.values_list("name", "sha256"))
    assert recorded["ledger.xlsx"] == sha256((folder / "ledger.xlsx").read_bytes())
    assert recorded["ledger.pdf"] == sha256((folder / "ledger.pdf").read_bytes())
    workbook = load_workbook(folder / "ledger.xlsx")
    assert {"5А", "9А", "11А"} <= set(workbook.sheetnames)
    reader = PdfReader(folder / "ledger.pdf")
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20250630100000+00'00"
    text = _pdf_text(folder / "ledger.pdf")
    closed_on = date_format(timezone.localdate(NOW), "SHORT_DATE_FORMAT")
    assert closed_on in text
    assert date_format(timezone.localdate(), "SHORT_DATE_FORMAT") not in text  # not the day of building
    assert "Глебов" in text and "Егоров" in text


def test_a_class_package_holds_the_ledger_of_the_class_only(closed):
    package = build(closed, school_class=closed.classes[9])
    folder = package_dir(package)
    text = _pdf_text(folder / "ledger.pdf")
    assert "Глебов" in text and "Дашина" in text
    assert "Аннина" not in text and "Егоров" not in text
    assert "9А" in load_workbook(folder / "ledger.xlsx").sheetnames


def test_a_student_package_has_no_ledger(closed):
    package = build(closed, student=closed.students["gleb"])
    names = set(package.files.values_list("name", flat=True))
    assert not names & {"ledger.xlsx", "ledger.pdf"}


def test_building_twice_gives_the_same_ledger_bytes(closed):
    first, second = build(closed), build(closed)
    hashes = [dict(p.files.values_list("name", "sha256")) for p in (first, second)]
    assert hashes[0]["ledger.pdf"] == hashes[1]["ledger.pdf"]
    assert hashes[0]["ledger.xlsx"] == hashes[1]["ledger.xlsx"]
    assert first.manifest_sha256 == second.manifest_sha256
    class_first = build(closed, school_class=closed.classes[5])
    class_second = build(closed, school_class=closed.classes[5])
    assert class_first.manifest_sha256 == class_second.manifest_sha256


def _tampered(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, body + b"\0" if info.filename.endswith(name) else body)
    return out.getvalue()


def test_a_tampered_ledger_is_named_by_verification(closed, tmp_path, capsys):
    package = build(closed)
    folder = package_dir(package)
    assert archive_package_verify(package).ok
    copy = package_zip(package)
    assert archive_package_verify_copy(package, _tampered(copy, "ledger.pdf")).changed == ["ledger.pdf"]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_tampered(copy, "ledger.xlsx"))
    with pytest.raises(SystemExit):
        call_command("archive_verify", str(bad))
    assert "ledger.xlsx" in capsys.readouterr().err
    (folder / "ledger.xlsx").write_bytes((folder / "ledger.xlsx").read_bytes()[:-10])
    (folder / "ledger.pdf").unlink()
    result = archive_package_verify(package)
    assert (result.changed, result.missing) == (["ledger.xlsx"], ["ledger.pdf"])
