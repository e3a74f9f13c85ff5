"""The admin clones the active scoring model in the lab, changes a rule's points, sees the
draft's impact, activates it and watches a real worker's rescore reach done."""

import pytest
from playwright.sync_api import expect

from leads.models import Lead
from leads.scoring.engine import leads_score
from leads.scoring.models import ScoringModel
from leads.scoring.services import scoring_model_activate, scoring_model_default
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.factories import EventFactory, LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_admin_edits_a_draft_sees_its_impact_and_activates_it(page, celery_worker):
    demo_users_ensure()
    active = scoring_model_default()
    scoring_model_activate(model=active, actor=None)
    for seniority in ("vp", "director", "entry"):
        EventFactory(lead=LeadFactory(seniority=seniority), type="demo_request")
    leads_score(model=active)

    page.goto("/accounts/login/?next=/scoring/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/scoring/")
    expect(page.get_by_test_id("versions")).to_contain_text("Active")

    page.get_by_role("button", name="Clone the active model into a draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    draft = ScoringModel.objects.get(status="draft")
    first_rule = draft.fit_rules.order_by("position", "id").first()
    page.get_by_test_id("fit-rules").locator("input[name$='-points']").first.fill("35")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved.")
    first_rule.refresh_from_db()
    assert first_rule.points == 35

    page.get_by_role("button", name="Run the impact").click()
    impact = page.get_by_test_id("impact-panel")
    expect(impact.get_by_test_id("impact-temperatures")).to_be_visible(timeout=20_000)
    expect(impact.get_by_test_id("impact-stages")).to_contain_text("Lead")

    page.get_by_role("button", name="Activate and rescore every lead").click()
    page.wait_for_url("**/scoring/runs/*/")
    progress = page.get_by_test_id("run-progress")
    expect(progress).to_have_attribute("data-status", "done", timeout=30_000)
    expect(progress).to_contain_text("Rescore done.")
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    draft.refresh_from_db()
    assert draft.status == ScoringModel.Status.ACTIVE
    assert set(Lead.objects.values_list("scoring_model", flat=True)) == {draft.pk}
