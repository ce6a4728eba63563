from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    CLASS_TEACHER = "class_teacher", _("Class teacher")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")
    DEPUTY = "deputy", _("Deputy director")
    DIRECTOR = "director", _("Director")
    ADMIN = "admin", _("Administrator")


# Roles granted explicitly to a staff account. The others follow from the school's data: a class
# teacher leads a class, a parent has a guardianship link, a student has a linked Student row.
STAFF_ROLES = (Role.TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN)
SCHOOL_WIDE_ROLES = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.ADMIN})


class User(AbstractUser):
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)

    class Meta(AbstractUser.Meta):
        ordering = ["last_name", "first_name", "middle_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """«Иванова А. П.» — the form used in journals and documents."""
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip() or self.username


class UserRole(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=[(r.value, r.label) for r in STAFF_ROLES])
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in STAFF_ROLES]), name="userrole_staff_role_only"
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()}"


class Student(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "f", _("female")
        MALE = "m", _("male")

    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="student_profile",
        verbose_name=_("login account"),
    )
    gifted_registry = models.BooleanField(
        _("in the state register of gifted children"),
        default=False,
        help_text=_("Listed in the state register of persons who showed outstanding abilities."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "middle_name", "id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name}"


class Guardianship(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("mother")
        FATHER = "father", _("father")
        GUARDIAN = "guardian", _("legal guardian")
        OTHER = "other", _("other legal representative")

    guardian = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("guardian")
    )
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("student")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["student", "guardian"]
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [models.UniqueConstraint(fields=["guardian", "student"], name="guardianship_unique")]

    def __str__(self):
        return f"{self.guardian} → {self.student} ({self.get_relation_display()})"


class StudentAccessLog(models.Model):
    """Each view or export of a student's record by a member of staff (152-ФЗ accountability)."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        DOWNLOAD = "download", _("downloaded a file")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("who")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, related_name="access_log", verbose_name=_("student")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    path = models.CharField(_("page"), max_length=500)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("student record access")
        verbose_name_plural = _("student record accesses")
        indexes = [models.Index(fields=["student", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.student}"
