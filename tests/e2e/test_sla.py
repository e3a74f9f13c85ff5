"""A sales manager reads the SLA page in a real browser: the agreement both teams signed, the
goals with their progress, the clocks at risk and breached with the rep who cannot reach every
MQL in time, and the routing rule; the breach is waiting on their queue."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from leads.lifecycle import lead_move_stage
from leads.models import Stage
from sla.business_hours import WEEKDAYS
from sla.clocks import clocks_sweep
from sla.models import GoalMetric, TargetKind, TeamMember
from sla.services import goal_save, routing_rule_save, team_save
from smarketing.accounts import demo_users_ensure
from tests.e2e.test_queue import log_in
from tests.factories import LeadFactory, signed_agreement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_the_agreement_its_goals_its_risks_and_its_breaches(page, tmp_path):
    demo_users_ensure()
    users = {user.username: user for user in User.objects.all()}
    rep, manager = users["sales"], users["manager"]
    now = timezone.now()
    signed_agreement(
        admin=users["admin"], marketer=users["marketing"], sales_manager=manager,
        effective_from=now - timedelta(days=30), first_touch_hours=Decimal(2),
    )  # fmt: skip
    # Open round the clock, so the page reads the same at any hour of the week.
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "UTC",
                           "manager": manager,
                           "hours": {day: [["00:00", "24:00"]] for day in WEEKDAYS}})  # fmt: skip
    TeamMember.objects.create(team=team, user=rep)
    routing_rule_save(data={"name": "Everyone to Sales", "team": team, "weighted": False})
    # Ten MQLs whose first touch is due in 40 minutes: at 15 minutes a touch, two make it.
    for number in range(10):
        lead = LeadFactory(
            stage=Stage.LEAD, owner=rep, first_name="Waiting", last_name=f"No{number}"
        )
        lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL", at=now - timedelta(minutes=80))
    late = LeadFactory(stage=Stage.LEAD, owner=rep, first_name="Bree", last_name="Ched")
    lead_move_stage(lead=late, to_stage=Stage.MQL, rule="MQL", at=now - timedelta(hours=3))
    clocks_sweep(now=timezone.now())
    goal_save(actor=users["marketing"], data={
        "name": "MQLs this month", "metric": GoalMetric.MQLS, "target_kind": TargetKind.ABSOLUTE,
        "target": Decimal(40), "starts_on": now.date() - timedelta(days=10),
        "ends_on": now.date() + timedelta(days=20), "owner_teams": [team],
    })  # fmt: skip

    log_in(page, "manager", "/sla/")
    in_force = page.get_by_test_id("agreement-in-force")
    expect(in_force.get_by_test_id("sales-terms")).to_contain_text(
        "a first touch within 2 business hours"
    )
    expect(in_force.get_by_test_id("signatures-1")).to_contain_text(manager.get_full_name())
    goal = page.get_by_test_id("goal")
    expect(goal).to_contain_text("MQLs this month")
    expect(goal.get_by_test_id("goal-sentence")).to_contain_text("MQLs: 11 of 40")

    at_risk = page.get_by_test_id("clocks-at_risk")
    expect(at_risk.get_by_test_id("overload")).to_contain_text(
        f"{rep.get_full_name()} cannot reach every MQL in time: of 10 waiting for a first "
        "touch, 8 would be touched late at 15 working minutes a touch"
    )
    expect(at_risk.get_by_test_id("clock").filter(has_text="First touch")).to_have_count(10)
    breached = page.get_by_test_id("clocks-breached")
    expect(breached.get_by_test_id("clock")).to_have_count(1)
    expect(page.get_by_test_id("routing-rules")).to_contain_text("Everyone to Sales")
    expect(page.get_by_test_id("rep-load")).to_contain_text(rep.get_full_name())
    page.screenshot(path=tmp_path / "sla.png", full_page=True)

    breached.get_by_role("link", name="Bree Ched").click()
    expect(page.get_by_role("heading", name="Bree Ched", level=1)).to_be_visible()
    page.goto("/queue/")
    expect(page.get_by_test_id("notifications")).to_contain_text(
        f"1 SLA clock breached on MQLs of {rep.get_full_name()}: 1 first touch."
    )
