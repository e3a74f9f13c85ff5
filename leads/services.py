"""Writes of the leads app: creating and updating leads, recording behaviour and sales
activity, assigning owners. Stage changes live in ``leads.lifecycle``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial, update_wrapper

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from psycopg.types.json import Jsonb

from leads.events import UnknownLeads, unknown_leads
from leads.lifecycle import StageChange, lead_move_stage, stage_changes_write
from leads.models import Company, Consent, Event, Lead, Note, RejectionReason, Stage, Touch
from leads.owners import OwnerMove, owners_write
from leads.permissions import lead_change_refusal, owner_change
from leads.privacy import consent_stamp, erased_refusal
from leads.scoring.incremental import scoring_enqueue
from leads.search import leads_search_write

# Fields a user, the API or an import may set on a lead (stage and scores have their own paths).
LEAD_EDITABLE_FIELDS = (
    "first_name", "last_name", "job_title", "seniority", "department", "phone", "company",
    "city", "country", "lead_status", "original_channel", "original_utm_source", "original_utm_medium",
    "original_utm_campaign", "latest_channel", "latest_utm_source", "latest_utm_medium",
    "latest_utm_campaign", "campaign", "owner", "persona", "journey_stage",
    "budget_confirmed", "authority_confirmed", "need_confirmed", "timeline_confirmed",
    "consent", "unsubscribed",
)  # fmt: skip


def normalize_domain(domain: str) -> str:
    domain = domain.strip().lower()
    for prefix in ("https://", "http://", "www."):
        domain = domain.removeprefix(prefix)
    return domain.split("/")[0]


def company_for(*, name: str, domain: str = "", **fields) -> Company:
    """The company with this domain (matched case-insensitively), created when missing; without
    a domain, the company of that exact name."""
    domain = normalize_domain(domain)
    if domain:
        company, _ = Company.objects.get_or_create(
            domain=domain, defaults={"name": name or domain, **fields}
        )
        return company
    company = Company.objects.filter(name__iexact=name, domain="").first()
    return company or Company.objects.create(name=name, **fields)


@transaction.atomic
def company_save(company: Company) -> Company:
    """Check and save ``company``; its leads' search text follows a new name."""
    company.full_clean()
    company.save()
    leads_search_write(Lead.objects.filter(company=company))
    return company


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(LEAD_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")


@transaction.atomic
def lead_create(
    *,
    email: str,
    stage: str = Stage.LEAD,
    actor=None,
    rule: str = "",
    created_at: datetime | None = None,
    consent_source: str = "",
    **fields,
) -> Lead:
    """Create a lead and the transition that records where it entered the funnel; a consent
    status given is stamped with ``consent_source`` and the time."""
    _check_fields(fields)
    consent_stamp(fields, current=None, source=consent_source)
    email = Lead.normalize_email(email)
    if Lead.objects.filter(email=email).exists():
        raise ValidationError({"email": f"A lead with the e-mail {email} already exists."})
    now = created_at or timezone.now()
    lead = Lead(email=email, stage=stage, stage_changed_at=now, created_at=now, **fields)
    lead.full_clean()
    lead.save()
    leads_search_write(Lead.objects.filter(pk=lead.pk))
    entry = StageChange(
        lead_id=lead.pk, from_stage="", to_stage=stage, at=now,
        actor_id=actor.pk if actor is not None else None, rule=rule, reason="Created",
        scores=lead.score_snapshot(),
    )  # fmt: skip
    stage_changes_write([entry], apply=False)
    scoring_enqueue([lead.pk])
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, consent_source: str = "", **fields) -> Lead:
    """Change a lead's profile fields (not its stage, not its scores). Only those fields are
    written, so a stage move or a rescore committed since ``lead`` was read is kept. A new
    consent status is stamped with ``consent_source`` and the time; a lead whose data was
    erased is refused."""
    _check_fields(fields)
    if refusal := erased_refusal(lead):
        raise ValidationError(refusal)
    consent_stamp(fields, current=lead.consent, source=consent_source)
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.full_clean()
    lead.save(update_fields=[*fields, "updated_at"])
    leads_search_write(Lead.objects.filter(pk=lead.pk))
    scoring_enqueue([lead.pk])
    return lead


@dataclass(frozen=True)
class Assigned:
    """What ``leads_assign`` did: how many leads changed owner, and why others did not."""

    changed: int
    refusals: list[str] = field(default_factory=list)


@transaction.atomic
def leads_assign(*, lead_ids: Iterable[int], owner, actor=None, rule: str = "") -> Assigned:
    """Give these leads to ``owner`` (None: unassign); leads that do not exist are skipped.
    Each change is kept in the lead's owner history, by ``actor`` or by ``rule``.

    With ``actor`` (a person, not routing), each lead changes only if ``actor`` may make that
    change (``leads.permissions``: a rep claims only unowned leads, managers and admins assign
    any), judged on its owner as it is now: the leads are locked while they are read, so two
    reps claiming one lead at once leave it with one of them, and the other told why."""
    owner_id = owner.pk if owner is not None else None
    leads = Lead.objects.filter(pk__in=list(lead_ids)).exclude(owner=owner)
    moves, refusals = [], []
    locked = leads.select_for_update().order_by("pk")
    for lead in locked.only("id", "owner", "email", "first_name", "last_name"):
        if actor is not None:
            change = owner_change(lead, actor, owner)
            refusal = lead_change_refusal(lead, actor, change) if change else None
            if refusal:
                refusals.append(f"{lead}: {refusal}")
                continue
        moves.append(OwnerMove(lead.pk, lead.owner_id, owner_id))
    made = owners_write(moves, actor_id=actor.pk if actor is not None else None, rule=rule)
    return Assigned(len(made), refusals)


def leads_recycle(
    *, leads: Iterable[Lead], actor, rejection_reason: RejectionReason | None, reason: str = ""
) -> tuple[int, list[str]]:
    """Recycle each lead through the lifecycle, for this reason code and note; returns how many
    moved and why others did not."""
    moved, refusals = 0, []
    for lead in leads:
        try:
            lead_move_stage(
                lead=lead,
                to_stage=Stage.RECYCLED,
                actor=actor,
                reason=reason,
                rejection_reason=rejection_reason,
            )
        except ValidationError as refusal:
            refusals.append(f"{lead}: {' '.join(refusal.messages)}")
        else:
            moved += 1
    return moved, refusals


@dataclass(frozen=True)
class EventsRecorded:
    """What ``events_record`` did with the events it was given."""

    # Each given event as stored, in the order given: the event itself when it is new, else
    # the event stored first under its source and key.
    events: list[Event]
    # The indexes of the events that were stored before under their source and key, or came
    # earlier in the same list.
    repeats: list[int]

    @property
    def created(self) -> int:
        return len(self.events) - len(self.repeats)


def events_record(
    *, events: list[Event], validated: bool = False, with_ids: bool = True
) -> EventsRecorded:
    """Append behaviour events. The one place events are written; their leads are scored when
    the transaction commits, and an ``unsubscribe`` withdraws its lead's consent at once.

    An event with an idempotency key is stored once per source: a repeat (of an event stored
    before, by a concurrent request, or earlier in the same list) is not stored again, and
    neither scores nor unsubscribes again.

    ``validated`` says the events come from ``leads.events.events_validate``, which has checked
    them as a whole; other events are checked one by one here. Either way an event naming a
    lead that does not exist refuses them all (``UnknownLeads``, by index), with none written.
    Without ``with_ids``, PostgreSQL copies keyless events in (``COPY``, a few times cheaper
    than an INSERT of a batch), and the new events come back without their ids."""
    if not validated:
        for event in events:
            # A repeated key is answered, not refused: the insert below sees to it.
            event.full_clean(exclude=["lead", "campaign"], validate_constraints=False)
    repeats_in_list = _repeats_in_list(events)
    unique = [event for index, event in enumerate(events) if index not in repeats_in_list]
    lead_ids = dict(enumerate(event.lead_id for event in events))
    try:
        with transaction.atomic():
            if any(event.idempotency_key is not None for event in unique):
                stored, new = _events_insert_new(unique)
            else:
                stored, new = _events_insert(unique, with_ids=with_ids), [True] * len(unique)
            if connection.vendor == "postgresql":
                # The foreign keys of what was just written, checked now rather than at commit.
                connection.check_constraints()
            elif unknown := unknown_leads(lead_ids):
                raise UnknownLeads(unknown)
            created = [event for event, is_new in zip(stored, new, strict=True) if is_new]
            unsubscribes_apply(events=created)
            scoring_enqueue((event.lead_id for event in created), mark=False)
    except IntegrityError as error:
        if not (unknown := unknown_leads(lead_ids)):
            raise
        raise UnknownLeads(unknown) from error
    return _as_given(len(events), repeats_in_list, stored, new)


def _repeats_in_list(events: list[Event]) -> dict[int, int]:
    """The index of each event whose source and key came earlier in the list, and the index
    of that first one."""
    first_by_key: dict[tuple[str, str], int] = {}
    repeats = {}
    for index, event in enumerate(events):
        if event.idempotency_key is not None:
            first = first_by_key.setdefault((event.source, event.idempotency_key), index)
            if first != index:
                repeats[index] = first
    return repeats


def _as_given(
    count: int, repeats_in_list: dict[int, int], stored: list[Event], new: list[bool]
) -> EventsRecorded:
    """Each of the ``count`` given events as stored, from what was written for those that did
    not repeat an earlier one of the list."""
    written = zip(stored, new, strict=True)
    events: list[Event] = []
    repeats: list[int] = []
    for index in range(count):
        if index in repeats_in_list:
            event, is_new = events[repeats_in_list[index]], False
        else:
            event, is_new = next(written)
        events.append(event)
        if not is_new:
            repeats.append(index)
    return EventsRecorded(events=events, repeats=repeats)


_EVENT_COLUMNS = ("lead", "type", "occurred_at", "properties", "channel", "campaign", "source",
                  "idempotency_key", "created_at")  # fmt: skip


def _events_insert(events: list[Event], *, with_ids: bool) -> list[Event]:
    """Insert events without keys: by ``COPY`` on PostgreSQL when their ids are not needed."""
    if with_ids or connection.vendor != "postgresql":
        return Event.objects.bulk_create(events)
    fields = [Event._meta.get_field(name) for name in _EVENT_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        statement = f"COPY {connection.ops.quote_name(Event._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for event in events:
                event.created_at = now
                copy.write_row(
                    (event.lead_id, event.type, event.occurred_at, Jsonb(event.properties),
                     event.channel, event.campaign_id, event.source, None, now)
                )  # fmt: skip
    return events


def _events_insert_new(events: list[Event]) -> tuple[list[Event], list[bool]]:
    """Insert the events whose key is not stored yet (no two of ``events`` share one): each
    event as stored, and whether it is new.

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique index of source and key: a concurrent
    request inserting the same key makes this one wait for its commit and then skip the
    event, so a key is stored once however many requests race. Keyed events go in the order
    of their keys, so that two batches sharing keys wait for each other rather than deadlock.
    """
    keyless = [event for event in events if event.idempotency_key is None]
    keyed = sorted(
        (event for event in events if event.idempotency_key is not None),
        key=lambda event: (event.source, event.idempotency_key),
    )
    returned = _events_insert_returning([*keyless, *keyed])
    # Rows come back in the order they were written, as Django's bulk_create (which inserts
    # from arrays too) relies on: the keyless ones take their ids in turn.
    keyless_ids = iter([pk for pk, _, key in returned if key is None])
    new_keys = {(source, key): pk for pk, source, key in returned if key is not None}
    stored_before = _events_stored(
        [event for event in keyed if (event.source, event.idempotency_key) not in new_keys]
    )
    as_stored, new = [], []
    for event in events:
        key = (event.source, event.idempotency_key)
        if event.idempotency_key is None:
            event.pk = next(keyless_ids)
        elif key in new_keys:
            event.pk = new_keys[key]
        else:
            as_stored.append(stored_before[key])
            new.append(False)
            continue
        as_stored.append(event)
        new.append(True)
    return as_stored, new


def _events_insert_returning(events: list[Event]) -> list[tuple[int, str, str | None]]:
    """One ``INSERT`` of ``events`` that skips those whose key is stored already: the id,
    source and key of each row written."""
    fields = [Event._meta.get_field(name) for name in _EVENT_COLUMNS]
    now = timezone.now()
    for event in events:
        event.created_at = now
    if connection.vendor == "postgresql":
        # One array per column: a thousand events are nine parameters, not nine thousand
        # (whose binding cost four times the insert).
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        rows = f"SELECT * FROM unnest({arrays})"  # noqa: S608 - our own column types
        values = [[_column_value(event, field) for event in events] for field in fields]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        rows = "VALUES " + ", ".join([row] * len(events))
        values = [
            field.get_db_prep_save(getattr(event, field.attname), connection)
            for event in events
            for field in fields
        ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608 - our own names
            f"({', '.join(quote(field.column) for field in fields)}) {rows} "
            "ON CONFLICT (source, idempotency_key) WHERE idempotency_key IS NOT NULL "
            "DO NOTHING RETURNING id, source, idempotency_key",
            values,
        )
        return cursor.fetchall()


def _column_value(event: Event, field) -> object:
    value = getattr(event, field.attname)
    return Jsonb(value) if field.name == "properties" else value


def _events_stored(events: list[Event]) -> dict[tuple[str, str], Event]:
    """The stored events with the sources and keys of ``events``, by source and key."""
    if not events:
        return {}
    keys_by_source: dict[str, list[str]] = {}
    for event in events:
        keys_by_source.setdefault(event.source, []).append(event.idempotency_key)
    matching = Q()
    for source, keys in keys_by_source.items():
        matching |= Q(source=source, idempotency_key__in=keys)
    return {
        (event.source, event.idempotency_key): event for event in Event.objects.filter(matching)
    }


UNSUBSCRIBE_SOURCE = "An unsubscribe event"


def unsubscribes_apply(*, events: list[Event]) -> None:
    """The leads of the ``unsubscribe`` events among these new events are unsubscribed and
    their consent withdrawn. Called in the transaction that writes the events, by
    ``events_record`` and by the demo (which writes its history without scoring it)."""
    lead_ids = {event.lead_id for event in events if event.type == "unsubscribe"}
    if lead_ids:
        now = timezone.now()
        Lead.objects.filter(pk__in=lead_ids).update(
            unsubscribed=True, consent=Consent.WITHDRAWN, consent_source=UNSUBSCRIBE_SOURCE,
            consent_at=now, updated_at=now,
        )  # fmt: skip


@transaction.atomic
def touch_log(
    *, lead: Lead, by, kind: str, outcome: str, at: datetime | None = None, note: str = ""
) -> Touch:
    """Record a sales activity on a lead; once it commits, the touch subscribers
    (``settings.LEADS_TOUCH_SUBSCRIBERS``: the SLA clocks) are given the lead."""
    touch = Touch(lead=lead, by=by, kind=kind, outcome=outcome, at=at or timezone.now(), note=note)
    touch.full_clean()
    touch.save()
    for subscriber in settings.LEADS_TOUCH_SUBSCRIBERS:
        notify = import_string(subscriber)
        transaction.on_commit(update_wrapper(partial(notify, [lead.pk]), notify), robust=True)
    return touch


NOTE_MAX_LENGTH = 10_000


@transaction.atomic
def note_add(*, lead: Lead, author, body: str) -> Note:
    """Add a note to a lead, for both teams; a blank or overlong note is refused."""
    note = Note(lead=lead, author=author, body=body.strip())
    if len(note.body) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": f"A note holds at most {NOTE_MAX_LENGTH:,} characters; this one has "
             f"{len(note.body):,}."}
        )  # fmt: skip
    note.full_clean()
    note.save()
    return note
