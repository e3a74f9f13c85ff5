"""API serializers of companies: their shape, their input, and a company named by a lead
(an id, or a name and domain to match or create)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Company
from leads.services import normalize_domain


class CompanyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    domain = serializers.CharField(read_only=True)
    industry = serializers.CharField(read_only=True)
    employee_count = serializers.IntegerField(read_only=True, allow_null=True)
    size_band = serializers.CharField(read_only=True)
    annual_revenue_band = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CompanyInputSerializer(serializers.ModelSerializer):
    # Declared rather than generated, so the uniqueness check below sees the normalised domain.
    domain = serializers.CharField(
        max_length=253,
        required=False,
        allow_blank=True,
        help_text="Normalised: lower case, without scheme, `www.` or path.",
    )

    class Meta:
        model = Company
        fields = (
            "name", "domain", "industry", "employee_count", "size_band",
            "annual_revenue_band", "country",
        )  # fmt: skip

    def validate_domain(self, value: str) -> str:
        domain = normalize_domain(value)
        taken = Company.objects.filter(domain=domain)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if domain and taken.exists():
            raise serializers.ValidationError(f"A company with the domain {domain} already exists.")
        return domain


class CompanyReferenceSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "The id of an existing company."},
            {
                "type": "object",
                "description": "Matched by domain (created when no company has it); "
                "without a domain, by exact name.",
                "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "domain": {"type": "string", "maxLength": 253},
                },
                "required": ["name"],
            },
        ],
        "nullable": True,
    }
)
class CompanyReferenceField(serializers.Field):
    """A company given as an id (it must exist) or as ``{"name", "domain"}`` to match or create:
    validates to a ``Company`` or to the dict the view passes to ``company_for``."""

    default_error_messages = {
        "unknown": "No company has the id {pk}.",
        "invalid": 'Give a company id, or {{"name": …, "domain": …}}.',
    }

    def to_internal_value(self, data: Any) -> Company | dict:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
            company = Company.objects.filter(pk=int(data)).first()
            if company is None:
                self.fail("unknown", pk=data)
            return company
        if isinstance(data, dict):
            reference = CompanyReferenceSerializer(data=data)
            reference.is_valid(raise_exception=True)
            return dict(reference.validated_data)
        self.fail("invalid")

    def to_representation(self, value: Company) -> int:
        return value.pk
