"""Shared insights on a persona, as the weekly persona review uses them: any role shares what it
heard, on the page (HTMX or a plain form) or through the API; marketing adopts an insight into
the profile or sets it aside; a resent form never shares it twice; bad input is refused with
a message and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from personas import selectors
from personas.models import INSIGHT_MAX_LENGTH, InsightStatus, PersonaInsight
from personas.services import persona_insight_decide, persona_insight_share

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HEARD = "Two demos this week opened with the HubSpot sync question."


def share_url(persona) -> str:
    return reverse("personas:insight_share", args=[persona.pk])


def decide_url(insight) -> str:
    return reverse("personas:insight_decide", args=[insight.pk])


def test_a_rep_shares_an_insight_that_both_teams_then_read(client_for, rep, marketer, make_persona):
    persona = make_persona()
    response = client_for(rep).post(
        share_url(persona), {"body": f"  {HEARD}  ", "section": "buying"}, **HTMX
    )
    assert response.status_code == 200
    section = response.content.decode()
    assert "Shared with both teams." in section
    assert HEARD in section
    insight = PersonaInsight.objects.get()
    assert (insight.body, insight.section, insight.author, insight.status) == (
        HEARD,
        "buying",
        rep,
        InsightStatus.OPEN,
    )
    page = client_for(marketer).get(persona.get_absolute_url()).content.decode()
    assert HEARD in page
    assert "Buying behaviour" in page
    assert 'data-testid="open-insights">1 open<' in page
    listing = client_for(marketer).get(reverse("personas:index")).content.decode()
    assert f'href="{persona.get_absolute_url()}#persona-insights">1</a>' in listing


def test_a_resent_form_shares_the_insight_once(client_for, rep, make_persona):
    persona = make_persona()
    client = client_for(rep)
    client.post(share_url(persona), {"body": HEARD}, **HTMX)
    again = client.post(share_url(persona), {"body": HEARD}, **HTMX)
    assert "You had already shared this." in again.content.decode()
    assert PersonaInsight.objects.count() == 1


def test_the_plain_form_redirects_back_to_the_insights(client_for, rep, make_persona):
    persona = make_persona()
    response = client_for(rep).post(share_url(persona), {"body": HEARD})
    assert response.status_code == 302
    assert response["Location"] == f"{persona.get_absolute_url()}#persona-insights"
    assert HEARD in client_for(rep).get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "   "}, "Write the insight: what did you hear or see?"),
        ({"body": "x" * (INSIGHT_MAX_LENGTH + 1)}, f"at most {INSIGHT_MAX_LENGTH:,} characters"),
        ({"body": HEARD, "section": "astrology"}, "Select a valid choice"),
    ],
)
def test_a_bad_insight_is_refused_with_a_message(client_for, rep, make_persona, data, message):
    persona = make_persona()
    swapped = client_for(rep).post(share_url(persona), data, **HTMX)
    assert swapped.status_code == 200
    assert message in swapped.content.decode()
    plain = client_for(rep).post(share_url(persona), data)
    assert plain.status_code == 400
    assert message in plain.content.decode()
    assert not PersonaInsight.objects.exists()


def test_marketing_adopts_an_insight_and_can_open_it_again(client_for, rep, marketer, make_persona):
    persona = make_persona()
    insight, _created = persona_insight_share(persona=persona, author=rep, body=HEARD)
    client = client_for(marketer)
    adopted = client.post(decide_url(insight), {"status": "adopted"}, **HTMX)
    assert "Adopted into the profile." in adopted.content.decode()
    insight.refresh_from_db()
    assert (insight.status, insight.decided_by) == (InsightStatus.ADOPTED, marketer)
    assert insight.decided_at is not None
    page = client.get(persona.get_absolute_url()).content.decode()
    assert 'data-testid="open-insights"' not in page
    assert 'data-status="adopted"' in page
    client.post(decide_url(insight), {"status": "open"}, **HTMX)
    insight.refresh_from_db()
    assert (insight.status, insight.decided_by, insight.decided_at) == (
        InsightStatus.OPEN,
        None,
        None,
    )


def test_sales_shares_but_does_not_decide(client_for, rep, make_persona):
    persona = make_persona()
    insight, _created = persona_insight_share(persona=persona, author=rep, body=HEARD)
    client = client_for(rep)
    page = client.get(persona.get_absolute_url()).content.decode()
    assert 'name="status" value="adopted"' not in page
    assert client.post(decide_url(insight), {"status": "adopted"}).status_code == 403
    insight.refresh_from_db()
    assert insight.status == InsightStatus.OPEN


def test_an_unknown_decision_is_refused_and_changes_nothing(
    client_for, rep, marketer, make_persona
):
    insight, _created = persona_insight_share(persona=make_persona(), author=rep, body=HEARD)
    response = client_for(marketer).post(decide_url(insight), {"status": "burn"}, **HTMX)
    assert response.status_code == 200
    assert "Not a status: burn" in response.content.decode()
    insight.refresh_from_db()
    assert insight.status == InsightStatus.OPEN


def test_deciding_twice_keeps_the_first_decision(rep, marketer, admin_user, make_persona):
    insight, _created = persona_insight_share(persona=make_persona(), author=rep, body=HEARD)
    first = persona_insight_decide(insight=insight, actor=marketer, status="set_aside")
    again = persona_insight_decide(insight=insight, actor=admin_user, status="set_aside")
    assert (again.decided_by, again.decided_at) == (marketer, first.decided_at)


def test_the_open_insights_come_first_and_the_cut_off_is_said(rep, marketer, make_persona):
    persona = make_persona()
    decided, _ = persona_insight_share(persona=persona, author=rep, body="Decided first")
    persona_insight_decide(insight=decided, actor=marketer, status="adopted")
    for number in range(3):
        persona_insight_share(persona=persona, author=rep, body=f"Open {number}")
    listing = selectors.persona_insights(persona, limit=3)
    assert [insight.body for insight in listing.insights] == ["Open 2", "Open 1", "Open 0"]
    assert listing.cut_off
    assert listing.open_count == 3


# --- the API -----------------------------------------------------------------------------------


def api_list(persona) -> str:
    return reverse("api:persona-insight-list", args=[persona.pk])


def test_the_api_shares_lists_and_decides(client_for, rep, marketer, make_persona):
    persona = make_persona()
    created = client_for(rep).post(
        api_list(persona), {"body": HEARD, "section": "buying"}, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["author"]["username"] == rep.username
    assert body["status"] == "open"
    repeated = client_for(rep).post(
        api_list(persona), {"body": HEARD, "section": "buying"}, content_type="application/json"
    )
    assert (repeated.status_code, repeated.json()["id"]) == (200, body["id"])

    detail = reverse("api:persona-insight-detail", args=[body["id"]])
    refused = client_for(rep).patch(detail, {"status": "adopted"}, content_type="application/json")
    assert refused.status_code == 403
    decided = client_for(marketer).patch(
        detail, {"status": "adopted"}, content_type="application/json"
    )
    assert decided.status_code == 200
    assert decided.json()["decided_by"]["username"] == marketer.username

    opened = client_for(rep).get(api_list(persona), {"status": "open"})
    assert opened.json()["results"] == []
    adopted = client_for(rep).get(api_list(persona), {"status": "adopted"})
    assert [row["id"] for row in adopted.json()["results"]] == [body["id"]]


def test_the_api_refuses_a_bad_insight_with_field_errors(client_for, rep, make_persona):
    persona = make_persona()
    blank = client_for(rep).post(api_list(persona), {"body": "  "}, content_type="application/json")
    assert blank.status_code == 400
    assert "body" in blank.json()["errors"]
    missing = client_for(rep).post(
        reverse("api:persona-insight-list", args=[persona.pk + 1000]),
        {"body": HEARD},
        content_type="application/json",
    )
    assert missing.status_code == 404
    assert not PersonaInsight.objects.exists()
