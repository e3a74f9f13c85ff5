"""My queue by SLA due time: a rep's open MQLs and SALs, soonest due first, then best score,
each with its countdown (refreshed in place); a touch logged from the queue meets its clock;
a manager sees the team's queue and gives a lead to another rep of the team."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.lifecycle import lead_move_stage
from leads.models import Lead, Stage, Touch
from sla.models import Clock, ClockKind, ClockStatus, TeamMember
from sla.services import team_save
from smarketing.roles import Role
from tests.factories import LeadFactory, UserFactory, signed_agreement

ROW = re.compile(r'<tr id="row-(\d+)"')


@pytest.fixture
def agreement(db, admin_user, marketer, sales_manager):
    """An agreement in force since a month ago, signed by both teams."""
    return signed_agreement(
        admin=admin_user, marketer=marketer, sales_manager=sales_manager,
        effective_from=timezone.now() - timedelta(days=30),
    )  # fmt: skip


@pytest.fixture
def team(db, rep, other_rep, sales_manager):
    """The sales team the manager runs: the two reps."""
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "UTC"})
    team.manager = sales_manager
    team.save(update_fields=["manager"])
    for user in (rep, other_rep):
        TeamMember.objects.create(team=team, user=user)
    return team


def clock(lead, agreement, *, due_in: timedelta, kind=ClockKind.FIRST_TOUCH, status="running"):
    now = timezone.now()
    return Clock.objects.create(
        lead=lead, kind=kind, agreement=agreement, owner=lead.owner, status=status,
        started_at=now - timedelta(hours=1), due_at=now + due_in,
    )  # fmt: skip


def more_link(page: str) -> str | None:
    found = re.search(r'href="(/queue/\?section=mine&amp;cursor=[^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def rows(page: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(page)]


def test_the_queue_puts_the_soonest_due_first_then_the_best_score(client_for, rep, agreement):
    late = LeadFactory(stage=Stage.MQL, owner=rep, total_score=10)
    soon = LeadFactory(stage=Stage.SAL, owner=rep, total_score=20)
    later = LeadFactory(stage=Stage.MQL, owner=rep, total_score=90)
    best_without = LeadFactory(stage=Stage.MQL, owner=rep, total_score=80)
    without = LeadFactory(stage=Stage.MQL, owner=rep, total_score=30)
    clock(late, agreement, due_in=-timedelta(minutes=20), status=ClockStatus.BREACHED)
    clock(soon, agreement, due_in=timedelta(minutes=30), kind=ClockKind.TOUCHES)
    clock(later, agreement, due_in=timedelta(hours=5))
    # A met clock is not due: its lead sorts by score among those without one.
    clock(best_without, agreement, due_in=timedelta(minutes=5), status=ClockStatus.MET)

    response = client_for(rep).get(reverse("leads:queue"))
    page = response.content.decode()
    mine = page[: page.index('id="queue-unassigned"')]
    assert rows(mine) == [late.pk, soon.pk, later.pk, best_without.pk, without.pk]
    states = dict(re.findall(r'data-testid="due-(\d+)" data-state="([a-z-]+)"', page))
    assert states == {
        str(late.pk): "overdue", str(soon.pk): "at-risk", str(later.pk): "running",
        str(best_without.pk): "none", str(without.pk): "none",
    }  # fmt: skip
    flat = " ".join(page.split())
    assert "20 min overdue" in flat and "No SLA clock" in flat
    assert re.search(r"in 4 h 5\d min", flat)


def test_the_queue_pages_in_due_order_to_the_last_lead(client_for, rep, agreement):
    leads = Lead.objects.bulk_create(
        Lead(email=f"q{n}@example.com", stage=Stage.MQL, owner=rep, total_score=n % 7)
        for n in range(120)
    )
    for n, lead in enumerate(leads[:70]):
        clock(lead, agreement, due_in=timedelta(minutes=300 - n * 3))
    client = client_for(rep)
    page = client.get(reverse("leads:queue")).content.decode()
    page = page[: page.index('id="queue-unassigned"')]
    seen = rows(page)
    link = more_link(page)
    for _ in range(5):  # three pages of 50 hold the 120; a link that never ends fails
        if not link:
            break
        more = client.get(link, headers={"HX-Request": "true"}).content.decode()
        seen += rows(more)
        link = more_link(more)
    assert link is None
    due_first = sorted(leads[:70], key=lambda lead: 300 - leads.index(lead) * 3)
    by_score = sorted(leads[70:], key=lambda lead: (-lead.total_score, -lead.pk))
    assert seen == [lead.pk for lead in due_first + by_score]


def test_the_countdowns_refresh_in_place(client_for, rep, agreement):
    lead = LeadFactory(stage=Stage.MQL, owner=rep)
    clock(lead, agreement, due_in=timedelta(minutes=45))
    response = client_for(rep).get(
        reverse("leads:queue_due"), {"lead": [lead.pk]}, headers={"HX-Request": "true"}
    )
    cell = " ".join(response.content.decode().split())
    assert f'id="due-{lead.pk}"' in cell and 'hx-swap-oob="true"' in cell
    assert 'data-state="at-risk"' in cell and "First touch" in cell
    bad = client_for(rep).get(reverse("leads:queue_due"), {"lead": "x"})
    assert bad.status_code == 400


def test_an_mql_made_by_the_lifecycle_shows_its_first_touch_due(
    client_for, rep, marketer, agreement, django_capture_on_commit_callbacks
):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    with django_capture_on_commit_callbacks(execute=True):
        lead_move_stage(lead=lead, to_stage=Stage.MQL, actor=marketer)
    page = " ".join(client_for(rep).get(reverse("leads:queue")).content.decode().split())
    assert f'data-testid="due-{lead.pk}" data-state="running"' in page
    assert "First touch" in page


def test_a_touch_logged_from_the_queue_meets_the_first_touch_clock(
    client_for, rep, marketer, agreement, django_capture_on_commit_callbacks
):
    lead = LeadFactory(stage=Stage.LEAD, owner=rep)
    with django_capture_on_commit_callbacks(execute=True):
        lead_move_stage(lead=lead, to_stage=Stage.MQL, actor=marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(rep).post(
            reverse("leads:queue_touch", args=[lead.pk]),
            {"section": "mine", "kind": "call", "outcome": "connected", "note": "Intro call"},
            headers={"HX-Request": "true"},
        )
    assert json.loads(response["HX-Trigger"])["showMessage"] == {
        "message": f"Call logged on {lead}.",
        "kind": "success",
    }
    touch = Touch.objects.get(lead=lead)
    assert (touch.by, touch.kind, touch.note) == (rep, "call", "Intro call")
    first = Clock.objects.get(lead=lead, kind=ClockKind.FIRST_TOUCH)
    assert first.status == ClockStatus.MET
    # Once the touch commits, the queue shows what is due next: the decision.
    page = client_for(rep).get(reverse("leads:queue")).content.decode()
    cell = page[page.index(f'id="due-{lead.pk}"') :].split("</td>", 1)[0]
    assert "Decision" in cell and "First touch" not in cell


def test_a_touch_without_an_outcome_is_refused_in_the_row(client_for, rep):
    lead = LeadFactory(stage=Stage.MQL, owner=rep)
    response = client_for(rep).post(
        reverse("leads:queue_touch", args=[lead.pk]),
        {"section": "mine", "kind": "call"},
        headers={"HX-Request": "true"},
    )
    message = json.loads(response["HX-Trigger"])["showMessage"]
    assert message["kind"] == "danger" and message["message"].startswith("The touch was not logged")
    assert not Touch.objects.filter(lead=lead).exists()


def test_a_rep_may_not_touch_another_reps_lead_from_the_queue(client_for, rep, other_rep):
    lead = LeadFactory(stage=Stage.MQL, owner=other_rep)
    response = client_for(rep).post(
        reverse("leads:queue_touch", args=[lead.pk]),
        {"section": "mine", "kind": "call", "outcome": "connected"},
        headers={"HX-Request": "true"},
    )
    assert json.loads(response["HX-Trigger"])["showMessage"]["kind"] == "danger"
    assert not Touch.objects.filter(lead=lead).exists()


def test_a_manager_sees_the_teams_queue_and_reassigns_within_it(
    client_for, rep, other_rep, sales_manager, team, agreement, django_capture_on_commit_callbacks
):
    theirs = LeadFactory(stage=Stage.MQL, owner=rep)
    clock(theirs, agreement, due_in=timedelta(hours=1, minutes=30))
    outsider = UserFactory(username="olga", role=Role.SALES)
    LeadFactory(stage=Stage.MQL, owner=outsider)
    client = client_for(sales_manager)
    response = client.get(reverse("leads:queue"))
    sections = {section.name: section.page.items for section in response.context["sections"]}
    assert sections["team"] == [theirs]
    page = " ".join(response.content.decode().split())
    assert "1 open lead in your team" in page and "My team's" in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("leads:queue_assign", args=[theirs.pk]),
            {"section": "team", "owner": other_rep.pk},
            headers={"HX-Request": "true"},
        )
    assert json.loads(answer["HX-Trigger"])["showMessage"]["kind"] == "success"
    theirs.refresh_from_db()
    assert theirs.owner == other_rep
    # Someone outside the team is refused, and nothing changes.
    refused = client.post(
        reverse("leads:queue_assign", args=[theirs.pk]),
        {"section": "team", "owner": outsider.pk},
        headers={"HX-Request": "true"},
    )
    assert json.loads(refused["HX-Trigger"])["showMessage"] == {
        "message": "Choose a rep of your team.",
        "kind": "danger",
    }
    theirs.refresh_from_db()
    assert theirs.owner == other_rep


def test_a_rep_has_no_team_queue_and_may_not_reassign(client_for, rep, other_rep, team):
    lead = LeadFactory(stage=Stage.MQL, owner=rep)
    client = client_for(rep)
    names = [section.name for section in client.get(reverse("leads:queue")).context["sections"]]
    assert names == ["mine", "unassigned"]
    response = client.post(reverse("leads:queue_assign", args=[lead.pk]), {"owner": other_rep.pk})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.owner == rep


@pytest.mark.parametrize("count", [10, 300])
def test_the_managers_queue_costs_the_same_for_10_or_300_leads(
    client_for, rep, sales_manager, team, agreement, django_assert_max_num_queries, count
):
    leads = Lead.objects.bulk_create(
        Lead(email=f"t{n}@example.com", stage=Stage.MQL, owner=rep, total_score=n % 9)
        for n in range(count)
    )
    for n, lead in enumerate(leads):
        clock(lead, agreement, due_in=timedelta(minutes=n))
    client = client_for(sales_manager)
    # The session, its user, its roles; the team; three counts and three pages; the reason
    # codes; the team's reps; the manager's unread notifications.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("leads:queue"))
    assert len(rows(response.content.decode())) == min(count, 50)
