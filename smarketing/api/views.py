from __future__ import annotations

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.access import ANY_USER, HasRole, roles
from smarketing.roles import ALL_ROLES, user_roles


class SchemaView(SpectacularAPIView):
    access = roles(ALL_ROLES)
    permission_classes = [HasRole]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its set-up script comes from its own URL (``?script``), as the
    Content-Security-Policy refuses inline scripts."""

    access = roles(ALL_ROLES)
    permission_classes = [HasRole]


class RedocView(SpectacularRedocView):
    access = roles(ALL_ROLES)
    permission_classes = [HasRole]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who the token or session belongs to, and their roles."""

    access = ANY_USER

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.username,
                    "name": user.get_full_name() or user.username,
                    "email": user.email,
                    "roles": sorted(user_roles(user)),
                }
            ).data
        )
