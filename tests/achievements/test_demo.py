"""The demo's meta-subject records: levels for both years (with the previous year), thresholds a work
proposes levels by, class surveys (one too few to show), published characteristics the «parent» sees."""

import shutil
import tempfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import Student
from achievements.models import (
    Characteristic,
    ClassPersonalResults,
    LevelThreshold,
    MetaSkillIndicator,
    MetaSkillLevel,
    MetaSkillLevelHistory,
)
from achievements.selectors import levels_proposed
from gradebook.models import AcademicYear

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="achievements-demo-")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("demo_school", "--students", "120", "--seed", "7", "--previous-year", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture
def built(demo, db):
    return demo


def test_levels_for_both_years_with_their_history(built):
    assert "УУД и личностные результаты: уровней" in built
    current = AcademicYear.objects.get(is_current=True)
    years = set(MetaSkillLevel.objects.values_list("academic_year_id", flat=True))
    assert len(years) == 2 and current.pk in years
    indicators = MetaSkillIndicator.objects.filter(is_active=True)
    personal = indicators.filter(meta_skill__code="personal")
    in_grade = MetaSkillLevel.objects.filter(
        academic_year=current, student__enrolments__school_class__grade=5
    )
    own = MetaSkillLevel.objects.filter(academic_year=current, student_id=in_grade.first().student_id)
    assert own.count() == indicators.count() - personal.count()  # personal results of grade 5: anonymous only
    below_10 = MetaSkillLevel.objects.filter(
        academic_year=current,
        indicator__in=personal,
        student__enrolments__school_class__grade__lte=9,
        student__enrolments__school_class__academic_year=current,
    )
    assert not below_10.exists()
    assert MetaSkillLevel.objects.filter(indicator__in=personal, academic_year=current).exists()  # 10–11
    assert MetaSkillLevelHistory.objects.count() == MetaSkillLevel.objects.count()
    assert set(MetaSkillLevel.objects.values_list("level", flat=True)) == {"low", "optimal", "high"}


def test_a_work_proposes_levels_and_surveys_include_a_small_group(built):
    threshold = LevelThreshold.objects.select_related("work").first()
    assert threshold is not None and levels_proposed(work=threshold.work)
    totals = [r.total for r in ClassPersonalResults.objects.all()]
    assert totals and any(t < 5 for t in totals) and any(t >= 5 for t in totals)


def test_the_parents_children_have_published_characteristics(built):
    children = Student.objects.filter(guardianships__guardian__username="parent")
    published = Characteristic.objects.filter(student__in=children, published_at__isnull=False)
    assert published.values("student").distinct().count() == children.count() > 0
