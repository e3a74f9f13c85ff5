"""The scoring API (a lead's score, explanation and history; models, rules and criteria) and the
lead page's "why this score" card, as each role uses them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, StageTransition
from leads.scoring.engine import leads_score
from leads.scoring.models import (
    FitRule,
    QualificationCondition,
    QualificationCriteria,
    ScoreHistory,
    ScoringModel,
    ScoringRun,
)
from leads.scoring.qualification import active_definition
from leads.scoring.services import scoring_model_activate
from tests.factories import EventFactory, LeadFactory
from tests.leads.scoring.helpers import NOW, make_criteria, make_model

pytestmark = pytest.mark.django_db


def api(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


@pytest.fixture
def scored_lead():
    lead = LeadFactory(seniority="vp")
    EventFactory(lead=lead, type="demo_request", occurred_at=NOW - datetime.timedelta(days=90))
    model = make_model(
        groups={"role": 15},
        fit=[("seniority", "equals", "vp", 20, "role")],
        engagement=[{"event_type": "demo_request", "points": 41, "half_life_days": 90}],
    )
    leads_score(model=model, leads=Lead.objects.filter(pk=lead.pk), now=NOW)
    return Lead.objects.get(pk=lead.pk)


# --- a lead's score ------------------------------------------------------------------------------


def test_every_role_reads_a_leads_score_with_its_explanation(client_for, rep, scored_lead):
    response = client_for(rep).get(api("lead-score", scored_lead.pk))
    assert response.status_code == 200
    body = response.json()
    assert (body["fit"], body["engagement"], body["total"]) == (15, 21, 36)
    assert body["model"]["version"] == scored_lead.scoring_model.version
    explanation = body["explanation"]
    assert explanation["fit_groups"] == [
        {"name": "role", "cap": 15, "points": 20, "cap_adjustment": -5}
    ]
    (rule,) = explanation["engagement_rules"]
    assert (rule["events"], rule["undecayed"], rule["decayed"], rule["contribution"]) == (
        1, 41, 20.5, 20.5,
    )  # fmt: skip
    assert explanation["rounding"] == 0.5 and explanation["matches_stored"] is True


def test_a_lead_without_a_model_has_no_explanation(client_for, marketer):
    lead = LeadFactory()
    body = client_for(marketer).get(api("lead-score", lead.pk)).json()
    assert body["model"] is None and body["explanation"] is None


def test_the_score_history_is_one_point_a_day(client_for, rep, scored_lead):
    today = datetime.datetime.now(datetime.UTC).date()
    ScoreHistory.objects.filter(lead=scored_lead).update(day=today - datetime.timedelta(days=1))
    response = client_for(rep).get(api("lead-score-history", scored_lead.pk), {"days": 3})
    assert [point["total"] for point in response.json()] == [None, 36, 36]
    refused = client_for(rep).get(api("lead-score-history", scored_lead.pk), {"days": 91})
    assert refused.status_code == 400
    assert refused.json() == {"errors": {"days": ["Give a whole number from 1 to 90."]}}


def test_the_score_of_a_missing_lead_is_a_404_in_the_error_shape(client_for, rep):
    response = client_for(rep).get(api("lead-score", 999999))
    assert response.status_code == 404 and "detail" in response.json()["errors"]


# --- models and rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["marketer", "rep", "sales_manager", "admin_user"])
def test_every_role_reads_the_models_and_rules(request, client_for, who):
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    client = client_for(request.getfixturevalue(who))
    assert client.get(api("scoring-model-list")).status_code == 200
    detail = client.get(api("scoring-model-detail", model.pk)).json()
    assert detail["fit_rules"][0]["attribute"] == "seniority"
    assert client.get(api("scoring-fit-rule-list", model.pk)).status_code == 200
    assert client.get(api("scoring-criteria-list")).status_code == 200


@pytest.mark.parametrize("who", ["marketer", "rep", "sales_manager"])
def test_only_the_admin_writes_models_rules_and_criteria(request, client_for, who):
    model = make_model()
    client = client_for(request.getfixturevalue(who))
    attempts = [
        client.post(api("scoring-model-list"), {"name": "Mine"}, content_type="application/json"),
        client.patch(api("scoring-model-detail", model.pk), {"name": "x"}, "application/json"),
        client.delete(api("scoring-model-detail", model.pk)),
        client.post(api("scoring-model-clone", model.pk)),
        client.post(api("scoring-model-activate", model.pk)),
        client.post(api("scoring-fit-group-list", model.pk), {"name": "role"}, "application/json"),
        client.post(api("scoring-criteria-list"), {"kind": "mql", "name": "x"}, "application/json"),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert ScoringModel.objects.count() == 1


def test_anonymous_and_users_without_a_role_are_refused(client, client_for, outsider):
    assert client.get(api("scoring-model-list")).status_code in (401, 403)
    assert client_for(outsider).get(api("scoring-model-list")).status_code == 403


def test_the_admin_builds_a_draft_rule_by_rule(client_for, admin_user):
    client = client_for(admin_user)
    created = client.post(
        api("scoring-model-list"), {"name": "Autumn", "overall_cap": 120}, "application/json"
    )
    assert created.status_code == 201
    model_id = created.json()["id"]
    group = client.post(
        api("scoring-fit-group-list", model_id), {"name": "role", "cap": 30}, "application/json"
    ).json()
    rule = client.post(
        api("scoring-fit-rule-list", model_id),
        {"group": group["id"], "attribute": "seniority", "operator": "one_of",
         "value": ["vp", "c_level"], "points": 20, "position": 1},
        "application/json",
    )  # fmt: skip
    assert rule.status_code == 201, rule.json()
    engagement = client.post(
        api("scoring-engagement-rule-list", model_id),
        {"event_type": "demo_request", "points": 40, "half_life_days": 90, "position": 1},
        "application/json",
    )
    assert engagement.status_code == 201
    changed = client.patch(
        api("scoring-fit-rule-detail", model_id, rule.json()["id"]), {"points": 25},
        "application/json",
    )  # fmt: skip
    assert changed.json()["points"] == 25
    model = ScoringModel.objects.get(pk=model_id)
    assert (model.created_by, model.overall_cap, model.status) == (admin_user, 120, "draft")
    assert FitRule.objects.get(model=model).group.name == "role"


def test_a_refused_rule_names_the_rule_and_why(client_for, admin_user):
    model = make_model()
    client = client_for(admin_user)
    response = client.post(
        api("scoring-fit-rule-list", model.pk),
        {"attribute": "seniority", "operator": "one_of", "value": ["ceo"], "points": 5,
         "position": 3},
        "application/json",
    )  # fmt: skip
    assert response.status_code == 400
    (message,) = response.json()["errors"]["value"]
    assert message.startswith("Rule 3 (seniority is one of):") and "'ceo'" in message
    unknown = client.post(
        api("scoring-engagement-rule-list", model.pk),
        {"event_type": "telepathy", "points": 5, "position": 2},
        "application/json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["event_type"] == [
        "Rule 2 (telepathy): unknown event type 'telepathy'."
    ]
    bands = client.patch(
        api("scoring-model-detail", model.pk),
        {"hot_threshold": 10, "warm_threshold": 30},
        "application/json",
    )
    assert bands.status_code == 400 and "hot_threshold" in bands.json()["errors"]
    assert not FitRule.objects.filter(model=model).exists()


def test_a_rule_cannot_join_a_group_of_another_model(client_for, admin_user):
    model, other = make_model(), make_model(groups={"role": 10})
    response = client_for(admin_user).post(
        api("scoring-fit-rule-list", model.pk),
        {"group": other.fit_groups.get().pk, "attribute": "phone", "operator": "is_set",
         "points": 3, "position": 1},
        "application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "group" in response.json()["errors"]


def test_active_and_archived_versions_are_not_edited(client_for, admin_user):
    model = make_model(groups={"role": 10}, fit=[("seniority", "equals", "vp", 20, "role")])
    scoring_model_activate(model=model, actor=admin_user)
    client = client_for(admin_user)
    rule = model.fit_rules.get()
    attempts = [
        client.patch(api("scoring-model-detail", model.pk), {"name": "x"}, "application/json"),
        client.delete(api("scoring-model-detail", model.pk)),
        client.post(
            api("scoring-fit-rule-list", model.pk),
            {"attribute": "phone", "operator": "is_set", "points": 3},
            "application/json",
        ),
        client.patch(
            api("scoring-fit-rule-detail", model.pk, rule.pk), {"points": 1}, "application/json"
        ),
        client.delete(api("scoring-fit-group-detail", model.pk, rule.group_id)),
        client.post(api("scoring-model-activate", model.pk)),
    ]
    assert [response.status_code for response in attempts] == [409] * len(attempts)
    assert "only a draft" in attempts[0].json()["errors"]["detail"][0]
    rule.refresh_from_db()
    assert rule.points == 20 and ScoringModel.objects.filter(pk=model.pk).exists()


def test_a_draft_is_deleted_and_a_version_cloned(client_for, admin_user):
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    client = client_for(admin_user)
    clone = client.post(api("scoring-model-clone", model.pk))
    assert clone.status_code == 201
    assert clone.json()["fit_rules"][0]["points"] == 20 and clone.json()["status"] == "draft"
    assert client.delete(api("scoring-model-detail", model.pk)).status_code == 204
    assert not ScoringModel.objects.filter(pk=model.pk).exists()


def test_activating_a_draft_answers_with_the_rescore_run(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    LeadFactory.create_batch(3)
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    with django_capture_on_commit_callbacks():
        response = client_for(admin_user).post(api("scoring-model-activate", model.pk))
    assert response.status_code == 202
    body = response.json()
    run = ScoringRun.objects.get(pk=body["id"])
    assert (body["status"], body["percent"], body["leads_total"]) == ("queued", 0, 3)
    assert run.model == model and run.kind == ScoringRun.Kind.ACTIVATION
    model.refresh_from_db()
    assert model.status == ScoringModel.Status.ACTIVE


def test_a_draft_with_a_refused_rule_is_not_activated(client_for, admin_user):
    model = make_model()
    FitRule.objects.create(model=model, attribute="seniority", operator="gte", value=3, points=1)
    response = client_for(admin_user).post(api("scoring-model-activate", model.pk))
    assert response.status_code == 400
    assert "seniority" in response.json()["errors"]["non_field_errors"][0]
    model.refresh_from_db()
    assert model.status == ScoringModel.Status.DRAFT and not ScoringRun.objects.exists()


# --- qualification criteria ----------------------------------------------------------------------


def test_the_admin_drafts_an_mql_definition_and_activating_it_archives_the_old_one(
    client_for, admin_user
):
    old = make_criteria("mql", name="Old", min_total=90)
    client = client_for(admin_user)
    created = client.post(
        api("scoring-criteria-list"),
        {"kind": "mql", "name": "Engaged fit", "min_total": 60},
        "application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["version"]) == ("draft", old.version + 1)
    criteria_id = body["id"]
    condition = client.post(
        api("scoring-condition-list", criteria_id),
        {"attribute": "company.employee_count", "operator": "gte", "value": 50, "position": 1},
        "application/json",
    )
    assert condition.status_code == 201

    activated = client.post(api("scoring-criteria-activate", criteria_id))

    assert activated.status_code == 200, activated.json()
    body = activated.json()
    assert body["status"] == "active" and body["conditions"][0]["value"] == 50
    old.refresh_from_db()
    criteria = QualificationCriteria.objects.get(pk=criteria_id)
    assert (old.status, old.archived_at) == ("archived", criteria.activated_at)
    assert criteria.activated_by == admin_user
    assert body["activated_at"] == criteria.activated_at.isoformat().replace("+00:00", "Z")


def test_active_criteria_answer_409_and_are_changed_through_a_clone(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    empty = client.post(
        api("scoring-criteria-list"), {"kind": "mql", "name": "Nothing"}, "application/json"
    ).json()
    refused = client.post(api("scoring-criteria-activate", empty["id"]))
    assert refused.status_code == 400
    assert refused.json()["errors"]["non_field_errors"] == [
        "“Nothing” has no condition, so it would never qualify anyone: set a minimum score, an "
        "event or an attribute condition."
    ]
    hot = client.post(
        api("scoring-criteria-list"), {"kind": "mql", "name": "Hot", "min_total": 70},
        "application/json",
    ).json()  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(api("scoring-criteria-activate", hot["id"])).status_code == 200
    assert "total score at least 70" in active_definition("mql")  # now cached
    condition = QualificationCondition.objects.create(
        criteria_id=hot["id"], attribute="phone", operator="is_set", position=1
    )

    attempts = [
        client.patch(api("scoring-criteria-detail", hot["id"]), {"min_total": 80}, "application/json"),
        client.delete(api("scoring-criteria-detail", hot["id"])),
        client.post(
            api("scoring-condition-list", hot["id"]),
            {"attribute": "seniority", "operator": "equals", "value": "vp"},
            "application/json",
        ),
        client.patch(
            api("scoring-condition-detail", hot["id"], condition.pk), {"value": None},
            "application/json",
        ),
        client.delete(api("scoring-condition-detail", hot["id"], condition.pk)),
    ]  # fmt: skip
    assert [response.status_code for response in attempts] == [409] * len(attempts)
    version = QualificationCriteria.objects.get(pk=hot["id"]).version
    assert attempts[0].json() == {
        "errors": {
            "detail": [
                f"MQL v{version} “Hot” is active: only a draft can be changed. Clone it to make a "
                "new draft."
            ]
        }
    }

    clone = client.post(api("scoring-criteria-clone", hot["id"]))
    assert clone.status_code == 201
    assert (clone.json()["status"], clone.json()["version"]) == ("draft", version + 1)
    assert [c["attribute"] for c in clone.json()["conditions"]] == ["phone"]
    changed = client.patch(
        api("scoring-criteria-detail", clone.json()["id"]), {"min_total": 80}, "application/json"
    )
    assert changed.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(api("scoring-criteria-activate", clone.json()["id"]))
    assert "total score at least 80" in active_definition("mql")
    assert QualificationCriteria.objects.get(pk=hot["id"]).min_total == 70


def test_criteria_are_scheduled_read_only_then_unscheduled(client_for, admin_user):
    client = client_for(admin_user)
    draft = client.post(
        api("scoring-criteria-list"), {"kind": "mql", "name": "Later", "min_fit": 30},
        "application/json",
    ).json()  # fmt: skip
    url = api("scoring-criteria-schedule", draft["id"])
    past = client.post(url, {"at": "2020-01-01T09:00:00Z"}, "application/json")
    assert past.status_code == 400
    assert past.json()["errors"]["activate_at"] == [
        "1 Jan 2020, 09:00 UTC has passed: choose a moment to come, or activate it now instead."
    ]
    at = timezone.now() + datetime.timedelta(days=3)

    scheduled = client.post(url, {"at": at.isoformat()}, "application/json")

    assert scheduled.status_code == 200, scheduled.json()
    assert scheduled.json()["status"] == "scheduled"
    edit = client.patch(
        api("scoring-criteria-detail", draft["id"]), {"min_fit": 40}, "application/json"
    )
    assert edit.status_code == 409
    assert (
        "is scheduled: only a draft can be changed. Unschedule it to change it again."
        in (edit.json()["errors"]["detail"][0])
    )
    criteria = QualificationCriteria.objects.get(pk=draft["id"])
    assert (criteria.activate_at, criteria.activated_by) == (at, admin_user)

    unscheduled = client.delete(url)
    assert unscheduled.status_code == 200 and unscheduled.json()["status"] == "draft"
    assert client.delete(url).status_code == 409
    assert (
        client.patch(
            api("scoring-criteria-detail", draft["id"]), {"min_fit": 40}, "application/json"
        ).json()["min_fit"]
        == 40
    )


@pytest.mark.parametrize(
    ("path", "fields", "errors"),
    [
        pytest.param(
            "criteria", {"kind": "mql", "name": "Demo", "event_type": "demo_request"},
            {"event_within_days": ["Say within how many days the event qualifies."]},
            id="event-without-days",
        ),
        pytest.param(
            "criteria",
            {"kind": "mql", "name": "Demo", "event_type": "demo_request", "event_within_days": 0},
            {"event_within_days": [
                "The event condition can never hold within 0 days: give at least 1 day."
            ]},
            id="zero-days",
        ),
        pytest.param(
            "criteria", {"kind": "sql", "name": "BANT", "min_total": 60},
            {"min_total": [
                "“Total at least” is an MQL condition; an SQL criteria set is a checklist only, "
                "so leave it empty."
            ]},
            id="sql-with-minimum",
        ),
        pytest.param(
            "sql-conditions", {"attribute": "phone", "operator": "is_set"},
            {"criteria": [
                "An SQL criteria set is a checklist: attribute conditions belong to MQL criteria "
                "only."
            ]},
            id="sql-with-conditions",
        ),
        pytest.param(
            "mql-conditions", {"attribute": "shoe_size", "operator": "gte", "value": 3,
                               "position": 2},
            {"attribute": ["Rule 2 (shoe_size ≥): unknown attribute 'shoe_size'."]},
            id="unknown-attribute",
        ),
    ],
)  # fmt: skip
def test_criteria_are_refused_as_the_admin_refuses_them_in_the_error_shape(
    client_for, admin_user, path, fields, errors
):
    url = {
        "criteria": lambda: api("scoring-criteria-list"),
        "sql-conditions": lambda: api(
            "scoring-condition-list", make_criteria("sql", active=False).pk
        ),
        "mql-conditions": lambda: api(
            "scoring-condition-list", make_criteria("mql", active=False).pk
        ),
    }[path]()
    before = QualificationCriteria.objects.count()
    response = client_for(admin_user).post(url, fields, "application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    assert QualificationCriteria.objects.count() == before
    assert not QualificationCondition.objects.exists()


def test_a_criteria_set_keeps_its_kind(client_for, admin_user):
    draft = make_criteria("mql", active=False, min_total=50)
    response = client_for(admin_user).patch(
        api("scoring-criteria-detail", draft.pk), {"kind": "sql"}, "application/json"
    )
    assert response.status_code == 400 and "keeps its kind" in response.json()["errors"]["kind"][0]
    draft.refresh_from_db()
    assert draft.kind == "mql"


# --- scheduling a scoring model ------------------------------------------------------------------


def test_a_model_is_scheduled_read_only_and_unscheduled_through_the_api(client_for, admin_user):
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    client = client_for(admin_user)
    at = timezone.now() + datetime.timedelta(hours=5)

    scheduled = client.post(
        api("scoring-model-schedule", model.pk), {"at": at.isoformat()}, "application/json"
    )

    assert scheduled.status_code == 200, scheduled.json()
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["activate_at"] == at.isoformat().replace("+00:00", "Z")
    attempts = [
        client.patch(api("scoring-model-detail", model.pk), {"name": "x"}, "application/json"),
        client.post(
            api("scoring-fit-rule-list", model.pk),
            {"attribute": "phone", "operator": "is_set", "points": 3},
            "application/json",
        ),
        client.post(
            api("scoring-model-schedule", model.pk), {"at": at.isoformat()}, "application/json"
        ),
    ]
    assert [response.status_code for response in attempts] == [409] * 3
    assert not ScoringRun.objects.exists()

    unscheduled = client.delete(api("scoring-model-schedule", model.pk))
    assert unscheduled.status_code == 200 and unscheduled.json()["status"] == "draft"
    model.refresh_from_db()
    assert (model.status, model.activate_at) == ("draft", None)


def test_a_model_with_a_refused_rule_is_not_scheduled(client_for, admin_user):
    model = make_model()
    FitRule.objects.create(model=model, attribute="seniority", operator="gte", value=3, points=1)
    at = timezone.now() + datetime.timedelta(hours=5)
    response = client_for(admin_user).post(
        api("scoring-model-schedule", model.pk), {"at": at.isoformat()}, "application/json"
    )
    assert response.status_code == 400
    assert "seniority" in response.json()["errors"]["non_field_errors"][0]
    model.refresh_from_db()
    assert model.status == "draft"


# --- the lead page -------------------------------------------------------------------------------


def test_the_lead_page_loads_why_this_score_lazily(client_for, rep, scored_lead):
    page = client_for(rep).get(scored_lead.get_absolute_url()).content.decode()
    url = reverse("leads:score", args=[scored_lead.pk])
    assert f'hx-get="{url}"' in page and 'hx-trigger="revealed"' in page
    assert 'data-testid="fit-lines"' not in page


def test_why_this_score_is_a_fragment_for_htmx_and_a_page_without(client_for, rep, scored_lead):
    url = reverse("leads:score", args=[scored_lead.pk])
    fragment = client_for(rep).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'data-testid="fit-lines"' in fragment
    assert 'data-testid="total">36<' in fragment
    assert "<polyline" in fragment  # The scoring wrote today's history row.
    page = client_for(rep).get(url).content.decode()
    assert "<html" in page and 'data-testid="engagement-total">21<' in page


def test_why_this_score_says_when_nothing_can_explain_it(client_for, rep):
    lead = LeadFactory()
    fragment = client_for(rep).get(
        reverse("leads:score", args=[lead.pk]), headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "No score history yet" in fragment.content.decode()


def test_a_rule_made_transition_has_a_why_link_that_explains_it(client_for, rep, scored_lead):
    transition = StageTransition.objects.create(
        lead=scored_lead, from_stage="lead", to_stage="mql", at=NOW, rule="MQL: engaged fit",
        scores={"fit": 15, "engagement": 21, "total": 36, "temperature": "warm",
                "model_version": scored_lead.scoring_model.version, "as_of": NOW.isoformat(),
                "criteria": {"name": "Engaged fit"}, "conditions_met": ["total 36 ≥ 30"]},
    )  # fmt: skip
    StageTransition.objects.create(lead=scored_lead, from_stage="", to_stage="lead", at=NOW)
    client = client_for(rep)
    page = client.get(scored_lead.get_absolute_url()).content.decode()
    url = reverse("leads:transition_why", args=[scored_lead.pk, transition.pk])
    assert page.count('data-testid="transition-why"') == 1 and f'hx-get="{url}"' in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "total 36 ≥ 30" in fragment and "Engaged fit" in fragment
    assert 'data-testid="explanation-stale"' not in fragment
    assert "<html" in client.get(url).content.decode()
    other = LeadFactory()
    assert (
        client.get(reverse("leads:transition_why", args=[other.pk, transition.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("rows", [10, 200])
def test_the_lead_page_query_count_did_not_grow_with_the_score_card(
    client_for, rep, django_assert_max_num_queries, rows, scored_lead
):
    EventFactory.create_batch(rows, lead=scored_lead)
    StageTransition.objects.create(
        lead=scored_lead, from_stage="lead", to_stage="mql", at=NOW, rule="MQL", scores={}
    )
    client = client_for(rep)
    # The lead page's own budget (tests/leads/test_pages.py): the card adds no query.
    with django_assert_max_num_queries(12):
        page = client.get(scored_lead.get_absolute_url())
    assert page.status_code == 200
    assert scored_lead.email in page.content.decode()
    # The card: session, user, groups; the lead and its model; the model's groups and rules
    # (3); the fit conditions; the events' aggregate; the history.
    with django_assert_max_num_queries(11):
        card = client.get(
            reverse("leads:score", args=[scored_lead.pk]), headers={"HX-Request": "true"}
        )
    assert card.status_code == 200
    assert "Seniority is vice president" in card.content.decode()
