"""API views of content sent to leads: a lead's suggestions and sends, every send (by asset or
lead), and the sender's rating of a send. They call the same services as the lead page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api.views.common import FORBIDDEN, INVALID, NOT_FOUND, READ
from leads.content.api import serializers
from leads.content.models import ContentSend
from leads.content.selectors import content_suggestions
from leads.content.services import content_rate, content_send
from leads.models import Lead
from leads.permissions import RULES, Change
from leads.selectors import lead_get_for_user, leads_for_page
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.roles import SALES_ROLES, Role

SENDS = ContentSend.objects.select_related("asset", "rating")


def _whole_number(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) > 2**63 - 1:
        raise exceptions.ValidationError({name: ["Give an id (a whole number)."]})
    return int(raw)


class LeadSuggestedContentView(GenericAPIView):
    filter_backends: list = []
    access = READ
    pagination_class = None

    @extend_schema(
        summary="Content suggested for a lead",
        description="Live assets made for the lead's persona and journey stage, then for either, "
        "then for everyone; each with why, and when it was last sent to the lead.",
        responses={200: serializers.SuggestionOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["content"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=leads_for_page())
        suggestions = content_suggestions(lead)
        return Response(serializers.SuggestionOutputSerializer(suggestions, many=True).data)


class LeadContentSendsView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = roles(RULES[Change.TOUCH].roles)
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-at", "-id")}

    @extend_schema(
        summary="Content sent to a lead",
        responses={200: serializers.ContentSendOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["content"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.only("id"))
        sends = self.paginate_queryset(SENDS.filter(lead=lead))
        return self.get_paginated_response(
            serializers.ContentSendOutputSerializer(sends, many=True).data
        )

    @extend_schema(
        summary="Mark content sent to a lead",
        description="Records the send and an e-mail touch on the lead naming the asset. For "
        "sales and admins; a rep only on leads that are theirs or nobody's (403 otherwise). "
        "Only live assets are sent (400 otherwise).",
        request=serializers.ContentSendInputSerializer,
        responses={
            201: serializers.ContentSendOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[OpenApiExample("A send", request_only=True, value={"asset": 1, "note": ""})],
        tags=["content"],
    )
    def post(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, for_change=Change.TOUCH)
        serializer = serializers.ContentSendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            send = content_send(lead=lead, by=request.user, **serializer.validated_data)
        return Response(
            serializers.ContentSendOutputSerializer(send).data, status=status.HTTP_201_CREATED
        )


class ContentSendListView(GenericAPIView):
    filter_backends: list = []
    access = READ
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-at", "-id")}

    @extend_schema(
        summary="Content sends",
        parameters=[
            OpenApiParameter("asset", OpenApiTypes.INT, description="Sends of this asset."),
            OpenApiParameter("lead", OpenApiTypes.INT, description="Sends to this lead."),
        ],
        responses={200: serializers.ContentSendOutputSerializer(many=True), 400: INVALID},
        tags=["content"],
    )
    def get(self, request):
        sends = SENDS
        if (asset := _whole_number(request, "asset")) is not None:
            sends = sends.filter(asset_id=asset)
        if (lead := _whole_number(request, "lead")) is not None:
            sends = sends.filter(lead_id=lead)
        page = self.paginate_queryset(sends)
        return self.get_paginated_response(
            serializers.ContentSendOutputSerializer(page, many=True).data
        )


class ContentSendRatingView(GenericAPIView):
    filter_backends: list = []
    access = roles(SALES_ROLES, Role.ADMIN)

    @extend_schema(
        summary="Rate a send",
        description="Whether the asset was useful with this lead, and why. Only the rep who "
        "sent it (or an admin) rates it; rating again replaces the rating.",
        request=serializers.ContentRatingInputSerializer,
        responses={
            200: serializers.ContentRatingOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Useful",
                request_only=True,
                value={"useful": True, "note": "Answered their integration questions."},
            )
        ],
        tags=["content"],
    )
    def put(self, request, send_id: int):
        send = get_object_or_404(ContentSend, pk=send_id)
        serializer = serializers.ContentRatingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                rating = content_rate(send=send, by=request.user, **serializer.validated_data)
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from refusal
        return Response(serializers.ContentRatingOutputSerializer(rating).data)
