"""The demo's agreement and teams: a sales and a marketing team with their business hours,
two signed versions of the SLA (the second in force for a month, with a faster first touch),
a third drafted and signed by marketing, waiting for the sales manager, the clocks of every
MQL since the first version, replayed from the leads' history; a routing rule that shares
new MQLs over the reps by weight, with the last days' unowned MQLs routed by it; and two
shared goals: the article's "raise the conversion of marketing-generated leads by 20 % in
six months", owned by both teams, and marketing's MQLs this quarter."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from leads.models import Lead, Stage
from sla.clocks import clocks_replay
from sla.models import Agreement, DayOff, Function, GoalMetric, Signoff, TargetKind, TeamMember
from sla.routing import mqls_route
from sla.services import (
    agreement_draft,
    agreement_sign,
    goal_save,
    routing_rule_save,
    team_save,
)

VERSIONS = (
    (150, "The first agreement: what each team can hold itself to.",
     {"mqls_per_month": 120, "min_accepted_percent": 60, "first_touch_hours": Decimal(8),
      "touches_required": 3, "touches_within_days": 10, "decision_hours": Decimal(24)}),
    (30, "Leads answered within the hour qualify far more often: first touch in four hours.",
     {"mqls_per_month": 150, "min_accepted_percent": 65, "first_touch_hours": Decimal(4),
      "touches_required": 4, "touches_within_days": 7, "decision_hours": Decimal(16)}),
)  # fmt: skip
# The channels marketing brings leads from (not sales' outbound, partners or offline imports).
MARKETING_CHANNELS = ["organic_search", "paid_search", "social", "paid_social", "email", "event"]
MQLS_THIS_QUARTER = 800
DRAFT = ("Next quarter: more MQLs, and a first touch within two business hours.",
         {"mqls_per_month": 180, "first_touch_hours": Decimal(2)})  # fmt: skip


@transaction.atomic
def demo_sla_load(*, admin, marketer, sales_manager, sellers) -> bool:
    """Load the teams and the agreement's versions unless there is an agreement already."""
    if Agreement.objects.exists():
        return False
    sales = team_save(data={
        "name": "Sales", "function": Function.SALES, "manager": sales_manager,
        "time_zone": "Europe/London", "holiday_country": "GB", "holiday_region": "ENG",
        "hours": {d: [["08:30", "12:30"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu")}
        | {"fri": [["08:30", "16:00"]]},
    })  # fmt: skip
    marketing = team_save(data={
        "name": "Marketing", "function": Function.MARKETING, "manager": marketer,
        "time_zone": "Europe/London", "holiday_country": "GB", "holiday_region": "ENG",
    })  # fmt: skip
    for user in sellers:
        TeamMember.objects.get_or_create(user=user, defaults={"team": sales})
    # The manager takes half a rep's share and at most 150 open MQLs.
    TeamMember.objects.filter(user=sales_manager).update(weight=1, max_open_mqls=150)
    TeamMember.objects.filter(team=sales).exclude(user=sales_manager).update(weight=2)
    TeamMember.objects.get_or_create(user=marketer, defaults={"team": marketing})
    today = timezone.localdate()
    offsite = _next_weekday(today + timedelta(days=20))
    DayOff.objects.get_or_create(team=sales, on=offsite, defaults={"name": "Sales kick-off"})

    now = timezone.now()
    for days_ago, summary, terms in VERSIONS:
        agreement = agreement_draft(
            actor=admin, data={"effective_from": now - timedelta(days=days_ago), "summary": summary,
                               **terms},
        )  # fmt: skip
        agreement_sign(agreement=agreement, user=marketer, function=Function.MARKETING)
        agreement_sign(agreement=agreement, user=sales_manager, function=Function.SALES)
        # Signed when it was agreed, not today.
        signed = now - timedelta(days=days_ago + 2)
        Signoff.objects.filter(agreement=agreement).update(at=signed)
        Agreement.objects.filter(pk=agreement.pk).update(
            signed_at=signed, effective_from=now - timedelta(days=days_ago),
            created_at=signed - timedelta(days=5),
        )  # fmt: skip
    summary, terms = DRAFT
    draft = agreement_draft(
        actor=admin,
        data={"effective_from": now + timedelta(days=14), "summary": summary, **terms},
    )
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    # The clocks of every MQL since the first version, from the leads' own history.
    clocks_replay(since=now - timedelta(days=VERSIONS[0][0]), now=now)
    routing_rule_save(data={"name": "Sales, by weight", "team": sales, "weighted": True})
    # The MQLs of the last three days nobody owns are routed, as they would have been.
    recent = Lead.objects.filter(
        stage=Stage.MQL, owner__isnull=True, stage_changed_at__gte=now - timedelta(days=3)
    ).values_list("pk", flat=True)
    mqls_route(list(recent), at=now)
    demo_goals_load(actor=marketer, marketing=marketing, sales=sales, today=today)
    return True


def demo_goals_load(*, actor, marketing, sales, today: date) -> None:
    goal_save(actor=actor, data={
        "name": "Raise the conversion of marketing-generated leads by 20 % in six months",
        "metric": GoalMetric.CONVERSION, "from_stage": "mql", "to_stage": "sql",
        "channels": MARKETING_CHANNELS, "target_kind": TargetKind.RELATIVE,
        "target": Decimal(20), "starts_on": today - timedelta(days=91),
        "ends_on": today + timedelta(days=91), "owner_teams": [marketing, sales],
    })  # fmt: skip
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    next_quarter = date(quarter.year + quarter.month // 10, (quarter.month + 2) % 12 + 1, 1)
    goal_save(actor=actor, data={
        "name": "MQLs this quarter", "metric": GoalMetric.MQLS,
        "target_kind": TargetKind.ABSOLUTE, "target": Decimal(MQLS_THIS_QUARTER),
        "starts_on": quarter, "ends_on": next_quarter - timedelta(days=1),
        "owner_teams": [marketing],
    })  # fmt: skip


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
