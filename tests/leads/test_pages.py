"""The pipeline board, the lead list, the lead and company pages, as a rep and a marketer
use them."""

import html
import json
import re

import pytest
from django.urls import reverse

from leads.models import Channel, Lead, Note, Stage, StageTransition, Touch
from leads.selectors import COLUMN_SIZE, TIMELINE_LIMIT, stage_counts_invalidate
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


def test_a_move_goes_back_to_a_page_of_the_portal_only(client_for, rep):
    lead, other = LeadFactory(stage=Stage.MQL), LeadFactory(stage=Stage.MQL)
    client = client_for(rep)
    url = reverse("leads:move", args=[lead.pk])
    away = client.post(
        url, {"to_stage": "sal", "expected_stage": "mql", "next": "https://evil.example/"}
    )
    assert (away.status_code, away["Location"]) == (302, lead.get_absolute_url())
    back = client.post(
        reverse("leads:move", args=[other.pk]),
        {"to_stage": "sal", "expected_stage": "mql", "next": "/queue/"},
    )
    assert (back.status_code, back["Location"]) == (302, "/queue/")


def test_moving_a_lead_that_does_not_exist_is_a_404(client_for, rep):
    response = client_for(rep).post(reverse("leads:move", args=[999_999]), {"to_stage": "sal"})
    assert response.status_code == 404


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
    assert "Choose a reason to recycle leads." in response.content.decode()
    client.post(
        reverse("leads:bulk"),
        {
            "action": "recycle",
            "leads": [leads[0].pk],
            "rejection_reason": "wrong-persona",
            "reason": "Student",
        },
    )
    assert Lead.objects.get(pk=leads[0].pk).stage == Stage.RECYCLED
    transition = StageTransition.objects.get(lead=leads[0], to_stage=Stage.RECYCLED)
    assert (transition.rejection_reason.label, transition.reason) == ("Wrong persona", "Student")


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


def test_a_refused_htmx_change_answers_its_reason_for_the_page_to_show(client_for, rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    url = reverse("leads:log_touch", args=[lead.pk])
    touch = {"kind": "call", "outcome": "connected"}

    swapped = client_for(rep).post(url, touch, headers={"HX-Request": "true"})
    assert (swapped.status_code, swapped["Content-Type"]) == (403, "text/plain; charset=utf-8")
    assert "another rep" in swapped.content.decode()

    page = client_for(rep).post(url, touch)
    assert page.status_code == 403
    assert "Not allowed" in page.content.decode()
    assert not lead.touches.exists()


def test_the_company_page_sums_its_leads(client_for, rep):
    company = CompanyFactory(name="Acme")
    LeadFactory(company=company, engagement_score=10, total_score=30)
    LeadFactory(company=company, engagement_score=5, total_score=20, stage=Stage.MQL)
    response = client_for(rep).get(company.get_absolute_url())
    assert response.context["summary"].leads == 2
    assert response.context["summary"].engagement == 15
    assert response.context["summary"].by_stage == {"lead": 1, "mql": 1}
    page = response.content.decode()
    # Each row gives the lead's title; the company's name is the page's heading, not repeated.
    assert page.count("Head of Marketing") == 2
    assert f'href="{company.get_absolute_url()}"' not in page


def test_my_queue_lists_my_mqls_and_sals_then_unassigned_mqls(client_for, rep, other_rep):
    mine = LeadFactory(stage=Stage.MQL, owner=rep, total_score=50)
    LeadFactory(stage=Stage.MQL, owner=other_rep)
    accepted = LeadFactory(stage=Stage.SAL, owner=rep, total_score=40)
    LeadFactory(stage=Stage.SQL, owner=rep)
    free = LeadFactory(stage=Stage.MQL)
    LeadFactory(stage=Stage.LEAD)
    response = client_for(rep).get(reverse("leads:queue"))
    sections = {section.name: section.page.items for section in response.context["sections"]}
    assert sections == {"mine": [mine, accepted], "unassigned": [free]}
    page = " ".join(response.content.decode().split())
    assert "2 open leads of yours" in page and "1 unassigned MQL<" in page


# Query budgets: the same number of queries for 10 rows as for 500.
# session, user, groups (access check) + the owner choices of the filters, then per page:
# board — 10 capped counts or 1 cached count query, 10 column queries;
# list — 1 count, 1 page query; lead page — lead, 4 timeline queries, roles;
# board and lead page — the glossary's labels their headings link (one query a request).


@pytest.mark.parametrize("rows", [10, 500])
def test_board_query_count_does_not_grow_with_cards(
    client_for, rep, django_assert_max_num_queries, rows
):
    for stage in ("lead", "mql", "sal"):
        LeadFactory.create_batch(rows // 3 + 1, stage=stage, owner=rep)
    client = client_for(rep)
    per_stage = rows // 3 + 1
    with django_assert_max_num_queries(19):
        board = client.get(reverse("leads:board"))
    with django_assert_max_num_queries(28):
        mine = client.get(reverse("leads:board"), {"owner": "me"})
    for response in (board, mine):
        assert response.status_code == 200
        page = response.content.decode()
        for stage in ("lead", "mql", "sal"):
            assert f'id="count-{stage}">{per_stage:,}<' in page
        assert 'id="count-customer">0<' in page
        assert len(re.findall(r'<article class="card sm-card', page)) == 3 * min(
            per_stage, COLUMN_SIZE
        )


@pytest.mark.parametrize("rows", [10, 500])
def test_list_query_count_does_not_grow_with_rows(
    client_for, rep, django_assert_max_num_queries, rows
):
    LeadFactory.create_batch(rows, owner=rep)
    client = client_for(rep)
    # … and the reason codes of the bulk recycle.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("leads:list"), {"temperature": "", "owner": "me"})
    assert response.status_code == 200
    assert len(response.context["page"].items) == min(rows, 50)
    page = response.content.decode()
    assert f'data-testid="lead-total">{rows:,} leads<' in page
    assert page.count('<tr id="row-') == min(rows, 50)


@pytest.mark.parametrize("rows", [10, 500])
def test_lead_page_query_count_does_not_grow_with_its_timeline(
    client_for, rep, django_assert_max_num_queries, rows
):
    lead = LeadFactory(first_name="Tess", last_name="Timeline")
    EventFactory.create_batch(rows, lead=lead)
    client = client_for(rep)
    # … the reason codes a rep may recycle it with, and its changes of owner.
    with django_assert_max_num_queries(12):
        response = client.get(lead.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tess Timeline" in page
    # The timeline shows the newest events up to its limit.
    assert page.count('<li class="sm-event">') == min(rows, TIMELINE_LIMIT)


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


def test_the_list_filters_by_stage_and_the_board_does_not_offer_it(client_for, rep):
    mql, _ = LeadFactory(stage=Stage.MQL), LeadFactory(stage=Stage.LEAD)
    client = client_for(rep)
    response = client.get(reverse("leads:list"), {"stage": "mql"})
    assert [lead.pk for lead in response.context["page"].items] == [mql.pk]
    assert '<option value="mql" selected>MQL</option>' in response.content.decode()
    assert "1 lead<" in " ".join(response.content.decode().split())
    everything = client.get(reverse("leads:list"), {"stage": ""})
    assert len(everything.context["page"].items) == 2
    assert 'name="stage"' not in client.get(reverse("leads:board")).content.decode()


# --- who may change what: the bulk form and the lead page ----------------------------------


def test_the_bulk_form_offers_only_what_the_role_may_do(client_for, rep, sales_manager, marketer):
    LeadFactory()
    as_rep = client_for(rep).get(reverse("leads:list")).content.decode()
    assert "Assign selected to me" in as_rep and "Nobody (unassign)" not in as_rep
    as_manager = client_for(sales_manager).get(reverse("leads:list")).content.decode()
    assert "Assign selected to…" in as_manager and "Nobody (unassign)" in as_manager
    as_marketer = client_for(marketer).get(reverse("leads:list")).content.decode()
    assert 'id="bulk-form"' not in as_marketer and 'name="leads"' not in as_marketer


def test_a_rep_cannot_take_another_reps_leads_in_bulk(client_for, rep, other_rep):
    theirs, free = LeadFactory(owner=other_rep), LeadFactory()
    response = client_for(rep).post(
        reverse("leads:bulk"),
        {"action": "assign", "leads": [theirs.pk, free.pk], "owner": rep.pk},
        follow=True,
    )
    page = response.content.decode()
    assert "1 lead(s) assigned." in page and "belongs to another rep" in page
    assert Lead.objects.get(pk=theirs.pk).owner == other_rep
    assert Lead.objects.get(pk=free.pk).owner == rep
    to_someone = client_for(rep).post(
        reverse("leads:bulk"),
        {"action": "assign", "leads": [free.pk], "owner": other_rep.pk},
        follow=True,
    )
    assert "You may take leads only for yourself" in to_someone.content.decode()
    assert Lead.objects.get(pk=free.pk).owner == rep


def test_marketers_do_not_assign_owners(client_for, marketer, rep):
    lead = LeadFactory()
    response = client_for(marketer).post(
        reverse("leads:bulk"),
        {"action": "assign", "leads": [lead.pk], "owner": rep.pk},
        follow=True,
    )
    assert "Your role may not assign leads." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_a_rep_on_another_reps_lead_sees_why_they_cannot_log_or_tick(client_for, rep, other_rep):
    lead = LeadFactory(stage=Stage.SAL, owner=other_rep)
    page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert reverse("leads:log_touch", args=[lead.pk]) not in page
    assert reverse("leads:sql_checklist", args=[lead.pk]) not in page
    assert "only its owner, a sales manager or an admin may log touches on it." in page
    assert "only its owner, a sales manager or an admin may confirm its SQL checklist." in page
    assert reverse("leads:add_note", args=[lead.pk]) in page


@pytest.mark.parametrize("whose", ["mine", "unowned"])
def test_a_rep_on_their_own_or_an_unowned_lead_has_every_form(client_for, rep, whose):
    lead = LeadFactory(stage=Stage.SAL, owner=rep if whose == "mine" else None)
    page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    for name in ("log_touch", "sql_checklist", "add_note"):
        assert reverse(f"leads:{name}", args=[lead.pk]) in page


def test_a_sales_manager_works_any_reps_lead(client_for, sales_manager, other_rep):
    lead = LeadFactory(stage=Stage.SAL, owner=other_rep)
    client = client_for(sales_manager)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert reverse("leads:log_touch", args=[lead.pk]) in page
    client.post(
        reverse("leads:log_touch", args=[lead.pk]), {"kind": "call", "outcome": "connected"}
    )
    assert Touch.objects.get(lead=lead).by == sales_manager


def test_a_rep_posting_a_touch_or_the_checklist_on_another_reps_lead_is_refused(
    client_for, rep, other_rep
):
    lead = LeadFactory(stage=Stage.SAL, owner=other_rep)
    client = client_for(rep)
    touch = client.post(
        reverse("leads:log_touch", args=[lead.pk]), {"kind": "call", "outcome": "connected"}
    )
    assert touch.status_code == 403
    assert "This lead belongs to another rep" in touch.content.decode()
    checklist = client.post(
        reverse("leads:sql_checklist", args=[lead.pk]), {"budget_confirmed": "on"}
    )
    assert checklist.status_code == 403
    lead.refresh_from_db()
    assert not Touch.objects.exists() and not lead.budget_confirmed


def test_a_missing_lead_is_a_404_on_every_lead_page(client_for, rep):
    client = client_for(rep)
    assert client.get(reverse("leads:detail", args=[999_999])).status_code == 404
    assert client.get(reverse("leads:score", args=[999_999])).status_code == 404
    assert client.post(reverse("leads:add_note", args=[999_999]), {"body": "x"}).status_code == 404
    assert client.post(reverse("leads:queue_accept", args=[999_999])).status_code == 404


# --- my queue --------------------------------------------------------------------------------


def _mqls(count: int, prefix: str = "mql", **fields) -> list[Lead]:
    """``count`` MQLs written at once, with scores that tie (the id settles the order)."""
    return Lead.objects.bulk_create(
        Lead(email=f"{prefix}{n}@example.com", first_name="Queue", last_name=f"{prefix}{n}",
             stage=Stage.MQL, total_score=n % 37, **fields)
        for n in range(count)
    )  # fmt: skip


ROW = re.compile(r'<tr id="row-(\d+)"')


def _more_link(page: str, section: str) -> str | None:
    found = re.search(rf'href="(/queue/\?section={section}&amp;cursor=[^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def test_a_queue_of_2500_unassigned_mqls_pages_to_its_end_with_exact_counts(client_for, rep):
    unassigned = _mqls(2_500)
    _mqls(3, prefix="mine", owner=rep)
    client = client_for(rep)
    response = client.get(reverse("leads:queue"))
    page = " ".join(response.content.decode().split())
    assert "2,500 unassigned MQLs" in page and "3 open leads of yours" in page
    seen = [int(pk) for pk in ROW.findall(page.split('id="queue-unassigned"')[1])]
    link = _more_link(page, "unassigned")
    # The link works without JavaScript: the page with the section moved on.
    plain = client.get(link).content.decode()
    assert "Back to the top of the queue" in plain
    second_page = [int(pk) for pk in ROW.findall(plain.split('id="queue-unassigned"')[1])]
    while link:
        more = client.get(link, headers={"HX-Request": "true"})
        assert more.status_code == 200
        rows = more.content.decode()
        seen += [int(pk) for pk in ROW.findall(rows)]
        link = _more_link(rows, "unassigned")
    expected = sorted(unassigned, key=lambda lead: (-lead.total_score, -lead.pk))
    assert seen == [lead.pk for lead in expected]
    assert second_page == seen[50:100]


@pytest.mark.parametrize("rows", [10, 500])
def test_queue_query_count_does_not_grow_with_its_mqls(
    client_for, rep, django_assert_max_num_queries, rows
):
    _mqls(rows)
    _mqls(rows, prefix="mine", owner=rep)
    client = client_for(rep)
    # The session, its user, the user's roles; the two sections' counts (index only) and
    # their pages (each with company, owner and persona joined); the reason codes to reject;
    # the rep's unread notifications.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("leads:queue"))
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert f"{rows:,} unassigned MQLs" in page and f"{rows:,} open leads of yours" in page
    assert len(ROW.findall(page)) == 2 * min(rows, 50)


def test_accepting_from_the_queue_takes_the_mql_and_updates_the_counts(client_for, rep):
    lead, other = _mqls(2)
    response = client_for(rep).post(
        reverse("leads:queue_accept", args=[lead.pk]),
        {"section": "unassigned"},
        headers={"HX-Request": "true"},
    )
    page = " ".join(response.content.decode().split())
    assert f'id="row-{lead.pk}"' not in page  # the row leaves the queue
    assert (
        'id="queue-count-unassigned" data-testid="queue-count-unassigned" hx-swap-oob="true">1 unassigned MQL<'
        in page
    )
    assert 'hx-swap-oob="true">1 open lead of yours<' in page  # the SAL is the rep's now
    assert json.loads(response["HX-Trigger"]) == {
        "showMessage": {"message": f"Accepted {lead}: in SAL now, owned by you.", "kind": "success"}
    }
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.SAL, rep)
    assert StageTransition.objects.get(lead=lead, to_stage=Stage.SAL).actor == rep


def test_accepting_without_javascript_comes_back_with_a_message(client_for, rep):
    (lead,) = _mqls(1)
    response = client_for(rep).post(
        reverse("leads:queue_accept", args=[lead.pk]),
        {"section": "unassigned", "next": "/queue/"},
        follow=True,
    )
    assert response.redirect_chain == [("/queue/", 302)]
    assert f"Accepted {lead}" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SAL


def test_the_queue_does_not_send_anyone_to_another_site(client_for, rep):
    (lead,) = _mqls(1)
    response = client_for(rep).post(
        reverse("leads:queue_reject", args=[lead.pk]),
        {
            "section": "unassigned",
            "rejection_reason": "wrong-persona",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("leads:queue")


def test_rejecting_from_the_queue_needs_a_reason_code(client_for, rep):
    (lead,) = _mqls(1, owner=rep)
    client = client_for(rep)
    url = reverse("leads:queue_reject", args=[lead.pk])
    refused = client.post(
        url, {"section": "mine", "reason": "A student"}, headers={"HX-Request": "true"}
    )
    page = refused.content.decode()
    assert f'id="row-{lead.pk}"' in page and "Choose a reason to reject the lead." in page
    assert json.loads(refused["HX-Trigger"])["showMessage"]["kind"] == "danger"
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL
    done = client.post(
        url,
        {"section": "mine", "rejection_reason": "wrong-persona", "reason": "A student"},
        headers={"HX-Request": "true"},
    )
    assert f'id="row-{lead.pk}"' not in done.content.decode()
    message = json.loads(done["HX-Trigger"])["showMessage"]["message"]
    assert message == f"Recycled {lead}: “Wrong persona” goes to marketing."
    transition = StageTransition.objects.get(lead=lead, to_stage=Stage.RECYCLED)
    assert (transition.rejection_reason.code, transition.reason, transition.actor) == (
        "wrong-persona", "A student", rep,
    )  # fmt: skip


def test_a_rep_may_disqualify_from_the_queue_and_other_needs_a_note(client_for, rep):
    (lead,) = _mqls(1, owner=rep)
    client = client_for(rep)
    url = reverse("leads:queue_reject", args=[lead.pk])
    other = {"section": "mine", "rejection_reason": "other", "outcome": "disqualified"}
    refused = client.post(url, other, headers={"HX-Request": "true"})
    assert "Say more in the note when the reason is “Other”." in refused.content.decode()
    client.post(url, {**other, "reason": "A duplicate of an old lead"})
    transition = StageTransition.objects.get(lead=lead)
    assert (transition.to_stage, transition.rejection_reason.code) == (
        Stage.DISQUALIFIED, "other",
    )  # fmt: skip


def test_accepting_an_mql_another_rep_took_meanwhile_says_why_and_drops_the_row(
    client_for, rep, other_rep
):
    (lead,) = _mqls(1)
    Lead.objects.filter(pk=lead.pk).update(owner=other_rep)
    response = client_for(rep).post(
        reverse("leads:queue_accept", args=[lead.pk]),
        {"section": "unassigned"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert json.loads(response["HX-Trigger"])["showMessage"] == {
        "message": "This lead belongs to another rep.",
        "kind": "danger",
    }
    assert f'id="row-{lead.pk}"' not in page
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.MQL, other_rep)


def test_an_mql_accepted_elsewhere_meanwhile_leaves_the_queue_with_a_message(client_for, rep):
    (lead,) = _mqls(1, owner=rep)
    Lead.objects.filter(pk=lead.pk).update(stage=Stage.SAL)
    response = client_for(rep).post(
        reverse("leads:queue_reject", args=[lead.pk]),
        {"section": "mine", "rejection_reason": "wrong-persona"},
        headers={"HX-Request": "true"},
    )
    message = json.loads(response["HX-Trigger"])["showMessage"]["message"]
    assert message == f"{lead} is no longer an MQL: it moved to SAL."
    # Still the rep's open lead, as a SAL: its row stays, without accept and reject.
    row = response.content.decode()
    assert f'id="row-{lead.pk}"' in row and "queue_accept" not in row
    assert f"/queue/{lead.pk}/accept/" not in row and f"/queue/{lead.pk}/touch/" in row
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SAL


def test_marketers_have_no_queue_to_accept_from(client_for, marketer):
    (lead,) = _mqls(1)
    assert (
        client_for(marketer).post(reverse("leads:queue_accept", args=[lead.pk])).status_code == 403
    )
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_a_broken_queue_link_gets_a_message_or_a_400(client_for, rep):
    client = client_for(rep)
    url = reverse("leads:queue")
    plain = client.get(url, {"section": "unassigned", "cursor": "%%%"}, follow=True)
    assert "This page link is no longer valid." in plain.content.decode()
    htmx = client.get(
        url, {"section": "unassigned", "cursor": "%%%"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 400
    assert client.get(url, {"section": "elsewhere"}).status_code == 404


# --- company page ----------------------------------------------------------------------------


def test_the_company_page_shows_all_its_leads_with_exact_numbers(client_for, rep):
    company = CompanyFactory(name="Acme")
    leads = Lead.objects.bulk_create(
        Lead(email=f"acme{n}@example.com", company=company, total_score=n % 50,
             engagement_score=10, stage=Stage.MQL if n % 2 else Stage.LEAD)
        for n in range(1_234)
    )  # fmt: skip
    client = client_for(rep)
    response = client.get(company.get_absolute_url())
    page = " ".join(response.content.decode().split())
    assert 'data-testid="company-leads">1,234<' in page
    assert 'data-testid="company-engagement">12,340<' in page
    assert "MQL: 617" in page and "Lead: 617" in page
    seen = [int(pk) for pk in ROW.findall(page)]
    link = re.search(r'href="(/companies/\d+/\?cursor=[^"]+)"', page)
    while link:
        more = client.get(html.unescape(link.group(1)), headers={"HX-Request": "true"})
        seen += [int(pk) for pk in ROW.findall(more.content.decode())]
        link = re.search(r'href="(/companies/\d+/\?cursor=[^"]+)"', more.content.decode())
    assert seen == [lead.pk for lead in sorted(leads, key=lambda row: (-row.total_score, -row.pk))]


@pytest.mark.parametrize("rows", [10, 500])
def test_company_page_query_count_does_not_grow_with_its_leads(
    client_for, rep, django_assert_max_num_queries, rows
):
    company = CompanyFactory()
    Lead.objects.bulk_create(
        Lead(email=f"c{n}@example.com", company=company, total_score=n) for n in range(rows)
    )
    client = client_for(rep)
    # The session, its user, the roles; the company; its leads grouped by stage, its recent
    # events; a page of its leads.
    with django_assert_max_num_queries(7):
        response = client.get(company.get_absolute_url())
    assert response.status_code == 200
    assert f'data-testid="company-leads">{rows:,}<' in response.content.decode()
    assert len(ROW.findall(response.content.decode())) == min(rows, 50)


def test_scores_and_counts_are_written_with_thousands_separators(client_for, rep):
    LeadFactory(stage=Stage.MQL, total_score=1_234)
    page = client_for(rep).get(reverse("leads:list")).content.decode()
    assert "Score </span>1,234<span" in page
