"""Each day's entries into the funnel's stages, frozen as the day goes, so the funnel's
volumes over a month read thirty days of rows instead of every transition of the month; with
them the time each entry took from the step before (``StepDay``, the velocity's) and the
touchpoints of each entry to SQL and customer (``CreditDay``, attribution's).

The beat freezes the current day every ``FREEZE_EVERY`` up to ``FREEZE_MARGIN`` ago, and
each closed day's rest once it is over, so a report reads live only the last quarter hour's
moves. A day's ``FrozenDay`` says how far its rows reach (``through``).

A lead counts once in a period however many times it entered a stage there: each day's
entries keep the day of the lead's previous entry to the stage, and an entry counts in a
period only when that day falls before the period (or there is none). That is exact for the
periods of whole local days the reports use; a period of other instants is counted from the
transitions (``reports.funnel``).

The frozen parts of days are read from their rows, the rest — the current day since its
last freeze, and any day the beat has not reached — live from the transitions, with the
same rows computed on the fly. A frozen day keeps the sources, campaigns, personas and owners its leads had when it was
frozen, as a week's snapshot keeps its figures; a rebuild of the week freezes its days again.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from leads.feedback.selectors import ACCEPTED, REJECTION
from leads.models import FUNNEL, Lead, Stage, StageTransition
from reports import touches
from reports.filters import Filters, Period
from reports.models import (
    CohortDecision,
    CohortEntry,
    CreatedDay,
    CreditDay,
    FrozenDay,
    StageDay,
    StepDay,
)
from reports.touches import Conversion

# How far back a previous entry makes a later one a repeat: the longest period a report takes.
REPEAT_DAYS = 731
# How far back the freezing looks for a closed day without its rows.
FREEZE_DAYS_BACK = REPEAT_DAYS
# PostgreSQL's work_mem for the reports' statements that hash or sort a month of rows: at a
# million leads about 20 MB, which the default 4 MB would spill to disk.
REPORT_MEMORY = "64MB"
# Days read (or frozen) by one query of the transitions.
DAYS_A_QUERY = 7
# How often the beat freezes the current day (``reports.tasks.days_freeze_task``); the parts
# frozen start at local midnight and are this long, so repeated runs in one part do nothing.
FREEZE_EVERY = timedelta(minutes=10)
# How long after a move's instant it is taken as written: longer than a request or a task
# keeps a move it stamped before it commits.
FREEZE_MARGIN = timedelta(minutes=5)
STAGES = [stage.value for stage in FUNNEL]
# How long a figure of frozen rows stays in the shared cache (``kept``): a freeze every ten
# minutes makes a new one, so this only bounds what an idle cache holds.
KEPT_SECONDS = 3600
T = TypeVar("T")
# The entries attribution credits: each lead's first a day to either stage.
CONVERSIONS = (Stage.SQL.value, Stage.CUSTOMER.value)
# The funnel's cohorts: the leads that became MQLs, and the later stages they reached
# (``CohortEntry``'s ``<stage>_at``).
COHORT_ENTRY = Stage.MQL.value
COHORT_REACHED = (Stage.SAL.value, Stage.SQL.value, Stage.CUSTOMER.value)
DIMENSIONS = ("original_channel", "campaign_id", "persona_id", "owner_id")
# Sales' decisions on the cohorts' leads (``CohortDecision``): each kind and its condition on
# a move, and the moves of any kind.
DECISIONS = {"accepted": ACCEPTED, "rejected": REJECTION}
DECIDED = ACCEPTED | REJECTION
# The forward steps whose time is measured: from one stage to the next, lead to customer.
VELOCITY_STEPS = (
    (Stage.LEAD, Stage.MQL),
    (Stage.MQL, Stage.SAL),
    (Stage.SAL, Stage.SQL),
    (Stage.SQL, Stage.OPPORTUNITY),
    (Stage.OPPORTUNITY, Stage.CUSTOMER),
)


@dataclass(frozen=True)
class Entries:
    """The rows of some days, computed from the transitions: ``counts`` and ``steps`` as
    ``StageDay``'s and ``StepDay``'s (``Days``), the entries to SQL and customer among them,
    and those to MQL (the cohorts', ``(lead id, time, row)``), each grouped under ``(day,
    stage, *dimensions, previous_day)``."""

    counts: Counter = field(default_factory=Counter)
    steps: list[tuple] = field(default_factory=list)
    conversions: list[Conversion] = field(default_factory=list)
    cohort: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Days:
    """The days of a span, read: which are frozen, and the others' rows from the transitions —
    ``counts`` as ``StageDay``'s, ``(day, stage, *dimensions, previous_day) → leads``, and
    ``steps`` as ``StepDay``'s, ``(day, stage, *dimensions, previous_day, seconds)``. A day
    frozen in part is in ``frozen`` and its rest in the rows read."""

    first: date
    last: date
    frozen: frozenset[date]
    counts: Counter
    steps: tuple[tuple, ...]
    stamp: tuple = ()


@contextmanager
def cursor_with_memory(alias: str) -> Iterator:
    """A cursor on PostgreSQL whose statements get ``REPORT_MEMORY``, in a transaction of
    their own (or the one already open, with no savepoint)."""
    with transaction.atomic(using=alias, savepoint=False), connections[alias].cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [REPORT_MEMORY])
        yield cursor


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _next_midnight(day: date) -> datetime:
    """The end of ``day``: the midnight that starts the day after."""
    return _midnight(day + timedelta(days=1))


def _span(period: Period) -> tuple[date, date]:
    """The first and the last local day of ``period`` (of whole days)."""
    return _local_day(period.start), _local_day(period.end) - timedelta(days=1)


def _local_day(moment: datetime, zone: tzinfo | None = None) -> date:
    """The local day of ``moment`` in ``zone``, the current time zone unless given (looking it
    up costs more than the conversion: loops look it up once)."""
    return moment.astimezone(zone or timezone.get_current_timezone()).date()


def whole_days(period: Period) -> bool:
    """Whether ``period`` runs from a local midnight to another, as the reports' do."""
    return all(
        timezone.localtime(moment).time() == time.min for moment in (period.start, period.end)
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# Spans of time, each from its start up to (not including) its end.
Windows = Sequence[tuple[datetime, datetime]]


def _within(windows: Windows, field: str = "at") -> Q:
    """The rows whose ``field`` falls in ``windows`` (at least one)."""
    within = Q()
    for start, end in windows:
        within |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return within


def _transitions(windows: Windows, filters: Filters, stages: Sequence[str]) -> QuerySet:
    """The entries to ``stages`` in ``windows`` of the leads ``filters`` count."""
    return StageTransition.objects.filter(
        filters.q("lead__"), _within(windows), to_stage__in=stages
    )


def _entries(windows: Windows, filters: Filters, stages: Sequence[str] = STAGES) -> Entries:
    """The rows of the moves in ``windows``, computed from the transitions: one query, each
    transition with its lead's previous entry to the same stage (whenever it was), and its
    latest entry to the step's earlier stage, looked up by index."""
    previous = (
        StageTransition.objects.filter(
            lead_id=OuterRef("lead_id"), to_stage=OuterRef("to_stage"), at__lt=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1]
    )
    earlier = (
        StageTransition.objects.filter(
            lead_id=OuterRef("lead_id"), to_stage=OuterRef("earlier_stage"), at__lte=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1]
    )
    earlier_stage = Case(
        *(When(to_stage=later, then=Value(before.value)) for before, later in VELOCITY_STEPS)
    )
    rows = (
        _transitions(windows, filters, stages)
        .alias(earlier_stage=earlier_stage)
        .annotate(previous_at=Subquery(previous), earlier_at=Subquery(earlier))
        .order_by("lead_id", "to_stage", "at")
        .values_list("lead_id", "to_stage", "at", "previous_at", "earlier_at",
                     *(f"lead__{field}" for field in DIMENSIONS))
    )  # fmt: skip
    entries = Entries()
    seen: set[tuple] = set()
    zone = timezone.get_current_timezone()
    for lead_id, stage, at, previous_at, earlier_at, *dimensions in rows:
        day = _local_day(at, zone)
        if (lead_id, stage, day) in seen:
            continue  # its first entry that day counts; the first's previous is a day before
        seen.add((lead_id, stage, day))
        previous_day = _local_day(previous_at, zone) if previous_at else None
        if previous_day is not None and (day - previous_day).days > REPEAT_DAYS:
            previous_day = None
        row = (day, stage, *dimensions, previous_day)
        entries.counts[row] += 1
        if earlier_at is not None:
            entries.steps.append((*row, (at - earlier_at).total_seconds()))
        if stage in CONVERSIONS:
            channel, campaign_id = dimensions[0], dimensions[1]
            entries.conversions.append(Conversion(lead_id, at, row, campaign_id, channel))
        elif stage == COHORT_ENTRY:
            entries.cohort.append((lead_id, at, row))
    return entries


def _credits(
    windows: Windows,
    filters: Filters,
    groupings: tuple[str, ...] = touches.GROUPINGS,
    entries: Entries | None = None,
) -> Counter:
    """The touchpoints of the conversions in ``windows`` (``entries`` of theirs, read here
    unless given), as ``touches.tally`` counts them: two queries."""
    entries = entries or _entries(windows, filters, CONVERSIONS)
    lead_ids = _transitions(windows, filters, CONVERSIONS).values("lead_id")
    return touches.tally(entries.conversions, lead_ids, windows[-1][1], groupings)


def _ranges(days: Sequence[date]) -> Iterable[tuple[date, date]]:
    """The runs of consecutive ``days`` (sorted), at most ``DAYS_A_QUERY`` long."""
    run: list[date] = []
    for day in days:
        if run and ((day - run[-1]).days != 1 or len(run) == DAYS_A_QUERY):
            yield run[0], run[-1]
            run = []
        run.append(day)
    if run:
        yield run[0], run[-1]


# Reading --------------------------------------------------------------------------------------


class Frozen(dict):
    """The days of a span frozen, whole or in part, each with the instant its rows reach;
    ``stamp`` tells one state of their rows from another (every freeze of a day, first or
    again, gives it a new ``frozen_at``), and ``latest`` is the last freeze among them."""

    stamp: tuple = ()
    latest: datetime | None = None


def _frozen(first: date, last: date) -> Frozen:
    """The days ``first``–``last`` frozen: one query."""
    rows = sorted(
        FrozenDay.objects.filter(day__gte=first, day__lte=last).values_list(
            "day", "through", "frozen_at"
        )
    )
    frozen = Frozen((day, through) for day, through, _frozen_at in rows)
    frozen.stamp = tuple(rows)
    frozen.latest = max((frozen_at for *_, frozen_at in rows), default=None)
    return frozen


def kept(name: str, parts: tuple, stamp: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, a figure of frozen rows only, kept in the shared cache for the state of
    the rows ``stamp`` names: computed once after each freeze, whoever asks, and never stale
    (a freeze changes the stamp). Without frozen rows, computed each time."""
    if not stamp:
        return compute()
    digest = hashlib.sha256(repr((name, parts, stamp)).encode()).hexdigest()
    key = f"reports:frozen:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEPT_SECONDS)
    return value


def kept_days(
    name: str,
    filters: Filters,
    stamp: tuple,
    first: date,
    last: date,
    read: Callable[[list[date]], dict[date, T]],
) -> dict[date, T]:
    """A figure of each frozen day from ``first`` to ``last`` of the rows of that day alone,
    which no later freeze changes: kept in the shared cache for the state of the day's rows
    (its line of ``stamp``, as ``Frozen.stamp``), the days not kept ``read`` in one go. After
    a freeze only the day frozen is read again, however long the span."""
    stamps = {row[0]: row for row in stamp if first <= row[0] <= last}
    keys = {
        day: f"reports:day:{name}:"
        + hashlib.sha256(repr((name, filters, row)).encode()).hexdigest()
        for day, row in stamps.items()
    }
    found = cache.get_many(list(keys.values()))
    values = {day: found[key] for day, key in keys.items() if key in found}
    if missing := sorted(stamps.keys() - values.keys()):
        read_now = read(missing)
        cache.set_many({keys[day]: read_now.get(day) for day in missing}, KEPT_SECONDS)
        values.update({day: read_now.get(day) for day in missing})
    return {day: value for day, value in values.items() if value is not None}


def _steps_of(days: list[date], filters: Filters) -> dict[date, dict]:
    """The frozen step times of ``days`` by day and stage: ``(seconds, previous days)``, two
    arrays, the previous day of an entry as its ordinal (0 for none): one query, its rows read
    straight from the cursor (a month at a million leads is about 190,000)."""
    rows = StepDay.objects.filter(filters.q(), day__in=days).values_list(
        "day", "stage", "previous_day", "seconds"
    )
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    # The cursor gives the days as dates on PostgreSQL and as ISO text on SQLite.
    ordinals: dict = {None: 0}

    def ordinal(value) -> int:
        if value not in ordinals:
            day = date.fromisoformat(value) if isinstance(value, str) else value
            ordinals[value] = day.toordinal()
        return ordinals[value]

    grouped: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for day, stage, previous_day, seconds in fetched:
        seconds_of, previous_of = grouped[day, stage]
        seconds_of.append(seconds)
        previous_of.append(ordinal(previous_day))
    of_days: dict[date, dict] = defaultdict(dict)
    for (day, stage), (seconds_of, previous_of) in grouped.items():
        key = date.fromisoformat(day) if isinstance(day, str) else day
        of_days[key][stage] = (np.array(seconds_of), np.array(previous_of))
    return of_days


def _live(first: date, last: date, frozen: dict[date, datetime]) -> list[tuple[datetime, datetime]]:
    """The spans of the days ``first``–``last`` not in their rows: the days not frozen, and the
    rest of those frozen in part, adjacent spans joined."""
    windows: list[tuple[datetime, datetime]] = []
    for day in _days(first, last):
        start, end = frozen.get(day, _midnight(day)), _next_midnight(day)
        if start >= end:
            continue
        if windows and windows[-1][1] == start:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _counted(period: Period) -> Q:
    """The rows that count in ``period``: its days, without the repeats of an entry in it."""
    first, last = _span(period)
    return Q(day__gte=first, day__lte=last) & (
        Q(previous_day__isnull=True) | Q(previous_day__lt=first)
    )


def days_read(periods: Sequence[Period], filters: Filters) -> Days:
    """The days the periods (of whole days) span: one query for how far each is frozen, and
    one of the transitions of the spans not frozen, if any."""
    first = min(_local_day(period.start) for period in periods)
    last = max(_local_day(period.end) for period in periods) - timedelta(days=1)
    frozen = _frozen(first, last)
    live = _live(first, last, frozen)
    entries = _entries(live, filters) if live else Entries()
    return Days(first, last, frozenset(frozen), entries.counts, tuple(entries.steps), frozen.stamp)


def _counts_in(period: Period) -> Callable[[date, date | None], bool]:
    """Whether an entry on a day after one on a previous day counts in ``period``."""
    first, end = _local_day(period.start), _local_day(period.end)
    return lambda day, previous_day: (
        first <= day < end and (previous_day is None or previous_day < first)
    )


def stage_entries(
    periods: Sequence[Period], filters: Filters, days: Days | None = None
) -> list[dict[str, int]]:
    """For each period of whole days, the distinct leads that entered each funnel stage in it:
    the frozen days from their rows (one query), the others from ``days`` (read here unless
    given: ``days_read``)."""
    days = days or days_read(periods, filters)
    volumes = [dict.fromkeys(STAGES, 0) for _ in periods]
    if days.frozen:
        sums = {f"period_{n}": Sum("leads", filter=_counted(p)) for n, p in enumerate(periods)}
        for row in (
            StageDay.objects.filter(filters.q(), day__gte=days.first, day__lte=days.last)
            .values("stage")
            .annotate(**sums)
            .order_by()
        ):
            for number, volume in enumerate(volumes):
                volume[row["stage"]] += row[f"period_{number}"] or 0
    counts_in = [_counts_in(period) for period in periods]
    for (day, stage, *_dimensions, previous_day), leads in days.counts.items():
        for counts, volume in zip(counts_in, volumes, strict=True):
            if counts(day, previous_day):
                volume[stage] += leads
    return volumes


def step_samples(
    period: Period, filters: Filters, days: Days
) -> tuple[dict[str, np.ndarray], dict[str, list[float]]]:
    """The times of the funnel's steps taken in ``period`` (of whole days), each lead's first
    entry there to a step's later stage, by stage: the frozen days' (sorted, kept in the shared
    cache until the next freeze: one query the first time) and the others'."""
    first, last = _span(period)

    def frozen_samples() -> dict[str, np.ndarray]:
        of_days = kept_days(
            "steps", filters, days.stamp, first, last, lambda missing: _steps_of(missing, filters)
        )
        # A lead's entry counts unless it entered the stage before, in the period.
        after, by_stage = first.toordinal(), defaultdict(list)
        for stages in of_days.values():
            for stage, (seconds, previous) in stages.items():
                by_stage[stage].append(seconds[previous < after])
        return {stage: np.sort(np.concatenate(parts)) for stage, parts in by_stage.items()}

    frozen = (
        kept("steps", (first, last, filters), days.stamp, frozen_samples) if days.frozen else {}
    )
    counts_in = _counts_in(period)
    live: dict[str, list[float]] = defaultdict(list)
    for day, stage, *_dimensions, previous_day, seconds in days.steps:
        if counts_in(day, previous_day):
            live[stage].append(seconds)
    return frozen, live


def conversion_touches(period: Period, filters: Filters, by: str) -> Counter:
    """How often each campaign or source (``by``) stood where among the touchpoints of the
    SQLs and the customers of ``period`` (of whole days), a lead's first entry there to each:
    ``(stage, touchpoint, touchpoints, position) → times``. The frozen parts of days from
    their rows (two queries), the rest — the current day's last minutes, mostly — from the
    transitions and the events (two)."""
    first, last = _span(period)
    frozen = _frozen(first, last)
    counted: Counter = Counter()
    if frozen:
        field = "touch_campaign_id" if by == "campaign" else "touch_channel"
        for row in (
            CreditDay.objects.filter(filters.q(), _counted(period), by=by)
            .values("stage", field, "touchpoints", "position")
            .annotate(times=Sum("times"))
            .order_by()
        ):
            counted[row["stage"], row[field] or None, row["touchpoints"], row["position"]] += row[
                "times"
            ]
    live = _live(first, last, frozen)
    if live:
        credits = _credits(live, filters, (by,))
        counts_in = _counts_in(period)
        for ((day, stage, *_, previous_day), _by, point, count, position), times in credits.items():
            if counts_in(day, previous_day):
                counted[stage, point, count, position] += times
    return counted


def _cohort_names(reached: Sequence[str], windows: Sequence[int]) -> list[str]:
    """The figures of a cohort: its size, the leads that reached each stage, and those that
    did within each window."""
    return ["size", *reached, *(f"{stage}_{days}" for stage in reached for days in windows)]


def cohort_groups(
    period: Period,
    filters: Filters,
    now: datetime,
    reached: Sequence[str],
    windows: Sequence[int] = (),
    by: str | None = None,
) -> tuple[dict, dict[int, tuple], Frozen]:
    """The MQL cohort of ``period`` (of whole days) as ``reports.funnel.cohort`` counts it,
    for each value of the entries' ``by`` (one of ``DIMENSIONS``; all in one group, None,
    without): ``size``, and for each of ``reached`` (of ``COHORT_REACHED``) the leads that
    reached it by ``now`` (``<stage>``) and within each of ``windows`` days of their entry
    (``<stage>_<days>``). From the frozen entries and reaches, and live from the moves since:
    one query for how far the days are frozen, one for the frozen entries' counts, one for the
    reaches since (and one for their entries, if any), one for the entries since and one for
    their reaches. Returns the groups and the entries since the last freeze, ``lead id →
    (entered at, group)``."""
    first, last = _span(period)
    until = max(last, _local_day(now))
    frozen = _frozen(first, until)
    names = _cohort_names(reached, windows)
    groups: dict = defaultdict(lambda: dict.fromkeys(names, 0))

    def reach(group, stage: str, took: timedelta) -> None:
        groups[group][stage] += 1
        for days in windows:
            groups[group][f"{stage}_{days}"] += took <= timedelta(days=days)

    counted = CohortEntry.objects.filter(filters.q(), _counted(period))
    if frozen:
        counts = {"size": Count("id")}
        for stage in reached:
            by_now = Q(**{f"{stage}_at__lte": now})
            counts[stage] = Count("id", filter=by_now)
            for days in windows:
                within = Q(**{f"{stage}_at__lte": F("entered_at") + timedelta(days=days)})
                counts[f"{stage}_{days}"] = Count("id", filter=by_now & within)

        def frozen_counts() -> list[dict]:
            if by:
                return list(counted.values(by).annotate(**counts).order_by())
            return [counted.aggregate(**counts)]

        # Every frozen reach is at or before the last freeze: as of any instant after it, the
        # frozen entries' counts are those of the rows alone, kept until the next freeze.
        parts = (first, last, filters, by, tuple(reached), tuple(windows))
        settled = frozen.latest is not None and now >= frozen.latest
        rows = kept("cohort", parts, frozen.stamp, frozen_counts) if settled else frozen_counts()
        for row in rows:
            groups[row[by] if by else None].update({name: row[name] for name in names})
        # The frozen entries the moves since the last freeze reached, if they had not by then.
        since: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        if unfrozen := _live(first, until, frozen):
            for lead_id, stage, at in StageTransition.objects.filter(
                _within(unfrozen), to_stage__in=reached, at__gte=period.start, at__lte=now
            ).values_list("lead_id", "to_stage", "at"):
                since[lead_id].append((stage, at))
        if since:
            fields = [f"{stage}_at" for stage in reached]
            for lead_id, entered_at, *reaches, group in counted.filter(
                lead_id__in=list(since)
            ).values_list("lead_id", "entered_at", *fields, by or "stage"):
                for stage, reached_at in zip(reached, reaches, strict=True):
                    times = [at for to, at in since[lead_id] if to == stage and at >= entered_at]
                    if reached_at is None and times:
                        reach(group if by else None, stage, min(times) - entered_at)
    live = _live(first, last, frozen)
    entered: dict[int, tuple] = {}
    if live:
        counts_in = _counts_in(period)
        at_key = DIMENSIONS.index(by) if by else None
        for lead_id, at, (day, _stage, *dimensions, previous_day) in _entries(
            live, filters, [COHORT_ENTRY]
        ).cohort:
            if counts_in(day, previous_day):
                entered[lead_id] = (at, None if at_key is None else dimensions[at_key])
        for _, group in entered.values():
            groups[group]["size"] += 1
        firsts: dict[tuple[int, str], datetime] = {}
        if entered:
            for lead_id, stage, at in (
                StageTransition.objects.filter(
                    lead_id__in=list(entered), to_stage__in=reached,
                    at__gte=min(at for at, _ in entered.values()), at__lte=now,
                )
                .order_by("at")
                .values_list("lead_id", "to_stage", "at")
            ):  # fmt: skip
                if at >= entered[lead_id][0]:
                    firsts.setdefault((lead_id, stage), at)
        for (lead_id, stage), at in firsts.items():
            entered_at, group = entered[lead_id]
            reach(group, stage, at - entered_at)
    return dict(groups), entered, frozen


def cohort_counts(
    period: Period,
    filters: Filters,
    now: datetime,
    reached: Sequence[str],
    windows: Sequence[int],
) -> dict[str, int]:
    """The MQL cohort of ``period`` (of whole days) as ``reports.funnel.cohort`` counts it:
    ``cohort_groups`` in one group."""
    groups, _entered, _frozen_days = cohort_groups(period, filters, now, reached, windows)
    return groups.get(None, dict.fromkeys(_cohort_names(reached, windows), 0))


def cohort_decisions(
    period: Period,
    filters: Filters,
    now: datetime,
    by: str,
    entered: dict[int, tuple],
    frozen: Frozen,
) -> Counter:
    """Sales' decisions on the MQL cohort of ``period`` (of whole days) up to ``now``, those
    at or after each lead's entry, by the entries' ``by`` (one of ``DIMENSIONS``) and by the
    decision's reason code's label (None without one): ``(group, label, kind) → decisions``,
    each decision of the ``DECISIONS`` kind it is.

    Given how far the days from the period's first to ``now``'s are ``frozen`` and the entries
    since the last freeze (``entered``, both as ``cohort_groups`` returns them): the frozen
    entries' frozen decisions from their rows (one query, kept until the next freeze), the
    decisions since on the frozen entries (one, and one for their entries if any), and the
    decisions on the entries since (one)."""
    first, last = _span(period)
    frozen_rows = (
        CohortDecision.objects.filter(filters.q(), _counted(period), at__lte=now)
        .values_list(by, "rejection_reason__label")
        .annotate(**{kind: Count("id", filter=Q(**{kind: True})) for kind in DECISIONS})
        .order_by()
    )
    settled = frozen.latest is not None and now >= frozen.latest
    parts = (first, last, filters, by)
    rows = kept("decisions", parts, frozen.stamp, lambda: list(frozen_rows)) if settled else (
        frozen_rows if frozen else []
    )  # fmt: skip
    counted: Counter = Counter()
    for group, label, *numbers in rows:
        for kind, number in zip(DECISIONS, numbers, strict=True):
            counted[group, label, kind] += number

    def count(moves: Iterable[tuple], on: dict[int, tuple]) -> None:
        for lead_id, _id, at, label, *of_kinds in moves:
            if lead_id in on and at >= on[lead_id][0]:
                for kind, of_kind in zip(DECISIONS, of_kinds, strict=True):
                    counted[on[lead_id][1], label, kind] += of_kind

    decisions = _flagged(StageTransition.objects.filter(at__gte=period.start, at__lte=now))
    moves = ("lead_id", "id", "at", "rejection_reason__label", *DECISIONS)
    if unfrozen := _live(first, _local_day(now), frozen):
        recent = list(decisions.filter(_within(unfrozen)).values_list(*moves))
        # A part frozen before a day not yet frozen wrote its entries' decisions up to then.
        written = set(
            CohortDecision.objects.filter(
                transition_id__in=[move[1] for move in recent]
            ).values_list("transition_id", flat=True)
        ) if recent else set()  # fmt: skip
        recent = [move for move in recent if move[1] not in written]
        if recent:
            entries = CohortEntry.objects.filter(
                filters.q(), _counted(period), lead_id__in={move[0] for move in recent}
            ).values_list("lead_id", "entered_at", by)
            count(recent, {lead_id: (at, group) for lead_id, at, group in entries})
    if entered:
        count(decisions.filter(lead_id__in=list(entered)).values_list(*moves), entered)
    return counted


def _flagged(moves: QuerySet) -> QuerySet:
    """Sales' decisions among ``moves``, each with a flag per kind of ``DECISIONS``."""
    flags = {
        kind: ExpressionWrapper(c, output_field=BooleanField()) for kind, c in DECISIONS.items()
    }
    return moves.filter(DECIDED).annotate(**flags)


def leads_created(period: Period, filters: Filters, by: str) -> Counter:
    """The leads created in ``period`` (of whole days) by their ``by`` (one of
    ``DIMENSIONS``): the frozen parts of its days from their counts (two queries), as the
    leads were then, and the rest live, as they are now (one)."""
    first, last = _span(period)
    frozen = _frozen(first, last)
    counted: Counter = Counter()
    if frozen:
        sums = (
            CreatedDay.objects.filter(filters.q(), day__gte=first, day__lte=last)
            .values_list(by)
            .annotate(leads=Sum("leads"))
            .order_by()
        )
        for key, leads in kept(
            "created", (first, last, filters, by), frozen.stamp, lambda: list(sums)
        ):
            counted[key] += leads
    if live := _live(first, last, frozen):
        for key, leads in (
            Lead.objects.filter(filters.q(), _within(live, "created_at"))
            .values_list(by)
            .annotate(leads=Count("id"))
            .order_by()
        ):
            counted[key] += leads
    return counted


# Freezing -------------------------------------------------------------------------------------


def _write(start: datetime, end: datetime, now: datetime) -> int:
    """Freeze the moves from ``start`` up to ``end``, where the rows of ``start``'s day end
    (its midnight when it has none) and the days after it have none; returns how many days
    it wrote. A day another worker froze meanwhile is left as that worker wrote it."""
    window = [(start, end)]
    entries = _entries(window, Filters())
    credits = _credits(window, Filters(), entries=entries)
    # The cohort entries written get their reaches up to the end of every part frozen, also
    # when a day is frozen again after later ones.
    horizon = max(end, FrozenDay.objects.aggregate(through=Max("through"))["through"] or end)
    written = 0
    for day in _days(_local_day(start), _local_day(end - timedelta(microseconds=1))):
        try:
            with transaction.atomic():
                since = max(start, _midnight(day))
                through = min(end, _next_midnight(day))
                if not _claim(day, since, through, now):
                    continue
                created = Lead.objects.filter(created_at__gte=since, created_at__lt=through)
                CreatedDay.objects.bulk_create(
                    CreatedDay(day=day, **row)
                    for row in created.values(*DIMENSIONS).annotate(leads=Count("id")).order_by()
                )
                StageDay.objects.bulk_create(
                    StageDay(day=day, stage=stage, previous_day=previous_day, leads=leads,
                             **dict(zip(DIMENSIONS, dimensions, strict=True)))
                    for (row_day, stage, *dimensions, previous_day), leads in entries.counts.items()
                    if row_day == day
                )  # fmt: skip
                StepDay.objects.bulk_create(
                    (StepDay(day=day, stage=stage, previous_day=previous_day, seconds=seconds,
                             **dict(zip(DIMENSIONS, dimensions, strict=True)))
                     for row_day, stage, *dimensions, previous_day, seconds in entries.steps
                     if row_day == day),
                    batch_size=5_000,
                )  # fmt: skip
                CreditDay.objects.bulk_create(
                    (_credit_day(row, by, point, count, position, times)
                     for (row, by, point, count, position), times in credits.items()
                     if row[0] == day),
                    batch_size=5_000,
                )  # fmt: skip
                CohortEntry.objects.bulk_create(
                    (CohortEntry(day=day, stage=stage, previous_day=previous_day,
                                 lead_id=lead_id, entered_at=at,
                                 **dict(zip(DIMENSIONS, dimensions, strict=True)))
                     for lead_id, at, (row_day, stage, *dimensions, previous_day) in entries.cohort
                     if row_day == day),
                    batch_size=5_000,
                )  # fmt: skip
                # The stages the part's moves entered: a reach of another is not among them.
                entered = {key[1] for key in entries.counts if key[0] == day}
                reached = [stage for stage in COHORT_REACHED if stage in entered]
                _reaches_fill(day, since, through, horizon, reached, new=COHORT_ENTRY in entered)
                _decisions_fill(day, since, through, horizon, new=COHORT_ENTRY in entered)
        except IntegrityError:
            continue  # frozen by another worker meanwhile
        written += 1
    return written


def _reaches_fill(
    day: date,
    since: datetime,
    through: datetime,
    horizon: datetime,
    reached: Sequence[str],
    *,
    new: bool,
) -> None:
    """Give the cohort entries just written for ``day`` (from ``since`` to ``through``; if
    ``new``, there are some) their first reach of each later stage before ``horizon``, and the
    entries before them that the moves of that part reached theirs (the stages ``reached``)."""
    for stage in COHORT_REACHED if new else reached:
        first = Subquery(
            StageTransition.objects.filter(
                lead_id=OuterRef("lead_id"), to_stage=stage, at__gte=OuterRef("entered_at"),
                at__lt=horizon,
            )
            .order_by("at")
            .values("at")[:1]
        )  # fmt: skip
        if new:
            written = CohortEntry.objects.filter(
                day=day, entered_at__gte=since, entered_at__lt=through
            )
            written.update(**{f"{stage}_at": first})
        if stage in reached:
            moves = StageTransition.objects.filter(to_stage=stage, at__gte=since, at__lt=through)
            CohortEntry.objects.filter(
                **{f"{stage}_at__isnull": True},
                entered_at__lt=since,
                lead_id__in=moves.values("lead_id"),
            ).update(**{f"{stage}_at": first})


def _decisions_fill(
    day: date, since: datetime, through: datetime, horizon: datetime, *, new: bool
) -> None:
    """Write the decisions on the cohort entries just written for ``day`` (from ``since`` to
    ``through``; if ``new``, there are some) made before ``horizon``, and those the part's
    moves made on the entries before them. A pair already written (the day frozen again, or
    the part's decision on an entry written with its later reaches) is left as it is."""
    decisions = _flagged(StageTransition.objects.all())
    part = decisions.filter(at__gte=since, at__lt=through)
    sets = [(CohortEntry.objects.filter(entered_at__lt=since), part)]
    if new:
        written = CohortEntry.objects.filter(day=day, entered_at__gte=since, entered_at__lt=through)
        later = decisions.filter(
            lead_id__in=written.values("lead_id"), at__gte=since, at__lt=horizon
        )
        sets.append((written, later))
    rows = []
    for entries, moves in sets:
        by_lead: dict[int, list[tuple]] = defaultdict(list)
        for move in moves.values_list("lead_id", "id", "at", "rejection_reason_id", *DECISIONS):
            by_lead[move[0]].append(move[1:])
        for entry_id, lead_id, entered_at, *row in entries.filter(
            lead_id__in=list(by_lead)
        ).values_list("id", "lead_id", "entered_at", "day", "stage", "previous_day", *DIMENSIONS):
            day_of, stage, previous_day, *dimensions = row
            rows.extend(
                CohortDecision(
                    entry_id=entry_id, transition_id=transition_id, at=at,
                    rejection_reason_id=reason_id, accepted=accepted, rejected=rejected,
                    day=day_of, stage=stage, previous_day=previous_day,
                    **dict(zip(DIMENSIONS, dimensions, strict=True)),
                )
                for transition_id, at, reason_id, accepted, rejected in by_lead[lead_id]
                if at >= entered_at
            )  # fmt: skip
    CohortDecision.objects.bulk_create(rows, batch_size=5_000, ignore_conflicts=True)


def _claim(day: date, since: datetime, through: datetime, now: datetime) -> bool:
    """Record that ``day``'s rows reach ``through`` from ``since`` (its midnight for a day not
    frozen yet); False when another worker froze that part meanwhile. A second worker's
    ``FrozenDay`` of a new day fails on the day's uniqueness (``IntegrityError``)."""
    if since == _midnight(day):
        FrozenDay.objects.create(day=day, through=through, frozen_at=now)
        return True
    return bool(
        FrozenDay.objects.filter(day=day, through=since).update(through=through, frozen_at=now)
    )


def _credit_day(row: tuple, by: str, point, count: int, position: str, times: int) -> CreditDay:
    day, stage, *dimensions, previous_day = row
    return CreditDay(
        day=day, stage=stage, previous_day=previous_day,
        **dict(zip(DIMENSIONS, dimensions, strict=True)),
        by=by, touch_campaign_id=point if by == "campaign" else None,
        touch_channel=(point or "") if by == "source" else "",
        touchpoints=count, position=position, times=times,
    )  # fmt: skip


def _over(day: date, now: datetime) -> bool:
    """Whether ``day`` ended long enough before ``now`` for all its moves to be written."""
    return _next_midnight(day) <= now - FREEZE_MARGIN


def days_freeze(days: Iterable[date], *, now: datetime | None = None) -> int:
    """Freeze those of ``days`` that are over, all of them or the rest of those frozen in
    part; returns how many it froze."""
    now = now or timezone.now()
    closed = {day for day in days if _over(day, now)}
    if not closed:
        return 0
    frozen = dict(FrozenDay.objects.filter(day__in=closed).values_list("day", "through"))
    rests = [
        (frozen[day], _next_midnight(day))
        for day in sorted(closed & set(frozen))
        if frozen[day] < _next_midnight(day)
    ]
    wholes = [
        (_midnight(first), _midnight(last + timedelta(days=1)))
        for first, last in _ranges(sorted(closed - set(frozen)))
    ]
    return sum(_write(start, end, now) for start, end in [*rests, *wholes])


def day_freeze_so_far(now: datetime | None = None) -> int:
    """Freeze the current day's moves from where its rows end up to the last multiple of
    ``FREEZE_EVERY`` since its midnight that lies ``FREEZE_MARGIN`` back; returns 1 if it
    froze some, else 0 (a run in the same part of the day, or the first minutes of a day)."""
    now = now or timezone.now()
    settled = now - FREEZE_MARGIN
    today = _local_day(settled)
    midnight = _midnight(today)
    until = midnight + FREEZE_EVERY * ((settled - midnight) // FREEZE_EVERY)
    through = FrozenDay.objects.filter(day=today).values_list("through", flat=True).first()
    start = through or midnight
    if until <= start:
        return 0
    return _write(start, until, now)


def days_freeze_due(now: datetime | None = None) -> int:
    """Freeze the closed days of the last two years that have none, or only part (yesterday,
    and any a stopped scheduler missed, or all of them the first time), and the current day
    so far (``day_freeze_so_far``); returns how many days it froze, whole or in part."""
    now = now or timezone.now()
    yesterday = _local_day(now - FREEZE_MARGIN) - timedelta(days=1)
    closed = _days(yesterday - timedelta(days=FREEZE_DAYS_BACK - 1), yesterday)
    return days_freeze(closed, now=now) + day_freeze_so_far(now)


@transaction.atomic
def days_refreeze(first: date, last: date, *, now: datetime | None = None) -> int:
    """Freeze the days ``first``–``last`` again from their history as it is now (a rebuild
    of their week); returns how many it froze. The current day among them is frozen again by
    the beat's next run."""
    for model in (StageDay, StepDay, CreditDay, CohortDecision, CohortEntry, CreatedDay, FrozenDay):
        model.objects.filter(day__gte=first, day__lte=last).delete()
    return days_freeze(_days(first, last), now=now)
