"""Report jobs the deputy watches, and issued progress certificates (справки об успеваемости)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Student


class ReportJob(models.Model):
    """A report built in the background. The row is the source of truth: Celery only carries its id.

    `idempotency_key` identifies the request (kind + parameters + the data version it was built from):
    asking again for the same report over unchanged data reuses the finished job's file. `heartbeat_at`
    is the last sign of life of whoever works on it (claimed, progress written, a part done, enqueued
    again): an unfinished job silent for longer than the jobs' STALE_AFTER is enqueued again.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("report"), max_length=40)
    fmt = models.CharField(_("format"), max_length=8)
    params = models.JSONField(_("parameters"), default=dict)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_jobs",
        verbose_name=_("requested by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    result_file = models.FileField(_("result file"), upload_to="reports/", blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_range"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(status__in=["queued", "running", "done"]),
                name="report_job_one_live_per_key",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.fmt} ({self.get_status_display()})"


class ReportJobPart(models.Model):
    """One part of a report job built by a task of its own: a class's pages of a school or grade ledger PDF.

    `data` is the part's slice of the report data, taken once for the whole job when it was split, so every
    part shows the same moment however late it runs. A part is DONE once its file is stored under the
    job's folder; the job's file is made from the parts when the last one is done.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")

    job = models.ForeignKey(ReportJob, on_delete=models.CASCADE, related_name="parts", verbose_name=_("job"))
    index = models.PositiveIntegerField(_("number"))  # 0: the first pages (title, summary, first class)
    label = models.CharField(_("part"), max_length=60)  # «5А»
    data = models.JSONField(_("data"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["job", "index"]
        verbose_name = _("report job part")
        verbose_name_plural = _("report job parts")
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="report_job_part_unique_index")]

    def __str__(self):
        return f"{self.job_id} #{self.index} {self.label} ({self.get_status_display()})"


class ProgressCertificate(models.Model):
    """An issued справка об успеваемости: what was printed is kept, and its hash lets anyone verify it."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="progress_certificates", verbose_name=_("student")
    )
    number = models.CharField(_("registration number"), max_length=30, unique=True)
    issued_on = models.DateField(_("date of issue"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    content = models.JSONField(_("content as printed"))
    sha256 = models.CharField(_("SHA-256 of the document"), max_length=64)
    pdf = models.FileField(_("document"), upload_to="certificates/")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("progress certificate")
        verbose_name_plural = _("progress certificates")

    def __str__(self):
        return f"№ {self.number} {self.student}"
