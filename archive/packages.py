"""Archive packages: requested by the deputy or the director, built by a Celery job, verified later.

A package directory holds data.json, data.xlsx, documents.pdf, for a school or a class the year's summary
ledger (ledger.xlsx, ledger.pdf), manifest.json (every other file with its size and SHA-256) and manifest.sha256 (the manifest's own hash, `sha256sum` format). The manifest names
no build time or id, so building the same content twice gives the same hashes. The job row is the
source of truth: the files are written to a partial directory and renamed into place, and a job that
is run again after finishing does nothing.
"""

import hashlib
import io
import shutil
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from archive.models import ArchivePackage, ArchivePackageFile
from archive.package_content import (
    ZIP_TIME,
    canonical_json,
    normalised_zip,
    package_content,
    render_json,
    render_pdf,
    render_xlsx,
)

MANIFEST = "manifest.json"
LEDGER_XLSX = "ledger.xlsx"
LEDGER_PDF = "ledger.pdf"
MANIFEST_HASH = "manifest.sha256"
FORMAT = "school-archive/1"


def packages_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "archive" / "packages"


def package_dir(package: ArchivePackage) -> Path:
    return packages_root() / str(package.pk)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def archive_package_request(
    *, user, year, now: datetime, school_class=None, student=None, enqueue: bool = True
) -> ArchivePackage:
    """Queues a package of a closed year: the whole school, a class of that year, or a student. The job
    is enqueued when the transaction commits (`enqueue=False`: the caller runs it, as the demo does)."""
    if year.closed_at is None:
        raise DomainError(_("Close the year before archiving it."), code="year_not_closed")
    if school_class is not None and student is not None:
        raise DomainError(_("Choose a class or a student, not both."), code="invalid_scope")
    if school_class is not None and school_class.academic_year_id != year.pk:
        raise DomainError(_("The class belongs to another year."), code="other_year")
    scope = (
        ArchivePackage.Scope.STUDENT
        if student
        else ArchivePackage.Scope.CLASS
        if school_class
        else ArchivePackage.Scope.YEAR
    )
    package = ArchivePackage.objects.create(
        scope=scope,
        academic_year=year,
        school_class=school_class,
        student=student,
        requested_by=user,
        requested_at=now,
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(package.pk))
    return package


def _enqueue(package_id: int) -> None:
    from archive.tasks import archive_package_task

    archive_package_task.delay(package_id)


def _progress(package: ArchivePackage, value: int) -> None:
    ArchivePackage.objects.filter(pk=package.pk).update(progress=value)


def package_files(package: ArchivePackage) -> dict[str, bytes]:
    """The package's files and their manifest, built from the database (no disk writes)."""
    content = package_content(package)
    files = {"data.json": render_json(content)}
    _progress(package, 20)
    files["data.xlsx"] = render_xlsx(content)
    _progress(package, 40)
    files["documents.pdf"] = render_pdf(content)
    _progress(package, 70)
    files.update(ledger_files(package, stamp=content.stamp))
    _progress(package, 85)
    manifest = {
        "format": FORMAT,
        "school": content.school,
        "year": content.year,
        "scope": content.scope,
        "target": content.target,
        "files": [{"name": n, "size": len(b), "sha256": sha256(b)} for n, b in sorted(files.items())],
    }
    files[MANIFEST] = canonical_json(manifest)
    files[MANIFEST_HASH] = f"{sha256(files[MANIFEST])}  {MANIFEST}\n".encode()
    return files


def ledger_files(package: ArchivePackage, *, stamp: datetime) -> dict[str, bytes]:
    """The year's summary ledger of the school or the class (none in a student's package), as XLSX and
    PDF/A. Its one date is `stamp` (the year's closing time), so building again gives the same bytes."""
    from gradebook.reports import render_pdf as ledger_pdf
    from gradebook.reports import render_xlsx as ledger_xlsx
    from gradebook.reports.ledger import YEAR, ledger_build, ledger_scope

    if package.scope == ArchivePackage.Scope.STUDENT:
        return {}
    if package.scope == ArchivePackage.Scope.CLASS:
        checked = ledger_scope(
            year=package.academic_year, scope="class", class_id=package.school_class_id, period=YEAR
        )
    else:
        checked = ledger_scope(year=package.academic_year, scope="school", period=YEAR)
    ledger = replace(ledger_build(checked), made_on=timezone.localdate(stamp))
    return {
        LEDGER_XLSX: normalised_zip(
            ledger_xlsx.render_xlsx(ledger), stamp=stamp.replace(tzinfo=None, microsecond=0)
        ),
        LEDGER_PDF: ledger_pdf.render_pdf(ledger, stamp=stamp, pdf_variant="pdf/a-3b"),
    }


def archive_package_run(*, package_id: int, now: datetime | None = None) -> ArchivePackage | None:
    """Builds a queued package (the job's work). Running it again after it is built changes nothing."""
    with transaction.atomic():
        package = ArchivePackage.objects.select_for_update().filter(pk=package_id).first()
        if package is None or package.status == ArchivePackage.Status.DONE:
            return package
        package.status, package.progress, package.error = ArchivePackage.Status.RUNNING, 5, ""
        package.save(update_fields=["status", "progress", "error"])
    try:
        files = package_files(package)
        _write(package, files)
    except Exception as error:  # the job records any failure; the worker keeps running
        ArchivePackage.objects.filter(pk=package.pk).update(
            status=ArchivePackage.Status.FAILED, error=str(error)[:500]
        )
        raise
    with transaction.atomic():
        ArchivePackageFile.objects.filter(package=package).delete()
        ArchivePackageFile.objects.bulk_create(
            ArchivePackageFile(package=package, name=n, size=len(b), sha256=sha256(b))
            for n, b in files.items()
        )
        package.status, package.progress = ArchivePackage.Status.DONE, 100
        package.finished_at = now or timezone.now()
        package.manifest_sha256 = sha256(files[MANIFEST])
        package.save(update_fields=["status", "progress", "finished_at", "manifest_sha256"])
    return package


def _write(package: ArchivePackage, files: dict[str, bytes]) -> None:
    final = package_dir(package)
    partial = final.with_name(f".partial-{package.pk}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name, data in files.items():
        (partial / name).write_bytes(data)
    shutil.rmtree(final, ignore_errors=True)  # a crash after the rename, before the row said done
    partial.rename(final)


# Verification ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def verify_files(files: dict[str, bytes], *, expected: dict[str, str]) -> Verification:
    """Compares files (name → bytes) with the expected hashes (name → SHA-256)."""
    changed = sorted(n for n, h in expected.items() if n in files and sha256(files[n]) != h)
    missing = sorted(n for n in expected if n not in files)
    extra = sorted(n for n in files if n not in expected)
    return Verification(changed=changed, missing=missing, extra=extra)


def archive_package_verify(package: ArchivePackage) -> Verification:
    """Recomputes every hash of the stored package against the hashes recorded when it was built."""
    expected = dict(package.files.values_list("name", "sha256"))
    return verify_files(read_directory(package_dir(package)), expected=expected)


def archive_package_verify_copy(package: ArchivePackage, data: bytes) -> Verification:
    """Checks an uploaded zip copy of the package against the recorded hashes."""
    expected = dict(package.files.values_list("name", "sha256"))
    return verify_files(read_zip(data), expected=expected)


def verify_offline(files: dict[str, bytes], *, manifest_sha256: str = "") -> Verification:
    """Checks a copy with nothing but itself: the manifest against manifest.sha256 (and against
    `manifest_sha256` when the school wrote it down), then every file against the manifest."""
    import json

    if MANIFEST not in files:
        return Verification(missing=[MANIFEST])
    recorded = files.get(MANIFEST_HASH, b"").decode(errors="replace").split()[:1]
    reference = manifest_sha256 or (recorded[0] if recorded else "")
    if sha256(files[MANIFEST]) != reference:
        return Verification(changed=[MANIFEST])
    manifest = json.loads(files[MANIFEST])
    expected = {f["name"]: f["sha256"] for f in manifest["files"]}
    expected[MANIFEST] = reference
    if MANIFEST_HASH in files:
        expected[MANIFEST_HASH] = sha256(files[MANIFEST_HASH])
    return verify_files(files, expected=expected)


def read_directory(path: Path) -> dict[str, bytes]:
    if not path.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a zip copy, by their base name (a copy may be zipped with its folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise DomainError(_("This is not a zip archive."), code="not_a_zip") from error
    return {Path(i.filename).name: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def package_zip(package: ArchivePackage) -> bytes:
    """The stored package as a zip (fixed member times: the same package gives the same zip)."""
    folder = package_zip_name(package).removesuffix(".zip")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in read_directory(package_dir(package)).items():
            member = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data)
    return out.getvalue()


def package_zip_name(package: ArchivePackage) -> str:
    """archive-2024-2025-school.zip, archive-2024-2025-9А.zip, archive-2024-2025-student-17.zip."""
    year = package.academic_year.name.replace("/", "-")
    target = {
        ArchivePackage.Scope.YEAR: "school",
        ArchivePackage.Scope.CLASS: package.school_class.name if package.school_class_id else "",
        ArchivePackage.Scope.STUDENT: f"student-{package.student_id}",
    }[package.scope]
    return f"archive-{year}-{target}.zip"


def verification_message(result: Verification) -> str:
    if result.ok:
        return gettext("Every file matches its recorded SHA-256.")
    parts = []
    if result.changed:
        parts.append(gettext("changed: %(names)s") % {"names": ", ".join(result.changed)})
    if result.missing:
        parts.append(gettext("missing: %(names)s") % {"names": ", ".join(result.missing)})
    if result.extra:
        parts.append(gettext("not in the package: %(names)s") % {"names": ", ".join(result.extra)})
    return gettext("The copy does not match the package: %(problems)s.") % {"problems": "; ".join(parts)}
