"""The achievements' sections of the archive's personal-file record (registered from AppConfig.ready()
when `archive` is installed): the year's published characteristic and the year's levels of learning
actions. Each builder reads one year for many students in a fixed number of queries; a draft
characteristic never goes into the personal file."""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from achievements.models import Characteristic, MetaSkillLevel

COLUMNS = {
    "achievements": _("Achievements"),
    "qualities": _("Positive qualities"),
    "development": _("Directions for development"),
    "class_teacher": _("Class teacher"),
    "published_on": _("Published"),
    "group": pgettext_lazy("learning actions", "Group"),
    "indicator": pgettext_lazy("learning actions", "Indicator"),
    "level": pgettext_lazy("learning actions", "Level"),
    "source": pgettext_lazy("learning actions", "Source"),
}


def characteristic_section(year, student_ids: list[int]) -> dict[int, object]:
    """student id → the newest published characteristic of the year (one query)."""
    found: dict[int, object] = {}
    rows = (
        Characteristic.objects.filter(
            academic_year=year, student_id__in=student_ids, published_at__isnull=False
        )
        .select_related("written_by")
        .order_by("student_id", "-version")
    )
    for c in rows:
        if c.student_id in found:
            continue
        found[c.student_id] = {
            "achievements": c.achievements,
            "qualities": c.qualities,
            "development": c.development,
            "class_teacher": c.written_by.full_name,
            "published_on": c.published_at.date().isoformat(),
        }
    return found


def metaskills_section(year, student_ids: list[int]) -> dict[int, object]:
    """student id → the year's levels, in the order of groups and indicators (one query). Levels and
    sources are stored as their display words: the record must read the same if the choices change."""
    found = defaultdict(list)
    rows = (
        MetaSkillLevel.objects.filter(academic_year=year, student_id__in=student_ids)
        .select_related("indicator__meta_skill")
        .order_by("student_id", "indicator__meta_skill__order", "indicator__order", "indicator_id")
    )
    for lv in rows:
        found[lv.student_id].append(
            {
                "group": lv.indicator.meta_skill.name,
                "indicator": lv.indicator.name,
                "level": str(lv.get_level_display()),
                "source": str(lv.get_source_display()),
            }
        )
    return dict(found)


def register() -> None:
    from archive.sections import personal_file_section_register

    personal_file_section_register(
        "characteristic", characteristic_section, title=_("Characteristic"), columns=COLUMNS
    )
    personal_file_section_register(
        "metaskills", metaskills_section, title=_("Learning actions"), columns=COLUMNS
    )
