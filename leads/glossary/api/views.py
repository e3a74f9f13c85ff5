"""API views of the glossary: every role reads it; the admin writes the terms that are not
generated (and a generated term's note), through the same service as the page and the admin."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.glossary import selectors
from leads.glossary.api import serializers
from leads.glossary.models import GlossaryTerm
from leads.glossary.services import (
    GeneratedTermRefused,
    glossary_term_delete,
    glossary_term_save,
)
from smarketing.access import WriteAccessMixin, roles
from smarketing.api.errors import Conflict, ErrorSerializer, service_errors
from smarketing.api.pagination import KeysetPagination
from smarketing.roles import ALL_ROLES, Role

READ = roles(ALL_ROLES)
ADMIN = roles(Role.ADMIN)
TAGS = ["glossary"]

INVALID = OpenApiResponse(ErrorSerializer, description="Field errors.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No term has this slug.")
GENERATED = OpenApiResponse(
    ErrorSerializer,
    description="The term is generated from the definitions in force: only its note changes, "
    "and it is never deleted.",
)
GENERATED_EXAMPLE = OpenApiExample(
    "A generated term",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": {
            "detail": [
                "“MQL” is generated from the active MQL criteria: only its note can be "
                "changed. Change those to change what it says."
            ]
        }
    },
)


def _refused(refusal: GeneratedTermRefused) -> Conflict:
    return Conflict({"detail": [str(refusal)]})


class GlossaryView(WriteAccessMixin, GenericAPIView):
    access = READ
    write_access = ADMIN
    filter_backends: list = []


class TermListView(GlossaryView):
    pagination_class = KeysetPagination
    keyset_orders = {"slug": ("slug",)}

    @extend_schema(
        summary="List glossary terms",
        description="By slug. A generated term (MQL, SQL, hot, warm, cold, grade) is in the "
        "words of the definitions in force now, and names them in `source`.",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name."),
        ],
        responses={200: serializers.TermOutputSerializer(many=True), 400: INVALID},
        tags=TAGS,
    )
    def get(self, request):
        terms = GlossaryTerm.objects.all()
        if query := request.query_params.get("q", "").strip():
            terms = terms.filter(name__icontains=query)
        page = self.paginate_queryset(terms)
        return self.get_paginated_response(
            serializers.TermOutputSerializer(selectors.glossary_entries(page), many=True).data
        )

    @extend_schema(
        summary="Add a glossary term",
        description="Admin only.",
        request=serializers.TermInputSerializer,
        responses={201: serializers.TermOutputSerializer, 400: INVALID},
        examples=[
            OpenApiExample(
                "A term",
                request_only=True,
                value={
                    "slug": "icp",
                    "name": "ICP",
                    "stands_for": "Ideal customer profile",
                    "short_definition": "The companies and people we sell to best.",
                },
            )
        ],
        tags=TAGS,
    )
    def post(self, request):
        serializer = serializers.TermInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            term = glossary_term_save(
                term=None, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(
            serializers.TermOutputSerializer(selectors.glossary_entry(term)).data,
            status=status.HTTP_201_CREATED,
        )


class TermDetailView(GlossaryView):
    pagination_class = None

    @extend_schema(
        summary="Get a glossary term",
        responses={200: serializers.TermOutputSerializer, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, slug: str):
        term = get_object_or_404(GlossaryTerm, slug=slug)
        return Response(serializers.TermOutputSerializer(selectors.glossary_entry(term)).data)

    @extend_schema(
        summary="Change a glossary term",
        description="Admin only. A generated term takes only a new `note` (409 otherwise).",
        request=serializers.TermInputSerializer(partial=True),
        responses={
            200: serializers.TermOutputSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: GENERATED,
        },
        examples=[GENERATED_EXAMPLE],
        tags=TAGS,
    )
    def patch(self, request, slug: str):
        term = get_object_or_404(GlossaryTerm, slug=slug)
        serializer = serializers.TermInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                term = glossary_term_save(
                    term=term, actor=request.user, changes=dict(serializer.validated_data)
                )
        except GeneratedTermRefused as refusal:
            raise _refused(refusal) from refusal
        return Response(serializers.TermOutputSerializer(selectors.glossary_entry(term)).data)

    @extend_schema(
        summary="Delete a glossary term",
        description="Admin only. A generated term is never deleted (409).",
        responses={204: None, 404: NOT_FOUND, 409: GENERATED},
        tags=TAGS,
    )
    def delete(self, request, slug: str):
        term = get_object_or_404(GlossaryTerm, slug=slug)
        try:
            glossary_term_delete(term=term)
        except GeneratedTermRefused as refusal:
            raise _refused(refusal) from refusal
        return Response(status=status.HTTP_204_NO_CONTENT)
