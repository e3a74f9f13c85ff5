"""SLA clocks through the lifecycle's one hook: an MQL made by hand or in bulk starts the same
three clocks, due in the owner's team's business hours; touches and decisions meet them;
a rejection stops them and a return to MQL starts new ones; the sweep marks each breach once,
also with two sweeps at once, and repairs what a hook missed; and the clocks the hooks leave
equal a replay of the same history, on random histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.lifecycle import StageChange, lead_move_stage, stage_changes_write
from leads.models import Stage
from leads.services import touch_log
from sla import selectors
from sla.business_hours import WEEKDAYS, week_parse
from sla.clocks import Calendars, Step, clocks_expected, clocks_replay, clocks_sweep
from sla.models import (
    OFFICE_HOURS,
    Clock,
    ClockKind,
    ClockStatus,
    TeamMember,
)
from sla.services import team_save
from tests.factories import LeadFactory, rejection_reason, signed_agreement
from tests.helpers import in_threads
from tests.sla.conftest import MONDAY, to_mql

FIELDS = ("kind", "status", "started_at", "due_at", "met_at", "breached_at", "stopped_at",
          "touches_done", "met_after_minutes")  # fmt: skip


def clocks_of(lead) -> dict[str, Clock]:
    return {clock.kind: clock for clock in Clock.objects.filter(lead=lead).order_by("id")}


def test_an_mql_starts_three_clocks_due_in_its_owners_business_hours(agreement, london, rep, hooks):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    friday_evening = datetime(2026, 12, 11, 16, 30, tzinfo=UTC)
    to_mql(lead, friday_evening, hooks)
    clocks = clocks_of(lead)
    assert set(clocks) == set(ClockKind.values)
    # Half an hour left on Friday, the rest on Monday from 09:00.
    assert clocks["first_touch"].due_at == datetime(2026, 12, 14, 10, 30, tzinfo=UTC)
    assert clocks["decision"].due_at == datetime(2026, 12, 14, 16, 30, tzinfo=UTC)
    assert clocks["touches"].due_at == friday_evening + timedelta(days=5)
    assert {c.status for c in clocks.values()} == {ClockStatus.RUNNING}
    assert {c.agreement_id for c in clocks.values()} == {agreement.pk}


def test_touches_and_the_decision_meet_the_clocks(agreement, london, rep, hooks):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    to_mql(lead, MONDAY, hooks)
    with hooks():
        touch_log(
            lead=lead, by=rep, kind="call", outcome="no_answer", at=MONDAY + timedelta(minutes=45)
        )
    first = clocks_of(lead)["first_touch"]
    assert (first.status, first.met_at, first.met_after_minutes) == (
        ClockStatus.MET, MONDAY + timedelta(minutes=45), 45,
    )  # fmt: skip
    assert clocks_of(lead)["touches"].touches_done == 1
    for hours in (2, 3):
        with hooks():
            touch_log(
                lead=lead,
                by=rep,
                kind="email",
                outcome="replied",
                at=MONDAY + timedelta(hours=hours),
            )
    touches = clocks_of(lead)["touches"]
    assert (touches.status, touches.touches_done, touches.met_at) == (
        ClockStatus.MET, 3, MONDAY + timedelta(hours=3),
    )  # fmt: skip
    with hooks():
        lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=rep, at=MONDAY + timedelta(hours=4))
    decision = clocks_of(lead)["decision"]
    assert (decision.status, decision.met_after_minutes) == (ClockStatus.MET, 240)
    assert decision.met_on_time


def test_a_rejection_stops_the_open_clocks_and_a_return_to_mql_starts_new_ones(
    agreement, london, rep, hooks
):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    to_mql(lead, MONDAY, hooks)
    with hooks():
        lead_move_stage(lead=lead, to_stage=Stage.RECYCLED, actor=rep,
                        rejection_reason=rejection_reason("no-budget"),
                        at=MONDAY + timedelta(hours=1))  # fmt: skip
    clocks = clocks_of(lead)
    assert clocks["decision"].status == ClockStatus.MET  # the rejection is the decision
    assert clocks["first_touch"].status == ClockStatus.STOPPED
    assert clocks["touches"].status == ClockStatus.STOPPED
    lead.refresh_from_db()
    later = MONDAY + timedelta(days=2)
    with hooks():
        lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL", at=later)
    running = Clock.objects.filter(lead=lead, status=ClockStatus.RUNNING)
    assert running.count() == 3
    assert {clock.started_at for clock in running} == {later}


def test_a_bulk_mql_starts_the_same_clocks_as_one_by_hand(agreement, london, rep, hooks):
    leads = LeadFactory.create_batch(300, stage=Stage.LEAD, owner=rep)
    with hooks():
        stage_changes_write([
            StageChange(lead_id=lead.pk, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=MONDAY,
                        rule="MQL criteria met")
            for lead in leads
        ])  # fmt: skip
    assert Clock.objects.count() == 900
    first_touch = Clock.objects.filter(kind=ClockKind.FIRST_TOUCH)
    assert set(first_touch.values_list("due_at", flat=True)) == {MONDAY + timedelta(hours=2)}


def test_the_sweep_marks_each_breach_once_and_a_late_touch_is_met_late(
    agreement, london, rep, hooks
):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    to_mql(lead, MONDAY, hooks)
    assert clocks_sweep(now=MONDAY + timedelta(hours=1)).breached == []
    first = clocks_of(lead)["first_touch"]
    swept = clocks_sweep(now=MONDAY + timedelta(hours=3))
    assert swept.breached == [first.pk]
    assert clocks_sweep(now=MONDAY + timedelta(hours=4)).breached == []
    first.refresh_from_db()
    assert (first.status, first.breached_at) == (ClockStatus.BREACHED, first.due_at)
    with hooks():
        touch_log(
            lead=lead, by=rep, kind="call", outcome="connected", at=MONDAY + timedelta(hours=5)
        )
    first.refresh_from_db()
    assert (first.status, first.breached_at) == (ClockStatus.MET, first.due_at)
    assert not first.met_on_time


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_mark_each_breach_once(admin_user, marketer, sales_manager, rep):
    signed_agreement(
        admin=admin_user, marketer=marketer, sales_manager=sales_manager,
        effective_from=MONDAY - timedelta(days=1),
    )  # fmt: skip
    leads = LeadFactory.create_batch(200, stage=Stage.LEAD, owner=rep)
    stage_changes_write([
        StageChange(lead_id=lead.pk, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=MONDAY,
                    rule="MQL criteria met")
        for lead in leads
    ])  # fmt: skip
    assert Clock.objects.count() == 600
    marked = in_threads(lambda: clocks_sweep(now=MONDAY + timedelta(days=30)).breached)
    assert sorted(marked[0] + marked[1]) == sorted(Clock.objects.values_list("pk", flat=True))
    assert not set(marked[0]) & set(marked[1])


def test_the_sweep_starts_the_clocks_and_counts_the_touches_a_hook_missed(agreement, london, rep):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    # No hooks run: the process "died" after committing.
    lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL", at=MONDAY)
    touch_log(
        lead=lead, by=rep, kind="call", outcome="connected", at=MONDAY + timedelta(minutes=30)
    )
    assert not Clock.objects.exists()
    swept = clocks_sweep(now=MONDAY + timedelta(hours=1))
    assert swept.started == 3
    first = clocks_of(lead)["first_touch"]
    assert (first.status, first.met_after_minutes) == (ClockStatus.MET, 30)
    again = clocks_sweep(now=MONDAY + timedelta(hours=1))
    assert (again.started, again.touched) == (0, 0)
    assert Clock.objects.count() == 3


def test_no_agreement_no_clocks(rep, hooks):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    to_mql(lead, MONDAY, hooks)
    assert not Clock.objects.exists()


# --- the hooks equal a replay of the same history ----------------------------------------------

# A history: steps a few business hours apart, each a touch or a move the lifecycle allows.
MOVES = {
    Stage.LEAD: [Stage.MQL],
    Stage.MQL: [Stage.SAL, Stage.RECYCLED, Stage.DISQUALIFIED],
    Stage.SAL: [Stage.SQL, Stage.RECYCLED],
    Stage.SQL: [Stage.RECYCLED],
    Stage.RECYCLED: [Stage.MQL],
    Stage.DISQUALIFIED: [Stage.MQL],
}
histories = st.lists(
    st.tuples(st.integers(1, 600), st.booleans(), st.integers(0, 2)), min_size=1, max_size=14
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories, sweep_every=st.integers(20, 300))
def test_the_clocks_the_hooks_leave_equal_a_replay_of_the_history(
    agreement, london, rep, hooks, history, sweep_every
):
    Clock.objects.all().delete()
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    at = MONDAY
    next_sweep = at + timedelta(minutes=sweep_every)
    transitions, touches = [], []
    for minutes, is_touch, choice in history:
        at += timedelta(minutes=minutes)
        while next_sweep <= at:
            clocks_sweep(now=next_sweep)
            next_sweep += timedelta(minutes=sweep_every)
        lead.refresh_from_db()
        if is_touch:
            with hooks():
                touch_log(lead=lead, by=rep, kind="call", outcome="connected", at=at)
            touches.append(at)
            continue
        before = lead.stage
        options = MOVES[Stage(before)]
        target = options[choice % len(options)]
        with hooks():
            lead_move_stage(lead=lead, to_stage=target, rule="test", reason="why", at=at)
        transitions.append(Step(at, before, target))
    end = at + timedelta(minutes=1)
    clocks_sweep(now=end)
    expected = clocks_expected(
        lead_id=lead.pk, owner_id=rep.pk, transitions=[Step(MONDAY, "", Stage.LEAD), *transitions],
        touches=touches, in_force=lambda moment: agreement, calendars=Calendars([rep.pk]), now=end,
    )  # fmt: skip
    actual = list(Clock.objects.filter(lead=lead).order_by("started_at", "kind"))
    expected.sort(key=lambda clock: (clock.started_at, clock.kind))
    assert [tuple(getattr(c, f) for f in FIELDS) for c in actual] == [
        tuple(getattr(c, f) for f in FIELDS) for c in expected
    ]


def test_a_replay_writes_the_clocks_of_a_history_recorded_before_the_agreement(
    agreement, london, rep
):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL", at=MONDAY)
    touch_log(lead=lead, by=rep, kind="call", outcome="connected", at=MONDAY + timedelta(hours=3))
    clocks_replay(since=MONDAY - timedelta(days=1), now=MONDAY + timedelta(days=1))
    clocks = clocks_of(lead)
    first = clocks["first_touch"]
    assert (first.status, first.breached_at) == (ClockStatus.MET, MONDAY + timedelta(hours=2))
    assert clocks["decision"].status == ClockStatus.BREACHED
    assert clocks["touches"].status == ClockStatus.RUNNING
    # Run again: nothing is written twice.
    clocks_replay(since=MONDAY - timedelta(days=1), now=MONDAY + timedelta(days=1))
    assert Clock.objects.filter(lead=lead).count() == 3


def test_an_owner_outside_any_team_counts_the_first_sales_teams_hours(london, rep, other_rep):
    calendars = Calendars([rep.pk, other_rep.pk, None])
    assert calendars.key(rep.pk) == london.pk
    assert calendars.key(other_rep.pk) == london.pk
    assert calendars.key(None) == london.pk


def test_without_teams_clocks_count_office_hours_in_the_portals_time_zone(settings, db):
    settings.TIME_ZONE = "Europe/Berlin"
    calendar = Calendars([None]).of(None)
    assert calendar.zone.key == "Europe/Berlin"
    assert calendar.week == week_parse(OFFICE_HOURS)


# --- what the SLA page and the API show --------------------------------------------------------


@pytest.fixture
def always_open(db, rep):
    team = team_save(data={"name": "Round the clock", "function": "sales", "time_zone": "UTC",
                           "hours": {day: [["00:00", "24:00"]] for day in WEEKDAYS}})  # fmt: skip
    TeamMember.objects.create(team=team, user=rep)
    return team


def test_compliance_counts_each_promise_kept_late_or_running_and_the_first_touch_times(
    agreement, always_open, rep, hooks
):
    on_time, late, running = (LeadFactory(stage=Stage.LEAD, owner=rep) for _ in range(3))
    for lead in (on_time, late):
        to_mql(lead, MONDAY, hooks)
    to_mql(running, MONDAY + timedelta(hours=5), hooks)
    with hooks():
        touch_log(
            lead=on_time,
            by=rep,
            kind="call",
            outcome="connected",
            at=MONDAY + timedelta(minutes=30),
        )
        touch_log(
            lead=late, by=rep, kind="call", outcome="connected", at=MONDAY + timedelta(hours=3)
        )
    clocks_sweep(now=MONDAY + timedelta(hours=6))
    figures = selectors.compliance(
        "Monday", MONDAY, MONDAY + timedelta(days=1), agreement=agreement
    )
    first_touch = next(kind for kind in figures.kinds if kind.kind == "first_touch")
    assert (first_touch.on_time, first_touch.late_or_missed, first_touch.running) == (1, 1, 1)
    assert first_touch.percent == 50
    assert (figures.first_touch_median_minutes, figures.first_touch_p90_minutes) == (30, 180)
    assert figures.mqls == 3
    assert [rep_figures.owner for rep_figures in figures.reps] == [rep]


def test_the_sla_page_lists_the_clocks_at_risk_and_breached(
    agreement, always_open, rep, client_for, hooks
):
    from django.utils import timezone

    now = timezone.now()
    breached = LeadFactory(stage=Stage.LEAD, owner=rep, first_name="Bree", last_name="Ched")
    risky = LeadFactory(stage=Stage.LEAD, owner=rep, first_name="Rhys", last_name="Key")
    to_mql(breached, now - timedelta(hours=3), hooks)
    to_mql(risky, now - timedelta(minutes=90), hooks)
    clocks_sweep(now=now)
    page = client_for(rep).get(reverse("sla:index")).content.decode()
    at_risk = page.split('data-testid="clocks-at_risk"')[1].split("</section>")[0]
    breaches = page.split('data-testid="clocks-breached"')[1].split("</section>")[0]
    assert "Rhys Key" in at_risk and "Bree Ched" not in at_risk
    assert "Bree Ched" in breaches and "Rhys Key" not in breaches


def test_the_api_lists_the_clocks_and_the_breaches(agreement, london, rep, client_for, hooks):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    to_mql(lead, MONDAY, hooks)
    clocks_sweep(now=MONDAY + timedelta(hours=3))
    url = reverse("api:sla-clock-list")
    every = client_for(rep).get(url, {"lead": lead.pk}).json()["results"]
    assert {row["kind"] for row in every} == set(ClockKind.values)
    breaches = client_for(rep).get(url, {"breached": "true"}).json()["results"]
    assert [(row["kind"], row["agreement_version"]) for row in breaches] == [("first_touch", 1)]
    refused = client_for(rep).get(url, {"status": "exploded"})
    assert refused.status_code == 400


def test_the_month_is_held_to_the_monthly_promise_from_its_first_days(agreement):
    # Three days into December: the month keeps its whole promise, the week a week's share.
    week, month = selectors.this_week_and_month(agreement, now=MONDAY - timedelta(days=4))
    assert (week.label, week.target) == ("This week", round(agreement.mqls_per_month * 7 / 30))
    assert (month.label, month.target) == ("This month", agreement.mqls_per_month)
