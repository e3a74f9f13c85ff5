"""API views of the journeys app: the journey mapping (which lifecycle stages and event types
place a lead in each stage), read by every role and changed by marketing and the admin
through the same service as the admin."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from journeys.api import serializers
from journeys.models import JourneyStage
from journeys.services import journey_stage_mapping_save
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import ErrorSerializer, service_errors
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

TAGS = ["journey mapping"]
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such journey stage.")


class MappingView(WriteAccessMixin, GenericAPIView):
    access = roles(ALL_ROLES)
    write_access = roles(MARKETING_ROLES | {Role.ADMIN})
    filter_backends: list = []
    pagination_class = None


class JourneyMappingListView(MappingView):
    @extend_schema(
        summary="List the journey mapping",
        description="The five journey stages in order, each with the lifecycle stages and "
        "event types that place a lead in it. A lead stands in the furthest stage its "
        "lifecycle stage or one of its events within the stage's window maps to.",
        responses={200: serializers.JourneyMappingOutputSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        stages = JourneyStage.objects.order_by("position")
        return Response(serializers.JourneyMappingOutputSerializer(stages, many=True).data)


class JourneyMappingDetailView(MappingView):
    @extend_schema(
        summary="Get a journey stage's mapping",
        responses={200: serializers.JourneyMappingOutputSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, stage_id: int):
        stage = get_object_or_404(JourneyStage, pk=stage_id)
        return Response(serializers.JourneyMappingOutputSerializer(stage).data)

    @extend_schema(
        summary="Change a journey stage's mapping",
        description="The fields given replace the current ones; every lead is matched again. "
        "A lifecycle stage or event type maps to one journey stage only.",
        request=serializers.JourneyMappingInputSerializer(partial=True),
        responses={
            200: serializers.JourneyMappingOutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Field errors."),
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    def patch(self, request, stage_id: int):
        stage = get_object_or_404(JourneyStage, pk=stage_id)
        serializer = serializers.JourneyMappingInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "lifecycle_stages": stage.lifecycle_stages,
            "event_types": stage.event_types,
            "event_window_days": stage.event_window_days,
        }
        with service_errors():
            journey_stage_mapping_save(stage=stage, **{**current, **serializer.validated_data})
        return Response(serializers.JourneyMappingOutputSerializer(stage).data)
