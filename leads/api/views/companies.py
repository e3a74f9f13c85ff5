"""API views of companies."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from leads.api import serializers
from leads.api.views.common import INVALID, NOT_FOUND, READ
from leads.models import Company
from leads.services import company_save, normalize_domain
from smarketing.api.errors import service_errors
from smarketing.api.pagination import KeysetPagination

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
            company_save(company)
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
