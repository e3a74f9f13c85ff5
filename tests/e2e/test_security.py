"""In a real browser: the API's documentation pages work under their policy, a locked-out login
says when to try again, a progress bar (its width set by a script, not a style attribute)
shows its share, and the lead filters apply with no eval of an event filter."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from leads.scoring.models.runs import RunStatus, ScoringRun
from leads.scoring.services import scoring_model_default
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.e2e.test_board import log_in
from tests.factories import LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_operations_and_the_policy_refuses_nothing(page):
    demo_users_ensure()
    log_in(page, "sales", "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Smarketing API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    # The fixture fails the test on anything the policy refused.


# Redoc draws its makers' logo from their host, which the policy refuses.
LOGO = "img-src refused https://cdn.redoc.ly/"


def test_redoc_shows_the_api_and_the_policy_refuses_nothing(page):
    demo_users_ensure()
    log_in(page, "sales", "/api/redoc/")
    # Redoc reads and draws the whole schema in the page before showing it: on a busy machine
    # that takes longer than a click's wait.
    expect(page.get_by_role("heading", name="Smarketing API")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("/api/me/").first).to_be_attached()
    # The one thing refused: Redoc's own logo from its makers' host, as the page loads nothing
    # from another host. The logo is drawn after the page (and dropped once refused), so its
    # refusal is waited for, lest it arrive after the check.
    for _ in range(100):
        if any(LOGO in line for line in page.csp_violations):
            break
        page.wait_for_timeout(50)
    refused = [line for line in page.csp_violations if LOGO not in line]
    assert not refused
    page.csp_violations.clear()


def test_a_locked_out_login_says_when_to_try_again(page):
    demo_users_ensure()
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("sales")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expect(page.get_by_test_id("locked-out")).to_contain_text(f"Try again in {minutes} minutes")
    page.get_by_role("link", name="Back to the login page").click()
    page.get_by_label("Username").fill("sales")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("locked-out")).to_be_visible()


def test_a_rescore_progress_bar_shows_its_share_and_keeps_it_when_polled(page):
    demo_users_ensure()
    model = scoring_model_default()
    run = ScoringRun.objects.create(
        model=model, kind=ScoringRun.Kind.MANUAL, status=RunStatus.RUNNING,
        as_of=timezone.now(), leads_total=200, leads_done=50,
    )  # fmt: skip
    log_in(page, "admin", reverse("scoring:run", args=[run.pk]))
    assert _bar_share(page, "25%") == 25

    ScoringRun.objects.filter(pk=run.pk).update(leads_done=150)
    assert _bar_share(page, "75%") == 75  # the page polls every second


def _bar_share(page, label: str) -> int:
    """The share of its track the progress bar fills, once the bar reads ``label``."""
    page.wait_for_function(
        """(label) => {
          const bar = document.querySelector(".progress-bar");
          return bar && bar.textContent.trim() === label && bar.style.width === label;
        }""",
        arg=label,
    )
    track = page.locator(".progress").bounding_box()["width"]
    return round(100 * page.locator(".progress-bar").bounding_box()["width"] / track)


def test_the_lead_filters_apply_on_a_choice_and_on_typing_without_eval(page):
    demo_users_ensure()
    sales = User.objects.get(username="sales")
    LeadFactory(first_name="Owned", owner=sales)
    LeadFactory(first_name="Unowned", owner=None)
    log_in(page, "manager", reverse("leads:list"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)

    page.locator("#id_owner").select_option(value=str(sales.pk))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Owned")
    assert f"owner={sales.pk}" in page.url

    page.locator("#id_owner").select_option(value="")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("Unowned")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Unowned")
