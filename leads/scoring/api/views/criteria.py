"""Qualification criteria and their conditions through the API."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import status
from rest_framework.response import Response

from leads.scoring import editing
from leads.scoring.api import serializers
from leads.scoring.api.views.common import INVALID, NOT_FOUND, ScoringView
from leads.scoring.models import (
    QualificationCondition,
    QualificationCriteria,
)
from smarketing.api.errors import service_errors

# --- qualification criteria ---------------------------------------------------------------------


def _criteria():
    return QualificationCriteria.objects.prefetch_related("conditions")


class CriteriaListView(ScoringView):
    @extend_schema(
        summary="List qualification criteria",
        description="The MQL and SQL definitions, active first, with their conditions.",
        responses={200: serializers.CriteriaOutputSerializer(many=True)},
        tags=["qualification criteria"],
    )
    def get(self, request):
        return Response(serializers.CriteriaOutputSerializer(_criteria(), many=True).data)

    @extend_schema(
        summary="Create qualification criteria",
        description="Admin only. Created active, it retires the active criteria of its kind.",
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
                    "is_active": True,
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
            editing.criteria_save(criteria=criteria, actor=request.user)
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
        summary="Change qualification criteria",
        description="Admin only. Activating retires the active criteria of the same kind.",
        request=serializers.CriteriaInputSerializer(partial=True),
        responses={200: serializers.CriteriaOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def patch(self, request, criteria_id: int):
        criteria = get_object_or_404(QualificationCriteria, pk=criteria_id)
        serializer = serializers.CriteriaInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(criteria, name, value)
        with service_errors():
            editing.criteria_save(criteria=criteria)
        return Response(serializers.CriteriaOutputSerializer(_criteria().get(pk=criteria.pk)).data)

    @extend_schema(
        summary="Delete qualification criteria",
        description="Admin only.",
        responses={204: None, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def delete(self, request, criteria_id: int):
        editing.criteria_delete(criteria=get_object_or_404(QualificationCriteria, pk=criteria_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        summary="Add a condition to MQL criteria",
        description="An attribute condition, with the operators of fit rules. Admin only.",
        request=serializers.ConditionInputSerializer,
        responses={201: serializers.ConditionOutputSerializer, 400: INVALID, 404: NOT_FOUND},
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
        with service_errors():
            editing.criteria_condition_save(condition=condition)
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
        summary="Change a condition of MQL criteria",
        description="Admin only.",
        request=serializers.ConditionInputSerializer(partial=True),
        responses={200: serializers.ConditionOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def patch(self, request, criteria_id: int, condition_id: int):
        condition = self._condition(criteria_id, condition_id)
        serializer = serializers.ConditionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for name, value in serializer.validated_data.items():
            setattr(condition, name, value)
        with service_errors():
            editing.criteria_condition_save(condition=condition)
        return Response(serializers.ConditionOutputSerializer(condition).data)

    @extend_schema(
        summary="Delete a condition of MQL criteria",
        description="Admin only.",
        responses={204: None, 404: NOT_FOUND},
        tags=["qualification criteria"],
    )
    def delete(self, request, criteria_id: int, condition_id: int):
        with service_errors():
            editing.criteria_condition_delete(condition=self._condition(criteria_id, condition_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
