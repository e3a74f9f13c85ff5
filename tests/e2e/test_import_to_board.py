"""A marketer imports a CSV, finds one of its leads on the board and qualifies it as an MQL."""

import re

import pytest
from playwright.sync_api import expect

from leads.models import Lead, Stage
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "First Name;Last Name;Email;Company Name;Job Title;Lifecycle Stage;Country/Region\n"
    "Marie;Curie;MARIE.CURIE@radium.example;Radium Labs;Head of Research;Lead;France\n"
    "Pierre;Curie;pierre@radium.example;Radium Labs;CTO;Subscriber;France\n"
    "Broken;Row;not-an-email;Nowhere;;Lead;\n"
).encode("latin-1")


def test_import_a_csv_then_qualify_a_lead_on_the_board(page):
    demo_users_ensure()
    page.goto("/accounts/login/?next=/leads/import/")
    page.get_by_label("Username").fill("marketing")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/leads/import/")

    page.get_by_label("CSV file").set_input_files(
        {"name": "hubspot-export.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Marie")
    expect(page.get_by_test_id("problem").first).to_be_visible()
    page.get_by_role("button", name="Start the import").click()
    expect(page.get_by_test_id("result")).to_contain_text("Import finished.", timeout=20_000)
    expect(page.get_by_test_id("result")).to_contain_text("2 leads created")

    marie = Lead.objects.get(email="marie.curie@radium.example")
    page.goto("/pipeline/")
    page.get_by_label("Search").fill("curie")
    expect(page).to_have_url(re.compile(r"q=curie"))
    card = page.locator(f"#card-{marie.pk}")
    expect(card).to_be_visible()
    card.get_by_role("button", name="Move Marie Curie").click()
    page.get_by_role("menuitem", name="MQL").click()
    expect(page.locator(f".sm-cards[data-stage='mql'] #card-{marie.pk}")).to_be_visible()
    expect(page.locator("#count-mql")).to_have_text("1")
    marie.refresh_from_db()
    assert marie.stage == Stage.MQL
    assert marie.transitions.filter(to_stage=Stage.MQL, actor__username="marketing").exists()
