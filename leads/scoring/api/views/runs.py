"""Rescores of every lead through the API: their progress, and a manual rescore."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.scoring.api import serializers
from leads.scoring.api.views.common import ADMIN, NOT_FOUND, READ
from leads.scoring.models import ScoringRun
from leads.scoring.runs import RescoreRefused, scoring_rescore_start
from smarketing.access import WriteAccessMixin
from smarketing.api.errors import Conflict, ErrorSerializer
from smarketing.api.pagination import KeysetPagination

__all__ = ["ScoringRunDetailView", "ScoringRunListView"]


def _runs():
    return ScoringRun.objects.select_related("model", "started_by")


REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="No model is active, or a rescore of every lead is under way already.",
)
REFUSED_EXAMPLE = OpenApiExample(
    "A rescore under way",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": {
            "detail": [
                "A rescore of every lead is already under way (run 12: activation of v4, 40 % "
                "done): start another once it has finished."
            ]
        }
    },
)


class ScoringRunListView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = ADMIN
    filter_backends: list = []
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-created_at", "-id")}

    @extend_schema(
        summary="List rescores",
        description="Every rescore of every lead, newest first: on activation, nightly, and "
        "manual ones, each with its progress.",
        responses={200: serializers.ScoringRunOutputSerializer(many=True)},
        tags=["rescores"],
    )
    def get(self, request):
        runs = self.paginate_queryset(_runs())
        return self.get_paginated_response(
            serializers.ScoringRunOutputSerializer(runs, many=True).data
        )

    @extend_schema(
        summary="Rescore every lead now",
        description="Scores every lead again with the active model, as of now, in committed "
        "chunks; answers 202 with the run, whose progress `GET /api/scoring/runs/{id}/` tells. "
        "Refused (409) when no model is active, and while a rescore of every lead with the "
        "active model is under way: a second one would only repeat it, so start it once the "
        "first has finished. Admin only.",
        request=None,
        responses={202: serializers.ScoringRunOutputSerializer, 409: REFUSED},
        examples=[REFUSED_EXAMPLE],
        tags=["rescores"],
    )
    def post(self, request):
        try:
            run = scoring_rescore_start(actor=request.user)
        except RescoreRefused as refusal:
            raise Conflict({"detail": [str(refusal)]}) from refusal
        return Response(
            serializers.ScoringRunOutputSerializer(_runs().get(pk=run.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )


class ScoringRunDetailView(GenericAPIView):
    access = READ
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Get a rescore's progress",
        description="Its status (queued, running, done, failed), percent, leads done of the "
        "total, leads written and moved to MQL, when it started and finished, and why it "
        "stopped if it failed. Poll it until `status` is done or failed.",
        responses={200: serializers.ScoringRunOutputSerializer, 404: NOT_FOUND},
        tags=["rescores"],
    )
    def get(self, request, run_id: int):
        run = get_object_or_404(_runs(), pk=run_id)
        return Response(serializers.ScoringRunOutputSerializer(run).data)
