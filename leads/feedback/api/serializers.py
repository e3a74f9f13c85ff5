"""Serializers of the sales feedback API."""

from __future__ import annotations

from rest_framework import serializers

from leads.api.serializers.common import UserSummarySerializer
from leads.models import RejectionReason, Stage, StageTransition


class RejectionReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = RejectionReason
        fields = ("code", "label", "description", "note_required", "active", "position")


class DecisionSerializer(serializers.ModelSerializer):
    """One decision: the transition that made it, read as feedback."""

    transition = serializers.IntegerField(source="id", read_only=True)
    lead = serializers.IntegerField(source="lead_id", read_only=True)
    verdict = serializers.SerializerMethodField(help_text="accepted or rejected.")
    outcome = serializers.CharField(source="to_stage", read_only=True, help_text="sal, "
                                    "recycled or disqualified.")  # fmt: skip
    rejection_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    note = serializers.CharField(source="reason", read_only=True)
    by = UserSummarySerializer(source="actor", read_only=True, allow_null=True)

    class Meta:
        model = StageTransition
        fields = ("transition", "lead", "verdict", "outcome", "rejection_reason", "note", "by",
                  "at")  # fmt: skip

    def get_verdict(self, transition: StageTransition) -> str:
        return "accepted" if transition.to_stage == Stage.SAL else "rejected"


class FeedbackGroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    decided = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    accepted_percent = serializers.IntegerField(allow_null=True)
    reasons = serializers.DictField(child=serializers.IntegerField(), help_text="Rejections "
                                    "by reason label.")  # fmt: skip


class FeedbackSummarySerializer(serializers.Serializer):
    by = serializers.CharField()
    since = serializers.DateTimeField()
    decided = serializers.IntegerField()
    reasons = serializers.DictField(child=serializers.IntegerField())
    groups = FeedbackGroupSerializer(many=True)
