from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.roles import user_roles


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    active_role = serializers.ChoiceField(choices=Role.choices, allow_null=True)


class MeApi(APIView):
    """The signed-in person and the roles they hold."""

    @extend_schema(responses=MeSerializer, operation_id="me")
    def get(self, request):
        user = request.user
        active = getattr(request, "active_role", None)
        data = {
            "id": user.pk,
            "username": user.username,
            "full_name": user.full_name,
            "email": user.email,
            "roles": [r.value for r in user_roles(user)],
            "active_role": active.value if active else None,
        }
        return Response(MeSerializer(data).data)
