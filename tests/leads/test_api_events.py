"""Behaviour events over the API, beyond the basics in test_api: every way an event in a batch
can be wrong, reported by its index with nothing written, and the same rules for one event,
for a form post and for the service called directly."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.events import UnknownLeads
from leads.models import Event
from leads.services import events_record
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("api:event-create")
BATCH = reverse("api:event-batch")
UNKNOWN_TYPE_START = "“page_vew” is not an event type. Valid types: page_view,"


@pytest.fixture
def as_marketer(client_for, marketer):
    return client_for(marketer)


def event(**fields) -> dict:
    return {"type": "page_view", "occurred_at": timezone.now().isoformat(), **fields}


def test_each_bad_event_of_a_batch_is_reported_by_index_and_nothing_is_written(as_marketer):
    lead = LeadFactory(email="jane@acme.com")
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    events = [
        event(lead=lead.pk),
        event(lead=lead.pk, type="page_vew"),
        event(lead=lead.pk, occurred_at=later),
        event(lead=lead.pk, occurred_at="yesterday"),
        {"lead": lead.pk, "type": "page_view"},
        event(lead=lead.pk, properties=[1, 2]),
        event(lead=999_999_999),
        event(lead=lead.pk, email="jane@acme.com"),
        event(),
        "page_view",
        None,
        event(lead=lead.pk, channel="carrier_pigeon"),
        event(lead=lead.pk, campaign=999_999_999),
        event(lead="twelve"),
        event(lead=0),
        event(email="not an e-mail"),
        event(lead=lead.pk),
    ]
    response = as_marketer.post(BATCH, {"events": events}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]["events"]
    assert list(errors) == [str(index) for index in range(1, 16)]
    assert errors["1"]["type"][0].startswith(UNKNOWN_TYPE_START)
    assert errors["2"] == {"occurred_at": ["This time is in the future."]}
    assert errors["3"] == {
        "occurred_at": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]
    }
    assert errors["4"] == {"occurred_at": ["This field is required."]}
    assert errors["5"] == {"properties": ["Give a JSON object."]}
    assert errors["6"] == {"lead": ["No lead has the id 999999999."]}
    assert errors["7"] == {"email": ["Give the lead or its e-mail, not both."]}
    assert errors["8"] == {"lead": ["Name the lead by its id (lead) or its e-mail (email)."]}
    assert errors["9"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got str."]
    }
    assert errors["10"] == ["This field may not be null."]
    assert errors["11"] == {"channel": ['"carrier_pigeon" is not a valid choice.']}
    assert errors["12"] == {"campaign": ["No campaign has the id 999999999."]}
    assert errors["13"] == {"lead": ["A valid integer is required."]}
    assert errors["14"] == {"lead": ["Ensure this value is greater than or equal to 1."]}
    assert errors["15"] == {"email": ["Enter a valid email address."]}
    assert not Event.objects.exists()


def test_a_batch_naming_a_lead_that_does_not_exist_records_none_of_its_events(as_marketer):
    lead = LeadFactory()
    events = [event(lead=lead.pk), event(lead=lead.pk + 1000), event(lead=lead.pk)]
    response = as_marketer.post(BATCH, {"events": events}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"events": {"1": {"lead": [f"No lead has the id {lead.pk + 1000}."]}}}
    }
    assert not Event.objects.exists()


def test_an_unknown_lead_is_named_alone_or_beside_the_other_errors(as_marketer):
    lead = LeadFactory()
    alone = as_marketer.post(EVENTS, event(lead=lead.pk + 1000), content_type="application/json")
    assert alone.status_code == 400
    assert alone.json() == {"errors": {"lead": [f"No lead has the id {lead.pk + 1000}."]}}
    # With another event refused, the batch's unknown leads are named in the same answer.
    events = [event(lead=lead.pk + 1000), event(lead=lead.pk, campaign=999_999_999)]
    mixed = as_marketer.post(BATCH, {"events": events}, content_type="application/json")
    assert mixed.json()["errors"]["events"] == {
        "0": {"lead": [f"No lead has the id {lead.pk + 1000}."]},
        "1": {"campaign": ["No campaign has the id 999999999."]},
    }
    assert not Event.objects.exists()


def test_a_batch_that_is_empty_or_not_a_list_is_refused_whole(as_marketer):
    for body, message in (
        ({"events": []}, "Send at least one event."),
        ({"events": {"lead": 1}}, 'Expected a list of items but got type "dict".'),
        ({}, "This field is required."),
    ):
        response = as_marketer.post(BATCH, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"errors": {"events": [message]}}


def test_a_batch_records_every_field_and_reads_a_time_without_zone_as_ours(as_marketer):
    lead = LeadFactory(email="jane@acme.com")
    campaign = CampaignFactory()
    events = [
        event(
            email="JANE@acme.com",
            type="demo_request",
            occurred_at="2025-05-02T09:14:00",
            properties={"form": "contact-sales"},
            channel="paid_search",
            campaign=str(campaign.pk),
        ),
        event(lead=str(lead.pk), occurred_at="2025-05-02T11:14:00+02:00", source="website"),
    ]
    before = timezone.now()
    response = as_marketer.post(BATCH, {"events": events}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 2, "repeated": 0, "repeats": []}
    demo, page_view = Event.objects.order_by("type")
    # Stamped with their arrival, which the scoring sweep reads.
    assert before <= demo.created_at == page_view.created_at <= timezone.now()
    assert (demo.lead, demo.type, demo.channel, demo.campaign) == (
        lead,
        "demo_request",
        "paid_search",
        campaign,
    )
    assert demo.properties == {"form": "contact-sales"}
    at = timezone.make_aware(datetime(2025, 5, 2, 9, 14))
    assert demo.occurred_at == at
    assert (page_view.lead, page_view.occurred_at, page_view.properties) == (lead, at, {})
    assert (page_view.channel, page_view.campaign) == ("", None)
    assert (demo.source, page_view.source) == ("", "website")
    assert demo.idempotency_key is page_view.idempotency_key is None


def test_one_event_gets_the_same_messages_as_an_event_in_a_batch(as_marketer):
    lead = LeadFactory()
    bad = event(lead=lead.pk, type="page_vew", channel="carrier_pigeon", properties="x")
    single = as_marketer.post(EVENTS, bad, content_type="application/json")
    batch = as_marketer.post(BATCH, {"events": [bad]}, content_type="application/json")
    assert single.status_code == batch.status_code == 400
    assert single.json()["errors"] == batch.json()["errors"]["events"]["0"]
    assert list(single.json()["errors"]) == ["type", "properties", "channel"]
    assert not Event.objects.exists()


def test_an_event_posted_as_a_form_is_recorded(as_marketer):
    lead = LeadFactory()
    response = as_marketer.post(
        EVENTS,
        {
            "lead": lead.pk,
            "email": "",
            "type": "form_submit",
            "occurred_at": timezone.now().isoformat(),
            "properties": '{"form": "newsletter"}',
            "campaign": "",
        },
    )
    assert response.status_code == 201, response.json()
    recorded = Event.objects.get()
    assert (recorded.lead, recorded.type, recorded.properties, recorded.campaign) == (
        lead,
        "form_submit",
        {"form": "newsletter"},
        None,
    )


def test_events_recorded_by_another_caller_are_still_checked():
    lead = LeadFactory()
    with pytest.raises(ValidationError) as refused:
        events_record(events=[Event(lead=lead, type="page_vew", occurred_at=timezone.now())])
    assert "type" in refused.value.message_dict
    assert not Event.objects.exists()


@pytest.mark.parametrize("with_ids", [True, False])
def test_events_naming_a_lead_that_does_not_exist_are_all_refused(with_ids):
    lead = LeadFactory()
    events = [
        Event(lead_id=lead_id, type="page_view", occurred_at=timezone.now())
        for lead_id in (lead.pk, lead.pk + 1000, lead.pk)
    ]
    with pytest.raises(UnknownLeads) as refused:
        events_record(events=events, with_ids=with_ids)
    assert refused.value.errors == {1: {"lead": [f"No lead has the id {lead.pk + 1000}."]}}
    assert refused.value.messages == [f"No lead has the id {lead.pk + 1000}."]
    assert not Event.objects.exists()
    # The transaction goes on: the same events without the unknown lead are recorded.
    events_record(events=[events[0], events[2]], with_ids=with_ids)
    assert Event.objects.filter(lead=lead).count() == 2
