"""The journey and content API: stages with their questions, questions edited by marketing,
content assets created (by link or multipart upload), filtered, changed and deleted, sends and
their ratings — through the same services as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from rest_framework.test import APIClient

from journeys.models import ContentAsset, JourneyQuestion
from leads.content.models import ContentSend
from leads.content.services import content_send
from leads.models import Touch
from tests.factories import LeadFactory
from tests.journeys.conftest import EXE_BYTES, PDF_BYTES, asset, persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_stages_come_with_their_questions_in_order(api_for, rep):
    stages = api_for(rep).get("/api/journey-stages/").json()
    assert [each["key"] for each in stages] == [
        "awareness", "consideration", "decision", "purchase", "retention",
    ]  # fmt: skip
    assert stages[0]["questions"][0] == {
        "id": stages[0]["questions"][0]["id"],
        "stage": "awareness",
        "position": 1,
        "text": "What challenges are they currently facing?",
    }


def test_a_marketer_adds_and_rewords_a_question_and_a_rep_may_not(api_for, marketer, rep):
    client = api_for(marketer)
    created = client.post(
        "/api/journey-questions/", {"stage": "decision", "text": "Who signs?"}, format="json"
    )
    assert created.status_code == 201 and created.json()["position"] == 6
    question_id = created.json()["id"]
    changed = client.patch(
        f"/api/journey-questions/{question_id}/", {"text": "Who signs off?"}, format="json"
    )
    assert changed.json()["text"] == "Who signs off?"
    refused = api_for(rep).patch(
        f"/api/journey-questions/{question_id}/", {"text": "x"}, format="json"
    )
    assert refused.status_code == 403
    assert JourneyQuestion.objects.get(pk=question_id).text == "Who signs off?"


def test_a_blank_question_is_refused_by_field(api_for, marketer):
    response = api_for(marketer).post(
        "/api/journey-questions/", {"stage": "decision", "text": " "}, format="json"
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_an_asset_is_created_by_link_and_filtered(api_for, marketer, rep):
    mary = persona("Marketing Mary")
    body = {"title": "Battle card", "kind": "battle_card", "status": "live", "stages": ["decision"],
            "personas": [mary.pk], "link": "https://docs.example.com/card"}  # fmt: skip
    created = api_for(marketer).post("/api/content/", body, format="json")
    assert created.status_code == 201
    assert created.json()["stages"] == ["decision"] and created.json()["owner"] == marketer.pk
    asset("Other", stages=("awareness",))
    listed = api_for(rep).get("/api/content/", {"stage": "decision", "persona": mary.pk}).json()
    assert [each["title"] for each in listed["results"]] == ["Battle card"]


def test_an_asset_file_is_uploaded_as_multipart_and_checked(api_for, marketer):
    client = api_for(marketer)
    good = client.post("/api/content/", {"title": "Guide", "kind": "product_guide",
                       "file": SimpleUploadedFile("guide.pdf", PDF_BYTES)}, format="multipart")  # fmt: skip
    assert good.status_code == 201
    assert good.json()["file"].endswith(f"/content/{good.json()['id']}/file/")
    assert good.json()["file_type"] == "application/pdf"
    bad = client.post("/api/content/", {"title": "Setup", "kind": "other",
                      "file": SimpleUploadedFile("setup.pdf", EXE_BYTES)}, format="multipart")  # fmt: skip
    assert bad.status_code == 400
    assert "setup.pdf was refused" in bad.json()["errors"]["file"][0]
    assert ContentAsset.objects.count() == 1


def test_a_sent_asset_is_retired_not_deleted(api_for, marketer, rep):
    card = asset()
    content_send(asset=card, lead=LeadFactory(), by=rep)
    response = api_for(marketer).delete(f"/api/content/{card.pk}/")
    assert response.status_code == 400
    assert "retire it instead" in response.json()["errors"]["status"][0]
    unsent = asset("Unsent")
    assert api_for(marketer).delete(f"/api/content/{unsent.pk}/").status_code == 204
    assert list(ContentAsset.objects.values_list("title", flat=True)) == [card.title]


def test_a_rep_sends_and_rates_through_the_api(api_for, rep):
    lead = LeadFactory(owner=rep)
    card = asset()
    client = api_for(rep)
    sent = client.post(f"/api/leads/{lead.pk}/content-sends/", {"asset": card.pk}, format="json")
    assert sent.status_code == 201
    assert Touch.objects.get(lead=lead).pk == sent.json()["touch"]
    rated = client.put(
        f"/api/content-sends/{sent.json()['id']}/rating/",
        {"useful": True, "note": "Good"},
        format="json",
    )
    assert rated.status_code == 200 and rated.json()["useful"] is True
    listed = client.get("/api/content-sends/", {"asset": card.pk}).json()["results"]
    assert listed[0]["rating"]["note"] == "Good"
    suggested = client.get(f"/api/leads/{lead.pk}/suggested-content/").json()
    assert suggested[0]["asset"] == card.pk and suggested[0]["last_sent_at"] is not None


def test_a_marketer_may_not_send_and_another_rep_may_not_rate(api_for, marketer, rep, other_rep):
    lead = LeadFactory(owner=rep)
    card = asset()
    assert (
        api_for(marketer)
        .post(f"/api/leads/{lead.pk}/content-sends/", {"asset": card.pk}, format="json")
        .status_code
        == 403
    )
    send = content_send(asset=card, lead=lead, by=rep)
    refused = api_for(other_rep).put(
        f"/api/content-sends/{send.pk}/rating/", {"useful": False}, format="json"
    )
    assert refused.status_code == 403
    assert "Only the rep who sent" in refused.json()["errors"]["detail"][0]
    assert ContentSend.objects.count() == 1


def test_the_persona_page_piece_lists_the_personas_live_content():
    mary = persona("Marketing Mary")
    asset("For Mary", personas=("Marketing Mary",))
    asset("Draft for Mary", personas=("Marketing Mary",), status="draft")
    asset("For Ivan", personas=("IT Ivan",))
    html = Template('{% include "personas/_content.html" %}').render(Context({"persona": mary}))
    assert "For Mary" in html and "Draft for Mary" not in html and "For Ivan" not in html
