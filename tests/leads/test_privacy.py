"""A person's rights over their lead's data, as an admin carries them out on request: the
export holds everything the portal keeps on the lead; the erasure removes what names the
person and keeps every count; both are recorded, only admins may make them, and the consent
status says where and when it was set."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from leads.lifecycle import lead_move_stage
from leads.models import (
    Consent,
    Event,
    Lead,
    Note,
    PrivacyRequest,
    Stage,
    StageTransition,
    Touch,
)
from leads.services import events_record, lead_update, note_add, touch_log
from tests.factories import CompanyFactory, EventFactory, LeadFactory
from tests.leads.scoring.helpers import make_model

pytestmark = pytest.mark.django_db

EMAIL = "jane.doe@acme.example"


@pytest.fixture
def jane(rep, admin_user):
    """A lead with a company, an owner, events (one a scoring rule reads a property of), a
    stage change with a rep's reason, a touch and a note."""
    lead = LeadFactory(
        email=EMAIL, first_name="Jane", last_name="Doe", job_title="VP Marketing",
        phone="+44 20 7946 0000", city="London", seniority="vp", country="GB",
        company=CompanyFactory(name="Acme", domain="acme.example"), owner=rep,
        consent=Consent.GRANTED,
    )  # fmt: skip
    make_model(engagement=[{"event_type": "page_view", "property_key": "path",
                            "property_operator": "contains", "property_value": "pricing",
                            "points": 5}])  # fmt: skip
    EventFactory(lead=lead, type="page_view", properties={"path": "/pricing", "q": EMAIL})
    EventFactory(lead=lead, type="form_submit", properties={"name": "Jane Doe", "phone": "0207"})
    EventFactory(lead=lead, type="email_open", properties={})
    lead_move_stage(lead=lead, to_stage=Stage.MQL, actor=admin_user, reason="Jane asked for a call")
    touch_log(lead=lead, by=rep, kind="call", outcome="connected", note="Jane is keen")
    note_add(lead=lead, author=rep, body="Jane's budget is 20k")
    return Lead.objects.get(pk=lead.pk)


def export_url(lead) -> str:
    return reverse("leads:privacy_export", args=[lead.pk])


def erase_url(lead) -> str:
    return reverse("leads:privacy_erase", args=[lead.pk])


# --- export ------------------------------------------------------------------------------------


def test_an_admin_exports_everything_held_on_a_lead_as_json_and_it_is_recorded(
    jane, client_for, admin_user
):
    response = client_for(admin_user).post(export_url(jane), {"reference": "DSR-41"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="lead-{jane.pk}-' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["lead"]["email"] == EMAIL and data["lead"]["phone"] == "+44 20 7946 0000"
    assert data["company"]["name"] == "Acme"
    assert len(data["events"]) == 3
    assert [row["to_stage"] for row in data["stage_transitions"]] == ["mql"]
    assert [row["note"] for row in data["touches"]] == ["Jane is keen"]
    assert [row["body"] for row in data["notes"]] == ["Jane's budget is 20k"]
    assert data["sla_clocks"] == [] or all(row["lead_id"] == jane.pk for row in data["sla_clocks"])
    record = PrivacyRequest.objects.get()
    assert (record.kind, record.lead_id, record.reference, record.actor) == (
        "export",
        jane.pk,
        "DSR-41",
        admin_user,
    )
    assert record.email_digest == hashlib.sha256(EMAIL.encode()).hexdigest()
    assert data["privacy_requests"][0]["id"] == record.pk
    page = client_for(admin_user).get(jane.get_absolute_url()).content.decode()
    assert "Export on " in page and "DSR-41" in page


@pytest.mark.parametrize("role", ["marketer", "rep", "sales_manager", "marketing_manager"])
def test_only_an_admin_exports_or_erases(jane, client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    assert client.post(export_url(jane)).status_code == 403
    assert client.post(erase_url(jane), {"confirm_email": EMAIL}).status_code == 403
    assert 'data-testid="privacy"' not in client.get(jane.get_absolute_url()).content.decode()
    assert not PrivacyRequest.objects.exists()
    assert Lead.objects.get(pk=jane.pk).email == EMAIL


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_removes_what_names_the_person_and_keeps_every_count(jane, client_for, admin_user):
    transitions = StageTransition.objects.filter(lead=jane).count()
    client = client_for(admin_user)
    assert EMAIL in client.get(erase_url(jane)).content.decode()
    # A mistyped confirmation erases nothing.
    page = client.post(erase_url(jane), {"confirm_email": "jane@acme.example"})
    assert page.status_code == 200
    assert "Type the lead&#x27;s e-mail address exactly" in page.content.decode()
    assert Lead.objects.get(pk=jane.pk).first_name == "Jane"
    assert not PrivacyRequest.objects.exists()

    response = client.post(erase_url(jane), {"confirm_email": EMAIL.upper(), "reference": "T-9"})
    assert response.status_code == 302
    lead = Lead.objects.get(pk=jane.pk)
    assert lead.email == f"erased-{jane.pk}@erased.invalid"
    assert (lead.first_name, lead.last_name, lead.job_title, lead.phone, lead.city) == ("",) * 5
    # What the scoring and the reports group by stays.
    assert (lead.seniority, lead.country.code, lead.company.name, lead.owner) == (
        "vp",
        "GB",
        "Acme",
        jane.owner,
    )
    assert (lead.consent, lead.unsubscribed, lead.consent_source) == (
        "withdrawn",
        True,
        "Erased on request",
    )
    assert lead.erased_at is not None and lead.consent_at == lead.erased_at
    assert not Note.objects.filter(lead=lead).exists()
    assert list(Touch.objects.filter(lead=lead).values_list("note", flat=True)) == [""]
    assert StageTransition.objects.filter(lead=lead).count() == transitions
    assert not StageTransition.objects.filter(lead=lead).exclude(reason="").exists()
    # The events stay, with only the property a scoring rule reads.
    assert sorted(Event.objects.filter(lead=lead).values_list("type", flat=True)) == [
        "email_open",
        "form_submit",
        "page_view",
    ]
    assert {event.type: event.properties for event in Event.objects.filter(lead=lead)} == {
        "page_view": {"path": "/pricing"},
        "form_submit": {},
        "email_open": {},
    }
    assert "Jane" not in lead.search.text and "jane" not in lead.search.text
    record = PrivacyRequest.objects.get()
    assert (record.kind, record.reference, record.actor) == ("erasure", "T-9", admin_user)
    assert record.email_digest == hashlib.sha256(EMAIL.encode()).hexdigest()
    assert record.removed == {
        "notes": 1,
        "touch_notes": 1,
        "stage_change_reasons": 1,
        "event_properties": 2,
    }
    page = client.get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="erased"' in page and "Erasure on " in page
    assert "Jane" not in page and EMAIL not in page


def test_an_erased_lead_takes_no_new_personal_data_but_its_stage_still_moves(
    jane, admin_user, rep, client_for
):
    from leads.privacy import lead_erase

    lead_erase(lead=jane, actor=admin_user, confirm_email=EMAIL)
    lead = Lead.objects.get(pk=jane.pk)
    with pytest.raises(ValidationError, match="erased"):
        lead_erase(lead=lead, actor=admin_user, confirm_email=lead.email)
    with pytest.raises(ValidationError, match="erased"):
        lead_update(lead=lead, first_name="Jane")
    client = client_for(rep)
    client.post(reverse("leads:add_note", args=[lead.pk]), {"body": "Jane called back"})
    client.post(reverse("leads:log_touch", args=[lead.pk]),
                {"kind": "call", "outcome": "connected", "note": "Jane again"})  # fmt: skip
    assert not Note.objects.filter(lead=lead).exists()
    assert list(Touch.objects.filter(lead=lead).values_list("note", flat=True)) == [""]
    assert PrivacyRequest.objects.filter(kind="erasure").count() == 1
    # Sales still closes it.
    lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=rep)
    assert Lead.objects.get(pk=jane.pk).stage == Stage.SAL


# --- API ---------------------------------------------------------------------------------------


def test_the_api_exports_and_erases_for_admins(jane, client_for, admin_user, marketer):
    export = reverse("api:lead-export", args=[jane.pk])
    erase = reverse("api:lead-erase", args=[jane.pk])
    assert client_for(marketer).get(export).status_code == 403
    assert client_for(marketer).post(erase, {"confirm_email": EMAIL}).status_code == 403
    client = client_for(admin_user)
    data = client.get(export, {"reference": "API-1"}).json()
    assert data["lead"]["email"] == EMAIL and len(data["events"]) == 3
    wrong = client.post(erase, {"confirm_email": "someone@else.example"}, "application/json")
    assert wrong.status_code == 400 and "confirm_email" in wrong.json()["errors"]
    done = client.post(erase, {"confirm_email": EMAIL}, "application/json")
    assert done.status_code == 200
    assert done.json()["kind"] == "erasure" and done.json()["removed"]["notes"] == 1
    again = client.post(erase, {"confirm_email": EMAIL}, "application/json")
    assert again.status_code == 400
    assert [r.kind for r in PrivacyRequest.objects.order_by("at")] == ["export", "erasure"]
    shown = client.get(reverse("api:lead-detail", args=[jane.pk])).json()
    assert shown["erased_at"] is not None and shown["consent"] == "withdrawn"


# --- consent -----------------------------------------------------------------------------------


def test_the_consent_status_says_where_and_when_it_was_set(client_for, marketer, admin_user):
    client = client_for(marketer)
    created = client.post(
        reverse("api:lead-list"), {"email": "ann@example.com", "consent": "granted"},
        "application/json",
    ).json()  # fmt: skip
    assert (created["consent"], created["consent_source"]) == ("granted", "API")
    assert created["consent_at"] is not None
    lead = Lead.objects.get(pk=created["id"])
    stamped = lead.consent_at
    # The same status again changes nothing; a new one is stamped anew.
    lead_update(lead=lead, consent="granted", consent_source="Phone call")
    assert Lead.objects.get(pk=lead.pk).consent_at == stamped
    events_record(events=[Event(lead=lead, type="unsubscribe", occurred_at=stamped)])
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.consent, lead.consent_source, lead.unsubscribed) == (
        "withdrawn",
        "An unsubscribe event",
        True,
    )
    assert lead.consent_at > stamped
    page = client_for(admin_user).get(lead.get_absolute_url()).content.decode()
    assert "An unsubscribe event" in page
    # A new lead without a status has no stamp.
    bare = client.post(reverse("api:lead-list"), {"email": "bo@example.com"}, "application/json")
    assert (bare.json()["consent"], bare.json()["consent_at"]) == ("unknown", None)
