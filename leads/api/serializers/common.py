"""Pieces the API serializers of the leads app share: choice sets named once in the schema,
and the summaries of a user and a company nested in other shapes."""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Channel, Stage

# A lead created through the API starts here; later moves go through the lifecycle.
ENTRY_STAGES = (Stage.SUBSCRIBER, Stage.LEAD)

# --- choice sets named once in the schema ------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": Stage.values, "description": "A lifecycle stage."},
    component_name="LifecycleStage",
)
class StageField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Stage.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ["", *Channel.values],
        "description": "A marketing channel (empty: not known).",
    },
    component_name="SourceChannel",
)
class ChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Channel.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": [Stage.SUBSCRIBER.value, Stage.LEAD.value],
        "description": "Where a new lead enters the funnel.",
    },
    component_name="EntryStage",
)
class EntryStageField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=[(stage.value, stage.label) for stage in ENTRY_STAGES], **kwargs)


# --- shared output pieces ----------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class CompanySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    domain = serializers.CharField(read_only=True)
