"""The scoring lab's suggestions: rule points learned from closed history, new rules, sales'
rejection patterns, and the chosen ones applied to a draft that is then checked on later leads."""

from __future__ import annotations

import datetime
import math
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.models import Company, Event, Lead, RejectionReason, StageTransition
from leads.scoring.lab import lab_run_execute, lab_run_start, lab_suggestions_apply
from leads.scoring.lab.rejections import rejection_patterns
from leads.scoring.models import LabRun, RunStatus, ScoringModel
from leads.scoring.services import scoring_model_activate, scoring_model_default
from tests.leads.scoring.helpers import make_model

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# The truth the generated history follows: log-odds of converting.
BASE, VP, DEMO, PARTNER = -1.0, 1.6, 0.9, -1.4


def learning_model(admin_user) -> ScoringModel:
    """Active: a VP +10, a phone +3 (which does nothing), a demo request +20 each."""
    model = make_model(
        fit=[("seniority", "equals", "vp", 10), ("phone", "is_set", None, 3)],
        engagement=[{"event_type": "demo_request", "points": 20}],
    )
    scoring_model_activate(model=model, actor=admin_user)
    return ScoringModel.objects.get(pk=model.pk)


def history(count: int, *, first: int, last: int, seed: int, truth=(BASE, VP, DEMO, PARTNER),
            still_open: int = 0) -> None:  # fmt: skip
    """``count`` leads that became MQLs between ``first`` and ``last`` days ago, converting (SQL
    10 days later) or not (recycled 5 days later) by ``truth``; ``still_open`` more left as MQLs.
    Converters also book a meeting after their MQL moment, which no fit may see."""
    rng = random.Random(seed)
    now = timezone.now()
    base, vp, demo, partner = truth
    company = Company.objects.create(name="Acme", domain=f"acme{seed}.example.com")
    # The seeded reason (a test that empties the tables brings its own).
    reason, _ = RejectionReason.objects.get_or_create(
        code="no-budget", defaults={"label": "No budget"}
    )
    stories = []
    for number in range(count + still_open):
        mql_at = now - (first - rng.random() * (first - last)) * DAY
        is_vp, is_partner = rng.random() < 0.35, rng.random() < 0.3
        demos = rng.choice((0, 0, 1, 2, 3))
        logit = base + vp * is_vp + demo * demos + partner * is_partner
        converted = rng.random() < 1 / (1 + math.exp(-logit))
        lead = Lead(
            email=f"learn{seed}-{number}@example.com", company=company,
            seniority="vp" if is_vp else "manager", phone="+1 555" if rng.random() < 0.5 else "",
            original_channel="partner" if is_partner else "email",
            stage="mql", created_at=mql_at - 30 * DAY,
        )  # fmt: skip
        stories.append((lead, mql_at, demos, converted, number >= count))
    Lead.objects.bulk_create([story[0] for story in stories])
    events, moves = [], []
    for lead, mql_at, demos, converted, is_open in stories:
        moves.append(StageTransition(lead=lead, from_stage="lead", to_stage="mql", at=mql_at))
        events += [
            Event(lead=lead, type="demo_request", occurred_at=mql_at - (1 + index) * DAY)
            for index in range(demos)
        ]
        if is_open:
            continue
        if converted:
            moves.append(
                StageTransition(lead=lead, from_stage="mql", to_stage="sql", at=mql_at + 10 * DAY)
            )
            events.append(Event(lead=lead, type="meeting_booked", occurred_at=mql_at + DAY))
        else:
            moves.append(StageTransition(
                lead=lead, from_stage="mql", to_stage="recycled", at=mql_at + 5 * DAY,
                rejection_reason=reason,
            ))  # fmt: skip
    Event.objects.bulk_create(events)
    StageTransition.objects.bulk_create(moves)


def periods(fit_days=200, split_days=95) -> dict:
    today = timezone.localdate()
    return {
        "fit_from": (today - fit_days * DAY).isoformat(),
        "split": (today - split_days * DAY).isoformat(),
        "later_to": today.isoformat(),
        "days": 30,
    }


def learned(model, admin_user, parameters=None) -> LabRun:
    run = lab_run_start(
        model=model, kind=LabRun.Kind.SUGGESTIONS, actor=admin_user,
        parameters=parameters or periods(),
    )  # fmt: skip
    lab_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    return run


@pytest.fixture
def learned_run(admin_user):
    model = learning_model(admin_user)
    history(1500, first=190, last=100, seed=1, still_open=100)
    history(300, first=90, last=40, seed=2)
    return learned(model, admin_user)


def ranked(run) -> dict[str, dict]:
    return {item["key"]: item for item in run.result["rules"] + run.result["new_rules"]}


def key_of(model, kind, **fields) -> str:
    rules = model.fit_rules if kind == "fit" else model.engagement_rules
    return f"{kind}-{rules.get(**fields).pk}"


# Learned points ----------------------------------------------------------------------------------


def test_suggestions_rank_the_features_conversion_depends_on_first_with_their_signs(
    learned_run,
):
    model = learned_run.model
    items = ranked(learned_run)
    vp = items[key_of(model, "fit", attribute="seniority")]
    demo = items[key_of(model, "engagement", event_type="demo_request")]
    partner = items["new-fit-original_channel=partner"]
    phone = items[key_of(model, "fit", attribute="phone")]
    assert {vp["rank"], demo["rank"], partner["rank"]} == {1, 2, 3}
    assert vp["coefficient"] > 0 and demo["coefficient"] > 0 and partner["coefficient"] < 0
    assert partner["suggested"] < 0 and partner["offered"]
    assert phone["rank"] > 3 and abs(phone["suggested"]) < abs(vp["suggested"])
    # Lift: the VPs' conversion over the base rate, its interval around it.
    assert vp["low"] < vp["lift"] < vp["high"] and vp["low"] > 1
    assert partner["high"] < 1


def test_suggestions_see_each_lead_as_of_its_mql_moment_only(learned_run):
    # Every converter booked a meeting after it qualified: nothing before it says so.
    assert "new-engagement-meeting_booked" not in ranked(learned_run)


def test_suggestions_learn_from_the_fitting_period_and_check_on_the_later_one(learned_run):
    result = learned_run.result
    assert (result["closed"], result["open"]) == (1500, 100)
    assert result["later"]["closed"] == 300
    assert result["later"]["auc_suggested"] > result["later"]["auc_now"] > 0.5


def test_the_later_period_never_reaches_the_fit(admin_user):
    model = learning_model(admin_user)
    history(600, first=190, last=100, seed=3)
    first = learned(model, admin_user)
    # The later period's leads behave the other way round: the fit does not change.
    history(400, first=90, last=40, seed=4, truth=(BASE, -VP, -DEMO, -PARTNER))
    second = learned(model, admin_user)
    coefficients = {key: item["coefficient"] for key, item in ranked(first).items()}
    assert {key: item["coefficient"] for key, item in ranked(second).items()} == coefficients
    assert second.result["later"]["auc_suggested"] < 0.5


def test_too_little_closed_history_is_refused_with_the_numbers(admin_user):
    model = learning_model(admin_user)
    history(143, first=190, last=100, seed=5, still_open=7)
    result = learned(model, admin_user).result
    assert result["refusal"] == (
        "The lab needs at least 200 closed leads (MQLs of the fitting period whose outcome is "
        "known); you have 143, and 7 still open."
    )
    assert result["rules"] == [] and result["new_rules"] == []


def test_a_later_period_too_small_to_check_on_says_so(admin_user):
    model = learning_model(admin_user)
    history(400, first=190, last=100, seed=6)
    history(12, first=90, last=40, seed=7)
    later = learned(model, admin_user).result["later"]
    assert later["refusal"] == (
        "The check needs at least 50 leads with a known outcome among the later period's MQLs; "
        "it has 12."
    )


# Rejection patterns ----------------------------------------------------------------------------


def decided(count, *, size_band, rejected: dict[str, int], at, rep):
    """``count`` leads of companies of ``size_band`` sales decided on at ``at``: rejected with
    each reason code as many times as given, the rest accepted."""
    company = Company.objects.create(name=size_band, domain=f"{size_band}.example.com",
                                     size_band=size_band)  # fmt: skip
    leads = Lead.objects.bulk_create(
        Lead(email=f"{size_band}-{n}@example.com", company=company, original_channel="email")
        for n in range(count)
    )
    reasons = [code for code, times in rejected.items() for _ in range(times)]
    StageTransition.objects.bulk_create(
        StageTransition(
            lead=lead,
            from_stage="mql",
            at=at,
            actor=rep,
            to_stage="recycled" if index < len(reasons) else "sal",
            rejection_reason=(
                RejectionReason.objects.get(code=reasons[index]) if index < len(reasons) else None
            ),
        )  # fmt: skip
        for index, lead in enumerate(leads)
    )


def test_rejection_patterns_give_exact_rates_and_the_rule_change(admin_user, rep):
    model = scoring_model_default(actor=admin_user)  # "Company size is 1–10" is rule 7: −10.
    now = timezone.now()
    decided(40, size_band="1-10", rejected={"no-budget": 26, "other": 4}, at=now - 3 * DAY,
            rep=rep)  # fmt: skip
    decided(60, size_band="201-1000", rejected={"wrong-persona": 12}, at=now - 3 * DAY,
            rep=rep)  # fmt: skip
    patterns = rejection_patterns(model, now - 10 * DAY, now, scale=None)
    assert (patterns["decided"], patterns["rejected"]) == (100, 42)
    [pattern] = patterns["found"]
    assert pattern["sentence"] == (
        "65 % of the leads whose company size is 1–10 were rejected as “No budget” (75 % "
        "rejected in all, against 20 % of the others; 40 decisions)."
    )
    # Acceptance 10 of 40 against 48 of 60: log-odds (10.5/30.5) − (48.5/12.5) = −2.42, at a
    # quarter of the hot threshold (15 points) a unit: −36 points more.
    assert pattern["change_text"] == "Lower “Company size is 1–10” (rule 7) from −10 to −46"
    rule = model.fit_rules.get(position=7)
    assert pattern["change"] == {"action": "points", "kind": "fit", "rule": rule.pk, "points": -46}


def test_segments_with_too_few_decisions_are_not_compared(admin_user, rep):
    model = scoring_model_default(actor=admin_user)
    now = timezone.now()
    decided(29, size_band="1-10", rejected={"no-budget": 29}, at=now - DAY, rep=rep)
    decided(60, size_band="201-1000", rejected={}, at=now - DAY, rep=rep)
    assert rejection_patterns(model, now - 10 * DAY, now, scale=None)["found"] == []


# Applying suggestions to a draft ---------------------------------------------------------------


def finished(model, result) -> LabRun:
    return LabRun.objects.create(
        kind=LabRun.Kind.SUGGESTIONS, model=model, status=RunStatus.DONE,
        result={"fit_from": "2026-01-01", "fit_to": "2026-06-30", "rules": [], "new_rules": [],
                "patterns": {"found": []}, **result},
    )  # fmt: skip


def rules_of(model):
    fit = list(model.fit_rules.values_list("attribute", "operator", "value", "points"))
    engagement = list(model.engagement_rules.values_list("event_type", "points", "half_life_days"))
    return fit, engagement


def test_applying_creates_a_draft_with_exactly_the_chosen_changes(admin_user):
    model = learning_model(admin_user)
    vp = model.fit_rules.get(attribute="seniority")
    demo = model.engagement_rules.get()
    run = finished(model, {
        "rules": [
            {"key": "vp", "offered": True, "text": "Seniority is VP", "current": 10,
             "change": {"action": "points", "kind": "fit", "rule": vp.pk, "points": 18}},
            {"key": "demo", "offered": True, "text": "Demo request", "current": 20,
             "change": {"action": "points", "kind": "engagement", "rule": demo.pk, "points": 30}},
        ],
        "new_rules": [
            {"key": "partner", "offered": True, "text": "Original channel is partner",
             "change": {"action": "new_fit", "attribute": "original_channel",
                        "operator": "equals", "value": "partner", "points": -12}},
        ],
    })  # fmt: skip
    draft = lab_suggestions_apply(run=run, chosen=["vp", "partner"], actor=admin_user)
    assert draft.is_editable and draft.learned_from == run and draft.version > model.version
    fit, engagement = rules_of(model)
    assert rules_of(draft) == (
        [("seniority", "equals", "vp", 18), fit[1], ("original_channel", "equals", "partner", -12)],
        engagement,
    )
    assert rules_of(ScoringModel.objects.get(pk=model.pk)) == (fit, engagement)
    assert "Seniority is VP: 10 → 18 points" in draft.description


def test_applying_refuses_unknown_clashing_or_no_suggestions(admin_user):
    model = learning_model(admin_user)
    vp = model.fit_rules.get(attribute="seniority")
    change = {"action": "points", "kind": "fit", "rule": vp.pk, "points": 18}
    run = finished(model, {
        "rules": [{"key": "vp", "offered": True, "text": "VP", "current": 10, "change": change}],
        "patterns": {"found": [{"key": "pattern", "offered": True, "change_text": "Lower VP",
                                "change": {**change, "points": 2}}]},
    })  # fmt: skip
    drafts = ScoringModel.objects.count()
    for chosen, message in (
        ([], "Pick at least one suggestion to apply."),
        (["nope"], f"These are not suggestions of run {run.pk}: nope."),
        (
            ["vp", "pattern"],
            "Two of the chosen suggestions change the same rule: pick one of them.",
        ),
    ):
        with pytest.raises(ValidationError) as refusal:
            lab_suggestions_apply(run=run, chosen=chosen, actor=admin_user)
        assert refusal.value.messages == [message]
    assert ScoringModel.objects.count() == drafts


def test_a_learned_draft_is_backtested_on_later_leads_only(admin_user):
    model = learning_model(admin_user)
    vp = model.fit_rules.get(attribute="seniority")
    run = finished(model, {"rules": [{"key": "vp", "offered": True, "text": "VP", "current": 10,
        "change": {"action": "points", "kind": "fit", "rule": vp.pk, "points": 18}}]})  # fmt: skip
    draft = lab_suggestions_apply(run=run, chosen=["vp"], actor=admin_user)
    early = {"created_from": "2026-06-01", "created_to": "2026-07-31", "days": 30}
    with pytest.raises(ValidationError) as refusal:
        lab_run_start(model=draft, kind=LabRun.Kind.BACKTEST, actor=admin_user, parameters=early)
    assert refusal.value.messages == [
        f"v{draft.version} was learned from the MQLs up to 30 Jun 2026: backtest it on leads "
        "created after that day, so it is not checked on its own training data."
    ]
    later = {**early, "created_from": "2026-07-01"}
    run = lab_run_start(model=draft, kind=LabRun.Kind.BACKTEST, actor=admin_user, parameters=later)
    assert run.status == RunStatus.QUEUED


# Pages and API ---------------------------------------------------------------------------------


def test_the_lab_page_shows_the_suggestions_and_applies_the_chosen(
    client_for, admin_user, learned_run
):
    client = client_for(admin_user)
    page = client.get(reverse("scoring:lab"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Suggestions from closed history" in html and "Original channel is partner" in html
    vp = key_of(learned_run.model, "fit", attribute="seniority")
    response = client.post(
        reverse("scoring:suggestions_apply", args=[learned_run.pk]),
        {"chosen": [vp, "new-fit-original_channel=partner"]},
    )
    draft = ScoringModel.objects.get(learned_from=learned_run)
    assert response.status_code == 302
    assert response.url == reverse("scoring:draft", args=[draft.pk]) + "#backtest"
    assert draft.fit_rules.filter(attribute="original_channel", value="partner").exists()


def test_the_lab_page_says_what_an_empty_choice_lacks(client_for, admin_user, learned_run):
    client = client_for(admin_user)
    response = client.post(
        reverse("scoring:suggestions_apply", args=[learned_run.pk]), {}, follow=True
    )
    assert "Pick at least one suggestion to apply." in response.content.decode()
    assert not ScoringModel.objects.filter(learned_from=learned_run).exists()


def test_only_an_admin_learns_or_applies(client_for, marketer, learned_run):
    client = client_for(marketer)
    assert (
        client.post(reverse("scoring:suggestions_apply", args=[learned_run.pk])).status_code == 403
    )
    assert (
        client.get(reverse("api:scoring-suggestions-detail", args=[learned_run.pk])).status_code
        == 403
    )


def test_the_api_learns_reads_and_applies(client_for, admin_user, learned_run):
    client = client_for(admin_user)
    started = client.post(
        reverse("api:scoring-suggestions"), periods(), content_type="application/json"
    )
    assert started.status_code == 202 and started.json()["status"] == "queued"
    read = client.get(reverse("api:scoring-suggestions-detail", args=[learned_run.pk])).json()
    assert read["result"]["closed"] == 1500
    applied = client.post(
        reverse("api:scoring-suggestions-apply", args=[learned_run.pk]),
        {"chosen": ["new-fit-original_channel=partner"]}, content_type="application/json",
    )  # fmt: skip
    assert applied.status_code == 201
    draft = ScoringModel.objects.get(pk=applied.json()["id"])
    assert draft.learned_from == learned_run
    refused = client.post(
        reverse("api:scoring-suggestions-apply", args=[learned_run.pk]),
        {"chosen": ["nope"]}, content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400


def test_the_api_refuses_periods_out_of_order(client_for, admin_user, learned_run):
    client = client_for(admin_user)
    response = client.post(
        reverse("api:scoring-suggestions"), {**periods(), "split": periods()["fit_from"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "The later period starts after the fitting period begins." in str(response.json())
