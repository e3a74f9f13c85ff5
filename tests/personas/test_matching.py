"""Persona matching: rules compared by priority, a choice made by hand kept by every scoring,
a change of rules matching every lead again, and the set-based result equal to a plain-Python
reading of the rules on random leads and rules."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.models import Lead
from leads.scoring.engine import leads_score, leads_score_ids
from leads.scoring.incremental import leads_score_now
from leads.scoring.matching import AUTOMATIC, lead_matching_set
from leads.scoring.models import ScoringRun
from leads.scoring.runs import scoring_run_execute, scoring_run_start
from leads.scoring.services import scoring_model_activate
from personas.models import Persona, PersonaRules
from personas.services import persona_rules_save
from tests.factories import CompanyFactory, LeadFactory
from tests.leads.scoring.helpers import NOW, make_model

pytestmark = pytest.mark.django_db


def _active_model(fit=()):
    model = make_model(fit=fit)
    run = scoring_model_activate(model=model, actor=None, enqueue=False)
    ScoringRun.objects.filter(pk=run.pk).update(status="done")
    model.refresh_from_db()
    return model


def _rules(name: str, priority: int, **conditions) -> Persona:
    persona, _ = Persona.objects.get_or_create(name=name)
    persona_rules_save(persona=persona, priority=priority, **conditions)
    return persona


def _persona_of(lead: Lead) -> str | None:
    lead.refresh_from_db()
    return lead.persona.name if lead.persona else None


def test_a_lead_matching_two_personas_gets_the_one_of_lower_priority_number():
    model = _active_model()
    _rules("Marketing Mary", 2, departments=["marketing"])
    _rules("Founder Fiona", 1, seniorities=["owner"])
    founder = LeadFactory(department="marketing", seniority="owner")
    marketer = LeadFactory(department="marketing", seniority="manager")
    engineer = LeadFactory(department="engineering", seniority="manager")
    leads_score(model=model, now=NOW)
    assert _persona_of(founder) == "Founder Fiona"
    assert _persona_of(marketer) == "Marketing Mary"
    assert _persona_of(engineer) is None


def test_every_set_condition_must_hold_and_text_ignores_case():
    model = _active_model()
    _rules(
        "Ops Oliver", 1, industries=["logistics"], size_bands=["51-200"],
        title_words=["operations", "supply"], countries=["de"],
    )  # fmt: skip
    company = CompanyFactory(industry="Logistics", size_band="51-200")
    matching = LeadFactory(company=company, job_title="Head of Supply Chain", country="DE")
    wrong_title = LeadFactory(company=company, job_title="Head of Marketing", country="DE")
    wrong_country = LeadFactory(company=company, job_title="VP Operations", country="FR")
    no_company = LeadFactory(company=None, job_title="VP Operations", country="DE")
    leads_score(model=model, now=NOW)
    assert _persona_of(matching) == "Ops Oliver"
    assert [_persona_of(lead) for lead in (wrong_title, wrong_country, no_company)] == [None] * 3


@pytest.mark.django_db(transaction=True)
def test_rules_changed_match_every_lead_again_through_a_rescore():
    model = _active_model()
    mary = _rules("Marketing Mary", 1, departments=["marketing"])
    leads = [LeadFactory(department="sales") for _ in range(3)]
    leads_score(model=model, now=NOW)
    assert {_persona_of(lead) for lead in leads} == {None}
    persona_rules_save(persona=mary, priority=1, departments=["marketing", "sales"])
    run = ScoringRun.objects.filter(kind=ScoringRun.Kind.MATCHING).latest("pk")
    assert run.status == "done"  # run in-process by the eager test settings
    assert {_persona_of(lead) for lead in leads} == {"Marketing Mary"}


def test_a_persona_set_by_hand_survives_a_rescore_and_incremental_scoring(marketer):
    model = _active_model()
    _rules("Marketing Mary", 1, departments=["marketing"])
    fiona, _ = Persona.objects.get_or_create(name="Founder Fiona")
    lead = LeadFactory(department="marketing")
    lead_matching_set(lead=lead, actor=marketer, persona=fiona, journey_stage=AUTOMATIC)
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL, enqueue=False)
    scoring_run_execute(run_id=run.pk)
    assert _persona_of(lead) == "Founder Fiona"
    leads_score_now([lead.pk])
    leads_score_ids(model=model, ids=[lead.pk], now=NOW)
    assert _persona_of(lead) == "Founder Fiona"
    assert lead.persona_manual
    lead_matching_set(lead=lead, actor=marketer, persona=AUTOMATIC, journey_stage=AUTOMATIC)
    leads_score_now([lead.pk])
    assert _persona_of(lead) == "Marketing Mary"
    assert not lead.persona_manual


def test_the_cached_statement_of_the_workers_sees_changed_rules():
    model = _active_model()
    mary = _rules("Marketing Mary", 1, departments=["marketing"])
    lead = LeadFactory(department="sales")
    leads_score_ids(model=model, ids=[lead.pk], now=NOW)
    assert _persona_of(lead) is None
    persona_rules_save(persona=mary, priority=1, departments=["sales"])
    leads_score_ids(model=model, ids=[lead.pk], now=NOW)
    assert _persona_of(lead) == "Marketing Mary"


def test_a_fit_rule_rewards_the_persona_matched_in_the_same_statement():
    _rules("Marketing Mary", 1, departments=["marketing"])
    _rules("IT Ivan", 2, departments=["it"])
    model = _active_model(
        fit=[
            ("persona", "equals", "Marketing Mary", 30),
            ("persona", "one_of", ["Marketing Mary", "IT Ivan"], 5),
            ("persona", "is_empty", None, -10),
        ]
    )
    mary = LeadFactory(department="marketing")
    ivan = LeadFactory(department="it")
    nobody = LeadFactory(department="hr")
    leads_score(model=model, now=NOW)
    scores = dict(Lead.objects.values_list("pk", "fit_score"))
    assert [scores[mary.pk], scores[ivan.pk], scores[nobody.pk]] == [35, 5, -10]


def test_a_persona_fit_rule_names_an_existing_persona():
    from leads.scoring.validation import fit_rule_problems

    Persona.objects.create(name="IT Ivan")
    problems = fit_rule_problems(
        position=1, attribute_name="persona", operator="equals", value="Nobody"
    )
    assert "'Nobody' is not the name of a persona (personas: IT Ivan)" in problems["value"]
    assert not fit_rule_problems(
        position=1, attribute_name="persona", operator="equals", value="IT Ivan"
    )


def test_rules_are_refused_with_a_message_per_field():
    from django.core.exceptions import ValidationError

    _rules("Marketing Mary", 1, departments=["marketing"])
    ivan = Persona.objects.create(name="IT Ivan")
    with pytest.raises(ValidationError) as refused:
        persona_rules_save(
            persona=ivan, priority=1, seniorities=["ceo"], countries=["XX"], departments=["it"]
        )
    errors = refused.value.message_dict
    assert errors["priority"] == ["Priority 1 is Marketing Mary's: give each persona its own."]
    assert errors["seniorities"][0].startswith("Not a seniority: ceo")
    assert errors["countries"][0].startswith("Not an ISO country code: XX")
    with pytest.raises(ValidationError, match="Set at least one condition"):
        persona_rules_save(persona=ivan, priority=2)
    assert not PersonaRules.objects.filter(persona=ivan).exists()


# The set-based result against a plain reading of the rules ------------------------------------

SENIORITIES = ["", "entry", "manager", "vp", "owner"]
DEPARTMENTS = ["", "marketing", "sales", "it", "operations"]
INDUSTRIES = ["Software", "Retail", "", "SOFTWARE"]
SIZES = ["1-10", "51-200", ""]
TITLES = ["Head of Marketing", "VP Sales", "IT manager", "", "Founder & CEO"]
COUNTRIES = ["", "DE", "US"]

lead_strategy = st.fixed_dictionaries(
    {
        "seniority": st.sampled_from(SENIORITIES),
        "department": st.sampled_from(DEPARTMENTS),
        "industry": st.sampled_from(INDUSTRIES),
        "size_band": st.sampled_from(SIZES),
        "job_title": st.sampled_from(TITLES),
        "country": st.sampled_from(COUNTRIES),
        "has_company": st.booleans(),
    }
)


def _subset(values):
    return st.lists(st.sampled_from([value for value in values if value]), unique=True, max_size=2)


rules_strategy = st.fixed_dictionaries(
    {
        "seniorities": _subset(SENIORITIES),
        "departments": _subset(DEPARTMENTS),
        "industries": _subset(["software", "retail"]),
        "size_bands": _subset(SIZES),
        "title_words": _subset(["marketing", "vp", "ceo"]),
        "countries": _subset(COUNTRIES),
    }
).filter(lambda rules: any(rules.values()))


def _reference(lead: dict, rules_by_priority: list[tuple[str, dict]]) -> str | None:
    """The persona by reading the rules in plain Python: the first whose set conditions hold."""
    industry = lead["industry"].lower() if lead["has_company"] else None
    size = lead["size_band"] if lead["has_company"] else None
    for name, rules in rules_by_priority:
        checks = [
            not rules["seniorities"] or lead["seniority"] in rules["seniorities"],
            not rules["departments"] or lead["department"] in rules["departments"],
            not rules["industries"] or industry in rules["industries"],
            not rules["size_bands"] or size in rules["size_bands"],
            not rules["title_words"]
            or any(word in lead["job_title"].lower() for word in rules["title_words"]),
            not rules["countries"] or lead["country"] in rules["countries"],
        ]
        if all(checks):
            return name
    return None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    leads=st.lists(lead_strategy, min_size=1, max_size=12),
    rules=st.lists(rules_strategy, min_size=1, max_size=4),
    priorities=st.permutations(range(1, 5)),
)
def test_the_set_based_persona_equals_a_plain_reading_of_the_rules(leads, rules, priorities):
    Lead.objects.all().delete()
    PersonaRules.objects.all().delete()
    model = make_model()
    named = []
    for number, (conditions, priority) in enumerate(zip(rules, priorities, strict=False)):
        persona, _ = Persona.objects.get_or_create(name=f"Persona {number}")
        PersonaRules.objects.create(persona=persona, priority=priority, **conditions)
        named.append((priority, persona.name, conditions))
    created = []
    for fields in leads:
        company = (
            CompanyFactory(industry=fields["industry"], size_band=fields["size_band"])
            if fields["has_company"]
            else None
        )
        created.append(
            LeadFactory(
                company=company,
                seniority=fields["seniority"],
                department=fields["department"],
                job_title=fields["job_title"],
                country=fields["country"],
            )
        )
    leads_score(model=model, now=NOW)
    by_priority = [(name, conditions) for _priority, name, conditions in sorted(named)]
    expected = [_reference(fields, by_priority) for fields in leads]
    assert [_persona_of(lead) for lead in created] == expected


# Pages -----------------------------------------------------------------------------------------


def test_a_marketer_edits_a_personas_rules_on_its_page_and_bad_input_is_refused(
    client_for, marketer
):
    ivan = Persona.objects.create(name="IT Ivan")
    client = client_for(marketer)
    url = reverse("personas:rules", args=[ivan.pk])
    refused = client.post(url, {"priority": "1", "countries": "Atlantis"})
    assert refused.status_code == 200
    assert "Not an ISO country code: ATLANTIS" in refused.content.decode()
    assert not PersonaRules.objects.exists()
    saved = client.post(
        url, {"priority": "3", "departments": ["it", "engineering"], "title_words": "cto, it "}
    )
    assert saved.status_code == 302
    rules = PersonaRules.objects.get(persona=ivan)
    assert (rules.priority, rules.departments, rules.title_words) == (
        3, ["it", "engineering"], ["cto", "it"],
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert "Department is IT or Engineering" in page
    assert "Job title contains “cto” or “it”" in page


def test_a_rep_may_not_edit_persona_rules(client_for, rep):
    ivan = Persona.objects.create(name="IT Ivan")
    assert client_for(rep).get(reverse("personas:rules", args=[ivan.pk])).status_code == 403


def test_the_lead_page_sets_the_persona_by_hand_and_back(client_for, marketer):
    _active_model()
    _rules("Marketing Mary", 1, departments=["marketing"])
    fiona = Persona.objects.create(name="Founder Fiona")
    lead = LeadFactory(department="marketing")
    client = client_for(marketer)
    url = reverse("leads:persona_journey", args=[lead.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"persona": str(fiona.pk), "journey_stage": "none"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.persona, lead.persona_manual, lead.journey_stage, lead.journey_stage_manual) == (
        fiona, True, None, True,
    )  # fmt: skip
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Founder Fiona" in page and "by hand" in page
    assert client.post(url, {"persona": "999999", "journey_stage": "auto"}).status_code == 200
    client.post(url, {"persona": "auto", "journey_stage": "auto"})
    lead.refresh_from_db()
    assert not lead.persona_manual and not lead.journey_stage_manual


def test_the_api_creates_changes_and_removes_rules(client_for, marketer, rep):
    ivan = Persona.objects.create(name="IT Ivan")
    marketing = client_for(marketer)
    listing = reverse("api:persona-rules-list")
    refused = marketing.post(
        listing, {"persona": ivan.pk, "priority": 1, "departments": ["itt"]},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["errors"]["departments"][0].startswith("Not a department: itt")
    assert client_for(rep).post(listing, {"persona": ivan.pk, "priority": 1}).status_code == 403
    created = marketing.post(
        listing, {"persona": ivan.pk, "priority": 1, "departments": ["it"]},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201
    detail = reverse("api:persona-rules-detail", args=[created.json()["id"]])
    changed = marketing.patch(detail, {"title_words": ["CTO"]}, content_type="application/json")
    assert changed.json()["sentences"] == ["Department is IT", "Job title contains “CTO”"]
    assert client_for(rep).get(detail).status_code == 200
    assert marketing.delete(detail).status_code == 204
    assert not PersonaRules.objects.exists()


# --- through a real worker ---------------------------------------------------------------------


def test_a_real_worker_matches_on_create_on_update_and_when_the_rules_change(celery_worker):
    from leads.scoring import incremental
    from leads.services import lead_create, lead_update
    from tests.leads.scoring.test_workers import _wait_until

    model = make_model()
    scoring_model_activate(model=model, actor=None)
    _wait_until(lambda: not ScoringRun.objects.exclude(status="done").exists())
    mary = _rules("Marketing Mary", 1, departments=["marketing"])
    _wait_until(lambda: not ScoringRun.objects.exclude(status="done").exists())

    created = lead_create(email="mia@example.com", department="marketing")
    moved = lead_create(email="sam@example.com", department="sales")
    _wait_until(
        lambda: _persona_of(created) == "Marketing Mary" and _persona_of(moved) is None
        and Lead.objects.filter(pk=moved.pk, scoring_model=model).exists(),
        message="the worker did not match the created leads",
    )  # fmt: skip
    lead_update(lead=Lead.objects.get(pk=moved.pk), department="marketing")
    _wait_until(
        lambda: _persona_of(moved) == "Marketing Mary",
        message="the worker did not match the changed lead",
    )
    persona_rules_save(persona=mary, priority=1, departments=["finance"])
    _wait_until(
        lambda: (
            ScoringRun.objects.filter(kind=ScoringRun.Kind.MATCHING, status="done").exists()
            and not Lead.objects.exclude(persona=None).exists()
        ),
        message="the worker did not match every lead again after the rules changed",
    )
    assert not incremental._redis().scard(incremental.PENDING_KEY)
