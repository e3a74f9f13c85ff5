"""The days' entries into the funnel, frozen once each day is over: the funnel reads the same
volumes from them as from the transitions — a lead once a period however often it entered —
a frozen day keeps its count, today stays live, and the filters apply to the frozen rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from reports.days import days_freeze, days_freeze_due, days_refreeze
from reports.filters import Filters, Period
from reports.funnel import stage_volumes, velocity
from reports.models import FrozenDay, StageDay
from sla.models import TeamMember
from sla.services import team_save
from tests.factories import UserFactory
from tests.reports.march import EVERYONE, PERIOD, START, day, history

pytestmark = [pytest.mark.django_db(databases=["default", "sqlite"])]

AFTER = START + timedelta(days=90)
# The period before March and March itself, day by day.
DAYS = [(START - timedelta(days=30)).date() + timedelta(days=n) for n in range(60)]


def march_history():
    history(("lead", -40), ("mql", 0), ("sal", 1))
    history(("lead", -40), ("mql", 2), ("recycled", 4), ("mql", 9))  # twice an MQL: one lead
    history(("mql", 2), ("recycled", 2.2), ("mql", 2.4))  # twice on one day
    history(("mql", 29))
    history(("mql", -5), ("recycled", -3), ("mql", 3), ("sal", 5))  # an MQL of each period
    history(("mql", 30))  # the day after the period


def volumes(period=PERIOD, filters=EVERYONE):
    return {stage: count for stage, count in stage_volumes(period, filters).items() if count}


@pytest.mark.parametrize("frozen", [0, 35, 60], ids=["live", "half-frozen", "frozen"])
def test_frozen_days_give_the_same_volumes_as_the_transitions(on_both_databases, frozen):
    march_history()
    assert days_freeze(DAYS[:frozen], now=AFTER) == frozen
    assert volumes() == {"mql": 5, "sal": 2}
    before = Period(PERIOD.start - timedelta(days=30), PERIOD.start)
    assert volumes(before) == {"mql": 1}
    # The last five days of February and March's first ten: the lead of the period before
    # and of March counts once, and so does the one twice an MQL on 3 and 10 March.
    straddling = Period(START - timedelta(days=5), START + timedelta(days=10))
    assert volumes(straddling) == {"mql": 4, "sal": 2}


def test_a_frozen_day_keeps_its_count_and_today_stays_live(on_both_databases):
    march_history()
    days_freeze(DAYS, now=AFTER)
    history(("mql", 12))  # a late import into a frozen day
    assert volumes()["mql"] == 5
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days_freeze_due()
    history(("lead", (today - START).days - 1), ("mql", (today - START).days))
    this_day = Period(today, today + timedelta(days=1))
    assert volumes(this_day) == {"mql": 1}
    assert not FrozenDay.objects.filter(day=today.date()).exists()


def test_the_filters_narrow_the_frozen_rows_as_the_live_ones():
    rep, other = UserFactory(), UserFactory()
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "UTC"})
    TeamMember.objects.create(team=team, user=rep)
    history(("mql", 1), owner=rep, original_channel="paid_search")
    history(("mql", 2), owner=rep, original_channel="email")
    history(("mql", 3), owner=other, original_channel="paid_search")
    cases = [Filters(channels=("paid_search",)), Filters(owner_id=other.pk),
             Filters(team_id=team.pk)]  # fmt: skip
    live = [volumes(filters=filters) for filters in cases]
    days_freeze(DAYS, now=AFTER)
    assert StageDay.objects.exists()
    assert [volumes(filters=filters) for filters in cases] == live == [
        {"mql": 2}, {"mql": 1}, {"mql": 2}
    ]  # fmt: skip


def test_days_are_frozen_once_they_are_over_and_only_once():
    history(("mql", 1))
    assert days_freeze([DAYS[31]], now=day(1)) == 0  # not over yet
    assert days_freeze([DAYS[31]], now=AFTER) == 1
    assert days_freeze([DAYS[31]], now=AFTER) == 0
    assert list(StageDay.objects.values_list("day", "stage", "leads")) == [
        (date(2026, 3, 2), "mql", 1)
    ]


def test_refreezing_reads_the_days_again_from_their_history():
    history(("mql", 1))
    days_freeze(DAYS, now=AFTER)
    history(("mql", 1))
    assert volumes()["mql"] == 1
    assert days_refreeze(DAYS[30], DAYS[36], now=AFTER) == 7
    assert volumes()["mql"] == 2


def test_a_day_is_the_portal_s_local_day():
    from django.utils import timezone

    with timezone.override("Europe/Berlin"):
        # 23:30 UTC on 1 March is half past midnight on 2 March in Berlin.
        history(("mql", 0.4625))
        second = Period.days(date(2026, 3, 2), date(2026, 3, 2))
        assert volumes(second) == {"mql": 1}
        days_freeze(DAYS, now=AFTER)
        assert StageDay.objects.get().day == date(2026, 3, 2)
        assert volumes(second) == {"mql": 1}
        assert volumes(Period.days(date(2026, 3, 1), date(2026, 3, 1))) == {}


@pytest.mark.parametrize("frozen", [0, 35, 60], ids=["live", "half-frozen", "frozen"])
def test_frozen_days_give_the_same_velocity_as_the_transitions(on_both_databases, frozen):
    history(("mql", 0), ("sal", 1))
    history(("mql", 0), ("sal", 2))
    history(("mql", -30), ("recycled", -20), ("mql", -3), ("sal", 0))  # from its latest entry
    history(("mql", -5), ("sal", 5), ("recycled", 6), ("sal", 8))  # its first SAL of March
    history(("lead", 0), ("sal", 4))  # skipped MQL: not measured
    history(("mql", 20), ("sal", 30))  # a SAL of the day after
    history(("lead", -2), ("mql", 0.25))
    days_freeze(DAYS[:frozen], now=AFTER)
    steps = {step.later: step for step in velocity(PERIOD, EVERYONE)}
    assert (steps["sal"].measured, steps["sal"].median_days) == (4, pytest.approx(2.5))
    assert steps["sal"].p75_days == pytest.approx(4.75)  # gaps of 1, 2, 3 and 10 days
    assert (steps["mql"].measured, steps["mql"].median_days) == (1, pytest.approx(2.25))
    assert (steps["sql"].measured, steps["sql"].median_days) == (0, None)
    # The same from the transitions alone, over a period of other instants.
    shifted = Period(PERIOD.start + timedelta(seconds=1), PERIOD.end)
    assert velocity(shifted, EVERYONE) == velocity(PERIOD, EVERYONE)
