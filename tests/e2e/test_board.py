"""The pipeline board in a real browser: moves by menu and by drag, refusals put cards back."""

import re

import pytest
from playwright.sync_api import expect

from leads.models import Lead, Stage
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, path: str) -> None:
    page.goto(f"/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{path}")


def column(page, stage: str):
    return page.locator(f".sm-cards[data-stage='{stage}']")


def drag(page, source, target) -> None:
    """Drag with the mouse in small steps, as a person does."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=20)
    page.mouse.up()


def test_a_marketer_moves_a_card_to_mql_with_its_menu(page):
    demo_users_ensure()
    lead = LeadFactory(stage=Stage.LEAD, first_name="Grace", last_name="Hopper", total_score=80)
    log_in(page, "marketing", "/pipeline/")
    card = page.locator(f"#card-{lead.pk}")
    card.get_by_role("button", name="Move Grace Hopper").click()
    page.get_by_role("menuitem", name="MQL").click()
    expect(page.locator(f".sm-cards[data-stage='mql'] #card-{lead.pk}")).to_be_visible()
    expect(page.locator("#count-mql")).to_have_text("1")
    expect(page.locator("#count-lead")).to_have_text("0")
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_a_card_dragged_to_mql_moves_and_a_refused_drag_goes_back(page):
    demo_users_ensure()
    first = LeadFactory(stage=Stage.LEAD, first_name="Ada", last_name="Lovelace")
    log_in(page, "marketing", "/pipeline/")
    drag(page, page.locator(f"#card-{first.pk}"), column(page, "mql"))
    expect(page.locator("#count-mql")).to_have_text("1")
    assert Lead.objects.get(pk=first.pk).stage == Stage.MQL

    # A marketer may not accept an MQL: the server refuses, the card returns to MQL.
    drag(page, page.locator(f"#card-{first.pk}"), column(page, "sal"))
    expect(
        page.get_by_role("alert").filter(has_text="Only sales, sales manager may")
    ).to_be_visible()
    expect(page.locator(f".sm-cards[data-stage='mql'] #card-{first.pk}")).to_be_visible()
    expect(page.locator("#count-sal")).to_have_text("0")
    assert Lead.objects.get(pk=first.pk).stage == Stage.MQL


def test_filters_are_kept_in_the_url(page):
    demo_users_ensure()
    LeadFactory(stage=Stage.LEAD, first_name="Findme", last_name="Please")
    LeadFactory(stage=Stage.LEAD, first_name="Other", last_name="Person")
    log_in(page, "sales", "/pipeline/")
    page.get_by_label("Search").fill("findme")
    expect(page).to_have_url(re.compile(r"q=findme"))
    expect(page.locator(".sm-card")).to_have_count(1)
    page.reload()
    assert (
        page.locator(".sm-card").count() == 1
        and page.get_by_label("Search").input_value() == "findme"
    )
