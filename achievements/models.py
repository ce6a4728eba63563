"""Meta-subject and personal results (DESIGN §4): УУД levels per student and year, class-level personal
results that never name a child, and the class teacher's year-end characteristic.

Two parts with different privacy rules:
- per student: `MetaSkillLevel` (+ its append-only `MetaSkillLevelHistory`) and `Characteristic`;
- anonymous: `ClassPersonalResults` — counts per level for a class; no relation chain from it reaches a
  student or a user (tests/achievements/test_anonymity.py walks the models to prove it).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Student
from gradebook.models import AcademicYear, DiagnosticWork, SchoolClass

MIN_GROUP = 5  # an aggregate of fewer students is shown only as "too few to show"


class Level(models.TextChoices):
    """The level of a skill (уровень сформированности), low to high."""

    LOW = "low", _("low")
    OPTIMAL = "optimal", _("optimal")
    HIGH = "high", _("high")


class MetaSkill(models.Model):
    """A group of universal learning actions (регулятивные, познавательные, коммуникативные, личностные)."""

    class Group(models.TextChoices):
        REGULATORY = "regulatory", _("regulatory")
        COGNITIVE = "cognitive", _("cognitive")
        COMMUNICATIVE = "communicative", _("communicative")
        PERSONAL = "personal", _("personal")

    code = models.CharField(_("group"), max_length=16, choices=Group.choices, unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("group of learning actions")
        verbose_name_plural = _("groups of learning actions")

    def __str__(self):
        return self.name


class MetaSkillIndicator(models.Model):
    """An indicator of a group (целеполагание, смысловое чтение…). The school edits the list; an indicator
    no longer used is made inactive rather than deleted, so past levels keep their meaning."""

    meta_skill = models.ForeignKey(
        MetaSkill, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("group")
    )
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["meta_skill__order", "order", "id"]
        verbose_name = _("indicator of learning actions")
        verbose_name_plural = _("indicators of learning actions")
        constraints = [
            models.UniqueConstraint(fields=["meta_skill", "name"], name="metaskill_indicator_unique_name")
        ]

    def __str__(self):
        return self.name


class Source(models.TextChoices):
    """Where a recorded level comes from."""

    DIAGNOSTIC = "diagnostic", _("diagnostic work")
    PROJECT = "project", _("project")
    OBSERVATION = "observation", _("class teacher's observation")


class MetaSkillLevel(models.Model):
    """The level of one indicator for one student in one year (at most one), with its source. Changed only by
    achievements.services.levels_record, which writes MetaSkillLevelHistory in the same transaction."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="meta_skill_levels", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    indicator = models.ForeignKey(
        MetaSkillIndicator, on_delete=models.PROTECT, related_name="levels", verbose_name=_("indicator")
    )
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    diagnostic_work = models.ForeignKey(
        DiagnosticWork,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diagnostic work"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    updated_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["academic_year", "student_id", "indicator"]
        verbose_name = _("level of learning actions")
        verbose_name_plural = _("levels of learning actions")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "academic_year", "indicator"], name="metaskill_level_once_a_year"
            ),
            models.CheckConstraint(
                condition=Q(diagnostic_work__isnull=True) | Q(source="diagnostic"),
                name="metaskill_level_work_only_for_diagnostic",
            ),
        ]

    def __str__(self):
        return f"{self.student} {self.indicator}: {self.get_level_display()}"


class MetaSkillLevelHistory(models.Model):
    """Append-only: every change of a level (old and new value and source, who, when). On PostgreSQL a
    trigger refuses UPDATE and DELETE (migration 0002)."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    indicator = models.ForeignKey(
        MetaSkillIndicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    old_level = models.CharField(_("old level"), max_length=8, choices=Level.choices, blank=True)
    new_level = models.CharField(_("new level"), max_length=8, choices=Level.choices, blank=True)
    old_source = models.CharField(_("old source"), max_length=12, choices=Source.choices, blank=True)
    new_source = models.CharField(_("new source"), max_length=12, choices=Source.choices, blank=True)
    diagnostic_work_id = models.BigIntegerField(_("diagnostic work"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("change of a level of learning actions")
        verbose_name_plural = _("history of levels of learning actions")

    def __str__(self):
        return f"{self.indicator}: {self.old_level or '—'} → {self.new_level or '—'}"


class LevelThreshold(models.Model):
    """How a diagnostic work measures an indicator: the share of the points of the chosen tasks (in % of
    their maximum) from which the level is optimal and from which it is high; below optimal it is low."""

    work = models.ForeignKey(
        DiagnosticWork, on_delete=models.CASCADE, related_name="level_thresholds", verbose_name=_("work")
    )
    indicator = models.ForeignKey(
        MetaSkillIndicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    task_numbers = models.JSONField(_("tasks"), default=list)
    optimal_from = models.PositiveSmallIntegerField(_("optimal from, %"))
    high_from = models.PositiveSmallIntegerField(_("high from, %"))

    class Meta:
        ordering = ["work", "indicator"]
        verbose_name = _("level threshold")
        verbose_name_plural = _("level thresholds")
        constraints = [
            models.UniqueConstraint(fields=["work", "indicator"], name="level_threshold_once_per_work"),
            models.CheckConstraint(
                condition=Q(optimal_from__gt=0, optimal_from__lt=F("high_from"), high_from__lte=100),
                name="level_threshold_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.work}: {self.indicator}"


class ClassPersonalResults(models.Model):
    """Personal results of a class for one methodology or survey on one date: the number of students at
    each level. Deliberately without an author or any other relation that could lead to a child."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="personal_results", verbose_name=_("class")
    )
    methodology = models.CharField(_("methodology or survey"), max_length=200)
    date = models.DateField(_("date"))
    low_count = models.PositiveSmallIntegerField(_("low"))
    optimal_count = models.PositiveSmallIntegerField(_("optimal"))
    high_count = models.PositiveSmallIntegerField(_("high"))

    class Meta:
        ordering = ["school_class", "-date", "methodology"]
        verbose_name = _("personal results of a class")
        verbose_name_plural = _("personal results of classes")
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "methodology", "date"], name="class_personal_results_once"
            )
        ]

    def __str__(self):
        return f"{self.school_class} {self.methodology} {self.date:%d.%m.%Y}"

    @property
    def total(self) -> int:
        return self.low_count + self.optimal_count + self.high_count

    @property
    def shown(self) -> bool:
        """False when the group is too small to show without identifying a child."""
        return self.total >= MIN_GROUP


class Characteristic(models.Model):
    """One version of a student's year-end characteristic. Every save adds a version (the newest is the
    current text); publishing marks a version as the one the family sees. Rows are never changed except
    for the publication fields."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="characteristics", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    version = models.PositiveIntegerField(_("version"))
    achievements = models.TextField(_("achievements"))
    qualities = models.TextField(_("positive qualities"))
    development = models.TextField(_("directions for development"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["academic_year", "student_id", "-version"]
        verbose_name = _("characteristic")
        verbose_name_plural = _("characteristics")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "academic_year", "version"], name="characteristic_version_once"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, published_by__isnull=True)
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="characteristic_published_with_author",
            ),
        ]

    def __str__(self):
        return f"{self.student} {self.academic_year} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
