"""Routing: each lead that becomes an MQL without an owner is given to a rep by the first
active rule it meets (by position): round robin within the rule's team, weighted if the rule
says so, skipping reps who are inactive, away or at capacity (their open MQLs). A bulk MQL of
thousands is routed in one pass: the leads read a chunk per statement, the reps chosen in
memory, the owners written per rep in one statement (``leads.owners.owners_write``, which keeps
the history), and each rep told once per batch, in the portal and by e-mail.

The round robin is fair across batches: a rule keeps how many leads it gave each rep
(``RoutingTally``), and each lead goes to the rep furthest behind their share. A rep who
joins, or comes back, starts level with the others rather than owed a backlog."""

from __future__ import annotations

import hashlib
import heapq
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, Stage
from leads.owners import OwnerMove, owners_write
from sla.models import (
    Notification,
    NotificationKind,
    RoutingRule,
    RoutingTally,
    TeamMember,
)
from smarketing.queueing import task_send_on_commit

logger = logging.getLogger(__name__)

CHUNK = 10_000


@dataclass(frozen=True)
class Routed:
    """What a routing pass did: leads given per rep, and those left in the unassigned queue
    because no rule took them or no rep of the rule's team could."""

    by_rep: dict[int, int] = field(default_factory=dict)
    unmatched: int = 0
    no_rep: int = 0

    @property
    def assigned(self) -> int:
        return sum(self.by_rep.values())


@dataclass
class _Seat:
    """A rep's place in a rule's round robin during one pass."""

    user_id: int
    weight: int
    assigned: int
    room: int | None  # leads they can still take (None: no limit)

    @property
    def next_finish(self) -> float:
        return (self.assigned + 1) / self.weight


def _rules() -> list[RoutingRule]:
    """The active rules, locked for the pass: two passes at once take turns, so neither gives
    a rep a turn the other gave too."""
    rules = list(
        RoutingRule.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(active=True)
        .order_by("position", "id")
    )
    personas = defaultdict(set)
    through = RoutingRule.personas.through.objects.filter(routingrule__in=rules)
    for rule_id, persona_id in through.values_list("routingrule_id", "persona_id"):
        personas[rule_id].add(persona_id)
    for rule in rules:
        rule.persona_ids = personas[rule.pk]
        rule.country_codes = set(rule.countries)
    return rules


def _matches(rule: RoutingRule, country: str, persona_id: int | None) -> bool:
    if rule.country_codes and country not in rule.country_codes:
        return False
    return not rule.persona_ids or persona_id in rule.persona_ids


def _seats(rule: RoutingRule, at: datetime) -> list[_Seat]:
    """The reps of the rule's team who can take leads at ``at``, with where each stands; a
    rep is away through ``away_until`` in the team's time zone."""
    today = timezone.localdate(at, ZoneInfo(rule.team.time_zone))
    members = [
        member
        for member in TeamMember.objects.filter(team_id=rule.team_id, user__is_active=True)
        if not member.is_away(today)
    ]
    if not members:
        return []
    user_ids = [member.user_id for member in members]
    open_mqls = dict(
        Lead.objects.filter(owner_id__in=user_ids, stage=Stage.MQL)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    tallies = dict(
        RoutingTally.objects.filter(rule=rule, user_id__in=user_ids).values_list(
            "user_id", "assigned"
        )
    )
    seats = []
    for member in members:
        weight = member.weight if rule.weighted else 1
        room = None
        if member.max_open_mqls is not None:
            room = max(member.max_open_mqls - open_mqls.get(member.user_id, 0), 0)
        seats.append(_Seat(member.user_id, weight, tallies.get(member.user_id), room))
    # A rep new to the rule starts level with the rep furthest behind.
    known = [seat.assigned / seat.weight for seat in seats if seat.assigned is not None]
    level = min(known, default=0)
    for seat in seats:
        if seat.assigned is None:
            seat.assigned = round(level * seat.weight)
    return [seat for seat in seats if seat.room != 0]


def _deal(seats: list[_Seat], count: int) -> list[int]:
    """``count`` turns dealt over the seats, each to the rep furthest behind their share
    (ties: the lower user id); fewer if every rep fills up."""
    heap = [(seat.next_finish, seat.user_id, index) for index, seat in enumerate(seats)]
    heapq.heapify(heap)
    turns = []
    while heap and len(turns) < count:
        _, user_id, index = heapq.heappop(heap)
        seat = seats[index]
        turns.append(user_id)
        seat.assigned += 1
        if seat.room is not None:
            seat.room -= 1
            if seat.room == 0:
                continue
        heapq.heappush(heap, (seat.next_finish, user_id, index))
    return turns


def _unowned_mqls(lead_ids: list[int]):
    """(id, country, persona) of those leads still MQLs without an owner, locked, by id."""
    country = Coalesce(NullIf(F("country"), Value("")), F("company__country"), Value(""))
    for start in range(0, len(lead_ids), CHUNK):
        yield from (
            Lead.objects.select_for_update(of=("self",))
            .filter(pk__in=lead_ids[start : start + CHUNK], stage=Stage.MQL, owner__isnull=True)
            .order_by("pk")
            .values_list("pk", country, "persona_id")
        )


@transaction.atomic
def mqls_route(lead_ids: Iterable[int], *, at: datetime | None = None) -> Routed:
    """Give each of these leads that is an MQL without an owner to a rep, by the rules."""
    ids = sorted(set(lead_ids))
    if not ids:
        return Routed()
    rules = _rules()
    if not rules:
        return Routed()
    at = at or timezone.now()
    by_rule: dict[int, list[int]] = defaultdict(list)
    unmatched = 0
    for lead_id, country, persona_id in _unowned_mqls(ids):
        rule = next((r for r in rules if _matches(r, country, persona_id)), None)
        if rule is None:
            unmatched += 1
        else:
            by_rule[rule.pk].append(lead_id)
    given: dict[int, list[int]] = defaultdict(list)
    no_rep = 0
    for rule in rules:
        leads = by_rule.get(rule.pk)
        if not leads:
            continue
        seats = _seats(rule, at)
        turns = _deal(seats, len(leads))
        no_rep += len(leads) - len(turns)
        moves = [OwnerMove(lead, None, rep) for lead, rep in zip(leads, turns, strict=False)]
        made = owners_write(moves, rule=f"Routing: {rule.name}", at=at)
        dealt = Counter(move.to_owner_id for move in made)
        for move in made:
            given[move.to_owner_id].append(move.lead_id)
        RoutingTally.objects.bulk_create(
            [RoutingTally(rule=rule, user_id=s.user_id, assigned=s.assigned) for s in seats
             if dealt[s.user_id]],
            update_conflicts=True, unique_fields=["rule", "user"], update_fields=["assigned"],
        )  # fmt: skip
    _notify_assigned(given, at)
    return Routed({rep: len(leads) for rep, leads in given.items()}, unmatched, no_rep)


# --- telling the reps --------------------------------------------------------------------------


def _notify_assigned(given: dict[int, list[int]], at: datetime) -> None:
    """One notification per rep for the leads this pass gave them, e-mailed after commit."""
    if not given:
        return
    queue = reverse("leads:queue")
    rows = []
    for rep, leads in given.items():
        digest = hashlib.sha1(",".join(map(str, sorted(leads))).encode(), usedforsecurity=False)
        count = len(leads)
        text = (
            f"{count} new MQLs were routed to you."
            if count > 1
            else f"A new MQL was routed to you: {Lead.objects.get(pk=leads[0])}."
        )
        rows.append(
            Notification(
                user_id=rep, kind=NotificationKind.MQLS_ASSIGNED, created_at=at, text=text,
                key=f"routed:{digest.hexdigest()}", url=queue, lead_ids=sorted(leads)[:1000],
            )
        )  # fmt: skip
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    from sla.tasks import notifications_email_task

    task_send_on_commit(notifications_email_task)


def notifications_email(*, older_than=None) -> int:
    """E-mail each notification not e-mailed yet (each claimed first, so two workers never
    send one twice); returns how many were sent. A send that fails is claimed back and tried
    by the next run."""
    pending = Notification.objects.filter(emailed_at__isnull=True).select_related("user")
    if older_than is not None:
        pending = pending.filter(created_at__lte=older_than)
    sent = 0
    for notification in pending.order_by("id")[:500]:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        if not notification.user.email:
            continue
        try:
            send_mail(
                subject=f"Smarketing: {notification.get_kind_display()}",
                message=f"{notification.text}\n\nOpen: {settings.PORTAL_URL}{notification.url}\n",
                from_email=None,
                recipient_list=[notification.user.email],
            )
        except OSError as error:
            logger.warning("Notification %s not e-mailed: %s.", notification.pk, error)
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        else:
            sent += 1
    return sent


def notifications_read(user) -> int:
    """Mark all the user's notifications read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- the hook ----------------------------------------------------------------------------------


def stage_changes_written(changes: Sequence) -> None:
    """The lifecycle's hook (after commit): route the leads that became MQLs."""
    entered = [change for change in changes if change.to_stage == Stage.MQL]
    if entered:
        mqls_route([c.lead_id for c in entered], at=max(c.at for c in entered))
