"""The portfolio over HTTP: a student's items, awards, credited results and own rating place, and the
deputy's overview of achievements by kind × level. The same access as the pages: a student the caller may
not see answers 404 exactly like a missing one; families never see other children's names or places."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import student_record_accessed
from accounts.roles import is_school_wide
from gradebook.family_api import ApiErrorSerializer
from portfolio import access, selectors

NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="No such student, or one the caller may not see.")
PERIOD_PARAMETERS = [
    OpenApiParameter(
        "period", OpenApiTypes.STR, description="«year» (default) or «term:<id>» of the current year."
    ),
    OpenApiParameter("start", OpenApiTypes.DATE, description="With «end»: any period, overriding «period»."),
    OpenApiParameter("end", OpenApiTypes.DATE),
]


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="Permission-checked download.")

    def get_url(self, evidence) -> str:
        return reverse("portfolio_evidence", args=[evidence.pk])


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    organiser = serializers.CharField()
    date = serializers.DateField()
    level = serializers.CharField()
    result = serializers.CharField()
    subject = serializers.CharField(source="subject.name", default=None)
    area = serializers.CharField()
    official_list = serializers.BooleanField()
    hours = serializers.IntegerField(allow_null=True)
    gto_badge = serializers.CharField()
    gto_stage = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=["submitted", "verified", "rejected"])
    rejection_reason = serializers.CharField()
    evidence = EvidenceSerializer(many=True)


class AwardSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    area = serializers.CharField()
    subject = serializers.CharField(source="subject.name", default=None)
    order_number = serializers.CharField(source="order.number")
    order_date = serializers.DateField(source="order.date")
    basis_items = serializers.SerializerMethodField(
        help_text="Ids of the portfolio items the award rests on."
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_basis_items(self, award) -> list[int]:
        return [item.pk for item in award.basis_items.all()]


class CreditSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    organisation = serializers.CharField(help_text="The source of the result, shown wherever it is used.")
    programme = serializers.CharField()
    result = serializers.CharField()
    hours = serializers.IntegerField(allow_null=True)
    completed_on = serializers.DateField()
    status = serializers.CharField()
    decision_reason = serializers.CharField()


class StandingSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=8, decimal_places=2)
    item_points = serializers.IntegerField()
    academic = serializers.DecimalField(max_digits=8, decimal_places=2)
    class_place = serializers.IntegerField()
    class_size = serializers.IntegerField()
    grade_place = serializers.IntegerField()
    grade_size = serializers.IntegerField()
    school_place = serializers.IntegerField()
    school_size = serializers.IntegerField()


class PointedItemSerializer(serializers.Serializer):
    item_id = serializers.IntegerField(source="item.pk")
    title = serializers.CharField(source="item.title")
    points = serializers.IntegerField()


class StudentPortfolioSerializer(serializers.Serializer):
    student_id = serializers.IntegerField()
    full_name = serializers.CharField()
    gifted_registry = serializers.BooleanField()
    period = PeriodSerializer()
    items = ItemSerializer(many=True)
    awards = AwardSerializer(many=True)
    credits = CreditSerializer(many=True)
    standing = StandingSerializer(
        allow_null=True, help_text="The student's own places; no other child's data."
    )
    points = PointedItemSerializer(many=True, help_text="The verified items of the period and their points.")


class StudentPortfolioApi(APIView):
    """The student's portfolio: items of every status, awards, credited results and their rating place."""

    @extend_schema(
        operation_id="student_portfolio",
        parameters=PERIOD_PARAMETERS,
        responses={200: StudentPortfolioSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk: int):
        student = access.access_portfolio_student(user=request.user, id=pk)
        student_record_accessed(request, student=student)
        period, _key = selectors.period_from(request.query_params)
        portfolio = selectors.student_portfolio(student=student)
        standing = selectors.student_standing(student=student, period=period)
        data = {
            "student_id": student.pk,
            "full_name": student.full_name,
            "gifted_registry": student.gifted_registry,
            "period": period,
            "items": portfolio.items,
            "awards": portfolio.awards,
            "credits": portfolio.credits,
            "standing": standing.standing,
            "points": standing.items,
        }
        return Response(StudentPortfolioSerializer(data).data)


class OverviewRowSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    by_level = serializers.DictField(child=serializers.IntegerField())


class OverviewSerializer(serializers.Serializer):
    period = PeriodSerializer()
    total = serializers.IntegerField(help_text="Verified items dated within the period.")
    students = serializers.IntegerField(help_text="Students with at least one verified item.")
    submitted = serializers.IntegerField(help_text="Items of the period waiting for verification.")
    official_list = serializers.IntegerField()
    by_result = serializers.DictField(child=serializers.IntegerField())
    rows = OverviewRowSerializer(many=True)


class PortfolioOverviewApi(APIView):
    """The school's verified achievements of a period by kind × level (deputy, director, administrator)."""

    @extend_schema(
        operation_id="portfolio_overview",
        parameters=PERIOD_PARAMETERS,
        responses={200: OverviewSerializer, 404: NOT_FOUND},
    )
    def get(self, request):
        if not is_school_wide(request.user):
            raise Http404
        period, _key = selectors.period_from(request.query_params)
        o = selectors.achievements_overview(period=period)
        rows = [
            {
                "kind": kind,
                "label": label,
                "by_level": dict(zip([lv for lv, _l in o.levels], o.row(kind), strict=True)),
            }
            for kind, label in o.kinds
        ]
        data = {
            "period": period,
            "total": o.total,
            "students": o.students,
            "submitted": o.submitted,
            "official_list": o.official_list,
            "by_result": o.by_result,
            "rows": rows,
        }
        return Response(OverviewSerializer(data).data)
