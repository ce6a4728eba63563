"""The school's calendar and structure: years, terms, classes, subjects, teaching load, enrolments."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Student


class School(models.Model):
    """The one school this installation serves (row id 1): the details printed on documents."""

    name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=200)
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("school")
        verbose_name_plural = _("school")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="school_single_row")]

    def __str__(self):
        return self.short_name


class AcademicYear(models.Model):
    name = models.CharField(_("name"), max_length=9, unique=True, help_text=_("For example, 2026/2027."))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current year"), default=False)
    # Set by archive.services.year_close: from then on the year's journal, marks and exams are read-only.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("academic year")
        verbose_name_plural = _("academic years")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="year_dates_ordered"),
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_year"
            ),
        ]

    def __str__(self):
        return self.name


class TermScheme(models.TextChoices):
    QUARTER = "quarter", _("quarters")
    TRIMESTER = "trimester", _("trimesters")
    HALF_YEAR = "half_year", _("half-years")


class Term(models.Model):
    """A study period of one scheme: the 2nd quarter, the 1st half-year."""

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("academic year")
    )
    scheme = models.CharField(_("scheme"), max_length=12, choices=TermScheme.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        ordering = ["academic_year", "scheme", "number"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "scheme", "number"], name="term_unique_number"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="term_dates_ordered"),
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=4), name="term_number_range"),
        ]

    def __str__(self):
        return f"{self.label}, {self.academic_year}"

    @property
    def label(self) -> str:
        """«2 четверть», «1 полугодие» (English: "quarter 2")."""
        formats = {
            TermScheme.QUARTER: _("quarter %(n)d"),
            TermScheme.TRIMESTER: _("trimester %(n)d"),
            TermScheme.HALF_YEAR: _("half-year %(n)d"),
        }
        return formats[self.scheme] % {"n": self.number}


class GradeTermScheme(models.Model):
    """Which scheme of terms a grade follows in a year (quarters for 1–9, half-years for 10–11 by default)."""

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="grade_schemes", verbose_name=_("academic year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    scheme = models.CharField(_("scheme"), max_length=12, choices=TermScheme.choices)

    class Meta:
        ordering = ["academic_year", "grade"]
        verbose_name = _("term scheme of a grade")
        verbose_name_plural = _("term schemes of grades")
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "grade"], name="grade_scheme_unique"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="grade_scheme_grade_range"),
        ]

    def __str__(self):
        return f"{self.academic_year}, {self.grade}: {self.get_scheme_display()}"


class SchoolClass(models.Model):
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("academic year")
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    letter = models.CharField(_("letter"), max_length=2)
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_classes",
        verbose_name=_("class teacher"),
    )

    class Meta:
        ordering = ["academic_year", "grade", "letter"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "grade", "letter"], name="class_unique_name"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="class_grade_range"),
        ]
        # Object permissions, granted only by services: leading the class, teaching in it.
        permissions = [
            ("lead_schoolclass", _("Lead the class as its class teacher")),
            ("teach_schoolclass", _("Teach in the class")),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


class Subject(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=30)
    area = models.CharField(_("subject area"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self):
        return self.name


class AssessmentScale(models.TextChoices):
    FIVE_POINT = "five_point", _("five-point marks")
    PASS_FAIL = "pass_fail", _("pass / fail")
    BASIC_LEVEL = "basic_level", _("basic level achieved / not achieved")
    NONE = "none", _("not assessed")


class ClassSubject(models.Model):
    """A line of the class's curriculum: the subject, its weekly hours and how it is assessed."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="class_subjects", verbose_name=_("class")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject")
    )
    scale = models.CharField(_("assessment scale"), max_length=12, choices=AssessmentScale.choices)
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=3, decimal_places=1, default=1)

    class Meta:
        ordering = ["school_class", "subject__order", "subject__name"]
        verbose_name = _("subject of a class")
        verbose_name_plural = _("subjects of classes")
        constraints = [
            models.UniqueConstraint(fields=["school_class", "subject"], name="class_subject_unique"),
            models.CheckConstraint(condition=Q(hours_per_week__gt=0), name="class_subject_hours_positive"),
        ]

    def __str__(self):
        return f"{self.school_class}: {self.subject}"


class Subgroup(models.Model):
    """Part of a class taught separately (English group 1, boys' technology)."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="subgroups", verbose_name=_("class")
    )
    name = models.CharField(_("name"), max_length=100)
    students = models.ManyToManyField(
        Student, related_name="subgroups", blank=True, verbose_name=_("students")
    )

    class Meta:
        ordering = ["school_class", "name"]
        verbose_name = _("subgroup")
        verbose_name_plural = _("subgroups")
        constraints = [models.UniqueConstraint(fields=["school_class", "name"], name="subgroup_unique_name")]

    def __str__(self):
        return f"{self.school_class}, {self.name}"


class TeachingAssignment(models.Model):
    """Teaching load: a teacher teaches a subject of a class (or one of its subgroups) this year."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="teaching_assignments",
        verbose_name=_("teacher"),
    )
    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("subject of the class"),
    )
    subgroup = models.ForeignKey(
        Subgroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("subgroup"),
    )

    class Meta:
        ordering = ["class_subject_id", "subgroup_id", "teacher_id"]
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "class_subject"],
                condition=Q(subgroup__isnull=True),
                name="assignment_unique_whole_class",
            ),
            models.UniqueConstraint(
                fields=["teacher", "class_subject", "subgroup"],
                condition=Q(subgroup__isnull=False),
                name="assignment_unique_subgroup",
            ),
        ]

    def __str__(self):
        group = f" ({self.subgroup.name})" if self.subgroup_id else ""
        return f"{self.class_subject}{group}: {self.teacher}"


class Enrolment(models.Model):
    class LeaveReason(models.TextChoices):
        TRANSFER_CLASS = "transfer_class", _("moved to another class")
        TRANSFER_SCHOOL = "transfer_school", _("transferred to another school")
        GRADUATION = "graduation", _("graduated")
        EXPULSION = "expulsion", _("expelled")
        PROMOTION = "promotion", _("end of the academic year")
        OTHER = "other", _("other")

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("student")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class")
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    leave_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeaveReason.choices, blank=True
    )

    class Meta:
        ordering = ["school_class", "student__last_name", "student__first_name", "start_date"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="enrolment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, leave_reason="") | Q(end_date__isnull=False),
                name="enrolment_reason_only_when_left",
            ),
        ]
        indexes = [models.Index(fields=["school_class", "end_date"])]

    def __str__(self):
        return f"{self.student} — {self.school_class}"
