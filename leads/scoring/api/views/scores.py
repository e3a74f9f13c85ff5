"""A lead's score through the API: its values, model, explanation and 90-day history."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.models import Lead
from leads.scoring.api import serializers
from leads.scoring.api.views.common import INVALID, NOT_FOUND, READ
from leads.scoring.explain import score_explanation, score_history
from leads.scoring.models import (
    HISTORY_DAYS,
)
from leads.selectors import lead_get_for_user

# --- a lead's score ---------------------------------------------------------------------------

SCORE_EXAMPLE = OpenApiExample(
    "A warm lead",
    response_only=True,
    value={
        "fit": 30,
        "engagement": 24,
        "total": 54,
        "temperature": "warm",
        "grade": "B2",
        "scored_at": "2026-05-04T14:02:00Z",
        "model": {"id": 3, "version": 3, "name": "Spring model"},
        "explanation": {
            "model": {"id": 3, "version": 3, "name": "Spring model"},
            "as_of": "2026-05-04T14:02:00Z",
            "fit_rules": [
                {"label": "Rule 1 (seniority is one of)", "condition": "Seniority is one of "
                 "vp, c_level", "group": "role", "matched": True, "points": 20},
                {"label": "Rule 2 (department is one of)", "condition": "Department is one of "
                 "marketing, sales", "group": "role", "matched": True, "points": 15},
                {"label": "Rule 3 (phone is set)", "condition": "Phone is set", "group": None,
                 "matched": False, "points": 0},
            ],
            "fit_groups": [{"name": "role", "cap": 30, "points": 35, "cap_adjustment": -5}],
            "fit": 30,
            "engagement_rules": [
                {"label": "Rule 1 (demo_request)", "condition": "Demo request",
                 "events": 1, "points_per_event": 40, "half_life_days": 90, "undecayed": 40,
                 "decayed": 20.0, "cap_adjustment": 0.0, "contribution": 20.0},
                {"label": "Rule 2 (email_click)", "condition": "E-mail click in the last 90 "
                 "days", "events": 2, "points_per_event": 3, "half_life_days": 14,
                 "undecayed": 6, "decayed": 4.3, "cap_adjustment": 0.0, "contribution": 4.3},
            ],
            "engagement_raw": 24.27,
            "rounding": -0.3,
            "engagement": 24,
            "overall_cap_adjustment": 0,
            "total": 54,
            "temperature": "warm",
            "grade": "B2",
            "matches_stored": True,
        },
    },
)  # fmt: skip


class LeadScoreView(GenericAPIView):
    access = READ

    @extend_schema(
        summary="A lead's score and why",
        description="The stored scores, the model version that wrote them, and each rule's "
        "part as of when they were written: the lines sum exactly to the scores. "
        "`explanation` is null while no model has been activated.",
        responses={200: serializers.LeadScoreOutputSerializer, 404: NOT_FOUND},
        examples=[SCORE_EXAMPLE],
        tags=["scores"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(
            request.user, lead_id, leads=Lead.objects.select_related("scoring_model")
        )
        data = {"lead": lead, "explanation": score_explanation(lead)}
        return Response(serializers.LeadScoreOutputSerializer(data).data)


class LeadScoreHistoryView(GenericAPIView):
    access = READ
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="A lead's score, day by day",
        description=f"One point a day (UTC) for the last `days` days (at most {HISTORY_DAYS}), "
        "oldest first: a day without a change kept the day before's score; null before the "
        "first score.",
        parameters=[
            OpenApiParameter(
                "days", OpenApiTypes.INT, description=f"1 to {HISTORY_DAYS} (default)."
            )
        ],
        responses={
            200: serializers.HistoryPointSerializer(many=True),
            400: INVALID,
            404: NOT_FOUND,
        },
        tags=["scores"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.only("id"))
        raw = request.query_params.get("days", str(HISTORY_DAYS))
        if not raw.isdigit() or not 1 <= int(raw) <= HISTORY_DAYS:
            raise ValidationError({"days": [f"Give a whole number from 1 to {HISTORY_DAYS}."]})
        points = score_history(lead, days=int(raw))
        return Response(serializers.HistoryPointSerializer(points, many=True).data)
