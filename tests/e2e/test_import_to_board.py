"""A marketer imports a CSV, finds one of its leads on the board and qualifies it as an MQL;
and imports a HubSpot workbook, mapping one of its stage values on the preview."""

import re

import pytest
from playwright.sync_api import expect

from leads.imports.models import ImportJob
from leads.models import Lead, Stage
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.crm_exports import hubspot_contacts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = (
    "First Name;Last Name;Email;Company Name;Job Title;Lifecycle Stage;Country/Region\n"
    "Marie;Curie;MARIE.CURIE@radium.example;Radium Labs;Head of Research;Lead;France\n"
    "Pierre;Curie;pierre@radium.example;Radium Labs;CTO;Subscriber;France\n"
    "Broken;Row;not-an-email;Nowhere;;Lead;\n"
).encode("latin-1")


def log_in(page) -> None:
    demo_users_ensure()
    page.goto("/accounts/login/?next=/leads/import/")
    page.get_by_label("Username").fill("marketing")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/leads/import/")


def test_import_a_csv_then_qualify_a_lead_on_the_board(page):
    log_in(page)
    page.get_by_label("CSV file or Excel workbook").set_input_files(
        {"name": "hubspot-export.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Marie")
    expect(page.get_by_test_id("problem").first).to_be_visible()
    expect(page.get_by_test_id("column-problems")).to_have_text("1 problem")
    expect(page.get_by_test_id("problem-summary")).to_contain_text("1 row of 3 has problems.")
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


def test_a_hubspot_workbook_is_previewed_mapped_and_imported(page):
    export = hubspot_contacts(400)
    log_in(page)
    page.get_by_label("CSV file or Excel workbook").set_input_files(
        {
            "name": "hubspot-contacts.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": export.xlsx(),
        }
    )
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page.get_by_text("Excel workbook, sheet “Contacts”")).to_be_visible()
    expect(page.get_by_test_id("problem-summary")).to_contain_text("4 rows of 400 have problems.")
    stages = page.get_by_test_id("values-stage")
    expect(stages.get_by_role("row", name="Other")).to_contain_text("No stage")

    stages.get_by_label("Lifecycle Stage: Other becomes").select_option(label="Subscriber")
    expect(page.get_by_test_id("stage-words")).to_contain_text("Subscriber")
    page.get_by_label("Let the MQL and SQL criteria decide").check()
    expect(page.get_by_test_id("stage-words")).to_contain_text("The MQL and SQL criteria decide")
    page.get_by_label("Keep the stages in the file (a migration from another CRM)").check()
    expect(page.get_by_test_id("values-stage")).to_be_visible()
    page.get_by_role("button", name="Start the import").click()

    result = page.get_by_test_id("result")
    expect(result).to_contain_text("Import finished.", timeout=30_000)
    expect(result).to_contain_text(f"{export.expected.repeats} merged duplicates")
    expect(page.get_by_test_id("problems")).to_contain_text("Not a valid e-mail address.")
    job = ImportJob.objects.get()
    assert job.value_mapping["stage"]["other"] == "subscriber"
    assert Lead.objects.filter(stage="subscriber").count() >= export.expected.other_stage // 2
