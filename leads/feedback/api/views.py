"""API of sales feedback: the reason codes, each decision, and the decisions grouped."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api.views.common import INVALID, READ
from leads.feedback import selectors
from leads.feedback.api import serializers
from leads.models import Channel, RejectionReason, StageTransition
from smarketing.api.pagination import KeysetPagination

TAGS = ["feedback"]
# Without ``since``, the decisions of this many days.
DEFAULT_DAYS = 90


class RejectionReasonListView(GenericAPIView):
    access = READ
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Rejection reasons",
        description="The reason codes a rejection gives, in the admins' order; a retired one "
        "(`active: false`) is kept for the rejections that gave it.",
        responses={200: serializers.RejectionReasonSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        reasons = RejectionReason.objects.all()
        return Response(serializers.RejectionReasonSerializer(reasons, many=True).data)


class DecisionFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    verdict = django_filters.ChoiceFilter(
        choices=[("accepted", "Accepted"), ("rejected", "Rejected")], method="verdict_filter"
    )
    reason = django_filters.CharFilter(field_name="rejection_reason__code")
    source = django_filters.ChoiceFilter(field_name="lead__original_channel",
                                         choices=Channel.choices)  # fmt: skip
    campaign = django_filters.NumberFilter(field_name="lead__campaign_id")
    persona = django_filters.NumberFilter(field_name="lead__persona_id")
    lead = django_filters.NumberFilter(field_name="lead_id")

    class Meta:
        model = StageTransition
        fields = ["since", "until", "verdict", "reason", "source", "campaign", "persona", "lead"]

    def verdict_filter(self, queryset, name, value):
        return queryset.filter(selectors.ACCEPTED if value == "accepted" else selectors.REJECTED)


class DecisionListView(GenericAPIView):
    access = READ
    filter_backends = [DjangoFilterBackend]
    filterset_class = DecisionFilter
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-at", "-id")}
    queryset = StageTransition.objects.none()

    @extend_schema(
        summary="Sales' decisions",
        description="Each MQL accepted and each lead rejected with a reason code, newest "
        "first; filter by period (without `since`, the last 90 days), verdict, reason code, "
        "and the lead's source, campaign or persona.",
        responses={200: serializers.DecisionSerializer(many=True), 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        decisions = StageTransition.objects.filter(
            selectors.ACCEPTED | selectors.REJECTED
        ).select_related("actor", "rejection_reason")
        if "since" not in request.query_params:
            decisions = decisions.filter(at__gte=timezone.now() - timedelta(days=DEFAULT_DAYS))
        page = self.paginate_queryset(self.filter_queryset(decisions))
        return self.get_paginated_response(serializers.DecisionSerializer(page, many=True).data)


class FeedbackSummaryView(GenericAPIView):
    access = READ
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Sales' decisions grouped",
        description="The decisions of the last `days` days (30 by default, at most 730) by "
        "source, campaign or persona: accepted, rejected and the reasons; the figures of the "
        "sales feedback page.",
        parameters=[
            OpenApiParameter("by", OpenApiTypes.STR, enum=list(selectors.GROUPS)),
            OpenApiParameter("days", OpenApiTypes.INT),
        ],
        responses={200: serializers.FeedbackSummarySerializer, 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        by = request.query_params.get("by", "source")
        if by not in selectors.GROUPS:
            raise ValidationError({"by": [f"Group by one of: {', '.join(selectors.GROUPS)}."]})
        days = request.query_params.get("days", "30")
        if not days.isdigit() or not 1 <= int(days) <= 730:
            raise ValidationError({"days": ["Give a whole number of days from 1 to 730."]})
        since = timezone.now() - timedelta(days=int(days))
        feedback = selectors.feedback_by(by, since=since)
        data = {
            "by": by,
            "since": since,
            "decided": feedback.decided,
            "reasons": dict(feedback.reasons),
            "groups": [
                {
                    "name": group.name,
                    "decided": group.decided,
                    "accepted": group.accepted,
                    "rejected": group.rejected,
                    "accepted_percent": group.accepted_percent,
                    "reasons": dict(group.reasons),
                }
                for group in feedback.groups
            ],
        }
        return Response(serializers.FeedbackSummarySerializer(data).data)
