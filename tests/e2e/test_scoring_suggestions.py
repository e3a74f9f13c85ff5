"""The admin learns suggestions from closed history in the lab, applies two of them to a new
draft, and backtests the draft on the leads after the fitting period, through a real worker."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from leads.scoring.models import ScoringModel
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.leads.scoring.test_lab_learning import history, learning_model

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_admin_applies_two_suggestions_and_backtests_the_draft(page, celery_worker):
    demo_users_ensure()
    model = learning_model(User.objects.get(username="admin"))
    history(800, first=190, last=100, seed=11)
    history(200, first=90, last=40, seed=12)
    today = timezone.localdate()

    page.goto("/accounts/login/?next=/scoring/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/scoring/")
    panel = page.get_by_test_id("suggestions-panel")
    panel.get_by_label("Learn from MQLs from").fill(f"{today - datetime.timedelta(days=200)}")
    panel.get_by_label("Check on MQLs from").fill(f"{today - datetime.timedelta(days=95)}")
    panel.get_by_role("button", name="Learn from closed history").click()
    expect(panel).to_have_attribute("data-status", "done", timeout=30_000)
    expect(panel.get_by_test_id("later-check")).to_contain_text("AUC")

    vp = model.fit_rules.get(attribute="seniority")
    panel.locator(f"input[value='fit-{vp.pk}']").check()
    panel.locator("input[value='new-fit-original_channel=partner']").check()
    panel.get_by_role("button", name="Apply the chosen to a new draft").click()
    expect(page.get_by_role("alert")).to_contain_text("has the 2 chosen changes")
    draft = ScoringModel.objects.get(status="draft")
    assert draft.fit_rules.filter(attribute="original_channel", value="partner").exists()
    assert draft.fit_rules.get(attribute="seniority").points != vp.points

    backtest = page.get_by_test_id("backtest-panel")
    expect(backtest.get_by_test_id("learned-note")).to_be_visible()
    backtest.get_by_role("button", name="Run the backtest").click()
    expect(backtest.get_by_test_id("auc-draft")).to_be_visible(timeout=30_000)
    expect(backtest.get_by_test_id("backtest-summary")).to_be_visible()
