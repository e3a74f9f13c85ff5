"""The persona pages as each role uses them: every role reads; marketing and admins create,
edit, mark reviewed and delete; read-only roles see no controls and are refused a POST."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.lifecycle import StageChange, stage_changes_write
from personas.models import Persona
from personas.services import persona_insight_share, persona_update
from smarketing.roles import Role
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("personas:index")
CREATE = reverse("personas:create")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, persona: Persona) -> str:
    return reverse(f"personas:{name}", args=[persona.pk])


def history_of(lead, *stages: str, reasons: dict | None = None) -> None:
    """Write ``lead``'s path through ``stages`` (it already holds the last), a day apart."""
    start = timezone.now() - timedelta(days=len(stages))
    previous = ""
    changes = []
    for step, stage in enumerate(stages):
        changes.append(
            StageChange(
                lead_id=lead.pk, from_stage=previous, to_stage=stage,
                at=start + timedelta(days=step), rule="test",
                reason=(reasons or {}).get(stage, ""),
            )
        )  # fmt: skip
        previous = stage
    stage_changes_write(changes, apply=False)


# --- reading -----------------------------------------------------------------------------------


def test_every_role_reads_the_list_and_the_page(client_for, users_by_role, make_persona):
    persona = make_persona(summary="Head of marketing at a SaaS company.")
    for role, user in users_by_role.items():
        client = client_for(user)
        listing = client.get(INDEX)
        page = client.get(url("detail", persona))
        assert listing.status_code == page.status_code == 200, role
        assert "Marketing Mary" in listing.content.decode()
        assert "Head of marketing at a SaaS company." in page.content.decode()


def test_the_list_shows_owner_leads_and_who_needs_a_review(client_for, rep, make_persona, marketer):
    mary = make_persona("Marketing Mary")
    oliver = make_persona("Ops Oliver")
    Persona.objects.filter(pk=oliver.pk).update(last_reviewed_on=None)
    LeadFactory.create_batch(3, persona=mary)
    page = client_for(rep).get(INDEX).content.decode()
    rows = page.split('data-testid="persona-row"')[1:]
    assert 'data-testid="persona-leads">3<' in rows[0] and marketer.get_full_name() in rows[0]
    assert "Needs review" not in rows[0]
    assert "Needs review" in rows[1] and "Never" in rows[1]


def test_read_only_roles_see_no_edit_controls(client_for, rep, sales_manager, make_persona):
    persona = make_persona()
    for user in (rep, sales_manager):
        client = client_for(user)
        assert "New persona" not in client.get(INDEX).content.decode()
        page = client.get(url("detail", persona)).content.decode()
        assert url("edit", persona) not in page
        assert url("delete", persona) not in page
        assert "Mark reviewed" not in page


def test_read_only_roles_are_refused_every_change(client_for, rep, sales_manager, make_persona):
    persona = make_persona()
    for user in (rep, sales_manager):
        client = client_for(user)
        assert client.post(CREATE, {"name": "Sneaky"}).status_code == 403
        assert client.post(url("edit", persona), {"name": "Renamed"}).status_code == 403
        assert client.post(url("review", persona)).status_code == 403
        assert client.post(url("delete", persona)).status_code == 403
        assert client.get(url("edit", persona)).status_code == 403
    persona.refresh_from_db()
    assert persona.name == "Marketing Mary"
    assert Persona.objects.count() == 1


def test_the_page_shows_the_profile_by_question_group(client_for, rep, make_persona):
    persona = make_persona(
        age_min=32, age_max=45, buying_factors=["price", "reputation"], industries=["Software"],
        income_min=120_000, income_max=190_000,
    )  # fmt: skip
    page = client_for(rep).get(url("detail", persona)).content.decode()
    assert page.count('data-testid="question-group"') == 12
    for text in ("1. Demographics", "12. Feedback and suggestions", "32–45", "Price, Brand reputation",
                 "120,000–190,000 USD", "What industry do they work in?"):  # fmt: skip
        assert text in page


def test_the_page_shows_its_matching_rules_and_content(client_for, rep, make_persona):
    page = client_for(rep).get(url("detail", make_persona())).content.decode()
    assert "Matching rules" in page
    assert "No matching rules: leads get this persona only by hand." in page
    assert "Content for " in page and "No live content made for this persona yet." in page


def test_the_funnel_counts_each_lead_once_per_stage_it_ever_reached(client_for, rep, make_persona):
    persona = make_persona()
    customer = LeadFactory(persona=persona, stage="customer")
    history_of(customer, "lead", "mql", "sal", "sql", "opportunity", "customer")
    recycled_sql = LeadFactory(persona=persona, stage="recycled")
    history_of(recycled_sql, "lead", "mql", "sal", "sql", "recycled")
    # Moved back and qualified again: still one MQL.
    twice = LeadFactory(persona=persona, stage="mql")
    history_of(twice, "lead", "mql", "recycled", "lead", "mql")
    jumped = LeadFactory(persona=persona, stage="sql")  # an admin's jump past MQL
    history_of(jumped, "lead", "sql")
    history_of(LeadFactory(persona=persona), "lead")
    history_of(LeadFactory(persona=None, stage="customer"), "lead", "mql", "customer")
    page = client_for(rep).get(url("detail", persona)).content.decode()
    assert 'data-testid="funnel-leads">5<' in page
    assert 'data-testid="funnel-mql">4<' in page
    assert 'data-testid="funnel-sql">3<' in page
    assert 'data-testid="funnel-customer">1<' in page


def test_the_top_rejection_reasons_come_from_its_leads_recycles_and_disqualifications(
    client_for, rep, make_persona
):
    persona = make_persona()
    page = client_for(rep).get(url("detail", persona)).content.decode()
    assert "No rejections yet." in page
    reasons = ["No budget"] * 3 + ["Competitor"] * 2 + ["Bad timing", "A", "B", "C"]
    for reason in reasons:
        lead = LeadFactory(persona=persona, stage="recycled")
        history_of(lead, "lead", "mql", "recycled", reasons={"recycled": reason})
    other = LeadFactory(stage="disqualified")
    history_of(other, "lead", "disqualified", reasons={"disqualified": "Someone else's"})
    page = client_for(rep).get(url("detail", persona)).content.decode()
    table = page.split('data-testid="rejection-reasons"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 5  # the header, then the top five
    assert table.index("No budget") < table.index("Competitor") < table.index(">A<")
    assert '<td>No budget</td><td class="text-end">3</td>' in table
    assert "Someone else" not in table and ">C<" not in table


def test_the_page_lists_the_campaigns_that_target_it(client_for, rep, make_persona):
    persona = make_persona()
    CampaignFactory(name="LinkedIn: revenue leaders", target_persona=persona)
    CampaignFactory(name="Untargeted")
    page = client_for(rep).get(url("detail", persona)).content.decode()
    assert "LinkedIn: revenue leaders" in page and "Untargeted" not in page


def test_the_page_shows_the_history_field_by_field(client_for, rep, make_persona, admin_user):
    persona = make_persona(location="London")
    persona_update(persona=persona, actor=admin_user, data={"location": "Berlin"})
    page = client_for(rep).get(url("detail", persona)).content.decode()
    history = page.split('data-testid="persona-history"')[1]
    assert (
        'Where they live</td><td class="sm-prose">London</td><td class="sm-prose">Berlin' in history
    )
    assert admin_user.get_full_name() in history and "Created" in history


def test_an_unknown_persona_is_a_404(client_for, rep):
    assert client_for(rep).get(reverse("personas:detail", args=[999_999])).status_code == 404


# --- query budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("personas", [2, 20])
def test_the_list_costs_the_same_queries_at_any_size(
    client_for, rep, make_persona, django_assert_max_num_queries, personas
):
    for number in range(personas):
        LeadFactory(persona=make_persona(f"Persona {number}"))
    client = client_for(rep)
    # The session, its user, the user's roles, then the personas with owners and lead counts.
    with django_assert_max_num_queries(4):
        response = client.get(INDEX)
    assert response.content.decode().count('data-testid="persona-row"') == personas


@pytest.mark.parametrize("size", [1, 15])
def test_the_page_costs_the_same_queries_at_any_size(
    client_for, rep, make_persona, admin_user, django_assert_max_num_queries, size
):
    persona = make_persona()
    for number in range(size):
        persona_update(persona=persona, actor=admin_user, data={"summary": f"v{number}"})
        lead = LeadFactory(persona=persona, stage="recycled")
        history_of(lead, "lead", "mql", "recycled", reasons={"recycled": f"Reason {number}"})
        CampaignFactory(target_persona=persona)
        persona_insight_share(persona=persona, author=rep, body=f"Heard on call {number}")
    client = client_for(rep)
    # The session, its user, the user's roles; the persona with its owner, lead count and open
    # insights, its funnel, its campaigns, its rejection reasons, its insights with their
    # authors, its history with their users, its content.
    with django_assert_max_num_queries(10):
        response = client.get(url("detail", persona))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="insight"') == size


# --- writing -----------------------------------------------------------------------------------


def profile_post(**fields) -> dict:
    return {"name": "Ops Oliver", "income_currency": "EUR", **fields}


def test_a_marketer_creates_a_persona_with_the_form(client_for, marketer):
    response = client_for(marketer).post(
        CREATE,
        profile_post(age_min="40", age_max="58", buying_factors=["quality", "support"],
                     industries="Manufacturing\nLogistics, Manufacturing", owner=marketer.pk),
    )  # fmt: skip
    persona = Persona.objects.get()
    assert response.status_code == 302 and response["Location"] == persona.get_absolute_url()
    assert (persona.age_min, persona.age_max) == (40, 58)
    assert persona.buying_factors == ["quality", "support"]
    assert persona.industries == ["Manufacturing", "Logistics"]
    assert persona.history.get().history_user == marketer


def test_the_form_refuses_an_age_range_the_wrong_way_round_and_saves_nothing(client_for, marketer):
    response = client_for(marketer).post(CREATE, profile_post(age_min="58", age_max="40"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "The oldest age (40) must not be below the youngest (58)." in page
    assert not Persona.objects.exists()


def test_over_htmx_a_refused_form_is_swapped_in_place_and_a_saved_one_redirects(
    client_for, marketer
):
    client = client_for(marketer)
    refused = client.post(CREATE, profile_post(income_min="9", income_max="1"), **HTMX)
    assert refused.status_code == 200
    assert refused.content.decode().lstrip().startswith("<form")
    assert "The income range must end at or above its start" in refused.content.decode()
    saved = client.post(CREATE, profile_post(), **HTMX)
    assert saved["HX-Redirect"] == Persona.objects.get().get_absolute_url()


def test_an_admin_edits_a_persona_and_the_history_names_them(client_for, admin_user, make_persona):
    persona = make_persona(gender="any")
    client = client_for(admin_user)
    form = client.get(url("edit", persona))
    assert form.status_code == 200 and 'value="Marketing Mary"' in form.content.decode()
    response = client.post(
        url("edit", persona), profile_post(name="Marketing Mary", gender="mostly_women")
    )
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.gender == "mostly_women" and persona.income_currency == "EUR"
    assert persona.history.latest().history_user == admin_user


def test_a_refused_edit_leaves_the_persona_as_it_was(client_for, marketer, make_persona):
    persona = make_persona(age_min=30)
    response = client_for(marketer).post(
        url("edit", persona), profile_post(name="Renamed", age_min="50", age_max="20")
    )
    assert response.status_code == 400
    persona.refresh_from_db()
    assert (persona.name, persona.age_min) == ("Marketing Mary", 30)


def test_mark_reviewed_with_and_without_htmx(client_for, marketer, make_persona, settings):
    persona = make_persona()
    long_ago = timezone.localdate() - timedelta(days=settings.PERSONA_REVIEW_DAYS)
    Persona.objects.filter(pk=persona.pk).update(last_reviewed_on=long_ago)
    client = client_for(marketer)
    fragment = client.post(url("review", persona), **HTMX)
    assert fragment.status_code == 200
    assert 'id="persona-review"' in fragment.content.decode()
    assert "Marked as reviewed today." in fragment.content.decode()
    persona.refresh_from_db()
    assert persona.last_reviewed_on == timezone.localdate() and not persona.needs_review
    plain = client.post(url("review", persona))
    assert plain.status_code == 302 and plain["Location"] == persona.get_absolute_url()


def test_deleting_asks_first_then_leaves_the_leads_without_a_persona(
    client_for, marketer, make_persona
):
    persona = make_persona()
    lead = LeadFactory(persona=persona)
    client = client_for(marketer)
    confirm = client.get(url("delete", persona))
    assert confirm.status_code == 200 and "1 lead(s) have this persona" in confirm.content.decode()
    assert Persona.objects.exists()
    response = client.post(url("delete", persona), follow=True)
    assert "no longer have a persona" in response.content.decode()
    lead.refresh_from_db()
    assert lead.persona is None and not Persona.objects.exists()


def test_the_owner_is_chosen_among_marketing_and_admins(client_for, marketer, rep, admin_user):
    page = client_for(marketer).get(CREATE).content.decode()
    owner_select = page.split('name="owner"')[1].split("</select>")[0]
    assert marketer.get_full_name() in owner_select and admin_user.get_full_name() in owner_select
    assert rep.get_full_name() not in owner_select
    response = client_for(marketer).post(CREATE, profile_post(owner=rep.pk))
    assert response.status_code == 400 and not Persona.objects.exists()


def test_the_marketing_manager_role_writes_too(client_for, users_by_role):
    response = client_for(users_by_role[Role.MARKETING_MANAGER]).post(CREATE, profile_post())
    assert response.status_code == 302 and Persona.objects.exists()
