"""API serializers of leads: their shape, their input, and stage changes."""

from __future__ import annotations

from rest_framework import serializers

from leads.api.serializers.common import (
    ChannelField,
    CompanySummarySerializer,
    EntryStageField,
    StageField,
    UserSummarySerializer,
)
from leads.api.serializers.companies import CompanyReferenceField
from leads.models import Lead, RejectionReason, Stage
from leads.permissions import owner_candidates
from leads.services import LEAD_EDITABLE_FIELDS


class LeadScoresSerializer(serializers.Serializer):
    fit = serializers.IntegerField(source="fit_score", read_only=True)
    engagement = serializers.IntegerField(source="engagement_score", read_only=True)
    total = serializers.IntegerField(source="total_score", read_only=True)
    temperature = serializers.CharField(read_only=True)
    grade = serializers.CharField(read_only=True)
    scored_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SqlChecklistSerializer(serializers.Serializer):
    budget = serializers.BooleanField(read_only=True)
    authority = serializers.BooleanField(read_only=True)
    need = serializers.BooleanField(read_only=True)
    timeline = serializers.BooleanField(read_only=True)


class OriginalSourceSerializer(serializers.Serializer):
    channel = serializers.CharField(source="original_channel", read_only=True)
    utm_source = serializers.CharField(source="original_utm_source", read_only=True)
    utm_medium = serializers.CharField(source="original_utm_medium", read_only=True)
    utm_campaign = serializers.CharField(source="original_utm_campaign", read_only=True)


class LatestSourceSerializer(serializers.Serializer):
    channel = serializers.CharField(source="latest_channel", read_only=True)
    utm_source = serializers.CharField(source="latest_utm_source", read_only=True)
    utm_medium = serializers.CharField(source="latest_utm_medium", read_only=True)
    utm_campaign = serializers.CharField(source="latest_utm_campaign", read_only=True)


class LeadSourcesSerializer(serializers.Serializer):
    original = OriginalSourceSerializer(source="*", read_only=True)
    latest = LatestSourceSerializer(source="*", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)


class LeadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    job_title = serializers.CharField(read_only=True)
    seniority = serializers.CharField(read_only=True)
    department = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    lead_status = serializers.CharField(read_only=True)
    company = CompanySummarySerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    stage = StageField(read_only=True)
    stage_changed_at = serializers.DateTimeField(read_only=True)
    scores = LeadScoresSerializer(source="*", read_only=True)
    sql_checklist = SqlChecklistSerializer(read_only=True)
    sources = LeadSourcesSerializer(source="*", read_only=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    journey_stage = serializers.IntegerField(
        source="journey_stage_id", read_only=True, allow_null=True
    )
    consent = serializers.CharField(read_only=True)
    consent_source = serializers.CharField(read_only=True)
    consent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    unsubscribed = serializers.BooleanField(read_only=True)
    erased_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class LeadUpdateInputSerializer(serializers.ModelSerializer):
    """Profile fields of a lead, as ``lead_update`` takes them (not its stage, not its scores)."""

    company = CompanyReferenceField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=owner_candidates(),
        required=False,
        allow_null=True,
        help_text="A sales user's id, or null to unassign. Who may set it: see the operation.",
        error_messages={"does_not_exist": "No active sales user has the id {pk_value}."},
    )
    original_channel = ChannelField(required=False, allow_blank=True)
    latest_channel = ChannelField(required=False, allow_blank=True)

    class Meta:
        model = Lead
        fields = LEAD_EDITABLE_FIELDS


class LeadCreateInputSerializer(LeadUpdateInputSerializer):
    email = serializers.EmailField(
        max_length=254, help_text="Unique, compared case-insensitively; stored lower-cased."
    )
    stage = EntryStageField(
        default=Stage.LEAD.value,
        help_text="Where the lead enters the funnel; later moves go through the stage endpoint.",
    )

    class Meta(LeadUpdateInputSerializer.Meta):
        fields = ("email", "stage", *LEAD_EDITABLE_FIELDS)


# --- stage changes -----------------------------------------------------------------------------


class StageChangeInputSerializer(serializers.Serializer):
    stage = StageField(help_text="The stage to move to.")
    rejection_reason = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RejectionReason.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Required to recycle or disqualify: the code of one of the active rejection "
        "reasons (`/api/rejection-reasons/`).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to move backwards; with a rejection reason, its note (required "
        "when the reason asks for one).",
    )
    expected_stage = StageField(
        required=False,
        help_text="The stage you saw; if the lead has moved since, the move is refused (409).",
    )


class TransitionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    from_stage = serializers.CharField(read_only=True)
    to_stage = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    rule = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    rejection_reason = serializers.CharField(
        source="rejection_reason.code", read_only=True, allow_null=True,
        help_text="Its reason code, if any.",
    )  # fmt: skip
    scores = serializers.DictField(read_only=True, help_text="The lead's scores at the move.")


class StageChangeOutputSerializer(serializers.Serializer):
    lead = LeadOutputSerializer(read_only=True)
    transition = TransitionOutputSerializer(read_only=True)
