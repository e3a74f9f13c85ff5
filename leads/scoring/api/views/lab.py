"""The scoring lab's suggestions through the API: learn them from closed history for the active
model, read them, and apply the chosen ones to a new draft (the same services as the lab page).
Admin only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.scoring.api import serializers
from leads.scoring.api.views.common import ADMIN, INVALID, NOT_FOUND
from leads.scoring.lab import lab_run_start, lab_suggestions_apply
from leads.scoring.models import LabRun, ScoringModel
from smarketing.api.errors import Conflict, service_errors

__all__ = ["SuggestionsApplyView", "SuggestionsDetailView", "SuggestionsListView"]


def _runs():
    return LabRun.objects.filter(kind=LabRun.Kind.SUGGESTIONS).select_related("model")


class SuggestionsListView(GenericAPIView):
    access = ADMIN
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Learn suggestions from closed history",
        description="Fits the active model's rules to the outcomes of the MQLs of "
        "[fit_from, split) and checks the suggestions on those of [split, later_to], in a "
        "worker; answers 202 with the run, which `GET /api/scoring/suggestions/{id}/` reads "
        "until it is done. 409 when no model is active.",
        request=serializers.SuggestionsInputSerializer,
        responses={202: serializers.SuggestionsRunOutputSerializer, 400: INVALID},
        tags=["scoring lab"],
    )
    def post(self, request):
        given = serializers.SuggestionsInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        model = ScoringModel.objects.active().first()
        if model is None:
            raise Conflict({"detail": ["No scoring model is active: there is nothing to learn."]})
        with service_errors():
            run = lab_run_start(
                model=model, kind=LabRun.Kind.SUGGESTIONS, actor=request.user,
                parameters=given.validated_data,
            )  # fmt: skip
        return Response(
            serializers.SuggestionsRunOutputSerializer(_runs().get(pk=run.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )


class SuggestionsDetailView(GenericAPIView):
    access = ADMIN
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Get a suggestions run",
        responses={200: serializers.SuggestionsRunOutputSerializer, 404: NOT_FOUND},
        tags=["scoring lab"],
    )
    def get(self, request, run_id: int):
        run = get_object_or_404(_runs(), pk=run_id)
        return Response(serializers.SuggestionsRunOutputSerializer(run).data)


class SuggestionsApplyView(GenericAPIView):
    access = ADMIN
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Apply suggestions to a new draft",
        description="A new draft of the run's model with exactly the chosen suggestions "
        "(by `key`); its backtest is then held to leads created after the fitting period. "
        "400 for an unknown key, two suggestions on one rule, or a run not done.",
        request=serializers.SuggestionsApplyInputSerializer,
        responses={201: serializers.ScoringModelSummarySerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["scoring lab"],
    )
    def post(self, request, run_id: int):
        run = get_object_or_404(_runs(), pk=run_id)
        given = serializers.SuggestionsApplyInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors():
            draft = lab_suggestions_apply(
                run=run, chosen=given.validated_data["chosen"], actor=request.user
            )
        return Response(
            serializers.ScoringModelSummarySerializer(draft).data, status=status.HTTP_201_CREATED
        )
