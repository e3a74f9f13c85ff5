"""A rep's queue in a real browser: accept and reject in place, counts that follow, refusals
that say why, "load more" down to the last MQL, and a touch that meets its SLA clock."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from leads.lifecycle import lead_move_stage
from leads.models import Lead, Stage, StageTransition
from sla.models import Clock, ClockKind, ClockStatus
from smarketing.accounts import DEMO_PASSWORD, demo_users_ensure
from tests.factories import LeadFactory, rejection_reasons_seed, signed_agreement

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, path: str) -> None:
    page.goto(f"/accounts/login/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{path}")


def test_a_rep_accepts_one_mql_and_rejects_another_in_place(page):
    demo_users_ensure()
    rejection_reasons_seed()
    accepted = LeadFactory(stage=Stage.MQL, first_name="Grace", last_name="Hopper", total_score=90)
    recycled = LeadFactory(stage=Stage.MQL, first_name="Alan", last_name="Turing", total_score=80)
    LeadFactory(stage=Stage.MQL, first_name="Edsger", last_name="Dijkstra", total_score=70)
    log_in(page, "sales", "/queue/")
    expect(page.get_by_test_id("queue-count-unassigned")).to_have_text("3 unassigned MQLs")

    page.get_by_role("button", name="Accept Grace Hopper").click()
    expect(page.locator(f"#row-{accepted.pk}")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Accepted Grace Hopper")).to_be_visible()
    expect(page.get_by_test_id("queue-count-unassigned")).to_have_text("2 unassigned MQLs")
    accepted.refresh_from_db()
    assert (accepted.stage, accepted.owner.username) == (Stage.SAL, "sales")

    row = page.locator(f"#row-{recycled.pk}")
    row.get_by_text("Reject…").click()
    row.get_by_label("Why reject Alan Turing").select_option(label="Wrong persona")
    row.get_by_label("Note on rejecting Alan Turing").fill("A student")
    row.get_by_role("button", name="Reject", exact=True).click()
    expect(row).to_have_count(0)
    expect(page.get_by_test_id("queue-count-unassigned")).to_have_text("1 unassigned MQL")
    expect(
        page.get_by_role("status").filter(has_text="“Wrong persona” goes to marketing")
    ).to_be_visible()
    transition = StageTransition.objects.get(lead=recycled, to_stage=Stage.RECYCLED)
    assert (transition.rejection_reason.label, transition.reason) == ("Wrong persona", "A student")


def test_an_mql_another_rep_took_meanwhile_is_refused_with_the_reason(page):
    demo_users_ensure()
    lead = LeadFactory(stage=Stage.MQL, first_name="Ada", last_name="Lovelace")
    log_in(page, "sales", "/queue/")
    manager = User.objects.get(username="manager")
    Lead.objects.filter(pk=lead.pk).update(owner=manager)
    page.get_by_role("button", name="Accept Ada Lovelace").click()
    expect(page.get_by_role("alert").filter(has_text="belongs to another rep")).to_be_visible()
    expect(page.locator(f"#row-{lead.pk}")).to_have_count(0)
    expect(page.get_by_test_id("queue-count-unassigned")).to_have_text("0 unassigned MQLs")
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_load_more_reaches_the_last_mql(page):
    demo_users_ensure()
    Lead.objects.bulk_create(
        Lead(email=f"q{n}@example.com", first_name="Queued", last_name=f"No{n}", stage=Stage.MQL)
        for n in range(120)
    )
    log_in(page, "sales", "/queue/")
    table = page.locator("#queue-unassigned")
    expect(table.locator("tr[id^=row-]")).to_have_count(50)
    for shown in (100, 120):
        table.get_by_role("link", name="Load more").click()
        expect(table.locator("tr[id^=row-]")).to_have_count(shown)
    expect(table.get_by_role("link", name="Load more")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/queue/$"))


def test_a_rep_logs_a_touch_from_the_queue_and_sees_what_is_due_next(page):
    """The queue orders by SLA due time; a touch logged in the row meets the first-touch clock
    and the row then counts down to the decision."""
    demo_users_ensure()
    marketer, rep, manager = (
        User.objects.get(username=name) for name in ("marketing", "sales", "manager")
    )
    signed_agreement(
        admin=User.objects.get(username="admin"), marketer=marketer, sales_manager=manager,
        effective_from=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    later = LeadFactory(stage=Stage.SAL, owner=rep, first_name="Alan", last_name="Turing")
    lead = LeadFactory(stage=Stage.LEAD, owner=rep, first_name="Grace", last_name="Hopper")
    lead_move_stage(lead=lead, to_stage=Stage.MQL, actor=marketer)  # clocks start on commit
    log_in(page, "sales", "/queue/")

    rows = page.locator("#queue-mine tbody tr[id^=row-]")
    expect(rows.first).to_have_id(f"row-{lead.pk}")  # due soonest, above the SAL with no clock
    expect(page.locator(f"#row-{later.pk}")).to_be_visible()
    due = page.get_by_test_id(f"due-{lead.pk}")
    expect(due).to_contain_text("First touch")

    page.get_by_label("Log a touch on Grace Hopper…").click()
    row = page.locator(f"#row-{lead.pk}")
    row.get_by_label("Kind of touch").select_option(label="Call")
    row.get_by_label("Outcome").select_option(label="Connected")
    row.get_by_label("What was said").fill("Intro call, demo booked")
    row.get_by_role("button", name="Log touch").click()
    expect(
        page.get_by_role("status").filter(has_text="Call logged on Grace Hopper.")
    ).to_be_visible()
    expect(page.get_by_test_id(f"due-{lead.pk}")).to_contain_text("Decision")
    assert Clock.objects.get(lead=lead, kind=ClockKind.FIRST_TOUCH).status == ClockStatus.MET
