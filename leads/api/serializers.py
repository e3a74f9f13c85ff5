"""API serializers of the leads app: one input serializer per write, one output serializer per
shape returned. Input serializers validate, reading the database where they must (once per
batch, not once per item); the views hand what they validated to the services, which write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.events import EVENT_TYPE_CHOICES, EVENT_TYPES
from leads.models import (
    Campaign,
    Channel,
    Company,
    Event,
    Lead,
    Stage,
    TouchKind,
    TouchOutcome,
)
from leads.services import LEAD_EDITABLE_FIELDS, normalize_domain

EVENT_BATCH_LIMIT = 1000
# How far ahead of our clock an event may be stamped: senders' clocks drift a little.
CLOCK_SKEW = timedelta(minutes=5)
# A lead created through the API starts here; later moves go through the lifecycle.
ENTRY_STAGES = (Stage.SUBSCRIBER, Stage.LEAD)

# --- errors ------------------------------------------------------------------------------------


class EventBatchErrorSerializer(serializers.Serializer):
    """A refused batch: ``errors.events`` maps the index of each bad event (from 0) to its
    field errors, or is a list of messages about the batch as a whole (empty, too long)."""

    errors = serializers.DictField(child=serializers.JSONField())


# --- choice sets named once in the schema ------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": Stage.values, "description": "A lifecycle stage."},
    component_name="LifecycleStage",
)
class StageField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Stage.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": ["", *Channel.values],
        "description": "A marketing channel (empty: not known).",
    },
    component_name="SourceChannel",
)
class ChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=Channel.choices, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": [Stage.SUBSCRIBER.value, Stage.LEAD.value],
        "description": "Where a new lead enters the funnel.",
    },
    component_name="EntryStage",
)
class EntryStageField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=[(stage.value, stage.label) for stage in ENTRY_STAGES], **kwargs)


# --- shared output pieces ----------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class CompanySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    domain = serializers.CharField(read_only=True)


# --- companies ---------------------------------------------------------------------------------


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


# --- leads -------------------------------------------------------------------------------------


class LeadScoresSerializer(serializers.Serializer):
    fit = serializers.IntegerField(source="fit_score", read_only=True)
    engagement = serializers.IntegerField(source="engagement_score", read_only=True)
    total = serializers.IntegerField(source="total_score", read_only=True)
    temperature = serializers.CharField(read_only=True)
    grade = serializers.CharField(read_only=True)
    scored_at = serializers.DateTimeField(read_only=True, allow_null=True)


class SqlChecklistSerializer(serializers.Serializer):
    budget = serializers.BooleanField(read_only=True)
    authority = serializers.BooleanField(read_only=True)
    need = serializers.BooleanField(read_only=True)
    timeline = serializers.BooleanField(read_only=True)


class OriginalSourceSerializer(serializers.Serializer):
    channel = serializers.CharField(source="original_channel", read_only=True)
    utm_source = serializers.CharField(source="original_utm_source", read_only=True)
    utm_medium = serializers.CharField(source="original_utm_medium", read_only=True)
    utm_campaign = serializers.CharField(source="original_utm_campaign", read_only=True)


class LatestSourceSerializer(serializers.Serializer):
    channel = serializers.CharField(source="latest_channel", read_only=True)
    utm_source = serializers.CharField(source="latest_utm_source", read_only=True)
    utm_medium = serializers.CharField(source="latest_utm_medium", read_only=True)
    utm_campaign = serializers.CharField(source="latest_utm_campaign", read_only=True)


class LeadSourcesSerializer(serializers.Serializer):
    original = OriginalSourceSerializer(source="*", read_only=True)
    latest = LatestSourceSerializer(source="*", read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)


class LeadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    job_title = serializers.CharField(read_only=True)
    seniority = serializers.CharField(read_only=True)
    department = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    company = CompanySummarySerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    stage = StageField(read_only=True)
    stage_changed_at = serializers.DateTimeField(read_only=True)
    scores = LeadScoresSerializer(source="*", read_only=True)
    sql_checklist = SqlChecklistSerializer(read_only=True)
    sources = LeadSourcesSerializer(source="*", read_only=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    journey_stage = serializers.IntegerField(
        source="journey_stage_id", read_only=True, allow_null=True
    )
    consent = serializers.CharField(read_only=True)
    unsubscribed = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


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


class LeadUpdateInputSerializer(serializers.ModelSerializer):
    """Profile fields of a lead, as ``lead_update`` takes them (not its stage, not its scores)."""

    company = CompanyReferenceField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    original_channel = ChannelField(required=False, allow_blank=True)
    latest_channel = ChannelField(required=False, allow_blank=True)

    class Meta:
        model = Lead
        fields = LEAD_EDITABLE_FIELDS


class LeadCreateInputSerializer(LeadUpdateInputSerializer):
    email = serializers.EmailField(
        max_length=254, help_text="Unique, compared case-insensitively; stored lower-cased."
    )
    stage = EntryStageField(
        default=Stage.LEAD.value,
        help_text="Where the lead enters the funnel; later moves go through the stage endpoint.",
    )

    class Meta(LeadUpdateInputSerializer.Meta):
        fields = ("email", "stage", *LEAD_EDITABLE_FIELDS)


# --- stage changes -----------------------------------------------------------------------------


class StageChangeInputSerializer(serializers.Serializer):
    stage = StageField(help_text="The stage to move to.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to recycle, disqualify or move backwards.",
    )
    expected_stage = StageField(
        required=False,
        help_text="The stage you saw; if the lead has moved since, the move is refused (409).",
    )


class TransitionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    from_stage = serializers.CharField(read_only=True)
    to_stage = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    rule = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    scores = serializers.DictField(read_only=True, help_text="The lead's scores at the move.")


class StageChangeOutputSerializer(serializers.Serializer):
    lead = LeadOutputSerializer(read_only=True)
    transition = TransitionOutputSerializer(read_only=True)


# --- events ------------------------------------------------------------------------------------

EVENT_TYPE_KEYS = ", ".join(event_type.key for event_type in EVENT_TYPES)


class EventInputSerializer(serializers.Serializer):
    """One behaviour event. The lead is named by ``lead`` (its id) or ``email``."""

    lead = serializers.IntegerField(min_value=1, required=False, help_text="The lead's id.")
    email = serializers.EmailField(
        required=False, help_text="The e-mail of an existing lead (any case)."
    )
    type = serializers.ChoiceField(
        choices=EVENT_TYPE_CHOICES,
        error_messages={
            "invalid_choice": f"“{{input}}” is not an event type. Valid types: {EVENT_TYPE_KEYS}."
        },
    )
    occurred_at = serializers.DateTimeField(
        help_text="When it happened; at most five minutes ahead of the server's clock."
    )
    properties = serializers.JSONField(
        required=False, default=dict, help_text="A JSON object: url, form, asset, …"
    )
    channel = ChannelField(required=False, allow_blank=True, default="")
    campaign = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="A campaign's id."
    )

    def validate_occurred_at(self, value):
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError("This time is in the future.")
        return value

    def validate_properties(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give a JSON object.")
        return value

    def validate(self, attrs: dict) -> dict:
        if "lead" in attrs and "email" in attrs:
            raise serializers.ValidationError({"email": ["Give the lead or its e-mail, not both."]})
        if "lead" not in attrs and "email" not in attrs:
            raise serializers.ValidationError(
                {"lead": ["Name the lead by its id (lead) or its e-mail (email)."]}
            )
        return attrs


def events_validate(items: list) -> tuple[list[Event], dict[int, dict]]:
    """Validate behaviour events as a whole: each item's fields, then the leads and campaigns
    they name, looked up for the whole list at once (one query each, not one per item).

    Returns the unsaved events and, by index, the errors of the items that are wrong; the
    caller writes the events only when there are no errors.
    """
    checker = EventInputSerializer()
    valid: dict[int, dict] = {}
    errors: dict[int, dict] = {}
    for index, item in enumerate(items):
        try:
            valid[index] = checker.run_validation(item)
        except serializers.ValidationError as error:
            errors[index] = error.detail

    lead_ids = {attrs["lead"] for attrs in valid.values() if "lead" in attrs}
    emails = {Lead.normalize_email(attrs["email"]) for attrs in valid.values() if "email" in attrs}
    campaign_ids = {attrs["campaign"] for attrs in valid.values() if attrs["campaign"]}
    known_leads = set(Lead.objects.filter(pk__in=lead_ids).values_list("pk", flat=True))
    leads_by_email = dict(Lead.objects.filter(email__in=emails).values_list("email", "pk"))
    known_campaigns = set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))

    events = []
    for index, attrs in valid.items():
        item_errors: dict[str, list[str]] = {}
        if "lead" in attrs:
            lead_id = attrs["lead"] if attrs["lead"] in known_leads else None
            if lead_id is None:
                item_errors["lead"] = [f"No lead has the id {attrs['lead']}."]
        else:
            lead_id = leads_by_email.get(Lead.normalize_email(attrs["email"]))
            if lead_id is None:
                item_errors["email"] = [f"No lead has the e-mail {attrs['email']}."]
        if attrs["campaign"] and attrs["campaign"] not in known_campaigns:
            item_errors["campaign"] = [f"No campaign has the id {attrs['campaign']}."]
        if item_errors:
            errors[index] = item_errors
            continue
        events.append(
            Event(
                lead_id=lead_id,
                type=attrs["type"],
                occurred_at=attrs["occurred_at"],
                properties=attrs["properties"],
                channel=attrs["channel"],
                campaign_id=attrs["campaign"],
            )
        )
    return events, dict(sorted(errors.items()))


@extend_schema_field(EventInputSerializer(many=True))
class EventItemsField(serializers.ListField):
    """The events of a batch, checked as a whole by ``events_validate``."""

    child = serializers.JSONField()


class EventBatchInputSerializer(serializers.Serializer):
    events = EventItemsField(
        help_text=f"1 to {EVENT_BATCH_LIMIT:,} events, all accepted or none.",
    )

    def validate_events(self, items: list) -> list[Event]:
        if not items:
            raise serializers.ValidationError("Send at least one event.")
        if len(items) > EVENT_BATCH_LIMIT:
            raise serializers.ValidationError(
                f"A batch holds at most {EVENT_BATCH_LIMIT:,} events; this one has {len(items):,}."
            )
        events, errors = events_validate(items)
        if errors:
            raise serializers.ValidationError(
                {str(index): detail for index, detail in errors.items()}
            )
        return events


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    lead = serializers.IntegerField(source="lead_id", read_only=True)
    type = serializers.CharField(read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    properties = serializers.DictField(read_only=True)
    channel = serializers.CharField(read_only=True)
    campaign = serializers.IntegerField(source="campaign_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class EventBatchOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField(read_only=True, help_text="How many events were recorded.")


# --- touches and notes -------------------------------------------------------------------------


class TouchInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TouchKind.choices)
    outcome = serializers.ChoiceField(choices=TouchOutcome.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened; default now.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TouchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    by = UserSummarySerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


# --- timeline ----------------------------------------------------------------------------------


class TimelineItemOutputSerializer(serializers.Serializer):
    """One entry of a lead's history; the object named by ``kind`` is set, the others null."""

    kind = serializers.ChoiceField(choices=["event", "transition", "touch", "note"], read_only=True)
    at = serializers.DateTimeField(read_only=True)
    event = EventOutputSerializer(read_only=True, allow_null=True)
    transition = TransitionOutputSerializer(read_only=True, allow_null=True)
    touch = TouchOutputSerializer(read_only=True, allow_null=True)
    note = NoteOutputSerializer(read_only=True, allow_null=True)
