"""API views of behaviour events, one at a time or in batches of up to a thousand."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
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
    },
)


class EventCreateView(GenericAPIView):
    access = INTEGRATIONS

    @extend_schema(
        summary="Record an event",
        description="Something a lead did, named by `lead` (id) or `email`. For marketing and "
        "admin tokens (integrations).",
        request=serializers.EventInputSerializer,
        responses={201: serializers.EventOutputSerializer, 400: INVALID},
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
        serializer = serializers.EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            (event,) = events_record(events=[serializer.validated_data], validated=True)
        except UnknownLeads as refusal:
            raise ValidationError(refusal.errors[0]) from refusal
        return Response(
            serializers.EventOutputSerializer(event).data, status=status.HTTP_201_CREATED
        )


class EventBatchView(GenericAPIView):
    access = INTEGRATIONS

    @extend_schema(
        summary="Record a batch of events",
        description=f"Up to {serializers.EVENT_BATCH_LIMIT:,} events, validated as a whole: all are "
        "recorded in one transaction, or none. A refused batch lists the bad events by their "
        'index (from 0): `{"errors": {"events": {"<index>": {"field": ["message"]}}}}`.',
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
                "Recorded", response_only=True, status_codes=["201"], value={"created": 2}
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
            created = events_record(
                events=serializer.validated_data["events"], validated=True, with_ids=False
            )
        except UnknownLeads as refusal:
            raise ValidationError({"events": serializers.by_index(refusal.errors)}) from refusal
        return Response(
            serializers.EventBatchOutputSerializer({"created": len(created)}).data,
            status=status.HTTP_201_CREATED,
        )
