"""The service-level agreement as the teams use it: revenue ops drafts a version, marketing signs
for marketing and a sales manager for sales, and the second signature fixes it and puts it in
force; every role reads it on the SLA page and through the API; bad terms, signatures by the
wrong role and changes to a signed version are refused with a message and write nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.lifecycle import lead_move_stage
from leads.models import Stage
from personas.models import Persona
from sla.clocks import clocks_sweep
from sla.models import Agreement, Clock, DayOff, Function, Signoff, Team, TeamMember
from sla.services import (
    agreement_draft,
    agreement_sign,
    agreement_update,
    routing_rule_save,
    team_save,
)
from smarketing.roles import Role
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("sla:index")
TERMS = {
    "mqls_per_month": 150,
    "min_accepted_percent": 65,
    "first_touch_hours": Decimal(4),
    "touches_required": 4,
    "touches_within_days": 7,
    "decision_hours": Decimal(16),
}


def signed(admin_user, marketer, sales_manager, **terms) -> Agreement:
    agreement = agreement_draft(actor=admin_user, data={**TERMS, **terms})
    agreement_sign(agreement=agreement, user=marketer, function=Function.MARKETING)
    return agreement_sign(agreement=agreement, user=sales_manager, function=Function.SALES)


def test_the_second_signature_puts_the_version_in_force(admin_user, marketer, sales_manager):
    draft = agreement_draft(actor=admin_user, data=TERMS)
    assert Agreement.objects.in_force() is None
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    assert Agreement.objects.in_force() is None
    draft = agreement_sign(agreement=draft, user=sales_manager, function=Function.SALES)
    assert draft.is_signed
    assert Agreement.objects.in_force() == draft
    assert {(s.function, s.user) for s in draft.signoffs.all()} == {
        ("marketing", marketer),
        ("sales", sales_manager),
    }


def test_a_new_version_copies_the_terms_and_replaces_the_old_one_once_signed(
    admin_user, marketer, sales_manager
):
    first = signed(admin_user, marketer, sales_manager)
    second = agreement_draft(actor=admin_user, data={"first_touch_hours": Decimal(2)})
    assert (second.version, second.mqls_per_month, second.first_touch_hours) == (2, 150, 2)
    assert Agreement.objects.in_force() == first
    signed_second = signed(admin_user, marketer, sales_manager, first_touch_hours=Decimal(2))
    assert Agreement.objects.in_force() == signed_second
    assert Agreement.objects.in_force(at=first.effective_from) == first


def test_a_version_to_take_effect_later_waits_for_its_date(admin_user, marketer, sales_manager):
    first = signed(admin_user, marketer, sales_manager)
    later = timezone.now() + timedelta(days=14)
    signed(admin_user, marketer, sales_manager, effective_from=later)
    assert Agreement.objects.in_force() == first
    assert Agreement.objects.in_force(at=later + timedelta(minutes=1)).version == 2


def test_changing_a_draft_withdraws_its_signatures_and_a_signed_version_is_fixed(
    admin_user, marketer, sales_manager
):
    draft = agreement_draft(actor=admin_user, data=TERMS)
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    agreement_update(agreement=draft, data={"mqls_per_month": 200})
    assert not Signoff.objects.exists()
    done = signed(admin_user, marketer, sales_manager)
    with pytest.raises(ValidationError, match="cannot change: draft a new version"):
        agreement_update(agreement=done, data={"mqls_per_month": 1})
    done.refresh_from_db()
    assert done.mqls_per_month == 150


def test_only_marketing_signs_for_marketing_and_only_a_sales_manager_for_sales(
    admin_user, marketer, rep, sales_manager
):
    draft = agreement_draft(actor=admin_user, data=TERMS)
    with pytest.raises(PermissionDenied, match="a sales manager signs for sales"):
        agreement_sign(agreement=draft, user=rep, function=Function.SALES)
    with pytest.raises(PermissionDenied, match="a sales manager signs for sales"):
        agreement_sign(agreement=draft, user=marketer, function=Function.SALES)
    with pytest.raises(PermissionDenied, match="Only marketing signs for marketing"):
        agreement_sign(agreement=draft, user=sales_manager, function=Function.MARKETING)
    assert not Signoff.objects.exists()


def test_signing_twice_is_one_signature(admin_user, marketer):
    draft = agreement_draft(actor=admin_user, data=TERMS)
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    agreement_sign(agreement=draft, user=marketer, function=Function.MARKETING)
    assert Signoff.objects.count() == 1


def test_an_older_draft_cannot_be_signed_after_a_newer_version(admin_user, marketer, sales_manager):
    old_draft = agreement_draft(actor=admin_user, data=TERMS)
    signed(admin_user, marketer, sales_manager)
    with pytest.raises(ValidationError, match="SLA v2 was signed since"):
        agreement_sign(agreement=old_draft, user=marketer, function=Function.MARKETING)
    assert not old_draft.signoffs.exists()


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"min_accepted_percent": 120}, "min_accepted_percent", "less than or equal to 100"),
        ({"first_touch_hours": Decimal(0)}, "first_touch_hours", "greater than or equal to 0.25"),
        ({"touches_required": 0}, "touches_required", "greater than or equal to 1"),
    ],
)
def test_bad_terms_are_refused_per_field_and_nothing_is_drafted(admin_user, terms, field, message):
    with pytest.raises(ValidationError) as refused:
        agreement_draft(actor=admin_user, data={**TERMS, **terms})
    assert message in " ".join(refused.value.message_dict[field])
    assert not Agreement.objects.exists()


# --- the page ----------------------------------------------------------------------------------


def test_every_role_reads_the_agreement_in_force_with_its_signatures(
    client_for, users_by_role, admin_user, marketer, sales_manager
):
    signed(admin_user, marketer, sales_manager)
    for role, user in users_by_role.items():
        page = client_for(user).get(INDEX)
        assert page.status_code == 200, role
        text = page.content.decode()
        assert "In force: SLA v1" in text
        assert "<strong>150</strong> marketing-qualified leads a month" in text
        assert "within <strong>4 business hours</strong> of a lead becoming an MQL" in text
        assert "at least <strong>4 touches</strong> within <strong>7 days</strong>" in text
        assert "Not yet available" not in text


def test_admin_drafts_on_the_page_and_the_teams_sign_it_there(
    client_for, admin_user, marketer, sales_manager
):
    form = {**TERMS, "effective_from": "2026-01-05T09:00", "summary": "First version"}
    response = client_for(admin_user).post(reverse("sla:agreement_new"), form)
    assert response.status_code == 302
    draft = Agreement.objects.get()
    sign = reverse("sla:agreement_sign", args=[draft.pk])
    page = client_for(marketer).get(INDEX).content.decode()
    assert "Draft: SLA v1" in page
    assert "Sign for marketing" in page
    assert "Sign for sales" not in page
    client_for(marketer).post(sign, {"function": "marketing"})
    client_for(sales_manager).post(sign, {"function": "sales"})
    page = client_for(sales_manager).get(INDEX).content.decode()
    assert "In force: SLA v1" in page
    assert "Sign for" not in page


def test_a_rep_may_not_sign_nor_draft(client_for, rep, admin_user):
    draft = agreement_draft(actor=admin_user, data=TERMS)
    client = client_for(rep)
    assert (
        client.post(
            reverse("sla:agreement_sign", args=[draft.pk]), {"function": "sales"}
        ).status_code
        == 403
    )
    assert client.get(reverse("sla:agreement_new")).status_code == 403
    assert "Sign for" not in client.get(INDEX).content.decode()
    assert not Signoff.objects.exists()


def test_bad_terms_on_the_form_are_shown_and_nothing_is_saved(client_for, admin_user):
    form = {**TERMS, "min_accepted_percent": 150, "effective_from": "2026-01-05T09:00"}
    response = client_for(admin_user).post(reverse("sla:agreement_new"), form)
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert "less than or equal to 100" in response.content.decode()
    assert not Agreement.objects.exists()


def test_a_signed_version_has_no_edit_page(client_for, admin_user, marketer, sales_manager):
    done = signed(admin_user, marketer, sales_manager)
    response = client_for(admin_user).get(reverse("sla:agreement_edit", args=[done.pk]))
    assert response.status_code == 302
    followed = client_for(admin_user).get(INDEX).content.decode()
    assert "Edit" not in followed.split("In force: SLA v1")[1].split("</section>")[0]


@pytest.mark.parametrize("versions", [1, 8])
def test_the_page_costs_the_same_queries_at_any_size(
    client_for, rep, admin_user, marketer, sales_manager, django_assert_max_num_queries, versions
):
    for number in range(versions):
        signed(admin_user, marketer, sales_manager, mqls_per_month=100 + number)
        team = team_save(data={"name": f"Team {number}", "function": "sales"})
        DayOff.objects.create(team=team, on=timezone.localdate() + timedelta(days=3))
        persona = Persona.objects.create(name=f"Persona {number}")
        routing_rule_save(data={"name": f"Rule {number}", "team": team, "countries": ["DE"]},
                          personas=[persona])  # fmt: skip
        TeamMember.objects.create(team=team, user=UserFactory(role=Role.SALES), max_open_mqls=5)
        for owner in (rep, sales_manager):
            lead = LeadFactory(stage=Stage.LEAD, owner=owner)
            lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="MQL",
                            at=timezone.now() - timedelta(days=3))  # fmt: skip
    Agreement.objects.update(effective_from=timezone.now() - timedelta(days=10))
    clocks_sweep()  # starts the clocks (no hook runs in this test) and marks the breaches
    assert Clock.objects.filter(status="breached").exists()
    client = client_for(rep)
    # The session, its user, the user's roles; the versions, their signatures; the teams,
    # their members; their days off; for this week and this month, the MQLs, the decisions,
    # the clocks per kind and owner, the owners and the minutes to a first touch; the clocks at
    # risk and breached, and their count when the list is cut off; the routing rules, their
    # personas, the sales reps, their open MQLs and the MQLs routed to them; the shared goals
    # and their owner teams.
    with django_assert_max_num_queries(28):
        response = client.get(INDEX)
    assert response.status_code == 200
    assert response.content.decode().count("<details>") == versions - 1


# --- teams -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
        ({"holiday_country": "XX"}, "holiday_country", "No public holidays are known"),
        ({"holiday_country": "DE", "holiday_region": "ZZ"}, "holiday_region", "not a region"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours", "ends before it starts"),
    ],
)
def test_a_team_with_bad_hours_or_holidays_is_refused(data, field, message):
    with pytest.raises(ValidationError) as refused:
        team_save(data={"name": "Sales", "function": "sales", **data})
    assert message in " ".join(refused.value.message_dict[field])
    assert not Team.objects.exists()


def test_a_teams_calendar_closes_on_its_holidays_and_days_off():
    team = team_save(data={"name": "Sales", "function": "sales", "time_zone": "Europe/Berlin",
                           "holiday_country": "de"})  # fmt: skip
    DayOff.objects.create(team=team, on=date(2027, 1, 4), name="Kick-off")
    calendar = team.calendar()
    assert team.holiday_country == "DE"
    assert calendar.closed_on(date(2027, 1, 1))  # New Year's Day
    assert calendar.closed_on(date(2027, 1, 4))
    assert not calendar.closed_on(date(2027, 1, 5))


# --- the API -----------------------------------------------------------------------------------


def test_the_api_drafts_signs_and_refuses_changes_to_a_signed_version(
    client_for, admin_user, marketer, sales_manager, rep
):
    created = client_for(admin_user).post(
        reverse("api:sla-agreement-list"), TERMS, content_type="application/json"
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["version"], body["signed"]) == (1, False)
    sign = reverse("api:sla-agreement-sign", args=[body["id"]])
    assert (
        client_for(rep)
        .post(sign, {"function": "sales"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(marketer)
        .post(sign, {"function": "sales"}, content_type="application/json")
        .status_code
        == 403
    )
    by_admin = client_for(admin_user).post(
        sign, {"function": "sales"}, content_type="application/json"
    )
    assert by_admin.status_code == 403
    assert "a sales manager signs for sales" in str(by_admin.json())
    client_for(marketer).post(sign, {"function": "marketing"}, content_type="application/json")
    done = client_for(sales_manager).post(
        sign, {"function": "sales"}, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["signed"] is True
    assert {s["function"] for s in done.json()["signoffs"]} == {"marketing", "sales"}
    detail = reverse("api:sla-agreement-detail", args=[body["id"]])
    refused = client_for(admin_user).patch(
        detail, {"mqls_per_month": 1}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "draft a new version" in str(refused.json())
    listed = client_for(rep).get(reverse("api:sla-agreement-list")).json()["results"]
    assert [row["mqls_per_month"] for row in listed] == [150]
