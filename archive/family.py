"""«All data about my child»: a zip of everything the personal-data registry holds about a student,
for their legal representative (152-ФЗ, art. 14), built at once from the registry."""

import io
import zipfile

from django.core.files.storage import default_storage

from accounts.models import Student
from archive.package_content import ZIP_TIME, canonical_json
from archive.registry import REGISTRY, personal_data_export


def student_data_zip(*, student: Student) -> bytes:
    """data.json (every registered row, by model), purposes.json (why each is kept and for how long)
    and the stored files (evidence, certificates) under files/."""
    data = personal_data_export(student_id=student.pk)
    purposes = {
        label: {"purpose": str(REGISTRY[label].purpose), "retention": REGISTRY[label].retention}
        for label in sorted(data)
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        _add(target, "data.json", canonical_json(data))
        _add(target, "purposes.json", canonical_json(purposes))
        for label in sorted(data):
            entry = REGISTRY[label]
            for row in data[label]:
                for name in entry.files:
                    stored = row.get(name)
                    if stored and default_storage.exists(stored):
                        with default_storage.open(stored, "rb") as handle:
                            _add(target, f"files/{stored}", handle.read())
    return out.getvalue()


def _add(target: zipfile.ZipFile, name: str, data: bytes) -> None:
    member = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    member.compress_type = zipfile.ZIP_DEFLATED
    target.writestr(member, data)
