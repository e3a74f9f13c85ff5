"""Writing a persona: whole profiles validated before anything is saved, the history of every
change with its author, and the review flag after PERSONA_REVIEW_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from personas.models import Persona
from personas.selectors import persona_history
from personas.services import (
    persona_create,
    persona_delete,
    persona_mark_reviewed,
    persona_update,
)
from tests.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_a_new_persona_is_owned_by_its_author_and_reviewed_today(make_persona, marketer):
    persona = make_persona(age_min=30, age_max=45, buying_factors=["price", "quality"])
    persona.refresh_from_db()
    assert persona.owner == marketer
    assert persona.last_reviewed_on == timezone.localdate()
    assert persona.needs_review is False
    assert persona.buying_factors == ["price", "quality"]


def test_an_age_range_the_wrong_way_round_is_refused_and_nothing_is_saved(marketer):
    with pytest.raises(ValidationError) as refused:
        persona_create(actor=marketer, data={"name": "Upside Down", "age_min": 50, "age_max": 30})
    assert refused.value.message_dict == {
        "age_max": ["The oldest age (30) must not be below the youngest (50)."]
    }
    assert not Persona.objects.exists()


def test_an_income_range_the_wrong_way_round_is_refused_on_update(make_persona, marketer):
    persona = make_persona(income_min=50_000, income_max=90_000)
    with pytest.raises(ValidationError) as refused:
        persona_update(persona=persona, actor=marketer, data={"income_min": 100_000})
    assert "income_max" in refused.value.message_dict
    persona.refresh_from_db()
    assert persona.income_min == 50_000
    assert persona.history.count() == 1


def test_ages_outside_a_working_life_are_refused(marketer):
    with pytest.raises(ValidationError) as refused:
        persona_create(actor=marketer, data={"name": "Toddler", "age_min": 3})
    assert "age_min" in refused.value.message_dict


def test_an_unknown_choice_in_a_list_is_refused_by_name(marketer):
    with pytest.raises(ValidationError) as refused:
        persona_create(actor=marketer, data={"name": "X", "social_platforms": ["myspace"]})
    assert "Not a choice: myspace" in refused.value.message_dict["social_platforms"][0]


def test_list_answers_keep_each_choice_once_in_the_choices_order(make_persona):
    persona = make_persona(contact_channels=["phone", "email", "phone"])
    assert persona.contact_channels == ["email", "phone"]


def test_a_second_persona_of_the_same_name_is_refused_clearly(make_persona, marketer):
    make_persona("Ops Oliver")
    with pytest.raises(ValidationError) as refused:
        persona_create(actor=marketer, data={"name": "Ops Oliver"})
    assert refused.value.message_dict["name"] == ["Persona with this Name already exists."]


def test_a_field_that_a_persona_has_not_is_refused(marketer):
    with pytest.raises(ValidationError, match="Not a field of a persona: last_reviewed_on"):
        persona_create(actor=marketer, data={"name": "X", "last_reviewed_on": "2020-01-01"})


def test_each_change_is_recorded_with_who_made_it_and_the_values_before_and_after(
    make_persona, marketer, admin_user
):
    persona = make_persona(gender="mostly_women", buying_factors=["price"])
    persona_update(
        persona=persona, actor=admin_user, data={"gender": "any", "buying_factors": ["quality"]}
    )
    history = persona_history(persona)
    latest, creation = history.entries
    assert latest.who == admin_user.get_full_name()
    assert {(c.field, c.before, c.after) for c in latest.changes} == {
        ("Gender", "Mostly women", "Any / not a factor"),
        ("What sways their decision", "Price", "Quality"),
    }
    assert creation.action == "Created" and creation.who == marketer.get_full_name()
    assert history.cut_off is False


def test_the_history_shows_the_latest_changes_and_says_when_it_is_cut_off(make_persona, marketer):
    persona = make_persona()
    for number in range(4):
        persona_update(persona=persona, actor=marketer, data={"summary": f"Version {number}"})
    history = persona_history(persona, limit=3)
    assert [entry.changes[0].after for entry in history.entries] == [
        "Version 3",
        "Version 2",
        "Version 1",
    ]
    assert history.cut_off is True


@pytest.mark.parametrize(("days_ago", "needs_review"), [(29, False), (30, True), (200, True)])
def test_a_persona_needs_review_once_the_review_days_have_passed(
    make_persona, marketer, settings, days_ago, needs_review
):
    settings.PERSONA_REVIEW_DAYS = 30
    persona = make_persona()
    reviewed_on = timezone.localdate() - timedelta(days=days_ago)
    persona_mark_reviewed(persona=persona, actor=marketer, on=reviewed_on)
    persona.refresh_from_db()
    assert persona.needs_review is needs_review
    assert Persona.objects.needing_review().filter(pk=persona.pk).exists() is needs_review
    assert persona.review_due_on == reviewed_on + timedelta(days=30)


def test_marking_reviewed_records_who_reviewed_it(make_persona, marketer, admin_user, settings):
    persona = make_persona()
    long_ago = timezone.localdate() - timedelta(days=settings.PERSONA_REVIEW_DAYS + 1)
    persona_mark_reviewed(persona=persona, actor=marketer, on=long_ago)
    assert Persona.objects.get(pk=persona.pk).needs_review
    persona_mark_reviewed(persona=persona, actor=admin_user)
    persona.refresh_from_db()
    assert persona.needs_review is False
    latest = persona_history(persona).entries[0]
    assert latest.who == admin_user.get_full_name()
    assert latest.changes[0].field == "Last reviewed"


def test_a_review_cannot_be_dated_in_the_future(make_persona, marketer):
    persona = make_persona()
    with pytest.raises(ValidationError, match="future"):
        persona_mark_reviewed(
            persona=persona, actor=marketer, on=timezone.localdate() + timedelta(days=1)
        )


def test_deleting_a_persona_leaves_its_leads_and_campaigns_without_one(make_persona, marketer):
    persona = make_persona()
    lead = LeadFactory(persona=persona)
    campaign = CampaignFactory(target_persona=persona)
    assert persona_delete(persona=persona, actor=marketer) == 1
    lead.refresh_from_db()
    campaign.refresh_from_db()
    assert lead.persona is None and campaign.target_persona is None
    assert not Persona.objects.exists()
    assert Persona.history.filter(history_type="-", history_user=marketer).count() == 1
