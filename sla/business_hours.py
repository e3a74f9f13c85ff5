"""Business hours: when a team works, and time that counts only while it does.

A ``Calendar`` is a team's week — open windows per weekday, in local wall-clock minutes — in
its time zone, less its closed days: the public holidays of its country (and region) from the
``holidays`` package, and its own days off. An SLA clock is due some business hours after it
starts (``calendar.add``); how long a lead waited, in business hours, is
``calendar.elapsed``.

Each day's windows are turned into instants in that day's own UTC offset, so a window counts
the real time that passed: 09:00–17:00 is eight hours on the days clocks change too, and a
span across the night of a change counts no more and no less than the hours worked. A window
edge that falls in the hour skipped when clocks go forward is read with the offset in force
before the change (PEP 495's ``fold=0``). Every instant given must be aware; every instant
returned is in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

MINUTES_A_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A clock is never due further away than this: a calendar closed for longer is refused.
HORIZON_DAYS = 3 * 366

Window = tuple[int, int]  # minutes from local midnight: start < end, end at most 24:00


def parse_minutes(text: str) -> int:
    """``"09:30"`` as 570 minutes; ``"24:00"`` is the end of the day. Raises ValueError."""
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"“{text}” is not a time of day like 09:00.")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_A_DAY:
        raise ValueError(f"“{text}” is not a time of day between 00:00 and 24:00.")
    return value


def format_minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def week_parse(hours: Mapping[str, Sequence[Sequence[str]]]) -> tuple[tuple[Window, ...], ...]:
    """A week from ``{"mon": [["09:00", "17:00"]], …}`` (a day left out is closed): seven tuples
    of windows, Monday first, each sorted. Raises ValueError naming the day at fault."""
    unknown = set(hours) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"Not a day of the week: {', '.join(sorted(unknown))}.")
    week = []
    for day in WEEKDAYS:
        windows = []
        for pair in hours.get(day) or ():
            if len(pair) != 2:
                raise ValueError(f"{day}: give each window as a start and an end.")
            start, end = parse_minutes(pair[0]), parse_minutes(pair[1])
            if start >= end:
                raise ValueError(f"{day}: {pair[0]}–{pair[1]} ends before it starts.")
            windows.append((start, end))
        windows.sort()
        for (_, end), (start, _) in zip(windows, windows[1:], strict=False):
            if start < end:
                raise ValueError(f"{day}: its windows overlap.")
        week.append(tuple(windows))
    if not any(week):
        raise ValueError("A week needs at least one open window.")
    return tuple(week)


def week_format(week: Sequence[Sequence[Window]]) -> dict[str, list[list[str]]]:
    """The inverse of ``week_parse``: open days only."""
    return {
        day: [[format_minutes(start), format_minutes(end)] for start, end in windows]
        for day, windows in zip(WEEKDAYS, week, strict=True)
        if windows
    }


class Calendar:
    """A team's working time. ``week`` holds seven tuples of windows (Monday first), ``timezone``
    an IANA name, ``country`` (and ``subdivision``) the public holidays to close on, and
    ``days_off`` the team's own closed dates."""

    def __init__(
        self,
        *,
        week: Sequence[Sequence[Window]],
        timezone: str = "UTC",
        country: str = "",
        subdivision: str = "",
        days_off: Iterable[date] = (),
    ) -> None:
        if len(week) != 7 or not any(week):
            raise ValueError("A week has seven days and at least one open window.")
        self.week = tuple(tuple(windows) for windows in week)
        self.zone = ZoneInfo(timezone)
        # Expanded year by year as dates are asked about.
        self.public_holidays = (
            holidays.country_holidays(country, subdiv=subdivision or None) if country else {}
        )
        self.days_off = frozenset(days_off)

    def closed_on(self, day: date) -> bool:
        return day in self.days_off or day in self.public_holidays

    def _instant(self, day: date, minutes: int) -> datetime:
        wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open windows of a local date, as UTC instants (none on a closed day)."""
        if self.closed_on(day):
            return []
        spans = []
        for start, end in self.week[day.weekday()]:
            opens, closes = self._instant(day, start), self._instant(day, end)
            if opens < closes:
                spans.append((opens, closes))
        return spans

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The windows that end after ``at``, in order, for up to ``HORIZON_DAYS`` days."""
        # A window belongs to its local date; start a day early in case the instant's local
        # date differs from the date whose window holds it (it cannot by more than one).
        first = at.astimezone(self.zone).date() - timedelta(days=1)
        for offset in range(HORIZON_DAYS + 2):
            for opens, closes in self.windows_on(first + timedelta(days=offset)):
                if closes > at:
                    yield opens, closes

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when ``duration`` of business time has passed since ``start``: what a
        clock started then is due at. Raises ValueError when the calendar stays closed for
        longer than ``HORIZON_DAYS``."""
        start = _aware(start).astimezone(UTC)
        if duration <= timedelta(0):
            return start
        remaining = duration
        for opens, closes in self._windows_from(start):
            begin = max(opens, start)
            if begin + remaining <= closes:
                return begin + remaining
            remaining -= closes - begin
        raise ValueError(
            f"The calendar has no open hours in the {HORIZON_DAYS} days after {start}."
        )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The business time between two instants (zero when ``end`` is not after ``start``)."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    def is_open(self, at: datetime) -> bool:
        at = _aware(at).astimezone(UTC)
        window = next(self._windows_from(at), None)
        return window is not None and window[0] <= at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("Business hours are counted between aware datetimes.")
    return at
