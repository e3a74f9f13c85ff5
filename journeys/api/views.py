"""API views of the journeys app: the journey stages with their diagnostic questions (read;
the questions editable), the journey mapping (which lifecycle stages and event types place a
lead in each stage) and the content library (create, read, update, delete, filtered).

Reads are open to every role; writes to marketing and admins, through ``journeys.services``
like the pages and the admin.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from journeys.api import serializers
from journeys.filters import ContentAssetFilter
from journeys.models import ContentAsset, JourneyQuestion, JourneyStage
from journeys.selectors import content_assets, stages_with_questions
from journeys.services import (
    content_asset_create,
    content_asset_delete,
    content_asset_update,
    journey_question_delete,
    journey_question_save,
    journey_stage_mapping_save,
)
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import ErrorSerializer, service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.api.parsers import JSONParser, MultiPartParser
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

READ = roles(ALL_ROLES)
EDIT = roles(MARKETING_ROLES, Role.ADMIN)
INVALID = OpenApiResponse(ErrorSerializer, description="Field errors.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such stage, question or asset.")

MAPPING_TAGS = ["journey mapping"]
STAGE_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such journey stage.")


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
        tags=MAPPING_TAGS,
    )
    def get(self, request):
        stages = JourneyStage.objects.order_by("position")
        return Response(serializers.JourneyMappingOutputSerializer(stages, many=True).data)


class JourneyMappingDetailView(MappingView):
    @extend_schema(
        summary="Get a journey stage's mapping",
        responses={200: serializers.JourneyMappingOutputSerializer, 404: STAGE_NOT_FOUND},
        tags=MAPPING_TAGS,
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
            404: STAGE_NOT_FOUND,
        },
        tags=MAPPING_TAGS,
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


class JourneyStageListView(GenericAPIView):
    filter_backends: list = []
    access = READ
    pagination_class = None

    @extend_schema(
        summary="The journey stages with their diagnostic questions",
        responses={200: serializers.JourneyStageOutputSerializer(many=True)},
        tags=["journey"],
    )
    def get(self, request):
        stages = stages_with_questions()
        return Response(serializers.JourneyStageOutputSerializer(stages, many=True).data)


class JourneyQuestionListView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = EDIT
    pagination_class = None

    @extend_schema(
        summary="Every diagnostic question, by stage and order",
        responses={200: serializers.JourneyQuestionOutputSerializer(many=True)},
        tags=["journey"],
    )
    def get(self, request):
        questions = JourneyQuestion.objects.select_related("stage")
        return Response(serializers.JourneyQuestionOutputSerializer(questions, many=True).data)

    @extend_schema(
        summary="Add a diagnostic question",
        description="For marketing and admins.",
        request=serializers.JourneyQuestionInputSerializer,
        responses={201: serializers.JourneyQuestionOutputSerializer, 400: INVALID},
        examples=[
            OpenApiExample(
                "A question",
                request_only=True,
                value={"stage": "decision", "text": "Who else signs off on the purchase?"},
            )
        ],
        tags=["journey"],
    )
    def post(self, request):
        serializer = serializers.JourneyQuestionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            question = journey_question_save(**serializer.validated_data)
        return Response(
            serializers.JourneyQuestionOutputSerializer(question).data,
            status=status.HTTP_201_CREATED,
        )


class JourneyQuestionDetailView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = EDIT

    def _question(self, question_id: int) -> JourneyQuestion:
        return get_object_or_404(JourneyQuestion.objects.select_related("stage"), pk=question_id)

    @extend_schema(
        summary="A diagnostic question",
        responses={200: serializers.JourneyQuestionOutputSerializer, 404: NOT_FOUND},
        tags=["journey"],
    )
    def get(self, request, question_id: int):
        return Response(
            serializers.JourneyQuestionOutputSerializer(self._question(question_id)).data
        )

    @extend_schema(
        summary="Change a question's text, order or stage",
        request=serializers.JourneyQuestionInputSerializer(partial=True),
        responses={200: serializers.JourneyQuestionOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["journey"],
    )
    def patch(self, request, question_id: int):
        question = self._question(question_id)
        serializer = serializers.JourneyQuestionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            journey_question_save(
                question=question,
                stage=data.get("stage", question.stage),
                text=data.get("text", question.text),
                position=data.get("position", question.position),
            )
        return Response(serializers.JourneyQuestionOutputSerializer(question).data)

    @extend_schema(
        summary="Delete a question",
        responses={204: None, 404: NOT_FOUND},
        tags=["journey"],
    )
    def delete(self, request, question_id: int):
        journey_question_delete(question=self._question(question_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContentAssetListView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = EDIT
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContentAssetFilter
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-id",), "title": ("title", "id")}
    parser_classes = [JSONParser, MultiPartParser]
    queryset = ContentAsset.objects.none()

    @extend_schema(
        summary="The content library",
        description="Filter by search text (`q`, in the title and summary), `kind`, `stage` "
        "(a stage's key), `persona` (an id) and `status`.",
        responses={200: serializers.ContentAssetOutputSerializer(many=True), 400: INVALID},
        tags=["content"],
    )
    def get(self, request):
        assets = self.filter_queryset(content_assets())
        page = self.paginate_queryset(assets)
        return self.get_paginated_response(
            serializers.ContentAssetOutputSerializer(
                page, many=True, context={"request": request}
            ).data
        )

    @extend_schema(
        summary="Add a content asset",
        description="For marketing and admins. Give a `link`, or upload a `file` as "
        "multipart/form-data; a file is checked by its content and size. Owned by the caller "
        "unless `owner` says otherwise.",
        request=serializers.ContentAssetInputSerializer,
        responses={201: serializers.ContentAssetOutputSerializer, 400: INVALID},
        examples=[
            OpenApiExample(
                "A battle card behind a link",
                request_only=True,
                value={
                    "title": "Battle card: us vs. Spreadsheets",
                    "kind": "battle_card",
                    "status": "live",
                    "stages": ["decision"],
                    "link": "https://docs.example.com/battle-cards/spreadsheets",
                },
            )
        ],  # fmt: skip
        tags=["content"],
    )
    def post(self, request):
        serializer = serializers.ContentAssetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            asset = content_asset_create(by=request.user, **serializer.validated_data)
        output = serializers.ContentAssetOutputSerializer(asset, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ContentAssetDetailView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = EDIT
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="A content asset",
        responses={200: serializers.ContentAssetOutputSerializer, 404: NOT_FOUND},
        tags=["content"],
    )
    def get(self, request, asset_id: int):
        asset = get_object_or_404(content_assets(), pk=asset_id)
        return Response(
            serializers.ContentAssetOutputSerializer(asset, context={"request": request}).data
        )

    @extend_schema(
        summary="Change a content asset",
        description="The fields given are changed; `stages` and `personas`, when given, replace "
        "the asset's.",
        request=serializers.ContentAssetInputSerializer(partial=True),
        responses={200: serializers.ContentAssetOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["content"],
    )
    def patch(self, request, asset_id: int):
        asset = get_object_or_404(ContentAsset, pk=asset_id)
        serializer = serializers.ContentAssetInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            content_asset_update(asset=asset, **serializer.validated_data)
        asset = content_assets().get(pk=asset.pk)
        return Response(
            serializers.ContentAssetOutputSerializer(asset, context={"request": request}).data
        )

    @extend_schema(
        summary="Delete a content asset",
        description="Only an asset never sent to a lead; retire the others (400 says so).",
        responses={204: None, 400: INVALID, 404: NOT_FOUND},
        tags=["content"],
    )
    def delete(self, request, asset_id: int):
        asset = get_object_or_404(ContentAsset, pk=asset_id)
        with service_errors():
            content_asset_delete(asset=asset)
        return Response(status=status.HTTP_204_NO_CONTENT)
