"""A marketer reads the reports in a real browser: the funnel's charts drawn above their
tables under the page's security policy, another attribution model chosen, and a table's CSV
downloaded with the rows on screen."""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads.lifecycle import StageChange, stage_changes_write
from smarketing.accounts import demo_users_ensure
from tests.e2e.test_queue import log_in
from tests.factories import CampaignFactory, EventFactory, LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_marketer_reads_the_funnel_chooses_a_model_and_downloads_a_table(page, tmp_path):
    demo_users_ensure()
    webinar, ads = CampaignFactory(name="Webinar"), CampaignFactory(name="Search ads")
    now = timezone.now()
    leads = LeadFactory.create_batch(6, campaign=webinar)
    for lead in leads:
        EventFactory(lead=lead, campaign=ads, occurred_at=now - timedelta(days=9))
    changes = [
        StageChange(
            lead_id=lead.pk,
            from_stage="lead",
            to_stage="mql",
            at=now - timedelta(days=10),
            rule="MQL",
        )
        for lead in leads
    ]
    changes += [
        StageChange(
            lead_id=lead.pk,
            from_stage="mql",
            to_stage="sql",
            at=now - timedelta(days=8),
            rule="SQL",
        )
        for lead in leads[:4]
    ]
    stage_changes_write(changes, apply=False)  # fmt: skip

    log_in(page, "marketing", "/reports/")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    volumes = page.get_by_test_id("report-volumes")
    expect(volumes.get_by_role("img", name="Chart of into each stage")).to_be_visible()
    expect(volumes.locator("canvas")).to_have_count(1)  # ECharts drew it
    expect(page.get_by_test_id("table-cohort")).to_contain_text("66.7")  # 4 SQLs of 6 MQLs

    page.get_by_role("link", name="Attribution").click()
    page.get_by_label("Attribution model").select_option(label="Linear")
    page.get_by_role("button", name="Show").click()
    credit = page.get_by_test_id("report-credit")
    expect(credit.get_by_role("heading")).to_contain_text("linear")
    rows = credit.get_by_test_id("table-credit").locator("tbody tr")
    expect(rows).to_have_count(2)  # the webinar (the leads' own campaign) and the ads
    expect(rows.first).to_contain_text("2.00")  # half of each of the 4 SQLs

    with page.expect_download() as download:
        credit.get_by_test_id("csv-credit").click()
    path = tmp_path / "credit.csv"
    download.value.save_as(path)
    with path.open() as file:
        exported = list(csv.reader(file))
    assert exported[0] == ["Campaign", "SQL credit", "Customer credit"]
    assert sorted(row[0] for row in exported[1:]) == ["Search ads", "Total", "Webinar"]
    assert exported[-1] == ["Total", "4.00", "0.00"]
