"""The pipeline board in a real browser: moves by menu (mouse or keyboard) and by drag, refusals
put cards back, moved cards stay marked."""

import re

import pytest
from playwright.sync_api import expect

from leads.models import Lead, Stage, StageTransition
from leads.selectors import COLUMN_SIZE
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.e2e.axe import axe_violations
from tests.factories import LeadFactory, rejection_reasons_seed

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


def test_a_rep_recycles_a_card_with_a_reason_from_the_dialog_or_cancels(page):
    demo_users_ensure()
    rejection_reasons_seed()
    lead = LeadFactory(stage=Stage.MQL, first_name="Alan", last_name="Turing")
    log_in(page, "sales", "/pipeline/")
    card = page.locator(f"#card-{lead.pk}")
    card.get_by_role("button", name="Move Alan Turing").click()
    page.get_by_role("menuitem", name="Recycled").click()
    dialog = page.get_by_role("dialog", name="Why recycle this lead?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f".sm-cards[data-stage='mql'] #card-{lead.pk}")).to_be_visible()

    card.get_by_role("button", name="Move Alan Turing").click()
    page.get_by_role("menuitem", name="Recycled").click()
    dialog.get_by_label("Reason").select_option(label="No budget")
    dialog.get_by_label("Note for marketing").fill("Back in Q3")
    dialog.get_by_role("button", name="Move").click()
    expect(page.locator(f".sm-cards[data-stage='recycled'] #card-{lead.pk}")).to_be_visible()
    transition = StageTransition.objects.get(lead=lead)
    assert (transition.rejection_reason.label, transition.reason) == ("No budget", "Back in Q3")


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


def test_the_move_menu_works_from_the_keyboard(page):
    demo_users_ensure()
    lead = LeadFactory(stage=Stage.SUBSCRIBER, first_name="Grace", last_name="Hopper")
    LeadFactory(stage=Stage.LEAD, first_name="Next", last_name="Person")
    log_in(page, "marketing", "/pipeline/")
    button = page.locator(f"#card-{lead.pk}").get_by_role("button", name="Move Grace Hopper")
    menu = page.get_by_role("menu", name="Move Grace Hopper to")
    button.focus()
    page.keyboard.press("Enter")
    # A marketer may take a subscriber to Lead or MQL: the menu offers those two, no other.
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem")).to_have_text(["Lead", "MQL"])
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name="Lead")).to_be_focused()
    for key, focused in [("ArrowDown", "MQL"), ("ArrowDown", "Lead"), ("ArrowUp", "MQL"),
                         ("Home", "Lead"), ("End", "MQL")]:  # fmt: skip
        page.keyboard.press(key)
        expect(menu.get_by_role("menuitem", name=focused)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Lead")).to_be_focused()
    page.keyboard.press("Tab")  # closes the menu and goes on from its button
    expect(menu).to_be_hidden()
    expect(page.get_by_role("link", name="Next Person")).to_be_focused()

    button.focus()
    page.keyboard.press("Space")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    # The card is in MQL, marked as moved, and its button there has the focus.
    moved = page.locator(f".sm-cards[data-stage='mql'] #card-{lead.pk}")
    expect(moved.get_by_test_id("moved")).to_have_text("Moved")
    expect(page.get_by_role("status").filter(has_text="Grace Hopper moved to MQL.")).to_be_visible()
    expect(page.locator("#count-mql")).to_have_text("1")
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    # A marketer cannot move an MQL on: the card has no menu, and its name takes the focus.
    expect(moved.get_by_role("link", name="Grace Hopper")).to_be_focused()
    expect(moved.get_by_role("button")).to_have_count(0)


def test_a_refused_move_from_the_menu_says_why_and_gives_the_focus_back(page):
    demo_users_ensure()
    lead = LeadFactory(stage=Stage.MQL, first_name="Alan", last_name="Turing")
    log_in(page, "sales", "/pipeline/")
    button = page.locator(f"#card-{lead.pk}").get_by_role("button", name="Move Alan Turing")
    # Someone else accepts the lead while the rep looks at the board.
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.SAL)
    button.click()
    page.get_by_role("menuitem", name="SAL").click()
    expect(page.get_by_role("alert").filter(has_text="moved to SAL meanwhile")).to_be_visible()
    expect(page.locator(f".sm-cards[data-stage='mql'] #card-{lead.pk}")).to_be_visible()
    expect(button).to_be_focused()


def test_a_moved_card_stays_marked_on_a_filtered_board_after_the_counts_refresh(page):
    demo_users_ensure()
    page.clock.install()
    lead = LeadFactory(stage=Stage.MQL, first_name="Ada", last_name="Byron")
    LeadFactory(stage=Stage.MQL, first_name="Other", last_name="Person")
    log_in(page, "sales", "/pipeline/?owner=none")
    page.locator(f"#card-{lead.pk}").get_by_role("button", name="Move Ada Byron").click()
    page.get_by_role("menuitem", name="SAL").click()
    card = page.locator(f".sm-cards[data-stage='sal'] #card-{lead.pk}")
    expect(card.get_by_test_id("moved")).to_be_visible()
    # The rep now owns the lead, which the filter (unassigned) leaves out: it stays all the same.
    assert Lead.objects.get(pk=lead.pk).owner.username == "sales"
    with page.expect_response(lambda response: "counts=1" in response.url):
        page.clock.fast_forward("00:31")
    expect(page.locator("#count-mql")).to_have_text("1")
    expect(card.get_by_test_id("moved")).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bsm-moved\b"))


def test_the_board_with_its_menu_open_and_a_card_moved_meets_wcag_21_aa(page):
    demo_users_ensure()
    lead = LeadFactory(stage=Stage.LEAD, first_name="Grace", last_name="Hopper")
    log_in(page, "marketing", "/pipeline/")
    page.locator(f"#card-{lead.pk}").get_by_role("button", name="Move Grace Hopper").click()
    assert axe_violations(page) == []
    page.get_by_role("menuitem", name="MQL").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert axe_violations(page) == []


def test_skip_links_lead_past_the_navigation_and_the_filters(page):
    demo_users_ensure()
    LeadFactory(stage=Stage.LEAD, first_name="Grace", last_name="Hopper")
    log_in(page, "marketing", "/pipeline/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the pipeline columns")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_focused()


def test_load_more_from_the_keyboard_gives_the_focus_to_the_first_new_card(page):
    demo_users_ensure()
    leads = [
        LeadFactory(
            stage=Stage.LEAD, total_score=100 - rank, first_name="Card", last_name=f"{rank}"
        )
        for rank in range(COLUMN_SIZE + 1)
    ]
    log_in(page, "marketing", "/pipeline/")
    more = column(page, "lead").get_by_role("button", name="Load more Lead cards")
    more.focus()
    page.keyboard.press("Enter")
    expect(column(page, "lead").locator(".sm-card")).to_have_count(COLUMN_SIZE + 1)
    expect(page.locator(f"#card-{leads[-1].pk}").get_by_role("link")).to_be_focused()


def test_a_moved_card_is_not_shown_twice_when_its_column_loads_more(page):
    demo_users_ensure()
    LeadFactory.create_batch(COLUMN_SIZE + 1, stage=Stage.LEAD, total_score=90)
    lead = LeadFactory(stage=Stage.SUBSCRIBER, first_name="Low", last_name="Score", total_score=1)
    log_in(page, "marketing", "/pipeline/")
    page.locator(f"#card-{lead.pk}").get_by_role("button", name="Move Low Score").click()
    page.get_by_role("menuitem", name="Lead").click()
    expect(column(page, "lead").locator(f"#card-{lead.pk}").get_by_test_id("moved")).to_be_visible()
    # The next page of the column holds the lead again, by its score: it stays where it is.
    column(page, "lead").get_by_role("button", name="Load more Lead cards").click()
    expect(column(page, "lead").locator(".sm-card")).to_have_count(COLUMN_SIZE + 2)
    expect(page.locator(f"#card-{lead.pk}")).to_have_count(1)
    expect(column(page, "lead").locator(".sm-card").first).to_have_id(f"card-{lead.pk}")


def test_a_board_wider_than_the_window_scrolls_in_its_own_box(page):
    """Every column holds more cards than it shows, so the columns and their "Load more" reach
    past the window: they scroll inside the board, and the page itself never scrolls sideways."""
    demo_users_ensure()
    for stage in Stage:
        LeadFactory.create_batch(COLUMN_SIZE + 1, stage=stage)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, "marketing", "/pipeline/")
    board = page.locator("#board")
    assert board.evaluate("board => board.scrollWidth > board.clientWidth")
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
