"""API serializers of the personas app: a persona as the API shows it, and its input. Both
take their fields from ``personas.profile``, so the API, the form and the page cannot drift."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from personas import selectors
from personas.choices import ProfileSection
from personas.models import INSIGHT_MAX_LENGTH, InsightStatus, Persona, PersonaInsight
from personas.profile import EDITABLE_FIELDS, PROFILE_FIELDS, list_choices
from personas.services import MAX_VALUES
from personas.validators import NAME_MAX_LENGTH, NAMES_MAX


def _list_fields(*, read_only: bool) -> dict[str, serializers.Field]:
    """The list answers: each a list of one choice set's values; industries a list of names."""
    fields: dict[str, serializers.Field] = {}
    for name in PROFILE_FIELDS:
        if choice_set := list_choices(name):
            fields[name] = serializers.ListField(
                child=serializers.ChoiceField(choices=choice_set.choices),
                required=False,
                read_only=read_only,
                max_length=len(choice_set.values),
                help_text=f"Any of: {', '.join(choice_set.values)}.",
            )
    fields["industries"] = serializers.ListField(
        child=serializers.CharField(max_length=NAME_MAX_LENGTH),
        required=False,
        read_only=read_only,
        max_length=NAMES_MAX,
        help_text="Industry names, as companies are recorded in (e.g. Software).",
    )
    return fields


def _blank_choice_fields() -> dict[str, serializers.Field]:
    """The single choices, shown with "" for "not answered" (a read-only field generated from
    the model would leave "" out of the schema's enum)."""
    return {
        name: serializers.ChoiceField(
            choices=Persona._meta.get_field(name).choices, allow_blank=True, read_only=True
        )
        for name in PROFILE_FIELDS
        if Persona._meta.get_field(name).choices and Persona._meta.get_field(name).blank
    }


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class PersonaOutputSerializer(serializers.ModelSerializer):
    owner = OwnerSerializer(read_only=True, allow_null=True)
    lead_count = serializers.IntegerField(read_only=True, help_text="Leads whose persona this is.")
    needs_review = serializers.BooleanField(
        read_only=True,
        help_text="Never reviewed, or last reviewed PERSONA_REVIEW_DAYS ago or more.",
    )
    review_due_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Persona
        fields = (
            "id", *EDITABLE_FIELDS, "last_reviewed_on", "review_due_on", "needs_review",
            "lead_count", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_fields(self) -> dict:
        return {**super().get_fields(), **_blank_choice_fields(), **_list_fields(read_only=True)}


class PersonaInputSerializer(serializers.ModelSerializer):
    """What a client sends to create or change a persona; the service validates the whole
    persona (the age and income ranges) and answers field errors."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
        help_text="The id of a marketing user or an admin; the caller by default on creation.",
    )

    class Meta:
        model = Persona
        fields = EDITABLE_FIELDS

    def get_fields(self) -> dict:
        fields = {**super().get_fields(), **_list_fields(read_only=False)}
        fields["owner"].queryset = selectors.owner_choices()
        return fields


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


class InsightOutputSerializer(serializers.ModelSerializer):
    author = OwnerSerializer(read_only=True, allow_null=True)
    decided_by = OwnerSerializer(read_only=True, allow_null=True)
    section = serializers.ChoiceField(
        choices=ProfileSection.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = PersonaInsight
        fields = [
            "id",
            "persona",
            "section",
            "body",
            "author",
            "created_at",
            "status",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class InsightInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=INSIGHT_MAX_LENGTH, help_text="What was heard or seen of these people."
    )
    section = serializers.ChoiceField(
        choices=ProfileSection.choices,
        allow_blank=True,
        required=False,
        default="",
        help_text="The part of the profile it speaks to; empty for the persona in general.",
    )


class InsightDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=InsightStatus.choices,
        help_text="adopted (into the profile), set_aside, or open (again).",
    )
