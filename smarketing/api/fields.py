"""Serializer fields the API's serializers share."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ParseError

from smarketing.api.parsers import check_json


class JSONField(serializers.JSONField):
    """A JSON value held to the API parser's rules (no NUL, 64-bit whole numbers, finite
    numbers, bounded nesting) also when it arrives as JSON text in a form field, which the
    parser saw only as text."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return check_json(value)
        except ParseError as refusal:
            raise serializers.ValidationError(str(refusal.detail)) from refusal
