"""API views of the personas app: the personas' matching rules, read by every role and
written by marketing and the admin through the same service as the rules page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from personas.api import serializers
from personas.models import PersonaRules
from personas.services import persona_rules_delete, persona_rules_save
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import ErrorSerializer, service_errors
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, Role

INVALID = OpenApiResponse(ErrorSerializer, description="Field errors.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such rules.")
TAGS = ["persona matching rules"]


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
        tags=TAGS,
    )
    def get(self, request):
        return Response(serializers.PersonaRulesOutputSerializer(_rules(), many=True).data)

    @extend_schema(
        summary="Create a persona's matching rules",
        description="Every lead is matched again. A persona has one set of rules: change it "
        "with PATCH.",
        request=serializers.PersonaRulesCreateSerializer,
        responses={201: serializers.PersonaRulesOutputSerializer, 400: INVALID},
        tags=TAGS,
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
        responses={200: serializers.PersonaRulesOutputSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, rules_id: int):
        rules = get_object_or_404(_rules(), pk=rules_id)
        return Response(serializers.PersonaRulesOutputSerializer(rules).data)

    @extend_schema(
        summary="Change a persona's matching rules",
        description="The fields given replace the current ones; every lead is matched again.",
        request=serializers.PersonaRulesInputSerializer(partial=True),
        responses={200: serializers.PersonaRulesOutputSerializer, 400: INVALID, 404: NOT_FOUND},
        tags=TAGS,
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
        responses={204: None, 404: NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, rules_id: int):
        rules = get_object_or_404(_rules(), pk=rules_id)
        persona_rules_delete(persona=rules.persona)
        return Response(status=status.HTTP_204_NO_CONTENT)
