from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts.errors import DomainError
from accounts.models import Guardianship, Student, StudentAccessLog, User, UserRole
from accounts.services import guardianship_create, guardianship_delete


class ServiceAdminMixin:
    """For admins whose saves call services: a refusal becomes a message, and nothing is saved."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the services, which keep their history: the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "middle_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "last_name", "first_name", "middle_name", "email", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "staff_roles__role")
    search_fields = ("username", "last_name", "first_name", "middle_name", "email")
    inlines = [UserRoleInline]


class GuardianshipInline(admin.TabularInline):
    """Read-only here: links are made in the Guardianship admin, which grants the access right."""

    model = Guardianship
    extra = 0
    can_delete = False
    readonly_fields = ("guardian", "relation", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = (
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "gender",
        "gifted_registry",
        "user",
    )
    list_filter = ("gender", "gifted_registry", "enrolments__school_class__grade")
    search_fields = ("last_name", "first_name", "middle_name", "user__username")
    date_hierarchy = "birth_date"
    autocomplete_fields = ("user",)
    inlines = [GuardianshipInline]


@admin.register(Guardianship)
class GuardianshipAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Saves and deletes go through the services, which grant and revoke the parent's access."""

    list_display = ("student", "guardian", "relation", "created_at")
    list_filter = ("relation",)
    search_fields = ("student__last_name", "student__first_name", "guardian__last_name", "guardian__username")
    autocomplete_fields = ("student", "guardian")
    actions = None  # bulk delete would bypass guardianship_delete

    def get_readonly_fields(self, request, obj=None):
        return ("student", "guardian") if obj else ()

    def save_model(self, request, obj, form, change):
        link = guardianship_create(guardian=obj.guardian, student=obj.student, relation=obj.relation)
        obj.pk = link.pk

    def delete_model(self, request, obj):
        guardianship_delete(guardian=obj.guardian, student=obj.student)


@admin.register(StudentAccessLog)
class StudentAccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "role", "student", "action", "address", "path")
    list_filter = ("action", "role")
    search_fields = ("student__last_name", "actor__username", "actor__last_name")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__last_name", "user__username")
    autocomplete_fields = ("user",)
