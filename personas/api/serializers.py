"""API serializers of the personas app. Input serializers check types only; the values are
checked by the service that saves them (``personas.services.persona_rules_checked``)."""

from __future__ import annotations

from rest_framework import serializers

from personas.models import Persona
from personas.services import MAX_VALUES


def _list(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=MAX_VALUES,
        required=False,
        help_text=help_text,
    )


class PersonaRulesOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True)
    persona_name = serializers.CharField(source="persona.name", read_only=True)
    priority = serializers.IntegerField(read_only=True)
    industries = serializers.ListField(child=serializers.CharField(), read_only=True)
    size_bands = serializers.ListField(child=serializers.CharField(), read_only=True)
    seniorities = serializers.ListField(child=serializers.CharField(), read_only=True)
    departments = serializers.ListField(child=serializers.CharField(), read_only=True)
    title_words = serializers.ListField(child=serializers.CharField(), read_only=True)
    countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    sentences = serializers.ListField(child=serializers.CharField(), read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class PersonaRulesInputSerializer(serializers.Serializer):
    priority = serializers.IntegerField(
        min_value=1, max_value=32767, help_text="Compared lowest first."
    )
    industries = _list("Company industry is one of these (any case).")
    size_bands = _list("Company size band is one of these keys (1-10, 11-50, …).")
    seniorities = _list("Seniority is one of these keys (entry, manager, vp, c_level, …).")
    departments = _list("Department is one of these keys (marketing, sales, it, …).")
    title_words = _list("Job title contains any of these (any case).")
    countries = _list("The lead's country is one of these ISO codes.")


class PersonaRulesCreateSerializer(PersonaRulesInputSerializer):
    persona = serializers.PrimaryKeyRelatedField(queryset=Persona.objects.all())
