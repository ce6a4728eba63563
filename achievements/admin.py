"""Admin for the meta-subject records. Groups and indicators are edited here (the school's list); levels,
their history and characteristics are read-only (they change through the class teacher's pages, which
write the history and versions); personal results are saved through personal_results_record."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, ServiceAdminMixin
from achievements.models import (
    Characteristic,
    ClassPersonalResults,
    LevelThreshold,
    MetaSkill,
    MetaSkillIndicator,
    MetaSkillLevel,
    MetaSkillLevelHistory,
)
from achievements.services import personal_results_record


class IndicatorInline(admin.TabularInline):
    model = MetaSkillIndicator
    extra = 0
    fields = ("name", "order", "is_active")


@admin.register(MetaSkill)
class MetaSkillAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    inlines = [IndicatorInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MetaSkillIndicator)
class MetaSkillIndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "meta_skill", "order", "is_active")
    list_filter = ("meta_skill", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False  # past levels keep their indicator: make it inactive instead


@admin.register(MetaSkillLevel)
class MetaSkillLevelAdmin(ReadOnlyAdmin):
    list_display = ("student", "academic_year", "indicator", "level", "source", "updated_at")
    list_filter = ("academic_year", "level", "source", "indicator__meta_skill")
    search_fields = ("student__last_name", "student__first_name")


@admin.register(MetaSkillLevelHistory)
class MetaSkillLevelHistoryAdmin(ReadOnlyAdmin):
    list_display = (
        "student",
        "indicator",
        "old_level",
        "new_level",
        "new_source",
        "changed_by",
        "changed_at",
    )
    list_filter = ("academic_year",)


@admin.register(LevelThreshold)
class LevelThresholdAdmin(ReadOnlyAdmin):
    list_display = ("work", "indicator", "task_numbers", "optimal_from", "high_from")


@admin.register(Characteristic)
class CharacteristicAdmin(ReadOnlyAdmin):
    list_display = ("student", "academic_year", "version", "written_by", "written_at", "published_at")
    list_filter = ("academic_year",)
    search_fields = ("student__last_name", "student__first_name")


@admin.register(ClassPersonalResults)
class ClassPersonalResultsAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Saved through personal_results_record (who may, class size, dates)."""

    list_display = ("school_class", "methodology", "date", "low_count", "optimal_count", "high_count")
    list_filter = ("school_class__academic_year", "school_class__grade")

    def has_change_permission(self, request, obj=None):
        return obj is None  # a correction is a new submit of the same class, methodology and date

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = personal_results_record(
            user=request.user,
            school_class=obj.school_class,
            methodology=obj.methodology,
            on=obj.date,
            low=obj.low_count,
            optimal=obj.optimal_count,
            high=obj.high_count,
        )
        obj.pk = saved.pk
