"""Serializer fields the API's serializers share."""

from __future__ import annotations

from rest_framework import serializers

from smarketing.api.parsers import refusal


class JSONField(serializers.JSONField):
    """A JSON value held to the API parser's rules (no NUL, 64-bit whole numbers, finite
    numbers, bounded nesting) also when it arrives as JSON text in a form field, which the
    parser saw only as text."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if message := refusal(value):
            raise serializers.ValidationError(message)
        return value
