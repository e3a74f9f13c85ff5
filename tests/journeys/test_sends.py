"""Suggested content on the lead page, marking it sent (a touch on the lead), rating the send,
and what marketing reads per asset: times sent, share useful, and what the leads did next."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from journeys.models import ContentStatus
from leads.content.models import ContentRating, ContentSend
from leads.content.selectors import asset_effect, content_suggestions
from leads.content.services import content_rate, content_send
from leads.models import Stage, StageTransition, Touch
from tests.factories import LeadFactory
from tests.journeys.conftest import asset, persona, stage

pytestmark = pytest.mark.django_db


def test_suggestions_rank_persona_and_stage_then_either_then_general():
    lead = LeadFactory(persona=persona("Ops Oliver"), journey_stage=stage("decision"))
    asset("General", stages=(), personas=())
    asset("Stage only", stages=("decision",))
    asset("Both", stages=("decision",), personas=("Ops Oliver",))
    asset("Persona only", personas=("Ops Oliver",), stages=("awareness",))
    asset("Other persona", personas=("IT Ivan",), stages=("awareness",))
    asset(
        "Retired both", stages=("decision",), personas=("Ops Oliver",), status=ContentStatus.RETIRED
    )
    suggestions = content_suggestions(lead)
    assert [(each.asset.title, each.reason) for each in suggestions] == [
        ("Both", "Made for Ops Oliver at the Decision stage"),
        ("Persona only", "Made for Ops Oliver"),
        ("Stage only", "Made for the Decision stage"),
        ("General", "For every persona and stage"),
    ]


def test_suggestions_are_bounded_to_five():
    lead = LeadFactory(journey_stage=stage("decision"))
    for number in range(8):
        asset(f"Card {number}", stages=("decision",))
    assert len(content_suggestions(lead)) == 5


def test_a_lead_without_persona_or_stage_gets_general_content_and_is_told(client_for, rep):
    lead = LeadFactory(owner=rep)
    asset("General")
    asset("Targeted", stages=("decision",))
    page = client_for(rep).get(reverse("content:lead_suggestions", args=[lead.pk])).content.decode()
    assert "General" in page and "Targeted" not in page
    assert "no persona or journey stage yet" in page


def test_the_lead_page_loads_its_suggestions_by_htmx(client_for, rep):
    lead = LeadFactory(owner=rep)
    page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("content:lead_suggestions", args=[lead.pk])}"' in page


def test_marking_sent_records_the_send_and_an_email_touch(client_for, rep):
    lead = LeadFactory(owner=rep, stage=Stage.MQL)
    card = asset("Battle card: spreadsheets")
    response = client_for(rep).post(
        reverse("content:lead_content_send", args=[lead.pk, card.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Sent “Battle card: spreadsheets”" in response.content.decode()
    send = ContentSend.objects.get()
    touch = Touch.objects.get(lead=lead)
    assert (send.lead, send.by, send.stage_at_send, send.touch) == (lead, rep, Stage.MQL, touch)
    assert (touch.kind, touch.by) == ("email", rep)
    assert touch.note == "Sent battle card: “Battle card: spreadsheets”"


def test_without_htmx_sending_goes_back_to_the_lead_page(client_for, rep):
    lead = LeadFactory(owner=rep)
    card = asset()
    response = client_for(rep).post(reverse("content:lead_content_send", args=[lead.pk, card.pk]))
    assert response.status_code == 302 and response["Location"] == lead.get_absolute_url()
    assert ContentSend.objects.count() == 1


def test_a_draft_is_not_sent_and_nothing_is_written(rep):
    lead = LeadFactory(owner=rep)
    draft = asset("Draft", status=ContentStatus.DRAFT)
    with pytest.raises(ValidationError, match="is draft; only live content is sent"):
        content_send(asset=draft, lead=lead, by=rep)
    assert not Touch.objects.exists() and not ContentSend.objects.exists()


def test_a_rep_cannot_send_content_to_another_reps_lead(client_for, rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    response = client_for(rep).post(
        reverse("content:lead_content_send", args=[lead.pk, asset().pk])
    )
    assert response.status_code == 403
    assert not ContentSend.objects.exists()


def test_a_marketer_reads_suggestions_but_cannot_send(client_for, marketer):
    lead = LeadFactory()
    card = asset()
    client = client_for(marketer)
    page = client.get(reverse("content:lead_suggestions", args=[lead.pk])).content.decode()
    assert card.title in page and "Mark sent" not in page
    assert (
        client.post(reverse("content:lead_content_send", args=[lead.pk, card.pk])).status_code
        == 403
    )


def test_the_sender_rates_a_send_and_rating_again_replaces_it(client_for, rep):
    lead = LeadFactory(owner=rep)
    send = content_send(asset=asset(), lead=lead, by=rep)
    client = client_for(rep)
    url = reverse("content:send_rate", args=[send.pk])
    client.post(url, {"useful": "no", "note": "Too long"}, HTTP_HX_REQUEST="true")
    response = client.post(
        url, {"useful": "yes", "note": "They forwarded it"}, HTTP_HX_REQUEST="true"
    )
    assert "rated useful: “They forwarded it”" in response.content.decode()
    rating = ContentRating.objects.get()
    assert (rating.send, rating.by, rating.useful, rating.note) == (
        send,
        rep,
        True,
        "They forwarded it",
    )


def test_only_the_sender_rates_a_send(client_for, rep, other_rep):
    lead = LeadFactory()
    send = content_send(asset=asset(), lead=lead, by=rep)
    response = client_for(other_rep).post(
        reverse("content:send_rate", args=[send.pk]), {"useful": "yes"}, follow=True
    )
    assert "Only the rep who sent this content rates" in response.content.decode()
    assert not ContentRating.objects.exists()


def _moved(lead, to_stage, at):
    StageTransition.objects.create(lead=lead, from_stage=lead.stage, to_stage=to_stage, at=at)


def test_effectiveness_counts_sends_useful_share_and_what_the_leads_did_next(rep):
    card = asset()
    sent_at = timezone.now() - timedelta(days=60)
    became_sql, became_customer, stayed, late, already_sql = (
        LeadFactory(stage=stage)
        for stage in (Stage.MQL, Stage.SAL, Stage.MQL, Stage.MQL, Stage.SQL)
    )
    for lead in (became_sql, became_customer, stayed, late, already_sql):
        content_send(asset=card, lead=lead, by=rep, at=sent_at)
    content_send(asset=card, lead=stayed, by=rep, at=sent_at + timedelta(days=1))  # Counted once.
    _moved(became_sql, Stage.SQL, sent_at + timedelta(days=10))
    _moved(became_customer, Stage.SQL, sent_at + timedelta(days=5))
    _moved(became_customer, Stage.CUSTOMER, sent_at + timedelta(days=20))
    _moved(late, Stage.SQL, sent_at + timedelta(days=31))  # After the 30 days: not counted.
    _moved(already_sql, Stage.OPPORTUNITY, sent_at + timedelta(days=3))
    sends = list(ContentSend.objects.order_by("id"))
    for send, useful in zip(sends[:4], (True, True, False, True), strict=True):
        content_rate(send=send, by=rep, useful=useful)
    effect = asset_effect(card)
    assert (effect.figures.sent, effect.figures.rated, effect.figures.useful) == (6, 4, 3)
    assert effect.figures.useful_share == 0.75
    assert effect.leads == 5
    assert (effect.moved_forward, effect.reached_sql, effect.became_customer) == (3, 2, 1)


def test_a_marketer_sees_the_figures_and_the_ratings_on_the_asset(
    client_for, marketer, rep, django_assert_max_num_queries
):
    card = asset("Battle card")
    for number in range(3):
        send = content_send(asset=card, lead=LeadFactory(first_name=f"Lead{number}"), by=rep)
        content_rate(send=send, by=rep, useful=number != 0, note=f"Note {number}")
    client = client_for(marketer)
    # Session and user, roles; the asset, its stages and personas; its figures; its sends;
    # their leads' transitions; its latest ratings with their leads and reps.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("content:asset", args=[card.pk]))
    page = response.content.decode()
    assert 'data-testid="times-sent">3<' in page
    assert 'data-testid="useful-share">67%<' in page
    assert "Note 2" in page and "Lead2" in page


def test_the_list_shows_times_sent_and_share_useful(client_for, marketer, rep):
    card = asset("Battle card")
    send = content_send(asset=card, lead=LeadFactory(), by=rep)
    content_rate(send=send, by=rep, useful=True)
    content_send(asset=card, lead=LeadFactory(), by=rep)
    response = client_for(marketer).get(reverse("content:list"))
    ((_, figures),) = response.context["rows"]
    assert (figures.sent, figures.rated, figures.useful) == (2, 1, 1)
    assert "100%" in response.content.decode()
