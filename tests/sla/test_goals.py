"""Shared goals: progress and projection on a hand-built history of stage changes and clocks,
a change against the period before, a median where lower is better, the status once the
period is over; goals set on the SLA page and through the API by the managers and the admins
only, with bad input refused field by field; and the page's cost with many goals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from leads.models import Stage, StageTransition
from sla.goals import goal_progress
from sla.models import Clock, ClockStatus, Goal, GoalMetric, TargetKind
from sla.services import agreement_draft, goal_save, team_save
from tests.factories import LeadFactory

# The goals run through December 2026 (31 days, UTC); "now" is mid-month unless said.
START, END = date(2026, 12, 1), date(2026, 12, 31)
MID = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)  # 15.5 of 31 days: half the period gone
TERMS = {
    "mqls_per_month": 100, "min_accepted_percent": 60, "first_touch_hours": Decimal(2),
    "touches_required": 3, "touches_within_days": 5, "decision_hours": Decimal(8),
}  # fmt: skip


@pytest.fixture
def sales(db):
    return team_save(data={"name": "Sales", "function": "sales"})


@pytest.fixture
def marketing(db):
    return team_save(data={"name": "Marketing", "function": "marketing"})


def goal_of(actor, owners, **fields) -> Goal:
    data = {"name": "A goal", "target_kind": TargetKind.ABSOLUTE, "starts_on": START,
            "ends_on": END, "owner_teams": owners, **fields}  # fmt: skip
    return goal_save(data=data, actor=actor)


def moved(lead, to_stage: str, at: datetime, from_stage: str = "") -> None:
    StageTransition.objects.create(lead=lead, from_stage=from_stage, to_stage=to_stage, at=at)


def day(number: int, month: int = 12) -> datetime:
    return datetime(2026, month, number, 10, 0, tzinfo=UTC)


def test_mqls_so_far_are_projected_to_the_end_at_their_pace(admin_user, marketing):
    goal = goal_of(admin_user, [marketing], metric=GoalMetric.MQLS, target=Decimal(10))
    for when in (day(2), day(5), day(15)):
        moved(LeadFactory(), Stage.MQL, when)
    again = LeadFactory()
    moved(again, Stage.MQL, day(3))
    moved(again, Stage.MQL, day(9))  # the same lead twice counts once
    moved(LeadFactory(), Stage.MQL, day(28, 11))  # before the start
    moved(LeadFactory(), Stage.SQL, day(4))  # another stage

    progress = goal_progress(goal, now=MID)

    assert (progress.value, progress.elapsed, progress.projected) == (4, 0.5, 8)
    assert progress.status == "at_risk"
    assert progress.sentence == "MQLs: 4 of 10 with 50 % of the period gone, at risk for 8"
    assert goal_progress(goal, now=day(1) - timedelta(hours=12)).status == "not_started"


def test_conversion_of_a_cohort_against_twenty_percent_more_than_the_period_before(
    marketer, marketing, sales
):
    goal = goal_of(
        marketer, [marketing, sales], metric=GoalMetric.CONVERSION, from_stage=Stage.MQL,
        to_stage=Stage.SQL, channels=["email"], target_kind=TargetKind.RELATIVE,
        target=Decimal(20),
    )  # fmt: skip
    # November (the 30 days before the start): 4 e-mail MQLs, one an SQL before 1 December.
    november = [LeadFactory(original_channel="email") for _ in range(4)]
    for lead in november:
        moved(lead, Stage.MQL, day(10, 11))
    moved(november[0], Stage.SQL, day(20, 11), Stage.MQL)
    moved(november[1], Stage.SQL, day(3), Stage.MQL)  # too late for the baseline
    # December: 5 e-mail MQLs, two of them SQLs (or further) by now.
    december = [LeadFactory(original_channel="email") for _ in range(5)]
    for lead in december:
        moved(lead, Stage.MQL, day(2))
    moved(december[0], Stage.SQL, day(8), Stage.MQL)
    moved(december[1], Stage.OPPORTUNITY, day(9), Stage.MQL)
    paid = LeadFactory(original_channel="paid_search")  # not from e-mail: left out
    moved(paid, Stage.MQL, day(2))
    moved(paid, Stage.SQL, day(3), Stage.MQL)

    progress = goal_progress(goal, now=MID)

    assert (progress.baseline, progress.target, progress.value) == (25.0, 30.0, 40.0)
    assert (progress.projected, progress.status, progress.unit) == (40.0, "on_track", "%")
    assert progress.sentence == (
        "Conversion MQL → SQL: 40 % against 30 % (+20 % on 25 % before) "
        "with 50 % of the period gone, on track"
    )


@pytest.fixture
def agreement(admin_user):
    return agreement_draft(actor=admin_user, data={**TERMS, "effective_from": day(1, 11)})


def clock(agreement, *, kind="first_touch", started_at, due_at=None, met_after=None,
          breached=False, lead=None) -> Clock:  # fmt: skip
    met = met_after is not None
    return Clock.objects.create(
        lead=lead or LeadFactory(), kind=kind, agreement=agreement, started_at=started_at,
        due_at=due_at or started_at + timedelta(hours=2),
        status=ClockStatus.MET if met else ClockStatus.BREACHED if breached else "running",
        met_at=started_at + timedelta(minutes=met_after) if met else None,
        met_after_minutes=met_after, breached_at=due_at if breached else None,
    )  # fmt: skip


def test_first_touch_median_is_better_lower_and_judged_at_the_end(agreement, sales_manager, sales):
    within = goal_of(sales_manager, [sales], metric=GoalMetric.FIRST_TOUCH_MEDIAN,
                     target=Decimal(2))  # fmt: skip
    tighter = goal_of(sales_manager, [sales], metric=GoalMetric.FIRST_TOUCH_MEDIAN,
                      target=Decimal(1), name="Within the hour")  # fmt: skip
    for minutes in (30, 90, 240):
        clock(agreement, started_at=day(7), met_after=minutes)
    clock(agreement, started_at=day(20, 11), met_after=5)  # before the start

    after_the_end = datetime(2027, 1, 5, tzinfo=UTC)
    progress = goal_progress(within, now=after_the_end)

    assert (progress.value, progress.lower_is_better, progress.elapsed) == (1.5, True, 1.0)
    assert progress.status == "met"
    assert progress.sentence == "Median time to first touch: 1.5 h against 2 h: met"
    assert goal_progress(tighter, now=after_the_end).status == "missed"
    assert goal_progress(within, now=MID).status == "on_track"


def test_sla_compliance_is_the_share_of_clocks_due_in_the_period_met_on_time(agreement, admin_user,
                                                                             sales):  # fmt: skip
    goal = goal_of(admin_user, [sales], metric=GoalMetric.SLA_COMPLIANCE, target=Decimal(90))
    for _ in range(3):
        clock(agreement, kind="decision", started_at=day(3), met_after=60)
    clock(agreement, kind="decision", started_at=day(3), due_at=day(4), breached=True)
    clock(agreement, kind="decision", started_at=day(14))  # running, not yet decided

    progress = goal_progress(goal, now=MID)

    assert (progress.value, progress.status) == (75.0, "at_risk")


def test_a_conversion_without_its_stages_is_refused_on_the_page(client_for, marketing_manager,
                                                               marketing):  # fmt: skip
    response = client_for(marketing_manager).post(
        reverse("sla:goal_new"),
        {"name": "More SQLs", "metric": "conversion", "from_stage": "sql", "to_stage": "mql",
         "target_kind": "absolute", "target": "30", "starts_on": "2026-12-01",
         "ends_on": "2026-11-01", "owner_teams": [marketing.pk]},
    )  # fmt: skip

    assert response.status_code == 400
    assert "The stage reached comes after the one it starts from." in response.content.decode()
    assert "The end comes after the start." in response.content.decode()
    assert not Goal.objects.exists()


def test_a_manager_adds_a_goal_and_the_sla_page_shows_its_progress(
    client_for, sales_manager, sales, marketing
):
    response = client_for(sales_manager).post(
        reverse("sla:goal_new"),
        {"name": "More MQLs", "metric": "mqls", "target_kind": "absolute", "target": "10",
         "starts_on": "2026-12-01", "ends_on": "2026-12-31", "channels": ["email", "event"],
         "owner_teams": [sales.pk, marketing.pk]},
    )  # fmt: skip

    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.channels, goal.created_by) == (["email", "event"], sales_manager)
    page = client_for(sales_manager).get(reverse("sla:index")).content.decode()
    assert "More MQLs" in page
    assert "Owned by Marketing and Sales · Leads from E-mail or Event" in page
    assert 'role="progressbar"' in page


def test_a_rep_cannot_add_a_goal(client_for, rep, marketing):
    response = client_for(rep).post(
        reverse("sla:goal_new"),
        {"name": "Mine", "metric": "mqls", "target": "1", "starts_on": "2026-12-01",
         "ends_on": "2026-12-31", "owner_teams": [marketing.pk]},
    )  # fmt: skip
    assert response.status_code == 403
    assert client_for(rep).post(reverse("api:goal-list"), {}).status_code == 403
    assert not Goal.objects.exists()


@pytest.mark.parametrize("goals", [2, 8])
def test_the_sla_page_costs_the_same_with_more_goals(
    client_for, admin_user, marketing, agreement, django_assert_max_num_queries, goals
):
    for index in range(goals):
        metric = list(GoalMetric)[index % len(GoalMetric)]
        stages = {"from_stage": "mql", "to_stage": "sql"} if metric == "conversion" else {}
        goal_of(admin_user, [marketing], metric=metric, target=Decimal(5), name=f"Goal {index}",
                target_kind=TargetKind.RELATIVE if index % 2 else TargetKind.ABSOLUTE, **stages)  # fmt: skip
    clock(agreement, started_at=day(2), met_after=30)
    moved(LeadFactory(), Stage.MQL, day(2))
    client = client_for(admin_user)
    # The page without goals (21, see test_agreement), then the goals, their owner teams and
    # their progress: one aggregate of the transitions, one of the clocks, the first-touch
    # minutes.
    with django_assert_max_num_queries(26):
        response = client.get(reverse("sla:index"))
    assert response.content.decode().count('data-testid="goal"') == goals


def test_the_api_creates_reads_changes_and_deletes_a_goal(client_for, marketing_manager,
                                                         marketing, sales):  # fmt: skip
    client = client_for(marketing_manager)
    created = client.post(
        reverse("api:goal-list"),
        {"name": "MQLs this quarter", "metric": "mqls", "target": "600",
         "starts_on": "2026-10-01", "ends_on": "2026-12-31", "owner_teams": [marketing.pk]},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["progress"]["status"] in ("on_track", "at_risk", "met", "missed")
    assert body["owner_teams"] == [marketing.pk]
    url = reverse("api:goal-detail", args=[body["id"]])
    refused = client.patch(url, {"ends_on": "2026-09-01"}, content_type="application/json")
    assert refused.status_code == 400
    assert "The end comes after the start." in str(refused.json())
    changed = client.patch(url, {"target": "700", "owner_teams": [marketing.pk, sales.pk]},
                           content_type="application/json")  # fmt: skip
    assert changed.status_code == 200
    assert client.get(url).json()["target"] == "700.00"
    assert set(Goal.objects.get().owner_teams.values_list("name", flat=True)) == {
        "Marketing", "Sales",
    }  # fmt: skip
    assert client.delete(url).status_code == 204
    assert not Goal.objects.exists()
