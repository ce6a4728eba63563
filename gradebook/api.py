"""The first read endpoints. Every object comes through gradebook.access, like the pages."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import children_of
from accounts.audit import student_record_accessed
from gradebook import selectors
from gradebook.access import access_student


class ChildSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="student.pk")
    full_name = serializers.CharField(source="student.full_name")
    birth_date = serializers.DateField(source="student.birth_date")
    class_name = serializers.CharField(source="school_class.name", default=None)
    class_teacher = serializers.CharField(source="class_teacher.full_name", default=None)


class MyChildrenApi(APIView):
    """The caller's own children (empty for anyone who is not a parent)."""

    @extend_schema(responses=ChildSerializer(many=True), operation_id="my_children")
    def get(self, request):
        cards = selectors.children_cards(children=children_of(user=request.user))
        return Response(ChildSerializer(cards, many=True).data)


class AssignmentSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField()
    class_id = serializers.IntegerField()
    class_name = serializers.CharField()
    grade = serializers.IntegerField()
    subject = serializers.CharField()
    subgroup = serializers.CharField(allow_blank=True)
    scale = serializers.CharField()
    students = serializers.IntegerField()


class MyClassesApi(APIView):
    """The caller's teaching load in the current year (empty for anyone who does not teach)."""

    @extend_schema(responses=AssignmentSerializer(many=True), operation_id="my_classes")
    def get(self, request):
        year = selectors.current_year()
        rows = selectors.teacher_assignments(teacher=request.user, year=year) if year else []
        return Response(AssignmentSerializer(rows, many=True).data)


class EnrolmentSerializer(serializers.Serializer):
    year = serializers.CharField(source="school_class.academic_year.name")
    class_name = serializers.CharField(source="school_class.name")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    leave_reason = serializers.CharField(allow_blank=True)


class StudentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="student.pk")
    full_name = serializers.CharField(source="student.full_name")
    birth_date = serializers.DateField(source="student.birth_date")
    class_name = serializers.CharField(source="current_class.name", default=None)
    enrolments = EnrolmentSerializer(many=True)


class StudentDetailApi(APIView):
    """One student's record: 404 alike for a missing student and one the caller may not see."""

    @extend_schema(responses=StudentSerializer, operation_id="student_detail")
    def get(self, request, pk: int):
        student = access_student(user=request.user, id=pk)
        student_record_accessed(request, student=student)
        return Response(StudentSerializer(selectors.student_record(student=student)).data)
