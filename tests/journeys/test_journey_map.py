"""The journey map: per stage its questions, its leads by persona, its live content and the
touchpoints its leads had in the last 30 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import ContentStatus
from leads.content.selectors import journey_map
from tests.factories import EventFactory, LeadFactory
from tests.journeys.conftest import asset, persona, stage

pytestmark = pytest.mark.django_db


def _stage_map(key: str):
    return next(item for item in journey_map().stages if item.stage.key == key)


def test_without_staged_leads_the_page_says_why_it_counts_nothing(client_for, rep):
    LeadFactory()
    page = client_for(rep).get(reverse("content:journey_map")).content.decode()
    assert 'data-testid="no-staged-leads"' in page
    assert "No lead has a journey stage yet" in page
    assert "What challenges are they currently facing?" in page


def test_leads_are_counted_by_stage_and_persona():
    mary, oliver = persona("Marketing Mary"), persona("Ops Oliver")
    consideration = stage("consideration")
    LeadFactory.create_batch(3, journey_stage=consideration, persona=mary)
    LeadFactory(journey_stage=consideration, persona=oliver)
    LeadFactory(journey_stage=consideration)
    LeadFactory(journey_stage=stage("decision"), persona=mary)
    LeadFactory(persona=mary)  # No stage: on no stage's count.
    item = _stage_map("consideration")
    assert item.by_persona == [("Marketing Mary", 3), ("Ops Oliver", 1), ("No persona", 1)]
    assert item.leads == 5
    assert _stage_map("decision").leads == 1
    assert journey_map().staged_leads == 6


def test_touchpoints_are_the_last_30_days_of_events_of_leads_now_at_the_stage():
    now = timezone.now()
    at_stage = LeadFactory(journey_stage=stage("decision"))
    elsewhere = LeadFactory(journey_stage=stage("awareness"))
    EventFactory.create_batch(
        2, lead=at_stage, type="pricing_page_view", occurred_at=now - timedelta(days=2)
    )
    EventFactory(lead=at_stage, type="demo_request", occurred_at=now - timedelta(days=29))
    EventFactory(lead=at_stage, type="page_view", occurred_at=now - timedelta(days=31))
    EventFactory(lead=elsewhere, type="pricing_page_view", occurred_at=now)
    item = _stage_map("decision")
    assert item.touchpoints == [("Pricing page view", 2), ("Requested a demo", 1)]
    assert item.touchpoint_events == 3


def test_each_stage_shows_its_live_content_only(client_for, rep):
    asset("Decision card", stages=("decision",))
    asset("Old card", stages=("decision",), status=ContentStatus.RETIRED)
    asset("Draft card", stages=("decision",), status=ContentStatus.DRAFT)
    asset("For everyone")
    item = _stage_map("decision")
    assert [each.title for each in item.content] == ["Decision card"]
    page = client_for(rep).get(reverse("content:journey_map")).content.decode()
    assert "Decision card" in page and "For everyone" in page
    assert "Old card" not in page and "Draft card" not in page


@pytest.mark.parametrize("rows", [5, 60])
def test_the_journey_map_costs_the_same_queries_whatever_the_leads(
    client_for, rep, django_assert_max_num_queries, rows
):
    mary = persona("Marketing Mary")
    for key in ("awareness", "consideration", "decision", "purchase", "retention"):
        leads = LeadFactory.create_batch(rows // 5, journey_stage=stage(key), persona=mary)
        EventFactory(lead=leads[0], type="page_view")
        asset(f"Card for {key}", stages=(key,))
    client = client_for(rep)
    # Session and user, the user's roles (navigation); stages and their questions; leads by
    # stage and persona; the stages' live content and the content for every stage; one
    # touchpoint query per stage (five).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("content:journey_map"))
    assert response.status_code == 200
    assert f'data-testid="stage-leads-decision">{rows // 5} lead' in response.content.decode()
