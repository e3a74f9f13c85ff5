"""API serializers of the journeys app. Input serializers check types only; the keys are
checked by the service that saves them (``journeys.services.journey_stage_mapping_checked``)."""

from __future__ import annotations

from rest_framework import serializers


class JourneyMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    lifecycle_stages = serializers.ListField(child=serializers.CharField(), read_only=True)
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    event_window_days = serializers.IntegerField(read_only=True)


class JourneyMappingInputSerializer(serializers.Serializer):
    lifecycle_stages = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=20,
        help_text="Lifecycle stage keys that place a lead in this stage (mql, customer, …).",
    )
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=40,
        help_text="Event type keys that place a lead in this stage (demo_request, …).",
    )
    event_window_days = serializers.IntegerField(
        min_value=1, max_value=3650, help_text="How recent an event must be, in days."
    )
