from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "achievements"
    verbose_name = _("Meta-subject and personal results")

    def ready(self):
        # The personal file of issue 7 keeps the characteristic and the levels; without the archive
        # the achievements work on their own.
        if apps.is_installed("archive"):
            from achievements.archive_sections import register

            register()
