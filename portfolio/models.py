"""Portfolio items and their evidence, the history of changes, the rating's points table, awards and their
orders, year-end award proposals, results credited from other organisations and the gifted register.

Only verified items count: in the rating, in award proposals and in reports. Every change is written to
PortfolioHistory by the services in the same transaction (append-only; on PostgreSQL a trigger refuses
UPDATE and DELETE).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Student
from gradebook.models import AcademicYear, Subject


class ItemKind(models.TextChoices):
    OLYMPIAD = "olympiad", _("olympiad")
    CONTEST = "contest", _("contest")
    CONFERENCE = "conference", _("research or practical conference")
    SPORT = "sport", _("sport competition")
    GTO = "gto", _("GTO badge")
    STATUS = "status", _("championship or prize status")
    VOLUNTEERING = "volunteering", _("volunteering")
    SELF_GOVERNMENT = "self_government", _("student self-government role")
    PROJECT = "project", _("individual or group project")
    RESEARCH = "research", _("research work")
    CREATIVE = "creative", _("creative work")
    CERTIFICATE = "certificate", _("course or certificate")


class Level(models.TextChoices):
    # «школьный», «муниципальный»…: adjectives of the event's level, not the school itself
    SCHOOL = "school", pgettext_lazy("event level", "school")
    MUNICIPAL = "municipal", pgettext_lazy("event level", "municipal")
    REGIONAL = "regional", pgettext_lazy("event level", "regional")
    INTERREGIONAL = "interregional", pgettext_lazy("event level", "interregional")
    ALL_RUSSIAN = "all_russian", pgettext_lazy("event level", "all-Russian")
    INTERNATIONAL = "international", pgettext_lazy("event level", "international")


class Result(models.TextChoices):
    WINNER = "winner", _("winner")
    PRIZE_WINNER = "prize_winner", _("prize-winner")
    PARTICIPANT = "participant", _("participant")


class GtoBadge(models.TextChoices):
    BRONZE = "bronze", _("bronze")
    SILVER = "silver", _("silver")
    GOLD = "gold", _("gold")


class Area(models.TextChoices):
    """The activity areas of awards (учебная, физкультурная, …)."""

    ACADEMIC = "academic", _("academic")
    PHYSICAL = "physical", _("physical culture")
    SPORT = "sport", _("sport")
    SOCIAL = "social", _("social")
    SCIENTIFIC = "scientific", _("scientific")
    TECHNICAL = "technical", _("scientific and technical")
    CREATIVE = "creative", _("creative")
    EXPERIMENTAL = "experimental", _("experimental")
    INNOVATIVE = "innovative", _("innovative")


class PortfolioItem(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        VERIFIED = "verified", pgettext_lazy("achievement", "verified")
        REJECTED = "rejected", pgettext_lazy("achievement", "rejected")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="portfolio_items", verbose_name=_("student")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=300)
    organiser = models.CharField(_("organiser"), max_length=300, blank=True)
    date = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    area = models.CharField(_("subject or area"), max_length=200, blank=True)
    official_list = models.BooleanField(
        _("on the official list"),
        default=False,
        help_text=_("The event is on the official list used for identifying gifted children."),
    )
    hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    gto_badge = models.CharField(_("GTO badge"), max_length=10, choices=GtoBadge.choices, blank=True)
    gto_stage = models.PositiveSmallIntegerField(_("GTO stage"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    verified_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("portfolio item")
        verbose_name_plural = _("portfolio items")
        indexes = [models.Index(fields=["status", "date"]), models.Index(fields=["student", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="portfolio_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="portfolio_decided_has_decider",
            ),
            models.CheckConstraint(
                condition=Q(kind="gto") | Q(gto_badge="", gto_stage__isnull=True),
                name="portfolio_gto_fields_only_for_gto",
            ),
            models.CheckConstraint(
                condition=~Q(kind="gto") | (~Q(gto_badge="") & Q(gto_stage__gte=1, gto_stage__lte=18)),
                name="portfolio_gto_has_badge_and_stage",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=1), name="portfolio_hours_positive"
            ),
        ]

    def __str__(self):
        return f"{self.student}: {self.title}"

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


def evidence_path(instance, filename: str) -> str:
    """A random name under the private prefix: the uploader's file name is never used on disk."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/portfolio/{uuid.uuid4().hex}.{extension}"


class Evidence(models.Model):
    """A scan (PDF, JPEG or PNG) supporting a portfolio item or an external-credit application.

    Stored under a private prefix and served only by a permission-checked view, never from MEDIA_URL."""

    item = models.ForeignKey(
        PortfolioItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("portfolio item"),
    )
    credit_request = models.ForeignKey(
        "ExternalCreditRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("external credit application"),
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("type"), max_length=30)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, credit_request__isnull=True)
                | Q(item__isnull=True, credit_request__isnull=False),
                name="evidence_belongs_to_one_record",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="evidence_allowed_types",
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class PortfolioHistory(models.Model):
    """Append-only: who changed which portfolio record, when, from what to what, and why."""

    class Entity(models.TextChoices):
        ITEM = "item", _("portfolio item")
        EVIDENCE = "evidence", _("evidence file")
        AWARD = "award", _("award")
        PROPOSAL = "proposal", _("award proposal")
        CREDIT = "credit", _("external credit application")
        REGISTRY = "registry", _("gifted register entry")
        POINTS = "points", _("rating points")

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        VERIFY = "verify", _("verified")
        REJECT = "reject", _("rejected")
        ACCEPT = "accept", _("accepted")
        DISMISS = "dismiss", _("dismissed")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student"),
    )
    entity = models.CharField(_("record"), max_length=10, choices=Entity.choices)
    entity_id = models.BigIntegerField(_("record id"))
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("portfolio history entry")
        verbose_name_plural = _("portfolio history")
        indexes = [models.Index(fields=["entity", "entity_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.entity}:{self.entity_id}"


class RatingPoints(models.Model):
    """Points a verified item gives by its level and result. The deputy edits the table."""

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    points = models.PositiveSmallIntegerField(_("points"))

    class Meta:
        ordering = ["level", "result"]
        verbose_name = _("rating points")
        verbose_name_plural = _("rating points")
        constraints = [models.UniqueConstraint(fields=["level", "result"], name="rating_points_unique")]

    def __str__(self):
        return f"{self.get_level_display()} / {self.get_result_display()}: {self.points}"


class RatingSettings(models.Model):
    """One row (id 1): how much the academic component weighs. Points = mean mark × weight."""

    academic_weight = models.DecimalField(
        _("points per unit of the mean mark"), max_digits=5, decimal_places=2, default=Decimal("10.00")
    )

    class Meta:
        verbose_name = _("rating settings")
        verbose_name_plural = _("rating settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="rating_settings_single_row")]

    def __str__(self):
        return str(_("Rating settings"))


class AwardKind(models.TextChoices):
    GRATITUDE = "gratitude", pgettext_lazy("award", "letter of gratitude")
    CERTIFICATE = "certificate", pgettext_lazy("award", "certificate of merit")
    HONOUR_LIST = "honour_list", _("honour list «For excellent progress in learning»")
    SUBJECT_CERTIFICATE = (
        "subject_certificate",
        _("certificate of honour «For special progress in studying individual subjects»"),
    )
    MEDAL = "medal", _("medal «For special progress in learning»")
    GIFT = "gift", _("valuable gift")
    OTHER = "other", pgettext_lazy("award", "other")


class AwardOrder(models.Model):
    """An order (приказ) on awards for one or many students, signed by the director."""

    number = models.CharField(_("order number"), max_length=50)
    date = models.DateField(_("order date"))
    title = models.CharField(_("title"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("prepared by")
    )
    created_at = models.DateTimeField(_("prepared at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("award order")
        verbose_name_plural = _("award orders")
        constraints = [models.UniqueConstraint(fields=["number", "date"], name="award_order_unique_number")]

    def __str__(self):
        return f"№ {self.number} от {self.date:%d.%m.%Y}"


class Award(models.Model):
    order = models.ForeignKey(
        AwardOrder,
        on_delete=models.PROTECT,
        related_name="awards",
        verbose_name=pgettext_lazy("award", "order"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="awards", verbose_name=_("student")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AwardKind.choices)
    area = models.CharField(_("activity area"), max_length=20, choices=Area.choices)
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("subject")
    )
    wording = models.CharField(_("wording"), max_length=300, blank=True)
    basis_items = models.ManyToManyField(
        PortfolioItem, blank=True, related_name="awards", verbose_name=_("portfolio items it is based on")
    )
    basis_note = models.CharField(
        _("basis"), max_length=500, blank=True, help_text=_("Marks, other grounds.")
    )

    class Meta:
        ordering = ["order", "student"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self):
        return f"{self.student}: {self.get_kind_display()}"


class AwardProposal(models.Model):
    """A candidate for a standard award found by the year-end rules; the deputy accepts or dismisses it."""

    class Rule(models.TextChoices):
        ALL_FIVES = "all_fives", _("all annual marks are 5")
        SUBJECT_OLYMPIAD = "subject_olympiad", _("annual 5 and a verified olympiad in the subject")
        RATING_TOP = "rating_top", _("first place in the class rating")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        DISMISSED = "dismissed", _("dismissed")

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("academic year")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    area = models.CharField(_("activity area"), max_length=20, choices=Area.choices)
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("subject")
    )
    basis_items = models.ManyToManyField(PortfolioItem, blank=True, related_name="+")
    basis_note = models.CharField(_("basis"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    award = models.OneToOneField(
        Award,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
        verbose_name=_("award"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["student", "rule", "subject"]
        verbose_name = _("award proposal")
        verbose_name_plural = _("award proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "student", "rule", "subject"],
                name="award_proposal_unique_subject",
            ),
            models.UniqueConstraint(
                fields=["academic_year", "student", "rule"],
                condition=Q(subject__isnull=True),
                name="award_proposal_unique",
            ),
        ]

    def __str__(self):
        return f"{self.student}: {self.get_kind_display()} ({self.get_status_display()})"


class ExternalCreditRequest(models.Model):
    """A family's application to credit a result obtained in another organisation."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", pgettext_lazy("application", "accepted")
        REJECTED = "rejected", pgettext_lazy("application", "rejected")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="credit_requests", verbose_name=_("student")
    )
    organisation = models.CharField(_("organisation"), max_length=300)
    programme = models.CharField(_("course or programme"), max_length=300)
    result = models.CharField(_("result"), max_length=300)
    hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant")
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("external credit application")
        verbose_name_plural = _("external credit applications")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""), name="credit_rejected_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="credit_decided_has_decider",
            ),
        ]

    def __str__(self):
        return f"{self.student}: {self.programme} ({self.organisation})"


class GiftedRegistryEntry(models.Model):
    """A supporting entry for a student listed in the state register of gifted children."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="gifted_entries", verbose_name=_("student")
    )
    basis = models.CharField(_("basis"), max_length=500)
    item = models.ForeignKey(
        PortfolioItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portfolio item"),
    )
    registry_number = models.CharField(_("register entry number"), max_length=100, blank=True)
    entered_on = models.DateField(_("entered on"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["student", "-entered_on"]
        verbose_name = _("gifted register entry")
        verbose_name_plural = _("gifted register entries")

    def __str__(self):
        return f"{self.student}: {self.basis}"
