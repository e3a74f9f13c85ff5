"""API serializers of behaviour events, single and in batches.

The rules of what an event may be live in ``leads.events`` and are applied there, in plain
Python, to a whole batch at once; the input serializers here describe the shape for the schema
and hand the checking over, so there is one set of rules and one set of messages."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from leads.api.serializers.common import ChannelField
from leads.events import (
    EVENT_TYPE_CHOICES,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    UNKNOWN_TYPE,
    events_validate,
)
from leads.models import Event
from smarketing.api.parsers import check_json_field

EVENT_BATCH_LIMIT = 1000

# --- errors ------------------------------------------------------------------------------------


class EventBatchErrorSerializer(serializers.Serializer):
    """A refused batch: ``errors.events`` maps the index of each bad event (from 0) to its
    field errors, or is a list of messages about the batch as a whole (empty, too long)."""

    errors = serializers.DictField(child=serializers.JSONField())


# --- input -------------------------------------------------------------------------------------


def event_from_form(data: Any) -> Any:
    """An event posted as a form, as the JSON object it stands for: empty optional fields are
    absent (an empty campaign is null) and ``properties`` is JSON text."""
    if not html.is_html_input(data):
        return data
    item: dict[str, Any] = {}
    for field, value in data.items():
        if value == "" and field in ("lead", "email", "idempotency_key"):
            continue
        if value == "" and field == "campaign":
            value = None
        elif field == "properties":
            # Text that is not JSON stays text, which the rules refuse: not a JSON object.
            with contextlib.suppress(ValueError):
                value = check_json_field(field, json.loads(value))
        item[field] = value
    return item


class EventInputSerializer(serializers.Serializer):
    """One behaviour event. The lead is named by ``lead`` (its id) or ``email``."""

    # The fields describe the event for the schema; the rules of ``leads.events`` check it.

    lead = serializers.IntegerField(min_value=1, required=False, help_text="The lead's id.")
    email = serializers.EmailField(
        required=False, help_text="The e-mail of an existing lead (any case)."
    )
    type = serializers.ChoiceField(
        choices=EVENT_TYPE_CHOICES,
        error_messages={"invalid_choice": UNKNOWN_TYPE},
    )
    occurred_at = serializers.DateTimeField(
        help_text="When it happened; at most five minutes ahead of the server's clock."
    )
    properties = serializers.JSONField(
        required=False, default=dict, help_text="A JSON object: url, form, asset, …"
    )
    channel = ChannelField(required=False, allow_blank=True, default="")
    campaign = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="A campaign's id."
    )
    source = serializers.CharField(
        max_length=SOURCE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The system that sent it (a provider, a site, an integration).",
    )
    idempotency_key = serializers.CharField(
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        required=False,
        allow_null=True,
        default=None,
        help_text="The sender's own id of the event, unique per source: an event whose source "
        "and key are stored already is not stored again, and is answered with the stored one.",
    )

    def to_internal_value(self, data: Any) -> Event:
        """The unsaved event, or its field errors."""
        events, errors = events_validate([event_from_form(data)])
        if errors:
            raise serializers.ValidationError(errors[0])
        return events[0]


@extend_schema_field(EventInputSerializer(many=True))
class EventItemsField(serializers.ListField):
    """The events of a batch: a list, its items checked as a whole by ``events_validate``
    rather than one by one by a child field (a thousand times the field machinery)."""

    child = serializers.JSONField()

    def to_internal_value(self, data: Any) -> list:
        if html.is_html_input(data):
            data = html.parse_html_list(data, default=[])
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        return list(data)


class EventBatchInputSerializer(serializers.Serializer):
    events = EventItemsField(
        help_text=f"1 to {EVENT_BATCH_LIMIT:,} events, all accepted or none.",
    )

    def validate_events(self, items: list) -> list[Event]:
        if not items:
            raise serializers.ValidationError("Send at least one event.")
        if len(items) > EVENT_BATCH_LIMIT:
            raise serializers.ValidationError(
                f"A batch holds at most {EVENT_BATCH_LIMIT:,} events; this one has {len(items):,}."
            )
        events, errors = events_validate(items)
        if errors:
            raise serializers.ValidationError(by_index(errors))
        return events


def by_index(errors: dict[int, Any]) -> dict[str, Any]:
    """A batch's errors as the API answers them: by the events' index, from 0."""
    return {str(index): detail for index, detail in errors.items()}


# --- output ------------------------------------------------------------------------------------


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    lead = serializers.IntegerField(source="lead_id", read_only=True)
    type = serializers.CharField(read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    properties = serializers.DictField(read_only=True)
    channel = serializers.CharField(read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)
    source = serializers.CharField(read_only=True)
    idempotency_key = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class EventRepeatSerializer(serializers.Serializer):
    index = serializers.IntegerField(read_only=True, help_text="The event's index in the batch.")
    id = serializers.IntegerField(read_only=True, help_text="The id of the event stored first.")


class EventBatchOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField(read_only=True, help_text="How many events were stored.")
    repeated = serializers.IntegerField(
        read_only=True,
        help_text="How many events were not stored because their source and key were stored "
        "already, or came earlier in the batch.",
    )
    repeats = EventRepeatSerializer(
        many=True,
        read_only=True,
        help_text="Those events, each with the id of the event stored under its key; every "
        "other event of the batch was stored.",
    )
