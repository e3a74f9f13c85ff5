"""API serializers of what happens around a lead: sales touches, notes and the timeline."""

from __future__ import annotations

from rest_framework import serializers

from leads.api.serializers.common import UserSummarySerializer
from leads.api.serializers.events import EventOutputSerializer
from leads.api.serializers.leads import TransitionOutputSerializer
from leads.models import TouchKind, TouchOutcome
from leads.services import NOTE_MAX_LENGTH

# --- touches and notes -------------------------------------------------------------------------


class TouchInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TouchKind.choices)
    outcome = serializers.ChoiceField(choices=TouchOutcome.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened; default now.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TouchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = UserSummarySerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_LENGTH)


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


# --- timeline ----------------------------------------------------------------------------------


class TimelineItemOutputSerializer(serializers.Serializer):
    """One entry of a lead's history; the object named by ``kind`` is set, the others null."""

    kind = serializers.ChoiceField(choices=["event", "transition", "touch", "note"], read_only=True)
    at = serializers.DateTimeField(read_only=True)
    event = EventOutputSerializer(read_only=True, allow_null=True)
    transition = TransitionOutputSerializer(read_only=True, allow_null=True)
    touch = TouchOutputSerializer(read_only=True, allow_null=True)
    note = NoteOutputSerializer(read_only=True, allow_null=True)
