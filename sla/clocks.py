"""SLA clocks: sales' promises on each MQL, timed.

The lifecycle's one hook (``settings.LEADS_STAGE_CHANGE_SUBSCRIBERS``) hands every stage change
to ``stage_changes_written`` once it commits: a lead that becomes an MQL — made by the
criteria in bulk, by an import, on the board or through the API alike — gets its three clocks
(first touch, touches, decision) under the agreement in force at that moment; a decision on
an MQL (accepted, or rejected: recycled or disqualified) meets its decision clock; a rejection
stops the clocks still open. Touches arrive the same way (``settings.LEADS_TOUCH_SUBSCRIBERS``).
Due times count the business hours of the sales team of the lead's owner
(``sla.business_hours``).

Every step is idempotent and recomputed from the leads' own history (their stage, their
touches), so the sweep (``clocks_sweep``, every minute) repairs whatever a hook missed — a
process that died between its commit and its hook — and then records the breaches: one
guarded ``UPDATE … RETURNING`` marks each running clock past its due time once, also with two
workers sweeping at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sla.alerts import Breach, breaches_announce
from sla.business_hours import Calendar, week_parse
from sla.models import (
    OFFICE_HOURS,
    OPEN_CLOCKS,
    Agreement,
    Clock,
    ClockKind,
    ClockStatus,
    Function,
    Team,
    TeamMember,
)

log = logging.getLogger(__name__)

MQL, RECYCLED, DISQUALIFIED = "mql", "recycled", "disqualified"
REJECTED = (RECYCLED, DISQUALIFIED)
BATCH = 5_000
AT_RISK_WITHIN = timedelta(hours=1)
DEFAULT_PACE = timedelta(minutes=15)
LOAD_LIMIT = 500


def _lead_model():
    return apps.get_model("leads", "Lead")


def _touch_model():
    return apps.get_model("leads", "Touch")


# --- calendars ---------------------------------------------------------------------------------


class Calendars:
    """The business hours each owner's clocks count: their sales team's, else the first sales
    team's, else Monday to Friday 09:00–17:00 in the portal's time zone. Read once a call."""

    def __init__(self, owner_ids: Iterable[int | None]) -> None:
        teams = {team.pk: team for team in Team.objects.prefetch_related("days_off")}
        self._calendars = {
            pk: team.calendar([day.on for day in team.days_off.all()]) for pk, team in teams.items()
        }
        self._paces = {pk: timedelta(minutes=team.minutes_per_touch) for pk, team in teams.items()}
        self._team_of = dict(
            TeamMember.objects.filter(
                user_id__in={pk for pk in owner_ids if pk}, team__function=Function.SALES
            ).values_list("user_id", "team_id")
        )
        sales = [pk for pk, team in teams.items() if team.function == Function.SALES]
        self._default_team = min(sales, key=lambda pk: teams[pk].name, default=None)
        self._fallback = Calendar(week=week_parse(OFFICE_HOURS), timezone=settings.TIME_ZONE)

    def key(self, owner_id: int | None) -> int | None:
        return self._team_of.get(owner_id, self._default_team)

    def of(self, owner_id: int | None) -> Calendar:
        team = self.key(owner_id)
        return self._calendars[team] if team is not None else self._fallback

    def pace(self, owner_id: int | None) -> timedelta:
        """The working time a first touch takes the owner's team."""
        team = self.key(owner_id)
        return self._paces[team] if team is not None else DEFAULT_PACE


def _datetime(value) -> datetime:
    """A timestamp a raw cursor returned: SQLite's come back as text, in UTC."""
    if isinstance(value, str):
        return timezone.make_aware(parse_datetime(value), UTC)
    return value


def _hours(value: Decimal) -> timedelta:
    return timedelta(minutes=int(value * 60))


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# --- starting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    lead_id: int
    at: datetime
    owner_id: int | None


def clocks_start(starts: Sequence[Start]) -> int:
    """Start the three clocks of each lead that became an MQL at ``at``, under the agreement in
    force then (none, no clocks). A clock already started then, or still open, is kept.
    Touches logged since (a repair) are counted at once. Returns the clocks asked for."""
    if not starts:
        return 0
    calendars = Calendars(start.owner_id for start in starts)
    agreements: dict[datetime, Agreement | None] = {}
    dues: dict[tuple, datetime] = {}
    rows = []
    for start in starts:
        if start.at not in agreements:
            agreements[start.at] = Agreement.objects.in_force(at=start.at)
        agreement = agreements[start.at]
        if agreement is None:
            continue
        team = calendars.key(start.owner_id)
        for kind in ClockKind:
            key = (team, start.at, kind, agreement.pk)
            if key not in dues:
                dues[key] = _due(agreement, kind, calendars.of(start.owner_id), start.at)
            needed = agreement.touches_required if kind == ClockKind.TOUCHES else 1
            rows.append(
                (start.lead_id, kind, agreement.pk, start.owner_id, start.at, dues[key], needed)
            )
    _clocks_insert(rows)
    # Only leads touched since they became MQLs (a repair, a backfill) have touches to count.
    earliest = min(start.at for start in starts)
    lead_ids = [start.lead_id for start in starts]
    touched: set[int] = set()
    for offset in range(0, len(lead_ids), BATCH):
        touched.update(
            _touch_model()
            .objects.filter(lead_id__in=lead_ids[offset : offset + BATCH], at__gte=earliest)
            .values_list("lead_id", flat=True)
        )
    clocks_touched(touched)
    return len(rows)


INSERT_COLUMNS = ("lead_id", "kind", "agreement_id", "owner_id", "started_at", "due_at",
                  "touches_needed")  # fmt: skip
INSERT_TYPES = ("bigint", "text", "bigint", "integer", "timestamptz", "timestamptz", "smallint")
INSERT_BATCH = 20_000


def _clocks_insert(rows: list[tuple]) -> None:
    """Insert running clocks (``INSERT_COLUMNS``), keeping those already there: on PostgreSQL
    one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` a batch, its columns passed
    as arrays; elsewhere ``bulk_create``."""
    if not rows:
        return
    with transaction.atomic():
        if connection.vendor != "postgresql":
            Clock.objects.bulk_create(
                [Clock(**dict(zip(INSERT_COLUMNS, row, strict=True))) for row in rows],
                batch_size=1_000,
                ignore_conflicts=True,
            )
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(name) for name in (*INSERT_COLUMNS, "status", "touches_done"))
        arrays = ", ".join(f"%s::{kind}[]" for kind in INSERT_TYPES)
        statement = (
            f"INSERT INTO {quote(Clock._meta.db_table)} ({columns}) "  # noqa: S608 - our names
            f"SELECT *, %s, 0 FROM unnest({arrays}) ON CONFLICT DO NOTHING"
        )
        with connection.cursor() as cursor:
            for offset in range(0, len(rows), INSERT_BATCH):
                batch = rows[offset : offset + INSERT_BATCH]
                columns_of = [list(column) for column in zip(*batch, strict=True)]
                cursor.execute(statement, [ClockStatus.RUNNING.value, *columns_of])


def _due(agreement: Agreement, kind: str, calendar: Calendar, at: datetime) -> datetime:
    if kind == ClockKind.FIRST_TOUCH:
        return calendar.add(at, _hours(agreement.first_touch_hours))
    if kind == ClockKind.DECISION:
        return calendar.add(at, _hours(agreement.decision_hours))
    return at + timedelta(days=agreement.touches_within_days)


# --- meeting and stopping ----------------------------------------------------------------------


def _met(clock: Clock, at: datetime, calendars: Calendars) -> None:
    """Met at ``at``: late (breached at its due time) if that was after it, whether or not a
    sweep saw it pass first."""
    clock.status = ClockStatus.MET
    clock.met_at = at
    clock.met_after_minutes = _minutes(calendars.of(clock.owner_id).elapsed(clock.started_at, at))
    if at > clock.due_at and clock.breached_at is None:
        clock.breached_at = clock.due_at


MET_FIELDS = ["status", "met_at", "met_after_minutes", "touches_done", "breached_at"]


def clocks_touched(lead_ids: Iterable[int]) -> int:
    """Count the touches of these leads' open first-touch and touches clocks, from the touches
    logged since each started; meet those that now hold. Recomputed, so running it twice
    changes nothing. Returns the clocks met."""
    lead_ids = list(lead_ids)
    met = 0
    for start in range(0, len(lead_ids), BATCH):
        ids = lead_ids[start : start + BATCH]
        with transaction.atomic():
            clocks = list(
                Clock.objects.select_for_update()
                .filter(
                    lead_id__in=ids,
                    status__in=OPEN_CLOCKS,
                    kind__in=(ClockKind.FIRST_TOUCH, ClockKind.TOUCHES),
                )
                .order_by("id")
            )
            if not clocks:
                continue
            earliest = min(clock.started_at for clock in clocks)
            touches: dict[int, list[datetime]] = defaultdict(list)
            for lead_id, at in (
                _touch_model()
                .objects.filter(lead_id__in={c.lead_id for c in clocks}, at__gte=earliest)
                .order_by("at")
                .values_list("lead_id", "at")
            ):
                touches[lead_id].append(at)
            calendars = Calendars(clock.owner_id for clock in clocks)
            changed = []
            for clock in clocks:
                since = [at for at in touches[clock.lead_id] if at >= clock.started_at]
                done = min(len(since), clock.touches_needed)
                if done == clock.touches_done and done < clock.touches_needed:
                    continue
                clock.touches_done = done
                if done >= clock.touches_needed:
                    _met(clock, since[clock.touches_needed - 1], calendars)
                    met += 1
                changed.append(clock)
            Clock.objects.bulk_update(changed, MET_FIELDS, batch_size=1_000)
    return met


def clocks_decided(decisions: Sequence[tuple[int, datetime]]) -> int:
    """Meet the open decision clock of each lead decided on at that moment (accepted, or
    rejected), if it started before. Returns the clocks met."""
    at_of = dict(decisions)
    met = 0
    for start in range(0, len(decisions), BATCH):
        ids = [lead_id for lead_id, _at in decisions[start : start + BATCH]]
        with transaction.atomic():
            clocks = list(
                Clock.objects.select_for_update()
                .filter(lead_id__in=ids, status__in=OPEN_CLOCKS, kind=ClockKind.DECISION)
                .order_by("id")
            )
            calendars = Calendars(clock.owner_id for clock in clocks)
            changed = [clock for clock in clocks if clock.started_at <= at_of[clock.lead_id]]
            for clock in changed:
                _met(clock, at_of[clock.lead_id], calendars)
            Clock.objects.bulk_update(changed, MET_FIELDS, batch_size=1_000)
            met += len(changed)
    return met


def clocks_stop(stops: Sequence[tuple[int, datetime]]) -> int:
    """Stop the open clocks of each lead rejected at that moment. Returns the clocks stopped."""
    stopped = 0
    by_time: dict[datetime, list[int]] = defaultdict(list)
    for lead_id, at in stops:
        by_time[at].append(lead_id)
    for at, ids in by_time.items():
        for start in range(0, len(ids), BATCH):
            stopped += Clock.objects.filter(
                lead_id__in=ids[start : start + BATCH],
                status__in=OPEN_CLOCKS,
                started_at__lte=at,
            ).update(
                status=ClockStatus.STOPPED,
                stopped_at=at,
                # Stopped after its due time: it was breached, seen by a sweep or not.
                breached_at=Case(
                    When(breached_at__isnull=True, due_at__lte=at, then=F("due_at")),
                    default=F("breached_at"),
                ),
            )
    return stopped


# --- the hooks ---------------------------------------------------------------------------------


def stage_changes_written(changes) -> None:
    """The lifecycle's hook (after commit): start, meet and stop the clocks of these changes."""
    decisions = [(c.lead_id, c.at) for c in changes if c.from_stage == MQL and c.to_stage != MQL]
    if decisions:
        clocks_decided(decisions)
    stops = [(c.lead_id, c.at) for c in changes if c.to_stage in REJECTED]
    if stops:
        clocks_stop(stops)
    entered = [c for c in changes if c.to_stage == MQL]
    if entered:
        ids = [c.lead_id for c in entered]
        owners: dict[int, int | None] = {}
        for offset in range(0, len(ids), BATCH):
            owners.update(
                _lead_model()
                .objects.filter(pk__in=ids[offset : offset + BATCH])
                .values_list("pk", "owner_id")
            )
        clocks_start([Start(c.lead_id, c.at, owners.get(c.lead_id)) for c in entered])


def owners_changed(moves) -> None:
    """The owner hook (after commit): a running clock follows its lead to the new owner (a
    breached one stays with the rep who let it pass)."""
    by_owner: dict[int | None, list[int]] = defaultdict(list)
    for move in moves:
        by_owner[move.to_owner_id].append(move.lead_id)
    for owner_id, lead_ids in by_owner.items():
        for offset in range(0, len(lead_ids), BATCH):
            Clock.objects.filter(
                lead_id__in=lead_ids[offset : offset + BATCH], status=ClockStatus.RUNNING
            ).exclude(owner_id=owner_id).update(owner_id=owner_id)


def touches_logged(lead_ids: Iterable[int]) -> None:
    """The touch hook (after commit)."""
    clocks_touched(set(lead_ids))


# --- the sweep ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    started: int
    decided: int
    stopped: int
    touched: int
    breached: list[int]


def clocks_sweep(now: datetime | None = None) -> Sweep:
    """Repair what a hook missed (from the leads' stages and touches), then mark each running
    clock past its due time as breached, once. Returns what it did; ``breached`` lists the
    clocks it marked."""
    now = now or timezone.now()
    Lead = _lead_model()
    first = (
        Agreement.objects.signed()
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    started = 0
    if first is not None:
        missing = (
            Lead.objects.filter(stage=MQL, stage_changed_at__gte=first, stage_changed_at__lte=now)
            .exclude(
                Exists(
                    Clock.objects.filter(
                        lead=OuterRef("pk"),
                        kind=ClockKind.DECISION,
                        started_at__gte=OuterRef("stage_changed_at"),
                    )
                )
            )
            .values_list("pk", "stage_changed_at", "owner_id")[:BATCH]
        )
        started = clocks_start([Start(pk, at, owner) for pk, at, owner in missing])
    open_clocks = Clock.objects.filter(status__in=OPEN_CLOCKS)
    Transition = apps.get_model("leads", "StageTransition")
    left_mql = (
        Transition.objects.filter(
            lead=OuterRef("lead_id"), from_stage=MQL, at__gte=OuterRef("started_at")
        )
        .order_by("at")
        .values("at")[:1]
    )
    undecided = list(
        open_clocks.filter(kind=ClockKind.DECISION)
        .exclude(lead__stage=MQL)
        .annotate(decided_at=Subquery(left_mql))
        .filter(decided_at__isnull=False)
        .values_list("lead_id", "decided_at")[:BATCH]
    )
    decided = clocks_decided(undecided) if undecided else 0
    rejected = list(
        open_clocks.filter(lead__stage__in=REJECTED, lead__stage_changed_at__gte=F("started_at"))
        .values_list("lead_id", "lead__stage_changed_at")
        .distinct()[:BATCH]
    )
    stopped = clocks_stop(rejected) if rejected else 0
    Touch = _touch_model()
    untouched = (
        open_clocks.filter(kind__in=(ClockKind.FIRST_TOUCH, ClockKind.TOUCHES))
        .filter(
            Exists(Touch.objects.filter(lead=OuterRef("lead_id"), at__gte=OuterRef("started_at")))
        )
        .values_list("lead_id", flat=True)
        .distinct()[:BATCH]
    )
    touched = clocks_touched(list(untouched))
    return Sweep(started, decided, stopped, touched, clocks_breach(now))


def clocks_breach(now: datetime) -> list[int]:
    """Mark the running clocks whose due time has passed as breached (at their due time), each
    once, and announce them in the same transaction (``sla.alerts``): the update is guarded by
    the status it changes, so a second sweep — or one running beside it — finds nothing left
    to mark or to announce. Returns the ids it marked."""
    table = connection.ops.quote_name(Clock._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, breached_at = due_at "  # noqa: S608 - our table
            "WHERE status = %s AND due_at <= %s "
            "RETURNING id, lead_id, kind, owner_id, started_at, due_at",
            [ClockStatus.BREACHED, ClockStatus.RUNNING, now],
        )
        breaches = [
            Breach(pk, lead, kind, owner, _datetime(started), _datetime(due))
            for pk, lead, kind, owner, started, due in cursor.fetchall()
        ]
        breaches_announce(breaches, now)
    return sorted(breach.clock_id for breach in breaches)


# --- reading -----------------------------------------------------------------------------------


def at_risk(now: datetime | None = None) -> Q:
    """Running clocks due within ``AT_RISK_WITHIN`` of now."""
    now = now or timezone.now()
    return Q(status=ClockStatus.RUNNING, due_at__gt=now, due_at__lte=now + AT_RISK_WITHIN)


@dataclass(frozen=True)
class Overload:
    """A rep with more untouched MQLs than their working hours can reach in time: at their
    team's pace, ``late`` of the ``waiting`` would be touched after their first-touch clock is
    due (``first_late`` the soonest of them), however they are ordered."""

    owner: object
    waiting: int
    late: int
    pace: timedelta
    first_late: Clock
    cut_off: bool

    @property
    def pace_minutes(self) -> int:
        return _minutes(self.pace)


def reps_overloaded(now: datetime | None = None, owner_ids=None) -> list[Overload]:
    """The reps (of ``owner_ids``, else all) whose running first-touch clocks cannot all be met:
    touching them soonest due first, one after another at the team's minutes a touch, within
    the team's business hours, skipping any that would finish late (which leaves the most met
    on time when every touch takes as long). Reads each rep's ``LOAD_LIMIT`` soonest clocks;
    ``cut_off`` says a rep has more. Most loaded first."""
    now = now or timezone.now()
    clocks = Clock.objects.filter(
        kind=ClockKind.FIRST_TOUCH, status=ClockStatus.RUNNING, due_at__gt=now, owner__isnull=False
    )
    if owner_ids is not None:
        clocks = clocks.filter(owner_id__in=list(owner_ids))
    ranked = clocks.annotate(
        place=Window(RowNumber(), partition_by=[F("owner_id")], order_by=[F("due_at"), F("id")]),
        waiting=Window(Count("id"), partition_by=[F("owner_id")]),
    ).filter(place__lte=LOAD_LIMIT)
    by_owner: dict[int, list[Clock]] = defaultdict(list)
    for clock in ranked.select_related("lead", "owner").order_by("owner_id", "due_at", "id"):
        by_owner[clock.owner_id].append(clock)
    if not by_owner:
        return []
    calendars = Calendars(by_owner)
    overloads = []
    for owner_id, owned in by_owner.items():
        calendar, pace = calendars.of(owner_id), calendars.pace(owner_id)
        cursor, late = now, []
        try:
            for place, clock in enumerate(owned):
                if calendar.add(cursor, pace * (len(owned) - place)) <= clock.due_at:
                    break  # the rest, each due no sooner, all fit one after another
                finish = calendar.add(cursor, pace)
                if finish <= clock.due_at:
                    cursor = finish
                else:
                    late.append(clock)
        except ValueError:  # a calendar closed for good: nothing can be planned in it
            continue
        if late:
            waiting = owned[0].waiting
            overloads.append(
                Overload(owned[0].owner, waiting, len(late), pace, late[0], waiting > len(owned))
            )
    return sorted(overloads, key=lambda o: (-o.late, o.first_late.due_at))


# --- replaying a history -----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One entry of a lead's history: a stage change (``to_stage`` set) or a touch."""

    at: datetime
    from_stage: str = ""
    to_stage: str = ""


def clocks_expected(
    *,
    lead_id: int,
    owner_id: int | None,
    transitions: Sequence[Step],
    touches: Sequence[datetime],
    in_force,
    calendars: Calendars,
    now: datetime,
) -> list[Clock]:
    """The clocks a lead's history gives, as the hooks and the sweep would have left them by
    ``now``: a clock for each kind each time it became an MQL under an agreement
    (``in_force(at)``), unless that kind's clock was still open then; met by the touches or
    the decision that came before it was stopped; stopped by a rejection; breached when its
    due time passed (by ``now``) before it was met or stopped. Unsaved; reads nothing."""
    transitions = sorted(transitions, key=lambda step: step.at)
    touches = sorted(touches)
    clocks: list[Clock] = []
    open_until: dict[str, datetime | None] = {}  # kind → when its latest clock closed (None: open)
    for index, entry in enumerate(transitions):
        if entry.to_stage != MQL:
            continue
        agreement = in_force(entry.at)
        if agreement is None:
            continue
        later = transitions[index + 1 :]
        decided = next((t.at for t in later if t.from_stage == MQL), None)
        stopped = next((t.at for t in later if t.to_stage in REJECTED), None)
        for kind in ClockKind:
            if kind in open_until and (open_until[kind] is None or open_until[kind] > entry.at):
                continue
            needed = agreement.touches_required if kind == ClockKind.TOUCHES else 1
            due = _due(agreement, kind, calendars.of(owner_id), entry.at)
            counted = [
                at for at in touches if at >= entry.at and (stopped is None or at <= stopped)
            ]
            if kind == ClockKind.DECISION:
                met_at = decided
            else:
                met_at = counted[needed - 1] if len(counted) >= needed else None
            clock = Clock(
                lead_id=lead_id, kind=kind, agreement=agreement, owner_id=owner_id,
                started_at=entry.at, due_at=due, touches_needed=needed,
            )  # fmt: skip
            if kind != ClockKind.DECISION:
                clock.touches_done = min(len([at for at in counted if at <= now]), needed)
            if met_at is not None and met_at <= now and (stopped is None or met_at <= stopped):
                _met(clock, met_at, calendars)
                open_until[kind] = met_at
            elif stopped is not None and stopped <= now:
                clock.status, clock.stopped_at = ClockStatus.STOPPED, stopped
                if due <= stopped:
                    clock.breached_at = due
                open_until[kind] = stopped
            else:
                if due <= now:
                    clock.status, clock.breached_at = ClockStatus.BREACHED, due
                open_until[kind] = None
            clocks.append(clock)
    return clocks


def clocks_replay(*, since: datetime, now: datetime | None = None) -> int:
    """Write the clocks of every lead that became an MQL since ``since``, from its stage
    changes and touches (``clocks_expected``): an agreement's history for leads that were
    MQLs before it was recorded (the demo's, or a first agreement's backfill). Clocks already
    there are kept. Returns the clocks asked for."""
    now = now or timezone.now()
    Lead, Transition = _lead_model(), apps.get_model("leads", "StageTransition")
    lead_ids = list(
        Transition.objects.filter(to_stage=MQL, at__gte=since, at__lte=now)
        .values_list("lead_id", flat=True)
        .distinct()
    )
    agreements = list(Agreement.objects.signed().order_by("-effective_from"))

    def in_force(at: datetime) -> Agreement | None:
        return next((a for a in agreements if a.effective_from <= at), None)

    written = 0
    for start in range(0, len(lead_ids), BATCH):
        ids = lead_ids[start : start + BATCH]
        owners = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        steps: dict[int, list[Step]] = defaultdict(list)
        for lead_id, at, frm, to in Transition.objects.filter(
            lead_id__in=ids, at__gte=since, at__lte=now
        ).values_list("lead_id", "at", "from_stage", "to_stage"):
            steps[lead_id].append(Step(at, frm, to))
        touched: dict[int, list[datetime]] = defaultdict(list)
        for lead_id, at in (
            _touch_model().objects.filter(lead_id__in=ids, at__gte=since, at__lte=now)
            .values_list("lead_id", "at")
        ):  # fmt: skip
            touched[lead_id].append(at)
        calendars = Calendars(owners.values())
        rows = [
            clock
            for lead_id in ids
            for clock in clocks_expected(
                lead_id=lead_id,
                owner_id=owners.get(lead_id),
                transitions=steps[lead_id],
                touches=touched[lead_id],
                in_force=in_force,
                calendars=calendars,
                now=now,
            )  # fmt: skip
        ]
        with transaction.atomic():
            Clock.objects.bulk_create(rows, batch_size=1_000, ignore_conflicts=True)
        written += len(rows)
    return written
