"""Sales enablement in a real browser: a rep opens a lead, sends it the suggested content and
rates it; a marketer then reads the rating on the asset's page."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from journeys.models import ContentAsset, ContentKind, ContentStatus, JourneyStage
from leads.content.models import ContentRating
from leads.models import Touch
from personas.models import Persona
from smarketing.accounts import demo_users_ensure
from tests.e2e.test_queue import log_in
from tests.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_rep_sends_suggested_content_and_rates_it_and_marketing_sees_it(page):
    demo_users_ensure()
    fiona = Persona.objects.get_or_create(name="Founder Fiona")[0]
    # A transactional test empties the tables, the seeded stages with them.
    decision = JourneyStage.objects.get_or_create(
        key="decision", defaults={"name": "Decision", "position": 3}
    )[0]
    lead = LeadFactory(
        first_name="Grace", last_name="Hopper", owner=User.objects.get(username="sales"),
        persona=fiona, journey_stage=decision,
    )  # fmt: skip
    card = ContentAsset.objects.create(
        title="Objection handling: price", kind=ContentKind.OBJECTION_HANDLING,
        status=ContentStatus.LIVE, link="https://docs.example.com/price",
    )  # fmt: skip
    card.personas.set([fiona])
    card.stages.set([decision])

    log_in(page, "sales", lead.get_absolute_url())
    suggestion = page.get_by_test_id(f"suggestion-{card.pk}")
    expect(suggestion).to_contain_text("Made for Founder Fiona at the Decision stage")
    suggestion.get_by_role("button", name="Mark sent: Objection handling: price").click()
    expect(page.get_by_role("alert").filter(has_text="logged as a touch")).to_be_visible()
    # The timeline beside the suggestions shows the send without a reload.
    expect(page.locator("#activity .sm-timeline")).to_contain_text("Sent objection handling")
    suggestion = page.get_by_test_id(f"suggestion-{card.pk}")
    suggestion.get_by_label("Why, for Objection handling: price").fill("Answered the pricing worry")
    suggestion.get_by_role("button", name="Useful: Objection handling: price", exact=True).click()
    expect(page.get_by_test_id(f"suggestion-{card.pk}")).to_contain_text(
        "rated useful: “Answered the pricing worry”"
    )
    assert (
        Touch.objects.get(lead=lead).note == "Sent objection handling: “Objection handling: price”"
    )
    assert ContentRating.objects.get().useful is True
    assert page.csp_violations == []

    page.context.clear_cookies()
    log_in(page, "marketing", card.get_absolute_url())
    expect(page.get_by_test_id("times-sent")).to_have_text("1")
    expect(page.get_by_test_id("useful-share")).to_have_text("100%")
    expect(page.get_by_test_id("ratings")).to_contain_text("Answered the pricing worry")
    expect(page.get_by_test_id("ratings")).to_contain_text("Grace Hopper")
