"""Qualification criteria and their conditions through the API, versioned like scoring
models: a draft is edited, then activated now or scheduled; an active set is cloned into a new
draft to be changed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response

from leads.scoring import editing
from leads.scoring.api import serializers
from leads.scoring.api.views.common import (
    INVALID,
    NOT_FOUND,
    ScoringActionView,
    ScoringView,
    not_a_draft,
)
from leads.scoring.api.views.models import SCHEDULED_EXAMPLE
from leads.scoring.models import (
    QualificationCondition,
    QualificationCriteria,
)
from leads.scoring.qualification import criteria_activate, criteria_clone, criteria_unschedule
from smarketing.api.errors import Conflict, ErrorSerializer, service_errors

NOT_A_DRAFT = OpenApiResponse(
    ErrorSerializer,
    description="The set is scheduled, active or archived: only a draft is changed.",
)
NOT_A_DRAFT_EXAMPLE = OpenApiExample(
    "Not a draft",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": {
            "detail": [
                "MQL v2 “Standard MQL” is active: only a draft can be changed. Clone it to make "
                "a new draft."
            ]
        }
    },
)

# --- qualification criteria ---------------------------------------------------------------------


def _criteria():
    return QualificationCriteria.objects.prefetch_related("conditions")


class CriteriaListView(ScoringView):
    @extend_schema(
        summary="List qualification criteria",
        description="Every version of the MQL and SQL definitions, by kind, newest first, with "
        "their conditions. One of each kind is `active`.",
        responses={200: serializers.CriteriaOutputSerializer(many=True)},
        tags=["qualification criteria"],
    )
    def get(self, request):
        return Response(serializers.CriteriaOutputSerializer(_criteria(), many=True).data)

    @extend_schema(
        summary="Create qualification criteria",
        description="A draft, numbered after every version of its kind: add conditions, then "
        "activate it (or schedule it). To start from the active set, clone that instead. "
        "Admin only.",
        request=serializers.CriteriaInputSerializer,
        responses={201: serializers.CriteriaOutputSerializer, 400: INVALID},
        examples=[
            OpenApiExample(
                "An MQL definition",
                request_only=True,
                value={
                    "kind": "mql",
                    "name": "Engaged fit",
                    "match": "all",
                    "min_total": 60,
                    "min_fit": 20,
                },
            ),
        ],  # fmt: skip
        tags=["qualification criteria"],
    )
    def post(self, request):
        serializer = serializers.CriteriaInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criteria = QualificationCriteria(**serializer.validated_data)
        with service_errors():
            editing.criteria_draft_save(criteria=criteria, actor=request.user)
        return Response(
            serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class CriteriaDetailView(ScoringView):
    @extend_schema(
        summary="Get qualification criteria",
        responses={200: serializers.CriteriaOutputSerializer, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def get(self, request, criteria_id: int):
        criteria = get_object_or_404(_criteria(), pk=criteria_id)
        return Response(serializers.CriteriaOutputSerializer(criteria).data)

    @extend_schema(
        summary="Change draft criteria",
        description="Admin only. A set keeps its kind. Scheduled, active and archived sets are "
        "kept as they are (409): clone the active set to change it.",
        request=serializers.CriteriaInputSerializer(partial=True),
        responses={
            200: serializers.CriteriaOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[NOT_A_DRAFT_EXAMPLE],
        tags=["qualification criteria"],
    )
    def patch(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        serializer = serializers.CriteriaInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(criteria, name, value)
        try:
            with service_errors():
                editing.criteria_draft_save(criteria=criteria)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data)

    @extend_schema(
        summary="Delete draft criteria",
        description="Admin only. Active and archived sets explain past transitions: they are "
        "kept (409).",
        responses={204: None, 404: NOT_FOUND, 409: NOT_A_DRAFT},
        tags=["qualification criteria"],
    )
    def delete(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        try:
            editing.criteria_delete(criteria=criteria)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(status=status.HTTP_204_NO_CONTENT)


class CriteriaCloneView(ScoringActionView):
    @extend_schema(
        summary="Clone criteria into a new draft",
        description="Copies the set with its conditions, numbered as the next version of its "
        "kind: how the active definition is changed. Admin only.",
        request=None,
        responses={201: serializers.CriteriaOutputSerializer, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def post(self, request, criteria_id: int):
        criteria = get_object_or_404(_criteria(), pk=criteria_id)
        copy = criteria_clone(criteria=criteria, actor=request.user)
        return Response(
            serializers.CriteriaOutputSerializer(_criteria().get(pk=copy.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class CriteriaActivateView(ScoringActionView):
    @extend_schema(
        summary="Activate draft criteria now",
        description="Archives the active set of its kind and activates this draft (or a "
        "scheduled set, ahead of its moment), recording who and when; every MQL and SQL count "
        "shows the new definition. A set that could never qualify anyone answers 400. "
        "Admin only.",
        request=None,
        responses={
            200: serializers.CriteriaOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[NOT_A_DRAFT_EXAMPLE],
        tags=["qualification criteria"],
    )
    def post(self, request, criteria_id: int):
        criteria = get_object_or_404(_criteria(), pk=criteria_id)
        if not criteria.can_be_activated:
            raise not_a_draft(editing.draft_refusal(criteria))
        with service_errors():
            criteria_activate(criteria=criteria, actor=request.user)
        return Response(serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data)


class CriteriaScheduleView(ScoringActionView):
    @extend_schema(
        summary="Schedule the activation of draft criteria",
        description="The draft is activated at `at` (within a minute of it), archiving the "
        "active set of its kind then. Until then it is `scheduled` and read-only (changes "
        "answer 409); unschedule it to edit it again. Admin only.",
        request=serializers.ScheduleInputSerializer,
        responses={
            200: serializers.CriteriaOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[SCHEDULED_EXAMPLE, NOT_A_DRAFT_EXAMPLE],
        tags=["qualification criteria"],
    )
    def post(self, request, criteria_id: int):
        criteria = get_object_or_404(_criteria(), pk=criteria_id)
        serializer = serializers.ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not criteria.is_editable:
            raise not_a_draft(editing.draft_refusal(criteria))
        with service_errors():
            criteria_activate(
                criteria=criteria, actor=request.user, at=serializer.validated_data["at"]
            )
        return Response(serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data)

    @extend_schema(
        summary="Unschedule criteria",
        description="A scheduled set becomes a draft again, to be edited. Admin only.",
        request=None,
        responses={
            200: serializers.CriteriaOutputSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="The set is not scheduled."),
        },
        tags=["qualification criteria"],
    )
    def delete(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        try:
            criteria_unschedule(criteria=criteria)
        except ValidationError as refusal:
            raise Conflict({"detail": refusal.messages}) from refusal
        return Response(serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data)


class ConditionListView(ScoringView):
    @extend_schema(
        summary="List the conditions of MQL criteria",
        responses={200: serializers.ConditionOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def get(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        conditions = criteria.conditions.all()
        return Response(serializers.ConditionOutputSerializer(conditions, many=True).data)

    @extend_schema(
        summary="Add a condition to draft MQL criteria",
        description="An attribute condition, with the operators of fit rules. Admin only.",
        request=serializers.ConditionInputSerializer,
        responses={
            201: serializers.ConditionOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        examples=[
            OpenApiExample(
                "Mid-size companies",
                request_only=True,
                value={
                    "attribute": "company.employee_count",
                    "operator": "between",
                    "value": [50, 5000],
                    "position": 1,
                },
            ),
        ],  # fmt: skip
        tags=["qualification criteria"],
    )
    def post(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        serializer = serializers.ConditionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        condition = QualificationCondition(criteria=criteria, **serializer.validated_data)
        try:
            with service_errors():
                editing.criteria_condition_save(condition=condition)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(
            serializers.ConditionOutputSerializer(condition).data, status=status.HTTP_201_CREATED
        )


class ConditionDetailView(ScoringView):
    def _condition(self, criteria_id: int, condition_id: int) -> QualificationCondition:
        return get_object_or_404(
            QualificationCondition.objects.select_related("criteria"),
            criteria_id=criteria_id,
            pk=condition_id,
        )

    @extend_schema(
        summary="Get a condition of MQL criteria",
        responses={200: serializers.ConditionOutputSerializer, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def get(self, request, criteria_id: int, condition_id: int):
        condition = self._condition(criteria_id, condition_id)
        return Response(serializers.ConditionOutputSerializer(condition).data)

    @extend_schema(
        summary="Change a condition of draft MQL criteria",
        description="Admin only.",
        request=serializers.ConditionInputSerializer(partial=True),
        responses={
            200: serializers.ConditionOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: NOT_A_DRAFT,
        },
        tags=["qualification criteria"],
    )
    def patch(self, request, criteria_id: int, condition_id: int):
        condition = self._condition(criteria_id, condition_id)
        serializer = serializers.ConditionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(condition, name, value)
        try:
            with service_errors():
                editing.criteria_condition_save(condition=condition)
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(serializers.ConditionOutputSerializer(condition).data)

    @extend_schema(
        summary="Delete a condition of draft MQL criteria",
        description="Admin only.",
        responses={204: None, 404: NOT_FOUND, 409: NOT_A_DRAFT},
        tags=["qualification criteria"],
    )
    def delete(self, request, criteria_id: int, condition_id: int):
        try:
            editing.criteria_condition_delete(condition=self._condition(criteria_id, condition_id))
        except editing.NotADraft as refusal:
            raise not_a_draft(refusal) from refusal
        return Response(status=status.HTTP_204_NO_CONTENT)
