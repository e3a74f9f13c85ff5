"""Routing new MQLs: round robin within a team, weighted, by territory or persona, skipping reps
who are away, at capacity or inactive; set-based for a bulk MQL; fair across batches; each rep
told once; every change of owner kept in the lead's history."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.lifecycle import StageChange, lead_move_stage, stage_changes_write
from leads.models import Lead, OwnerChange, Stage
from leads.services import leads_assign
from personas.models import Persona
from sla.models import Clock, ClockStatus, Notification, RoutingTally, TeamMember
from sla.routing import mqls_route, notifications_email
from sla.services import routing_rule_save, team_save
from smarketing.roles import Role
from tests.factories import CompanyFactory, LeadFactory, UserFactory, signed_agreement
from tests.helpers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps(rep, other_rep):
    return [rep, other_rep, UserFactory(username="sue", role=Role.SALES)]


def sales_team(name: str, members, **member_fields):
    team = team_save(data={"name": name, "function": "sales", "time_zone": "UTC"})
    for user in members:
        TeamMember.objects.create(team=team, user=user, **member_fields.get(user.username, {}))
    return team


def bulk_mql(leads, django_capture_on_commit_callbacks):
    """The criteria qualify these leads in one go, as a rescore does."""
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        stage_changes_write(
            [
                StageChange(lead.pk, Stage.LEAD, Stage.MQL, now, rule="MQL criteria")
                for lead in leads
            ]
        )


def owners(leads) -> Counter:
    return Counter(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list(
            "owner__username", flat=True
        )
    )


def test_a_bulk_mql_of_300_leads_is_shared_evenly_over_three_reps(
    reps, django_capture_on_commit_callbacks
):
    team = sales_team("Sales", reps)
    routing_rule_save(data={"name": "Everyone", "team": team})
    leads = LeadFactory.create_batch(300, company=CompanyFactory())
    bulk_mql(leads, django_capture_on_commit_callbacks)
    assert owners(leads) == {"sam": 100, "sid": 100, "sue": 100}
    history = OwnerChange.objects.filter(lead__in=leads)
    assert history.count() == 300
    assert set(history.values_list("rule", "from_owner", "actor")) == {
        ("Routing: Everyone", None, None)
    }


def test_weights_share_the_leads_in_proportion(reps, django_capture_on_commit_callbacks):
    team = sales_team("Sales", reps, sam={"weight": 2})
    routing_rule_save(data={"name": "Weighted", "team": team, "weighted": True})
    leads = LeadFactory.create_batch(400, company=CompanyFactory())
    bulk_mql(leads, django_capture_on_commit_callbacks)
    assert owners(leads) == {"sam": 200, "sid": 100, "sue": 100}


def test_weights_are_ignored_by_a_rule_that_is_not_weighted(
    reps, django_capture_on_commit_callbacks
):
    team = sales_team("Sales", reps, sam={"weight": 5})
    routing_rule_save(data={"name": "Even", "team": team})
    leads = LeadFactory.create_batch(30, company=CompanyFactory())
    bulk_mql(leads, django_capture_on_commit_callbacks)
    assert owners(leads) == {"sam": 10, "sid": 10, "sue": 10}


def test_reps_away_inactive_or_at_capacity_are_skipped(reps, django_capture_on_commit_callbacks):
    sam, sid, sue = reps
    today = timezone.localdate()
    team = sales_team("Sales", reps, sam={"away_until": today}, sue={"max_open_mqls": 3})
    back = UserFactory(username="ben", role=Role.SALES)
    TeamMember.objects.create(team=team, user=back, away_until=today - timedelta(days=1))
    gone = UserFactory(username="gus", role=Role.SALES, is_active=False)
    TeamMember.objects.create(team=team, user=gone)
    LeadFactory(stage=Stage.MQL, owner=sue)  # one of Sue's three open MQLs already
    routing_rule_save(data={"name": "Everyone", "team": team})
    leads = LeadFactory.create_batch(12, company=CompanyFactory())
    bulk_mql(leads, django_capture_on_commit_callbacks)
    assert owners(leads) == {"sue": 2, "sid": 5, "ben": 5}


def test_leads_no_rep_can_take_stay_unassigned_and_are_counted(reps):
    team = sales_team("Sales", reps[:1], sam={"max_open_mqls": 1})
    routing_rule_save(data={"name": "Everyone", "team": team})
    leads = LeadFactory.create_batch(3, stage=Stage.MQL, company=CompanyFactory())
    routed = mqls_route([lead.pk for lead in leads])
    assert (routed.assigned, routed.no_rep, routed.unmatched) == (1, 2, 0)
    assert owners(leads) == {"sam": 1, None: 2}


def test_the_round_robin_stays_fair_across_batches_and_for_a_rep_who_joins(
    reps, django_capture_on_commit_callbacks
):
    sam, sid, sue = reps
    team = sales_team("Sales", [sam, sid])
    rule = routing_rule_save(data={"name": "Everyone", "team": team})
    for _ in range(5):
        bulk_mql(
            LeadFactory.create_batch(3, company=CompanyFactory()),
            django_capture_on_commit_callbacks,
        )
    assert dict(RoutingTally.objects.filter(rule=rule).values_list("user__username", "assigned")) == {
        "sam": 8, "sid": 7,
    }  # fmt: skip
    TeamMember.objects.create(team=team, user=sue)  # joins level: not owed the 7 leads before
    later = LeadFactory.create_batch(6, company=CompanyFactory())
    bulk_mql(later, django_capture_on_commit_callbacks)
    assert owners(later) == {"sam": 2, "sid": 2, "sue": 2}


def test_territory_and_persona_rules_come_first_then_the_catch_all(
    reps, django_capture_on_commit_callbacks
):
    sam, sid, sue = reps
    dach = sales_team("DACH", [sam])
    cfo = sales_team("Finance buyers", [sid])
    rest = sales_team("Everyone else", [sue])
    finance = Persona.objects.create(name="Finance Fiona")
    routing_rule_save(data={"name": "DACH", "team": dach, "countries": ["de", "AT"], "position": 1})
    routing_rule_save(data={"name": "CFOs", "team": cfo, "position": 2}, personas=[finance])
    routing_rule_save(data={"name": "Rest", "team": rest, "position": 9})
    german = LeadFactory(country="DE", company=CompanyFactory(country="FR"))
    by_company = LeadFactory(country="", company=CompanyFactory(country="AT"))
    fiona = LeadFactory(country="FR", persona=finance)
    other = LeadFactory(country="US")
    bulk_mql([german, by_company, fiona, other], django_capture_on_commit_callbacks)
    owner = dict(Lead.objects.values_list("pk", "owner__username"))
    assert [owner[lead.pk] for lead in (german, by_company, fiona, other)] == [
        "sam", "sam", "sid", "sue",
    ]  # fmt: skip


def test_an_mql_no_rule_matches_stays_in_the_unassigned_queue(
    reps, django_capture_on_commit_callbacks
):
    routing_rule_save(data={"name": "DACH", "team": sales_team("DACH", reps), "countries": ["DE"]})
    lead = LeadFactory(country="US")
    bulk_mql([lead], django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.owner is None and not OwnerChange.objects.filter(lead=lead).exists()


def test_an_mql_with_an_owner_keeps_it(reps, django_capture_on_commit_callbacks):
    routing_rule_save(data={"name": "Everyone", "team": sales_team("Sales", reps[1:])})
    lead = LeadFactory(owner=reps[0])
    bulk_mql([lead], django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.owner == reps[0]


def test_each_rep_is_told_once_in_the_portal_and_by_email(reps, django_capture_on_commit_callbacks):
    team = sales_team("Sales", reps[:2])
    routing_rule_save(data={"name": "Everyone", "team": team})
    leads = LeadFactory.create_batch(4, company=CompanyFactory())
    bulk_mql(leads, django_capture_on_commit_callbacks)
    notes = Notification.objects.order_by("user__username")
    assert [(n.user.username, n.text) for n in notes] == [
        ("sam", "2 new MQLs were routed to you."),
        ("sid", "2 new MQLs were routed to you."),
    ]
    # E-mailed once the routing committed; the minute's sweep, or a second worker, sends none.
    assert notifications_email() == 0
    assert sorted(message.to[0] for message in mail.outbox) == [
        "sam@example.com",
        "sid@example.com",
    ]
    assert "/queue/" in mail.outbox[0].body


def test_a_repeated_hook_routes_and_tells_nothing_twice(reps, django_capture_on_commit_callbacks):
    team = sales_team("Sales", reps)
    rule = routing_rule_save(data={"name": "Everyone", "team": team})
    leads = LeadFactory.create_batch(6, stage=Stage.MQL, company=CompanyFactory())
    ids = [lead.pk for lead in leads]
    first = mqls_route(ids)
    again = mqls_route(ids)
    assert (first.assigned, again.assigned) == (6, 0)
    assert OwnerChange.objects.count() == 6 and Notification.objects.count() == 3
    assert sum(RoutingTally.objects.filter(rule=rule).values_list("assigned", flat=True)) == 6


def test_an_inactive_rule_routes_nothing(reps):
    routing_rule_save(data={"name": "Off", "team": sales_team("Sales", reps), "active": False})
    lead = LeadFactory(stage=Stage.MQL)
    assert mqls_route([lead.pk]).assigned == 0


def test_a_rule_is_refused_for_a_marketing_team_or_an_unknown_country(reps):
    marketing = team_save(data={"name": "Marketing", "function": "marketing", "time_zone": "UTC"})
    with pytest.raises(ValidationError) as refused:
        routing_rule_save(data={"name": "Wrong", "team": marketing, "countries": ["XX"]})
    assert refused.value.message_dict == {
        "countries": ["Not a country code: XX (e.g. DE, FR, GB)."],
    }
    with pytest.raises(ValidationError) as refused:
        routing_rule_save(data={"name": "Wrong", "team": marketing})
    assert refused.value.message_dict == {"team": ["Leads are routed to a sales team."]}


def test_a_manual_reassignment_keeps_history_and_the_running_clocks_follow(
    rep, other_rep, sales_manager, django_capture_on_commit_callbacks
):
    signed_agreement(
        admin=UserFactory(username="ada", role=Role.ADMIN), marketer=UserFactory(username="maya", role=Role.MARKETING),
        sales_manager=sales_manager, effective_from=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    lead = LeadFactory(owner=rep)
    bulk_mql([lead], django_capture_on_commit_callbacks)
    assert set(Clock.objects.filter(lead=lead).values_list("owner", flat=True)) == {rep.pk}
    with django_capture_on_commit_callbacks(execute=True):
        leads_assign(lead_ids=[lead.pk], owner=other_rep, actor=sales_manager)
    change = OwnerChange.objects.get(lead=lead)
    assert (change.from_owner, change.to_owner, change.actor, change.rule) == (
        rep, other_rep, sales_manager, "",
    )  # fmt: skip
    running = Clock.objects.filter(lead=lead, status=ClockStatus.RUNNING)
    assert set(running.values_list("owner", flat=True)) == {other_rep.pk}


def test_a_rep_who_accepts_an_unowned_mql_is_recorded_as_its_owner(rep):
    lead = LeadFactory(stage=Stage.MQL)
    lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=rep)
    change = OwnerChange.objects.get(lead=lead)
    assert (change.from_owner, change.to_owner, change.actor) == (None, rep, rep)


def test_an_email_the_mail_server_refused_is_sent_by_the_next_run(reps, settings):
    team = sales_team("Sales", reps[:1])
    routing_rule_save(data={"name": "Everyone", "team": team})
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    mqls_route([LeadFactory(stage=Stage.MQL).pk])  # the mail server is not there
    assert Notification.objects.get().emailed_at is None and not mail.outbox
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_email() == 1
    assert [message.to for message in mail.outbox] == [["sam@example.com"]]


def test_the_sla_page_shows_the_rules_in_words_and_each_reps_load(client_for, reps):
    sam, sid, sue = reps
    team = sales_team(
        "Sales", reps, sam={"away_until": timezone.localdate() + timedelta(days=2)},
        sid={"max_open_mqls": 1}, sue={"weight": 3},
    )  # fmt: skip
    finance = Persona.objects.create(name="Finance Fiona")
    routing_rule_save(data={"name": "DACH finance", "team": team, "countries": ["DE", "AT"]},
                      personas=[finance])  # fmt: skip
    routing_rule_save(data={"name": "Everyone", "team": team, "weighted": True, "position": 5})
    LeadFactory(stage=Stage.MQL, owner=sid)
    page = " ".join(client_for(sue).get("/sla/").content.decode().split())
    assert (
        "<strong>DACH finance</strong>: leads from AT, DE and of persona Finance Fiona → Sales, "
        "round robin" in page
    )
    assert "<strong>Everyone</strong>: every lead → Sales, weighted round robin" in page
    rows = re.findall(r'<tr> <th scope="row" class="fw-normal">(.*?)</tr>', page)
    status = {re.sub("<.*", "", row): re.findall(r'badge [^"]*">([^<]*)<', row)[0] for row in rows}
    away = (timezone.localdate() + timedelta(days=2)).strftime("%-d %b")
    assert status == {
        sam.get_full_name(): f"Away until {away}", sid.get_full_name(): "At capacity",
        sue.get_full_name(): "Taking leads",
    }  # fmt: skip


def test_a_rep_reads_what_was_routed_to_them_on_their_queue_and_marks_it_read(client_for, reps):
    routing_rule_save(data={"name": "Everyone", "team": sales_team("Sales", reps[:1])})
    lead = LeadFactory(stage=Stage.MQL, first_name="Grace", last_name="Hopper")
    mqls_route([lead.pk])
    client = client_for(reps[0])
    page = client.get("/queue/").content.decode()
    assert 'data-testid="notifications"' in page
    assert "A new MQL was routed to you: Grace Hopper." in page
    response = client.post("/notifications/read/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Notification.objects.get().read_at is not None
    assert 'data-testid="notifications"' not in client.get("/queue/").content.decode()


def test_the_api_lists_adds_changes_and_deletes_rules_as_the_admin(client_for, admin_user, reps):
    team = sales_team("Sales", reps)
    persona = Persona.objects.create(name="Finance Fiona")
    rules = reverse("api:sla-routing-rule-list")
    admin = client_for(admin_user)
    body = {"name": "DACH", "team": team.pk, "countries": ["de", "ch"], "personas": [persona.pk]}
    created = admin.post(rules, body, content_type="application/json")
    assert created.status_code == 201, created.content
    shown = created.json()
    assert (shown["countries"], shown["personas"], shown["team"]) == (
        ["CH", "DE"], [persona.pk], "Sales",
    )  # fmt: skip
    detail = reverse("api:sla-routing-rule-detail", args=[shown["id"]])
    changed = admin.patch(detail, {"weighted": True}, content_type="application/json").json()
    assert (changed["weighted"], changed["countries"]) == (True, ["CH", "DE"])
    bad = admin.patch(detail, {"countries": ["XX"]}, content_type="application/json")
    assert bad.status_code == 400 and "Not a country code: XX" in bad.content.decode()
    refused = client_for(reps[0]).post(rules, body, content_type="application/json")
    assert refused.status_code == 403
    assert [rule["name"] for rule in client_for(reps[0]).get(rules).json()] == ["DACH"]
    assert admin.delete(detail).status_code == 204
    assert client_for(reps[0]).get(detail).status_code == 404
