"""The demo history: a believable funnel whose transitions, scores and owners agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count, Min
from django.utils import timezone

from leads.demo import demo_leads_load
from leads.models import FUNNEL, Campaign, Company, Consent, Lead, Stage, StageTransition
from smarketing.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_history(django_db_setup, django_db_blocker):
    """Loaded once for the module (it takes a few seconds), removed afterwards."""
    with django_db_blocker.unblock():
        owners = [
            UserFactory(username="demo-rep", role=Role.SALES),
            UserFactory(username="demo-manager", role=Role.SALES_MANAGER),
        ]
        created = demo_leads_load(owners=owners)
        yield owners, created
        Lead.objects.all().delete()
        Company.objects.all().delete()
        Campaign.objects.all().delete()
        for owner in owners:
            owner.delete()


def test_the_demo_has_a_funnel_that_narrows_from_lead_to_customer(demo_history):
    counts = dict(Lead.objects.values_list("stage").annotate(n=Count("id")).order_by())
    assert set(counts) == set(Stage.values)
    assert 2500 <= sum(counts.values()) <= 3500
    # Fewer leads reach each stage than the one before (leads stay in a stage for a while, so
    # today's counts need not narrow: an MQL is decided within days, an SQL worked for weeks).
    reached = dict(
        StageTransition.objects.values_list("to_stage").annotate(n=Count("lead", distinct=True))
        .order_by()
    )  # fmt: skip
    narrowing = [reached[stage] for stage in FUNNEL[1:7]]  # lead … customer
    assert narrowing == sorted(narrowing, reverse=True)


def test_the_mqls_and_sals_the_demo_leaves_open_are_recent(demo_history):
    """Sales decides on an MQL within days and works a SAL for weeks: the queue is not a
    backlog of months."""
    now = timezone.now()
    oldest = dict(
        Lead.objects.filter(stage__in=[Stage.MQL, Stage.SAL]).values_list("stage")
        .annotate(at=Min("stage_changed_at")).order_by()
    )  # fmt: skip
    assert now - oldest[Stage.MQL] <= timedelta(days=4)
    assert now - oldest[Stage.SAL] <= timedelta(days=21)


def test_every_lead_walks_from_its_creation_to_its_current_stage(demo_history):
    walks: dict[int, list[tuple[str, str]]] = {}
    for lead_id, from_stage, to_stage in StageTransition.objects.order_by(
        "lead_id", "at", "id"
    ).values_list("lead_id", "from_stage", "to_stage"):
        walks.setdefault(lead_id, []).append((from_stage, to_stage))
    stages = dict(Lead.objects.values_list("id", "stage"))
    assert set(walks) == set(stages)
    for lead_id, walk in walks.items():
        assert walk[0][0] == ""
        assert walk[-1][1] == stages[lead_id]
        for before, after in zip(walk, walk[1:], strict=False):
            assert after[0] == before[1]


def test_scores_add_up_and_bands_follow_them(demo_history):
    for fit, engagement, total, temperature in Lead.objects.values_list(
        "fit_score", "engagement_score", "total_score", "temperature"
    ):
        assert total == fit + engagement
        assert temperature == ("hot" if total >= 70 else "warm" if total >= 40 else "cold")


def test_accepted_leads_are_owned_by_the_sales_users(demo_history):
    owners, _ = demo_history
    accepted = Lead.objects.filter(
        stage__in=[Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST]
    )
    assert accepted.exists()
    assert not accepted.filter(owner__isnull=True).exists()
    assert set(accepted.values_list("owner", flat=True)) <= {owner.pk for owner in owners}
    assert not Lead.objects.filter(stage__in=[Stage.SUBSCRIBER], owner__isnull=False).exists()


def test_mqls_engaged_more_than_subscribers(demo_history):
    def events_per_lead(stage: str) -> float:
        leads = Lead.objects.filter(stage=stage)
        return leads.aggregate(n=Count("events"))["n"] / leads.count()

    assert events_per_lead(Stage.MQL) > 2 * events_per_lead(Stage.SUBSCRIBER)
    assert Lead.objects.filter(stage=Stage.MQL, events__type="demo_request").exists()


def test_unsubscribed_leads_are_those_with_an_unsubscribe_event(demo_history):
    unsubscribed = Lead.objects.filter(unsubscribed=True)
    assert unsubscribed.exists()
    assert set(unsubscribed) == set(Lead.objects.filter(events__type="unsubscribe"))
    assert set(unsubscribed.values_list("consent", flat=True)) == {Consent.WITHDRAWN}


def test_loading_again_adds_nothing(demo_history):
    owners, created = demo_history
    before = (Lead.objects.count(), StageTransition.objects.count())
    assert demo_leads_load(owners=owners) == 0
    assert (Lead.objects.count(), StageTransition.objects.count()) == before
    assert before[0] == created
