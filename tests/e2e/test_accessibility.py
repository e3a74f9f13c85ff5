"""Every page, as each role sees it, passes axe-core's WCAG 2.1 A and AA checks, and its
Content-Security-Policy refuses nothing it loads or runs.

The test builds a small portal (companies, leads across the funnel with a timeline, an active
scoring model with a rescore and a draft, an import waiting for its preview), logs in as each
role through the login page and follows the same-origin links of every page it reaches,
visiting each URL pattern once (one lead page, one company page; of the admin, its index and
the leads' list and form). On each page it injects
axe-core from the vendored file and collects the violations; the test fails with one line per
violation naming the page, the rule, its impact and the elements.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from journeys.services import content_asset_create
from leads.content.services import content_rate, content_send
from leads.imports.services import import_job_create
from leads.lifecycle import lead_move_stage
from leads.models import Lead, Note, Stage
from leads.scoring.engine import leads_score
from leads.scoring.qualification import criteria_defaults
from leads.scoring.runs import scoring_run_execute
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_default,
)
from leads.selectors import COLUMN_SIZE
from leads.services import touch_log
from smarketing.accounts import demo_users_ensure
from smarketing.roles import Role
from tests.crm_exports import hubspot_contacts
from tests.e2e.axe import AXE_URL, axe_violations
from tests.factories import CompanyFactory, EventFactory, LeadFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-password"  # noqa: S105 - the factories' password for test users.

# Links not followed: they log out or download a file, the API's documentation is
# drf-spectacular's own page, and static files are not pages.
NOT_FOLLOWED = re.compile(r"^/(static|media|api)/|/logout/|/export/|\.csv$")
# Of the Django admin: its index, and the list and the form of leads. Django's own widget for
# choosing many (as on a group's form) fails two rules that its script writes, out of our reach.
ADMIN_PAGES = ("index", "leads_lead_changelist", "leads_lead_change")
# An import waiting for its columns to be checked, one row with a problem.
# A CRM export as wide as a real one (twenty columns and more), with a bad row.
IMPORT_CSV = hubspot_contacts(12).csv()


def _portal(users_by_role) -> Lead:
    """A small but complete portal, so every page has something to show; returns the lead
    with the fullest page (a rule's and a rep's stage moves, events, a touch and a note)."""
    demo_users_ensure()  # the login page then names the demo logins
    sales, marketing = users_by_role[Role.SALES], users_by_role[Role.MARKETING]
    admin = users_by_role[Role.ADMIN]
    companies = CompanyFactory.create_batch(3)
    stages = [Stage.LEAD, Stage.MQL, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY]
    stages += [Stage.CUSTOMER, Stage.RECYCLED, Stage.DISQUALIFIED]
    for index, stage in enumerate(stages):
        LeadFactory(
            stage=stage,
            company=companies[index % 3],
            owner=sales if index % 2 else None,
            seniority=("vp", "director", "entry")[index % 3],
        )
    story = LeadFactory(stage=Stage.LEAD, company=companies[0], seniority="vp")
    EventFactory(lead=story, type="demo_request", occurred_at=timezone.now() - timedelta(days=2))
    EventFactory(lead=story, type="page_view")
    criteria_defaults()
    model = scoring_model_default()
    run = scoring_model_activate(model=model, actor=admin, enqueue=False)
    leads_score(model=model, now=timezone.now() - timedelta(days=7))
    scoring_run_execute(run_id=run.pk)  # the demo request makes the story an MQL, by a rule
    scoring_model_clone(model=model, actor=admin)
    story.refresh_from_db()
    lead_move_stage(lead=story, to_stage=Stage.SAL, actor=sales)
    touch_log(lead=story, by=sales, kind="call", outcome="connected", note="Asked for pricing.")
    Note.objects.create(lead=story, author=marketing, body="Met at the spring fair.")
    # Unscored leads, and more subscribers than a column shows at first ("Load more").
    LeadFactory.create_batch(COLUMN_SIZE + 1, stage=Stage.SUBSCRIBER, company=companies[1])
    import_job_create(data=IMPORT_CSV, filename="fair.csv", actor=marketing)
    # A content asset sent to the story and rated, for the content pages and suggestions.
    card = content_asset_create(by=marketing, title="Battle card", kind="battle_card",
                                status="live", link="https://docs.example.com/card")  # fmt: skip
    content_rate(send=content_send(asset=card, lead=story, by=sales), by=sales, useful=True)
    return story


def _pattern(path: str) -> str | None:
    """The URL pattern a path belongs to, or None for a path that is not visited."""
    if NOT_FOLLOWED.search(path):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return path  # a broken link is visited, and its 404 reported
    if match.namespace == "admin":
        name = match.url_name
        return f"admin:{name}" if name in ADMIN_PAGES else None
    return match.route


def _log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _crawl(page, starts: list[str], seen: set[str]) -> list[str]:
    """Visit every page pattern reachable from ``starts``, each pattern once, the starts'
    first; one line per problem found."""
    problems = []
    seen.update(_pattern(start) for start in starts)
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        response = page.goto(url)
        page.wait_for_load_state("load")
        path = urlsplit(page.url).path
        seen.add(_pattern(path))  # where a redirect led
        if response is not None and response.status >= 400:
            problems.append(f"{path}: the page answered {response.status}")
            continue
        problems += [f"{path}: {line}" for line in axe_violations(page)]
        problems += [
            f"{line} (the Content-Security-Policy)"
            for line in page.csp_violations
            # axe adds a style element of its own to measure some pages: the test's tool.
            if AXE_URL not in line
        ]
        page.csp_violations.clear()
        links = page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map((link) => link.href)"
        )
        for link in links:
            parts = urlsplit(link)
            if parts.netloc != urlsplit(page.url).netloc:
                continue
            pattern = _pattern(parts.path)
            if pattern is not None and pattern not in seen:
                seen.add(pattern)
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return problems


def test_every_page_meets_wcag_21_aa_for_every_role(page, users_by_role):
    story = _portal(users_by_role)
    problems = [f"as nobody, {line}" for line in _crawl(page, ["/accounts/login/"], set())]
    for role, user in users_by_role.items():
        _log_in(page, user.username)
        seen = {_pattern("/accounts/login/")}
        starts = ["/", story.get_absolute_url(), reverse("leads:score", args=[story.pk])]
        found = _crawl(page, starts, seen)
        problems += [f"as {role.label}, {line}" for line in found]
        page.context.clear_cookies()
    assert not problems, "Accessibility violations (WCAG 2.1 AA):\n" + "\n".join(problems)
