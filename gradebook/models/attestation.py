"""Intermediate attestation and state exams (ОГЭ, ЕГЭ), and the families' weekly acknowledgement."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Student
from gradebook.models.journal import ONE_RESULT
from gradebook.models.structure import ClassSubject, Subject


class IntermediateAttestation(models.Model):
    """Промежуточная аттестация: the annual attestation of a subject, in a set form, with its result."""

    class Form(models.TextChoices):
        TEST = "test", _("test")
        EXAM = "exam", _("exam")
        PROJECT = "project", _("project defence")
        ACCUMULATED = "accumulated", _("by the term marks")
        OTHER = "other", _("other")

    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        related_name="attestations",
        verbose_name=_("subject of the class"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="attestations", verbose_name=_("student")
    )
    form = models.CharField(_("form"), max_length=12, choices=Form.choices)
    date = models.DateField(_("date"))
    value = models.PositiveSmallIntegerField(_("mark"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    not_attested = models.BooleanField(_("not attested"), default=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["class_subject_id", "student_id"]
        verbose_name = _("intermediate attestation result")
        verbose_name_plural = _("intermediate attestation results")
        constraints = [
            models.UniqueConstraint(fields=["class_subject", "student"], name="attestation_once_per_subject"),
            models.CheckConstraint(condition=ONE_RESULT, name="attestation_exactly_one_result"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="attestation_value_range",
            ),
        ]

    def __str__(self):
        return f"{self.student} {self.class_subject} {self.date:%d.%m.%Y}"


class StateExamResult(models.Model):
    """ГИА: ОГЭ after grade 9, ЕГЭ after grade 11 (primary score, test score, and the mark where one is given)."""

    class Kind(models.TextChoices):
        OGE = "oge", _("ОГЭ")
        EGE = "ege", _("ЕГЭ")
        GVE = "gve", _("ГВЭ")

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="state_exams", verbose_name=_("student")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    kind = models.CharField(_("exam"), max_length=4, choices=Kind.choices)
    exam_date = models.DateField(_("date"))
    primary_score = models.PositiveSmallIntegerField(_("primary score"))
    test_score = models.PositiveSmallIntegerField(_("test score"), null=True, blank=True)
    mark = models.PositiveSmallIntegerField(_("mark"), null=True, blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )

    class Meta:
        ordering = ["student_id", "exam_date"]
        verbose_name = _("state exam result")
        verbose_name_plural = _("state exam results")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "kind", "exam_date"], name="state_exam_once"
            ),
            models.CheckConstraint(
                condition=Q(test_score__isnull=True) | Q(test_score__lte=100),
                name="state_exam_test_score_range",
            ),
            models.CheckConstraint(
                condition=Q(mark__isnull=True) | Q(mark__gte=2, mark__lte=5), name="state_exam_mark_range"
            ),
        ]

    def __str__(self):
        return f"{self.student}: {self.get_kind_display()} {self.subject} {self.primary_score}"


class WeekAcknowledgement(models.Model):
    """A parent confirmed («ознакомлен») they have seen the child's marks of the week starting on `week_start`."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="acknowledgements", verbose_name=_("student")
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("guardian")
    )
    week_start = models.DateField(_("week from"))
    acknowledged_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("week acknowledgement")
        verbose_name_plural = _("week acknowledgements")
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian", "week_start"], name="week_ack_once"),
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="week_ack_starts_monday"),
        ]

    def __str__(self):
        return f"{self.student} {self.week_start:%d.%m.%Y}: {self.guardian}"
