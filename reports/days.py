"""Each day's entries into the funnel's stages, frozen once the day is over, so the funnel's
volumes over a month read thirty days of rows instead of every transition of the month; with
them the time each entry took from the step before (``StepDay``, the velocity's) and the
touchpoints of each entry to SQL and customer (``CreditDay``, attribution's).

A lead counts once in a period however many times it entered a stage there: each day's
entries keep the day of the lead's previous entry to the stage, and an entry counts in a
period only when that day falls before the period (or there is none). That is exact for the
periods of whole local days the reports use; a period of other instants is counted from the
transitions (``reports.funnel``).

Frozen days are read from their rows, the others — today, and any day the
beat has not reached — live from the transitions, with the same rows computed on the fly. A
frozen day keeps the sources, campaigns, personas and owners its leads had when it was
frozen, as a week's snapshot keeps its figures; a rebuild of the week freezes its days again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db import IntegrityError, transaction
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from leads.models import FUNNEL, Stage, StageTransition
from reports import touches
from reports.filters import Filters, Period
from reports.models import CreditDay, FrozenDay, StageDay, StepDay
from reports.touches import Conversion

# How far back a previous entry makes a later one a repeat: the longest period a report takes.
REPEAT_DAYS = 731
# How far back the freezing looks for a closed day without its rows.
FREEZE_DAYS_BACK = REPEAT_DAYS
# Days read (or frozen) by one query of the transitions.
DAYS_A_QUERY = 7
STAGES = [stage.value for stage in FUNNEL]
# The entries attribution credits: each lead's first a day to either stage.
CONVERSIONS = (Stage.SQL.value, Stage.CUSTOMER.value)
DIMENSIONS = ("original_channel", "campaign_id", "persona_id", "owner_id")
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
    ``StageDay``'s and ``StepDay``'s (``Days``), and the entries to SQL and customer among
    them, each grouped under ``(day, stage, *dimensions, previous_day)``."""

    counts: Counter
    steps: list[tuple]
    conversions: list[Conversion]


@dataclass(frozen=True)
class Days:
    """The days of a span, read: which are frozen, and the others' rows from the transitions —
    ``counts`` as ``StageDay``'s, ``(day, stage, *dimensions, previous_day) → leads``, and
    ``steps`` as ``StepDay``'s, ``(day, stage, *dimensions, previous_day, seconds)``."""

    first: date
    last: date
    frozen: frozenset[date]
    counts: Counter
    steps: tuple[tuple, ...]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


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


def _transitions(first: date, last: date, filters: Filters, stages: Sequence[str]) -> QuerySet:
    """The entries to ``stages`` on the days ``first``–``last`` of the leads ``filters`` count."""
    return StageTransition.objects.filter(
        filters.q("lead__"),
        to_stage__in=stages,
        at__gte=_midnight(first),
        at__lt=_midnight(last + timedelta(days=1)),
    )


def _entries(first: date, last: date, filters: Filters, stages: Sequence[str] = STAGES) -> Entries:
    """The rows of the days ``first``–``last``, computed from the transitions: one query, each
    transition with its lead's previous entry to the same stage, and its latest entry to the
    step's earlier stage, looked up by index."""
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
        _transitions(first, last, filters, stages)
        .alias(earlier_stage=earlier_stage)
        .annotate(previous_at=Subquery(previous), earlier_at=Subquery(earlier))
        .order_by("lead_id", "to_stage", "at")
        .values_list("lead_id", "to_stage", "at", "previous_at", "earlier_at",
                     *(f"lead__{field}" for field in DIMENSIONS))
    )  # fmt: skip
    entries = Entries(Counter(), [], [])
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
    return entries


def _credits(
    first: date,
    last: date,
    filters: Filters,
    groupings: tuple[str, ...] = touches.GROUPINGS,
    entries: Entries | None = None,
) -> Counter:
    """The touchpoints of the conversions of the days ``first``–``last`` (``entries`` of
    theirs, read here unless given), as ``touches.tally`` counts them: two queries."""
    entries = entries or _entries(first, last, filters, CONVERSIONS)
    lead_ids = _transitions(first, last, filters, CONVERSIONS).values("lead_id")
    until = _midnight(last + timedelta(days=1))
    return touches.tally(entries.conversions, lead_ids, until, groupings)


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


def _frozen(first: date, last: date) -> frozenset[date]:
    """Which of the days ``first``–``last`` are frozen: one query."""
    return frozenset(
        FrozenDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True)
    )


def _counted(period: Period) -> Q:
    """The rows that count in ``period``: its days, without the repeats of an entry in it."""
    first = _local_day(period.start)
    last = _local_day(period.end) - timedelta(days=1)
    return Q(day__gte=first, day__lte=last) & (
        Q(previous_day__isnull=True) | Q(previous_day__lt=first)
    )


def days_read(periods: Sequence[Period], filters: Filters) -> Days:
    """The days the periods (of whole days) span: one query for which are frozen, and one of
    the transitions from the first day not frozen to the last, if any."""
    first = min(_local_day(period.start) for period in periods)
    last = max(_local_day(period.end) for period in periods) - timedelta(days=1)
    frozen = _frozen(first, last)
    live = [day for day in _days(first, last) if day not in frozen]
    entries = _entries(live[0], live[-1], filters) if live else Entries(Counter(), [], [])
    # A frozen day amid the live ones is read from its rows.
    counts = Counter({key: n for key, n in entries.counts.items() if key[0] not in frozen})
    steps = tuple(step for step in entries.steps if step[0] not in frozen)
    return Days(first, last, frozen, counts, steps)


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


def step_samples(period: Period, filters: Filters, days: Days) -> tuple[QuerySet, list[tuple]]:
    """The times of the funnel's steps taken in ``period`` (of whole days), each lead's first
    entry there to a step's later stage: the frozen days' as a query of ``(stage, seconds)``
    (None when no day is frozen), the others' as such pairs."""
    frozen = (
        StepDay.objects.filter(filters.q(), _counted(period)).values_list("stage", "seconds")
        if days.frozen
        else None
    )
    counts_in = _counts_in(period)
    live = [
        (stage, seconds)
        for day, stage, *_dimensions, previous_day, seconds in days.steps
        if counts_in(day, previous_day)
    ]
    return frozen, live


def conversion_touches(period: Period, filters: Filters, by: str) -> Counter:
    """How often each campaign or source (``by``) stood where among the touchpoints of the
    SQLs and the customers of ``period`` (of whole days), a lead's first entry there to each:
    ``(stage, touchpoint, touchpoints, position) → times``. The frozen days from their rows
    (two queries), the others — today's, mostly — from the transitions and the events (two)."""
    first = _local_day(period.start)
    last = _local_day(period.end) - timedelta(days=1)
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
    live = [day for day in _days(first, last) if day not in frozen]
    if live:
        credits = _credits(live[0], live[-1], filters, (by,))
        counts_in = _counts_in(period)
        for ((day, stage, *_, previous_day), _by, point, count, position), times in credits.items():
            if day not in frozen and counts_in(day, previous_day):
                counted[stage, point, count, position] += times
    return counted


# Freezing -------------------------------------------------------------------------------------


def _write(first: date, last: date, now: datetime) -> int:
    """Freeze the days ``first``–``last`` that no one froze yet; returns how many it froze."""
    entries = _entries(first, last, Filters())
    credits = _credits(first, last, Filters(), entries=entries)
    frozen = 0
    for day in _days(first, last):
        try:
            with transaction.atomic():
                FrozenDay.objects.create(day=day, frozen_at=now)
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
        except IntegrityError:
            continue  # frozen by another worker meanwhile
        frozen += 1
    return frozen


def _credit_day(row: tuple, by: str, point, count: int, position: str, times: int) -> CreditDay:
    day, stage, *dimensions, previous_day = row
    return CreditDay(
        day=day, stage=stage, previous_day=previous_day,
        **dict(zip(DIMENSIONS, dimensions, strict=True)),
        by=by, touch_campaign_id=point if by == "campaign" else None,
        touch_channel=(point or "") if by == "source" else "",
        touchpoints=count, position=position, times=times,
    )  # fmt: skip


def days_freeze(days: Iterable[date], *, now: datetime | None = None) -> int:
    """Freeze those of ``days`` that are over and not frozen yet; returns how many it froze."""
    now = now or timezone.now()
    closed = {day for day in days if _midnight(day + timedelta(days=1)) <= now}
    if not closed:
        return 0
    have = set(FrozenDay.objects.filter(day__in=closed).values_list("day", flat=True))
    due = sorted(closed - have)
    return sum(_write(first, last, now) for first, last in _ranges(due))


def days_freeze_due(now: datetime | None = None) -> int:
    """Freeze the closed days of the last two years that have none (yesterday, and any a
    stopped scheduler missed, or all of them the first time); returns how many it froze."""
    now = now or timezone.now()
    yesterday = _local_day(now) - timedelta(days=1)
    return days_freeze(_days(yesterday - timedelta(days=FREEZE_DAYS_BACK - 1), yesterday), now=now)


@transaction.atomic
def days_refreeze(first: date, last: date, *, now: datetime | None = None) -> int:
    """Freeze the days ``first``–``last`` again from their history as it is now (a rebuild
    of their week); returns how many it froze."""
    StageDay.objects.filter(day__gte=first, day__lte=last).delete()
    StepDay.objects.filter(day__gte=first, day__lte=last).delete()
    CreditDay.objects.filter(day__gte=first, day__lte=last).delete()
    FrozenDay.objects.filter(day__gte=first, day__lte=last).delete()
    return days_freeze(_days(first, last), now=now)
