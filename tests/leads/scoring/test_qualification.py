"""Qualification: the MQL criteria move leads to MQL after scoring, exactly once and never
backwards; the SQL checklist follows the active SQL criteria; every MQL and SQL count shows
its definition."""

import datetime
import html
import threading

import pytest
from django.urls import reverse
from django.utils import timezone

# Django's admin autodiscovery imports only leads/admin.py, which is to import this module.
import leads.scoring.admin  # noqa: F401
from leads.lifecycle import lead_move_stage, move_refusal
from leads.models import Lead, Stage, StageTransition
from leads.scoring.models import QualificationCriteria
from leads.scoring.qualification import (
    active_definition,
    criteria_activate,
    criteria_cache_clear,
    criteria_defaults,
    criteria_definition,
    leads_qualify,
    mql_condition,
    sql_checklist_required,
)
from leads.selectors import stage_counts_all
from smarketing.roles import Role
from tests.factories import CompanyFactory, EventFactory, LeadFactory, UserFactory
from tests.helpers import in_threads, transaction_held
from tests.leads.scoring.helpers import NOW, make_criteria, make_model
from tests.leads.scoring.test_admin import inline

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def no_criteria(db):
    """Each test states its criteria; the defaults a fresh install gets are tested apart."""
    QualificationCriteria.objects.all().delete()


def mql_criteria(*, conditions=(), name="Test MQL", is_active=True, **fields):
    """An MQL criteria set, active or a draft; ``conditions`` of (attribute, operator, value)."""
    return make_criteria("mql", name=name, active=is_active, conditions=conditions, **fields)


def sql_criteria(checklist, *, name="Test SQL", is_active=True):
    criteria = make_criteria("sql", name=name, active=is_active, sql_checklist=checklist)
    # Saved here without the admin, which clears the pages' cache of the active criteria.
    criteria_cache_clear()
    return criteria


def qualify(*leads) -> int:
    return leads_qualify(leads=Lead.objects.filter(pk__in=[lead.pk for lead in leads]), now=NOW)


def stage_of(lead) -> str:
    lead.refresh_from_db()
    return lead.stage


# Each condition, and all / any ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "meets", "misses"),
    [
        ({"min_total": 60}, {"total_score": 60}, {"total_score": 59}),
        ({"min_fit": 30}, {"fit_score": 35}, {"fit_score": 29}),
        ({"min_engagement": 20}, {"engagement_score": 20}, {"engagement_score": -5}),
    ],
    ids=["total", "fit", "engagement"],
)
def test_each_minimum_score_qualifies_from_the_stored_score(fields, meets, misses):
    mql_criteria(**fields)
    meeting, missing = LeadFactory(**meets), LeadFactory(**misses)
    assert qualify(meeting, missing) == 1
    assert (stage_of(meeting), stage_of(missing)) == (Stage.MQL, Stage.LEAD)


def test_a_demo_request_within_the_days_qualifies_at_once_and_an_older_one_does_not():
    mql_criteria(event_type="demo_request", event_within_days=30)
    recent, old, other_kind, future = LeadFactory(), LeadFactory(), LeadFactory(), LeadFactory()
    EventFactory(lead=recent, type="demo_request", occurred_at=NOW - 29 * DAY)
    EventFactory(lead=old, type="demo_request", occurred_at=NOW - 31 * DAY)
    EventFactory(lead=other_kind, type="pricing_page_view", occurred_at=NOW - DAY)
    # An event after the instant the leads were scored as of does not count yet.
    EventFactory(lead=future, type="demo_request", occurred_at=NOW + DAY)
    assert qualify(recent, old, other_kind, future) == 1
    assert stage_of(recent) == Stage.MQL
    assert {stage_of(lead) for lead in (old, other_kind, future)} == {Stage.LEAD}


def test_attribute_conditions_read_the_lead_and_its_company():
    mql_criteria(
        conditions=[
            ("company.size_band", "one_of", ["201-1000", "1001-5000"]),
            ("seniority", "equals", "vp"),
        ]
    )
    fits = LeadFactory(seniority="vp", company=CompanyFactory(size_band="201-1000"))
    too_small = LeadFactory(seniority="vp", company=CompanyFactory(size_band="11-50"))
    no_company = LeadFactory(seniority="vp", company=None)
    assert qualify(fits, too_small, no_company) == 1
    assert stage_of(fits) == Stage.MQL


def test_all_of_needs_every_condition_and_any_of_needs_one():
    criteria = mql_criteria(match="all", min_total=60, conditions=[("seniority", "equals", "vp")])
    both = LeadFactory(total_score=70, seniority="vp")
    score_only = LeadFactory(total_score=70, seniority="manager")
    role_only = LeadFactory(total_score=10, seniority="vp", company=None)
    neither = LeadFactory(total_score=10, seniority="entry")
    everyone = [both, score_only, role_only, neither]
    assert set(Lead.objects.filter(mql_condition(criteria, NOW))) == {both}

    criteria.match = "any"
    criteria.save()
    assert set(Lead.objects.filter(mql_condition(criteria, NOW))) == {both, score_only, role_only}
    assert qualify(*everyone) == 3
    assert stage_of(neither) == Stage.LEAD


def test_criteria_without_conditions_and_no_active_criteria_qualify_nobody():
    lead = LeadFactory(total_score=100)
    assert qualify(lead) == 0
    mql_criteria(name="Empty")
    assert qualify(lead) == 0
    assert stage_of(lead) == Stage.LEAD


def test_an_inactive_set_does_not_qualify():
    mql_criteria(min_total=10, is_active=False)
    lead = LeadFactory(total_score=100)
    assert qualify(lead) == 0


def test_only_the_leads_given_are_qualified():
    mql_criteria(min_total=60)
    given, other = LeadFactory(total_score=80), LeadFactory(total_score=80)
    assert qualify(given) == 1
    assert (stage_of(given), stage_of(other)) == (Stage.MQL, Stage.LEAD)


# The move and its record ----------------------------------------------------------------------


def test_the_move_is_one_transition_by_the_rule_with_the_scores_and_the_conditions_met():
    model = make_model()
    criteria = mql_criteria(
        name="Standard MQL", match="any", min_total=60, event_type="demo_request",
        event_within_days=30, notes="Agreed by both teams in May.",
    )  # fmt: skip
    lead = LeadFactory(
        stage=Stage.SUBSCRIBER, fit_score=30, engagement_score=42, total_score=72,
        temperature="hot", grade="B1", scoring_model=model,
    )  # fmt: skip
    assert qualify(lead) == 1

    lead.refresh_from_db()
    assert (lead.stage, lead.stage_changed_at) == (Stage.MQL, NOW)
    transition = StageTransition.objects.get(lead=lead)
    assert (transition.from_stage, transition.to_stage, transition.at) == ("subscriber", "mql", NOW)
    assert (transition.rule, transition.actor, transition.actor_label) == (
        "Standard MQL", None, "rule: Standard MQL",
    )  # fmt: skip
    assert transition.reason == "Met the MQL criteria: total score at least 60."
    assert transition.scores == {
        "fit": 30,
        "engagement": 42,
        "total": 72,
        "temperature": "hot",
        "grade": "B1",
        "model_version": model.version,
        "as_of": NOW.isoformat(),
        "criteria": "Standard MQL",
        "criteria_id": criteria.pk,
        "criteria_version": criteria.version,
        "definition": "A lead becomes an MQL when any of: total score at least 60; requested a "
        "demo within the last 30 days. Agreed by both teams in May.",
        "conditions_met": ["total score at least 60"],
    }


def test_conditions_met_lists_each_condition_that_held():
    mql_criteria(
        match="any", min_total=60, event_type="demo_request", event_within_days=30,
        conditions=[("seniority", "one_of", ["vp", "c_level"])],
    )  # fmt: skip
    lead = LeadFactory(total_score=20, seniority="c_level")
    EventFactory(lead=lead, type="demo_request", occurred_at=NOW - DAY)
    qualify(lead)
    assert StageTransition.objects.get(lead=lead).scores["conditions_met"] == [
        "requested a demo within the last 30 days",
        "seniority is vice president or C-level",
    ]


def test_leads_already_mql_or_beyond_are_untouched_and_nobody_is_demoted():
    mql_criteria(min_total=60)
    beyond = {
        stage: LeadFactory(stage=stage, total_score=90)
        for stage in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER, Stage.RECYCLED,
                      Stage.DISQUALIFIED)
    }  # fmt: skip
    fallen = LeadFactory(stage=Stage.MQL, total_score=5)
    assert qualify(fallen, *beyond.values()) == 0
    assert stage_of(fallen) == Stage.MQL
    assert {stage: stage_of(lead) for stage, lead in beyond.items()} == {
        stage: stage for stage in beyond
    }
    assert not StageTransition.objects.exists()


def test_qualifying_twice_moves_once():
    mql_criteria(min_total=60)
    lead = LeadFactory(total_score=61)
    assert (qualify(lead), qualify(lead)) == (1, 0)
    assert StageTransition.objects.filter(lead=lead).count() == 1


def test_the_cached_stage_counts_follow_the_moves(django_capture_on_commit_callbacks):
    mql_criteria(min_total=60)
    leads = [LeadFactory(stage=Stage.SUBSCRIBER, total_score=70), LeadFactory(total_score=70)]
    before = stage_counts_all()
    with django_capture_on_commit_callbacks(execute=True):
        assert qualify(*leads) == 2
    after = stage_counts_all()
    assert (after["subscriber"], after["lead"], after["mql"]) == (
        before["subscriber"] - 1, before["lead"] - 1, before["mql"] + 2,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_qualifications_make_exactly_one_transition():
    mql_criteria(min_total=60)
    lead = LeadFactory(total_score=75)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        return leads_qualify(leads=Lead.objects.filter(pk=lead.pk), now=NOW)

    assert sorted(in_threads(run)) == [0, 1]
    assert StageTransition.objects.filter(lead=lead).count() == 1
    assert stage_of(lead) == Stage.MQL


@pytest.mark.django_db(transaction=True)
def test_a_lead_moved_meanwhile_is_not_moved_again():
    marketer = UserFactory(username="maya", role=Role.MARKETING)
    mql_criteria(min_total=60)
    lead = LeadFactory(total_score=75)

    def move_by_hand():
        lead_move_stage(lead=Lead.objects.get(pk=lead.pk), to_stage=Stage.MQL, actor=marketer)

    with transaction_held(move_by_hand):
        # The marketer's move holds the lead: qualification leaves it to them.
        assert qualify(lead) == 0
    assert qualify(lead) == 0

    transition = StageTransition.objects.get(lead=lead)
    assert (transition.actor, transition.rule) == (marketer, "")


# The definitions -------------------------------------------------------------------------------


def test_the_definition_says_the_criteria_in_plain_language():
    criteria = mql_criteria(
        match="all", min_total=60, event_type="demo_request", event_within_days=30,
        conditions=[("company.size_band", "one_of", ["201-1000", "1001-5000"]),
                    ("job_title", "contains", "marketing"),
                    ("company.employee_count", "between", [50, 5000])],
    )  # fmt: skip
    assert criteria_definition(criteria) == (
        "A lead becomes an MQL when all of: total score at least 60; requested a demo within "
        "the last 30 days; company size is 201–1,000 or 1,001–5,000; job title "
        "contains “marketing”; company employees is between 50 and 5,000."
    )
    single = mql_criteria(name="Fit only", is_active=False, min_fit=40)
    assert criteria_definition(single) == (
        "A lead becomes an MQL on one condition: fit score at least 40."
    )
    empty = mql_criteria(name="Empty", is_active=False)
    assert criteria_definition(empty) == (
        "No lead becomes an MQL under these criteria: they have no condition."
    )


def test_the_sql_definition_lists_the_checklist_and_the_notes():
    bant = sql_criteria(["budget", "authority", "need", "timeline"])
    bant.notes = "Agreed with sales in May."
    assert criteria_definition(bant) == (
        "A lead becomes an SQL when a rep has confirmed budget, authority, need and timeline. "
        "Agreed with sales in May."
    )
    assert criteria_definition(sql_criteria(["need"], name="Need", is_active=False)) == (
        "A lead becomes an SQL when a rep has confirmed need."
    )


def test_the_active_definition_is_cached_until_the_criteria_are_saved(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    standard = mql_criteria(name="Standard", min_total=60)
    other = mql_criteria(name="Demo", is_active=False, event_type="demo_request",
                         event_within_days=7)  # fmt: skip
    with django_assert_num_queries(1):
        assert active_definition("mql") == (
            "Standard: A lead becomes an MQL on one condition: total score at least 60."
        )
        assert active_definition("sql").startswith("No SQL criteria are active")
    with django_assert_num_queries(0):
        active_definition("mql")
    with django_capture_on_commit_callbacks(execute=True):
        criteria_activate(criteria=other, actor=None)
    standard.refresh_from_db()
    assert standard.status == "archived"
    assert active_definition("mql") == (
        "Demo: A lead becomes an MQL on one condition: requested a demo within the last 7 days."
    )


def test_the_defaults_are_created_once_and_leave_existing_criteria_alone():
    created = criteria_defaults()
    assert [(c.kind, c.name, c.version, c.status) for c in created] == [
        ("mql", "Standard MQL", 1, "active"), ("sql", "BANT", 1, "active"),
    ]  # fmt: skip
    assert criteria_defaults() == []
    mql = QualificationCriteria.objects.get(kind="mql")
    assert criteria_definition(mql) == (
        "A lead becomes an MQL when any of: total score at least 60; requested a demo within "
        "the last 30 days."
    )
    assert QualificationCriteria.objects.count() == 2


def test_the_board_shows_the_definition_beside_the_mql_and_sql_counts(client_for, rep):
    mql_criteria(name="Standard MQL", match="any", min_total=60, event_type="demo_request",
                 event_within_days=30)  # fmt: skip
    sql_criteria(["budget", "need"], name="BN")
    content = client_for(rep).get(reverse("leads:board")).content.decode()
    assert 'data-testid="definition-mql"' in content
    assert (
        html.escape(
            "Standard MQL: A lead becomes an MQL when any of: total score at least 60; requested a "
            "demo within the last 30 days."
        )
        in content
    )
    assert 'data-testid="definition-sql"' in content
    assert "BN: A lead becomes an SQL when a rep has confirmed budget and need." in content


# The SQL checklist -----------------------------------------------------------------------------


def test_the_sql_checklist_requires_the_items_of_the_active_sql_criteria(rep):
    lead = LeadFactory(stage=Stage.SAL, owner=rep, budget_confirmed=True)
    assert sql_checklist_required() == ["budget", "authority", "need", "timeline"]
    assert move_refusal(lead, Stage.SQL, rep) == (
        "The SQL checklist is incomplete: authority, need, timeline not confirmed."
    )
    sql_criteria(["budget", "need"])
    assert move_refusal(lead, Stage.SQL, rep) == (
        "The SQL checklist is incomplete: need not confirmed."
    )
    lead.need_confirmed = True
    assert move_refusal(lead, Stage.SQL, rep) is None


def test_the_lead_page_asks_for_the_active_checklist_and_saves_only_those_items(client_for, rep):
    sql_criteria(["budget", "need"], name="BN")
    lead = LeadFactory(stage=Stage.SAL, owner=rep, timeline_confirmed=True)
    client = client_for(rep)
    content = client.get(lead.get_absolute_url()).content.decode()
    assert 'name="budget_confirmed"' in content and 'name="need_confirmed"' in content
    assert 'name="authority_confirmed"' not in content
    assert "A lead becomes an SQL when a rep has confirmed budget and need." in content

    client.post(
        reverse("leads:sql_checklist", args=[lead.pk]),
        {"budget_confirmed": "on", "need_confirmed": "on"},
    )
    client.post(reverse("leads:move", args=[lead.pk]), {"to_stage": "sql", "expected_stage": "sal"})
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL
    assert lead.sql_checklist == {"budget": True, "authority": False, "need": True,
                                  "timeline": True}  # fmt: skip


# The admin -------------------------------------------------------------------------------------

CRITERIA_FIELDS = {
    "kind": "mql", "name": "Enterprise", "match": "all", "min_total": "", "min_fit": "",
    "min_engagement": "", "event_type": "", "event_within_days": "", "notes": "",
}  # fmt: skip


def criteria_form(conditions=(), **fields) -> dict:
    return {**CRITERIA_FIELDS, **fields, **inline("conditions", list(conditions))}


def errors_of(response) -> list[str]:
    form_errors = [
        message
        for errors in response.context["adminform"].form.errors.values()
        for message in errors
    ]
    inline_errors = [
        message
        for formset in response.context["inline_admin_formsets"]
        for message in [
            *formset.formset.non_form_errors(),
            *(m for form_errors in formset.formset.errors for ms in form_errors.values()
              for m in ms),
        ]
    ]  # fmt: skip
    return form_errors + inline_errors


def test_the_admin_saves_a_draft_with_conditions_and_shows_the_definition(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("admin:leads_qualificationcriteria_add")).status_code == 200
    response = client.post(
        reverse("admin:leads_qualificationcriteria_add"),
        criteria_form(
            min_total=50,
            conditions=[
                {"attribute": "company.size_band", "operator": "one_of",
                 "value": '["201-1000", "1001-5000"]'},
            ],
        ),
    )  # fmt: skip
    assert response.status_code == 302, errors_of(response)
    criteria = QualificationCriteria.objects.get(name="Enterprise")
    assert (criteria.status, criteria.version, criteria.created_by) == ("draft", 1, admin_user)
    page = client.get(reverse("admin:leads_qualificationcriteria_change", args=[criteria.pk]))
    listed = client.get(reverse("admin:leads_qualificationcriteria_changelist"))
    assert "Enterprise" in listed.content.decode()
    assert (
        html.escape(
            "A lead becomes an MQL when all of: total score at least 50; company size is "
            "201–1,000 or 1,001–5,000."
        )
        in page.content.decode()
    )


def test_the_admin_refuses_a_bad_condition_naming_it_and_why(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:leads_qualificationcriteria_add"),
        criteria_form(
            min_total=50,
            conditions=[
                {"attribute": "seniority", "operator": "equals", "value": "vp"},
                {"attribute": "seniority", "operator": "equals", "value": "ceo"},
                {"attribute": "company.employee_count", "operator": "contains", "value": "5"},
            ],
        ),
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert any(
        "Rule 2 (seniority equals): 'ceo' is not a choice of seniority" in error for error in errors
    ), errors
    assert any(
        "Rule 3 (company.employee_count contains): contains does not apply to a number "
        "attribute" in error
        for error in errors
    ), errors
    assert not QualificationCriteria.objects.exists()


# Each rule of a set as a whole, with the message the API gives too (test_api.py).
REFUSED_SETS = [
    pytest.param(
        {"event_type": "demo_request"}, "Say within how many days the event qualifies.",
        id="event-without-days",
    ),
    pytest.param(
        {"event_type": "demo_request", "event_within_days": 0},
        "The event condition can never hold within 0 days: give at least 1 day.", id="zero-days",
    ),
    pytest.param(
        {"kind": "sql", "min_total": 60},
        "“Total at least” is an MQL condition; an SQL criteria set is a checklist only, so "
        "leave it empty.",
        id="sql-with-minimum",
    ),
    pytest.param(
        {"kind": "sql", "conditions": [{"attribute": "phone", "operator": "is_set", "value": ""}]},
        "An SQL criteria set is a checklist: attribute conditions belong to MQL criteria only.",
        id="sql-with-conditions",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "message"), REFUSED_SETS)
def test_the_admin_refuses_criteria_that_cannot_work(client_for, admin_user, fields, message):
    response = client_for(admin_user).post(
        reverse("admin:leads_qualificationcriteria_add"), criteria_form(**fields)
    )
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not QualificationCriteria.objects.exists()


def test_activating_in_the_admin_archives_the_active_set_and_refreshes_the_definition(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    standard = mql_criteria(name="Standard", min_total=60)
    enterprise = mql_criteria(name="Enterprise", is_active=False, min_total=80)
    assert active_definition("mql").startswith("Standard:")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            reverse("admin:leads_qualificationcriteria_changelist"),
            {"action": "activate_now", "_selected_action": [enterprise.pk]},
            follow=True,
        )
    assert (
        f"“Enterprise” (MQL v{enterprise.version}) is now the active MQL criteria set."
        in response.content.decode()
    )
    standard.refresh_from_db()
    enterprise.refresh_from_db()
    assert (standard.status, enterprise.status) == ("archived", "active")
    assert (enterprise.activated_by, enterprise.activated_at) == (admin_user, standard.archived_at)
    assert active_definition("mql").startswith("Enterprise:")


def test_the_activate_action_refuses_a_set_without_conditions(client_for, admin_user):
    standard = mql_criteria(name="Standard", min_total=60)
    empty = mql_criteria(name="Empty", is_active=False)
    response = client_for(admin_user).post(
        reverse("admin:leads_qualificationcriteria_changelist"),
        {"action": "activate_now", "_selected_action": [empty.pk]},
        follow=True,
    )
    assert (
        html.escape(
            "“Empty” not activated: “Empty” has no condition, so it would never qualify anyone"
        )
        in response.content.decode()
    )
    standard.refresh_from_db()
    assert standard.status == "active"


def test_active_criteria_are_read_only_in_the_admin_and_cloned_into_a_draft(client_for, admin_user):
    standard = mql_criteria(name="Standard", min_total=60, conditions=[("phone", "is_set", None)])
    client = client_for(admin_user)
    url = reverse("admin:leads_qualificationcriteria_change", args=[standard.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, criteria_form(min_total=10)).status_code == 403
    deleted = client.post(
        reverse("admin:leads_qualificationcriteria_delete", args=[standard.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403

    response = client.post(
        reverse("admin:leads_qualificationcriteria_changelist"),
        {"action": "clone", "_selected_action": [standard.pk]},
        follow=True,
    )

    copy = QualificationCriteria.objects.get(status="draft")
    assert f"MQL v{standard.version} cloned into draft MQL v{copy.version}." in (
        response.content.decode()
    )
    assert (copy.name, copy.min_total, copy.version) == ("Standard", 60, standard.version + 1)
    assert list(copy.conditions.values_list("attribute", "operator")) == [("phone", "is_set")]
    standard.refresh_from_db()
    assert (standard.status, standard.min_total) == ("active", 60)


def test_scheduling_a_set_without_conditions_in_the_admin_is_refused_with_why(
    client_for, admin_user
):
    empty = mql_criteria(name="Empty", is_active=False)
    moment = timezone.localtime(timezone.now() + datetime.timedelta(days=1))
    response = client_for(admin_user).post(
        reverse("admin:leads_qualificationcriteria_change", args=[empty.pk]),
        {**criteria_form(name="Empty"), "schedule_at_0": f"{moment:%Y-%m-%d}",
         "schedule_at_1": f"{moment:%H:%M}"},
        follow=True,
    )  # fmt: skip
    assert (
        html.escape(
            f"MQL v{empty.version} “Empty” was saved as a draft but not scheduled: “Empty” has no "
            "condition, so it would never qualify anyone"
        )
        in response.content.decode()
    )
    empty.refresh_from_db()
    assert (empty.status, empty.activate_at) == ("draft", None)
