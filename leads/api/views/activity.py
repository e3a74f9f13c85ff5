"""API views of a lead's sales touches and notes."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api import serializers
from leads.api.views.common import FORBIDDEN, INVALID, NOT_FOUND, READ
from leads.models import Lead, Note, Touch
from leads.permissions import RULES, Change
from leads.selectors import lead_get_for_user
from leads.services import note_add, touch_log
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import service_errors
from smarketing.api.pagination import KeysetPagination

# What the permission checks of a lead read: whose it is.
OWNED = Lead.objects.only("id", "owner")


class LeadTouchesView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = roles(RULES[Change.TOUCH].roles)
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-at", "-id")}

    @extend_schema(
        summary="A lead's sales touches",
        responses={200: serializers.TouchOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["touches and notes"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.only("id"))
        touches = self.paginate_queryset(Touch.objects.filter(lead=lead).select_related("by"))
        return self.get_paginated_response(
            serializers.TouchOutputSerializer(touches, many=True).data
        )

    @extend_schema(
        summary="Log a sales touch",
        description="For sales and admins; recorded as made by the caller. A sales rep logs "
        "touches only on leads that are theirs or nobody's (403 otherwise).",
        request=serializers.TouchInputSerializer,
        responses={
            201: serializers.TouchOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "A call that booked a meeting",
                request_only=True,
                value={"kind": "call", "outcome": "meeting_booked", "note": "Demo on Tuesday"},
            )
        ],
        tags=["touches and notes"],
    )
    def post(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, for_change=Change.TOUCH, leads=OWNED)
        serializer = serializers.TouchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            touch = touch_log(lead=lead, by=request.user, **serializer.validated_data)
        return Response(
            serializers.TouchOutputSerializer(touch).data, status=status.HTTP_201_CREATED
        )


class LeadNotesView(GenericAPIView):
    filter_backends: list = []
    access = READ
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-created_at", "-id")}

    @extend_schema(
        summary="A lead's notes",
        responses={200: serializers.NoteOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["touches and notes"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.only("id"))
        notes = self.paginate_queryset(Note.objects.filter(lead=lead).select_related("author"))
        return self.get_paginated_response(serializers.NoteOutputSerializer(notes, many=True).data)

    @extend_schema(
        summary="Add a note",
        description="Open to both teams, on any lead.",
        request=serializers.NoteInputSerializer,
        responses={201: serializers.NoteOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "A note",
                request_only=True,
                value={"body": "Evaluating us against two vendors; decision in June."},
            )
        ],
        tags=["touches and notes"],
    )
    def post(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, for_change=Change.NOTE, leads=OWNED)
        serializer = serializers.NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            note = note_add(lead=lead, author=request.user, body=serializer.validated_data["body"])
        return Response(serializers.NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)
