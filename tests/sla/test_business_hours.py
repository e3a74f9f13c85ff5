"""Business-hours arithmetic: due times and elapsed business time across nights, weekends,
public holidays, a team's own days off and daylight-saving changes, checked against a
minute-by-minute count of the wall clock on random calendars and spans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.business_hours import Calendar, week_format, week_parse

OFFICE = week_parse({day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
HOUR = timedelta(hours=1)


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def test_an_hour_before_closing_on_friday_is_due_an_hour_into_monday():
    berlin = Calendar(week=OFFICE, timezone="Europe/Berlin")
    due = berlin.add(at("Europe/Berlin", 2026, 12, 4, 16, 30), 2 * HOUR)
    assert due == at("Europe/Berlin", 2026, 12, 7, 10, 30)
    assert due.tzinfo is UTC


def test_a_duration_that_ends_at_closing_time_is_due_at_closing_time():
    berlin = Calendar(week=OFFICE, timezone="Europe/Berlin")
    due = berlin.add(at("Europe/Berlin", 2026, 12, 4, 16, 30), HOUR / 2)
    assert due == at("Europe/Berlin", 2026, 12, 4, 17, 0)


def test_a_clock_started_at_night_starts_counting_when_the_office_opens():
    york = Calendar(week=OFFICE, timezone="America/New_York")
    assert york.add(at("America/New_York", 2026, 3, 3, 22, 0), HOUR) == at(
        "America/New_York", 2026, 3, 4, 10, 0
    )
    assert not york.is_open(at("America/New_York", 2026, 3, 3, 22, 0))
    assert york.is_open(at("America/New_York", 2026, 3, 4, 9, 0))
    assert not york.is_open(at("America/New_York", 2026, 3, 4, 17, 0))


def test_public_holidays_and_the_teams_own_days_off_are_closed():
    # 25 and 26 December are public holidays in Germany; the team also closes on the 28th.
    berlin = Calendar(
        week=OFFICE, timezone="Europe/Berlin", country="DE", days_off=[date(2026, 12, 28)]
    )
    started = at("Europe/Berlin", 2026, 12, 24, 16, 0)
    assert berlin.add(started, 2 * HOUR) == at("Europe/Berlin", 2026, 12, 29, 10, 0)
    assert berlin.elapsed(started, at("Europe/Berlin", 2026, 12, 29, 10, 0)) == 2 * HOUR
    without = Calendar(week=OFFICE, timezone="Europe/Berlin")
    assert without.add(started, 2 * HOUR) == at("Europe/Berlin", 2026, 12, 25, 10, 0)


def test_a_regional_holiday_closes_only_that_region():
    # Epiphany (6 January) is a holiday in Bavaria, not in Berlin.
    bavaria = Calendar(week=OFFICE, timezone="Europe/Berlin", country="DE", subdivision="BY")
    berlin = Calendar(week=OFFICE, timezone="Europe/Berlin", country="DE", subdivision="BE")
    assert bavaria.closed_on(date(2027, 1, 6))
    assert not berlin.closed_on(date(2027, 1, 6))


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 6, 1), 24)],
)
def test_a_whole_day_open_counts_the_real_hours_of_a_dst_change(day, hours):
    always = Calendar(week=week_parse({d: [["00:00", "24:00"]] for d in
                                       ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}),
                      timezone="Europe/Berlin")  # fmt: skip
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo("Europe/Berlin"))
    end = start.astimezone(UTC) + timedelta(days=2)
    (opens, closes), = always.windows_on(day)  # fmt: skip
    assert closes - opens == timedelta(hours=hours)
    assert always.elapsed(start, end) == end - start.astimezone(UTC)


def test_eight_office_hours_are_eight_real_hours_on_the_day_clocks_go_forward():
    york = Calendar(week=week_parse({"sun": [["09:00", "17:00"]]}), timezone="America/New_York")
    (opens, closes), = york.windows_on(date(2026, 3, 8))  # fmt: skip
    assert closes - opens == 8 * HOUR


def test_bad_weeks_are_refused_with_the_day_named():
    with pytest.raises(ValueError, match="mon: 17:00–09:00 ends before it starts"):
        week_parse({"mon": [["17:00", "09:00"]]})
    with pytest.raises(ValueError, match="tue: its windows overlap"):
        week_parse({"tue": [["09:00", "13:00"], ["12:00", "17:00"]]})
    with pytest.raises(ValueError, match="not a time of day"):
        week_parse({"wed": [["9", "17:00"]]})
    with pytest.raises(ValueError, match="at least one open window"):
        week_parse({})
    with pytest.raises(ValueError, match="Not a day of the week: funday"):
        week_parse({"funday": [["09:00", "17:00"]]})


def test_a_week_reads_back_as_it_was_written():
    hours = {"mon": [["08:30", "12:00"], ["13:00", "17:30"]], "sat": [["10:00", "24:00"]]}
    assert week_format(week_parse(hours)) == hours


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="aware"):
        Calendar(week=OFFICE).add(datetime(2026, 1, 5, 9), HOUR)


# --- properties on random calendars ------------------------------------------------------------

# Zones with and without daylight saving, on both hemispheres. Their clocks change between
# 00:00 and 04:00 local time, so windows from 04:00 on have the same meaning for the wall-clock
# reference below and for the calendar.
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


@st.composite
def calendars(draw) -> Calendar:
    week = []
    for _ in range(7):
        edges = sorted(draw(st.sets(st.integers(4 * 60, 24 * 60), max_size=4)))
        windows = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
        week.append(tuple(windows))
    if not any(week):
        week[draw(st.integers(0, 6))] = ((9 * 60, 17 * 60),)
    days_off = draw(st.sets(st.dates(date(2026, 3, 1), date(2026, 4, 30)), max_size=5))
    return Calendar(
        week=week,
        timezone=draw(st.sampled_from(ZONES)),
        country=draw(st.sampled_from(["", "US", "DE", "AU"])),
        days_off=days_off,
    )


# Spans around the spring and autumn changes of both hemispheres.
instants = st.datetimes(datetime(2026, 3, 20), datetime(2026, 4, 10)).map(
    lambda naive: naive.replace(second=0, microsecond=0, tzinfo=UTC)
)


def wall_clock_minutes(calendar: Calendar, start: datetime, end: datetime) -> int:
    """The reference: each minute from ``start`` to ``end`` counted when the team's wall clock
    then reads a time inside one of that weekday's windows on an open day."""
    count, minute = 0, start
    while minute < end:
        local = minute.astimezone(calendar.zone)
        of_day = local.hour * 60 + local.minute
        if not calendar.closed_on(local.date()) and any(
            begin <= of_day < finish for begin, finish in calendar.week[local.weekday()]
        ):
            count += 1
        minute += timedelta(minutes=1)
    return count


@settings(max_examples=60, deadline=None)
@given(calendars(), instants, st.integers(1, 3 * 24 * 60))
def test_elapsed_business_time_equals_a_minute_by_minute_count(calendar, start, span):
    end = start + timedelta(minutes=span)
    assert calendar.elapsed(start, end) == timedelta(
        minutes=wall_clock_minutes(calendar, start, end)
    )


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, st.integers(1, 40 * 60))
def test_the_due_time_is_the_duration_of_business_time_later(calendar, start, minutes):
    duration = timedelta(minutes=minutes)
    due = calendar.add(start, duration)
    assert calendar.elapsed(start, due) == duration
    # Not a minute later than needed: the last minute before it was worked.
    assert calendar.is_open(due - timedelta(minutes=1))
    assert calendar.add(start, duration + timedelta(minutes=1)) > due


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, instants, instants)
def test_elapsed_time_adds_up_and_never_exceeds_the_real_time(calendar, a, b, c):
    a, b, c = sorted([a, b, c])
    assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)
    assert calendar.elapsed(a, c) <= c - a
    assert calendar.elapsed(c, a) == timedelta(0)
