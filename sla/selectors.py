"""Reads of the sla app: the agreement as the SLA page and the API show it.

Cost contract: the SLA page reads the versions with their signatures (one query for the
versions, one for their signatures and signers, cut off at ``VERSION_LIMIT``), the teams with
their managers and members (two), and their days off to come (one); then, for this week and
this month each, the MQLs made, the decisions, the clocks' outcomes per kind and owner (one
aggregate), the owners, and the minutes to a first touch; and the clocks at risk and breached
(cut off at ``CLOCK_LIST_LIMIT``, counted when cut off) — whatever the number of leads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from sla.business_hours import WEEKDAYS, format_minutes, week_parse
from sla.clocks import at_risk
from sla.models import (
    Agreement,
    Clock,
    ClockKind,
    ClockStatus,
    DayOff,
    Function,
    RoutingRule,
    Signoff,
    Team,
    TeamMember,
)

VERSION_LIMIT = 20
DAYS_OFF_AHEAD = 120
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def agreements() -> QuerySet[Agreement]:
    """Versions newest first, each with its signatures and their signers."""
    return Agreement.objects.select_related("created_by").prefetch_related(
        Prefetch("signoffs", queryset=Signoff.objects.select_related("user"))
    )


@dataclass(frozen=True)
class Versions:
    in_force: Agreement | None
    drafts: list[Agreement]
    earlier: list[Agreement]
    cut_off: bool
    limit: int = VERSION_LIMIT


def agreement_versions(now=None) -> Versions:
    """The version in force now, the drafts (newest first; a signed version whose date has
    not come yet counts as a draft until then) and the versions before, newest first."""
    now = now or timezone.now()
    rows = list(agreements()[: VERSION_LIMIT + 1])
    shown = rows[:VERSION_LIMIT]
    in_force = next(
        (a for a in sorted(shown, key=lambda a: a.effective_from, reverse=True)
         if a.is_signed and a.effective_from <= now),
        None,
    )  # fmt: skip
    drafts = [a for a in shown if not a.is_signed or a.effective_from > now]
    earlier = [a for a in shown if a.is_signed and a.effective_from <= now and a is not in_force]
    return Versions(in_force, drafts, earlier, cut_off=len(rows) > VERSION_LIMIT)


def signature(agreement: Agreement, function: str) -> Signoff | None:
    return next((s for s in agreement.signoffs.all() if s.function == function), None)


@dataclass(frozen=True)
class TeamHours:
    team: Team
    days: list[tuple[str, str]]  # ("Mon", "09:00–17:00, 13:00–17:00"), open days only
    days_off: list[DayOff]


def teams_with_hours(today: date | None = None) -> list[TeamHours]:
    today = today or timezone.localdate()
    teams = list(
        Team.objects.select_related("manager").prefetch_related(
            Prefetch("members", queryset=TeamMember.objects.select_related("user"))
        )
    )
    upcoming: dict[int, list[DayOff]] = {}
    for day_off in DayOff.objects.filter(
        team__in=teams, on__gte=today, on__lte=today + timedelta(days=DAYS_OFF_AHEAD)
    ):
        upcoming.setdefault(day_off.team_id, []).append(day_off)
    shown = []
    for team in teams:
        week = week_parse(team.hours)
        days = [
            (
                DAY_NAMES[day],
                ", ".join(f"{format_minutes(a)}–{format_minutes(b)}" for a, b in windows),
            )
            for day, windows in zip(WEEKDAYS, week, strict=True)
            if windows
        ]
        shown.append(TeamHours(team, days, upcoming.get(team.pk, [])))
    return shown


# --- routing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepLoad:
    member: TeamMember
    open_mqls: int
    away: bool
    at_capacity: bool
    routed_7_days: int


@dataclass(frozen=True)
class Routing:
    rules: list[RoutingRule]
    reps: list[RepLoad]  # the sales teams' members


def routing_overview(now=None) -> Routing:
    """The routing rules in the order they are tried, and each sales rep's load: open MQLs
    against their capacity, away or not, and the MQLs routed to them in the last 7 days."""
    now = now or timezone.now()
    rules = list(
        RoutingRule.objects.select_related("team")
        .prefetch_related("personas")
        .order_by("position", "id")
    )
    members = list(
        TeamMember.objects.filter(team__function=Function.SALES)
        .select_related("team", "user")
        .order_by("team__name", "user__first_name", "user__username")
    )
    user_ids = [member.user_id for member in members]
    lead = apps.get_model("leads", "Lead")
    open_mqls = dict(
        lead.objects.filter(owner_id__in=user_ids, stage="mql")
        .values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n")
    )  # fmt: skip
    routed = dict(
        apps.get_model("leads", "OwnerChange").objects.filter(
            to_owner_id__in=user_ids, rule__startswith="Routing: ", at__gte=now - timedelta(days=7)
        ).values("to_owner_id").annotate(n=Count("id")).values_list("to_owner_id", "n")
    )  # fmt: skip
    today = timezone.localdate(now)
    reps = []
    for member in members:
        count = open_mqls.get(member.user_id, 0)
        full = member.max_open_mqls is not None and count >= member.max_open_mqls
        reps.append(
            RepLoad(member, count, member.is_away(today), full, routed.get(member.user_id, 0))
        )
    return Routing(rules, reps)


FUNCTIONS = list(Function)


# --- clocks and compliance ---------------------------------------------------------------------

CLOCK_LIST_LIMIT = 20


@dataclass(frozen=True)
class KindFigures:
    """One of sales' promises over a period: of the clocks started then whose outcome is known
    (met, or past due), the share met on time."""

    kind: str
    label: str
    on_time: int
    late_or_missed: int
    running: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late_or_missed

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.decided) if self.decided else None


@dataclass(frozen=True)
class RepFigures:
    owner: object
    kinds: dict[str, KindFigures]


@dataclass(frozen=True)
class Compliance:
    label: str
    start: object
    end: object
    mqls: int
    target: int | None
    accepted: int
    rejected: int
    kinds: list[KindFigures]
    first_touch_median_minutes: int | None
    first_touch_p90_minutes: int | None
    reps: list[RepFigures]

    @property
    def accepted_percent(self) -> int | None:
        decided = self.accepted + self.rejected
        return round(100 * self.accepted / decided) if decided else None


def _percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile: the smallest value with ``share`` of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _kind_counts() -> dict:
    return dict(
        on_time=Count("id", filter=Q(status=ClockStatus.MET, breached_at__isnull=True)),
        late_or_missed=Count("id", filter=Q(breached_at__isnull=False)),
        running=Count("id", filter=Q(status=ClockStatus.RUNNING)),
    )


def compliance(
    label: str, start, end, *, agreement: Agreement | None, weekly: bool = False, now=None
) -> Compliance:
    """Both sides' figures for clocks started and MQLs made in ``[start, end)``: marketing's
    MQLs against the monthly target (a week's share of it for a ``weekly`` period, however
    much of the week has passed) and the share sales accepted; sales'
    share of each promise kept on time, overall and per rep, and the median and 90th
    percentile of the business time to a first touch."""
    now = now or timezone.now()
    Transition = apps.get_model("leads", "StageTransition")
    moved = Transition.objects.filter(at__gte=start, at__lt=end)
    mqls = moved.filter(to_stage="mql").values("lead_id").distinct().count()
    # Counted by a column of the index of moves out of MQL, so they are read from it alone.
    decisions = (
        moved.filter(from_stage="mql")
        .exclude(to_stage="mql")
        .aggregate(
            made=Count("to_stage"),
            rejected=Count("to_stage", filter=Q(to_stage__in=("recycled", "disqualified"))),
        )
    )
    rejected = decisions["rejected"]
    accepted = decisions["made"] - rejected
    clocks = Clock.objects.filter(started_at__gte=start, started_at__lt=end)
    counts = _kind_counts()
    rows = clocks.values("kind", "owner").annotate(**counts).order_by()
    per_owner: dict = {}
    totals: dict[str, list[int]] = {kind: [0, 0, 0] for kind in ClockKind.values}
    for row in rows:
        figures = (row["on_time"], row["late_or_missed"], row["running"])
        per_owner.setdefault(row["owner"], {})[row["kind"]] = figures
        for index, value in enumerate(figures):
            totals[row["kind"]][index] += value
    labels = dict(ClockKind.choices)

    def kind_figures(kind: str, values) -> KindFigures:
        return KindFigures(kind, labels[kind], *values)

    owners = get_user_model().objects.in_bulk([pk for pk in per_owner if pk])
    reps = [
        RepFigures(
            owners.get(pk),
            {kind: kind_figures(kind, values.get(kind, (0, 0, 0))) for kind in ClockKind.values},
        )
        for pk, values in per_owner.items()
    ]
    reps.sort(
        key=lambda rep: (rep.owner is None, str(rep.owner.get_full_name() if rep.owner else ""))
    )
    minutes = list(
        clocks.filter(Q(kind=ClockKind.FIRST_TOUCH), met_after_minutes__isnull=False).values_list(
            "met_after_minutes", flat=True
        )
    )
    target = None
    if agreement is not None:
        monthly = agreement.mqls_per_month
        target = round(monthly * 7 / 30) if weekly else monthly
    return Compliance(
        label=label, start=start, end=end, mqls=mqls, target=target, accepted=accepted,
        rejected=rejected,
        kinds=[kind_figures(kind, totals[kind]) for kind in ClockKind.values],
        first_touch_median_minutes=_percentile(minutes, 0.5),
        first_touch_p90_minutes=_percentile(minutes, 0.9), reps=reps,
    )  # fmt: skip


def this_week_and_month(agreement: Agreement | None, now=None) -> list[Compliance]:
    now = now or timezone.now()
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = midnight - timedelta(days=local.weekday())
    month = midnight.replace(day=1)
    return [
        compliance("This week", week, now, agreement=agreement, weekly=True, now=now),
        compliance("This month", month, now, agreement=agreement, now=now),
    ]


@dataclass(frozen=True)
class ClockList:
    clocks: list
    count: int
    limit: int = CLOCK_LIST_LIMIT

    @property
    def cut_off(self) -> bool:
        return self.count > len(self.clocks)


def clock_lists(now=None) -> dict[str, ClockList]:
    """The clocks at risk (running, due within the hour), and the MQLs still waiting for the
    first touch or the decision that is overdue (breached, still open), soonest or longest
    overdue first, each with its lead and owner. (A touches clock missed stays in the figures:
    nothing is waited for once its days are over.)"""
    now = now or timezone.now()
    base = Clock.objects.select_related("lead", "owner")
    lists = {}
    for name, queryset in (
        ("at_risk", base.filter(at_risk(now)).order_by("due_at", "id")),
        (
            "breached",
            base.filter(
                status=ClockStatus.BREACHED, kind__in=(ClockKind.FIRST_TOUCH, ClockKind.DECISION)
            ).order_by("due_at", "id"),
        ),
    ):
        rows = list(queryset[:CLOCK_LIST_LIMIT])
        count = len(rows) if len(rows) < CLOCK_LIST_LIMIT else queryset.count()
        lists[name] = ClockList(rows, count)
    return lists
