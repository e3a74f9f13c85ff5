"""API views of the leads app: leads, companies, stage changes, behaviour events, touches,
notes and the timeline. Each view validates with an input serializer, calls the same service
as the pages, and answers with an output serializer."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api import serializers
from leads.filters import LeadFilter
from leads.lifecycle import StageMoveRefused, lead_move_stage
from leads.models import Company, Lead, Note, Touch
from leads.selectors import SORTS, lead_timeline, leads_for_api
from leads.services import (
    company_for,
    events_record,
    lead_create,
    lead_update,
    normalize_domain,
    touch_log,
)
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import Conflict, ErrorSerializer, service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, SALES_ROLES, Role

READ = roles(ALL_ROLES)
INTEGRATIONS = roles(MARKETING_ROLES, Role.ADMIN)

# --- helpers -----------------------------------------------------------------------------------


def _resolve_company(fields: dict) -> None:
    """Turn a company given as ``{"name", "domain"}`` into the company it matches (or creates)."""
    if isinstance(fields.get("company"), dict):
        fields["company"] = company_for(**fields["company"])


ERROR = ErrorSerializer
NOT_FOUND = OpenApiResponse(ERROR, description="No such lead or company.")
INVALID = OpenApiResponse(ERROR, description="Field errors.")

# --- leads -------------------------------------------------------------------------------------

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
        "unsubscribed": False,
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
    keyset_orders = SORTS

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
        "The company is an id, or `{name, domain}` matched by domain (created when missing).",
        request=serializers.LeadCreateInputSerializer,
        responses={201: serializers.LeadOutputSerializer, 400: INVALID},
        examples=[LEAD_CREATE_EXAMPLE, LEAD_EXAMPLE, DUPLICATE_EMAIL_EXAMPLE],
        tags=["leads"],
    )
    def post(self, request):
        serializer = serializers.LeadCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        try:
            with transaction.atomic(), service_errors():
                _resolve_company(fields)
                lead = lead_create(actor=request.user, **fields)
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
        lead = get_object_or_404(leads_for_api(), pk=lead_id)
        return Response(serializers.LeadOutputSerializer(lead).data)

    @extend_schema(
        summary="Update a lead",
        description="Changes profile fields only; the stage moves through `POST …/stage/` and "
        "scores are computed.",
        request=serializers.LeadUpdateInputSerializer,
        responses={200: serializers.LeadOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "Confirm budget and need",
                request_only=True,
                value={"budget_confirmed": True, "need_confirmed": True, "owner": 7},
            )
        ],
        tags=["leads"],
    )
    def patch(self, request, lead_id: int):
        lead = get_object_or_404(leads_for_api(), pk=lead_id)
        serializer = serializers.LeadUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        with transaction.atomic(), service_errors():
            _resolve_company(fields)
            lead = lead_update(lead=lead, **fields)
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
                    "reason": "No budget until Q3",
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
        lead = get_object_or_404(leads_for_api(), pk=lead_id)
        serializer = serializers.StageChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "expected_stage" in data:
            # The service refuses the move if the lead is no longer where the client saw it.
            lead.stage = data["expected_stage"]
        try:
            transition = lead_move_stage(
                lead=lead, to_stage=data["stage"], actor=request.user, reason=data["reason"]
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
        lead = get_object_or_404(Lead.objects.only("id"), pk=lead_id)
        items = [
            {"kind": entry.kind, "at": entry.at, entry.kind: entry.item}
            for entry in lead_timeline(lead)
        ]
        return Response(serializers.TimelineItemOutputSerializer(items, many=True).data)


# --- touches and notes -------------------------------------------------------------------------


class LeadTouchesView(WriteAccessMixin, GenericAPIView):
    filter_backends: list = []
    access = READ
    write_access = roles(SALES_ROLES, Role.ADMIN)
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-at", "-id")}

    @extend_schema(
        summary="A lead's sales touches",
        responses={200: serializers.TouchOutputSerializer(many=True), 404: NOT_FOUND},
        tags=["touches and notes"],
    )
    def get(self, request, lead_id: int):
        lead = get_object_or_404(Lead.objects.only("id"), pk=lead_id)
        touches = self.paginate_queryset(Touch.objects.filter(lead=lead).select_related("by"))
        return self.get_paginated_response(
            serializers.TouchOutputSerializer(touches, many=True).data
        )

    @extend_schema(
        summary="Log a sales touch",
        description="For sales and admins; recorded as made by the caller.",
        request=serializers.TouchInputSerializer,
        responses={201: serializers.TouchOutputSerializer, 400: INVALID, 404: NOT_FOUND},
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
        lead = get_object_or_404(Lead.objects.only("id"), pk=lead_id)
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
        lead = get_object_or_404(Lead.objects.only("id"), pk=lead_id)
        notes = self.paginate_queryset(Note.objects.filter(lead=lead).select_related("author"))
        return self.get_paginated_response(serializers.NoteOutputSerializer(notes, many=True).data)

    @extend_schema(
        summary="Add a note",
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
        lead = get_object_or_404(Lead.objects.only("id"), pk=lead_id)
        serializer = serializers.NoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = Note.objects.create(
            lead=lead, author=request.user, body=serializer.validated_data["body"]
        )
        return Response(serializers.NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)


# --- companies ---------------------------------------------------------------------------------

COMPANY_EXAMPLE = OpenApiExample(
    "A company",
    request_only=True,
    value={
        "name": "Acme",
        "domain": "https://www.Acme.com/about",
        "industry": "Software",
        "employee_count": 120,
        "size_band": "51-200",
        "country": "DE",
    },
)


def _company_save(company: Company) -> Company:
    try:
        with transaction.atomic(), service_errors():
            company.full_clean()
            company.save()
    except IntegrityError as error:
        # Two requests for one domain at once: the unique index refuses the second.
        raise ValidationError(
            {"domain": [f"A company with the domain {company.domain} already exists."]}
        ) from error
    return company


class CompanyListView(GenericAPIView):
    filter_backends: list = []
    access = READ
    pagination_class = KeysetPagination
    keyset_orders = {"name": ("name", "id"), "created": ("-id",)}

    @extend_schema(
        summary="List companies",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name."),
            OpenApiParameter("domain", OpenApiTypes.STR, description="Exactly this domain."),
        ],
        responses={200: serializers.CompanyOutputSerializer(many=True), 400: INVALID},
        tags=["companies"],
    )
    def get(self, request):
        companies = Company.objects.all()
        if query := request.query_params.get("q", "").strip():
            companies = companies.filter(name__icontains=query)
        if domain := request.query_params.get("domain", "").strip():
            companies = companies.filter(domain=normalize_domain(domain))
        page = self.paginate_queryset(companies)
        return self.get_paginated_response(
            serializers.CompanyOutputSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Create a company",
        description="The domain is normalised (`https://www.Acme.com/x` → `acme.com`) and unique.",
        request=serializers.CompanyInputSerializer,
        responses={201: serializers.CompanyOutputSerializer, 400: INVALID},
        examples=[COMPANY_EXAMPLE],
        tags=["companies"],
    )
    def post(self, request):
        serializer = serializers.CompanyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = _company_save(Company(**serializer.validated_data))
        return Response(
            serializers.CompanyOutputSerializer(company).data, status=status.HTTP_201_CREATED
        )


class CompanyDetailView(GenericAPIView):
    access = READ

    @extend_schema(
        summary="Get a company",
        responses={200: serializers.CompanyOutputSerializer, 404: NOT_FOUND},
        tags=["companies"],
    )
    def get(self, request, company_id: int):
        company = get_object_or_404(Company, pk=company_id)
        return Response(serializers.CompanyOutputSerializer(company).data)

    @extend_schema(
        summary="Update a company",
        request=serializers.CompanyInputSerializer,
        responses={200: serializers.CompanyOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=["companies"],
    )
    def patch(self, request, company_id: int):
        company = get_object_or_404(Company, pk=company_id)
        serializer = serializers.CompanyInputSerializer(company, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        for field, value in serializer.validated_data.items():
            setattr(company, field, value)
        return Response(serializers.CompanyOutputSerializer(_company_save(company)).data)


# --- events ------------------------------------------------------------------------------------

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
        events, errors = serializers.events_validate([request.data])
        if errors:
            raise ValidationError(errors[0])
        with service_errors():
            (event,) = events_record(events=events)
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
                                    f"“page_vew” is not an event type. Valid types: {serializers.EVENT_TYPE_KEYS}."
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
        with service_errors():
            created = events_record(events=serializer.validated_data["events"])
        return Response(
            serializers.EventBatchOutputSerializer({"created": len(created)}).data,
            status=status.HTTP_201_CREATED,
        )
