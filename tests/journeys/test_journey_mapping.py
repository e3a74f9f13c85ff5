"""The journey mapping: a lead stands in the furthest stage its lifecycle stage or one of its
recent events maps to; a stage set by hand is kept; the mapping is edited through one service
(admin and API) and a change matches every lead again."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from journeys.models import JourneyStage
from journeys.services import journey_stage_mapping_save
from leads.models import Lead
from leads.scoring.engine import leads_score
from leads.scoring.matching import lead_matching_set
from leads.scoring.models import ScoringRun
from leads.scoring.services import scoring_model_activate
from tests.factories import EventFactory, LeadFactory
from tests.helpers import journey_seeds_restore
from tests.leads.scoring.helpers import NOW, make_model

pytestmark = pytest.mark.django_db


def _stage_of(lead: Lead) -> str | None:
    lead.refresh_from_db()
    return lead.journey_stage.key if lead.journey_stage else None


def _model():
    model = make_model()
    run = scoring_model_activate(model=model, actor=None, enqueue=False)
    ScoringRun.objects.filter(pk=run.pk).update(status="done")
    return model


def test_the_seeded_mapping_places_leads_by_lifecycle_stage_and_recent_events():
    model = _model()
    days = datetime.timedelta(days=1)
    reader = LeadFactory(stage="lead")
    EventFactory(lead=reader, type="page_view", occurred_at=NOW - days)
    shopper = LeadFactory(stage="lead")
    EventFactory(lead=shopper, type="pricing_page_view", occurred_at=NOW - days)
    long_ago = LeadFactory(stage="subscriber")
    EventFactory(lead=long_ago, type="demo_request", occurred_at=NOW - 200 * days)
    demo = LeadFactory(stage="lead")
    EventFactory(lead=demo, type="demo_request", occurred_at=NOW - days)
    mql_reading = LeadFactory(stage="mql")
    EventFactory(lead=mql_reading, type="page_view", occurred_at=NOW - days)
    opportunity = LeadFactory(stage="opportunity")
    customer = LeadFactory(stage="customer")
    disqualified = LeadFactory(stage="disqualified")
    future = LeadFactory(stage="disqualified")
    EventFactory(lead=future, type="webinar_attended", occurred_at=NOW + days)
    leads_score(model=model, now=NOW)
    assert [
        _stage_of(lead)
        for lead in (
            reader, shopper, long_ago, demo, mql_reading, opportunity, customer, disqualified,
            future,
        )
    ] == [
        "awareness", "consideration", "awareness", "decision", "decision", "purchase",
        "retention", None, None,
    ]  # fmt: skip


def test_a_stage_set_by_hand_is_kept_by_the_scoring(marketer):
    model = _model()
    lead = LeadFactory(stage="customer")
    consideration = JourneyStage.objects.get(key="consideration")
    lead_matching_set(lead=lead, actor=marketer, persona="auto", journey_stage=consideration)
    leads_score(model=model, now=NOW)
    assert _stage_of(lead) == "consideration"


@pytest.mark.django_db(transaction=True)
def test_a_changed_mapping_matches_every_lead_again():
    journey_seeds_restore()
    _model()
    lead = LeadFactory(stage="lead")
    EventFactory(
        lead=lead, type="webinar_attended", occurred_at=datetime.datetime.now(datetime.UTC)
    )
    leads_score(model=ScoringRun.objects.get().model)
    assert _stage_of(lead) == "consideration"
    consideration = JourneyStage.objects.get(key="consideration")
    journey_stage_mapping_save(
        stage=consideration,
        lifecycle_stages=[],
        event_types=["pricing_page_view"],
        event_window_days=30,
    )
    assert ScoringRun.objects.filter(kind=ScoringRun.Kind.MATCHING, status="done").exists()
    assert _stage_of(lead) == "awareness"


def test_the_mapping_is_refused_with_a_message_per_field():
    decision = JourneyStage.objects.get(key="decision")
    with pytest.raises(ValidationError) as refused:
        journey_stage_mapping_save(
            stage=decision,
            lifecycle_stages=["mql", "customer", "nope"],
            event_types=["page_view"],
            event_window_days=0,
        )
    errors = refused.value.message_dict
    assert errors["lifecycle_stages"][0].startswith("Not a lifecycle stage: nope")
    assert (
        errors["lifecycle_stages"][1]
        == "customer already maps to Retention: remove it there first."
    )
    assert errors["event_types"] == ["page_view already maps to Awareness: remove it there first."]
    assert "event_window_days" in errors
    decision.refresh_from_db()
    assert decision.lifecycle_stages == ["mql", "sal", "sql"]


def test_the_api_reads_and_changes_the_mapping(client_for, marketer, rep):
    purchase = JourneyStage.objects.get(key="purchase")
    url = reverse("api:journey-mapping-detail", args=[purchase.pk])
    listed = client_for(rep).get(reverse("api:journey-mapping-list")).json()
    assert [stage["key"] for stage in listed] == [
        "awareness", "consideration", "decision", "purchase", "retention",
    ]  # fmt: skip
    assert (
        client_for(rep)
        .patch(url, {"event_window_days": 30}, content_type="application/json")
        .status_code
        == 403
    )
    marketing = client_for(marketer)
    refused = marketing.patch(
        url, {"event_types": ["demo_request"]}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "demo_request already maps to Decision" in refused.json()["errors"]["event_types"][0]
    changed = marketing.patch(url, {"event_window_days": 30}, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["event_window_days"] == 30
    assert changed.json()["lifecycle_stages"] == ["opportunity"]


def test_the_admin_saves_the_mapping_through_the_service(client_for, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    retention = JourneyStage.objects.get(key="retention")
    url = reverse("admin:journeys_journeystage_change", args=[retention.pk])
    fields = {
        "key": "retention", "name": "Retention", "position": "5", "description": "",
        "lifecycle_stages": '["customer", "evangelist", "mql"]', "event_types": "[]",
        "event_window_days": "90",
    }  # fmt: skip
    refused = client_for(admin_user).post(url, fields)
    assert refused.status_code == 200
    assert "mql already maps to Decision" in refused.content.decode()
    retention.refresh_from_db()
    assert retention.lifecycle_stages == ["customer", "evangelist"]
