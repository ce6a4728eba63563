from django.contrib import admin

from accounts.admin import ReadOnlyAdmin, ServiceAdminMixin
from gradebook.models import (
    AcademicYear,
    Attendance,
    ClassSubject,
    CorrectionRequest,
    DiagnosticResult,
    DiagnosticTask,
    DiagnosticTaskResult,
    DiagnosticWork,
    Enrolment,
    GradeTermScheme,
    GradingPolicy,
    IntermediateAttestation,
    JournalHistory,
    Lesson,
    Mark,
    ProgressCertificate,
    ReadingNorm,
    ReportJob,
    ReportJobPart,
    School,
    SchoolClass,
    StateExamResult,
    Subgroup,
    Subject,
    TeachingAssignment,
    Term,
    TermClosure,
    TermMark,
    WeekAcknowledgement,
    WorkType,
)
from gradebook.services import (
    school_class_set_teacher,
    teaching_assignment_create,
    teaching_assignment_delete,
)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "address", "phone", "email")

    def has_add_permission(self, request):
        return not School.objects.exists()


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


class GradeTermSchemeInline(admin.TabularInline):
    model = GradeTermScheme
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "end_date", "is_current")
    inlines = [TermInline, GradeTermSchemeInline]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("__str__", "scheme", "number", "start_date", "end_date")
    list_filter = ("academic_year", "scheme")


class ClassSubjectInline(admin.TabularInline):
    model = ClassSubject
    extra = 0
    autocomplete_fields = ("subject",)


@admin.register(SchoolClass)
class SchoolClassAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Changing the class teacher goes through the service, which moves the access right."""

    list_display = ("name", "academic_year", "class_teacher")
    list_filter = ("academic_year", "grade")
    search_fields = ("letter", "class_teacher__last_name")
    autocomplete_fields = ("class_teacher",)
    inlines = [ClassSubjectInline]
    actions = None

    def save_model(self, request, obj, form, change):
        new_teacher = obj.class_teacher
        if change and "class_teacher" in form.changed_data:
            obj.class_teacher = SchoolClass.objects.get(pk=obj.pk).class_teacher
            obj.save()
            school_class_set_teacher(school_class=obj, teacher=new_teacher)
        elif not change and new_teacher is not None:
            obj.class_teacher = None
            obj.save()
            school_class_set_teacher(school_class=obj, teacher=new_teacher)
        else:
            obj.save()


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "area", "order")
    search_fields = ("name", "short_name")
    list_editable = ("order",)


@admin.register(ClassSubject)
class ClassSubjectAdmin(admin.ModelAdmin):
    list_display = ("school_class", "subject", "scale", "hours_per_week")
    list_filter = ("school_class__academic_year", "school_class__grade", "scale", "subject")
    search_fields = ("subject__name",)
    autocomplete_fields = ("subject",)


@admin.register(Subgroup)
class SubgroupAdmin(admin.ModelAdmin):
    list_display = ("school_class", "name")
    list_filter = ("school_class__academic_year", "school_class__grade")
    filter_horizontal = ("students",)


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Created and deleted through the services, which grant and revoke the teacher's access to the class."""

    list_display = ("class_subject", "subgroup", "teacher")
    list_filter = (
        "class_subject__school_class__academic_year",
        "class_subject__school_class__grade",
        "class_subject__subject",
    )
    search_fields = ("teacher__last_name", "teacher__username", "class_subject__subject__name")
    autocomplete_fields = ("teacher",)
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return ("teacher", "class_subject", "subgroup") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            created = teaching_assignment_create(
                teacher=obj.teacher, class_subject=obj.class_subject, subgroup=obj.subgroup
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        teaching_assignment_delete(assignment=obj)


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("student", "school_class", "start_date", "end_date", "leave_reason")
    list_filter = ("school_class__academic_year", "school_class__grade", "leave_reason")
    search_fields = ("student__last_name", "student__first_name")
    autocomplete_fields = ("student",)
    date_hierarchy = "start_date"


@admin.register(GradeTermScheme)
class GradeTermSchemeAdmin(admin.ModelAdmin):
    list_display = ("academic_year", "grade", "scheme")
    list_filter = ("academic_year", "scheme")


@admin.register(GradingPolicy)
class GradingPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "threshold_3", "threshold_4", "threshold_5", "min_marks", "allow_mark_1")

    def has_add_permission(self, request):
        return not GradingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkType)
class WorkTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "weight", "order", "is_active")
    list_editable = ("weight", "order", "is_active")


@admin.register(Lesson)
class LessonAdmin(ReadOnlyAdmin):
    list_display = ("date", "assignment", "work_type", "topic")
    list_filter = ("work_type", "assignment__class_subject__school_class__grade")
    search_fields = ("topic", "assignment__teacher__last_name")
    date_hierarchy = "date"


@admin.register(Mark)
class MarkAdmin(ReadOnlyAdmin):
    list_display = ("student", "lesson", "value", "passed", "updated_by", "updated_at")
    search_fields = ("student__last_name",)
    list_select_related = ("student", "lesson__assignment__class_subject__subject", "updated_by")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("student", "lesson", "kind")
    list_filter = ("kind",)
    search_fields = ("student__last_name",)


@admin.register(TermMark)
class TermMarkAdmin(ReadOnlyAdmin):
    list_display = (
        "student",
        "class_subject",
        "kind",
        "term",
        "value",
        "passed",
        "not_attested",
        "overridden",
    )
    list_filter = ("kind", "not_attested", "overridden")
    search_fields = ("student__last_name",)


@admin.register(TermClosure)
class TermClosureAdmin(ReadOnlyAdmin):
    list_display = ("school_class", "term", "closed_by", "closed_at")
    list_filter = ("term",)


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    list_display = ("student", "target", "new_value", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("status", "target")


@admin.register(JournalHistory)
class JournalHistoryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "entity", "action", "student", "class_subject", "lesson_date", "reason")
    list_filter = ("entity", "action")
    search_fields = ("student__last_name", "actor__last_name", "reason")
    date_hierarchy = "at"


@admin.register(IntermediateAttestation)
class IntermediateAttestationAdmin(ReadOnlyAdmin):
    list_display = ("student", "class_subject", "form", "date", "value", "passed", "not_attested")
    list_filter = ("form", "class_subject__school_class__grade")
    search_fields = ("student__last_name",)


@admin.register(StateExamResult)
class StateExamResultAdmin(ReadOnlyAdmin):
    list_display = ("student", "kind", "subject", "exam_date", "primary_score", "test_score", "mark")
    list_filter = ("kind", "subject")
    search_fields = ("student__last_name",)


@admin.register(WeekAcknowledgement)
class WeekAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("student", "guardian", "week_start", "acknowledged_at")
    date_hierarchy = "week_start"


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "fmt", "status", "progress", "requested_by", "finished_at")
    list_filter = ("kind", "status")


@admin.register(ReportJobPart)
class ReportJobPartAdmin(ReadOnlyAdmin):
    list_display = ("job", "index", "label", "status", "attempts")
    list_filter = ("status",)
    exclude = ("data",)


@admin.register(ProgressCertificate)
class ProgressCertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "issued_on", "student", "issued_by", "verification_code")
    search_fields = ("number", "student__last_name", "verification_code")


@admin.register(ReadingNorm)
class ReadingNormAdmin(admin.ModelAdmin):
    """The school's reading speed norms: plain data the school edits (the constraints keep from ≤ to)."""

    list_display = ("grade", "period", "words_from", "words_to")
    list_editable = ("words_from", "words_to")
    list_filter = ("grade",)


class DiagnosticTaskInline(admin.TabularInline):
    model = DiagnosticTask
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DiagnosticWork)
class DiagnosticWorkAdmin(ReadOnlyAdmin):
    """Works are created and filled on the teachers' pages, through the services."""

    list_display = ("date", "class_subject", "kind", "title", "created_by")
    list_filter = ("kind", "class_subject__school_class__grade")
    date_hierarchy = "date"
    inlines = [DiagnosticTaskInline]


@admin.register(DiagnosticTask)
class DiagnosticTaskAdmin(ReadOnlyAdmin):
    list_display = ("work", "number", "max_points", "pass_points", "description")


@admin.register(DiagnosticResult)
class DiagnosticResultAdmin(ReadOnlyAdmin):
    list_display = ("work", "student", "absent", "words_per_minute", "mark", "updated_by", "updated_at")
    list_filter = ("work__kind", "absent")


@admin.register(DiagnosticTaskResult)
class DiagnosticTaskResultAdmin(ReadOnlyAdmin):
    list_display = ("result", "task", "points")
