"""The pipeline board, the lead list, the lead and company pages, as a rep and a marketer
use them."""

import json

import pytest
from django.urls import reverse

from leads.models import Channel, Lead, Note, Stage, StageTransition, Touch
from leads.selectors import COLUMN_SIZE, stage_counts_invalidate
from leads.services import lead_create, lead_update
from smarketing.roles import Role
from tests.factories import CompanyFactory, EventFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts():
    stage_counts_invalidate()


def test_the_board_shows_a_column_per_stage_with_counts_and_top_cards(client_for, rep):
    LeadFactory.create_batch(3, stage=Stage.MQL, total_score=50)
    best = LeadFactory(stage=Stage.MQL, total_score=99, first_name="Top", last_name="Lead")
    response = client_for(rep).get(reverse("leads:board"))
    page = response.content.decode()
    assert 'id="count-mql">4</span>' in " ".join(page.split())
    mql = next(column for column in response.context["columns"] if column.stage == Stage.MQL)
    assert mql.leads[0] == best and len(mql.leads) == 4
    for stage in Stage:
        assert f'data-stage="{stage.value}"' in page
    assert best.get_absolute_url() in page


def test_board_filters_are_kept_in_the_url_and_narrow_the_cards(client_for, rep):
    LeadFactory(stage=Stage.LEAD, owner=rep, first_name="Mine")
    LeadFactory(stage=Stage.LEAD, first_name="Theirs")
    response = client_for(rep).get(reverse("leads:board"), {"owner": "me"})
    page = response.content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert 'data-query="owner=me"' in page


def test_a_bad_filter_value_gets_a_message_not_a_500(client_for, rep):
    response = client_for(rep).get(reverse("leads:board"), {"temperature": "boiling"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_board_answers_htmx_with_the_board_region_only(client_for, rep):
    LeadFactory(stage=Stage.LEAD)
    response = client_for(rep).get(reverse("leads:board"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="board"')
    assert "<html" not in page


def test_the_board_refreshes_its_counts(client_for, rep):
    LeadFactory.create_batch(2, stage=Stage.SAL)
    response = client_for(rep).get(
        reverse("leads:board"), {"counts": "1"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert 'id="count-sal" hx-swap-oob="true">2</span>' in page


def test_load_more_returns_the_next_cards_of_a_column(client_for, rep):
    LeadFactory.create_batch(COLUMN_SIZE + 5, stage=Stage.LEAD)
    first = client_for(rep).get(reverse("leads:board")).context["columns"][1]
    assert first.stage == Stage.LEAD and len(first.leads) == COLUMN_SIZE
    more = client_for(rep).get(
        reverse("leads:board_column", args=["lead"]),
        {"cursor": first.page.next_cursor},
        headers={"HX-Request": "true"},
    )
    shown = {lead.pk for lead in more.context["leads"]}
    assert len(shown) == 5 and shown.isdisjoint({lead.pk for lead in first.leads})


def test_a_temperature_and_a_source_page_the_list_and_a_column_by_score(client_for, rep):
    leads = [
        LeadFactory(
            stage=Stage.MQL if n % 2 else Stage.SQL,
            total_score=(n * 7) % 40,
            temperature="warm" if n % 4 else "hot",
            original_channel=Channel.PAID_SEARCH if n % 3 else Channel.EMAIL,
        )
        for n in range(160)
    ]
    filters = {"temperature": "warm", "source": "paid_search"}
    wanted = [
        lead
        for lead in leads
        if lead.temperature == "warm" and lead.original_channel == "paid_search"
    ]
    client = client_for(rep)

    seen, cursor = [], None
    while True:
        page = client.get(reverse("leads:list"), {**filters, "cursor": cursor or ""}).context[
            "page"
        ]
        seen += [lead.pk for lead in page.items]
        if not (cursor := page.next_cursor):
            break
    assert seen == [
        lead.pk for lead in sorted(wanted, key=lambda lead: (-lead.total_score, -lead.pk))
    ]

    mql = sorted(
        (lead for lead in wanted if lead.stage == Stage.MQL),
        key=lambda lead: (-lead.total_score, -lead.pk),
    )
    column = next(
        c
        for c in client.get(reverse("leads:board"), filters).context["columns"]
        if c.stage == Stage.MQL
    )
    seen, cursor = [lead.pk for lead in column.leads], column.page.next_cursor
    while cursor:
        more = client.get(
            reverse("leads:board_column", args=["mql"]),
            {**filters, "cursor": cursor},
            headers={"HX-Request": "true"},
        )
        seen += [lead.pk for lead in more.context["leads"]]
        cursor = more.context["page"].next_cursor
    assert seen == [lead.pk for lead in mql]


def test_moving_a_card_updates_the_card_and_both_counts(client_for, marketer):
    lead = LeadFactory(stage=Stage.LEAD)
    response = client_for(marketer).post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "mql", "expected_stage": "lead", "filters": ""},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert json.loads(response["HX-Trigger-After-Settle"]) == {
        "leadMoved": {"lead": lead.pk, "stage": "mql", "message": f"{lead} moved to MQL."}
    }
    assert f'hx-swap-oob="delete:#card-{lead.pk}"' in page
    assert 'data-testid="moved"' in page  # the card in its new column is marked as moved
    assert 'id="count-lead" hx-swap-oob="true">0</span>' in page
    assert 'id="count-mql" hx-swap-oob="true">1</span>' in page
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_a_refused_move_says_why_and_the_card_goes_back(client_for, rep):
    lead = LeadFactory(stage=Stage.LEAD)
    response = client_for(rep).post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "mql", "expected_stage": "lead"},
        headers={"HX-Request": "true"},
    )
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger["moveRefused"]["message"].startswith("Only marketing, marketing manager may")
    assert "delete:#card" not in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


def test_a_move_from_a_board_with_filters_edited_by_hand_is_made_and_says_so(client_for, marketer):
    lead = LeadFactory(stage=Stage.LEAD)
    response = client_for(marketer).post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "mql", "expected_stage": "lead", "filters": "?temperature=boiling"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "leadMoved" in json.loads(response["HX-Trigger-After-Settle"])
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def _card(page: str, lead) -> str:
    start = page.index(f'id="card-{lead.pk}"')
    return page[start : page.index("</article>", start)]


def test_each_card_offers_only_the_moves_its_viewer_may_make(client_for, marketer, rep):
    subscriber = LeadFactory(stage=Stage.SUBSCRIBER)
    mql = LeadFactory(stage=Stage.MQL)
    theirs = LeadFactory(stage=Stage.MQL, owner=UserFactory(username="sid", role=Role.SALES))
    page = client_for(marketer).get(reverse("leads:board")).content.decode()
    assert 'data-targets="lead mql"' in _card(page, subscriber)
    # A marketer cannot take an MQL further: its card has no move button.
    assert "sm-move-button" not in _card(page, mql)
    page = client_for(rep).get(reverse("leads:board")).content.decode()
    assert 'data-targets="sal recycled disqualified"' in _card(page, mql)
    assert 'data-targets="disqualified"' in _card(page, subscriber)
    assert "sm-move-button" not in _card(page, theirs)  # another rep's lead


def test_an_sql_move_is_offered_once_the_checklist_is_complete(client_for, rep):
    ready = LeadFactory(stage=Stage.SAL, owner=rep, budget_confirmed=True, authority_confirmed=True,
                        need_confirmed=True, timeline_confirmed=True)  # fmt: skip
    unready = LeadFactory(stage=Stage.SAL, owner=rep)
    page = client_for(rep).get(reverse("leads:board")).content.decode()
    assert 'data-targets="sql recycled disqualified"' in _card(page, ready)
    assert 'data-targets="recycled disqualified"' in _card(page, unready)


def test_loaded_cards_offer_their_moves_too(client_for, marketer):
    LeadFactory.create_batch(COLUMN_SIZE + 1, stage=Stage.LEAD)
    first = client_for(marketer).get(reverse("leads:board")).context["columns"][1]
    more = client_for(marketer).get(
        reverse("leads:board_column", args=["lead"]), {"cursor": first.page.next_cursor}
    )
    (last,) = more.context["leads"]
    assert 'data-targets="mql"' in _card(more.content.decode(), last)


def test_a_move_from_the_lead_page_without_javascript_redirects_with_a_message(client_for, rep):
    lead = LeadFactory(stage=Stage.MQL)
    response = client_for(rep).post(
        reverse("leads:move", args=[lead.pk]),
        {"to_stage": "sal", "expected_stage": "mql"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == lead.get_absolute_url()
    assert "moved to SAL" in response.content.decode()


def test_the_list_searches_sorts_and_pages_with_a_cursor(client_for, rep):
    for score in range(60):
        LeadFactory(total_score=score, last_name=f"Person{score:02d}")
    LeadFactory(first_name="Zelda", last_name="Quest", email="zelda@acme.test")
    client = client_for(rep)
    first = client.get(reverse("leads:list"))
    assert [lead.total_score for lead in first.context["page"].items][:3] == [59, 58, 57]
    second = client.get(reverse("leads:list"), {"cursor": first.context["page"].next_cursor})
    scores = [lead.total_score for lead in second.context["page"].items]
    assert len(first.context["page"].items) == 50 and len(scores) == 11
    assert (
        max(scores) < min(lead.total_score for lead in first.context["page"].items) or 0 in scores
    )
    found = client.get(reverse("leads:list"), {"q": "zelda ACME"})
    assert [lead.email for lead in found.context["page"].items] == ["zelda@acme.test"]


def test_the_search_finds_a_lead_by_the_name_an_edit_gave_it(client_for, rep):
    lead = lead_create(
        email="kim@acme.test", first_name="Kim", last_name="Oldfield",
        company=CompanyFactory(name="Acme Rockets"),
    )  # fmt: skip
    lead_update(lead=lead, last_name="Brightwater")
    client = client_for(rep)
    found = client.get(reverse("leads:list"), {"q": "brightwater ROCKETS"})
    assert [row.pk for row in found.context["page"].items] == [lead.pk]
    assert not client.get(reverse("leads:list"), {"q": "oldfield"}).context["page"].items


def test_a_broken_page_link_gets_a_message(client_for, rep):
    response = client_for(rep).get(reverse("leads:list"), {"cursor": "%%%"}, follow=True)
    assert "This page link is no longer valid." in response.content.decode()


def test_the_list_answers_htmx_with_the_results_region(client_for, rep):
    LeadFactory()
    page = (
        client_for(rep).get(reverse("leads:list"), headers={"HX-Request": "true"}).content.decode()
    )
    assert page.lstrip().startswith('<div id="results"') and "<html" not in page


def test_bulk_assign_and_recycle(client_for, sales_manager, rep):
    leads = LeadFactory.create_batch(3, stage=Stage.MQL)
    client = client_for(sales_manager)
    client.post(
        reverse("leads:bulk"),
        {"action": "assign", "leads": [lead.pk for lead in leads], "owner": rep.pk},
    )
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep.pk}
    response = client.post(
        reverse("leads:bulk"), {"action": "recycle", "leads": [leads[0].pk]}, follow=True
    )
    assert "A reason is required to recycle leads." in response.content.decode()
    client.post(
        reverse("leads:bulk"), {"action": "recycle", "leads": [leads[0].pk], "reason": "Student"}
    )
    assert Lead.objects.get(pk=leads[0].pk).stage == Stage.RECYCLED


def test_the_lead_page_shows_profile_scores_and_one_timeline(client_for, rep):
    lead = LeadFactory(stage=Stage.MQL, total_score=64)
    EventFactory(lead=lead, type="demo_request")
    StageTransition.objects.create(
        lead=lead, from_stage="lead", to_stage="mql", at=lead.created_at, rule="MQL criteria"
    )
    client = client_for(rep)
    client.post(
        reverse("leads:log_touch", args=[lead.pk]),
        {"kind": "call", "outcome": "connected", "note": "Keen"},
    )
    client.post(reverse("leads:add_note", args=[lead.pk]), {"body": "Budget in Q3"})
    page = client.get(lead.get_absolute_url()).content.decode()
    for text in (
        "Requested a demo",
        "rule: MQL criteria",
        "Call: Connected",
        "Budget in Q3",
        "SQL checklist",
    ):
        assert text in page
    assert (
        Touch.objects.filter(lead=lead, by=rep).exists() and Note.objects.filter(lead=lead).exists()
    )


def test_adding_a_note_with_htmx_returns_the_refreshed_activity(client_for, marketer):
    lead = LeadFactory()
    response = client_for(marketer).post(
        reverse("leads:add_note", args=[lead.pk]),
        {"body": "Met at the fair"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="activity"') and "Met at the fair" in page


def test_an_empty_note_is_refused_with_a_message(client_for, marketer):
    lead = LeadFactory()
    response = client_for(marketer).post(
        reverse("leads:add_note", args=[lead.pk]), {"body": "  "}, headers={"HX-Request": "true"}
    )
    assert "This field is required." in response.content.decode()
    assert not Note.objects.exists()


def test_marketers_cannot_log_sales_touches(client_for, marketer):
    lead = LeadFactory()
    assert (
        client_for(marketer)
        .post(reverse("leads:log_touch", args=[lead.pk]), {"kind": "call", "outcome": "connected"})
        .status_code
        == 403
    )


def test_the_company_page_sums_its_leads(client_for, rep):
    company = CompanyFactory(name="Acme")
    LeadFactory(company=company, engagement_score=10, total_score=30)
    LeadFactory(company=company, engagement_score=5, total_score=20, stage=Stage.MQL)
    response = client_for(rep).get(company.get_absolute_url())
    assert response.context["summary"].leads == 2
    assert response.context["summary"].engagement == 15
    assert response.context["summary"].by_stage == {"lead": 1, "mql": 1}


def test_my_queue_lists_my_mqls_then_unassigned(client_for, rep, other_rep):
    mine = LeadFactory(stage=Stage.MQL, owner=rep)
    LeadFactory(stage=Stage.MQL, owner=other_rep)
    free = LeadFactory(stage=Stage.MQL)
    response = client_for(rep).get(reverse("leads:queue"))
    assert response.context["mine"] == [mine] and response.context["unassigned"] == [free]


# Query budgets: the same number of queries for 10 rows as for 500.
# session, user, groups (access check) + the owner choices of the filters, then per page:
# board — 10 capped counts or 1 cached count query, 10 column queries;
# list — 1 count, 1 page query; lead page — lead, 4 timeline queries, roles.


@pytest.mark.parametrize("rows", [10, 500])
def test_board_query_count_does_not_grow_with_cards(
    client_for, rep, django_assert_max_num_queries, rows
):
    for stage in ("lead", "mql", "sal"):
        LeadFactory.create_batch(rows // 3 + 1, stage=stage, owner=rep)
    client = client_for(rep)
    with django_assert_max_num_queries(17):
        client.get(reverse("leads:board"))
    with django_assert_max_num_queries(26):
        client.get(reverse("leads:board"), {"owner": "me"})


@pytest.mark.parametrize("rows", [10, 500])
def test_list_query_count_does_not_grow_with_rows(
    client_for, rep, django_assert_max_num_queries, rows
):
    LeadFactory.create_batch(rows, owner=rep)
    client = client_for(rep)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("leads:list"), {"temperature": "", "owner": "me"})
    assert len(response.context["page"].items) == min(rows, 50)


@pytest.mark.parametrize("rows", [10, 500])
def test_lead_page_query_count_does_not_grow_with_its_timeline(
    client_for, rep, django_assert_max_num_queries, rows
):
    lead = LeadFactory()
    EventFactory.create_batch(rows, lead=lead)
    client = client_for(rep)
    with django_assert_max_num_queries(9):
        client.get(lead.get_absolute_url())


def test_a_rep_confirms_the_sql_checklist_then_moves_to_sql(client_for, rep):
    lead = LeadFactory(stage=Stage.SAL, owner=rep)
    client = client_for(rep)
    client.post(
        reverse("leads:sql_checklist", args=[lead.pk]),
        {
            "budget_confirmed": "on",
            "authority_confirmed": "on",
            "need_confirmed": "on",
            "timeline_confirmed": "on",
        },
    )
    client.post(reverse("leads:move", args=[lead.pk]), {"to_stage": "sql", "expected_stage": "sal"})
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL and all(lead.sql_checklist.values())


def test_marketers_cannot_confirm_the_sql_checklist(client_for, marketer):
    lead = LeadFactory(stage=Stage.SAL)
    response = client_for(marketer).post(
        reverse("leads:sql_checklist", args=[lead.pk]), {"budget_confirmed": "on"}
    )
    assert response.status_code == 403


def test_the_import_button_shows_only_to_those_who_may_import(client_for, rep, marketer):
    assert "Import CSV" not in client_for(rep).get(reverse("leads:list")).content.decode()
    assert "Import CSV" in client_for(marketer).get(reverse("leads:list")).content.decode()
