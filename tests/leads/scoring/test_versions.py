"""Definitions are versions: scoring models and qualification criteria are drafted, activated
now or scheduled for a moment (and activated then by beat, once), archived, never changed once
active; the one in force at any past moment can be read."""

import datetime
import html
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, Stage, StageTransition
from leads.scoring import editing
from leads.scoring.models import QualificationCondition, QualificationCriteria, ScoringModel
from leads.scoring.models import ScoringRun as Run
from leads.scoring.qualification import (
    active_definition,
    criteria_activate,
    criteria_clone,
    criteria_unschedule,
    leads_qualify,
)
from leads.scoring.services import scoring_model_activate
from leads.scoring.tasks import versions_activate_due_task
from tests.factories import LeadFactory
from tests.helpers import in_threads, transaction_held
from tests.leads.scoring.helpers import make_criteria, make_model, while_waiting_on_a_lock
from tests.leads.scoring.test_lab import _draft_data

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def no_criteria(db):
    """Each test states its criteria (a fresh install's defaults are tested elsewhere)."""
    QualificationCriteria.objects.all().delete()


def _due(version) -> None:
    """As if the version's moment had come: scheduled for an hour ago."""
    type(version).objects.filter(pk=version.pk).update(activate_at=timezone.now() - HOUR)


# Scheduling a scoring model in the lab ---------------------------------------------------------


def test_the_lab_schedules_a_draft_which_is_then_read_only_until_unscheduled(
    client_for, admin_user
):
    model = make_model(fit=[("seniority", "equals", "vp", 10)])
    client = client_for(admin_user)
    moment = timezone.localtime(timezone.now() + datetime.timedelta(days=1)).replace(
        second=0, microsecond=0
    )

    response = client.post(
        reverse("scoring:schedule", args=[model.pk]),
        {"activate_at": moment.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    page = html.unescape(response.content.decode())
    assert (
        f"v{model.version} is scheduled: it is activated at {moment:%-d %b %Y, %H:%M} UTC, and "
        "every lead rescored then."
    ) in page
    assert 'data-testid="scheduled"' in page and "Unschedule (back to a draft)" in page
    assert "Save the draft" not in page
    model.refresh_from_db()
    assert (model.status, model.activate_at, model.activated_by) == (
        "scheduled", moment, admin_user,
    )  # fmt: skip
    lab = client.get(reverse("scoring:lab")).content.decode()
    assert f"for {moment:%-d %b %Y, %H:%M}" in lab

    client.post(
        reverse("scoring:draft", args=[model.pk]), _draft_data(model, **{"fit-0-points": "50"})
    )
    assert model.fit_rules.get().points == 10

    client.post(reverse("scoring:unschedule", args=[model.pk]))
    model.refresh_from_db()
    assert (model.status, model.activate_at) == ("draft", None)
    saved = client.post(
        reverse("scoring:draft", args=[model.pk]), _draft_data(model, **{"fit-0-points": "50"})
    )
    assert saved.status_code == 302 and model.fit_rules.get().points == 50


def test_the_lab_refuses_a_moment_that_has_passed_and_a_draft_that_could_not_be_activated(
    client_for, admin_user
):
    model = make_model(fit=[("company.employee_count", "gte", "many", 5)])
    client = client_for(admin_user)
    past = timezone.localtime(timezone.now() - HOUR)
    future = timezone.localtime(timezone.now() + HOUR)

    passed = client.post(
        reverse("scoring:schedule", args=[model.pk]),
        {"activate_at": past.strftime("%Y-%m-%dT%H:%M")},
    )
    refused = client.post(
        reverse("scoring:schedule", args=[model.pk]),
        {"activate_at": future.strftime("%Y-%m-%dT%H:%M")},
    )

    assert "has passed: choose a moment to come" in html.unescape(passed.content.decode())
    assert (
        "Rule 1 (company.employee_count ≥): the value must be a number, not &#x27;many&#x27;."
        in refused.content.decode()
    )
    model.refresh_from_db()
    assert model.status == "draft"


@pytest.mark.django_db(transaction=True)
def test_a_draft_activated_while_the_lab_saves_it_is_left_as_it_is_with_why(client_for, admin_user):
    model = make_model(fit=[("seniority", "equals", "vp", 10)])
    client = client_for(admin_user)
    data = _draft_data(model, **{"fit-0-points": "50"})

    def activate():
        return scoring_model_activate(model=ScoringModel.objects.get(pk=model.pk), actor=None)

    # The page reads the draft while the activation is open, then the editing service waits
    # on the draft's row lock until the activation commits.
    with transaction_held(activate):
        saved = while_waiting_on_a_lock(
            lambda: client.post(reverse("scoring:draft", args=[model.pk]), data)
        )
    response = saved()

    assert response.status_code == 200
    assert (
        f"v{model.version} is active: only a draft can be changed. Clone it to make a new draft."
    ) in response.content.decode()
    assert model.fit_rules.get().points == 10


# Beat activates what is due, once -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_beat_activates_a_scheduled_model_with_its_rescore_and_criteria_once_even_twice_at_once(
    admin_user,
):
    old = make_model(fit=[("seniority", "equals", "vp", 5)])
    scoring_model_activate(model=old, actor=admin_user)
    LeadFactory.create_batch(3, seniority="vp")
    model = make_model(fit=[("seniority", "equals", "vp", 20)])
    scoring_model_activate(model=model, actor=admin_user, at=timezone.now() + HOUR)
    standard = make_criteria("mql", name="Standard", min_total=90)
    criteria = make_criteria("mql", name="Later", active=False, min_fit=20)
    criteria_activate(criteria=criteria, actor=admin_user, at=timezone.now() + HOUR)
    assert versions_activate_due_task() == 0  # not yet
    _due(model)
    _due(criteria)
    barrier = threading.Barrier(2)

    def beat():
        barrier.wait()
        return versions_activate_due_task()

    assert sum(in_threads(beat)) == 2
    assert versions_activate_due_task() == 0  # and once more, as a retry would

    model.refresh_from_db()
    old.refresh_from_db()
    assert (model.status, model.activated_by, old.status) == ("active", admin_user, "archived")
    (run,) = Run.objects.filter(model=model)
    assert (run.kind, run.status, run.leads_done) == ("activation", "done", 3)
    assert set(Lead.objects.values_list("scoring_model", "fit_score")) == {(model.pk, 20)}
    criteria.refresh_from_db()
    standard.refresh_from_db()
    assert (criteria.status, standard.status) == ("active", "archived")
    assert criteria.activated_at == standard.archived_at
    # The definitions the pages show were refreshed when the activation committed.
    assert active_definition("mql").startswith("Later:")


def test_an_unscheduled_version_is_not_activated_when_its_moment_comes(admin_user):
    criteria = make_criteria("mql", active=False, min_total=50)
    criteria_activate(criteria=criteria, actor=admin_user, at=timezone.now() + HOUR)
    _due(criteria)
    criteria_unschedule(criteria=criteria)
    assert versions_activate_due_task() == 0
    criteria.refresh_from_db()
    assert (criteria.status, criteria.activate_at) == ("draft", None)


def test_a_scheduled_version_can_be_activated_ahead_of_its_moment(admin_user, marketer):
    model = make_model(fit=[("phone", "is_set", None, 3)])
    scoring_model_activate(model=model, actor=marketer, at=timezone.now() + HOUR)
    run = scoring_model_activate(model=model, actor=admin_user)
    model.refresh_from_db()
    assert (model.status, model.activated_by, run.model) == ("active", admin_user, model)
    assert versions_activate_due_task() == 0


# Criteria are never changed once active ---------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "scheduled", "archived"])
def test_no_service_changes_criteria_that_are_not_a_draft(status):
    criteria = make_criteria("mql", min_total=60, conditions=[("phone", "is_set", None)])
    QualificationCriteria.objects.filter(pk=criteria.pk).update(
        status=status, activate_at=timezone.now() + HOUR
    )
    criteria.refresh_from_db()
    condition = criteria.conditions.get()
    criteria.min_total = 10
    attempts = [
        lambda: editing.criteria_draft_save(criteria=criteria),
        lambda: editing.criteria_delete(criteria=criteria),
        lambda: editing.criteria_condition_save(
            condition=QualificationCondition(
                criteria=criteria, attribute="seniority", operator="equals", value="vp"
            )
        ),
        lambda: editing.criteria_condition_delete(condition=condition),
    ]
    for attempt in attempts:
        with pytest.raises(editing.NotADraft, match=f"is {status}: only a draft can be changed"):
            attempt()
    criteria.refresh_from_db()
    assert (criteria.min_total, criteria.conditions.count()) == (60, 1)


def test_only_a_draft_is_scheduled_and_a_moment_must_be_to_come(admin_user):
    active = make_criteria("mql", min_total=60)
    draft = criteria_clone(criteria=active, actor=admin_user)
    with pytest.raises(ValidationError, match="Only a draft can be scheduled"):
        criteria_activate(criteria=active, actor=admin_user, at=timezone.now() + HOUR)
    with pytest.raises(ValidationError, match="has passed"):
        criteria_activate(criteria=draft, actor=admin_user, at=timezone.now() - HOUR)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_definition_in_force_at_any_past_moment_can_be_read(admin_user):
    first = make_criteria("mql", active=False, name="First", min_total=60)
    before = timezone.now()
    criteria_activate(criteria=first, actor=admin_user)
    second = criteria_clone(criteria=first, actor=admin_user)
    second.name = "Second"
    editing.criteria_draft_save(criteria=second)
    criteria_activate(criteria=second, actor=admin_user)
    first.refresh_from_db()
    second.refresh_from_db()

    def in_force(when):
        return list(QualificationCriteria.objects.in_force_at("mql", when))

    assert in_force(before) == []
    assert in_force(first.activated_at) == [first]
    assert in_force(second.activated_at - datetime.timedelta(microseconds=1)) == [first]
    assert in_force(second.activated_at) == [second]
    assert in_force(timezone.now()) == [second]
    assert list(QualificationCriteria.objects.in_force_at("sql", timezone.now())) == []
    assert (second.version, second.activated_by) == (first.version + 1, admin_user)


def test_a_lead_moved_by_the_criteria_records_the_version_it_was_moved_under(admin_user):
    first = make_criteria("mql", active=False, min_total=60)
    criteria_activate(criteria=first, actor=admin_user)
    lead = LeadFactory(total_score=70)
    assert leads_qualify(leads=Lead.objects.filter(pk=lead.pk)) == 1
    transition = StageTransition.objects.get(lead=lead, to_stage=Stage.MQL)
    in_force = QualificationCriteria.objects.in_force_at("mql", transition.at).get()
    assert (transition.scores["criteria_id"], transition.scores["criteria_version"]) == (
        in_force.pk, in_force.version,
    )  # fmt: skip
    assert in_force == first
