"""Year close, personal files, the certificate book, archive packages and retention (DESIGN §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Student
from gradebook.models import AcademicYear, SchoolClass


class PersonalFileRecord(models.Model):
    """One year of a student's личное дело, written once when the year closes and never changed.

    `sections` maps a section name (see archive.sections) to its JSON data: annual marks, attestation,
    state exams, awards, and whatever other apps register (the characteristic, the results card).
    """

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="personal_file", verbose_name=_("student")
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    class_name = models.CharField(_("class"), max_length=5)
    grade = models.PositiveSmallIntegerField(_("grade"))
    sections = models.JSONField(_("sections"), default=dict)
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["student_id", "academic_year__start_date"]
        verbose_name = _("personal file record")
        verbose_name_plural = _("personal file records")
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year"], name="personal_file_once_a_year")
        ]

    def __str__(self):
        return f"{self.student}: {self.academic_year}"


class CertificateBookEntry(models.Model):
    """A line of the certificate issue book (книга выдачи аттестатов) for a graduate of grade 9 or 11."""

    # Kept 50 years, longer than the personal file: the link goes with the student, the name stays.
    student = models.ForeignKey(
        Student,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate_entries",
        verbose_name=_("student"),
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    issued_on = models.DateField(_("issue date"))
    full_name = models.CharField(pgettext_lazy("person", "full name"), max_length=500)
    final_marks = models.JSONField(_("final marks"), default=list)

    class Meta:
        ordering = ["academic_year__start_date", "grade", "number"]
        verbose_name = _("certificate book entry")
        verbose_name_plural = _("certificate book")
        constraints = [
            models.UniqueConstraint(fields=["student", "grade"], name="certificate_once_per_level"),
            models.CheckConstraint(condition=Q(grade__in=[9, 11]), name="certificate_grade_9_or_11"),
        ]

    def __str__(self):
        return f"{self.number}: {self.full_name}"


class RetentionRule(models.Model):
    """How long a kind of record is kept, from which event (the school edits these to its номенклатура)."""

    class Kind(models.TextChoices):
        PERSONAL_FILE = "personal_file", _("personal file")
        CERTIFICATE_BOOK = "certificate_book", _("certificate issue book")
        STATE_EXAM = "state_exam", _("state exam protocols")
        JOURNAL = "journal", _("electronic journal data")
        LEDGER = "ledger", _("summary ledgers")
        DESTRUCTION_ACT = "destruction_act", _("destruction acts and log extracts")

    class Event(models.TextChoices):
        LEAVING = "leaving", _("the student leaves the school")
        YEAR_END = "year_end", _("the end of the academic year")
        CREATED = "created", _("the record is made")

    kind = models.CharField(_("kind of record"), max_length=20, choices=Kind.choices, unique=True)
    years = models.PositiveSmallIntegerField(_("years kept"))
    starts_from = models.CharField(_("counted from"), max_length=10, choices=Event.choices)
    basis = models.CharField(_("basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.years}"


class LegalHold(models.Model):
    """Keeps a student's records past their retention date (a court case, an inspection)."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="legal_holds", verbose_name=_("student")
    )
    reason = models.CharField(_("reason"), max_length=500)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self):
        return f"{self.student}: {self.reason}"


class DestructionAct(models.Model):
    """Акт о выделении к уничтожению: drafted by the deputy, approved by the director, then executed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        EXECUTED = "executed", _("executed")

    number = models.CharField(_("number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    drafted_at = models.DateTimeField(_("drafted at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    pdf = models.FileField(_("act with the log extract"), upload_to="archive/acts/", blank=True)

    class Meta:
        ordering = ["-drafted_at"]
        verbose_name = _("destruction act")
        verbose_name_plural = _("destruction acts")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False), name="act_approved_has_approver"
            )
        ]

    def __str__(self):
        return self.number


class DestructionActItem(models.Model):
    """A line of an act. The student link is cleared when executed; the label stays (initials only)."""

    act = models.ForeignKey(
        DestructionAct, on_delete=models.CASCADE, related_name="items", verbose_name=_("act")
    )
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("student")
    )
    label = models.CharField(_("whose records"), max_length=200)
    kind = models.CharField(_("kind of record"), max_length=20, choices=RetentionRule.Kind.choices)
    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("academic year"),
        help_text=_("For records kept per year (state exam protocols)."),
    )
    record_id = models.PositiveBigIntegerField(
        _("record"),
        null=True,
        blank=True,
        help_text=_("For a line naming one row: a certificate book entry, an archive package, an act."),
    )
    due_on = models.DateField(_("kept until"))
    done = models.CharField(_("what was done"), max_length=500, blank=True)

    class Meta:
        ordering = ["act_id", "id"]
        verbose_name = _("line of a destruction act")
        verbose_name_plural = _("lines of destruction acts")

    def __str__(self):
        return f"{self.act}: {self.label}"


class ArchivePackage(models.Model):
    """An immutable, verifiable bundle of a year's, a class's or a student's documents, built by a job.

    The files live in MEDIA_ROOT/archive/packages/<id>/, listed with their SHA-256 in `manifest.json`,
    whose own SHA-256 is `manifest_sha256`. Once `done`, nothing rewrites the files.
    """

    class Scope(models.TextChoices):
        YEAR = "year", _("the whole school")
        CLASS = "class", _("a class")
        STUDENT = "student", _("a student")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("building")
        DONE = "done", _("built")
        FAILED = "failed", _("failed")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("class"),
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="archive_packages",
        verbose_name=_("student"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("archive package")
        verbose_name_plural = _("archive packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="year", school_class__isnull=True, student__isnull=True)
                | Q(scope="class", school_class__isnull=False, student__isnull=True)
                | Q(scope="student", school_class__isnull=True, student__isnull=False),
                name="package_scope_matches_target",
            )
        ]

    def __str__(self):
        return f"{self.get_scope_display()}, {self.academic_year}"


class ArchivePackageFile(models.Model):
    """A file of a built package with the hash it was built with (the manifest, as rows)."""

    package = models.ForeignKey(
        ArchivePackage, on_delete=models.CASCADE, related_name="files", verbose_name=_("package")
    )
    name = models.CharField(_("file"), max_length=200)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["package_id", "name"]
        verbose_name = _("file of an archive package")
        verbose_name_plural = _("files of archive packages")
        constraints = [models.UniqueConstraint(fields=["package", "name"], name="package_file_once")]

    def __str__(self):
        return self.name
