"""API serializers of the scoring engine: a lead's score with its explanation and history; the
scoring models with their groups and rules; the qualification criteria.

Input serializers check types only: the choice of an attribute, operator or event type is
checked by the models' ``clean()``, whose messages name the rule (``Rule 3 (seniority is one
of): 'ceo' is not a choice of seniority …``)."""

from __future__ import annotations

from rest_framework import serializers

from leads.api.serializers.common import UserSummarySerializer
from leads.scoring.models import QualificationCriteria
from smarketing.api.fields import JSONField


def _decimal(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=1, coerce_to_string=False, read_only=True, **kwargs
    )


# --- scoring models ---------------------------------------------------------------------------


class ScoringModelSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class FitGroupOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    cap = serializers.IntegerField(read_only=True, allow_null=True)


class FitRuleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    group = serializers.IntegerField(source="group_id", read_only=True, allow_null=True)
    attribute = serializers.CharField(read_only=True)
    operator = serializers.CharField(read_only=True)
    value = JSONField(read_only=True, allow_null=True)
    points = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)


class EngagementRuleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event_type = serializers.CharField(read_only=True)
    property_key = serializers.CharField(read_only=True)
    property_operator = serializers.CharField(read_only=True)
    property_value = serializers.CharField(read_only=True)
    points = serializers.IntegerField(read_only=True)
    half_life_days = serializers.IntegerField(read_only=True, allow_null=True)
    window_days = serializers.IntegerField(read_only=True, allow_null=True)
    cap = serializers.IntegerField(read_only=True, allow_null=True)
    position = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)


class ScoringModelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    overall_cap = serializers.IntegerField(read_only=True, allow_null=True)
    hot_threshold = serializers.IntegerField(read_only=True)
    warm_threshold = serializers.IntegerField(read_only=True)
    fit_a = serializers.IntegerField(read_only=True)
    fit_b = serializers.IntegerField(read_only=True)
    fit_c = serializers.IntegerField(read_only=True)
    engagement_1 = serializers.IntegerField(read_only=True)
    engagement_2 = serializers.IntegerField(read_only=True)
    engagement_3 = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    activate_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a scheduled version is activated."
    )
    activated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ScoringModelDetailOutputSerializer(ScoringModelOutputSerializer):
    fit_groups = FitGroupOutputSerializer(many=True, read_only=True)
    fit_rules = FitRuleOutputSerializer(many=True, read_only=True)
    engagement_rules = EngagementRuleOutputSerializer(many=True, read_only=True)


class ScoringModelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    overall_cap = serializers.IntegerField(required=False, allow_null=True)
    hot_threshold = serializers.IntegerField(required=False)
    warm_threshold = serializers.IntegerField(required=False)
    fit_a = serializers.IntegerField(required=False)
    fit_b = serializers.IntegerField(required=False)
    fit_c = serializers.IntegerField(required=False)
    engagement_1 = serializers.IntegerField(required=False)
    engagement_2 = serializers.IntegerField(required=False)
    engagement_3 = serializers.IntegerField(required=False)


class FitGroupInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    cap = serializers.IntegerField(required=False, allow_null=True)


class FitRuleInputSerializer(serializers.Serializer):
    group = serializers.IntegerField(
        source="group_id", required=False, allow_null=True, help_text="A group of this model."
    )
    attribute = serializers.CharField(max_length=50, help_text="e.g. seniority, company.size_band")
    operator = serializers.CharField(max_length=20, help_text="equals, one_of, gte, is_set, …")
    value = JSONField(required=False, allow_null=True)
    points = serializers.IntegerField()
    position = serializers.IntegerField(required=False, min_value=0)


class EngagementRuleInputSerializer(serializers.Serializer):
    event_type = serializers.CharField(max_length=40)
    property_key = serializers.CharField(max_length=100, required=False, allow_blank=True)
    property_operator = serializers.CharField(max_length=20, required=False, allow_blank=True)
    property_value = serializers.CharField(max_length=200, required=False, allow_blank=True)
    points = serializers.IntegerField()
    half_life_days = serializers.IntegerField(required=False, allow_null=True)
    window_days = serializers.IntegerField(required=False, allow_null=True)
    cap = serializers.IntegerField(required=False, allow_null=True)
    position = serializers.IntegerField(required=False, min_value=0)


class ScheduleInputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The moment to activate the draft at (to come).")


class ScoringRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="activation, decay or manual")
    status = serializers.CharField(
        read_only=True, help_text="queued, running, done, failed or cancelled"
    )
    percent = serializers.IntegerField(read_only=True)
    model = ScoringModelSummarySerializer(read_only=True)
    as_of = serializers.DateTimeField(read_only=True, help_text="Every lead is scored as of it.")
    leads_total = serializers.IntegerField(read_only=True)
    leads_done = serializers.IntegerField(read_only=True)
    leads_written = serializers.IntegerField(
        read_only=True, help_text="Leads whose scores changed (the others are not rewritten)."
    )
    leads_qualified = serializers.IntegerField(read_only=True, help_text="Leads moved to MQL.")
    started_by = UserSummarySerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    heartbeat_at = serializers.DateTimeField(
        read_only=True,
        help_text="When a worker last wrote a chunk: an unfinished run whose heartbeat stopped "
        "lost its worker, and is resumed within a minute or two.",
    )
    resumes = serializers.IntegerField(
        read_only=True, help_text="How many times the run was resumed after its worker stopped."
    )
    error = serializers.CharField(
        read_only=True, help_text="Why a failed or cancelled run stopped."
    )


# --- a lead's score ---------------------------------------------------------------------------


class FitLineSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    condition = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True, allow_null=True)
    matched = serializers.BooleanField(read_only=True)
    points = serializers.IntegerField(read_only=True, help_text="The rule's points if matched.")


class FitGroupLineSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    cap = serializers.IntegerField(read_only=True, allow_null=True)
    points = serializers.IntegerField(read_only=True, help_text="Its matched rules' points.")
    cap_adjustment = serializers.IntegerField(read_only=True)


class EngagementLineSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    condition = serializers.CharField(read_only=True)
    events = serializers.IntegerField(read_only=True, help_text="Events the rule counts.")
    points_per_event = serializers.IntegerField(read_only=True)
    half_life_days = serializers.IntegerField(read_only=True, allow_null=True)
    undecayed = serializers.IntegerField(read_only=True)
    decayed = _decimal()
    cap_adjustment = _decimal()
    contribution = _decimal()


class ExplanationSerializer(serializers.Serializer):
    """Each rule's part: fit = the fit rules' points + the groups' cap adjustments; engagement
    = the engagement rules' contributions (to a tenth) + rounding; total = fit + engagement +
    overall_cap_adjustment."""

    model = ScoringModelSummarySerializer(read_only=True)
    as_of = serializers.DateTimeField(read_only=True)
    fit_rules = FitLineSerializer(source="fit_lines", many=True, read_only=True)
    fit_groups = FitGroupLineSerializer(many=True, read_only=True)
    fit = serializers.IntegerField(read_only=True)
    engagement_rules = EngagementLineSerializer(
        source="engagement_lines", many=True, read_only=True
    )
    engagement_raw = serializers.FloatField(read_only=True, help_text="Before rounding.")
    rounding = _decimal()
    engagement = serializers.IntegerField(read_only=True)
    overall_cap_adjustment = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    temperature = serializers.CharField(read_only=True)
    grade = serializers.CharField(read_only=True)
    matches_stored = serializers.BooleanField(
        read_only=True,
        help_text="False when the lead changed since it was scored (not rescored yet).",
    )


class LeadScoreOutputSerializer(serializers.Serializer):
    fit = serializers.IntegerField(source="lead.fit_score", read_only=True)
    engagement = serializers.IntegerField(source="lead.engagement_score", read_only=True)
    total = serializers.IntegerField(source="lead.total_score", read_only=True)
    temperature = serializers.CharField(source="lead.temperature", read_only=True)
    grade = serializers.CharField(source="lead.grade", read_only=True)
    scored_at = serializers.DateTimeField(source="lead.scored_at", read_only=True, allow_null=True)
    model = ScoringModelSummarySerializer(
        source="lead.scoring_model", read_only=True, allow_null=True
    )
    explanation = ExplanationSerializer(read_only=True, allow_null=True)


class HistoryPointSerializer(serializers.Serializer):
    day = serializers.DateField(read_only=True)
    fit = serializers.IntegerField(read_only=True, allow_null=True)
    engagement = serializers.IntegerField(read_only=True, allow_null=True)
    total = serializers.IntegerField(read_only=True, allow_null=True)


# --- qualification criteria -------------------------------------------------------------------


class ConditionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    attribute = serializers.CharField(read_only=True)
    operator = serializers.CharField(read_only=True)
    value = JSONField(read_only=True, allow_null=True)
    position = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)


class CriteriaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text="Numbered within its kind.")
    name = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft, scheduled, active, archived")
    match = serializers.CharField(read_only=True)
    min_total = serializers.IntegerField(read_only=True, allow_null=True)
    min_fit = serializers.IntegerField(read_only=True, allow_null=True)
    min_engagement = serializers.IntegerField(read_only=True, allow_null=True)
    event_type = serializers.CharField(read_only=True)
    event_within_days = serializers.IntegerField(read_only=True, allow_null=True)
    sql_checklist = serializers.ListField(child=serializers.CharField(), read_only=True)
    notes = serializers.CharField(read_only=True)
    conditions = ConditionOutputSerializer(many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    activate_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a scheduled set is activated."
    )
    activated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    archived_at = serializers.DateTimeField(read_only=True, allow_null=True)


class CriteriaInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=QualificationCriteria.Kind.choices, help_text="Fixed once the set is created."
    )
    name = serializers.CharField(max_length=200)
    match = serializers.ChoiceField(choices=QualificationCriteria.Match.choices, required=False)
    min_total = serializers.IntegerField(required=False, allow_null=True)
    min_fit = serializers.IntegerField(required=False, allow_null=True)
    min_engagement = serializers.IntegerField(required=False, allow_null=True)
    event_type = serializers.CharField(max_length=40, required=False, allow_blank=True)
    event_within_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    # The items are the model's to check (``QualificationCriteria.clean``).
    sql_checklist = serializers.ListField(child=serializers.CharField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ConditionInputSerializer(serializers.Serializer):
    attribute = serializers.CharField(max_length=50)
    operator = serializers.CharField(max_length=20)
    value = JSONField(required=False, allow_null=True)
    position = serializers.IntegerField(required=False, min_value=0)


class SuggestionsInputSerializer(serializers.Serializer):
    """The periods of a suggestions run, checked as the lab page's form checks them."""

    fit_from = serializers.DateField(help_text="Learn from the MQLs from this day…")
    split = serializers.DateField(
        help_text="…until the day before this one; the suggestions are checked on the MQLs from "
        "this day on, which the fit never sees."
    )
    later_to = serializers.DateField(help_text="The last day of the later period.")
    days = serializers.IntegerField(
        min_value=1, max_value=365, default=60,
        help_text="A lead converted when it reached SQL within this many days of MQL.",
    )  # fmt: skip

    def validate(self, attrs):
        from leads.scoring.forms import SuggestionsForm

        form = SuggestionsForm({name: str(value) for name, value in attrs.items()})
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data(escape_html=False))
        return form.parameters


class SuggestionsRunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, done or failed")
    progress = serializers.IntegerField(read_only=True, help_text="Percent done.")
    model = ScoringModelSummarySerializer(read_only=True)
    parameters = serializers.JSONField(read_only=True)
    result = serializers.JSONField(
        read_only=True,
        help_text="Once done: `rules` (each rule's points now and suggested, its lift with a 95 % "
        "interval, the leads behind it, why), `new_rules`, `patterns` (rejection patterns, each "
        "with a rule change), `later` (the check on the later period) and `refusal` when the "
        "closed history is too small. A suggestion with `offered` true can be applied by `key`.",
    )
    error = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SuggestionsApplyInputSerializer(serializers.Serializer):
    chosen = serializers.ListField(
        child=serializers.CharField(max_length=200), allow_empty=False,
        help_text="The keys of the suggestions to apply.",
    )  # fmt: skip
