import pytest
from django.urls import reverse

from leads.models import LeadSearch, Stage, StageTransition
from tests.factories import CompanyFactory, LeadFactory, rejection_reason

pytestmark = pytest.mark.django_db


def test_admin_lists_leads_and_opens_one(client_for, admin_user):
    lead = LeadFactory(email="ops@acme.test")
    client = client_for(admin_user)
    assert "ops@acme.test" in client.get(reverse("admin:leads_lead_changelist")).content.decode()
    assert client.get(reverse("admin:leads_lead_change", args=[lead.pk])).status_code == 200


def test_the_recycle_action_goes_through_the_lifecycle(client_for, admin_user):
    open_lead = LeadFactory(stage=Stage.MQL)
    subscriber = LeadFactory(stage=Stage.SUBSCRIBER)
    response = client_for(admin_user).post(
        reverse("admin:leads_lead_changelist"),
        {"action": "recycle_no-budget", "_selected_action": [open_lead.pk, subscriber.pk]},
        follow=True,
    )
    assert "2 leads recycled." in response.content.decode()
    transition = StageTransition.objects.get(lead=open_lead)
    assert (transition.to_stage, transition.actor, transition.reason) == (
        "recycled", admin_user, "Recycled by revenue ops",
    )  # fmt: skip
    assert transition.rejection_reason.label == "No budget"


def test_the_admin_offers_a_recycle_action_per_active_reason(client_for, admin_user):
    retired = rejection_reason("competitor")
    retired.active = False
    retired.save()
    page = client_for(admin_user).get(reverse("admin:leads_lead_changelist")).content.decode()
    assert "Recycle selected leads: No budget" in page
    assert "Recycle selected leads: Competitor" not in page


def test_events_and_transitions_are_read_only_in_the_admin(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("admin:leads_event_add")).status_code == 403
    assert client.get(reverse("admin:leads_stagetransition_add")).status_code == 403


def test_renaming_a_company_in_the_admin_renames_it_in_its_leads_search(client_for, admin_user):
    company = CompanyFactory(name="Acme", domain="acme.com")
    lead = LeadFactory(company=company, email="ops@example.test")
    change = reverse("admin:leads_company_change", args=[company.pk])
    form = client_for(admin_user).get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    response = client_for(admin_user).post(change, {**data, "name": "Initech"})
    assert response.status_code == 302
    assert LeadSearch.objects.get(lead=lead).text.endswith(" initech")
