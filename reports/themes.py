"""The theme section of each week's meeting, frozen: rendered once early the meeting's Monday,
when the week under review is over, and shown as it was ever after. A month of funnel and
attribution takes seconds to read at a million leads; a frozen section is one row. A manager
or an admin can read it again (a campaign added on the Monday morning, say), recorded as
such; a meeting whose theme was never frozen is read live."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from reports.meeting import THEME_BUILDERS
from reports.models import Meeting, ThemeSnapshot
from reports.services import week_start
from reports.snapshots import FREEZE_WEEKS_BACK


def theme_context(monday: date) -> dict:
    """What the theme section of the meeting of ``monday``'s week shows, read now."""
    return THEME_BUILDERS[Meeting(week_of=monday).theme](monday)


def theme_render(monday: date) -> str:
    theme = Meeting(week_of=monday).theme
    return render_to_string(f"reports/_theme_{theme}.html", theme_context(monday))


def _begun(monday: date, now: datetime) -> bool:
    """Whether the meeting's week has begun, so the week it reviews is over."""
    return timezone.make_aware(datetime.combine(monday, time.min)) <= now


def theme_shown(week_of: date) -> ThemeSnapshot | None:
    """The frozen theme of the meeting of ``week_of``'s week, if it was frozen."""
    return ThemeSnapshot.objects.filter(week_of=week_start(week_of)).first()


def theme_freeze(week_of: date, *, now: datetime | None = None) -> ThemeSnapshot | None:
    """Freeze the theme of the meeting of ``week_of``'s week once that week has begun; a
    theme frozen already is kept (also when two workers freeze it at once). None for a week
    still to come."""
    now = now or timezone.now()
    monday = week_start(week_of)
    if not _begun(monday, now):
        return None
    existing = theme_shown(monday)
    if existing is not None:
        return existing
    html = theme_render(monday)
    try:
        with transaction.atomic():
            return ThemeSnapshot.objects.create(
                week_of=monday, theme=Meeting(week_of=monday).theme, html=html, frozen_at=now
            )
    except IntegrityError:
        return ThemeSnapshot.objects.get(week_of=monday)


def themes_freeze_due(now: datetime | None = None) -> int:
    """Freeze the theme of this week's meeting, and of the meetings of the last quarter that
    have none (a stopped scheduler's); returns how many it froze."""
    now = now or timezone.now()
    this_week = week_start(timezone.localdate(now))
    mondays = [this_week - timedelta(weeks=back) for back in range(FREEZE_WEEKS_BACK)]
    have = set(ThemeSnapshot.objects.filter(week_of__in=mondays).values_list("week_of", flat=True))
    return sum(1 for monday in mondays if monday not in have and theme_freeze(monday, now=now))


@transaction.atomic
def theme_read_again(*, week_of: date, actor, now: datetime | None = None) -> ThemeSnapshot | None:
    """Read the theme of the meeting of ``week_of``'s week again and keep that, recorded as
    a refresh by ``actor``; freezes it first if it never was. None for a week still to come."""
    now = now or timezone.now()
    monday = week_start(week_of)
    snapshot = ThemeSnapshot.objects.select_for_update().filter(week_of=monday).first()
    if snapshot is None:
        return theme_freeze(monday, now=now)
    snapshot.html = theme_render(monday)
    snapshot.refreshed_at = now
    snapshot.refreshed_by = actor
    snapshot.refreshes += 1
    snapshot.save(update_fields=["html", "refreshed_at", "refreshed_by", "refreshes"])
    return snapshot
