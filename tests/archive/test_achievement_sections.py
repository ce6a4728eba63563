"""The achievements' sections of the personal file: the year's published characteristic (never a draft)
and the year's levels of learning actions, written by the year close and printed by the package."""

import json
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from achievements.archive_sections import characteristic_section, metaskills_section
from achievements.models import Characteristic, Level, MetaSkillIndicator, MetaSkillLevel, Source
from achievements.services import metaskills_ensure
from archive import sections
from archive.models import PersonalFileRecord
from archive.packages import archive_package_request, archive_package_run, package_dir
from archive.year_close import year_close
from tests.archive.school import build_archive_school

NOW = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
PUBLISHED = datetime(2025, 5, 20, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _characteristic(school, student, version, text, *, published):
    return Characteristic.objects.create(
        student=student,
        academic_year=school.year,
        version=version,
        achievements=text,
        qualities="Аккуратен",
        development="Читать больше",
        written_by=school.deputy,
        written_at=PUBLISHED,
        published_at=PUBLISHED if published else None,
        published_by=school.deputy if published else None,
    )


@pytest.fixture
def school(media):
    school = build_archive_school()
    metaskills_ensure()
    gleb, anna, boris = (school.students[k] for k in ("gleb", "anna", "boris"))
    _characteristic(school, gleb, 1, "Призёр олимпиады", published=True)
    _characteristic(school, gleb, 2, "ЧЕРНОВИК", published=False)  # newer, but a draft
    _characteristic(school, anna, 1, "ЧЕРНОВИК АННЫ", published=False)
    first, second = list(MetaSkillIndicator.objects.select_related("meta_skill"))[:2]
    for student, indicator, level in (
        (gleb, first, Level.HIGH),
        (gleb, second, Level.LOW),
        (boris, first, Level.OPTIMAL),
    ):
        MetaSkillLevel.objects.create(
            student=student,
            academic_year=school.year,
            indicator=indicator,
            level=level,
            source=Source.OBSERVATION,
            updated_by=school.deputy,
            updated_at=PUBLISHED,
        )
    school.indicators = (first, second)
    return school


def test_the_sections_are_registered_by_achievements():
    assert sections.SECTIONS["characteristic"] is characteristic_section
    assert sections.SECTIONS["metaskills"] is metaskills_section


def test_the_builders_read_a_year_for_many_students_in_one_query_each(school, django_assert_num_queries):
    ids = [s.pk for s in school.students.values()]
    with django_assert_num_queries(1):
        found = characteristic_section(school.year, ids)
    with django_assert_num_queries(1):
        levels = metaskills_section(school.year, ids)
    assert list(found) == [school.students["gleb"].pk]
    assert found[school.students["gleb"].pk]["achievements"] == "Призёр олимпиады"
    assert sorted(levels) == sorted([school.students["gleb"].pk, school.students["boris"].pk])


def test_year_close_keeps_the_published_characteristic_and_the_levels(school):
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    gleb = PersonalFileRecord.objects.get(student=school.students["gleb"]).sections
    assert gleb["characteristic"] == {
        "achievements": "Призёр олимпиады",
        "qualities": "Аккуратен",
        "development": "Читать больше",
        "class_teacher": school.deputy.full_name,
        "published_on": "2025-05-20",
    }
    first, second = school.indicators
    assert [(r["group"], r["indicator"], r["source"]) for r in gleb["metaskills"]] == [
        (first.meta_skill.name, first.name, str(Source.OBSERVATION.label)),
        (second.meta_skill.name, second.name, str(Source.OBSERVATION.label)),
    ]
    assert [r["level"] for r in gleb["metaskills"]] == [str(Level.HIGH.label), str(Level.LOW.label)]
    anna = PersonalFileRecord.objects.get(student=school.students["anna"]).sections
    assert "characteristic" not in anna and "metaskills" not in anna  # a draft is not in the file


def test_the_package_prints_the_characteristic_and_the_levels(school):
    year_close(user=school.deputy, year=school.year, now=NOW, issued_on=date(2025, 6, 28))
    school.year.refresh_from_db()
    package = archive_package_request(user=school.deputy, year=school.year, now=NOW)
    package = archive_package_run(package_id=package.pk, now=NOW)
    folder = package_dir(package)
    data = json.loads((folder / "data.json").read_bytes())
    gleb = next(s for s in data["students"] if s["name"].startswith("Глебов"))
    assert gleb["records"][0]["sections"]["characteristic"]["achievements"] == "Призёр олимпиады"
    assert len(gleb["records"][0]["sections"]["metaskills"]) == 2
    raw = (folder / "data.json").read_text()
    assert "ЧЕРНОВИК" not in raw
    text = "".join(page.extract_text() for page in PdfReader(folder / "documents.pdf").pages)
    assert "Призёр олимпиады" in text and "Читать больше" in text
    assert school.indicators[1].name in text
    assert "ЧЕРНОВИК" not in text
    assert "{" not in text  # the characteristic is a table, not JSON
