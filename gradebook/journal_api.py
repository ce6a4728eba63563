"""The journal over HTTP: the page saves every cell through these endpoints, and so can any API client."""

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import ConflictError
from gradebook import calendar
from gradebook.access import access_journal, journals_writable_by
from gradebook.cells import cell_attendance_set, cell_mark_clear, cell_mark_set
from gradebook.journal_selectors import journal_grid, student_term_summary
from gradebook.models import Lesson


class CellWriteSerializer(serializers.Serializer):
    OPS = ["mark", "clear_mark", "attendance", "clear_attendance"]

    lesson = serializers.IntegerField()
    student = serializers.IntegerField()
    op = serializers.ChoiceField(choices=OPS)
    value = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class SummarySerializer(serializers.Serializer):
    result = serializers.CharField()
    mean = serializers.CharField(source="mean_display")
    count = serializers.IntegerField()
    rule = serializers.CharField()


class CellSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    student_id = serializers.IntegerField()
    mark = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    mark_version = serializers.IntegerField()
    attendance = serializers.CharField(allow_blank=True)
    attendance_version = serializers.IntegerField()


class CellResponseSerializer(serializers.Serializer):
    cell = CellSerializer()
    summary = SummarySerializer(allow_null=True)


class JournalCellApi(APIView):
    """Sets or clears one mark or attendance entry. Send the version you saw: a stale one answers 409."""

    @extend_schema(
        request=CellWriteSerializer, responses=CellResponseSerializer, operation_id="journal_cell_write"
    )
    def post(self, request, pk: int):
        data = CellWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lessons = Lesson.objects.filter(
            assignment__in=journals_writable_by(user=request.user), assignment_id=pk
        )
        try:
            cell = _write_cell(data.validated_data, user=request.user, lessons=lessons)
        except IntegrityError:
            raise ConflictError(
                _("Someone else has just filled this cell; reload the journal."), code="version_conflict"
            ) from None
        term = calendar.term_containing(year_id=cell.year_id, grade=cell.grade, on=cell.lesson_date)
        summary = (
            student_term_summary(assignment_id=pk, term=term, student_id=cell.student_id) if term else None
        )
        return Response(
            {
                "cell": CellSerializer(cell).data,
                "summary": SummarySerializer(summary).data if summary else None,
            },
            status=status.HTTP_200_OK,
        )


def _write_cell(d: dict, *, user, lessons):
    common = {"user": user, "lessons": lessons, "lesson_id": d["lesson"], "student_id": d["student"]}
    if d["op"] == "mark":
        return cell_mark_set(**common, raw=d["value"], comment=d["comment"], expected_version=d["version"])
    if d["op"] == "clear_mark":
        return cell_mark_clear(**common, expected_version=d["version"])
    if d["op"] == "attendance":
        return cell_attendance_set(**common, code=d["value"], expected_version=d["version"])
    return cell_attendance_set(**common, code=None, expected_version=d["version"])


class GridStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    active = serializers.BooleanField()
    summary = SummarySerializer(allow_null=True)
    term_mark = serializers.CharField(allow_blank=True)
    term_mark_version = serializers.IntegerField()
    absences = serializers.IntegerField()


class GridLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    homework = serializers.CharField(allow_blank=True)
    work_type_id = serializers.IntegerField()
    work_type = serializers.CharField()
    weight = serializers.CharField()


class GridSerializer(serializers.Serializer):
    scale = serializers.CharField()
    term_id = serializers.IntegerField(source="term.id")
    students = GridStudentSerializer(many=True)
    lessons = GridLessonSerializer(many=True)
    cells = serializers.DictField(child=serializers.DictField())


class JournalApi(APIView):
    """A journal's grid for a term (the current one by default): students, lessons, marks, attendance."""

    @extend_schema(responses=GridSerializer, operation_id="journal_read")
    def get(self, request, pk: int):
        assignment = access_journal(user=request.user, id=pk)
        term = pick_term(assignment, request.query_params.get("term"))
        return Response(GridSerializer(journal_grid(assignment=assignment, term=term)).data)


def pick_term(assignment, term_id) -> calendar.TermInfo:
    """The asked-for term of the class's grade, else the one containing today, else the first."""
    from django.http import Http404
    from django.utils import timezone

    school_class = assignment.class_subject.school_class
    terms = calendar.terms_of_grade(year_id=school_class.academic_year_id, grade=school_class.grade)
    if not terms:
        raise Http404
    if term_id:
        chosen = next((t for t in terms if str(t.id) == str(term_id)), None)
        if chosen is None:
            raise Http404
        return chosen
    today = timezone.localdate()
    return next((t for t in terms if t.start_date <= today <= t.end_date), None) or next(
        (t for t in terms if t.start_date > today), terms[-1]
    )


class TermMarkWriteSerializer(serializers.Serializer):
    student = serializers.IntegerField()
    term = serializers.IntegerField()
    value = serializers.CharField(max_length=10)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class TermMarkResponseSerializer(serializers.Serializer):
    student = serializers.IntegerField()
    term_mark = serializers.CharField()
    version = serializers.IntegerField()
    suggested = serializers.CharField(allow_blank=True)
    overridden = serializers.BooleanField()


class JournalTermMarkApi(APIView):
    """Sets a student's term mark. Differing from the rules' suggestion needs a reason (400 reason_required)."""

    @extend_schema(
        request=TermMarkWriteSerializer,
        responses=TermMarkResponseSerializer,
        operation_id="journal_term_mark_write",
    )
    def post(self, request, pk: int):
        from accounts.models import Student
        from gradebook.journal_services import term_mark_set
        from gradebook.models import AssessmentScale, Enrolment, Term

        assignment = access_journal(user=request.user, id=pk, action="write")
        data = TermMarkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        term_info = pick_term(assignment, d["term"])
        school_class = assignment.class_subject.school_class
        student = Student.objects.filter(
            pk=d["student"], pk__in=Enrolment.objects.filter(school_class=school_class).values("student")
        ).first()
        if student is None:
            from django.http import Http404

            raise Http404
        suggested = ""
        if assignment.class_subject.scale == AssessmentScale.FIVE_POINT:
            suggested = student_term_summary(assignment_id=pk, term=term_info, student_id=student.pk).result
        tm = term_mark_set(
            user=request.user,
            class_subject=assignment.class_subject,
            student=student,
            term=Term.objects.get(pk=term_info.id),
            raw=d["value"],
            suggested=suggested,
            reason=d["reason"],
            expected_version=d["version"],
        )
        return Response(
            TermMarkResponseSerializer(
                {
                    "student": student.pk,
                    "term_mark": tm.display,
                    "version": tm.version,
                    "suggested": suggested,
                    "overridden": tm.overridden,
                }
            ).data
        )
