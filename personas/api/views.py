"""API views of the personas app: the personas with their profiles, and their matching rules.
Every role reads; marketing and admins write, through the same services as the pages."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from personas import selectors
from personas.api import serializers
from personas.filters import InsightFilter
from personas.models import Persona, PersonaInsight, PersonaRules
from personas.services import (
    persona_create,
    persona_delete,
    persona_insight_decide,
    persona_insight_share,
    persona_mark_reviewed,
    persona_rules_delete,
    persona_rules_save,
    persona_update,
)
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import ErrorSerializer, service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

READ = roles(ALL_ROLES)
WRITE = roles(MARKETING_ROLES, Role.ADMIN)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such persona.")
INVALID = OpenApiResponse(ErrorSerializer, description="Field errors.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Only marketing and admins write.")
TAGS = ["personas"]

PERSONA_EXAMPLE = OpenApiExample(
    "A persona",
    request_only=True,
    value={
        "name": "Marketing Mary",
        "summary": "Head of marketing at a mid-size SaaS company.",
        "age_min": 32,
        "age_max": 45,
        "industries": ["Software"],
        "buying_factors": ["reputation", "integrations"],
        "contact_channels": ["email"],
        "pain_points": "Leads that sales never follows up.",
    },
)
RANGE_REFUSED_EXAMPLE = OpenApiExample(
    "An age range the wrong way round",
    response_only=True,
    status_codes=["400"],
    value={"errors": {"age_max": ["The oldest age (30) must not be below the youngest (40)."]}},
)


def _persona(pk: int) -> Persona:
    try:
        return selectors.persona_for_page(pk)
    except Persona.DoesNotExist as missing:
        raise Http404("No such persona.") from missing


def _shown(pk: int) -> dict:
    return serializers.PersonaOutputSerializer(_persona(pk)).data


class PersonaView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = WRITE
    filter_backends: list = []


class PersonaListView(PersonaView):
    pagination_class = KeysetPagination
    keyset_orders = {"name": ("name", "id")}

    @extend_schema(
        summary="List personas",
        description="By name, each with its owner, its lead count and whether it needs a review.",
        responses={200: serializers.PersonaOutputSerializer(many=True), 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.personas_with_counts())
        return self.get_paginated_response(
            serializers.PersonaOutputSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Create a persona",
        description="Owned by the caller unless `owner` says otherwise, and reviewed today. "
        "Marketing and admins only.",
        request=serializers.PersonaInputSerializer,
        responses={201: serializers.PersonaOutputSerializer, 400: INVALID, 403: FORBIDDEN},
        examples=[PERSONA_EXAMPLE, RANGE_REFUSED_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.PersonaInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            persona = persona_create(actor=request.user, data=serializer.validated_data)
        return Response(_shown(persona.pk), status=status.HTTP_201_CREATED)


class PersonaDetailView(PersonaView):
    pagination_class = None

    @extend_schema(
        summary="Get a persona",
        responses={200: serializers.PersonaOutputSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, persona_id: int):
        return Response(_shown(persona_id))

    @extend_schema(
        summary="Change a persona",
        description="The fields sent change; the others stay. Marketing and admins only.",
        request=serializers.PersonaInputSerializer(partial=True),
        responses={
            200: serializers.PersonaOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=[RANGE_REFUSED_EXAMPLE],
        tags=TAGS,
    )
    def patch(self, request, persona_id: int):
        persona = _persona(persona_id)
        serializer = serializers.PersonaInputSerializer(persona, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            persona_update(persona=persona, actor=request.user, data=serializer.validated_data)
        return Response(_shown(persona_id))

    @extend_schema(
        summary="Delete a persona",
        description="Its leads and campaigns keep no persona. Marketing and admins only.",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, persona_id: int):
        persona_delete(persona=_persona(persona_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonaReviewView(GenericAPIView):
    access = WRITE
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Mark a persona reviewed today",
        request=None,
        responses={200: serializers.PersonaOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def post(self, request, persona_id: int):
        persona_mark_reviewed(persona=_persona(persona_id), actor=request.user)
        return Response(_shown(persona_id))


RULES_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such rules.")
RULES_TAGS = ["persona matching rules"]


def _rules():
    return PersonaRules.objects.select_related("persona").order_by("priority")


class RulesView(WriteAccessMixin, GenericAPIView):
    """Read for every role, written by marketing and the admin; no pages (one set a persona)."""

    access = roles(ALL_ROLES)
    write_access = roles(MARKETING_ROLES | {Role.ADMIN})
    filter_backends: list = []
    pagination_class = None


class PersonaRulesListView(RulesView):
    @extend_schema(
        summary="List persona matching rules",
        description="Every persona's rules, by priority (lowest first). A lead gets the first "
        "persona all of whose set conditions hold.",
        responses={200: serializers.PersonaRulesOutputSerializer(many=True)},
        tags=RULES_TAGS,
    )
    def get(self, request):
        return Response(serializers.PersonaRulesOutputSerializer(_rules(), many=True).data)

    @extend_schema(
        summary="Create a persona's matching rules",
        description="Every lead is matched again. A persona has one set of rules: change it "
        "with PATCH.",
        request=serializers.PersonaRulesCreateSerializer,
        responses={201: serializers.PersonaRulesOutputSerializer, 400: INVALID},
        tags=RULES_TAGS,
    )
    def post(self, request):
        serializer = serializers.PersonaRulesCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        persona = data.pop("persona")
        if PersonaRules.objects.filter(persona=persona).exists():
            raise exceptions.ValidationError(
                {"persona": [f"{persona} has rules already: change them with PATCH."]}
            )
        with service_errors():
            rules = persona_rules_save(persona=persona, **data)
        return Response(
            serializers.PersonaRulesOutputSerializer(_rules().get(pk=rules.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PersonaRulesDetailView(RulesView):
    @extend_schema(
        summary="Get a persona's matching rules",
        responses={200: serializers.PersonaRulesOutputSerializer, 404: RULES_NOT_FOUND},
        tags=RULES_TAGS,
    )
    def get(self, request, rules_id: int):
        rules = get_object_or_404(_rules(), pk=rules_id)
        return Response(serializers.PersonaRulesOutputSerializer(rules).data)

    @extend_schema(
        summary="Change a persona's matching rules",
        description="The fields given replace the current ones; every lead is matched again.",
        request=serializers.PersonaRulesInputSerializer(partial=True),
        responses={
            200: serializers.PersonaRulesOutputSerializer,
            400: INVALID,
            404: RULES_NOT_FOUND,
        },
        tags=RULES_TAGS,
    )
    def patch(self, request, rules_id: int):
        rules = get_object_or_404(_rules(), pk=rules_id)
        serializer = serializers.PersonaRulesInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {"priority": rules.priority, **{n: getattr(rules, n) for n in rules.CONDITIONS}}
        with service_errors():
            persona_rules_save(persona=rules.persona, **{**current, **serializer.validated_data})
        return Response(serializers.PersonaRulesOutputSerializer(_rules().get(pk=rules.pk)).data)

    @extend_schema(
        summary="Remove a persona's matching rules",
        description="Its leads are matched again (those set by hand keep it).",
        responses={204: None, 404: RULES_NOT_FOUND},
        tags=RULES_TAGS,
    )
    def delete(self, request, rules_id: int):
        rules = get_object_or_404(_rules(), pk=rules_id)
        persona_rules_delete(persona=rules.persona)
        return Response(status=status.HTTP_204_NO_CONTENT)


INSIGHT_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such insight.")
INSIGHT_TAGS = ["persona insights"]


class PersonaInsightListView(GenericAPIView):
    """A persona's shared insights: every role reads them and shares one."""

    access = READ
    filter_backends = [DjangoFilterBackend]
    filterset_class = InsightFilter
    pagination_class = KeysetPagination
    keyset_orders = {"newest": ("-id",)}
    queryset = PersonaInsight.objects.none()

    @extend_schema(
        summary="A persona's shared insights",
        description="Newest first; `status` filters (open, adopted, set_aside).",
        responses={
            200: serializers.InsightOutputSerializer(many=True),
            400: INVALID,
            404: NOT_FOUND,
        },
        tags=INSIGHT_TAGS,
    )
    def get(self, request, persona_id: int):
        persona = get_object_or_404(Persona, pk=persona_id)
        insights = self.filter_queryset(selectors.insights_for_api().filter(persona=persona))
        page = self.paginate_queryset(insights)
        return self.get_paginated_response(
            serializers.InsightOutputSerializer(page, many=True).data
        )

    @extend_schema(
        summary="Share an insight on a persona",
        description="Every role may. The same text shared again by the same user on the same "
        "persona is the insight already on record (200), not a second one (201).",
        request=serializers.InsightInputSerializer,
        responses={
            200: serializers.InsightOutputSerializer,
            201: serializers.InsightOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Heard on calls",
                request_only=True,
                value={
                    "body": "Three demos this week asked about the HubSpot sync first.",
                    "section": "buying",
                },
            )
        ],
        tags=INSIGHT_TAGS,
    )
    def post(self, request, persona_id: int):
        persona = get_object_or_404(Persona, pk=persona_id)
        serializer = serializers.InsightInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            insight, created = persona_insight_share(
                persona=persona, author=request.user, **serializer.validated_data
            )
        return Response(
            serializers.InsightOutputSerializer(
                selectors.insights_for_api().get(pk=insight.pk)
            ).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PersonaInsightDetailView(WriteAccessMixin, GenericAPIView):
    """One insight; marketing and admins decide it."""

    access = READ
    write_access = WRITE
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="Get a shared insight",
        responses={200: serializers.InsightOutputSerializer, 404: INSIGHT_NOT_FOUND},
        tags=INSIGHT_TAGS,
    )
    def get(self, request, insight_id: int):
        insight = get_object_or_404(selectors.insights_for_api(), pk=insight_id)
        return Response(serializers.InsightOutputSerializer(insight).data)

    @extend_schema(
        summary="Decide a shared insight",
        description="Adopt it into the profile, set it aside, or open it again. Marketing and "
        "admins only.",
        request=serializers.InsightDecisionSerializer,
        responses={
            200: serializers.InsightOutputSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: INSIGHT_NOT_FOUND,
        },
        tags=INSIGHT_TAGS,
    )
    def patch(self, request, insight_id: int):
        insight = get_object_or_404(PersonaInsight, pk=insight_id)
        serializer = serializers.InsightDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            persona_insight_decide(
                insight=insight, actor=request.user, status=serializer.validated_data["status"]
            )
        insight = selectors.insights_for_api().get(pk=insight_id)
        return Response(serializers.InsightOutputSerializer(insight).data)
