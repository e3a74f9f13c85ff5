"""Behaviour events: the registry of their types, used by models, forms, the API and imports,
and the rules of what an event may be, checked in plain Python so that a batch of a thousand
is checked in a few milliseconds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

if TYPE_CHECKING:
    from leads.models import Event


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    icon: str


EVENT_TYPES: tuple[EventType, ...] = (
    EventType("page_view", "Page view", "eye"),
    EventType("pricing_page_view", "Pricing page view", "currency-dollar"),
    EventType("email_open", "E-mail opened", "envelope-open"),
    EventType("email_click", "E-mail link clicked", "cursor"),
    EventType("form_submit", "Form submitted", "ui-checks"),
    EventType("content_download", "Content downloaded", "download"),
    EventType("webinar_registered", "Registered for a webinar", "calendar-plus"),
    EventType("webinar_attended", "Attended a webinar", "camera-video"),
    EventType("demo_request", "Requested a demo", "hand-index"),
    EventType("trial_signup", "Signed up for a trial", "rocket"),
    EventType("meeting_booked", "Booked a meeting", "calendar-check"),
    EventType("unsubscribe", "Unsubscribed", "envelope-x"),
    EventType("email_bounce", "E-mail bounced", "exclamation-triangle"),
)

EVENT_TYPES_BY_KEY = {event_type.key: event_type for event_type in EVENT_TYPES}
EVENT_TYPE_CHOICES = [(event_type.key, event_type.label) for event_type in EVENT_TYPES]
EVENT_TYPE_KEYS = ", ".join(event_type.key for event_type in EVENT_TYPES)

# How far ahead of our clock an event may be stamped: senders' clocks drift a little.
CLOCK_SKEW = timedelta(minutes=5)

# --- what an event may be ----------------------------------------------------------------------
#
# An event arrives as a JSON object, posted to the API alone or in a batch, or as a form's
# fields turned into one (``leads.api.serializers.events.event_from_form``):
#   lead or email   the lead, by its id or by its e-mail (any case); one of the two
#   type            a key of EVENT_TYPES
#   occurred_at     an ISO 8601 time, at most CLOCK_SKEW ahead of our clock
#   properties      a JSON object (default {})
#   channel         a marketing channel, or "" (the default)
#   campaign        a campaign's id, or null (the default)
#   source          the system that sent it, or "" (the default)
#   idempotency_key the sender's own id of the event, unique per source, or null (the
#                   default): a repeat is answered with the event stored first
# Other keys are ignored. The messages are the ones the API has always given (they were
# Django REST framework's), so integrations that read them keep working.

REQUIRED = "This field is required."
NULL = "This field may not be null."
NOT_AN_INTEGER = "A valid integer is required."
NOT_AN_EMAIL = "Enter a valid email address."
NOT_A_TIME = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
UNKNOWN_TYPE = "“{input}” is not an event type. Valid types: " + EVENT_TYPE_KEYS + "."
UNKNOWN_CHANNEL = '"{input}" is not a valid choice.'
NUL = "Null characters are not allowed."
SOURCE_MAX_LENGTH = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# "12", "12.0" and 12.0 all name the id 12; longer strings are refused before parsing.
_TRAILING_ZEROS = re.compile(r"\.0*\s*$")
MAX_INTEGER_STRING = 1000


class _Refused(Exception):
    def __init__(self, *messages: str) -> None:
        self.messages = list(messages)


@dataclass(frozen=True)
class _Batch:
    """What checking needs, worked out once per batch rather than once per event."""

    latest: datetime  # the latest time an event may be stamped
    zone: tzinfo
    channels: frozenset[str]


def _identifier(value: Any, batch: _Batch | None = None) -> int:
    if type(value) is not int:
        if isinstance(value, str) and len(value) > MAX_INTEGER_STRING:
            raise _Refused("String value too large.")
        try:
            value = int(_TRAILING_ZEROS.sub("", str(value)))
        except (ValueError, TypeError):
            raise _Refused(NOT_AN_INTEGER) from None
    if value < 1:
        raise _Refused("Ensure this value is greater than or equal to 1.")
    if value > 9_223_372_036_854_775_807:  # the largest id PostgreSQL's bigint holds
        raise _Refused("Ensure this value is less than or equal to 9223372036854775807.")
    return value


def _email(value: Any, batch: _Batch) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Refused(NOT_AN_EMAIL)
    value = str(value).strip()
    if not value:
        raise _Refused("This field may not be blank.")
    messages = [NUL] if "\x00" in value else []
    try:
        validate_email(value)
    except ValidationError:
        messages.append(NOT_AN_EMAIL)
    if messages:
        raise _Refused(*messages)
    return value


def _event_type(value: Any, batch: _Batch) -> str:
    key = str(value)
    if key not in EVENT_TYPES_BY_KEY:
        raise _Refused(UNKNOWN_TYPE.format(input=value))
    return key


def _occurred_at(value: Any, batch: _Batch) -> datetime:
    try:
        moment = parse_datetime(value)
    except (ValueError, TypeError):
        moment = None
    if moment is None:
        raise _Refused(NOT_A_TIME)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, batch.zone)
    else:
        try:
            moment = moment.astimezone(batch.zone)
        except OverflowError:
            raise _Refused("Datetime value out of range.") from None
    if moment > batch.latest:
        raise _Refused("This time is in the future.")
    return moment


def _properties(value: Any, batch: _Batch) -> dict:
    if not isinstance(value, dict):
        raise _Refused("Give a JSON object.")
    return value


def _channel(value: Any, batch: _Batch) -> str:
    if value == "":
        return ""
    key = str(value)
    if key not in batch.channels:
        raise _Refused(UNKNOWN_CHANNEL.format(input=value))
    return key


def _campaign(value: Any, batch: _Batch) -> int:
    return _identifier(value)


def _text(name: str, max_length: int) -> Callable[[Any, _Batch], str]:
    """The check of a short text field: a string (a number is taken as its digits), without
    null characters, of at most ``max_length`` characters."""

    def check(value: Any, batch: _Batch) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _Refused("Not a valid string.")
        value = str(value)
        if len(value) > max_length:
            raise _Refused(
                f"{name} holds at most {max_length:,} characters; this one has {len(value):,}."
            )
        if "\x00" in value:
            raise _Refused(NUL)
        return value

    return check


_source = _text("A source", SOURCE_MAX_LENGTH)
_key = _text("An idempotency key", IDEMPOTENCY_KEY_MAX_LENGTH)


def _idempotency_key(value: Any, batch: _Batch) -> str:
    key = _key(value, batch)
    if not key:
        raise _Refused("Give a key, or leave the field out.")
    return key


# Each field: its check, and what an event without it gets: REQUIRED (an error), a default
# (called for a fresh value), or None (the field stays absent).
_RULES: tuple[tuple[str, Callable[[Any, _Batch], Any], Any], ...] = (
    ("lead", _identifier, None),
    ("email", _email, None),
    ("type", _event_type, REQUIRED),
    ("occurred_at", _occurred_at, REQUIRED),
    ("properties", _properties, dict),
    ("channel", _channel, str),
    ("campaign", _campaign, lambda: None),
    ("source", _source, str),
    ("idempotency_key", _idempotency_key, lambda: None),
)
# The fields that may be null (absent, they are null too).
_NULLABLE = frozenset({"campaign", "idempotency_key"})


def event_check(item: Any, batch: _Batch) -> tuple[dict[str, Any], dict[str, list[str]] | list]:
    """One event's fields (not whether its lead or campaign exists): the clean values, or the
    messages by field."""
    if item is None:
        return {}, [NULL]
    if not isinstance(item, Mapping):
        message = f"Invalid data. Expected a dictionary, but got {type(item).__name__}."
        return {}, {"non_field_errors": [message]}
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, check, absent in _RULES:
        if field not in item:
            if absent is REQUIRED:
                errors[field] = [REQUIRED]
            elif absent is not None:
                clean[field] = absent()
            continue
        value = item[field]
        if value is None:
            if field in _NULLABLE:
                clean[field] = None
            else:
                errors[field] = [NULL]
            continue
        try:
            clean[field] = check(value, batch)
        except _Refused as refusal:
            errors[field] = refusal.messages
    if errors:
        return {}, errors
    if "lead" in clean and "email" in clean:
        return {}, {"email": ["Give the lead or its e-mail, not both."]}
    if "lead" not in clean and "email" not in clean:
        return {}, {"lead": ["Name the lead by its id (lead) or its e-mail (email)."]}
    return clean, {}


NO_LEAD = "No lead has the id {id}."


class UnknownLeads(ValidationError):
    """Events naming leads that do not exist: ``errors`` by the events' index, in the shape
    ``events_validate`` gives."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]) -> None:
        super().__init__([message for error in errors.values() for message in error["lead"]])
        self.errors = errors


def unknown_leads(lead_ids: Mapping[int, int]) -> dict[int, dict[str, list[str]]]:
    """The errors of the events (lead ids by index) whose lead does not exist: one query."""
    from leads.models import Lead

    known = set(Lead.objects.filter(pk__in=set(lead_ids.values())).values_list("pk", flat=True))
    return {
        index: {"lead": [NO_LEAD.format(id=lead_id)]}
        for index, lead_id in lead_ids.items()
        if lead_id not in known
    }


def events_validate(items: Sequence[Any]) -> tuple[list[Event], dict[int, dict | list]]:
    """Check behaviour events as a whole: each one's fields, then the leads they name by e-mail
    and the campaigns they name, looked up for the whole list at once (one query each, not one
    per event).

    Returns the unsaved events and, by index, the errors of the events that are wrong; the
    caller records the events (``events_record(events=…, validated=True)``) only when there
    are no errors. The one place the rules of an event are applied: the API's single-event and
    batch endpoints, JSON or form-posted, both come here.

    Leads named by id are looked up here only when some event is refused anyway, so that one
    answer names every bad event. Otherwise ``events_record`` refuses an unknown one as it
    records the events (``UnknownLeads``), through the foreign key the database checks in
    any case: a batch's thousand leads are not read twice.
    """
    # Imported here because the models import the registry above.
    from leads.models import Campaign, Channel, Event, Lead

    batch = _Batch(
        latest=timezone.now() + CLOCK_SKEW,
        zone=timezone.get_current_timezone(),
        channels=frozenset(Channel.values),
    )
    valid: dict[int, dict[str, Any]] = {}
    errors: dict[int, dict | list] = {}
    for index, item in enumerate(items):
        clean, item_errors = event_check(item, batch)
        if item_errors:
            errors[index] = item_errors
        else:
            valid[index] = clean

    emails = {
        Lead.normalize_email(fields["email"]) for fields in valid.values() if "email" in fields
    }
    campaign_ids = {fields["campaign"] for fields in valid.values() if fields["campaign"]}
    leads_by_email = dict(Lead.objects.filter(email__in=emails).values_list("email", "pk"))
    known_campaigns = set(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", flat=True))
    refused = errors or emails - leads_by_email.keys() or campaign_ids - known_campaigns
    unknown = (
        unknown_leads(
            {index: fields["lead"] for index, fields in valid.items() if "lead" in fields}
        )
        if refused
        else {}
    )

    events = []
    for index, fields in valid.items():
        item_errors: dict[str, list[str]] = dict(unknown.get(index, {}))
        if "lead" in fields:
            lead_id = fields["lead"]
        else:
            lead_id = leads_by_email.get(Lead.normalize_email(fields["email"]))
            if lead_id is None:
                item_errors["email"] = [f"No lead has the e-mail {fields['email']}."]
        if fields["campaign"] and fields["campaign"] not in known_campaigns:
            item_errors["campaign"] = [f"No campaign has the id {fields['campaign']}."]
        if item_errors:
            errors[index] = item_errors
            continue
        events.append(
            Event(
                lead_id=lead_id,
                type=fields["type"],
                occurred_at=fields["occurred_at"],
                properties=fields["properties"],
                channel=fields["channel"],
                campaign_id=fields["campaign"],
                source=fields["source"],
                idempotency_key=fields["idempotency_key"],
            )
        )
    return events, dict(sorted(errors.items()))
