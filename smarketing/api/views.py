from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.access import ANY_USER, HasRole, public, roles
from smarketing.api.errors import json_error
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


@public
@csrf_exempt  # It changes nothing, and a POST must get this 404, not the CSRF page.
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other URL under /api/, whatever the method: the API's 404 (also with DEBUG on,
    where Django would answer its HTML page), naming the URL meant when only the final
    slash is missing (Django would redirect, which loses a POST's body)."""
    if not request.path.endswith("/"):
        try:
            meant = resolve(request.path + "/")
        except Resolver404:
            meant = None
        if meant is not None and meant.func is not not_found:
            return json_error(404, f"Not found. Did you mean {request.path}/ ?")
    return json_error(404, "Not found.")
