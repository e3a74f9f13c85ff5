"""An event delivered twice counts once: events with an idempotency key are stored once per
source, one at a time, in batches and under concurrent identical requests; and an unsubscribe
withdraws the lead's consent, whichever way it arrives."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leads.events import IDEMPOTENCY_KEY_MAX_LENGTH
from leads.models import Consent, Event, Lead
from leads.scoring.services import scoring_model_activate
from leads.services import events_record
from tests.factories import LeadFactory
from tests.helpers import in_threads
from tests.leads.scoring.helpers import make_model

EVENTS = reverse("api:event-create")
BATCH = reverse("api:event-batch")


@pytest.fixture
def as_marketer(client_for, marketer):
    return client_for(marketer)


def event(**fields) -> dict:
    return {"type": "demo_request", "occurred_at": timezone.now().isoformat(), **fields}


def post(client: Client, url: str, data: dict, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def _demo_requests_model():
    """Ten points a demo request, capped at 100: a repeat counted again would show."""
    model = make_model(engagement=[{"event_type": "demo_request", "points": 10, "cap": 100}])
    scoring_model_activate(model=model, actor=None)


# --- one event ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_repeated_event_is_answered_with_the_stored_one_and_not_stored_again(as_marketer):
    lead = LeadFactory()
    sent = event(lead=lead.pk, source="website", idempotency_key="form-42")
    first = post(as_marketer, EVENTS, sent)
    again = post(as_marketer, EVENTS, {**sent, "properties": {"changed": True}})
    assert first.status_code == 201, first.json()
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert first.json()["idempotency_key"] == "form-42"
    assert first.json()["source"] == "website"
    assert Event.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_the_key_may_come_in_the_idempotency_key_header(as_marketer):
    lead = LeadFactory()
    first = post(as_marketer, EVENTS, event(lead=lead.pk), **{"Idempotency-Key": "abc"})
    in_body = post(as_marketer, EVENTS, event(lead=lead.pk, idempotency_key="abc"))
    assert (first.status_code, in_body.status_code) == (201, 200)
    assert in_body.json()["id"] == first.json()["id"]
    assert Event.objects.get().idempotency_key == "abc"


@pytest.mark.django_db
def test_a_header_and_a_field_that_disagree_are_refused(as_marketer):
    lead = LeadFactory()
    response = post(
        as_marketer, EVENTS, event(lead=lead.pk, idempotency_key="a"), **{"Idempotency-Key": "b"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "idempotency_key": ["The Idempotency-Key header and this field differ: give one."]
        }
    }
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_key_sent_from_another_source_is_another_event(as_marketer):
    lead = LeadFactory()
    website = post(as_marketer, EVENTS, event(lead=lead.pk, source="website", idempotency_key="1"))
    mailer = post(as_marketer, EVENTS, event(lead=lead.pk, source="mailer", idempotency_key="1"))
    no_source = post(as_marketer, EVENTS, event(lead=lead.pk, idempotency_key="1"))
    assert [website.status_code, mailer.status_code, no_source.status_code] == [201, 201, 201]
    assert set(Event.objects.values_list("source", flat=True)) == {"website", "mailer", ""}


@pytest.mark.django_db
def test_events_without_a_key_are_all_stored(as_marketer):
    lead = LeadFactory()
    sent = event(lead=lead.pk, occurred_at="2025-05-02T09:14:00Z")
    assert [post(as_marketer, EVENTS, sent).status_code for _ in range(2)] == [201, 201]
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_a_key_too_long_or_empty_is_refused_with_a_clear_message(as_marketer):
    lead = LeadFactory()
    too_long = "k" * (IDEMPOTENCY_KEY_MAX_LENGTH + 1)
    response = post(as_marketer, EVENTS, event(lead=lead.pk, idempotency_key=too_long))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "idempotency_key": [
                "An idempotency key holds at most 255 characters; this one has 256."
            ]
        }
    }
    empty = post(as_marketer, EVENTS, event(lead=lead.pk, idempotency_key=""))
    assert empty.json() == {"errors": {"idempotency_key": ["Give a key, or leave the field out."]}}
    long_source = post(as_marketer, EVENTS, event(lead=lead.pk, source="s" * 101))
    assert long_source.json() == {
        "errors": {"source": ["A source holds at most 100 characters; this one has 101."]}
    }
    nul = post(as_marketer, EVENTS, event(lead=lead.pk, idempotency_key="a\x00b"))
    assert nul.json() == {"errors": {"idempotency_key": ["Null characters are not allowed."]}}
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_repeat_posted_as_a_form_is_answered_with_the_stored_event(as_marketer):
    lead = LeadFactory()
    fields = {"lead": lead.pk, "type": "page_view", "occurred_at": timezone.now().isoformat()}
    first = as_marketer.post(EVENTS, {**fields, "idempotency_key": "f-1"})
    again = as_marketer.post(EVENTS, {**fields, "idempotency_key": "f-1"})
    keyless = as_marketer.post(EVENTS, {**fields, "idempotency_key": ""})
    assert [first.status_code, again.status_code, keyless.status_code] == [201, 200, 201]
    assert keyless.json()["idempotency_key"] is None
    assert Event.objects.count() == 2


# --- batches -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_stores_only_the_events_not_stored_before(as_marketer):
    lead = LeadFactory()
    first = post(as_marketer, BATCH, {"events": [event(lead=lead.pk, idempotency_key="a")]})
    stored_id = Event.objects.get().pk
    events = [
        event(lead=lead.pk, type="page_view"),
        event(lead=lead.pk, idempotency_key="a"),
        event(lead=lead.pk, idempotency_key="b"),
    ]
    response = post(as_marketer, BATCH, {"events": events})
    assert first.json() == {"created": 1, "repeated": 0, "repeats": []}
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "created": 2,
        "repeated": 1,
        "repeats": [{"index": 1, "id": stored_id}],
    }
    assert sorted(Event.objects.values_list("idempotency_key", flat=True), key=str) == [
        None,
        "a",
        "b",
    ]


@pytest.mark.django_db
def test_a_key_repeated_inside_one_batch_is_stored_once(as_marketer):
    lead = LeadFactory()
    events = [
        event(lead=lead.pk, idempotency_key="x"),
        event(lead=lead.pk, idempotency_key="x", source="mailer"),
        event(lead=lead.pk, idempotency_key="x"),
    ]
    response = post(as_marketer, BATCH, {"events": events})
    assert response.status_code == 201, response.json()
    stored = Event.objects.get(source="", idempotency_key="x")
    assert response.json() == {
        "created": 2,
        "repeated": 1,
        "repeats": [{"index": 2, "id": stored.pk}],
    }
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_sent_twice_is_stored_once_and_scored_once(
    as_marketer, django_capture_on_commit_callbacks
):
    _demo_requests_model()
    lead = LeadFactory()
    events = [event(lead=lead.pk, idempotency_key=f"k{n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        post(as_marketer, BATCH, {"events": events})
    lead.refresh_from_db()
    once = lead.engagement_score
    with django_capture_on_commit_callbacks(execute=True) as scored:
        again = post(as_marketer, BATCH, {"events": events})
    assert not scored, "a batch of repeats asked for its leads to be scored again"
    assert again.json()["created"] == 0
    assert [repeat["index"] for repeat in again.json()["repeats"]] == [0, 1, 2]
    lead.refresh_from_db()
    assert Event.objects.count() == 3
    assert lead.engagement_score == once == 30


@pytest.mark.django_db
def test_a_batch_of_1000_keyed_events_half_of_them_repeats_takes_a_few_queries(
    as_marketer, django_assert_max_num_queries
):
    leads = LeadFactory.create_batch(10)
    post(as_marketer, BATCH, {"events": [event(lead=leads[0].pk, idempotency_key=f"k{n}")
                                         for n in range(0, 1000, 2)]})  # fmt: skip
    events = [event(lead=leads[n % 10].pk, idempotency_key=f"k{n}") for n in range(1000)]
    # The session, its user, the roles; a savepoint, one insert, the stored events of the
    # repeats, the foreign keys checked at once (two statements), its release.
    with django_assert_max_num_queries(9):
        response = post(as_marketer, BATCH, {"events": events})
    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["repeated"]) == (500, 500)
    assert Event.objects.count() == 1000


@pytest.mark.django_db
def test_a_keyed_batch_naming_an_unknown_lead_stores_nothing(as_marketer):
    lead = LeadFactory()
    events = [event(lead=lead.pk, idempotency_key="a"), event(lead=lead.pk + 1000)]
    response = post(as_marketer, BATCH, {"events": events})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"events": {"1": {"lead": [f"No lead has the id {lead.pk + 1000}."]}}}
    }
    assert not Event.objects.exists()


# --- concurrent repeats ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_at_once_store_one_event_and_score_it_once(client_for, marketer):
    _demo_requests_model()
    lead, control = LeadFactory(), LeadFactory()
    occurred_at = timezone.now().isoformat()
    post(client_for(marketer), EVENTS, event(lead=control.pk, occurred_at=occurred_at))
    clients = iter([client_for(marketer) for _ in range(20)])
    sent = event(lead=lead.pk, occurred_at=occurred_at, source="crm", idempotency_key="evt-1")

    answers = in_threads(lambda: post(next(clients), EVENTS, sent), count=20)

    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert Event.objects.filter(lead=lead).count() == 1
    lead.refresh_from_db()
    control.refresh_from_db()
    assert lead.engagement_score == control.engagement_score == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_keys_in_any_order_store_each_key_once(client_for, marketer):
    lead = LeadFactory()
    keys = [f"k{n}" for n in range(50)]
    batches = iter(
        [
            [event(lead=lead.pk, idempotency_key=key) for key in order]
            for order in (keys, keys[::-1], keys[25:] + keys[:25], keys[::2])
        ]
    )
    clients = iter([client_for(marketer) for _ in range(4)])

    answers = in_threads(lambda: post(next(clients), BATCH, {"events": next(batches)}), count=4)

    assert [answer.status_code for answer in answers] == [201] * 4
    assert sum(answer.json()["created"] for answer in answers) == 50
    assert Event.objects.count() == 50


# --- unsubscribe -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unsubscribe_event_sets_the_flag_and_withdraws_consent(as_marketer):
    lead = LeadFactory(consent=Consent.GRANTED)
    response = post(as_marketer, EVENTS, event(lead=lead.pk, type="unsubscribe"))
    assert response.status_code == 201, response.json()
    lead.refresh_from_db()
    assert (lead.unsubscribed, lead.consent) == (True, Consent.WITHDRAWN)


@pytest.mark.django_db
def test_an_unsubscribe_in_a_batch_or_through_the_service_unsubscribes_its_lead_only(as_marketer):
    in_batch, by_service, other = LeadFactory.create_batch(3, consent=Consent.GRANTED)
    events = [event(lead=in_batch.pk, type="unsubscribe"), event(lead=other.pk)]
    post(as_marketer, BATCH, {"events": events})
    events_record(
        events=[Event(lead=by_service, type="unsubscribe", occurred_at=timezone.now())],
        with_ids=False,
    )
    unsubscribed = dict(Lead.objects.values_list("pk", "consent"))
    assert unsubscribed == {
        in_batch.pk: Consent.WITHDRAWN,
        by_service.pk: Consent.WITHDRAWN,
        other.pk: Consent.GRANTED,
    }
    assert set(Lead.objects.filter(unsubscribed=True)) == {in_batch, by_service}


@pytest.mark.django_db
def test_the_service_gives_each_event_as_stored_keyed_or_not():
    lead = LeadFactory()
    at = timezone.now()
    stored = events_record(events=[Event(lead=lead, type="page_view", occurred_at=at,
                                         idempotency_key="b")])  # fmt: skip
    given = [
        Event(lead=lead, type=event_type, occurred_at=at, idempotency_key=key)
        for event_type, key in [("email_open", None), ("page_view", "b"), ("demo_request", "a"),
                                ("email_click", None), ("demo_request", "a")]
    ]  # fmt: skip
    recorded = events_record(events=given)
    assert recorded.repeats == [1, 4]
    assert recorded.created == 3
    by_id = {event.pk: event for event in Event.objects.all()}
    assert [by_id[event.pk].type for event in recorded.events] == [
        "email_open", "page_view", "demo_request", "email_click", "demo_request"
    ]  # fmt: skip
    assert recorded.events[1].pk == stored.events[0].pk
    assert recorded.events[4].pk == recorded.events[2].pk
    assert len(by_id) == 4
