"""API views of a person's rights over their lead's data: the export and the erasure, for
admins only; each is recorded (``leads.privacy``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api.views.common import INVALID, NOT_FOUND
from leads.models import Lead
from leads.privacy import lead_erase, lead_export
from leads.selectors import lead_get_for_user
from smarketing.access import roles
from smarketing.api.errors import service_errors
from smarketing.roles import Role

ADMIN = roles(Role.ADMIN)


class PrivacyReferenceSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="The request's own reference, e.g. a ticket number",
    )  # fmt: skip


class LeadEraseInputSerializer(PrivacyReferenceSerializer):
    confirm_email = serializers.CharField(
        max_length=254, help_text="The lead's e-mail address, typed again to confirm"
    )


class PrivacyRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    lead_id = serializers.IntegerField()
    reference = serializers.CharField()
    at = serializers.DateTimeField()
    removed = serializers.DictField(child=serializers.IntegerField())


class LeadExportView(GenericAPIView):
    access = ADMIN

    @extend_schema(
        summary="Export everything held on a lead",
        description="The lead, its company, events, stage transitions, owner changes, touches, "
        "notes, content sent, SLA clocks and privacy requests, as JSON. The export is "
        "recorded with who asked for it.",
        parameters=[
            OpenApiParameter(
                "reference",
                str,
                required=False,
                description="The request's own reference, e.g. a ticket number (at most 200)",
            )
        ],  # fmt: skip
        responses={200: OpenApiResponse(description="The lead's data."), 404: NOT_FOUND},
        tags=["privacy"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.all())
        reference = request.query_params.get("reference", "")[:200]
        return Response(lead_export(lead=lead, actor=request.user, reference=reference))


class LeadEraseView(GenericAPIView):
    access = ADMIN

    @extend_schema(
        summary="Erase a lead's personal data",
        description="Anonymises the lead on the person's request: its e-mail, names, job "
        "title, phone and city, its notes, the free text of its touches and stage changes and "
        "its events' properties go; its transitions, events and clocks stay, so every count "
        "is kept. Once only; `confirm_email` must be the lead's e-mail.",
        request=LeadEraseInputSerializer,
        responses={200: PrivacyRequestOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["privacy"],
    )
    def post(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.all())
        serializer = LeadEraseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            record = lead_erase(lead=lead, actor=request.user, **serializer.validated_data)
        return Response(PrivacyRequestOutputSerializer(record).data)
