"""A weekly meeting run from the screen in a real browser: the sections by keyboard, the
record kept, an action item added — and found at the next week's meeting."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from leads.lifecycle import StageChange, stage_changes_write
from reports.models import ActionItem
from reports.services import week_start
from smarketing.accounts import demo_users_ensure
from tests.e2e.test_queue import log_in
from tests.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_team_runs_its_meeting_from_the_screen_and_meets_its_action_item_again(page):
    demo_users_ensure()
    last_week = timezone.now() - timedelta(days=7)
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql", at=last_week,
                     rule="MQL") for lead in LeadFactory.create_batch(4)],
        apply=False,
    )  # fmt: skip
    log_in(page, "marketing", "/meeting/")
    expect(page.get_by_role("navigation", name="Main navigation")).to_have_count(0)  # nothing else
    expect(page.get_by_test_id("figure-mql")).to_be_visible()

    page.keyboard.press("ArrowRight")
    expect(page.locator("#feedback")).to_be_focused()
    expect(page.get_by_role("link", name="2 Feedback")).to_have_attribute("aria-current", "step")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#theme")).to_be_focused()
    page.keyboard.press("4")
    expect(page.locator("#record")).to_be_focused()
    assert page.url.endswith("#record")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#theme")).to_be_focused()
    page.keyboard.press("End")

    record = page.get_by_test_id("meeting-record")
    record.get_by_label("Maya Marketer").check()
    record.get_by_label("Sam Seller").check()
    record.get_by_label("Notes").fill("Webinar leads are rejected as students.")
    # Typing in the record moves nothing.
    record.get_by_label("Notes").press("ArrowLeft")
    expect(page.locator("#record")).to_be_in_viewport()
    record.get_by_role("button", name="Keep the record").click()
    expect(
        page.get_by_role("alert").filter(has_text="The meeting's record is kept.")
    ).to_be_visible()

    record.get_by_label("New action").fill("Add a job-title question to the webinar form")
    record.get_by_label("Owner").select_option(label="Maya Marketer")
    record.get_by_role("button", name="Add").click()
    expect(record.get_by_test_id("action-item")).to_contain_text(
        "Add a job-title question to the webinar form"
    )

    next_week = week_start(timezone.localdate()) + timedelta(days=7)
    page.goto(f"/meeting/{next_week.isoformat()}/#record")
    carried = page.get_by_test_id("action-item")
    expect(carried).to_contain_text("Add a job-title question to the webinar form")
    expect(carried).to_contain_text("from the meeting of")
    carried.get_by_role("button", name="Mark done: Add a job-title question").click()
    expect(page.get_by_role("button", name="Open again: Add a job-title question")).to_be_visible()
    item = ActionItem.objects.get()
    assert (item.done_by, item.meeting.week_of) == (
        User.objects.get(username="marketing"),
        week_start(timezone.localdate()),
    )
