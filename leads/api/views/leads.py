"""API views of leads: the list, one lead, its stage and its timeline."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api import serializers
from leads.api.views.common import ERROR, FORBIDDEN, INVALID, NOT_FOUND, READ
from leads.filters import LeadFilter
from leads.lifecycle import StageMoveRefused, lead_move_stage
from leads.models import Lead
from leads.permissions import field_changes, lead_change_check
from leads.selectors import SPLITS, lead_get_for_user, lead_timeline, leads_for_api, sorts
from leads.services import company_for, lead_create, lead_update
from smarketing.api.errors import Conflict, service_errors
from smarketing.api.pagination import KeysetPagination

# Where a consent status set through the API came from, as the lead records it.
API_SOURCE = "API"


def _resolve_company(fields: dict) -> None:
    """Turn a company given as ``{"name", "domain"}`` into the company it matches (or creates)."""
    if isinstance(fields.get("company"), dict):
        fields["company"] = company_for(**fields["company"])


LEAD_CREATE_EXAMPLE = OpenApiExample(
    "A lead at a company matched by domain",
    request_only=True,
    value={
        "email": "Jane.Doe@Acme.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "job_title": "VP Marketing",
        "seniority": "vp",
        "company": {"name": "Acme", "domain": "acme.com"},
        "original_channel": "paid_search",
        "original_utm_source": "google",
        "original_utm_campaign": "spring-launch",
    },
)
LEAD_EXAMPLE = OpenApiExample(
    "A lead",
    response_only=True,
    value={
        "id": 412,
        "email": "jane.doe@acme.com",
        "first_name": "Jane",
        "last_name": "Doe",
        "full_name": "Jane Doe",
        "job_title": "VP Marketing",
        "seniority": "vp",
        "department": "",
        "phone": "",
        "country": "",
        "company": {"id": 37, "name": "Acme", "domain": "acme.com"},
        "owner": None,
        "stage": "lead",
        "stage_changed_at": "2025-05-02T09:14:00Z",
        "scores": {
            "fit": 0,
            "engagement": 0,
            "total": 0,
            "temperature": "",
            "grade": "",
            "scored_at": None,
        },
        "sql_checklist": {"budget": False, "authority": False, "need": False, "timeline": False},
        "sources": {
            "original": {
                "channel": "paid_search",
                "utm_source": "google",
                "utm_medium": "",
                "utm_campaign": "spring-launch",
            },
            "latest": {"channel": "", "utm_source": "", "utm_medium": "", "utm_campaign": ""},
            "campaign": None,
        },
        "persona": None,
        "journey_stage": None,
        "consent": "unknown",
        "consent_source": "",
        "consent_at": None,
        "unsubscribed": False,
        "erased_at": None,
        "created_at": "2025-05-02T09:14:00Z",
        "updated_at": "2025-05-02T09:14:00Z",
    },
)
DUPLICATE_EMAIL_EXAMPLE = OpenApiExample(
    "The e-mail is taken",
    response_only=True,
    status_codes=["400"],
    value={"errors": {"email": ["A lead with the e-mail jane.doe@acme.com already exists."]}},
)


class LeadListView(GenericAPIView):
    access = READ
    filterset_class = LeadFilter
    pagination_class = KeysetPagination
    keyset_splits = SPLITS

    @property
    def keyset_orders(self) -> dict[str, tuple[str, ...]]:
        # Read after the filters validated the temperature (see ``selectors.sorts``).
        return sorts(temperature=self.request.query_params.get("temperature"))

    def get_queryset(self) -> QuerySet[Lead]:
        return leads_for_api()

    @extend_schema(
        summary="List leads",
        description="Filtered like the lead list and the board; sorted by `sort`; paged by "
        "cursor (follow `next`). Never counts the table.",
        responses={200: serializers.LeadOutputSerializer(many=True), 400: INVALID},
        tags=["leads"],
    )
    def get(self, request):
        leads = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(serializers.LeadOutputSerializer(leads, many=True).data)

    @extend_schema(
        summary="Create a lead",
        description="Creates the lead and the transition recording where it entered the funnel. "
        "The company is an id, or `{name, domain}` matched by domain (created when missing). "
        "A sales rep may make themselves the owner; only managers and admins name another "
        "owner, and only sales and admins tick the SQL checklist (403 otherwise).",
        request=serializers.LeadCreateInputSerializer,
        responses={201: serializers.LeadOutputSerializer, 400: INVALID, 403: FORBIDDEN},
        examples=[LEAD_CREATE_EXAMPLE, LEAD_EXAMPLE, DUPLICATE_EMAIL_EXAMPLE],
        tags=["leads"],
    )
    def post(self, request):
        serializer = serializers.LeadCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        # A new lead is nobody's: giving it an owner or a ticked checklist follows the same
        # rules as on an unowned lead.
        new = Lead()
        lead_change_check(new, request.user, field_changes(new, request.user, fields))
        try:
            with transaction.atomic(), service_errors():
                _resolve_company(fields)
                lead = lead_create(actor=request.user, consent_source=API_SOURCE, **fields)
        except IntegrityError as error:
            # Two requests for one e-mail at once: the unique index refuses the second.
            if "lead_email_unique_ci" not in str(error):
                raise
            raise ValidationError(
                {"email": [f"A lead with the e-mail {fields['email']} already exists."]}
            ) from error
        return Response(serializers.LeadOutputSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadDetailView(GenericAPIView):
    access = READ

    @extend_schema(
        summary="Get a lead",
        responses={200: serializers.LeadOutputSerializer, 404: NOT_FOUND},
        examples=[LEAD_EXAMPLE],
        tags=["leads"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=leads_for_api())
        return Response(serializers.LeadOutputSerializer(lead).data)

    @extend_schema(
        summary="Update a lead",
        description="Changes profile fields only; the stage moves through `POST …/stage/` and "
        "scores are computed. Who may change what (403 with the reason otherwise): a sales "
        "rep edits, ticks the checklist of and takes (`owner`: themselves) only leads that "
        "are theirs or nobody's; only managers and admins give a lead to someone else, take "
        "it from its owner or unassign it; marketing does not tick the checklist. Fields "
        "given with their current value change nothing and need no permission.",
        request=serializers.LeadUpdateInputSerializer,
        responses={
            200: serializers.LeadOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Confirm budget and need",
                request_only=True,
                value={"budget_confirmed": True, "need_confirmed": True, "owner": 7},
            ),
            OpenApiExample(
                "Refused",
                response_only=True,
                status_codes=["403"],
                value={
                    "errors": {
                        "detail": [
                            "This lead belongs to another rep; only a manager or an admin "
                            "may reassign it."
                        ]
                    }
                },
            ),
        ],
        tags=["leads"],
    )
    def patch(self, request, lead_id: int):
        with transaction.atomic():
            # Locked while it is judged and written: an owner changed meanwhile is seen.
            leads = leads_for_api().select_for_update(of=("self",))
            lead = lead_get_for_user(request.user, lead_id, leads=leads)
            serializer = serializers.LeadUpdateInputSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            fields = dict(serializer.validated_data)
            lead_change_check(lead, request.user, field_changes(lead, request.user, fields))
            with service_errors():
                _resolve_company(fields)
                lead = lead_update(lead=lead, consent_source=API_SOURCE, **fields)
        return Response(serializers.LeadOutputSerializer(lead).data)


class LeadStageView(GenericAPIView):
    # Every role may ask; the lifecycle decides per move and says why it refuses.
    access = READ

    @extend_schema(
        summary="Move a lead to another stage",
        description="Through the lifecycle: who may make which move, reasons, the SQL "
        "checklist. A refused move answers 409 with the reason under `stage`.",
        request=serializers.StageChangeInputSerializer,
        responses={
            200: serializers.StageChangeOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR, description="The move is refused; the message says why."),
        },
        examples=[
            OpenApiExample(
                "Recycle with a reason",
                request_only=True,
                value={
                    "stage": "recycled",
                    "rejection_reason": "no-budget",
                    "reason": "Revisit in Q3",
                    "expected_stage": "mql",
                },
            ),
            OpenApiExample(
                "Refused",
                response_only=True,
                status_codes=["409"],
                value={"errors": {"stage": ["This lead belongs to another rep."]}},
            ),
        ],
        tags=["leads"],
    )
    def post(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=leads_for_api())
        serializer = serializers.StageChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "expected_stage" in data:
            # The service refuses the move if the lead is no longer where the client saw it.
            lead.stage = data["expected_stage"]
        try:
            transition = lead_move_stage(
                lead=lead,
                to_stage=data["stage"],
                actor=request.user,
                reason=data["reason"],
                rejection_reason=data["rejection_reason"],
            )
        except StageMoveRefused as refusal:
            raise Conflict({"stage": refusal.messages}) from refusal
        return Response(
            serializers.StageChangeOutputSerializer({"lead": lead, "transition": transition}).data
        )


class LeadTimelineView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None
    access = READ

    @extend_schema(
        summary="A lead's history",
        description="Events, stage transitions, touches and notes, newest first (at most 200).",
        responses={200: serializers.TimelineItemOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["leads"],
    )
    def get(self, request, lead_id: int):
        lead = lead_get_for_user(request.user, lead_id, leads=Lead.objects.only("id"))
        items = [
            {"kind": entry.kind, "at": entry.at, entry.kind: entry.item}
            for entry in lead_timeline(lead)
        ]
        return Response(serializers.TimelineItemOutputSerializer(items, many=True).data)
