"""The reports' pages, CSV exports and API: every role reads each report; the CSV holds the
numbers of the table on screen and the API the same; a bad period is a message, not an error
page; and the queries a report makes do not grow with the leads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.lifecycle import StageChange, stage_changes_write
from reports.selectors import REPORTS
from sla.models import GoalMetric, TargetKind
from sla.services import goal_save, team_save
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


class Tables(HTMLParser):
    """The cells of each ``<table data-testid=…>`` of a page, as text, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid", "").startswith("table-"):
            self._table = self.tables.setdefault(attrs["data-testid"].removeprefix("table-"), [])
        elif self._table is not None and tag == "tr":
            self._table.append([])
        elif self._table is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def history(rep) -> None:
    """Twelve leads of a budgeted campaign walked through the funnel in the last weeks."""
    campaign = CampaignFactory(name="Webinar", budget=Decimal("1200"))
    leads = LeadFactory.create_batch(12, campaign=campaign, owner=rep)
    at = NOW - timedelta(days=20)
    changes = [StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql", at=at, rule="MQL")
               for lead in leads]  # fmt: skip
    changes += [StageChange(lead_id=lead.pk, from_stage="mql", to_stage="sal",
                            at=at + timedelta(days=1), actor_id=rep.pk) for lead in leads[:8]]  # fmt: skip
    changes += [StageChange(lead_id=lead.pk, from_stage="sal", to_stage="sql",
                            at=at + timedelta(days=5), actor_id=rep.pk) for lead in leads[:4]]  # fmt: skip
    stage_changes_write(changes, apply=False)


def a_goal(actor) -> None:
    sales = team_save(data={"name": "Sales", "function": "sales"})
    goal_save(
        data={"name": "MQLs this month", "metric": GoalMetric.MQLS, "target": Decimal(20),
              "target_kind": TargetKind.ABSOLUTE, "starts_on": timezone.localdate().replace(day=1),
              "ends_on": timezone.localdate() + timedelta(days=20), "owner_teams": [sales]},
        actor=actor,
    )  # fmt: skip


def url(name: str) -> str:
    return reverse("reports:index") if name == "funnel" else reverse("reports:report", args=[name])


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_role_reads_every_report_and_its_csv_matches_the_table_on_screen(
    name, client_for, marketer, rep, sales_manager, admin_user
):
    history(rep)
    a_goal(admin_user)
    for user in (marketer, rep, sales_manager, admin_user):
        page = client_for(user).get(url(name))
        assert page.status_code == 200, (name, user)
    html = page.content.decode()
    assert "Not yet available" not in html
    shown = tables_of(html)
    assert shown, name
    for table, rows in shown.items():
        export = client_for(marketer).get(url(name), {"format": "csv", "table": table})
        assert export["Content-Type"].startswith("text/csv")
        assert "attachment" in export["Content-Disposition"]
        exported = list(csv.reader(io.StringIO(export.content.decode())))
        # The page groups thousands and shows a dash for nothing; the CSV writes plain numbers.
        assert exported == [[cell.replace(",", "").replace("—", "") for cell in row]
                            for row in rows], (name, table)  # fmt: skip


def test_the_funnel_counts_the_history_and_the_api_says_the_same(client_for, marketer, rep):
    history(rep)
    page = client_for(marketer).get(url("funnel"))
    volumes = {row[0]: row[1] for row in tables_of(page.content.decode())["volumes"][1:]}
    assert (volumes["MQL"], volumes["SAL"], volumes["SQL"]) == ("12", "8", "4")
    api = client_for(marketer).get("/api/reports/funnel/")
    assert api.status_code == 200
    cohort = next(table for table in api.json()["tables"] if table["name"] == "cohort")
    assert [(row["stage"], row["count"], row["share"]) for row in cohort["rows"]] == [
        ("SAL", 8, 66.7), ("SQL", 4, 33.3), ("Customer", 0, 0.0)
    ]  # fmt: skip
    assert api.json()["end"] == timezone.localdate().isoformat()


def test_quality_shows_the_campaign_s_cost_per_sql(client_for, marketer, rep):
    history(rep)
    page = client_for(marketer).get(url("quality"), {"by": "campaign"})
    rows = tables_of(page.content.decode())["quality"]
    header, webinar = rows[0], next(row for row in rows if row[0] == "Webinar")
    assert webinar[header.index("Cost per SQL")] == "300.00"  # 1,200 over 4 SQLs
    assert webinar[header.index("Acceptance (%)")] == "100.0"


def test_attribution_credits_add_up_to_the_converted_leads(client_for, marketer, rep):
    history(rep)
    for model in ("first_touch", "last_touch", "linear", "u_shaped"):
        api = client_for(marketer).get("/api/reports/attribution/", {"model": model})
        rows = api.json()["tables"][0]["rows"]
        assert rows[-1]["group"] == "Total"
        assert rows[-1]["sqls"] == pytest.approx(4)
        assert sum(row["sqls"] for row in rows[:-1]) == pytest.approx(4)


def test_a_bad_period_is_a_message_and_never_an_error_page(client_for, marketer):
    client = client_for(marketer)
    backwards = client.get(url("funnel"), {"start": "2026-12-01", "end": "2026-11-01"})
    assert backwards.status_code == 400
    assert "The end cannot be before the start." in backwards.content.decode()
    assert client.get(url("funnel"), {"start": "yesterday"}).status_code == 400
    too_long = client.get("/api/reports/funnel/", {"start": "2020-01-01", "end": "2026-01-01"})
    assert too_long.status_code == 400
    assert too_long.json()["errors"]["start"] == ["A report covers at most 731 days."]
    assert client.get("/api/reports/nothing/").status_code == 404
    assert client.get(reverse("reports:report", args=["nothing"])).status_code == 404
    unknown = client.get(url("attribution"), {"model": "w_shaped"})
    assert unknown.status_code == 400


def test_filters_narrow_the_funnel(client_for, marketer, rep):
    history(rep)
    other = CampaignFactory(name="Ads")
    stage_changes_write(
        [StageChange(lead_id=LeadFactory(campaign=other).pk, from_stage="lead", to_stage="mql",
                     at=NOW - timedelta(days=3), rule="MQL")],
        apply=False,
    )  # fmt: skip
    page = client_for(marketer).get(url("funnel"), {"campaign": other.pk})
    volumes = {row[0]: row[1] for row in tables_of(page.content.decode())["volumes"][1:]}
    assert (volumes["MQL"], volumes["SAL"]) == ("1", "0")


@pytest.mark.parametrize("name", list(REPORTS))
def test_a_report_s_queries_do_not_grow_with_the_leads(
    name, client_for, marketer, rep, django_assert_max_num_queries
):
    history(rep)
    client = client_for(marketer)
    client.get(url(name))  # warm: the session, the user's groups

    with CaptureQueriesContext(connection) as few:
        client.get(url(name))
    stage_changes_write(
        [StageChange(lead_id=lead.pk, from_stage="lead", to_stage="mql",
                     at=NOW - timedelta(days=2), rule="MQL")
         for lead in LeadFactory.create_batch(40, owner=rep)],
        apply=False,
    )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url(name))


def test_without_a_goal_the_goals_report_says_where_to_set_one(client_for, marketer):
    page = client_for(marketer).get(url("goals")).content.decode()
    assert "No shared goal is set yet" in page


def test_the_grade_grid_of_every_lead_is_counted_once_a_minute_and_says_when(client_for, marketer):
    from django.core.cache import cache

    from leads.models import Lead
    from reports.selectors import GRADE_COUNTS_KEY

    first = LeadFactory(grade="A1", original_channel="paid_search")
    LeadFactory(grade="B2")
    client = client_for(marketer)

    def cell(params=None) -> tuple[str, str]:
        page = client.get(url("grades"), params or {}).content.decode()
        rows = tables_of(page)["grades"][1:]
        return next(row[2] for row in rows if row[:2] == ["Fit A", "Engagement 1"]), page

    count, page = cell()
    assert count == "1"
    assert "Counted at " in page
    Lead.objects.filter(pk=first.pk).update(grade="B2")
    assert cell()[0] == "1"  # the whole grid is kept for the minute
    assert cell({"channel": "paid_search"})[0] == "0"  # a narrowed grid is counted now
    cache.delete(GRADE_COUNTS_KEY)  # the minute is over
    assert cell()[0] == "0"


def test_the_beat_counts_the_grade_grid_each_minute_and_the_page_reads_its_count(
    client_for, marketer
):
    from django.conf import settings

    from leads.models import Lead
    from reports.tasks import grade_counts_task
    from smarketing.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reports-grade-counts"]
    assert entry["task"] == grade_counts_task.name and entry["task"] in app.tasks
    assert entry["schedule"] == timedelta(minutes=1)
    lead = LeadFactory(grade="A1")
    LeadFactory(grade="")
    assert grade_counts_task() == 1
    Lead.objects.filter(pk=lead.pk).update(grade="C3")
    client = client_for(marketer)

    def cells() -> dict[tuple[str, str], str]:
        rows = tables_of(client.get(url("grades")).content.decode())["grades"][1:]
        return {(row[0], row[1]): row[2] for row in rows}

    with CaptureQueriesContext(connection) as captured:
        counted = cells()
    assert not [query for query in captured if '"leads_lead"."grade"' in query["sql"]]
    assert (counted["Fit A", "Engagement 1"], counted["Fit C", "Engagement 3"]) == ("1", "0")
    grade_counts_task()  # the next minute's
    counted = cells()
    assert (counted["Fit A", "Engagement 1"], counted["Fit C", "Engagement 3"]) == ("0", "1")
