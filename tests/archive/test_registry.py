"""The personal-data registry covers every model with a path to a student, and exports what it lists."""

import pytest
from django.apps import apps

from accounts.models import Student
from archive.models import RetentionRule
from archive.registry import REGISTRY, personal_data_export


def _direct(model) -> bool:
    return any(
        f.is_relation and not f.auto_created and f.related_model is Student for f in model._meta.get_fields()
    )


def models_with_a_path_to_student() -> set[str]:
    """Models with a field to Student, and models with a foreign key (chain) to one of those. A
    many-to-many membership (Subgroup.students) counts for its own model but is not followed further."""
    found = {m for m in apps.get_models() if _direct(m)}
    by_fk = {
        m
        for m in found
        if any(
            f.many_to_one or f.one_to_one
            for f in m._meta.get_fields()
            if not f.auto_created and f.related_model is Student
        )
    }
    grew = True
    while grew:
        grew = False
        for m in apps.get_models():
            if m in found:
                continue
            if any(
                (f.many_to_one or f.one_to_one) and not f.auto_created and f.related_model in by_fk
                for f in m._meta.get_fields()
            ):
                found.add(m)
                by_fk.add(m)
                grew = True
    return {m._meta.label for m in found} | {"accounts.Student"}


def test_every_model_pointing_to_a_student_is_registered():
    missing = models_with_a_path_to_student() - set(REGISTRY)
    assert not missing, f"add these to archive/registry.py (purpose, retention, destroy): {sorted(missing)}"


def test_the_walk_finds_indirect_paths():
    """Guards the guard: an evidence file reaches the student only through its portfolio item."""
    found = models_with_a_path_to_student()
    assert {"portfolio.Evidence", "gradebook.DiagnosticTaskResult", "gradebook.Mark"} <= found
    assert "gradebook.Lesson" not in found


def test_every_entry_names_a_real_model_path_and_rule():
    for label, entry in REGISTRY.items():
        str(entry.rows_of(1).query)  # a wrong path raises FieldError
        assert entry.retention in RetentionRule.Kind.values, label


@pytest.mark.django_db
@pytest.mark.parametrize("flushed", [False, True])
def test_retention_defaults_are_seeded(flushed):
    """By the data migration, and again when a flush emptied the table (browser tests do)."""
    from archive.retention import retention_rules

    if flushed:
        RetentionRule.objects.all().delete()
    retention_rules()
    rules = {r.kind: (r.years, r.starts_from) for r in RetentionRule.objects.all()}
    assert rules == {
        "personal_file": (3, "leaving"),
        "certificate_book": (50, "created"),
        "state_exam": (1, "year_end"),
        "journal": (5, "year_end"),
        "ledger": (25, "year_end"),
        "destruction_act": (3, "created"),
    }


@pytest.mark.django_db
def test_export_holds_the_students_rows_only(world):
    from tests.archive.school import build_archive_school

    build_archive_school()
    data = personal_data_export(student_id=world.anna.pk)
    assert [r["last_name"] for r in data["accounts.Student"]] == ["Аннина"]
    assert {r["student_id"] for r in data["gradebook.Enrolment"]} == {world.anna.pk}
    assert {r["guardian_id"] for r in data["accounts.Guardianship"]} == {world.parent_a.pk}
