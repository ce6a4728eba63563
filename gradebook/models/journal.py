"""The class journal: lessons, marks, attendance, term marks, closed terms and the history of changes."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Student
from gradebook.models.structure import ClassSubject, SchoolClass, TeachingAssignment, Term


class GradingPolicy(models.Model):
    """The school's Положение о текущем контроле (row id 1): how a term mark is suggested."""

    threshold_3 = models.DecimalField(
        _("mean from which «3» is suggested"), max_digits=3, decimal_places=2, default=Decimal("2.50")
    )
    threshold_4 = models.DecimalField(
        _("mean from which «4» is suggested"), max_digits=3, decimal_places=2, default=Decimal("3.50")
    )
    threshold_5 = models.DecimalField(
        _("mean from which «5» is suggested"), max_digits=3, decimal_places=2, default=Decimal("4.50")
    )
    min_marks = models.PositiveSmallIntegerField(_("fewest marks for a term mark"), default=3)
    absence_share_not_attested = models.PositiveSmallIntegerField(
        _("share of missed lessons (%) from which «not attested» is suggested"), default=50
    )
    allow_mark_1 = models.BooleanField(_("the mark «1» is used"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("grading policy")
        verbose_name_plural = _("grading policy")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="grading_policy_single_row"),
            models.CheckConstraint(
                condition=Q(threshold_3__gt=1)
                & Q(threshold_3__lt=models.F("threshold_4"))
                & Q(threshold_4__lt=models.F("threshold_5"))
                & Q(threshold_5__lte=5),
                name="grading_policy_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(absence_share_not_attested__lte=100), name="grading_policy_share"
            ),
        ]

    def __str__(self):
        return str(_("Grading policy"))


class WorkType(models.Model):
    """Вид работы: ответ на уроке, самостоятельная, контрольная… and its weight in the weighted mean."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=10)
    weight = models.DecimalField(_("weight"), max_digits=3, decimal_places=1, default=Decimal("1.0"))
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=10), name="work_type_weight_range")
        ]

    def __str__(self):
        return f"{self.name} (×{self.weight.normalize()})"


class Lesson(models.Model):
    assignment = models.ForeignKey(
        TeachingAssignment,
        on_delete=models.PROTECT,
        related_name="lessons",
        verbose_name=_("teaching assignment"),
    )
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=300, blank=True)
    homework = models.TextField(_("homework"), blank=True)
    work_type = models.ForeignKey(
        WorkType, on_delete=models.PROTECT, related_name="+", verbose_name=_("work type")
    )

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        indexes = [models.Index(fields=["assignment", "date"])]

    def __str__(self):
        return f"{self.assignment.class_subject} {self.date:%d.%m.%Y}"


class Mark(models.Model):
    """One mark of a student at a lesson. Five-point scales use `value`; pass/fail and basic-level use `passed`."""

    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="marks", verbose_name=_("lesson")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="marks", verbose_name=_("student")
    )
    value = models.PositiveSmallIntegerField(_("mark"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["lesson_id", "student_id"]
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "student"], name="mark_one_per_lesson"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(passed__isnull=True))
                | (Q(value__isnull=True) & Q(passed__isnull=False)),
                name="mark_value_or_passed",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5), name="mark_value_range"
            ),
        ]
        indexes = [models.Index(fields=["student", "lesson"])]

    def __str__(self):
        return self.display

    @property
    def display(self) -> str:
        if self.value is not None:
            return str(self.value)
        return str(_("pass")) if self.passed else str(_("fail"))


class Attendance(models.Model):
    class Kind(models.TextChoices):
        ABSENT = "absent", _("н")
        SICK = "sick", _("б")
        EXCUSED = "excused", _("уп")
        LATE = "late", _("оп")

    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("lesson")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("student")
    )
    kind = models.CharField(_("attendance"), max_length=10, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["lesson_id", "student_id"]
        verbose_name = _("attendance entry")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "student"], name="attendance_one_per_lesson")
        ]

    def __str__(self):
        return f"{self.student} {self.lesson}: {self.get_kind_display()}"


# A term mark or an attestation result is exactly one of: a mark, pass/fail, or «not attested».
ONE_RESULT = (
    (Q(not_attested=True) & Q(value__isnull=True) & Q(passed__isnull=True))
    | (Q(not_attested=False) & Q(value__isnull=False) & Q(passed__isnull=True))
    | (Q(not_attested=False) & Q(value__isnull=True) & Q(passed__isnull=False))
)


class TermMark(models.Model):
    class Kind(models.TextChoices):
        TERM = "term", _("term mark")
        ANNUAL = "annual", _("annual mark")
        FINAL = "final", _("final mark")

    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        related_name="term_marks",
        verbose_name=_("subject of the class"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="term_marks", verbose_name=_("student")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("term")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TERM)
    value = models.PositiveSmallIntegerField(_("mark"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    not_attested = models.BooleanField(_("not attested"), default=False)
    suggested = models.CharField(_("suggested by the rules"), max_length=10, blank=True)
    overridden = models.BooleanField(_("differs from the suggestion"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["class_subject_id", "student_id", "kind", "term_id"]
        verbose_name = _("term mark")
        verbose_name_plural = _("term marks")
        constraints = [
            models.UniqueConstraint(
                fields=["class_subject", "student", "term", "kind"],
                condition=Q(term__isnull=False),
                name="term_mark_unique_per_term",
            ),
            models.UniqueConstraint(
                fields=["class_subject", "student", "kind"],
                condition=Q(term__isnull=True),
                name="term_mark_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(kind="term", term__isnull=False) | (~Q(kind="term") & Q(term__isnull=True)),
                name="term_mark_term_only_for_term_kind",
            ),
            models.CheckConstraint(condition=ONE_RESULT, name="term_mark_exactly_one_result"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5), name="term_mark_value_range"
            ),
        ]

    def __str__(self):
        return f"{self.student} {self.class_subject}: {self.display}"

    @property
    def display(self) -> str:
        if self.not_attested:
            return str(_("n/a"))
        if self.value is not None:
            return str(self.value)
        return str(_("pass")) if self.passed else str(_("fail"))


class TermClosure(models.Model):
    """A term closed for a class: read-only for teachers until the deputy reopens it (the row is deleted)."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="closures", verbose_name=_("term"))
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="term_closures", verbose_name=_("class")
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )

    class Meta:
        ordering = ["term_id", "school_class_id"]
        verbose_name = _("closed term")
        verbose_name_plural = _("closed terms")
        constraints = [models.UniqueConstraint(fields=["term", "school_class"], name="term_closed_once")]

    def __str__(self):
        return f"{self.school_class}: {self.term}"


class CorrectionRequest(models.Model):
    """A teacher's request to change a mark in a closed term; applied only when the deputy approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting decision")
        APPROVED = "approved", _("approved and applied")
        REJECTED = "rejected", _("rejected")

    class Target(models.TextChoices):
        MARK = "mark", _("mark")
        TERM_MARK = "term_mark", _("term mark")

    target = models.CharField(_("what is corrected"), max_length=10, choices=Target.choices)
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lesson")
    )
    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject of the class"),
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("term")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="+", verbose_name=_("student")
    )
    new_value = models.CharField(
        _("new value"),
        max_length=10,
        help_text=_("2–5, «зачёт», «незачёт», «н/а», or empty to remove"),
        blank=True,
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(target="mark", lesson__isnull=False)
                | Q(target="term_mark", class_subject__isnull=False),
                name="correction_has_a_target",
            )
        ]

    def __str__(self):
        return f"{self.student}: {self.get_target_display()} → {self.new_value or '—'}"


class JournalHistory(models.Model):
    """Append-only record of every change to the journal, written by the services in the same transaction.

    The application never updates or deletes these rows; on PostgreSQL a trigger refuses UPDATE and
    DELETE (migration 0003), and the application's database role is to be limited to INSERT and SELECT.
    """

    class Entity(models.TextChoices):
        MARK = "mark", _("mark")
        ATTENDANCE = "attendance", _("attendance")
        TERM_MARK = "term_mark", _("term mark")
        LESSON = "lesson", _("lesson")
        ATTESTATION = "attestation", _("intermediate attestation")

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    entity = models.CharField(_("record"), max_length=12, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    assignment = models.ForeignKey(
        TeachingAssignment,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("teaching assignment"),
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject of the class")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("student")
    )
    lesson_date = models.DateField(_("lesson date"), null=True, blank=True)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("journal history entry")
        verbose_name_plural = _("journal history")
        indexes = [models.Index(fields=["class_subject", "at"]), models.Index(fields=["student", "at"])]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.get_entity_display()} {self.get_action_display()}"
        )
