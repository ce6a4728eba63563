"""Archive packages: built by the job, deterministic, immutable, verifiable in the app and offline."""

import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.errors import DomainError
from archive.models import ArchivePackage
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
def closed(media):
    school = build_archive_school()
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    school.year.refresh_from_db()
    return school


def build(school, **target):
    package = archive_package_request(user=school.deputy, year=school.year, now=NOW, **target)
    return archive_package_run(package_id=package.pk, now=NOW)


def test_an_open_year_cannot_be_archived(media):
    school = build_archive_school()
    with pytest.raises(DomainError) as refused:
        archive_package_request(user=school.deputy, year=school.year, now=NOW)
    assert refused.value.code == "year_not_closed"
    assert not ArchivePackage.objects.exists()


def test_the_job_builds_the_package_with_its_manifest(closed, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        package = archive_package_request(user=closed.deputy, year=closed.year, now=NOW)
    package.refresh_from_db()
    assert (package.status, package.progress) == ("done", 100)
    folder = package_dir(package)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "data.json",
        "data.xlsx",
        "documents.pdf",
        "ledger.pdf",
        "ledger.xlsx",
        "manifest.json",
        "manifest.sha256",
    ]
    manifest = json.loads((folder / "manifest.json").read_bytes())
    assert [f["name"] for f in manifest["files"]] == [
        "data.json",
        "data.xlsx",
        "documents.pdf",
        "ledger.pdf",
        "ledger.xlsx",
    ]
    for entry in manifest["files"]:
        assert entry["sha256"] == sha256((folder / entry["name"]).read_bytes())
    assert package.manifest_sha256 == sha256((folder / "manifest.json").read_bytes())
    assert (folder / "manifest.sha256").read_text() == f"{package.manifest_sha256}  manifest.json\n"


def test_the_data_holds_the_personal_files_and_the_book(closed):
    package = build(closed)
    folder = package_dir(package)
    data = json.loads((folder / "data.json").read_bytes())
    assert [s["name"].split()[0] for s in data["students"]] == [
        "Аннина",
        "Борисов",
        "Глебов",
        "Дашина",
        "Егоров",
    ]
    assert [b["number"] for b in data["book"]] == ["2025-9-001", "2025-11-001"]
    workbook = load_workbook(folder / "data.xlsx")
    book = workbook[workbook.sheetnames[-1]]
    assert [row[0] for row in book.iter_rows(min_row=2, values_only=True)] == ["2025-9-001", "2025-11-001"]
    text = "".join(page.extract_text() for page in PdfReader(folder / "documents.pdf").pages)
    assert "Глебов Глеб" in text and "2025-11-001" in text


def test_the_pdf_declares_pdf_a_and_carries_only_the_closing_date(closed):
    package = build(closed)
    reader = PdfReader(package_dir(package) / "documents.pdf")
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in root
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20250630100000+00'00"


def test_building_twice_gives_the_same_hashes(closed):
    first = build(closed)
    second = build(closed)
    assert first.manifest_sha256 == second.manifest_sha256
    assert dict(first.files.values_list("name", "sha256")) == dict(second.files.values_list("name", "sha256"))
    assert package_zip(first) == package_zip(second)


def test_a_class_package_holds_only_the_class(closed):
    package = build(closed, school_class=closed.classes[9])
    data = json.loads((package_dir(package) / "data.json").read_bytes())
    assert [s["name"].split()[0] for s in data["students"]] == ["Глебов", "Дашина"]
    assert [b["number"] for b in data["book"]] == ["2025-9-001"]


def test_a_built_package_is_not_rebuilt(closed):
    package = build(closed)
    before = (package_dir(package) / "documents.pdf").stat().st_mtime_ns
    again = archive_package_run(package_id=package.pk, now=NOW)
    assert again.status == "done"
    assert (package_dir(package) / "documents.pdf").stat().st_mtime_ns == before


def test_verify_names_the_changed_and_the_missing_file(closed):
    package = build(closed)
    assert archive_package_verify(package).ok
    folder = package_dir(package)
    (folder / "data.json").write_bytes(
        (folder / "data.json").read_bytes().replace("Аннина".encode(), "Аннена".encode())
    )
    (folder / "data.xlsx").unlink()
    result = archive_package_verify(package)
    assert (result.changed, result.missing, result.ok) == (["data.json"], ["data.xlsx"], False)


def _tampered_zip(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            target.writestr(info.filename, body + b" " if info.filename.endswith(name) else body)
    return out.getvalue()


def test_an_uploaded_copy_is_checked(closed):
    package = build(closed)
    copy = package_zip(package)
    assert archive_package_verify_copy(package, copy).ok
    result = archive_package_verify_copy(package, _tampered_zip(copy, "documents.pdf"))
    assert result.changed == ["documents.pdf"]
    with pytest.raises(DomainError):
        archive_package_verify_copy(package, b"not a zip")


def test_the_command_verifies_a_copy_offline(closed, tmp_path, capsys):
    package = build(closed)
    good = tmp_path / "good.zip"
    good.write_bytes(package_zip(package))
    call_command("archive_verify", str(good))
    assert "SHA-256" in capsys.readouterr().out
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_tampered_zip(package_zip(package), "data.xlsx"))
    with pytest.raises(SystemExit) as failed:
        call_command("archive_verify", str(bad))
    assert failed.value.code == 1
    assert "data.xlsx" in capsys.readouterr().err
    # a copied folder whose manifest was rewritten to match a changed file: caught by the noted hash
    folder = tmp_path / "copy"
    folder.mkdir()
    with zipfile.ZipFile(good) as z:
        for info in z.infolist():
            (folder / info.filename.split("/")[-1]).write_bytes(z.read(info))
    call_command("archive_verify", str(folder), manifest_sha256=package.manifest_sha256)
    (folder / "manifest.json").write_bytes((folder / "manifest.json").read_bytes() + b" ")
    with pytest.raises(SystemExit):
        call_command("archive_verify", str(folder), manifest_sha256=package.manifest_sha256)
    assert "manifest.json" in capsys.readouterr().err
