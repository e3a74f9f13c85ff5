"""API views of behaviour events, one at a time or in batches of up to a thousand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api import serializers
from leads.api.views.common import INTEGRATIONS, INVALID
from leads.events import EVENT_TYPE_KEYS, UnknownLeads
from leads.services import events_record

EVENT_EXAMPLE = OpenApiExample(
    "A demo request",
    request_only=True,
    value={
        "email": "jane.doe@acme.com",
        "type": "demo_request",
        "occurred_at": "2025-05-02T09:14:00Z",
        "properties": {"form": "contact-sales", "url": "https://example.com/demo"},
        "channel": "paid_search",
        "source": "website",
        "idempotency_key": "form-7f3c2a",
    },
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The event's idempotency key, instead of the `idempotency_key` field (if both "
    "are given they must agree).",
)


def _with_header_key(request) -> Any:
    """The posted event, with the key of the ``Idempotency-Key`` header in its fields."""
    header = request.headers.get("Idempotency-Key")
    data = request.data
    if not header or not isinstance(data, Mapping):
        return data
    if data.get("idempotency_key") not in (None, "", header):
        raise ValidationError(
            {"idempotency_key": ["The Idempotency-Key header and this field differ: give one."]}
        )
    data = data.copy()
    data["idempotency_key"] = header
    return data


class EventCreateView(GenericAPIView):
    access = INTEGRATIONS

    @extend_schema(
        summary="Record an event",
        description="Something a lead did, named by `lead` (id) or `email`. For marketing and "
        "admin tokens (integrations). An event with an idempotency key (the field or the "
        "`Idempotency-Key` header) is stored once per `source`: sending it again answers 200 "
        "with the event stored first, which is neither stored nor scored again.",
        request=serializers.EventInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(serializers.EventOutputSerializer, description="Stored."),
            200: OpenApiResponse(
                serializers.EventOutputSerializer,
                description="Stored before under this source and key: the stored event.",
            ),
            400: INVALID,
        },
        examples=[
            EVENT_EXAMPLE,
            OpenApiExample(
                "Unknown lead",
                response_only=True,
                status_codes=["400"],
                value={"errors": {"email": ["No lead has the e-mail nobody@acme.com."]}},
            ),
        ],
        tags=["events"],
    )
    def post(self, request):
        serializer = serializers.EventInputSerializer(data=_with_header_key(request))
        serializer.is_valid(raise_exception=True)
        try:
            recorded = events_record(events=[serializer.validated_data], validated=True)
        except UnknownLeads as refusal:
            raise ValidationError(refusal.errors[0]) from refusal
        return Response(
            serializers.EventOutputSerializer(recorded.events[0]).data,
            status=status.HTTP_200_OK if recorded.repeats else status.HTTP_201_CREATED,
        )


class EventBatchView(GenericAPIView):
    access = INTEGRATIONS

    @extend_schema(
        summary="Record a batch of events",
        description=f"Up to {serializers.EVENT_BATCH_LIMIT:,} events, validated as a whole: all are "
        "recorded in one transaction, or none. A refused batch lists the bad events by their "
        'index (from 0): `{"errors": {"events": {"<index>": {"field": ["message"]}}}}`. An '
        "event whose `source` and `idempotency_key` are stored already, or came earlier in the "
        "batch, is not stored again: `repeats` lists those by index, with the stored event's id.",
        request=serializers.EventBatchInputSerializer,
        responses={
            201: serializers.EventBatchOutputSerializer,
            400: OpenApiResponse(
                serializers.EventBatchErrorSerializer,
                description="Nothing was recorded: the bad events by index, or what is wrong "
                "with the batch as a whole.",
            ),
        },
        examples=[
            OpenApiExample(
                "Two events",
                request_only=True,
                value={
                    "events": [
                        {
                            "lead": 412,
                            "type": "page_view",
                            "occurred_at": "2025-05-02T09:12:00Z",
                            "properties": {"url": "https://example.com/pricing"},
                        },
                        {
                            "email": "jane.doe@acme.com",
                            "type": "email_click",
                            "occurred_at": "2025-05-02T09:13:30Z",
                            "channel": "email",
                            "campaign": 3,
                        },
                    ]
                },
            ),
            OpenApiExample(
                "Recorded",
                response_only=True,
                status_codes=["201"],
                value={"created": 2, "repeated": 0, "repeats": []},
            ),
            OpenApiExample(
                "The second event sent before",
                response_only=True,
                status_codes=["201"],
                value={"created": 1, "repeated": 1, "repeats": [{"index": 1, "id": 73412}]},
            ),
            OpenApiExample(
                "Refused: bad events by index",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": {
                        "events": {
                            "1": {"email": ["No lead has the e-mail nobody@acme.com."]},
                            "7": {
                                "type": [
                                    f"“page_vew” is not an event type. Valid types: {EVENT_TYPE_KEYS}."
                                ]
                            },
                        }
                    }
                },
            ),
            OpenApiExample(
                "Refused: too many events",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": {
                        "events": ["A batch holds at most 1,000 events; this one has 1,001."]
                    }
                },
            ),
        ],
        tags=["events"],
    )
    def post(self, request):
        serializer = serializers.EventBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            recorded = events_record(
                events=serializer.validated_data["events"], validated=True, with_ids=False
            )
        except UnknownLeads as refusal:
            raise ValidationError({"events": serializers.by_index(refusal.errors)}) from refusal
        answer = {
            "created": recorded.created,
            "repeated": len(recorded.repeats),
            "repeats": [
                {"index": index, "id": recorded.events[index].pk} for index in recorded.repeats
            ],
        }
        return Response(
            serializers.EventBatchOutputSerializer(answer).data, status=status.HTTP_201_CREATED
        )
