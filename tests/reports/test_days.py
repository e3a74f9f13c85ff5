"""The days' entries into the funnel, frozen as each day goes and once it is over: the funnel
reads the same volumes from them as from the transitions — a lead once a period however often
it entered — a frozen day keeps its count, the moves since the last freeze are read live, and
the filters apply to the frozen rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reports.days import (
    FREEZE_DAYS_BACK,
    day_freeze_so_far,
    days_freeze,
    days_freeze_due,
    days_refreeze,
)
from reports.filters import Filters, Period
from reports.funnel import stage_volumes, velocity
from reports.models import CohortEntry, FrozenDay, StageDay
from reports.tasks import days_freeze_task
from sla.models import TeamMember
from sla.services import team_save
from tests.factories import UserFactory
from tests.reports.march import EVERYONE, PART_FROZEN_AT, PERIOD, START, day, history

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


# How the days are frozen: the first of DAYS, or by a beat run on 3 March's afternoon.
FREEZINGS = {"live": 0, "half-frozen": 35, "frozen": 60, "part-frozen": None}


def freeze(how: str) -> None:
    days = FREEZINGS[how]
    if days is None:
        # The two years before 3 March, and that day up to 14:00.
        assert days_freeze_due(now=PART_FROZEN_AT) == FREEZE_DAYS_BACK + 1
        assert FrozenDay.objects.get(day=PART_FROZEN_AT.date()).through == PART_FROZEN_AT.replace(
            hour=14, minute=0
        )
    else:
        assert days_freeze(DAYS[:days], now=AFTER) == days


@pytest.mark.parametrize("frozen", list(FREEZINGS))
def test_frozen_days_give_the_same_volumes_as_the_transitions(on_both_databases, frozen):
    march_history()
    freeze(frozen)
    assert volumes() == {"mql": 5, "sal": 2}
    before = Period(PERIOD.start - timedelta(days=30), PERIOD.start)
    assert volumes(before) == {"mql": 1}
    # The last five days of February and March's first ten: the lead of the period before
    # and of March counts once, and so does the one twice an MQL on 3 and 10 March.
    straddling = Period(START - timedelta(days=5), START + timedelta(days=10))
    assert volumes(straddling) == {"mql": 4, "sal": 2}


def test_a_frozen_day_keeps_its_count(on_both_databases):
    march_history()
    days_freeze(DAYS, now=AFTER)
    history(("mql", 12))  # a late import into a frozen day
    assert volumes()["mql"] == 5


def test_the_moves_since_the_last_freeze_are_read_live_until_the_next(on_both_databases):
    march_history()
    # At 15:03 on 11 March the beat freezes that day up to 14:50; a move at 15:00 counts at
    # once, and is in the day's rows after the next part is frozen.
    now = day(10) + timedelta(hours=3, minutes=3)
    days_freeze_due(now)
    history(("mql", 10.125))
    eleventh = Period.days(now.date(), now.date())
    assert volumes(eleventh) == {"mql": 1}
    assert not StageDay.objects.filter(day=now.date()).exists()
    assert day_freeze_so_far(now + timedelta(minutes=20)) == 1
    assert StageDay.objects.get(day=now.date(), stage="mql").leads == 1
    assert volumes(eleventh) == {"mql": 1}
    assert volumes() == {"mql": 6, "sal": 2}


def test_the_current_day_is_frozen_in_parts_of_ten_minutes_once_each():
    history(("mql", 2))  # at noon
    history(("mql", 2.2))  # at 16:48
    noon = day(2)
    assert day_freeze_so_far(noon + timedelta(minutes=4)) == 1  # up to 11:50: nothing in it
    assert day_freeze_so_far(noon + timedelta(minutes=5)) == 1  # up to noon, not the move at it
    assert day_freeze_so_far(noon + timedelta(minutes=14)) == 0  # the same part of the day
    assert not StageDay.objects.exists()
    assert day_freeze_so_far(noon + timedelta(minutes=15)) == 1  # up to 12:10
    assert list(StageDay.objects.values_list("day", "stage", "leads")) == [(noon.date(), "mql", 1)]
    assert days_freeze([noon.date()], now=noon + timedelta(hours=12)) == 0  # not settled yet
    assert days_freeze([noon.date()], now=day(3)) == 1  # the rest, from 12:10
    assert sorted(StageDay.objects.values_list("leads", flat=True)) == [1, 1]
    assert FrozenDay.objects.get().through == START + timedelta(days=3)
    assert volumes(Period.days(noon.date(), noon.date())) == {"mql": 2}


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


def test_the_beat_task_freezes_the_days_so_far_once():
    history(("mql", 2))  # at noon on 3 March
    at = PART_FROZEN_AT.isoformat()
    assert days_freeze_task.delay(at).get() == FREEZE_DAYS_BACK + 1
    assert days_freeze_task.delay(at).get() == 0
    assert list(StageDay.objects.values_list("day", "stage", "leads")) == [
        (date(2026, 3, 3), "mql", 1)
    ]


def test_refreezing_reads_the_days_again_from_their_history():
    history(("mql", 1))
    days_freeze(DAYS, now=AFTER)
    history(("mql", 1))
    assert volumes()["mql"] == 1
    assert days_refreeze(DAYS[30], DAYS[36], now=AFTER) == 7
    assert volumes()["mql"] == 2
    assert CohortEntry.objects.filter(day=DAYS[31]).count() == 2


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


@pytest.mark.parametrize("frozen", list(FREEZINGS))
def test_frozen_days_give_the_same_velocity_as_the_transitions(on_both_databases, frozen):
    history(("mql", 0), ("sal", 1))
    history(("mql", 0), ("sal", 2))
    history(("mql", -30), ("recycled", -20), ("mql", -3), ("sal", 0))  # from its latest entry
    history(("mql", -5), ("sal", 5), ("recycled", 6), ("sal", 8))  # its first SAL of March
    history(("lead", 0), ("sal", 4))  # skipped MQL: not measured
    history(("mql", 20), ("sal", 30))  # a SAL of the day after
    history(("lead", -2), ("mql", 0.25))
    freeze(frozen)
    steps = {step.later: step for step in velocity(PERIOD, EVERYONE)}
    assert (steps["sal"].measured, steps["sal"].median_days) == (4, pytest.approx(2.5))
    assert steps["sal"].p75_days == pytest.approx(4.75)  # gaps of 1, 2, 3 and 10 days
    assert (steps["mql"].measured, steps["mql"].median_days) == (1, pytest.approx(2.25))
    assert (steps["sql"].measured, steps["sql"].median_days) == (0, None)
    # The same from the transitions alone, over a period of other instants.
    shifted = Period(PERIOD.start + timedelta(seconds=1), PERIOD.end)
    assert velocity(shifted, EVERYONE) == velocity(PERIOD, EVERYONE)


def test_the_frozen_part_of_a_report_is_read_once_a_freeze_and_never_stale(
    django_assert_num_queries,
):
    from reports.funnel import cohort

    history(("mql", 0), ("sal", 1))
    history(("mql", 1), ("sal", 3))
    days_freeze(DAYS, now=AFTER)

    def figures():
        steps = {step.later: step for step in velocity(PERIOD, EVERYONE)}
        return steps["sal"].measured, cohort(PERIOD, EVERYONE, AFTER).reach("sal").count

    assert figures() == (2, 2)
    # Read again: how far the days are frozen (for each) and the cohort's moves since the last
    # freeze; nothing of the frozen rows.
    with django_assert_num_queries(3):
        assert figures() == (2, 2)
    # A freeze again (the days' rows read anew) changes what is kept.
    history(("mql", 2), ("sal", 4))
    assert days_refreeze(DAYS[30], DAYS[59], now=AFTER + timedelta(hours=1)) == 30
    assert figures() == (3, 3)


def test_a_cohort_as_of_before_the_last_freeze_is_counted_from_the_rows(on_both_databases):
    from reports.funnel import cohort

    history(("mql", 0), ("sal", 20))
    days_freeze(DAYS, now=AFTER)
    assert cohort(PERIOD, EVERYONE, AFTER).reach("sal").count == 1
    # As of 10 March the SAL had not happened yet, though the freeze after it holds it.
    assert cohort(PERIOD, EVERYONE, START + timedelta(days=10)).reach("sal").count == 0


def test_after_a_freeze_only_the_day_frozen_is_read_again_for_the_step_times():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    history(("lead", -1), ("mql", 0), ("sal", 1))
    history(("lead", 2), ("mql", 3))
    days_freeze(DAYS, now=AFTER)
    before = {step.later: step.measured for step in velocity(PERIOD, EVERYONE)}
    assert (before["mql"], before["sal"]) == (2, 1)
    # A move on 20 March and that day frozen again: the step times of the other days are kept.
    history(("lead", 19), ("mql", 19.1))
    assert days_refreeze(DAYS[49], DAYS[49], now=AFTER + timedelta(hours=1)) == 1
    with CaptureQueriesContext(connection) as captured:
        steps = {step.later: step for step in velocity(PERIOD, EVERYONE)}
    read = [query["sql"] for query in captured if "reports_stepday" in query["sql"]]
    assert len(read) == 1 and read[0].count("::date") == 1 and "2026-03-20" in read[0]
    assert (steps["mql"].measured, steps["sal"].measured) == (3, 1)
    shifted = Period(PERIOD.start + timedelta(seconds=1), PERIOD.end)
    assert velocity(PERIOD, EVERYONE) == velocity(shifted, EVERYONE)
