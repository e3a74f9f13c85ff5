"""Sales feedback: accept or reject with a reason code on the lead page, the sales feedback page
by source, campaign and persona, and its API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.feedback.selectors import feedback_by
from leads.lifecycle import lead_move_stage
from leads.models import Lead, Stage, StageTransition
from personas.models import Persona
from smarketing.roles import Role
from tests.factories import CampaignFactory, LeadFactory, rejection_reason

pytestmark = pytest.mark.django_db


def _decide(lead: Lead, rep, to_stage: str, code: str = "", note: str = "", at=None):
    lead_move_stage(
        lead=lead,
        to_stage=to_stage,
        actor=rep,
        reason=note,
        rejection_reason=rejection_reason(code) if code else None,
        at=at,
    )


@pytest.fixture
def decided(rep):
    """Three sources' MQLs decided this week: ads mostly rejected for no budget, referrals
    accepted, one event lead disqualified as a competitor; and one decision long ago."""
    webinar = CampaignFactory(name="Spring webinar")
    persona = Persona.objects.create(name="Revenue leader")
    for n in range(4):
        lead = LeadFactory(stage=Stage.MQL, original_channel="paid_social", campaign=webinar)
        _decide(lead, rep, Stage.RECYCLED if n else Stage.SAL, "no-budget" if n else "")
    for _ in range(2):
        lead = LeadFactory(stage=Stage.MQL, original_channel="referral", persona=persona)
        _decide(lead, rep, Stage.SAL)
    lead = LeadFactory(stage=Stage.MQL, original_channel="event", persona=persona)
    _decide(lead, rep, Stage.DISQUALIFIED, "competitor", "Works at Rival Inc")
    old = LeadFactory(stage=Stage.MQL, original_channel="event")
    _decide(old, rep, Stage.RECYCLED, "no-response", at=timezone.now() - timedelta(days=200))
    # Not decisions: a rule's move, and a stage move after acceptance.
    LeadFactory(stage=Stage.LEAD)
    return {"webinar": webinar, "persona": persona}


def test_the_decisions_group_by_source_with_the_most_rejected_first(decided):
    feedback = feedback_by("source", since=timezone.now() - timedelta(days=30))
    rows = [(g.name, g.decided, g.accepted, g.rejected, g.top_reasons) for g in feedback.groups]
    assert rows == [
        ("Paid social", 4, 1, 3, [("No budget", 3)]),
        ("Event", 1, 0, 1, [("Competitor", 1)]),
        ("Referral", 2, 2, 0, []),
    ]
    assert feedback.reasons == [("No budget", 3), ("Competitor", 1)]
    assert feedback.groups[0].accepted_percent == 25


def test_by_campaign_and_persona_a_lead_without_one_counts_under_none(decided):
    since = timezone.now() - timedelta(days=30)
    campaigns = {
        g.name: (g.accepted, g.rejected) for g in feedback_by("campaign", since=since).groups
    }
    assert campaigns == {"Spring webinar": (1, 3), "None": (2, 1)}
    personas = {
        g.name: (g.accepted, g.rejected) for g in feedback_by("persona", since=since).groups
    }
    assert personas == {"Revenue leader": (2, 1), "None": (1, 3)}


def test_the_feedback_page_shows_reasons_and_groups_to_every_role(
    decided, client_for, users_by_role
):
    for user in users_by_role.values():
        page = client_for(user).get(reverse("feedback:index"), {"by": "source"}).content.decode()
        assert "Why sales rejected leads" in page
        totals = page.split('data-testid="reason-totals"')[1].split("</table>")[0]
        assert "No budget" in totals and "Competitor" in totals and "No response" not in totals
        groups = page.split('data-testid="feedback-groups"')[1].split("</table>")[0]
        assert groups.index("Paid social") < groups.index("Event") < groups.index("Referral")
    year = client_for(users_by_role[Role.MARKETING]).get(reverse("feedback:index"), {"days": "365"})
    assert "No response" in year.content.decode()


def test_the_feedback_page_answers_htmx_with_its_results_and_ignores_bad_choices(
    decided, client_for, marketer
):
    client = client_for(marketer)
    part = client.get(
        reverse("feedback:index"), {"by": "persona"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert part.lstrip().startswith('<div id="feedback-results"') and "Revenue leader" in part
    odd = client.get(reverse("feedback:index"), {"by": "shoe size", "days": "7000"})
    assert odd.status_code == 200 and "Paid social" in odd.content.decode()


def test_the_feedback_page_costs_the_same_queries_at_any_size(
    client_for, marketer, rep, django_assert_max_num_queries
):
    client = client_for(marketer)
    for size in (2, 20):
        for _ in range(size):
            lead = LeadFactory(stage=Stage.MQL, campaign=CampaignFactory())
            _decide(lead, rep, Stage.RECYCLED, "no-budget")
        # The session, its user and roles; the decisions grouped; the glossary's labels.
        with django_assert_max_num_queries(5):
            response = client.get(reverse("feedback:index"), {"by": "campaign"})
        assert response.content.decode().count('data-testid="feedback-group"') == (
            2 if size == 2 else 22
        )


def test_a_rep_decides_on_the_lead_page(client_for, rep):
    rejection_reason("bad-contact-data")
    lead = LeadFactory(stage=Stage.MQL)
    client = client_for(rep)
    page = client.get(lead.get_absolute_url()).content.decode()
    decision = page.split('data-testid="sales-decision"')[1].split("</div></div>")[0]
    assert "Accept" in decision and "Bad contact data" in decision
    response = client.post(
        reverse("leads:queue_reject", args=[lead.pk]),
        {"rejection_reason": "bad-contact-data", "next": lead.get_absolute_url()},
        follow=True,
    )
    assert response.redirect_chain == [(lead.get_absolute_url(), 302)]
    page = response.content.decode()
    assert f"Recycled {lead}: “Bad contact data” goes to marketing." in page
    assert 'data-testid="sales-decision"' not in page  # no longer an MQL
    timeline = page.split('data-testid="rejection-reason"')[1]
    assert "Bad contact data" in timeline.split("</div>")[0]


def test_marketing_sees_no_decision_on_the_lead_page(client_for, marketer):
    lead = LeadFactory(stage=Stage.MQL)
    page = client_for(marketer).get(lead.get_absolute_url()).content.decode()
    assert 'data-testid="sales-decision"' not in page


def test_the_move_form_carries_the_reason_code(client_for, rep):
    lead = LeadFactory(stage=Stage.SAL, owner=rep)
    client = client_for(rep)
    refused = client.post(
        reverse("leads:move", args=[lead.pk]), {"to_stage": "recycled", "reason": "x"}, follow=True
    )
    assert "Choose a reason to move a lead to Recycled." in refused.content.decode()
    client.post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "recycled", "rejection_reason": "no-response", "reason": ""},
    )
    rejection_reason("no-response")
    assert StageTransition.objects.get(lead=lead).rejection_reason.code == "no-response"


def test_an_unknown_reason_code_is_refused_clearly(client_for, rep):
    lead = LeadFactory(stage=Stage.MQL)
    response = client_for(rep).post(
        f"/api/leads/{lead.pk}/stage/",
        {"stage": "recycled", "rejection_reason": "too-tall"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "rejection_reason" in response.json()["errors"]
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


# --- API -----------------------------------------------------------------------------------------


def test_the_api_lists_the_reason_codes_with_retired_ones_marked(client_for, rep):
    retired = rejection_reason("competitor")
    retired.active = False
    retired.save()
    codes = {
        row["code"]: row["active"] for row in client_for(rep).get("/api/rejection-reasons/").json()
    }
    assert codes["competitor"] is False and codes["no-budget"] is True
    assert client_for(rep).get("/api/rejection-reasons/").json()[0]["code"] == "no-budget"


def test_the_api_lists_decisions_filtered(decided, client_for, marketer):
    client = client_for(marketer)
    rejected = client.get("/api/feedback/", {"verdict": "rejected"}).json()["results"]
    assert sorted(row["rejection_reason"] for row in rejected) == ["competitor", *["no-budget"] * 3]
    assert {row["outcome"] for row in rejected} == {"recycled", "disqualified"}
    accepted = client.get("/api/feedback/", {"verdict": "accepted", "source": "referral"}).json()
    assert [row["verdict"] for row in accepted["results"]] == ["accepted", "accepted"]
    persona = client.get("/api/feedback/", {"persona": decided["persona"].pk}).json()["results"]
    assert len(persona) == 3
    since = (timezone.now() - timedelta(days=365)).isoformat()
    everything = client.get("/api/feedback/", {"since": since}).json()["results"]
    assert len(everything) == 8
    assert client.get("/api/feedback/", {"source": "carrier pigeon"}).status_code == 400


def test_the_api_summary_is_the_pages_figures(decided, client_for, rep):
    summary = client_for(rep).get("/api/feedback/summary/", {"by": "source"}).json()
    assert summary["decided"] == 7
    assert summary["reasons"] == {"No budget": 3, "Competitor": 1}
    assert summary["groups"][0] == {
        "name": "Paid social", "decided": 4, "accepted": 1, "rejected": 3,
        "accepted_percent": 25, "reasons": {"No budget": 3},
    }  # fmt: skip
    bad = client_for(rep).get("/api/feedback/summary/", {"by": "colour", "days": "0"})
    assert bad.status_code == 400 and "by" in bad.json()["errors"]
