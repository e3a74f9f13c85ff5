"""API serializers of the sla app: the agreement's versions with their signatures, and the
teams with their business hours."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Channel
from personas.api.serializers import OwnerSerializer
from personas.models import Persona
from sla.business_hours import WEEKDAYS
from sla.goals import STATUS_LABELS
from sla.models import (
    Agreement,
    Clock,
    DayOff,
    Function,
    Goal,
    RoutingRule,
    Signoff,
    Team,
)
from sla.services import AGREEMENT_FIELDS, GOAL_FIELDS


class SignoffSerializer(serializers.ModelSerializer):
    user = OwnerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Signoff
        fields = ["function", "user", "at"]
        read_only_fields = fields


class AgreementOutputSerializer(serializers.ModelSerializer):
    signoffs = SignoffSerializer(many=True, read_only=True)
    signed = serializers.BooleanField(source="is_signed", read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "version", *AGREEMENT_FIELDS, "signed", "signed_at", "signoffs",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class AgreementInputSerializer(serializers.ModelSerializer):
    """A draft's terms; those left out of a new draft are copied from the latest version."""

    class Meta:
        model = Agreement
        fields = list(AGREEMENT_FIELDS)
        extra_kwargs = {name: {"required": False} for name in AGREEMENT_FIELDS}


class SignSerializer(serializers.Serializer):
    function = serializers.ChoiceField(choices=Function.choices, help_text="The team signing.")


class DayOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = DayOff
        fields = ["on", "name"]


class TeamOutputSerializer(serializers.ModelSerializer):
    manager = OwnerSerializer(read_only=True, allow_null=True)
    members = serializers.SerializerMethodField()
    days_off = DayOffSerializer(many=True, read_only=True)
    hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        help_text=f"Open windows per weekday ({', '.join(WEEKDAYS)}), local time, e.g. "
        '{"mon": [["09:00", "17:00"]]}.',
    )

    class Meta:
        model = Team
        fields = ["id", "name", "function", "manager", "members", "time_zone",
                  "holiday_country", "holiday_region", "hours", "days_off"]  # fmt: skip
        read_only_fields = fields

    def get_members(self, team) -> list[str]:
        return [member.user.username for member in team.members.all()]


class ClockOutputSerializer(serializers.ModelSerializer):
    owner = OwnerSerializer(read_only=True, allow_null=True)
    agreement_version = serializers.IntegerField(source="agreement.version", read_only=True)

    class Meta:
        model = Clock
        fields = ["id", "lead", "kind", "status", "agreement_version", "owner", "started_at",
                  "due_at", "met_at", "met_after_minutes", "breached_at", "stopped_at",
                  "touches_needed", "touches_done"]  # fmt: skip
        read_only_fields = fields


class RoutingRuleOutputSerializer(serializers.ModelSerializer):
    team = serializers.CharField(source="team.name", read_only=True)
    team_id = serializers.IntegerField(read_only=True)
    personas = serializers.SerializerMethodField()

    class Meta:
        model = RoutingRule
        fields = ["id", "name", "position", "active", "team", "team_id", "weighted",
                  "countries", "personas", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_personas(self, rule) -> list[int]:
        return sorted(persona.pk for persona in rule.personas.all())


class RoutingRuleInputSerializer(serializers.Serializer):
    """A rule's fields; on a change, those left out keep their value."""

    name = serializers.CharField(max_length=120, required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    active = serializers.BooleanField(required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, help_text="The sales team's id."
    )
    weighted = serializers.BooleanField(required=False)
    countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, help_text="ISO codes."
    )
    personas = serializers.PrimaryKeyRelatedField(
        queryset=Persona.objects.all(), many=True, required=False, help_text="Persona ids."
    )


class GoalProgressSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="So far: a count, a % or hours.")
    baseline = serializers.FloatField(
        allow_null=True, help_text="The same metric over the period before (a change only)."
    )
    target = serializers.FloatField(allow_null=True, help_text="The target as a value.")
    elapsed = serializers.FloatField(help_text="The share of the period gone, 0–1.")
    projected = serializers.FloatField(allow_null=True, help_text="Expected at the end.")
    status = serializers.ChoiceField(choices=list(STATUS_LABELS))
    lower_is_better = serializers.BooleanField()
    unit = serializers.CharField()
    sentence = serializers.CharField()


class GoalOutputSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        fields = ["id", *GOAL_FIELDS, "owner_teams", "created_by", "created_at", "progress"]
        read_only_fields = fields

    @extend_schema_field(GoalProgressSerializer)
    def get_progress(self, goal: Goal) -> dict:
        progress = self.context["progress"][goal.pk]
        return GoalProgressSerializer(progress).data


class GoalInputSerializer(serializers.ModelSerializer):
    """A goal's fields; ``sla.services.goal_save`` validates them together."""

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )

    class Meta:
        model = Goal
        fields = [*GOAL_FIELDS, "owner_teams"]
        extra_kwargs = {"owner_teams": {"required": False}}
