"""The personas API as an integration uses it: every role reads, marketing and admins write,
with the same validation as the pages and one error shape."""

from __future__ import annotations

import pytest
from django.urls import reverse

from personas.models import Persona
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

PERSONAS = reverse("api:persona-list")


def detail(persona: Persona, part: str = "detail") -> str:
    return reverse(f"api:persona-{part}", args=[persona.pk])


def test_every_role_lists_personas_with_owner_lead_count_and_review_flag(
    client_for, users_by_role, make_persona, marketer
):
    persona = make_persona(buying_factors=["price"])
    LeadFactory.create_batch(2, persona=persona)
    for user in users_by_role.values():
        body = client_for(user).get(PERSONAS).json()
        [row] = body["results"]
        assert row["name"] == "Marketing Mary" and row["lead_count"] == 2
        assert row["owner"]["username"] == marketer.username
        assert row["needs_review"] is False and row["buying_factors"] == ["price"]
    assert body["next"] is None


def test_a_marketer_creates_a_persona_and_reads_it_back(client_for, marketer):
    response = client_for(marketer).post(
        PERSONAS,
        {"name": "Founder Fiona", "age_min": 28, "age_max": 42, "industries": ["Media"],
         "contact_channels": ["chat", "email"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["contact_channels"] == ["email", "chat"]
    assert body["owner"]["id"] == marketer.pk and body["lead_count"] == 0
    persona = Persona.objects.get()
    assert persona.history.get().history_user == marketer
    assert client_for(marketer).get(detail(persona)).json()["industries"] == ["Media"]


def test_a_sales_rep_may_read_but_not_write(client_for, rep, make_persona):
    persona = make_persona()
    client = client_for(rep)
    assert client.get(detail(persona)).status_code == 200
    refused = client.post(PERSONAS, {"name": "X"}, content_type="application/json")
    assert refused.status_code == 403 and "errors" in refused.json()
    assert (
        client.patch(detail(persona), {"name": "Y"}, content_type="application/json").status_code
        == 403
    )
    assert client.delete(detail(persona)).status_code == 403
    assert client.post(detail(persona, "review")).status_code == 403
    assert Persona.objects.get().name == "Marketing Mary"


def test_bad_input_is_answered_with_field_errors_and_saves_nothing(
    client_for, marketer, make_persona
):
    client = client_for(marketer)
    response = client.post(
        PERSONAS, {"name": "X", "age_min": 50, "age_max": 30}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"age_max": ["The oldest age (30) must not be below the youngest (50)."]}
    }
    choice = client.post(
        PERSONAS, {"name": "X", "social_platforms": ["myspace"]}, content_type="application/json"
    )
    assert choice.status_code == 400 and "social_platforms" in choice.json()["errors"]
    make_persona("Taken")
    taken = client.post(PERSONAS, {"name": "Taken"}, content_type="application/json")
    assert taken.status_code == 400 and "name" in taken.json()["errors"]
    assert list(Persona.objects.values_list("name", flat=True)) == ["Taken"]


def test_a_patch_changes_only_what_it_sends_and_a_refused_one_nothing(
    client_for, admin_user, make_persona
):
    persona = make_persona(income_min=50_000, location="London")
    client = client_for(admin_user)
    ok = client.patch(detail(persona), {"location": "Berlin"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["income_min"] == 50_000
    refused = client.patch(detail(persona), {"income_max": 10}, content_type="application/json")
    assert refused.status_code == 400 and "income_max" in refused.json()["errors"]
    persona.refresh_from_db()
    assert (persona.location, persona.income_max) == ("Berlin", None)


def test_review_and_delete(client_for, marketer, make_persona):
    persona = make_persona()
    Persona.objects.filter(pk=persona.pk).update(last_reviewed_on=None)
    client = client_for(marketer)
    reviewed = client.post(detail(persona, "review"))
    assert reviewed.status_code == 200 and reviewed.json()["needs_review"] is False
    lead = LeadFactory(persona=persona)
    assert client.delete(detail(persona)).status_code == 204
    lead.refresh_from_db()
    assert lead.persona is None
    assert client.get(detail(persona)).status_code == 404
