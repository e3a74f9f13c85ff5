"""The weekly snapshots: each closed week's figures (the counts entering each stage, the
conversions between them, and both sides of the SLA) frozen early the Monday after. Reports
and the meeting read a closed week from its snapshot and the current week live, so last
month's meeting shows what it showed then, and a year of weeks costs one query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.days import days_refreeze
from reports.filters import Filters, Period
from reports.funnel import stage_volumes
from reports.models import WeekSnapshot
from reports.services import week_start

# The steps the weekly figures count, and the conversions between them.
STEPS = (
    ("lead", "Leads"),
    ("mql", "MQLs"),
    ("sal", "SALs"),
    ("sql", "SQLs"),
    ("customer", "Customers"),
)
# How many closed weeks the freezing looks back for one without a snapshot.
FREEZE_WEEKS_BACK = 13


def week_period(monday: date, label: str = "") -> Period:
    return Period.days(monday, monday + timedelta(days=6), label)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def live_week_values(period: Period) -> dict[str, float | None]:
    """The week's figures from the transitions and clocks as they are now."""
    from sla.models import Agreement
    from sla.selectors import compliance

    volumes = stage_volumes(period, Filters())
    values: dict[str, float | None] = {stage: volumes.get(stage, 0) for stage, _ in STEPS}
    for (before, _), (after, _) in zip(STEPS, STEPS[1:], strict=False):
        values[f"{before}_{after}"] = _share(volumes.get(after, 0), volumes.get(before, 0))
    figures = compliance(
        period.label, period.start, period.end, agreement=Agreement.objects.in_force(period.end),
        weekly=True, now=period.end,
    )  # fmt: skip
    values["accepted"] = figures.accepted_percent
    values["mqls_promised"] = figures.target
    for kind in figures.kinds:
        values[f"sla_{kind.kind}"] = kind.percent
    return values


def _closed(monday: date, now: datetime) -> bool:
    return week_period(monday).end <= now


def weeks_values(mondays: Iterable[date], now: datetime | None = None) -> dict[date, dict]:
    """Each week's figures: a closed week's from its snapshot where it has one, the others
    live. One query for the snapshots."""
    now = now or timezone.now()
    mondays = [week_start(monday) for monday in mondays]
    frozen = dict(
        WeekSnapshot.objects.filter(week_of__in=mondays).values_list("week_of", "figures")
    )
    return {
        monday: frozen[monday]
        if monday in frozen and _closed(monday, now)
        else live_week_values(week_period(monday))
        for monday in mondays
    }


def snapshot_freeze(week_of: date, *, now: datetime | None = None) -> WeekSnapshot | None:
    """Freeze the figures of ``week_of``'s week once it is over; a week frozen already keeps
    its figures (also when two workers freeze it at once). None for a week not over yet."""
    now = now or timezone.now()
    monday = week_start(week_of)
    if not _closed(monday, now):
        return None
    existing = WeekSnapshot.objects.filter(week_of=monday).first()
    if existing is not None:
        return existing
    figures = live_week_values(week_period(monday))
    try:
        with transaction.atomic():
            return WeekSnapshot.objects.create(week_of=monday, figures=figures, frozen_at=now)
    except IntegrityError:
        return WeekSnapshot.objects.get(week_of=monday)


def snapshots_freeze_due(now: datetime | None = None) -> int:
    """Freeze the closed weeks of the last ``FREEZE_WEEKS_BACK`` that have no snapshot (the
    week just over, and any a stopped scheduler missed); returns how many it froze."""
    now = now or timezone.now()
    last_closed = week_start(timezone.localdate(now)) - timedelta(days=7)
    mondays = [last_closed - timedelta(weeks=back) for back in range(FREEZE_WEEKS_BACK)]
    have = set(WeekSnapshot.objects.filter(week_of__in=mondays).values_list("week_of", flat=True))
    frozen = 0
    for monday in mondays:
        if monday not in have and snapshot_freeze(monday, now=now) is not None:
            frozen += 1
    return frozen


@transaction.atomic
def snapshot_rebuild(*, snapshot: WeekSnapshot, actor) -> WeekSnapshot:
    """Compute a frozen week's figures again (after a correction of its history), recorded
    as a rebuild by ``actor``."""
    snapshot = WeekSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    days_refreeze(snapshot.week_of, snapshot.week_of + timedelta(days=6))
    snapshot.figures = live_week_values(week_period(snapshot.week_of))
    snapshot.rebuilt_at = timezone.now()
    snapshot.rebuilt_by = actor
    snapshot.rebuilds += 1
    snapshot.save(update_fields=["figures", "rebuilt_at", "rebuilt_by", "rebuilds"])
    return snapshot
