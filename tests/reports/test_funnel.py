"""The funnel of a period, read from the leads' transitions: the leads that entered each stage
against the period before, how far the period's MQLs went by now and how fast, narrowed by
channel, owner or team, and every lead counted under the definition of its own day. Each test
runs on PostgreSQL and on SQLite, as in the embedded demo (the percentiles differ in where they
are taken, not in what they are)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections, router

from leads.lifecycle import StageChange, stage_changes_write
from leads.models import StageTransition
from reports.days import day_freeze_so_far, days_freeze, days_freeze_due
from reports.filters import Filters, Period
from reports.funnel import cohort, funnel_report, percentile_cont, stage_volumes, velocity
from reports.models import CohortEntry
from sla.models import TeamMember
from sla.services import team_save
from tests.factories import LeadFactory, UserFactory
from tests.reports.march import EVERYONE, PART_FROZEN_AT, PERIOD, START, day, history

pytestmark = [
    pytest.mark.django_db(databases=["default", "sqlite"]),
    pytest.mark.usefixtures("on_both_databases"),
]

NOW = datetime(2026, 7, 1, tzinfo=UTC)  # every 90-day window of the period has run its course
OLD_RULE = "MQL: score ≥ 50"
NEW_RULE = "MQL: score ≥ 70"


def test_each_stage_counts_the_leads_that_entered_it_in_the_period_once():
    history(("lead", -40), ("mql", 0), ("sal", 1))
    history(("lead", -40), ("mql", 2), ("recycled", 4), ("mql", 9))  # twice an MQL: one lead
    history(("mql", 29))
    history(("mql", -5), ("sal", 3))  # an MQL of the period before, a SAL of this one
    history(("mql", 30))  # the day after the period
    assert stage_volumes(PERIOD, EVERYONE) == {
        "subscriber": 0, "lead": 0, "mql": 3, "sal": 2, "sql": 0, "opportunity": 0,
        "customer": 0, "evangelist": 0,
    }  # fmt: skip


def test_the_period_starts_at_its_first_instant_and_ends_before_the_next_period():
    lead = LeadFactory(stage="mql")
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql", at=PERIOD.start),
         StageChange(lead_id=lead.pk, from_stage="mql", to_stage="sal", at=PERIOD.end)],
        apply=False,
    )  # fmt: skip
    volumes = stage_volumes(PERIOD, EVERYONE)
    assert (volumes["mql"], volumes["sal"]) == (1, 0)


def test_the_report_sets_each_volume_against_the_period_before():
    for number in (0, 5, 10):
        history(("lead", number - 1), ("mql", number))
    for number in (-20, -10):  # the period before: 30 January to 1 March
        history(("lead", number - 1), ("mql", number))
    history(("mql", -5), ("sal", 3))
    history(("mql", -31))  # before the period before

    report = funnel_report(PERIOD, EVERYONE, NOW)

    assert report.previous_period == Period(START - timedelta(days=30), START)
    mqls, sals, leads = report.volume("mql"), report.volume("sal"), report.volume("lead")
    assert (mqls.count, mqls.previous, mqls.change, mqls.change_percent) == (3, 3, 0, 0.0)
    assert (sals.count, sals.previous, sals.change, sals.change_percent) == (1, 0, 1, None)
    # The leads the day before each MQL: the first of them on the period before's last day.
    assert (leads.count, leads.previous, leads.change, leads.change_percent) == (2, 3, -1, -33.3)
    assert [volume.stage for volume in report.volumes][:3] == ["subscriber", "lead", "mql"]


def cohort_history():
    """Six leads become MQLs in the period, one of them twice; one the period before."""
    history(("mql", 0), ("sal", 1), ("sql", 10), ("customer", 100))
    history(("mql", 2), ("sal", 5), ("sql", 47))  # SQL after 45 days: within 60, not 30
    history(("mql", 3), ("disqualified", 4))
    history(("mql", 5), ("recycled", 8), ("mql", 12), ("sal", 15))  # 10 days after its first
    history(("sql", -10), ("recycled", -5), ("mql", 6))  # an SQL before, not after, its entry
    history(("mql", 20), ("sal", 130))  # accepted after now
    history(("mql", -10), ("sal", 3))  # of the period before's cohort


def test_the_cohort_counts_how_far_the_periods_mqls_went_by_now_and_within_each_window():
    cohort_history()
    mqls = cohort(PERIOD, EVERYONE, NOW)
    assert (mqls.entry, mqls.label, mqls.size) == ("mql", "MQL", 6)
    reached = {
        reach.stage: (reach.count, reach.share, [window.count for window in reach.windows])
        for reach in mqls.reached
    }
    assert reached == {
        "sal": (3, 50.0, [3, 3, 3]),
        "sql": (2, 33.3, [1, 2, 2]),
        "customer": (1, 16.7, [0, 0, 0]),
    }
    assert mqls.reach("sql").window(60).share == 33.3
    assert all(window.complete for reach in mqls.reached for window in reach.windows)


# How the days are frozen before the cohort is read: not at all; March's days, their later
# reaches read live; every day up to now, as the beat does; or by the beat's run on 3 March's
# afternoon, the rest live.
FREEZINGS = ("live", "march", "all", "part")


def freeze(how: str) -> None:
    if how == "march":
        days_freeze([PERIOD.start.date() + timedelta(days=n) for n in range(30)], now=NOW)
    elif how == "all":
        days_freeze_due(now=NOW)
    elif how == "part":
        days_freeze_due(now=PART_FROZEN_AT)


def reaches(mqls) -> dict:
    return {
        reach.stage: (reach.count, [window.count for window in reach.windows])
        for reach in mqls.reached
    }


@pytest.mark.parametrize("how", FREEZINGS)
def test_frozen_cohort_entries_give_the_cohort_of_the_transitions(how):
    cohort_history()
    history(("mql", 2), ("sal", 2.2), ("sql", 2.4))  # reached on its day, after 14:00
    history(("mql", 2.1), ("recycled", 2.2), ("mql", 2.3), ("sal", 3))  # twice on one day
    rep = UserFactory()
    history(("mql", 1), ("sal", 4), ("customer", 70), owner=rep)
    freeze(how)
    # Against the transitions alone: a period of other instants is read from them.
    shifted = Period(PERIOD.start + timedelta(seconds=1), PERIOD.end)
    for now in (NOW, day(60), day(2) + timedelta(hours=6), day(10)):
        for filters in (EVERYONE, Filters(owner_id=rep.pk)):
            frozen, live = cohort(PERIOD, filters, now), cohort(shifted, filters, now)
            assert (frozen.size, reaches(frozen)) == (live.size, reaches(live))
    mqls = cohort(PERIOD, EVERYONE, NOW)
    assert (mqls.size, reaches(mqls)) == (
        9,
        {"sal": (6, [6, 6, 6]), "sql": (3, [2, 3, 3]), "customer": (2, [0, 0, 1])},
    )


def test_a_reach_after_the_freeze_is_read_live_then_frozen_into_its_entry():
    lead = history(("mql", 2), ("sal", 2.2))  # MQL at noon, SAL at 16:48 on 3 March
    days_freeze_due(now=PART_FROZEN_AT)  # 3 March up to 14:00
    entry = CohortEntry.objects.get(lead_id=lead.pk)
    assert (entry.entered_at, entry.sal_at) == (day(2), None)
    assert cohort(PERIOD, EVERYONE, NOW).reach("sal").count == 1
    assert day_freeze_so_far(day(2) + timedelta(hours=6, minutes=5)) == 1  # up to 18:00
    entry.refresh_from_db()
    assert entry.sal_at == day(2.2)
    assert cohort(PERIOD, EVERYONE, NOW).reach("sal").count == 1
    assert cohort(PERIOD, EVERYONE, NOW).size == 1


def test_a_cohort_window_still_running_says_so():
    history(("mql", 20), ("sal", 25))
    sals = cohort(PERIOD, EVERYONE, day(60)).reach("sal")
    assert [(w.days, w.count, w.complete) for w in sals.windows] == [
        (30, 1, True),  # 30 days after the period's end is day 60
        (60, 1, False),
        (90, 1, False),
    ]


def test_an_empty_cohort_has_no_shares():
    history(("mql", -10), ("sal", 3))
    mqls = cohort(PERIOD, EVERYONE, NOW)
    assert mqls.size == 0
    assert {(reach.count, reach.share) for reach in mqls.reached} == {(0, None)}
    assert {w.share for reach in mqls.reached for w in reach.windows} == {None}


def test_the_cohort_can_start_at_another_stage_and_follow_others():
    cohort_history()
    sals = cohort(PERIOD, EVERYONE, NOW, entry="sal", reached=("sql",), windows=(7,))
    # Four SALs of the period; two went on to SQL, one of them within a week (9 days, 42 days).
    assert sals.size == 4
    assert (sals.reach("sql").count, sals.reach("sql").window(7).count) == (2, 0)
    with pytest.raises(ValueError, match="Not later funnel stages"):
        cohort(PERIOD, EVERYONE, NOW, entry="sql", reached=("mql",))


def test_velocity_takes_the_median_and_75th_percentile_of_days_between_stages():
    history(("mql", 0), ("sal", 1))
    history(("mql", 0), ("sal", 2))
    history(("mql", -30), ("recycled", -20), ("mql", -3), ("sal", 0))  # from its latest entry
    history(("mql", -5), ("sal", 5))  # an MQL of the period before: still measured
    history(("lead", 0), ("sal", 4))  # skipped MQL: not measured
    history(("mql", -40), ("sal", -35))  # a SAL of the period before
    steps = {step.later: step for step in velocity(PERIOD, EVERYONE)}

    assert [(s.earlier, s.later) for s in steps.values()] == [
        ("lead", "mql"), ("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"),
        ("opportunity", "customer"),
    ]  # fmt: skip
    accepted = steps["sal"]
    assert (accepted.label, accepted.measured) == ("MQL → SAL", 4)
    assert accepted.median_days == pytest.approx(2.5)  # gaps of 1, 2, 3 and 10 days
    assert accepted.p75_days == pytest.approx(4.75)  # percentile_cont: 3 + 0.25 × (10 − 3)
    assert (steps["sql"].measured, steps["sql"].median_days, steps["sql"].p75_days) == (
        0,
        None,
        None,
    )


def test_velocity_measures_fractions_of_a_day():
    lead = LeadFactory(stage="mql")
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="", to_stage="lead", at=day(0)),
         StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql",
                     at=day(0) + timedelta(hours=6))],
        apply=False,
    )  # fmt: skip
    step = velocity(PERIOD, EVERYONE)[0]
    assert (step.measured, step.median_days, step.p75_days) == (1, 0.25, 0.25)


def test_percentile_cont_interpolates_as_postgresql_does():
    assert percentile_cont([10, 1, 3, 2], 0.5) == 2.5
    assert percentile_cont([10, 1, 3, 2], 0.75) == 4.75
    assert percentile_cont([7], 0.75) == 7
    assert percentile_cont([], 0.5) is None


def test_filters_narrow_every_figure_to_a_channel_an_owner_or_a_team():
    rep, other_rep = UserFactory.create_batch(2)  # no role: SQLite's test database has no groups
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "UTC"})
    TeamMember.objects.create(team=team, user=rep)
    history(("mql", 0), ("sal", 2), original_channel="paid_search", owner=rep)
    history(("mql", 1), ("sal", 5), original_channel="paid_search", owner=other_rep)
    history(("mql", 2), original_channel="organic_search", owner=rep)
    history(("mql", 3), original_channel="email")

    def figures(filters):
        report = funnel_report(PERIOD, filters, NOW)
        accepted = report.velocity[1]
        return (
            report.volume("mql").count,
            report.cohort.reach("sal").count,
            accepted.measured,
            accepted.median_days,
        )

    assert figures(EVERYONE) == (4, 2, 2, 3.0)
    assert figures(Filters(channels=("paid_search",))) == (2, 2, 2, 3.0)
    assert figures(Filters(channels=("organic_search", "email"))) == (2, 0, 0, None)
    assert figures(Filters(owner_id=other_rep.pk)) == (1, 1, 1, 4.0)
    assert figures(Filters(team_id=team.pk)) == (2, 1, 1, 2.0)
    assert figures(Filters(team_id=team.pk, channels=("organic_search",))) == (1, 0, 0, None)


def test_each_mql_counts_under_the_definition_in_force_when_it_qualified():
    # The definition is raised from a score of 50 to 70 on day 10. The lead that qualified
    # before with 55 would not qualify now, and still counts: it entered MQL under the old one.
    early = history(("lead", -20), ("mql", 2), rule=OLD_RULE, total_score=55)
    history(("lead", -20), ("mql", 8), ("sal", 9), rule=OLD_RULE, total_score=65)
    for number in (12, 15):
        history(("lead", -20), ("mql", number), ("sal", number + 1), rule=NEW_RULE, total_score=80)

    report = funnel_report(PERIOD, EVERYONE, NOW)

    assert (report.volume("mql").count, report.volume("sal").count) == (4, 3)
    assert (report.cohort.size, report.cohort.reach("sal").count) == (4, 3)
    assert early.transitions.get(to_stage="mql").rule == OLD_RULE
    assert early.total_score < 70


@pytest.mark.parametrize("leads", [3, 30])
@pytest.mark.parametrize("frozen_days", [0, 45])
def test_the_report_costs_eleven_queries_whatever_the_number_of_leads(
    leads, frozen_days, on_both_databases, django_assert_max_num_queries
):
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "UTC"})
    rep = UserFactory()
    TeamMember.objects.create(team=team, user=rep)
    for number in range(leads):
        history(("lead", number % 30 - 40), ("mql", number % 30), ("sal", number % 30 + 1),
                ("sql", number % 30 + 3), ("opportunity", number % 30 + 5), owner=rep)  # fmt: skip
    # The days of the period before and half this one's, frozen as the beat freezes them.
    first = (PERIOD.start - timedelta(days=30)).date()
    days_freeze([first + timedelta(days=n) for n in range(frozen_days)], now=NOW)
    # Which days are frozen, their rows and the others live (both periods' volumes); the
    # cohort: how far the days up to now are frozen, the frozen entries' counts, the reaches
    # since and their entries, the entries since and their reaches; the velocity of every
    # step, given its memory on PostgreSQL.
    assert connections[router.db_for_read(StageTransition)].alias == on_both_databases
    with django_assert_max_num_queries(11, using=on_both_databases):
        report = funnel_report(PERIOD, Filters(team_id=team.pk), NOW)
    assert report.volume("mql").count == leads
    assert report.volume("sal").count == min(leads, 29)  # the 30th's SAL is the day after
    assert report.velocity[3].median_days == 2.0
