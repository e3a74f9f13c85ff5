"""Each day's entries into the funnel's stages, frozen once the day is over, so the funnel's
volumes over a month read thirty days of rows instead of every transition of the month.

A lead counts once in a period however many times it entered a stage there: each day's
entries keep the day of the lead's previous entry to the stage, and an entry counts in a
period only when that day falls before the period (or there is none). That is exact for the
periods of whole local days the reports use; a period of other instants is counted from the
transitions (``reports.funnel``).

Frozen days are read from their rows (``StageDay``), the others — today, and any day the
beat has not reached — live from the transitions, with the same rows computed on the fly. A
frozen day keeps the sources, campaigns, personas and owners its leads had when it was
frozen, as a week's snapshot keeps its figures; a rebuild of the week freezes its days again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone

from leads.models import FUNNEL, StageTransition
from reports.filters import Filters, Period
from reports.models import FrozenDay, StageDay

# How far back a previous entry makes a later one a repeat: the longest period a report takes.
REPEAT_DAYS = 731
# How far back the freezing looks for a closed day without its rows.
FREEZE_DAYS_BACK = REPEAT_DAYS
# Days read (or frozen) by one query of the transitions.
DAYS_A_QUERY = 7
STAGES = [stage.value for stage in FUNNEL]
DIMENSIONS = ("original_channel", "campaign_id", "persona_id", "owner_id")

# (day, stage, original_channel, campaign_id, persona_id, owner_id, previous_day)
Key = tuple


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def whole_days(period: Period) -> bool:
    """Whether ``period`` runs from a local midnight to another, as the reports' do."""
    return all(
        timezone.localtime(moment).time() == time.min for moment in (period.start, period.end)
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _entries(first: date, last: date, filters: Filters) -> Counter:
    """The rows of the days ``first``–``last``, computed from the transitions: one query, each
    transition with its lead's previous entry to the same stage looked up by index."""
    previous = (
        StageTransition.objects.filter(
            lead_id=OuterRef("lead_id"), to_stage=OuterRef("to_stage"), at__lt=OuterRef("at")
        )
        .order_by("-at")
        .values("at")[:1]
    )
    rows = (
        StageTransition.objects.filter(
            filters.q("lead__"),
            to_stage__in=STAGES,
            at__gte=_midnight(first),
            at__lt=_midnight(last + timedelta(days=1)),
        )
        .annotate(previous_at=Subquery(previous))
        .order_by("lead_id", "to_stage", "at")
        .values_list("lead_id", "to_stage", "at", "previous_at",
                     *(f"lead__{field}" for field in DIMENSIONS))
    )  # fmt: skip
    counts: Counter = Counter()
    seen: set[tuple] = set()
    for lead_id, stage, at, previous_at, *dimensions in rows:
        day = _local_day(at)
        if (lead_id, stage, day) in seen:
            continue  # its first entry that day counts; the first's previous is a day before
        seen.add((lead_id, stage, day))
        previous_day = _local_day(previous_at) if previous_at else None
        if previous_day is not None and (day - previous_day).days > REPEAT_DAYS:
            previous_day = None
        counts[(day, stage, *dimensions, previous_day)] += 1
    return counts


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


def _counted(period: Period) -> Q:
    """The rows that count in ``period``: its days, without the repeats of an entry in it."""
    first = _local_day(period.start)
    last = _local_day(period.end) - timedelta(days=1)
    return Q(day__gte=first, day__lte=last) & (
        Q(previous_day__isnull=True) | Q(previous_day__lt=first)
    )


def stage_entries(periods: Sequence[Period], filters: Filters) -> list[dict[str, int]]:
    """For each period of whole days, the distinct leads that entered each funnel stage in it:
    the frozen days from their rows (one query), the others from the transitions (one query,
    from the first day not frozen to the last), after one query for which days are frozen."""
    first = min(_local_day(period.start) for period in periods)
    last = max(_local_day(period.end) for period in periods) - timedelta(days=1)
    volumes = [dict.fromkeys(STAGES, 0) for _ in periods]
    frozen = set(
        FrozenDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True)
    )
    if frozen:
        sums = {f"period_{n}": Sum("leads", filter=_counted(p)) for n, p in enumerate(periods)}
        for row in (
            StageDay.objects.filter(filters.q(), day__gte=first, day__lte=last)
            .values("stage")
            .annotate(**sums)
            .order_by()
        ):
            for number, volume in enumerate(volumes):
                volume[row["stage"]] += row[f"period_{number}"] or 0
    live = [day for day in _days(first, last) if day not in frozen]
    if not live:
        return volumes
    for (day, stage, *_dims, previous_day), leads in _entries(live[0], live[-1], filters).items():
        if day in frozen:
            continue  # a frozen day amid the live ones is read from its rows
        for period, volume in zip(periods, volumes, strict=True):
            period_first = _local_day(period.start)
            in_period = period_first <= day < _local_day(period.end)
            if in_period and (previous_day is None or previous_day < period_first):
                volume[stage] += leads
    return volumes


# Freezing -------------------------------------------------------------------------------------


def _write(first: date, last: date, now: datetime) -> int:
    """Freeze the days ``first``–``last`` that no one froze yet; returns how many it froze."""
    counts = _entries(first, last, Filters())
    frozen = 0
    for day in _days(first, last):
        try:
            with transaction.atomic():
                FrozenDay.objects.create(day=day, frozen_at=now)
                StageDay.objects.bulk_create(
                    StageDay(day=day, stage=stage, previous_day=previous_day, leads=leads,
                             **dict(zip(DIMENSIONS, dims, strict=True)))
                    for (row_day, stage, *dims, previous_day), leads in counts.items()
                    if row_day == day
                )  # fmt: skip
        except IntegrityError:
            continue  # frozen by another worker meanwhile
        frozen += 1
    return frozen


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
    FrozenDay.objects.filter(day__gte=first, day__lte=last).delete()
    return days_freeze(_days(first, last), now=now)
