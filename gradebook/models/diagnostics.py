"""Diagnostic works (контрольные работы: стартовые, административные, итоговые) with per-task results, and
reading technique (техника чтения) of grades 1–4 measured against the school's editable norms.

What is computed is never stored twice: a task is passed when its points reach the task's pass
threshold, a student's total and percentage are sums over their task results, and a reading result is
below, at or above the norm by comparing its words per minute with the `ReadingNorm` of the class's
grade and the work's period (gradebook.diagnostic_rules). The one stored derived value is a result's
mark, written by the services from the work's thresholds whenever points or thresholds change, so that
a later report or journal can count marks in SQL.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Student
from gradebook.models.structure import ClassSubject

MAX_WORDS_PER_MINUTE = 400  # well above any child's reading aloud: catches typos, not rules


class ReadingPeriod(models.IntegerChoices):
    """When reading technique is checked; a norm is set per grade and period."""

    START = 1, _("start of the year")
    HALF_YEAR = 2, _("end of the 1st half-year")
    YEAR_END = 3, _("end of the year")


class DiagnosticWork(models.Model):
    """A diagnostic work of one subject of a class: a test with numbered tasks, or a reading technique check."""

    class Kind(models.TextChoices):
        START = "start", pgettext_lazy("diagnostic work", "start of year")
        ADMINISTRATIVE = "administrative", pgettext_lazy("diagnostic work", "administrative")
        FINAL = "final", pgettext_lazy("diagnostic work", "final")
        READING = "reading", _("reading technique")

    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        related_name="diagnostic_works",
        verbose_name=_("subject of the class"),
    )
    kind = models.CharField(_("kind of work"), max_length=16, choices=Kind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    reading_period = models.PositiveSmallIntegerField(
        _("period of the reading norm"), choices=ReadingPeriod.choices, null=True, blank=True
    )
    # The mark scale of the whole work: the least percentage of the maximum total for «3», «4» and «5»;
    # all three empty when the work is not marked (grade 1, reading technique, a school's choice).
    threshold_3 = models.PositiveSmallIntegerField(_("«3» from, %"), null=True, blank=True)
    threshold_4 = models.PositiveSmallIntegerField(_("«4» from, %"), null=True, blank=True)
    threshold_5 = models.PositiveSmallIntegerField(_("«5» from, %"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("diagnostic work")
        verbose_name_plural = _("diagnostic works")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reading", reading_period__isnull=False)
                | (~Q(kind="reading") & Q(reading_period__isnull=True)),
                name="diagnostic_work_reading_period",
            ),
            models.CheckConstraint(
                condition=Q(threshold_3__isnull=True, threshold_4__isnull=True, threshold_5__isnull=True)
                | (
                    ~Q(kind="reading")
                    & Q(threshold_3__gt=0)
                    & Q(threshold_3__lt=F("threshold_4"))
                    & Q(threshold_4__lt=F("threshold_5"))
                    & Q(threshold_5__lte=100)
                ),
                name="diagnostic_work_thresholds",
            ),
        ]
        indexes = [models.Index(fields=["class_subject", "date"])]

    def __str__(self):
        return f"{self.class_subject} {self.get_kind_display()} {self.date:%d.%m.%Y}"

    @property
    def is_reading(self) -> bool:
        return self.kind == self.Kind.READING

    @property
    def thresholds(self) -> tuple[int, int, int] | None:
        if self.threshold_3 is None:
            return None
        return (self.threshold_3, self.threshold_4, self.threshold_5)


class DiagnosticTask(models.Model):
    """A numbered task of a work: its maximum points and the points from which it counts as passed."""

    work = models.ForeignKey(
        DiagnosticWork, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("work")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    max_points = models.PositiveSmallIntegerField(_("maximum points"))
    pass_points = models.PositiveSmallIntegerField(_("passed from, points"))
    description = models.CharField(_("what it checks"), max_length=300, blank=True)

    class Meta:
        ordering = ["work", "number"]
        verbose_name = _("task of a diagnostic work")
        verbose_name_plural = _("tasks of diagnostic works")
        constraints = [
            models.UniqueConstraint(fields=["work", "number"], name="diagnostic_task_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="diagnostic_task_number_positive"),
            models.CheckConstraint(
                condition=Q(max_points__gte=1, max_points__lte=100), name="diagnostic_task_max_range"
            ),
            models.CheckConstraint(
                condition=Q(pass_points__gte=1, pass_points__lte=F("max_points")),
                name="diagnostic_task_pass_within_max",
            ),
        ]

    def __str__(self):
        return f"№ {self.number} ({self.max_points})"


class DiagnosticResult(models.Model):
    """A student's result in a work: absent, or present with points per task (DiagnosticTaskResult) or, for
    reading technique, the words per minute and optionally the way of reading and the comprehension."""

    class ReadingWay(models.TextChoices):
        SYLLABLES = "syllables", _("by syllables")
        MIXED = "mixed", _("syllables and whole words")
        WORDS = "words", _("whole words")
        PHRASES = "phrases", _("word groups")

    class Comprehension(models.TextChoices):
        FULL = "full", _("understands")
        PARTIAL = "partial", _("understands partly")
        NONE = "none", _("does not understand")

    work = models.ForeignKey(
        DiagnosticWork, on_delete=models.CASCADE, related_name="results", verbose_name=_("work")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="diagnostic_results", verbose_name=_("student")
    )
    absent = models.BooleanField(_("absent"), default=False)
    words_per_minute = models.PositiveSmallIntegerField(_("words per minute"), null=True, blank=True)
    reading_way = models.CharField(_("way of reading"), max_length=10, choices=ReadingWay.choices, blank=True)
    comprehension = models.CharField(
        _("comprehension"), max_length=10, choices=Comprehension.choices, blank=True
    )
    mark = models.PositiveSmallIntegerField(_("mark"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["work", "student_id"]
        verbose_name = _("diagnostic work result")
        verbose_name_plural = _("diagnostic work results")
        constraints = [
            models.UniqueConstraint(fields=["work", "student"], name="diagnostic_result_once"),
            models.CheckConstraint(
                condition=Q(mark__isnull=True) | Q(mark__gte=2, mark__lte=5), name="diagnostic_result_mark"
            ),
            models.CheckConstraint(
                condition=Q(words_per_minute__isnull=True) | Q(words_per_minute__lte=MAX_WORDS_PER_MINUTE),
                name="diagnostic_result_wpm_range",
            ),
            models.CheckConstraint(
                condition=Q(absent=False)
                | Q(mark__isnull=True, words_per_minute__isnull=True, reading_way="", comprehension=""),
                name="diagnostic_result_absent_is_empty",
            ),
        ]

    def __str__(self):
        return f"{self.work}: {self.student}"


class DiagnosticTaskResult(models.Model):
    """The points a student scored on one task (0 to the task's maximum, checked by the service)."""

    result = models.ForeignKey(
        DiagnosticResult, on_delete=models.CASCADE, related_name="task_results", verbose_name=_("result")
    )
    task = models.ForeignKey(
        DiagnosticTask, on_delete=models.CASCADE, related_name="results", verbose_name=_("task")
    )
    points = models.PositiveSmallIntegerField(_("points"))

    class Meta:
        ordering = ["result", "task"]
        verbose_name = _("points for a task")
        verbose_name_plural = _("points for tasks")
        constraints = [
            models.UniqueConstraint(fields=["result", "task"], name="diagnostic_task_result_once"),
            models.CheckConstraint(condition=Q(points__lte=100), name="diagnostic_task_result_range"),
        ]

    def __str__(self):
        return f"{self.task}: {self.points}"


class ReadingNorm(models.Model):
    """The school's norm of reading speed for a grade (1–4) and period: «at the norm» is from `words_from`
    to `words_to` words per minute inclusive; fewer is below, more is above. Data the school edits."""

    grade = models.PositiveSmallIntegerField(_("grade"))
    period = models.PositiveSmallIntegerField(_("period"), choices=ReadingPeriod.choices)
    words_from = models.PositiveSmallIntegerField(_("from, words per minute"))
    words_to = models.PositiveSmallIntegerField(_("to, words per minute"))

    class Meta:
        ordering = ["grade", "period"]
        verbose_name = _("reading speed norm")
        verbose_name_plural = _("reading speed norms")
        constraints = [
            models.UniqueConstraint(fields=["grade", "period"], name="reading_norm_once"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="reading_norm_grade_range"),
            models.CheckConstraint(
                condition=Q(words_from__gte=1)
                & Q(words_from__lte=F("words_to"))
                & Q(words_to__lte=MAX_WORDS_PER_MINUTE),
                name="reading_norm_range",
            ),
        ]

    def __str__(self):
        return f"{self.grade}: {self.get_period_display()} {self.words_from}–{self.words_to}"
