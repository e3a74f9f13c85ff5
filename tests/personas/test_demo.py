"""The demo's personas, and the stages the persona funnel names agreeing with the lifecycle's."""

from __future__ import annotations

import pytest

from leads.models import FUNNEL, Lead, Stage
from personas import selectors
from personas.demo import demo_insights_load, demo_personas_load
from personas.models import InsightStatus, Persona, PersonaInsight
from personas.profile import PROFILE_FIELDS
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_the_demo_writes_four_full_personas_one_needing_review(marketer):
    CampaignFactory(name="LinkedIn: revenue leaders")
    assert demo_personas_load(author=marketer) == 4
    assert demo_personas_load(author=marketer) == 0
    personas = list(Persona.objects.all())
    assert len(personas) == 4
    assert [persona.name for persona in personas if persona.needs_review] == ["Ops Oliver"]
    unanswered = {
        (persona.name, name)
        for persona in personas
        for name in PROFILE_FIELDS
        if getattr(persona, name) in ("", None, [])
    }
    assert unanswered == set()
    assert not Lead.objects.exclude(persona=None).exists()
    mary = Persona.objects.get(name="Marketing Mary")
    assert selectors.persona_campaigns(mary).campaigns[0].name == "LinkedIn: revenue leaders"
    assert len(selectors.persona_history(mary).entries) == 2


def test_the_demo_shares_insights_on_every_persona_some_decided(marketer, rep, sales_manager):
    demo_personas_load(author=marketer)
    users = {"sales": rep, "manager": sales_manager}
    shared = demo_insights_load(users=users, decider=marketer)
    assert shared >= 8
    assert demo_insights_load(users=users, decider=marketer) == 0
    for persona in selectors.personas_with_counts():
        assert persona.open_insight_count >= 1, persona
    decided = PersonaInsight.objects.exclude(status=InsightStatus.OPEN)
    assert decided.exists()
    assert set(decided.values_list("decided_by", flat=True)) == {marketer.pk}
    assert set(PersonaInsight.objects.values_list("author", flat=True)) == {
        rep.pk,
        sales_manager.pk,
    }


def test_the_persona_funnel_names_the_lifecycle_stages_in_order():
    reached = selectors._FUNNEL_FROM_MQL
    assert list(reached) == [str(stage) for stage in FUNNEL[FUNNEL.index(Stage.MQL) :]]
    assert {stage for stage, _ in selectors.FUNNEL_STEPS} <= set(reached)
    assert set(selectors.REJECTION_STAGES) == {Stage.RECYCLED, Stage.DISQUALIFIED}
