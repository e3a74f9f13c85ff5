"""The weekly persona review in a real browser: a rep shares what a demo taught them on the
persona's page; the marketer sees the open insight counted on the persona list, reads it on
the page and adopts it into the profile."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from personas.models import InsightStatus, PersonaInsight
from personas.services import persona_create
from smarketing.accounts import demo_users_ensure
from tests.e2e.test_queue import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEARD = "Asked for the SSO answers before agreeing to a demo."


def test_a_rep_shares_an_insight_and_marketing_adopts_it(page):
    demo_users_ensure()
    marketer = User.objects.get(username="marketing")
    ivan = persona_create(actor=marketer, data={"name": "IT Ivan", "summary": "Runs IT."})

    log_in(page, "sales", ivan.get_absolute_url())
    insights = page.get_by_test_id("persona-insights")
    expect(insights).to_contain_text("No insights shared yet")
    insights.get_by_label("What did you learn?").fill(HEARD)
    insights.get_by_label("About").select_option(label="Objections and barriers")
    insights.get_by_role("button", name="Share").click()
    insights = page.get_by_test_id("persona-insights")
    expect(insights.get_by_test_id("insight-done")).to_have_text("Shared with both teams.")
    expect(insights.get_by_test_id("insight")).to_contain_text(HEARD)
    expect(insights.get_by_test_id("open-insights")).to_have_text("1 open")
    # Sales shares; deciding is marketing's.
    expect(insights.get_by_role("button", name="Adopt", exact=True)).to_have_count(0)
    assert page.csp_violations == []

    page.context.clear_cookies()
    log_in(page, "marketing", "/personas/")
    row = page.get_by_test_id("persona-row").filter(has_text="IT Ivan")
    expect(row.get_by_test_id("persona-open-insights")).to_have_text("1")
    row.get_by_test_id("persona-open-insights").get_by_role("link").click()
    insight = page.get_by_test_id("insight").filter(has_text=HEARD)
    expect(insight).to_contain_text("Objections and barriers")
    insight.get_by_role("button", name="Adopt", exact=True).click()
    insights = page.get_by_test_id("persona-insights")
    expect(insights.get_by_test_id("insight-done")).to_have_text("Adopted into the profile.")
    expect(insights.get_by_test_id("open-insights")).to_have_count(0)
    expect(insights.get_by_test_id("insight")).to_contain_text("Adopted into the profile by")
    assert PersonaInsight.objects.get().status == InsightStatus.ADOPTED
    assert page.csp_violations == []
