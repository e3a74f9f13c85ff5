"""The funnel of a period: how many leads entered each stage, how far the leads that became
MQLs went (a cohort), and how long each step took — all read from the leads' stage
transitions, never from counters.

Each transition is written when it happens, under the MQL and SQL definitions in force then,
so counting transitions counts every lead under the definition of its own day: a change of
definition mid-period changes neither the leads that qualified before it nor their counts.

Cost contract, whatever the table's size: ``stage_volumes`` is at most three queries (for
periods of whole days: which days are frozen, their rows, and the days not frozen read live —
``reports.days``; for others one query of the transitions), ``cohort`` one and ``velocity``
one; ``funnel_report`` is at most five (both periods' volumes together). The cohort and the
velocity read the transitions of their period through the ``transition_stage_time`` index (to
stage, time), and look up a lead's other transitions through ``transition_lead_time`` (lead,
time). The sums are made in the database; only the velocity's percentiles on SQLite (the demo,
which lacks ``percentile_cont``) are computed here, from one row per lead measured.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connections
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Extract

from leads.models import FUNNEL, Stage, StageTransition
from reports.days import (
    COHORT_ENTRY,
    COHORT_REACHED,
    VELOCITY_STEPS,
    Days,
    cohort_counts,
    cursor_with_memory,
    days_read,
    stage_entries,
    step_samples,
    whole_days,
)
from reports.filters import Filters, Period

COHORT_WINDOWS = (30, 60, 90)
SECONDS_A_DAY = 86_400


def _label(stage: str) -> str:
    return Stage(stage).label


def _share(count: int, total: int) -> float | None:
    """``count`` of ``total`` in per cent, to one decimal; None of nothing."""
    return round(100 * count / total, 1) if total else None


# Volumes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    """The leads that entered a stage in the period, against the period before."""

    stage: str
    label: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous

    @property
    def change_percent(self) -> float | None:
        """Against the period before, in per cent to one decimal; None when it had none."""
        return round(100 * self.change / self.previous, 1) if self.previous else None


def _transitions(filters: Filters) -> QuerySet:
    return StageTransition.objects.filter(filters.q("lead__"))


def _volumes(
    periods: Sequence[Period], filters: Filters, days: Days | None = None
) -> list[dict[str, int]]:
    """For each period, the distinct leads that entered each funnel stage in it. Periods of
    whole days read the days' entries (``reports.days``: the frozen days' rows and the rest
    live, from ``days`` if given); others one query of the transitions, over the span from the
    first period's start to the last one's end."""
    if all(whole_days(period) for period in periods):
        return stage_entries(periods, filters, days)
    start = min(period.start for period in periods)
    end = max(period.end for period in periods)
    counts = {
        f"period_{number}": Count(
            "lead", distinct=True, filter=Q(at__gte=period.start, at__lt=period.end)
        )
        for number, period in enumerate(periods)
    }
    rows = (
        _transitions(filters)
        .filter(to_stage__in=FUNNEL, at__gte=start, at__lt=end)
        .values("to_stage")
        .annotate(**counts)
        .order_by()
    )
    volumes = [{stage.value: 0 for stage in FUNNEL} for _ in periods]
    for row in rows:
        for number, volume in enumerate(volumes):
            volume[row["to_stage"]] = row[f"period_{number}"]
    return volumes


def stage_volumes(period: Period, filters: Filters) -> dict[str, int]:
    """For each funnel stage, in funnel order, the number of distinct leads that entered it in
    ``period`` (a transition to it in ``[start, end)``).

    Transitions are counted, not the leads' present stages: each was recorded when it
    happened, under the MQL and SQL definitions then in force, so the counts use the
    definitions in force when each transition happened. One query."""
    return _volumes([period], filters)[0]


# Cohort -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Of a cohort, the leads that reached a stage within ``days`` of their entry.

    ``complete`` says every lead of the cohort has had the whole window by now; until then
    the count can still grow."""

    days: int
    count: int
    share: float | None
    complete: bool


@dataclass(frozen=True)
class Reach:
    """Of a cohort, the leads that reached ``stage`` by now (at or after their entry), and
    within each window; a lead counts once, however many times it entered the stage."""

    stage: str
    label: str
    count: int
    share: float | None
    windows: tuple[Window, ...]

    def window(self, days: int) -> Window:
        return next(window for window in self.windows if window.days == days)


@dataclass(frozen=True)
class Cohort:
    """The leads that entered ``entry`` in ``period`` (from their first entry to it in the
    period), and how far they went by ``now``."""

    entry: str
    label: str
    period: Period
    now: datetime
    size: int
    reached: tuple[Reach, ...]

    def reach(self, stage: str) -> Reach:
        return next(reach for reach in self.reached if reach.stage == stage)


def _first_entries(stages: Iterable[str], period: Period, filters: Filters) -> QuerySet:
    """Each lead's first entry to each of ``stages`` in ``period`` (``to_stage``, ``lead_id``,
    ``at``): its transitions with no earlier one to the same stage in the period.

    The rows are distinct, which makes two entries at the same instant one, and keeps
    PostgreSQL from merging the query into the one that counts over it: merged, each mention
    of an annotation's subquery in the counts would run it again."""
    earlier = StageTransition.objects.filter(
        lead_id=OuterRef("lead_id"),
        to_stage=OuterRef("to_stage"),
        at__gte=period.start,
        at__lt=OuterRef("at"),
    )
    return (
        _transitions(filters)
        .filter(to_stage__in=list(stages), at__gte=period.start, at__lt=period.end)
        .exclude(Exists(earlier))
        .values("to_stage", "lead_id", "at")
        .distinct()
    )


def _check_order(entry: str, reached: Sequence[str]) -> None:
    funnel = [stage.value for stage in FUNNEL]
    if entry not in funnel or any(
        stage not in funnel or funnel.index(stage) <= funnel.index(entry) for stage in reached
    ):
        raise ValueError(f"Not later funnel stages than {entry!r}: {list(reached)}")


def _cohort_row_joined(
    entry: str,
    reached: Sequence[str],
    windows: Sequence[int],
    period: Period,
    filters: Filters,
    now: datetime,
) -> dict:
    """The cohort's counts on PostgreSQL, in one query: each lead's first entry in the period
    joined by hash to the transitions to the reached stages since the period began (both read
    from the covering ``transition_stage_time`` index), the first reach of each stage at or
    after the entry taken per lead. Looking each lead's reaches up one by one instead, as the
    correlated subqueries do, costs a second at a million leads."""
    entries = (
        _transitions(filters)
        .filter(to_stage=entry, at__gte=period.start, at__lt=period.end)
        .values("lead_id")
        .annotate(entered_at=Min("at"))
        .order_by()
    )
    entries_sql, entries_params = entries.query.sql_with_params()
    reaches = ", ".join(
        f"min(x.at) FILTER (WHERE x.to_stage = %s) AS reached_{n}" for n in range(len(reached))
    )
    counts = ["count(*) AS size"]
    for n, stage in enumerate(reached):
        counts.append(f'count(reached_{n}) AS "{stage}"')
        for days in windows:
            counts.append(
                f'count(*) FILTER (WHERE reached_{n} <= entered_at + %s) AS "{stage}_{days}"'
            )
    count_params = [timedelta(days=days) for _ in reached for days in windows]
    # ``entries_sql`` is Django's rendering of the queryset, and the stages' names are the
    # portal's own: every value is a parameter.
    query = (
        f"WITH e AS ({entries_sql}), "  # noqa: S608
        "x AS (SELECT lead_id, to_stage, at FROM leads_stagetransition "
        "WHERE to_stage = ANY(%s) AND at >= %s AND at <= %s) "
        f"SELECT {', '.join(counts)} FROM ("
        f"SELECT e.lead_id, e.entered_at, {reaches} FROM e LEFT JOIN x "
        "ON x.lead_id = e.lead_id AND x.at >= e.entered_at GROUP BY e.lead_id, e.entered_at"
        ") AS r"
    )
    params = [*entries_params, list(reached), period.start, now, *count_params, *reached]
    with cursor_with_memory(entries.db) as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def cohort(
    period: Period,
    filters: Filters,
    now: datetime,
    *,
    entry: str = COHORT_ENTRY,
    reached: Sequence[str] = COHORT_REACHED,
    windows: Sequence[int] = COHORT_WINDOWS,
) -> Cohort:
    """The leads that entered ``entry`` in ``period`` (their first entry to it there), and of
    them how many reached each of ``reached`` by ``now`` — a transition to it at or after their
    entry — and how many within each of ``windows`` days of their entry.

    The MQL cohort of a period of whole days is read from the frozen cohort entries and the
    moves since the last freeze (``reports.days.cohort_counts``: at most six queries, small
    but one). Another is one query of the transitions: each lead's first reach of each stage
    joined (PostgreSQL) or looked up by its (lead, time) index, and the database counts."""
    entry = str(entry)
    reached = [str(stage) for stage in reached]
    _check_order(entry, reached)
    first_reaches = {
        f"reached_{stage}": Subquery(
            StageTransition.objects.filter(
                lead_id=OuterRef("lead_id"), to_stage=stage, at__gte=OuterRef("at"), at__lte=now
            )
            .order_by("at")
            .values("at")[:1]
        )
        for stage in reached
    }
    counts = {"size": Count("lead_id")}
    for stage in reached:
        counts[stage] = Count("lead_id", filter=Q(**{f"reached_{stage}__isnull": False}))
        for days in windows:
            within = F("at") + timedelta(days=days)
            counts[f"{stage}_{days}"] = Count(
                "lead_id", filter=Q(**{f"reached_{stage}__lte": within})
            )
    if whole_days(period) and entry == COHORT_ENTRY and set(reached) <= set(COHORT_REACHED):
        row = cohort_counts(period, filters, now, reached, windows)
    elif connections[StageTransition.objects.db].vendor == "postgresql":
        row = _cohort_row_joined(entry, reached, windows, period, filters, now)
    else:
        # Django counts over the entries as a subquery of their own (they are distinct, and
        # their first reaches are subqueries), so each lead's first reach is looked up once.
        entries = _first_entries([entry], period, filters)
        row = entries.annotate(**first_reaches).aggregate(**counts)
    size = row["size"]
    return Cohort(
        entry=entry,
        label=_label(entry),
        period=period,
        now=now,
        size=size,
        reached=tuple(
            Reach(
                stage=stage,
                label=_label(stage),
                count=row[stage],
                share=_share(row[stage], size),
                windows=tuple(
                    Window(
                        days=days,
                        count=row[f"{stage}_{days}"],
                        share=_share(row[f"{stage}_{days}"], size),
                        complete=now >= period.end + timedelta(days=days),
                    )
                    for days in windows
                ),
            )
            for stage in reached
        ),
    )


# Velocity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """How long leads took from ``earlier`` to ``later``, over the leads that entered ``later``
    in the period: from their latest entry to ``earlier`` before it, in days. Leads that
    skipped ``earlier`` are not measured."""

    earlier: str
    later: str
    label: str
    measured: int
    median_days: float | None
    p75_days: float | None


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: ``fraction`` of the way through the ordered values,
    interpolating between the two nearest."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """As PostgreSQL's ``percentile_cont``, in Python: linear between the nearest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _gaps(period: Period, filters: Filters) -> QuerySet:
    """Each lead's first entry to a later stage of a step in ``period`` (``to_stage``, ``at``),
    aliased with its latest entry to the step's earlier stage at or before it (``earlier_at``,
    None for a lead that skipped it)."""
    earlier_stage = Case(
        *(When(to_stage=later, then=Value(earlier.value)) for earlier, later in VELOCITY_STEPS)
    )
    earlier_at = Subquery(
        StageTransition.objects.filter(
            lead_id=OuterRef("lead_id"), to_stage=OuterRef("earlier_stage"), at__lte=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        _first_entries([later for _, later in VELOCITY_STEPS], period, filters)
        .alias(earlier_stage=earlier_stage)
        .alias(earlier_at=earlier_at)
    )


def _step(earlier: str, later: str, measured: int, median_days, p75_days) -> Step:
    return Step(
        earlier=earlier, later=later, label=f"{_label(earlier)} → {_label(later)}",
        measured=measured, median_days=median_days, p75_days=p75_days,
    )  # fmt: skip


def _in_days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / SECONDS_A_DAY


def _velocity_of_days(period: Period, filters: Filters, days: Days) -> list[Step]:
    """Velocity over the days' step times: the frozen days' (kept sorted until the next
    freeze) with the others', the percentiles taken here as ``percentile_cont`` takes them."""
    frozen, live = step_samples(period, filters, days)
    steps = []
    for earlier, later in VELOCITY_STEPS:
        kept = frozen.get(later.value)
        samples = np.concatenate([kept if kept is not None else [], live.get(later.value, [])])
        median = p75 = None
        if len(samples):
            median, p75 = (float(value) for value in np.percentile(samples, [50, 75]))
        steps.append(
            _step(earlier.value, later.value, len(samples), _in_days(median), _in_days(p75))
        )
    return steps


def velocity(period: Period, filters: Filters, days: Days | None = None) -> list[Step]:
    """For each forward step (lead→MQL, MQL→SAL, SAL→SQL, SQL→opportunity, opportunity→
    customer), over the leads that entered its later stage in ``period`` (their first entry
    there): the median and 75th percentile of the days from their latest entry to the earlier
    stage before it, and how many leads were measured.

    A period of whole days reads the days' step times (``reports.days``, from ``days`` if
    given). Another is one query of the transitions; on PostgreSQL the database takes the
    percentiles, on SQLite they are taken here from a row per lead measured."""
    if whole_days(period):
        return _velocity_of_days(period, filters, days or days_read([period], filters))
    gaps = _gaps(period, filters)
    if connections[gaps.db].vendor == "postgresql":
        # Leads that skipped the earlier stage have no days, which counts and percentiles skip.
        days = Extract(F("at") - F("earlier_at"), "epoch") / Value(float(SECONDS_A_DAY))
        figures = {}
        for _, later in VELOCITY_STEPS:
            of_step = Q(to_stage=later)
            figures[f"{later}_measured"] = Count("days", filter=of_step)
            figures[f"{later}_median"] = PercentileCont("days", 0.5, filter=of_step)
            figures[f"{later}_p75"] = PercentileCont("days", 0.75, filter=of_step)
        row = gaps.annotate(days=days).aggregate(**figures)
    else:
        samples: dict[str, list[float]] = defaultdict(list)
        for gap in gaps.annotate(earlier=F("earlier_at")):
            if gap["earlier"] is not None:
                seconds = (gap["at"] - gap["earlier"]).total_seconds()
                samples[gap["to_stage"]].append(seconds / SECONDS_A_DAY)
        row = {}
        for _, later in VELOCITY_STEPS:
            row[f"{later}_measured"] = len(samples[later])
            row[f"{later}_median"] = percentile_cont(samples[later], 0.5)
            row[f"{later}_p75"] = percentile_cont(samples[later], 0.75)
    return [
        _step(earlier.value, later.value, row[f"{later}_measured"], row[f"{later}_median"],
              row[f"{later}_p75"])
        for earlier, later in VELOCITY_STEPS
    ]  # fmt: skip


# The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelReport:
    """The funnel of ``period`` for ``filters``: volumes against ``previous_period``, the
    MQL cohort's progress by ``now``, and the velocity of each step."""

    period: Period
    previous_period: Period
    filters: Filters
    now: datetime
    volumes: tuple[Volume, ...]
    cohort: Cohort
    velocity: tuple[Step, ...]

    def volume(self, stage: str) -> Volume:
        return next(volume for volume in self.volumes if volume.stage == stage)


def funnel_report(period: Period, filters: Filters, now: datetime) -> FunnelReport:
    """The funnel of ``period``: at most five queries (both periods' volumes, the cohort,
    velocity)."""
    previous_period = period.previous()
    periods = [period, previous_period]
    days = days_read(periods, filters) if all(whole_days(p) for p in periods) else None
    current, previous = _volumes(periods, filters, days)
    return FunnelReport(
        period=period,
        previous_period=previous_period,
        filters=filters,
        now=now,
        volumes=tuple(
            Volume(stage=stage, label=_label(stage), count=count, previous=previous[stage])
            for stage, count in current.items()
        ),
        cohort=cohort(period, filters, now),
        velocity=tuple(velocity(period, filters, days)),
    )
