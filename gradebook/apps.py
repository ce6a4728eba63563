from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradebookConfig(AppConfig):
    name = "gradebook"
    verbose_name = _("School structure and journal")

    def ready(self):
        from django.db.models import Exists, OuterRef

        from accounts.models import Role
        from accounts.roles import register_role_condition
        from gradebook.models import SchoolClass

        # A class teacher is someone who leads a class of the current year.
        register_role_condition(
            Role.CLASS_TEACHER,
            lambda: Exists(
                SchoolClass.objects.filter(class_teacher=OuterRef("pk"), academic_year__is_current=True)
            ),
        )
