"""A child's marks, diary and changed marks over HTTP, and the parent's «ознакомлен».

The same access as the pages: a student the caller may not see answers 404 exactly like a missing one.
Parents and students read their own; staff read the students they work with (and are logged).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import student_record_accessed
from gradebook import family_selectors, family_services
from gradebook.access import access_student


class ApiErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ApiErrorSerializer(serializers.Serializer):
    error = ApiErrorBodySerializer()


NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="No such student, or one the caller may not see.")


class FamilyStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    full_name = serializers.CharField()


class FamilyTermSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


# Marks by subject ----------------------------------------------------------------------------------


class MarkEntrySerializer(serializers.Serializer):
    date = serializers.DateField()
    mark = serializers.CharField(help_text="«2»…«5», «зач» or «незач».")
    value = serializers.IntegerField(allow_null=True)
    work_type = serializers.CharField()
    work_type_short = serializers.CharField()
    weight = serializers.DecimalField(max_digits=3, decimal_places=1)
    comment = serializers.CharField(allow_blank=True)
    topic = serializers.CharField(allow_blank=True)


class MarksSummarySerializer(serializers.Serializer):
    mean = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, help_text="Weighted mean Σ(value×weight)/Σ(weight)."
    )
    suggestion = serializers.CharField(
        source="result", help_text="The term mark the rules suggest, or «н/а»."
    )
    count = serializers.IntegerField()
    rule = serializers.CharField()


class SubjectMarksSerializer(serializers.Serializer):
    class_subject_id = serializers.IntegerField()
    subject = serializers.CharField()
    scale = serializers.CharField()
    marks = MarkEntrySerializer(many=True)
    absences = serializers.IntegerField(help_text="Lessons missed (н, б, уп).")
    lates = serializers.IntegerField(help_text="Lessons come late to (оп).")
    summary = MarksSummarySerializer(allow_null=True, help_text="Five-point subjects only.")
    term_mark = serializers.CharField(allow_blank=True)


class StudentMarksSerializer(serializers.Serializer):
    student = FamilyStudentSerializer()
    class_name = serializers.CharField(source="school_class.name", default=None)
    term = FamilyTermSerializer(allow_null=True)
    terms = FamilyTermSerializer(many=True)
    subjects = SubjectMarksSerializer(many=True)


class StudentMarksApi(APIView):
    """The student's marks of a term per subject, with the weighted mean and the suggested term mark."""

    @extend_schema(
        operation_id="student_marks",
        parameters=[
            OpenApiParameter(
                "term",
                OpenApiTypes.INT,
                description="A term of the class's grade; the current one by default.",
            )
        ],
        responses={200: StudentMarksSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        student = access_student(user=request.user, id=pk)
        student_record_accessed(request, student=student)
        raw = request.query_params.get("term")
        term = int(raw) if raw and raw.isdigit() else None
        data = family_selectors.student_marks(student=student, term_or_none=term)
        return Response(StudentMarksSerializer(data).data)


# The diary -----------------------------------------------------------------------------------------


class WeekQuerySerializer(serializers.Serializer):
    week = serializers.DateField(required=False, help_text="Any day of the week; this week by default.")


class DiaryLessonSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    subject = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    homework = serializers.CharField(allow_blank=True)
    work_type = serializers.CharField()
    mark = serializers.CharField(allow_blank=True)
    mark_comment = serializers.CharField(allow_blank=True)
    attendance = serializers.CharField(allow_blank=True, help_text="н, б, уп, оп, or empty.")


class DiaryDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    lessons = DiaryLessonSerializer(many=True)


class GuardianAcknowledgementSerializer(serializers.Serializer):
    guardian_id = serializers.IntegerField()
    name = serializers.CharField()
    relation = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class StudentWeekSerializer(serializers.Serializer):
    student = FamilyStudentSerializer()
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    days = DiaryDaySerializer(many=True)
    marks_count = serializers.IntegerField()
    acknowledged = serializers.BooleanField(help_text="At least one guardian confirmed the week.")
    acknowledgements = GuardianAcknowledgementSerializer(many=True)


class StudentDiaryApi(APIView):
    """The week's diary (Monday to Saturday): lessons, homework, marks, attendance, and the confirmations."""

    @extend_schema(
        operation_id="student_diary",
        parameters=[WeekQuerySerializer],
        responses={200: StudentWeekSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        student = access_student(user=request.user, id=pk)
        query = WeekQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        student_record_accessed(request, student=student)
        week_start = query.validated_data.get("week") or family_selectors.current_week()
        week = family_selectors.student_week(student=student, week_start=week_start)
        return Response(StudentWeekSerializer(week).data)


class AcknowledgeSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday the week starts on.")


class AcknowledgementSerializer(serializers.Serializer):
    student_id = serializers.IntegerField()
    week_start = serializers.DateField()
    acknowledged_at = serializers.DateTimeField()


class StudentDiaryAcknowledgeApi(APIView):
    """The parent confirms («ознакомлен») the child's week. Repeating it changes nothing.

    Only the student's guardians: others who may see the student get 403 `not_a_guardian`; a day that
    is not a Monday 400 `not_a_monday`; a week not yet begun 400 `future_week`.
    """

    @extend_schema(
        operation_id="student_diary_acknowledge",
        request=AcknowledgeSerializer,
        responses={
            200: AcknowledgementSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="not_a_monday, future_week or invalid."),
            403: OpenApiResponse(ApiErrorSerializer, description="not_a_guardian."),
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk: int):
        student = access_student(user=request.user, id=pk)
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ack = family_services.week_acknowledge(
            guardian=request.user, student=student, week_start=data.validated_data["week"]
        )
        return Response(AcknowledgementSerializer(ack).data)


# Changed marks ----------------------------------------------------------------------------------------


class SinceQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False, help_text="Only changes made on or after this day.")


class MarkChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    entity = serializers.ChoiceField(choices=["mark", "term_mark"])
    action = serializers.ChoiceField(choices=["update", "delete"])
    subject = serializers.CharField()
    lesson_date = serializers.DateField(allow_null=True)
    term = serializers.CharField(allow_blank=True)
    old = serializers.CharField(allow_blank=True)
    new = serializers.CharField(allow_blank=True, help_text="Empty when the mark was removed.")
    removed = serializers.BooleanField()
    display = serializers.CharField(help_text="«4 → 5», «3 → removed».")
    comment = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(
        allow_null=True, help_text="Who changed it: for staff only, null for families."
    )


class StudentChangesApi(APIView):
    """Changed and removed marks and term marks of the student, newest first."""

    @extend_schema(
        operation_id="student_mark_changes",
        parameters=[SinceQuerySerializer],
        responses={200: MarkChangeSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        student = access_student(user=request.user, id=pk)
        query = SinceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        student_record_accessed(request, student=student)
        changes = family_selectors.student_mark_changes(
            student=student,
            since=query.validated_data.get("since"),
            with_actors=not family_selectors.is_family(user=request.user, student=student),
        )
        return Response(MarkChangeSerializer(changes, many=True).data)
