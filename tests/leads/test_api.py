"""The leads API as an integration or a script uses it: leads, companies, stage moves, events,
touches and notes, over a token or a session, with one error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from leads.models import Company, Event, Lead, Note, Stage, StageTransition, Touch
from tests.factories import CampaignFactory, CompanyFactory, EventFactory, LeadFactory

pytestmark = pytest.mark.django_db

LEADS = reverse("api:lead-list")
COMPANIES = reverse("api:company-list")
EVENTS = reverse("api:event-create")
BATCH = reverse("api:event-batch")


def lead_url(lead: Lead, part: str = "") -> str:
    return reverse(f"api:lead-{part or 'detail'}", args=[lead.pk])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def as_marketer(client_for, marketer):
    return client_for(marketer)


@pytest.fixture
def as_rep(client_for, rep):
    return client_for(rep)


# --- authentication ----------------------------------------------------------------------------


def test_a_token_and_a_session_both_reach_the_api(client, as_marketer, marketer):
    lead = LeadFactory()
    _, token = AuthToken.objects.create(user=marketer)
    by_token = client.get(lead_url(lead), headers={"Authorization": f"Token {token}"})
    assert by_token.status_code == 200
    assert by_token.json()["email"] == lead.email
    assert as_marketer.get(lead_url(lead)).json()["email"] == lead.email


def test_without_credentials_the_api_answers_401_in_the_error_shape(client):
    response = client.get(LEADS)
    assert response.status_code == 401
    assert list(response.json()["errors"]) == ["detail"]


# --- listing -----------------------------------------------------------------------------------


def test_the_list_shows_a_lead_with_its_company_owner_scores_and_sources(as_rep, rep):
    company = CompanyFactory(name="Acme", domain="acme.com")
    lead = LeadFactory(
        company=company, owner=rep, fit_score=40, engagement_score=32, total_score=72,
        temperature="hot", grade="A1", original_channel="paid_search", budget_confirmed=True,
    )  # fmt: skip
    (row,) = as_rep.get(LEADS).json()["results"]
    assert row["id"] == lead.pk
    assert row["company"] == {"id": company.pk, "name": "Acme", "domain": "acme.com"}
    assert row["owner"]["id"] == rep.pk and row["owner"]["username"] == "sam"
    assert row["scores"]["total"] == 72 and row["scores"]["grade"] == "A1"
    assert row["sql_checklist"]["budget"] is True
    assert row["sources"]["original"]["channel"] == "paid_search"


def test_the_list_takes_the_pages_filters(as_rep, rep, other_rep):
    acme = CompanyFactory()
    mine = LeadFactory(stage=Stage.MQL, owner=rep, company=acme, original_channel="event")
    theirs = LeadFactory(stage=Stage.MQL, owner=other_rep, original_channel="event")
    LeadFactory(stage=Stage.SAL, owner=rep)
    anna = LeadFactory(first_name="Annabel", last_name="Quist", temperature="hot")

    assert ids(as_rep.get(LEADS, {"stage": "mql", "owner": "me"})) == [mine.pk]
    assert ids(as_rep.get(LEADS, {"company": acme.pk})) == [mine.pk]
    assert set(ids(as_rep.get(LEADS, {"source": "event"}))) == {mine.pk, theirs.pk}
    assert ids(as_rep.get(LEADS, {"q": "annabel quist"})) == [anna.pk]
    assert ids(as_rep.get(LEADS, {"temperature": "hot"})) == [anna.pk]


def test_a_bad_filter_value_is_a_field_error(as_rep):
    response = as_rep.get(LEADS, {"stage": "nowhere"})
    assert response.status_code == 400
    assert "stage" in response.json()["errors"]


@pytest.mark.parametrize("sort", ["score", "created", "stage_changed"])
def test_keyset_pages_cover_every_lead_once_in_order(as_rep, sort):
    now = timezone.now()
    # Ties on every sort key, so the id decides between them.
    leads = [
        LeadFactory(total_score=50, created_at=now, stage_changed_at=now) for _ in range(4)
    ] + [LeadFactory(total_score=10 * n, created_at=now - timedelta(days=n)) for n in range(3)]

    seen, url, pages = [], f"{LEADS}?sort={sort}&page_size=3", 0
    while url:
        page = as_rep.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(lead.pk for lead in leads)
    assert len(seen) == len(set(seen))
    again = as_rep.get(LEADS, {"sort": sort, "page_size": 3}).json()
    assert [row["id"] for row in again["results"]] == seen[:3]


@pytest.mark.parametrize("filters", [{}, {"temperature": "warm"}, {"stage": ["mql", "sql"]}])
def test_the_score_order_runs_across_stages_from_page_to_page(as_rep, filters):
    # Scores that interleave the stages, with ties that the id settles.
    stages = [Stage.LEAD, Stage.MQL, Stage.SQL, Stage.CUSTOMER, Stage.RECYCLED]
    leads = [
        LeadFactory(
            stage=stages[n % len(stages)],
            total_score=(n * 7) % 5 * 10,
            temperature="warm" if n % 3 else "cold",
        )
        for n in range(23)
    ]
    wanted = [
        lead
        for lead in leads
        if lead.temperature == filters.get("temperature", lead.temperature)
        and lead.stage in filters.get("stage", [lead.stage])
    ]
    expected = [lead.pk for lead in sorted(wanted, key=lambda lead: (-lead.total_score, -lead.pk))]

    seen, response = [], as_rep.get(LEADS, {**filters, "sort": "score", "page_size": 4})
    while True:
        seen += ids(response)
        if not response.json()["next"]:
            break
        response = as_rep.get(response.json()["next"])
    assert seen == expected


def test_a_second_page_stays_put_when_new_leads_arrive(as_rep):
    for score in (90, 80, 70, 60):
        LeadFactory(total_score=score)
    first = as_rep.get(LEADS, {"page_size": 2}).json()
    LeadFactory(total_score=95)
    second = as_rep.get(first["next"]).json()
    assert [row["scores"]["total"] for row in second["results"]] == [70, 60]
    assert second["next"] is None


def test_a_broken_cursor_or_sort_is_a_field_error(as_rep):
    cursor = as_rep.get(LEADS, {"cursor": "not-a-cursor"})
    assert cursor.status_code == 400
    assert cursor.json() == {"errors": {"cursor": ["This page link is no longer valid."]}}
    sort = as_rep.get(LEADS, {"sort": "name"})
    assert sort.json()["errors"]["sort"] == ["Sort by one of: score, created, stage_changed."]


@pytest.mark.parametrize("rows", [10, 100])
def test_the_list_costs_the_same_few_queries_at_any_size(
    as_rep, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        LeadFactory(owner=None, company=CompanyFactory())
    LeadFactory.create_batch(3, company=None)
    # The session, its user, the user's roles, then one page of leads with company and owner.
    with django_assert_max_num_queries(4):
        response = as_rep.get(LEADS, {"page_size": 500})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == rows + 3
    assert sum(result["company"] is None for result in results) == 3


# --- creating and updating ---------------------------------------------------------------------


def test_creating_a_lead_matches_its_company_by_domain(as_marketer, marketer):
    acme = CompanyFactory(name="Acme", domain="acme.com")
    response = as_marketer.post(
        LEADS,
        {
            "email": "Jane.Doe@Acme.com",
            "first_name": "Jane",
            "company": {"name": "ACME Inc", "domain": "https://www.acme.com/"},
            "original_channel": "paid_search",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["company"]["id"] == acme.pk
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.email, lead.company, lead.stage) == ("jane.doe@acme.com", acme, Stage.LEAD)
    transition = StageTransition.objects.get(lead=lead)
    assert (transition.to_stage, transition.actor) == (Stage.LEAD, marketer)


def test_creating_a_lead_with_a_company_id_or_a_new_company(as_rep):
    acme = CompanyFactory()
    by_id = as_rep.post(
        LEADS, {"email": "a@acme.com", "company": acme.pk}, content_type="application/json"
    )
    assert by_id.json()["company"]["id"] == acme.pk
    new = as_rep.post(
        LEADS,
        {"email": "b@globex.com", "company": {"name": "Globex", "domain": "globex.com"}},
        content_type="application/json",
    )
    assert new.status_code == 201
    assert Company.objects.get(domain="globex.com").name == "Globex"
    unknown = as_rep.post(
        LEADS, {"email": "c@x.com", "company": 999_999}, content_type="application/json"
    )
    assert unknown.json() == {"errors": {"company": ["No company has the id 999999."]}}


def test_a_duplicate_email_in_another_case_is_refused_and_nothing_is_written(as_marketer):
    LeadFactory(email="jane@acme.com")
    response = as_marketer.post(
        LEADS,
        {"email": "JANE@Acme.com", "company": {"name": "New Co", "domain": "new.example"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"email": ["A lead with the e-mail jane@acme.com already exists."]}
    }
    assert Lead.objects.count() == 1
    assert not Company.objects.filter(domain="new.example").exists()


def test_a_lead_may_not_be_created_past_the_top_of_the_funnel(as_marketer):
    response = as_marketer.post(
        LEADS, {"email": "x@acme.com", "stage": "customer"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "stage" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_patching_a_lead_changes_its_profile_not_its_stage(as_rep, rep):
    lead = LeadFactory(stage=Stage.MQL)
    other = CompanyFactory()
    response = as_rep.patch(
        lead_url(lead),
        {"budget_confirmed": True, "company": other.pk, "owner": rep.pk, "stage": "customer"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    lead.refresh_from_db()
    assert (lead.budget_confirmed, lead.company, lead.owner) == (True, other, rep)
    assert lead.stage == Stage.MQL
    assert response.json()["sql_checklist"]["budget"] is True


def test_a_missing_lead_is_a_404_in_the_error_shape(as_rep):
    response = as_rep.get(reverse("api:lead-detail", args=[999_999]))
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["detail"]


# --- stage moves -------------------------------------------------------------------------------


def test_an_allowed_stage_move_answers_with_the_lead_and_the_transition(as_marketer, marketer):
    lead = LeadFactory(stage=Stage.LEAD, total_score=61)
    response = as_marketer.post(
        lead_url(lead, "stage"), {"stage": "mql"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["lead"]["stage"] == "mql"
    assert (body["transition"]["from_stage"], body["transition"]["to_stage"]) == ("lead", "mql")
    assert body["transition"]["actor"]["id"] == marketer.pk
    assert body["transition"]["scores"]["total"] == 61
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_a_refused_stage_move_says_why_and_changes_nothing(as_marketer):
    lead = LeadFactory(stage=Stage.MQL)
    response = as_marketer.post(
        lead_url(lead, "stage"), {"stage": "sal"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "errors": {"stage": ["Only sales, sales manager may move a lead from MQL to SAL."]}
    }
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert not StageTransition.objects.filter(lead=lead).exists()


def test_a_move_made_on_a_stale_view_of_the_lead_is_refused(as_rep):
    lead = LeadFactory(stage=Stage.SAL)
    response = as_rep.post(
        lead_url(lead, "stage"),
        {"stage": "sal", "expected_stage": "mql"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["errors"]["stage"] == [
        "The lead moved to SAL meanwhile; reload and try again."
    ]


# --- companies ---------------------------------------------------------------------------------


def test_a_company_domain_is_normalised_and_unique(as_rep):
    created = as_rep.post(
        COMPANIES,
        {"name": "Acme", "domain": "https://www.Acme.com/about", "country": "DE"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["domain"] == "acme.com"
    again = as_rep.post(
        COMPANIES, {"name": "Acme 2", "domain": "ACME.com"}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json() == {
        "errors": {"domain": ["A company with the domain acme.com already exists."]}
    }
    assert Company.objects.count() == 1


def test_a_company_is_listed_read_and_patched(as_rep):
    acme = CompanyFactory(name="Acme", domain="acme.com")
    globex = CompanyFactory(name="Globex")
    assert ids(as_rep.get(COMPANIES, {"domain": "www.ACME.com"})) == [acme.pk]
    assert ids(as_rep.get(COMPANIES, {"q": "glob"})) == [globex.pk]
    assert ids(as_rep.get(COMPANIES)) == [acme.pk, globex.pk]
    url = reverse("api:company-detail", args=[acme.pk])
    assert as_rep.get(url).json()["name"] == "Acme"
    response = as_rep.patch(
        url, {"employee_count": 450, "domain": "acme.com"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    acme.refresh_from_db()
    assert acme.employee_count == 450


def test_a_renamed_company_finds_its_leads_by_the_new_name(as_rep):
    acme = CompanyFactory(name="Acme", domain="acme.com")
    lead = LeadFactory(company=acme)
    url = reverse("api:company-detail", args=[acme.pk])
    response = as_rep.patch(url, {"name": "Initech"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert ids(as_rep.get(LEADS, {"q": "initech"})) == [lead.pk]
    assert ids(as_rep.get(LEADS, {"q": "acme "})) == []


# --- events ------------------------------------------------------------------------------------


def event(**fields) -> dict:
    return {"type": "page_view", "occurred_at": timezone.now().isoformat(), **fields}


def test_an_event_names_its_lead_by_email_in_any_case(as_marketer):
    lead = LeadFactory(email="jane@acme.com")
    campaign = CampaignFactory()
    response = as_marketer.post(
        EVENTS,
        event(email="Jane@ACME.com", properties={"url": "/pricing"}, campaign=campaign.pk),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    recorded = Event.objects.get()
    assert (recorded.lead, recorded.campaign, recorded.properties) == (
        lead,
        campaign,
        {"url": "/pricing"},
    )
    assert response.json()["lead"] == lead.pk


def test_a_bad_event_gets_field_errors(as_marketer):
    lead = LeadFactory()
    unknown_type = as_marketer.post(
        EVENTS, event(lead=lead.pk, type="page_vew"), content_type="application/json"
    )
    assert unknown_type.status_code == 400
    (message,) = unknown_type.json()["errors"]["type"]
    assert message.startswith("“page_vew” is not an event type. Valid types: page_view,")
    future = as_marketer.post(
        EVENTS,
        event(lead=lead.pk, occurred_at=(timezone.now() + timedelta(hours=1)).isoformat()),
        content_type="application/json",
    )
    assert future.json() == {"errors": {"occurred_at": ["This time is in the future."]}}
    nobody = as_marketer.post(
        EVENTS, event(email="nobody@acme.com"), content_type="application/json"
    )
    assert nobody.json() == {"errors": {"email": ["No lead has the e-mail nobody@acme.com."]}}
    not_an_object = as_marketer.post(
        EVENTS, event(lead=lead.pk, properties=[1, 2]), content_type="application/json"
    )
    assert not_an_object.json() == {"errors": {"properties": ["Give a JSON object."]}}
    assert not Event.objects.exists()


def test_a_batch_of_1000_events_is_recorded_in_a_few_queries(
    client_for, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    leads = LeadFactory.create_batch(10)
    events = [
        event(lead=lead.pk) if n % 2 else event(email=lead.email.upper(), type="email_open")
        for n in range(100)
        for lead in leads
    ]
    # The session, its user, the roles; the leads named by e-mail (those named by id are
    # checked by the foreign key); a savepoint, one insert, the foreign keys checked at once
    # (two statements), its release.
    with django_assert_max_num_queries(9):
        response = client.post(BATCH, {"events": events}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 1000, "repeated": 0, "repeats": []}
    assert Event.objects.count() == 1000
    assert Event.objects.filter(type="email_open").count() == 500


def test_one_bad_event_in_a_batch_refuses_the_batch_and_says_which(as_marketer):
    lead = LeadFactory()
    events = [event(lead=lead.pk) for _ in range(500)]
    events[317] = event(lead=lead.pk, type="page_vew")
    events[42] = event(email="nobody@acme.com")
    response = as_marketer.post(BATCH, {"events": events}, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]["events"]
    assert list(errors) == ["42", "317"]
    assert errors["42"] == {"email": ["No lead has the e-mail nobody@acme.com."]}
    assert list(errors["317"]) == ["type"]
    assert not Event.objects.exists()


def test_a_batch_over_1000_events_is_refused_whole(as_marketer):
    lead = LeadFactory()
    response = as_marketer.post(
        BATCH, {"events": [event(lead=lead.pk)] * 1001}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"events": ["A batch holds at most 1,000 events; this one has 1,001."]}
    }
    assert not Event.objects.exists()


def test_a_sales_rep_cannot_post_events(as_rep):
    lead = LeadFactory()
    for url, body in ((EVENTS, event(lead=lead.pk)), (BATCH, {"events": [event(lead=lead.pk)]})):
        response = as_rep.post(url, body, content_type="application/json")
        assert response.status_code == 403
        assert response.json() == {
            "errors": {"detail": ["Your role does not give access to this endpoint."]}
        }
    assert not Event.objects.exists()


# --- touches, notes and the timeline -----------------------------------------------------------


def test_a_rep_logs_a_touch_as_themselves(as_rep, rep):
    lead = LeadFactory()
    response = as_rep.post(
        lead_url(lead, "touches"),
        {"kind": "call", "outcome": "meeting_booked", "note": "Demo Tuesday"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    touch = Touch.objects.get()
    assert (touch.lead, touch.by, touch.outcome) == (lead, rep, "meeting_booked")
    listed = as_rep.get(lead_url(lead, "touches")).json()["results"]
    assert [row["id"] for row in listed] == [touch.pk]
    assert listed[0]["by"]["username"] == "sam"


def test_marketing_reads_touches_but_cannot_log_them(as_marketer):
    lead = LeadFactory()
    assert as_marketer.get(lead_url(lead, "touches")).status_code == 200
    response = as_marketer.post(
        lead_url(lead, "touches"),
        {"kind": "call", "outcome": "no_answer"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Touch.objects.exists()


def test_anyone_with_a_role_adds_notes(as_marketer, marketer):
    lead = LeadFactory()
    response = as_marketer.post(
        lead_url(lead, "notes"), {"body": "Met at the fair."}, content_type="application/json"
    )
    assert response.status_code == 201
    note = Note.objects.get()
    assert (note.lead, note.author, note.body) == (lead, marketer, "Met at the fair.")
    listed = as_marketer.get(lead_url(lead, "notes")).json()["results"]
    assert listed[0]["author"]["id"] == marketer.pk
    empty = as_marketer.post(lead_url(lead, "notes"), {"body": ""}, content_type="application/json")
    assert empty.status_code == 400 and "body" in empty.json()["errors"]


def test_the_timeline_shows_a_leads_history_newest_first(as_rep, rep):
    lead = LeadFactory()
    EventFactory(lead=lead, occurred_at=timezone.now() - timedelta(days=2))
    Note.objects.create(lead=lead, author=rep, body="Called back")
    rows = as_rep.get(lead_url(lead, "timeline")).json()
    assert [row["kind"] for row in rows] == ["note", "event"]
    assert rows[0]["note"]["body"] == "Called back" and rows[0]["event"] is None


# --- who may change what -----------------------------------------------------------------------


def test_a_rep_cannot_take_another_reps_lead_and_so_cannot_accept_it(as_rep, rep, other_rep):
    lead = LeadFactory(stage=Stage.MQL, owner=other_rep)
    response = as_rep.patch(lead_url(lead), {"owner": rep.pk}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "errors": {
            "detail": [
                "This lead belongs to another rep; only a manager or an admin may reassign it."
            ]
        }
    }
    accept = as_rep.post(lead_url(lead, "stage"), {"stage": "sal"}, content_type="application/json")
    assert accept.status_code == 409
    lead.refresh_from_db()
    assert (lead.owner, lead.stage) == (other_rep, Stage.MQL)


def test_a_rep_takes_an_unowned_lead_but_does_not_give_theirs_away(as_rep, rep, other_rep):
    lead = LeadFactory(stage=Stage.LEAD)
    taken = as_rep.patch(lead_url(lead), {"owner": rep.pk}, content_type="application/json")
    assert taken.status_code == 200, taken.json()
    assert taken.json()["owner"]["id"] == rep.pk
    for owner in (None, other_rep.pk):
        given = as_rep.patch(lead_url(lead), {"owner": owner}, content_type="application/json")
        assert given.status_code == 403
        assert given.json()["errors"]["detail"] == [
            "Only managers and admins give leads to others or unassign them."
        ]
    lead.refresh_from_db()
    assert lead.owner == rep


@pytest.mark.parametrize("manager", ["sales_manager", "marketing_manager", "admin_user"])
def test_managers_and_admins_reassign_any_lead(client_for, request, manager, rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    client = client_for(request.getfixturevalue(manager))
    response = client.patch(lead_url(lead), {"owner": rep.pk}, content_type="application/json")
    assert response.status_code == 200, response.json()
    lead.refresh_from_db()
    assert lead.owner == rep


def test_marketing_edits_profiles_but_neither_assigns_nor_ticks_the_checklist(
    as_marketer, rep, other_rep
):
    lead = LeadFactory(owner=other_rep, job_title="CTO")
    edited = as_marketer.patch(
        lead_url(lead), {"job_title": "CEO"}, content_type="application/json"
    )
    assert edited.status_code == 200, edited.json()
    for body, message in (
        ({"owner": rep.pk}, "Only managers and admins give leads to others or unassign them."),
        (
            {"job_title": "CFO", "budget_confirmed": True},
            "Only sales reps, sales managers and admins may confirm the SQL checklist.",
        ),
    ):
        response = as_marketer.patch(lead_url(lead), body, content_type="application/json")
        assert response.status_code == 403
        assert response.json() == {"errors": {"detail": [message]}}
    lead.refresh_from_db()
    assert (lead.job_title, lead.owner, lead.budget_confirmed) == ("CEO", other_rep, False)


def test_a_rep_edits_only_leads_that_are_theirs_or_nobodys(as_rep, other_rep):
    lead = LeadFactory(owner=other_rep, job_title="CTO")
    refused = as_rep.patch(lead_url(lead), {"job_title": "CEO"}, content_type="application/json")
    assert refused.status_code == 403
    assert "belongs to another rep" in refused.json()["errors"]["detail"][0]
    # The same values change nothing, so they need no permission (a client sends back what it read).
    same = as_rep.patch(lead_url(lead), {"job_title": "CTO"}, content_type="application/json")
    assert same.status_code == 200
    lead.refresh_from_db()
    assert lead.job_title == "CTO"


def test_an_owner_must_be_an_active_sales_user(client_for, sales_manager, marketer):
    lead = LeadFactory()
    response = client_for(sales_manager).patch(
        lead_url(lead), {"owner": marketer.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"owner": [f"No active sales user has the id {marketer.pk}."]}
    }


def test_a_new_lead_is_given_an_owner_by_the_same_rules(as_rep, rep, other_rep):
    refused = as_rep.post(
        LEADS, {"email": "a@acme.com", "owner": other_rep.pk}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not Lead.objects.exists()
    mine = as_rep.post(
        LEADS, {"email": "a@acme.com", "owner": rep.pk}, content_type="application/json"
    )
    assert mine.status_code == 201, mine.json()
    assert Lead.objects.get().owner == rep


def test_a_rep_logs_touches_only_on_leads_that_are_theirs_or_nobodys(as_rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    response = as_rep.post(
        lead_url(lead, "touches"),
        {"kind": "call", "outcome": "connected"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["errors"]["detail"] == [
        "This lead belongs to another rep; only its owner, a sales manager or an admin may log "
        "touches on it."
    ]
    assert not Touch.objects.exists()
    note = as_rep.post(
        lead_url(lead, "notes"), {"body": "Saw them at the fair."}, content_type="application/json"
    )
    assert note.status_code == 201


def test_the_touches_of_a_missing_lead_are_a_404(as_rep):
    missing = reverse("api:lead-touches", args=[999_999])
    assert as_rep.get(missing).status_code == 404
    response = as_rep.post(
        missing, {"kind": "call", "outcome": "connected"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert list(response.json()["errors"]) == ["detail"]
