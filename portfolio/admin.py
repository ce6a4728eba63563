"""Admin for the portfolio app. Items change through the services (the history is written there); the
history, evidence and awards are read-only here — awards are made through their orders' page."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, ServiceAdminMixin
from portfolio.models import (
    Award,
    AwardOrder,
    AwardProposal,
    Evidence,
    ExternalCreditRequest,
    GiftedRegistryEntry,
    PortfolioHistory,
    PortfolioItem,
    RatingPoints,
    RatingSettings,
)
from portfolio.services import ItemData, portfolio_item_create, portfolio_item_update, values_of


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fk_name = "item"
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PortfolioItem)
class PortfolioItemAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Adding and changing go through portfolio_item_create / portfolio_item_update (history, rules);
    status changes are made on the review pages, not here."""

    list_display = ("student", "title", "kind", "level", "result", "date", "status")
    list_filter = ("status", "kind", "level", "result", "official_list")
    search_fields = ("title", "organiser", "student__last_name", "student__first_name")
    date_hierarchy = "date"
    autocomplete_fields = ("student",)
    readonly_fields = (
        "status",
        "rejection_reason",
        "added_by",
        "added_at",
        "verified_by",
        "verified_at",
        "version",
    )
    inlines = [EvidenceInline]
    actions = None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = ItemData(**{name: getattr(obj, name) for name in values_of_fields()})
        if change:
            original = PortfolioItem.objects.get(pk=obj.pk)
            portfolio_item_update(user=request.user, item=original, data=data, reason="admin")
        else:
            created = portfolio_item_create(user=request.user, student=obj.student, data=data, verify=True)
            obj.pk = created.pk


def values_of_fields() -> list[str]:
    sample = ItemData(kind="", title="", date=None, level="", result="")
    return list(values_of(sample))


@admin.register(PortfolioHistory)
class PortfolioHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "student", "entity", "entity_id", "action", "reason")
    list_filter = ("entity", "action")
    search_fields = ("student__last_name", "actor__username")
    date_hierarchy = "at"


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "content_type", "size", "item", "credit_request", "uploaded_at")
    list_filter = ("content_type",)


@admin.register(RatingPoints)
class RatingPointsAdmin(ReadOnlyAdmin):
    """Edited by the deputy on the points page (history written there)."""

    list_display = ("level", "result", "points")


@admin.register(RatingSettings)
class RatingSettingsAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "academic_weight")


class AwardInline(admin.TabularInline):
    model = Award
    extra = 0
    can_delete = False
    fields = ("student", "kind", "area", "subject", "wording", "basis_note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AwardOrder)
class AwardOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "date", "title", "created_by")
    inlines = [AwardInline]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("student", "kind", "area", "order")
    list_filter = ("kind", "area")


@admin.register(AwardProposal)
class AwardProposalAdmin(ReadOnlyAdmin):
    list_display = ("student", "academic_year", "rule", "kind", "subject", "status")
    list_filter = ("rule", "status")


@admin.register(ExternalCreditRequest)
class ExternalCreditRequestAdmin(ReadOnlyAdmin):
    list_display = ("student", "organisation", "programme", "result", "status", "submitted_at")
    list_filter = ("status",)


@admin.register(GiftedRegistryEntry)
class GiftedRegistryEntryAdmin(ReadOnlyAdmin):
    list_display = ("student", "basis", "registry_number", "entered_on")
