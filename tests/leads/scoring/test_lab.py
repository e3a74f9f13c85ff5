"""The scoring lab: impact and backtest figures on a small history with known answers, the
compiler scoring each lead as of its own instant, and the lab's pages."""

import datetime

import numpy as np
import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from leads.models import StageTransition
from leads.scoring.engine import leads_score
from leads.scoring.lab import (
    area_under_curve,
    backtest_figures,
    lab_run_execute,
    lab_run_start,
)
from leads.scoring.models import (
    FitRule,
    LabRun,
    QualificationCriteria,
    RunStatus,
    ScoringModel,
)
from leads.scoring.services import scoring_model_activate
from tests.factories import EventFactory, LeadFactory
from tests.leads.scoring import reference
from tests.leads.scoring.helpers import compiled_scores, make_criteria, make_model

pytestmark = pytest.mark.django_db

DEMO = {"event_type": "demo_request", "points": 20}


def active_and_draft(admin_user):
    """Active: a VP is worth 10, a demo request 20. Draft: a demo request 40, a page view 5."""
    active = make_model(
        fit=[("seniority", "equals", "vp", 10)], engagement=[DEMO],
        hot_threshold=30, warm_threshold=10,
    )  # fmt: skip
    scoring_model_activate(model=active, actor=admin_user)
    draft = make_model(
        fit=[("seniority", "equals", "vp", 10)],
        engagement=[{**DEMO, "points": 40}, {"event_type": "page_view", "points": 5}],
        hot_threshold=30, warm_threshold=10,
    )  # fmt: skip
    return ScoringModel.objects.get(pk=active.pk), draft


def mql_criteria(min_total: int | None) -> None:
    """Only one active MQL criteria set, with this minimum total; None: no active set at all."""
    QualificationCriteria.objects.filter(kind="mql").update(status="archived")
    if min_total is not None:
        make_criteria("mql", name="Agreed", min_total=min_total)


def lead_with(stage="lead", seniority="", events=(), **fields):
    lead = LeadFactory(stage=stage, seniority=seniority, **fields)
    for event_type, occurred_at in events:
        EventFactory(lead=lead, type=event_type, occurred_at=occurred_at)
    return lead


def run_now(draft, admin_user, kind, parameters=None) -> LabRun:
    run = lab_run_start(model=draft, kind=kind, actor=admin_user, parameters=parameters)
    lab_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    return run


def by_key(rows, *columns):
    return {row["key"]: tuple(row[column] for column in columns) for row in rows}


# Impact ----------------------------------------------------------------------------------------


@pytest.fixture
def impact_history(admin_user):
    active, draft = active_and_draft(admin_user)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    leads = {
        # Active: total (temperature, grade) → draft.
        "a": lead_with("lead", "vp", [("demo_request", yesterday)]),  # 30 hot C2 → 50 hot C1
        "b": lead_with("lead", "", [("demo_request", yesterday)]),  # 20 warm D2 → 40 hot D1
        "c": lead_with("subscriber", "vp", [("page_view", yesterday)]),  # 10 warm C4 → 15 warm C4
        "d": lead_with("mql", "", [("demo_request", yesterday)]),  # 20 warm D2 → 40 hot D1
        "e": lead_with("customer"),  # 0 cold D4 → 0 cold D4
    }
    leads_score(model=active)
    return active, draft, leads


def test_impact_counts_leads_per_temperature_grade_and_stage_under_both_models(
    impact_history, admin_user
):
    _active, draft, _leads = impact_history
    mql_criteria(None)

    result = run_now(draft, admin_user, LabRun.Kind.IMPACT).result

    assert result["leads"] == 5
    assert by_key(result["temperatures"], "active", "draft") == {
        "hot": (1, 3), "warm": (3, 1), "cold": (1, 1),
    }  # fmt: skip
    grades = {key: counts for key, counts in by_key(result["grades"], "active", "draft").items()}
    assert {key: counts for key, counts in grades.items() if counts != (0, 0)} == {
        "C1": (0, 1), "C2": (1, 0), "C4": (1, 1), "D1": (0, 2), "D2": (2, 0), "D4": (1, 1),
    }  # fmt: skip
    # Only b, in lead, newly reaches the hot threshold that stands in for the MQL criteria; d is
    # an MQL already and a was hot already.
    assert result["newly_mql"] == 1
    assert result["mql"]["source"] == "hot_threshold"
    assert "No MQL criteria are active" in result["mql"]["note"]
    assert by_key(result["stages"], "active", "draft", "hot_active", "hot_draft") == {
        "subscriber": (1, 1, 0, 0), "lead": (2, 1, 1, 2), "mql": (1, 2, 0, 1),
        "customer": (1, 1, 0, 0),
    }  # fmt: skip
    assert result["temperature_changed"] == 2
    assert result["grade_changed"] == 3
    assert result["temperature_moves"] == [{"from": "Warm", "to": "Hot", "leads": 2}]


def test_impact_uses_the_minimum_total_of_the_active_mql_criteria(impact_history, admin_user):
    _active, draft, _leads = impact_history
    mql_criteria(35)

    result = run_now(draft, admin_user, LabRun.Kind.IMPACT).result

    # a (30 → 50) and b (20 → 40) cross 35; d is an MQL already; c stays below.
    assert result["newly_mql"] == 2
    assert result["mql"]["source"] == "criteria"
    assert result["mql"]["draft"] == result["mql"]["active"] == 35
    assert "“Agreed”" in result["mql"]["note"]


def test_impact_applies_every_condition_of_the_mql_criteria(impact_history, admin_user):
    _active, draft, _leads = impact_history
    mql_criteria(35)
    criteria = QualificationCriteria.objects.active().get(kind="mql")
    criteria.conditions.create(attribute="seniority", operator="equals", value="vp", position=1)
    criteria.event_type, criteria.event_within_days = "demo_request", 30
    criteria.save()

    result = run_now(draft, admin_user, LabRun.Kind.IMPACT).result

    # Of a and b, which both cross 35 and requested a demo, only a is a VP.
    assert result["newly_mql"] == 1
    assert by_key(result["stages"], "active", "draft")["lead"] == (2, 1)


# Backtest --------------------------------------------------------------------------------------


def test_backtest_scores_each_lead_as_of_days_after_creation_and_compares_with_outcomes(
    admin_user,
):
    _active, draft = active_and_draft(admin_user)
    mql_criteria(None)
    created = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)

    def day(number):
        return created + datetime.timedelta(days=number)

    # Active / draft totals as of day 7, and whether the lead went on to reach SQL.
    l1 = lead_with("recycled", "vp", [("demo_request", day(2))], created_at=created)  # 30 / 50, yes
    StageTransition.objects.create(lead=l1, from_stage="sal", to_stage="sql", at=day(20))
    lead_with("customer", "", [("demo_request", day(3))], created_at=created)  # 20 / 40, yes
    lead_with("lead", "vp", [("page_view", day(1))], created_at=created)  # 10 / 15, no
    l4 = lead_with("lead", "", [("demo_request", day(10))], created_at=created)  # 0 / 0, yes
    StageTransition.objects.create(lead=l4, from_stage="sal", to_stage="opportunity", at=day(30))
    lead_with("mql", "", [("page_view", day(1)), ("page_view", day(2))], created_at=created)
    # ↑ 0 / 10, no. Created after the period: left out.
    lead_with("customer", "vp", [("demo_request", day(40))], created_at=day(30))

    parameters = {"created_from": "2026-03-01", "created_to": "2026-03-31", "days": 7}
    result = run_now(draft, admin_user, LabRun.Kind.BACKTEST, parameters).result

    assert (result["leads"], result["converted"]) == (5, 3)
    draft_figures, active_figures = result["draft"], result["active"]
    # Draft, highest first: 50 yes, 40 yes, 15 no, 10 no, 0 yes; the bar is 30 (hot).
    assert [decile["converted"] for decile in draft_figures["deciles"]] == [1, 1, 0, 0, 1]
    assert [decile["highest"] for decile in draft_figures["deciles"]] == [50, 40, 15, 10, 0]
    assert (draft_figures["predicted"], draft_figures["hits"]) == (2, 2)
    assert draft_figures["precision"] == 1.0
    assert draft_figures["recall"] == pytest.approx(2 / 3)
    # Pairs (converted, not): 50>15, 50>10, 40>15, 40>10, 0<15, 0<10 → 4 of 6.
    assert draft_figures["auc"] == pytest.approx(4 / 6)
    # Active: 30 yes, 20 yes, 10 no, 0 yes, 0 no (the tie counts half) → 4.5 of 6.
    assert [decile["highest"] for decile in active_figures["deciles"]] == [30, 20, 10, 0, 0]
    assert [decile["converted"] for decile in active_figures["deciles"]] == [1, 1, 0, 1, 0]
    assert (active_figures["precision"], active_figures["recall"]) == (1.0, pytest.approx(1 / 3))
    assert active_figures["auc"] == pytest.approx(4.5 / 6)
    assert [row["decile"] for row in result["deciles"]] == [1, 2, 3, 4, 5]


def test_backtest_reads_each_models_own_rules_from_one_pass_over_the_events(admin_user):
    # Active: a VP is worth 10, a demo request 20 within 3 days. Draft: the VP only.
    active = make_model(
        fit=[("seniority", "equals", "vp", 10)], engagement=[{**DEMO, "window_days": 3}],
        hot_threshold=30, warm_threshold=10,
    )  # fmt: skip
    scoring_model_activate(model=active, actor=admin_user)
    draft = make_model(fit=[("seniority", "equals", "vp", 10)], hot_threshold=10, warm_threshold=5)
    mql_criteria(None)
    created = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)

    def day(number):
        return created + datetime.timedelta(days=number)

    # Active / draft totals as of day 7 (the window opens on day 4), and whether it converted.
    lead_with("customer", "vp", [("demo_request", day(5))], created_at=created)  # 30 / 10, yes
    lead_with("lead", "vp", created_at=created)  # 10 / 10, no
    lead_with("lead", "", [("demo_request", day(2))], created_at=created)  # 0 / 0, no
    lead_with("sql", "", [("demo_request", day(6))], created_at=created)  # 20 / 0, yes

    parameters = {"created_from": "2026-03-10", "created_to": "2026-03-10", "days": 7}
    result = run_now(draft, admin_user, LabRun.Kind.BACKTEST, parameters).result

    assert [decile["highest"] for decile in result["active"]["deciles"]] == [30, 20, 10, 0]
    assert [decile["converted"] for decile in result["active"]["deciles"]] == [1, 1, 0, 0]
    assert result["active"]["auc"] == 1.0
    # Equal scores keep the leads' order: 10 yes, 10 no, 0 no, 0 yes.
    assert [decile["highest"] for decile in result["draft"]["deciles"]] == [10, 10, 0, 0]
    assert [decile["converted"] for decile in result["draft"]["deciles"]] == [1, 0, 0, 1]
    assert result["draft"]["auc"] == 0.5
    assert (result["draft"]["predicted"], result["draft"]["hits"]) == (2, 1)


def test_backtest_figures_by_hand_on_twenty_leads():
    # Scores 20 down to 1; the top four and the seventh converted.
    scores = np.arange(20, 0, -1)
    converted = np.zeros(20, dtype=bool)
    converted[[0, 1, 2, 3, 6]] = True

    figures = backtest_figures(scores, converted, threshold=15)

    assert [decile["leads"] for decile in figures["deciles"]] == [2] * 10
    assert [decile["rate"] for decile in figures["deciles"]] == [1, 1, 0, 0.5, 0, 0, 0, 0, 0, 0]
    assert (figures["deciles"][0]["highest"], figures["deciles"][0]["lowest"]) == (20, 19)
    # At or above 15: six leads, four converted; five converted in all.
    assert (figures["predicted"], figures["hits"]) == (6, 4)
    assert figures["precision"] == pytest.approx(4 / 6)
    assert figures["recall"] == pytest.approx(4 / 5)
    # Each converted lead outscores the 15 others but for the seventh (score 14), below two.
    assert figures["auc"] == pytest.approx((4 * 15 + 13) / (5 * 15))


def test_area_under_curve_counts_ties_half_and_needs_both_outcomes():
    assert area_under_curve(np.array([5, 5]), np.array([True, False])) == 0.5
    assert area_under_curve(np.array([1, 2, 3]), np.array([False, False, True])) == 1.0
    assert area_under_curve(np.array([1, 2]), np.array([True, True])) is None
    assert backtest_figures(np.array([], dtype=int), np.array([], dtype=bool), 10)["auc"] is None


# The compiler, as of each lead's own instant -----------------------------------------------------


def test_scoring_as_of_an_expression_agrees_with_each_leads_own_instant():
    model = make_model(
        fit=[("seniority", "equals", "vp", 10)],
        engagement=[
            {"event_type": "page_view", "points": 8, "half_life_days": 3, "cap": 20},
            {"event_type": "demo_request", "points": 30, "window_days": 5},
        ],
    )
    base = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    leads = []
    for offset in (0, 2, 9):
        created = base + datetime.timedelta(days=offset)
        events = [
            ("page_view", created + datetime.timedelta(days=1)),
            ("page_view", created + datetime.timedelta(days=6)),
            ("demo_request", created + datetime.timedelta(days=1)),
            ("demo_request", created + datetime.timedelta(days=12)),  # after the instant
        ]
        leads.append(lead_with("lead", "vp" if offset else "", events, created_at=created))

    per_lead = compiled_scores(model, leads, now=F("created_at") + datetime.timedelta(days=7))

    for lead in leads:
        instant = lead.created_at + datetime.timedelta(days=7)
        assert per_lead[lead.pk] == compiled_scores(model, [lead], now=instant)[lead.pk]
        expected = reference.score(model, lead, list(lead.events.all()), instant)
        assert per_lead[lead.pk]["total_score"] == expected.total


# Pages -------------------------------------------------------------------------------------------


def test_only_an_admin_opens_the_lab(client_for, admin_user, marketer, sales_manager):
    assert client_for(admin_user).get(reverse("scoring:lab")).status_code == 200
    assert client_for(marketer).get(reverse("scoring:lab")).status_code == 403
    assert client_for(sales_manager).post(reverse("scoring:clone")).status_code == 403


def test_admin_clones_the_active_model_into_a_draft(client_for, admin_user):
    active, _draft = active_and_draft(admin_user)

    response = client_for(admin_user).post(reverse("scoring:clone"))

    clone = ScoringModel.objects.filter(status="draft").latest("version")
    assert response.status_code == 302 and response["Location"] == reverse(
        "scoring:draft", args=[clone.pk]
    )
    assert clone.fit_rules.get().points == active.fit_rules.get().points


def _draft_data(model, **changes) -> dict:
    """The editor's form as the page posts it, with ``changes`` over the saved values."""
    data = {
        field: getattr(model, field) if getattr(model, field) is not None else ""
        for field in (
            "name", "description", "hot_threshold", "warm_threshold", "overall_cap", "fit_a",
            "fit_b", "fit_c", "engagement_1", "engagement_2", "engagement_3",
        )
    }  # fmt: skip
    for prefix, rows in (
        ("groups", []),
        ("fit", model.fit_rules.all()),
        ("engagement", model.engagement_rules.all()),
    ):
        rows = list(rows)
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000,
        }  # fmt: skip
        for index, rule in enumerate(rows):
            data[f"{prefix}-{index}-id"] = rule.pk
            data[f"{prefix}-{index}-model"] = model.pk
            data[f"{prefix}-{index}-position"] = rule.position
            data[f"{prefix}-{index}-points"] = rule.points
            if prefix == "fit":
                data[f"{prefix}-{index}-attribute"] = rule.attribute
                data[f"{prefix}-{index}-operator"] = rule.operator
                data[f"{prefix}-{index}-value"] = rule.value
            else:
                data[f"{prefix}-{index}-event_type"] = rule.event_type
    return data | changes


def test_editing_a_draft_saves_its_rules(client_for, admin_user):
    _active, draft = active_and_draft(admin_user)

    response = client_for(admin_user).post(
        reverse("scoring:draft", args=[draft.pk]), _draft_data(draft, **{"fit-0-points": "25"})
    )

    assert response.status_code == 302
    assert FitRule.objects.get(model=draft).points == 25


def test_the_editor_shows_the_rules_own_problems_next_to_it(client_for, admin_user):
    _active, draft = active_and_draft(admin_user)
    data = _draft_data(draft, **{"fit-0-operator": "gte", "hot_threshold": "5"})

    response = client_for(admin_user).post(reverse("scoring:draft", args=[draft.pk]), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Rule 1 (seniority ≥): ≥ does not apply to a choice attribute" in page
    assert "The temperature bands overlap: hot from 5 must be above warm from 10." in page
    assert FitRule.objects.get(model=draft).operator == "equals"


def test_an_active_model_is_not_edited_and_not_discarded(client_for, admin_user):
    active, _draft = active_and_draft(admin_user)
    client = client_for(admin_user)

    client.post(reverse("scoring:draft", args=[active.pk]), _draft_data(active, name="Changed"))
    client.post(reverse("scoring:discard", args=[active.pk]))

    active.refresh_from_db()
    assert active.name == "Test model" and active.status == "active"


def test_discarding_a_draft_deletes_it(client_for, admin_user):
    _active, draft = active_and_draft(admin_user)

    response = client_for(admin_user).post(reverse("scoring:discard", args=[draft.pk]))

    assert response["Location"] == reverse("scoring:lab")
    assert not ScoringModel.objects.filter(pk=draft.pk).exists()


def test_running_the_impact_swaps_in_its_panel_and_then_its_figures(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    _active, draft = active_and_draft(admin_user)
    lead_with("lead", "vp", [("demo_request", timezone.now())])
    client = client_for(admin_user)
    url = reverse("scoring:lab_run_create", args=[draft.pk, "impact"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'id="impact-panel"' in response.content.decode()
    run = LabRun.objects.get(model=draft)
    assert run.status == RunStatus.DONE
    panel = client.get(reverse("scoring:lab_run", args=[run.pk]), headers={"HX-Request": "true"})
    assert 'data-testid="impact-result"' in panel.content.decode()
    page = client.get(reverse("scoring:draft", args=[draft.pk]))
    assert 'data-testid="impact-result"' in page.content.decode()


def test_a_backtest_refuses_a_period_that_ends_before_it_starts(client_for, admin_user):
    _active, draft = active_and_draft(admin_user)
    data = {"created_from": "2026-03-31", "created_to": "2026-03-01", "days": 7}

    response = client_for(admin_user).post(
        reverse("scoring:lab_run_create", args=[draft.pk, "backtest"]), data,
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert "The period ends before it starts." in response.content.decode()
    assert not LabRun.objects.exists()


def test_a_backtest_refuses_leads_too_young_to_be_scored_days_after_creation(
    client_for, admin_user
):
    _active, draft = active_and_draft(admin_user)
    today = timezone.localdate()
    data = {"created_from": today.replace(day=1) - datetime.timedelta(days=60),
            "created_to": today, "days": 30}  # fmt: skip

    response = client_for(admin_user).post(
        reverse("scoring:lab_run_create", args=[draft.pk, "backtest"]), data,
        headers={"HX-Request": "true"},
    )  # fmt: skip

    assert "have not had 30 days yet" in response.content.decode()
    assert not LabRun.objects.exists()


def test_without_htmx_starting_a_run_returns_to_the_draft(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    _active, draft = active_and_draft(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            reverse("scoring:lab_run_create", args=[draft.pk, "impact"])
        )

    assert response["Location"] == reverse("scoring:draft", args=[draft.pk]) + "#impact"
    assert LabRun.objects.get(model=draft).status == RunStatus.DONE


def test_a_failed_run_records_its_error(admin_user, monkeypatch):
    _active, draft = active_and_draft(admin_user)
    run = LabRun.objects.create(kind="backtest", model=draft, parameters={"days": 7})

    lab_run_execute(run_id=run.pk)  # The period is missing.

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "created_from" in run.error
    lab_run_execute(run_id=run.pk)  # A finished run is left as it is.
    assert LabRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_the_rescore_page_polls_until_done(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    _active, draft = active_and_draft(admin_user)
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:activate", args=[draft.pk]))

    run_url = response["Location"]
    partial = client.get(run_url, headers={"HX-Request": "true", "HX-Target": "run-progress"})
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="run-progress"')
    assert "Rescore done." in body and "hx-trigger" not in body


@pytest.mark.parametrize("rules", [1, 12])
def test_the_editor_and_the_lab_read_a_fixed_number_of_queries(
    client_for, admin_user, django_assert_max_num_queries, rules
):
    _active, draft = active_and_draft(admin_user)
    FitRule.objects.bulk_create(
        FitRule(model=draft, attribute="phone", operator="is_set", points=1, position=position)
        for position in range(2, rules + 2)
    )
    client = client_for(admin_user)
    # Session, user and roles; the model, its groups, fit rules and engagement rules; the
    # active model; the latest impact and backtest runs. Not one a rule.
    with django_assert_max_num_queries(11):
        editor = client.get(reverse("scoring:draft", args=[draft.pk]))
    assert editor.status_code == 200
    assert editor.content.decode().count('name="fit-') >= rules * 3  # each rule's fields
    # Session, user, roles; the versions with their authors; the recent rescores; the rescore
    # under way, if any; the active model's latest suggestions.
    with django_assert_max_num_queries(8):
        lab = client.get(reverse("scoring:lab"))
    assert lab.status_code == 200
    assert f"v{draft.version}" in lab.content.decode()
    assert f"v{_active.version}" in lab.content.decode()
