"""Stage moves through the lifecycle service: who may make which, and exactly once."""

import threading

import pytest

from leads.lifecycle import StageMoveRefused, allowed_targets, lead_move_stage, move_refusal
from leads.models import Lead, Stage, StageTransition
from smarketing.roles import Role
from tests.factories import LeadFactory, UserFactory, rejection_reason
from tests.helpers import in_threads

pytestmark = pytest.mark.django_db

# (from, to, roles that may make the move without a reason; reps on their own or unowned leads)
FORWARD = [
    (Stage.SUBSCRIBER, Stage.LEAD, {Role.MARKETING, Role.MARKETING_MANAGER, Role.ADMIN}),
    (Stage.LEAD, Stage.MQL, {Role.MARKETING, Role.MARKETING_MANAGER, Role.ADMIN}),
    (Stage.SUBSCRIBER, Stage.MQL, {Role.MARKETING, Role.MARKETING_MANAGER, Role.ADMIN}),
    (Stage.MQL, Stage.SAL, {Role.SALES, Role.SALES_MANAGER, Role.ADMIN}),
    (Stage.SQL, Stage.OPPORTUNITY, {Role.SALES, Role.SALES_MANAGER, Role.ADMIN}),
    (Stage.OPPORTUNITY, Stage.CUSTOMER, {Role.SALES, Role.SALES_MANAGER, Role.ADMIN}),
    (Stage.CUSTOMER, Stage.EVANGELIST, set(Role)),
    (Stage.RECYCLED, Stage.LEAD, set(Role)),
    # Never allowed except to revenue ops, who may correct anything.
    (Stage.LEAD, Stage.CUSTOMER, {Role.ADMIN}),
    (Stage.SUBSCRIBER, Stage.SAL, {Role.ADMIN}),
]


@pytest.mark.parametrize(("source", "target", "allowed"), FORWARD, ids=lambda v: str(v))
def test_each_move_is_allowed_to_exactly_its_roles(users_by_role, source, target, allowed):
    for role, user in users_by_role.items():
        lead = LeadFactory(stage=source)
        refusal = move_refusal(lead, target, user)
        assert (refusal is None) == (role in allowed), f"{role}: {refusal}"


def test_a_refused_move_says_why_and_changes_nothing(marketer):
    lead = LeadFactory(stage=Stage.MQL)
    with pytest.raises(
        StageMoveRefused, match="Only sales, sales manager may move a lead from MQL to SAL"
    ):
        lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=marketer)
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert not StageTransition.objects.filter(lead=lead).exists()


def test_a_rep_accepting_an_unowned_mql_becomes_its_owner(rep):
    lead = LeadFactory(stage=Stage.MQL, total_score=72, fit_score=40, engagement_score=32)
    transition = lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=rep)
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (Stage.SAL, rep)
    assert (transition.from_stage, transition.to_stage, transition.actor) == ("mql", "sal", rep)
    assert transition.scores["total"] == 72


def test_rep_cannot_accept_someone_elses_mql(rep, other_rep):
    lead = LeadFactory(stage=Stage.MQL, owner=other_rep)
    with pytest.raises(StageMoveRefused, match="belongs to another rep"):
        lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=rep)


def test_a_sales_manager_may_move_any_reps_lead(sales_manager, other_rep):
    lead = LeadFactory(stage=Stage.MQL, owner=other_rep)
    lead_move_stage(lead=lead, to_stage=Stage.SAL, actor=sales_manager)
    lead.refresh_from_db()
    assert lead.owner == other_rep


@pytest.mark.parametrize("target", [Stage.RECYCLED, Stage.DISQUALIFIED])
def test_recycle_and_disqualify_need_a_reason_code(rep, target):
    lead = LeadFactory(stage=Stage.MQL)
    with pytest.raises(StageMoveRefused, match=f"Choose a reason to move a lead to {target.label}"):
        lead_move_stage(lead=lead, to_stage=target, actor=rep, reason="No budget this year")
    transition = lead_move_stage(
        lead=lead,
        to_stage=target,
        actor=rep,
        reason="Not this year",
        rejection_reason=rejection_reason("no-budget"),
    )
    transition.refresh_from_db()
    assert (transition.rejection_reason.label, transition.reason) == ("No budget", "Not this year")
    assert not Lead.objects.filter(pk=lead.pk).exclude(stage=target).exists()


def test_other_needs_a_note_and_a_retired_reason_is_refused(rep):
    lead = LeadFactory(stage=Stage.MQL)
    with pytest.raises(StageMoveRefused, match="Say more in the note when the reason is “Other”"):
        lead_move_stage(
            lead=lead,
            to_stage=Stage.RECYCLED,
            actor=rep,
            rejection_reason=rejection_reason("other"),
        )
    retired = rejection_reason("competitor")
    retired.active = False
    retired.save()
    with pytest.raises(StageMoveRefused, match="“Competitor” is no longer a reason to choose"):
        lead_move_stage(lead=lead, to_stage=Stage.RECYCLED, actor=rep, rejection_reason=retired)
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    assert not StageTransition.objects.filter(lead=lead).exists()


def test_an_admin_also_gives_a_reason_code_to_recycle(admin_user):
    lead = LeadFactory(stage=Stage.SQL)
    with pytest.raises(StageMoveRefused, match="Choose a reason"):
        lead_move_stage(lead=lead, to_stage=Stage.RECYCLED, actor=admin_user, reason="Cleanup")
    lead_move_stage(
        lead=lead,
        to_stage=Stage.RECYCLED,
        actor=admin_user,
        reason="Cleanup",
        rejection_reason=rejection_reason("bad-contact-data"),
    )
    assert StageTransition.objects.get(lead=lead).rejection_reason.code == "bad-contact-data"


def test_marketers_cannot_recycle_or_disqualify(marketer):
    lead = LeadFactory(stage=Stage.MQL)
    assert "Only" in move_refusal(lead, Stage.RECYCLED, marketer, reason="x")


def test_reopening_a_disqualified_lead_is_for_managers(rep, marketing_manager):
    lead = LeadFactory(stage=Stage.DISQUALIFIED)
    assert move_refusal(lead, Stage.LEAD, rep, reason="x") is not None
    lead_move_stage(
        lead=lead, to_stage=Stage.LEAD, actor=marketing_manager, reason="Budget came back"
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


def test_sql_needs_the_checklist_confirmed(rep):
    lead = LeadFactory(stage=Stage.SAL, owner=rep, budget_confirmed=True, need_confirmed=True)
    with pytest.raises(StageMoveRefused, match="authority, timeline not confirmed"):
        lead_move_stage(lead=lead, to_stage=Stage.SQL, actor=rep)
    Lead.objects.filter(pk=lead.pk).update(authority_confirmed=True, timeline_confirmed=True)
    lead.refresh_from_db()
    lead_move_stage(lead=lead, to_stage=Stage.SQL, actor=rep)


def test_only_admin_moves_backwards_and_must_say_why(admin_user, sales_manager):
    lead = LeadFactory(stage=Stage.OPPORTUNITY)
    assert move_refusal(lead, Stage.LEAD, sales_manager, reason="x") is not None
    assert move_refusal(lead, Stage.LEAD, admin_user) == "A reason is required for this move."
    lead_move_stage(lead=lead, to_stage=Stage.LEAD, actor=admin_user, reason="Entered by mistake")
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


def test_a_rule_moves_a_lead_and_is_named_on_the_transition():
    lead = LeadFactory(stage=Stage.LEAD)
    transition = lead_move_stage(lead=lead, to_stage=Stage.MQL, rule="Default MQL criteria")
    assert transition.actor_label == "rule: Default MQL criteria"


def test_a_move_made_on_a_stale_view_is_refused(rep, marketer):
    lead = LeadFactory(stage=Stage.LEAD)
    stale = Lead.objects.get(pk=lead.pk)
    lead_move_stage(lead=lead, to_stage=Stage.MQL, actor=marketer)
    stale.stage = Stage.LEAD
    with pytest.raises(StageMoveRefused, match="moved to MQL meanwhile"):
        lead_move_stage(lead=stale, to_stage=Stage.MQL, rule="Default MQL criteria")


def test_allowed_targets_lists_the_menu_for_a_rep(rep):
    lead = LeadFactory(stage=Stage.MQL)
    assert allowed_targets(lead, rep) == [Stage.SAL, Stage.RECYCLED, Stage.DISQUALIFIED]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_promotions_make_exactly_one_transition():
    marketer = UserFactory(username="maya", role=Role.MARKETING)
    lead = LeadFactory(stage=Stage.LEAD)
    barrier = threading.Barrier(2)

    def promote():
        copy = Lead.objects.get(pk=lead.pk)
        barrier.wait()
        try:
            lead_move_stage(lead=copy, to_stage=Stage.MQL, actor=marketer)
        except StageMoveRefused as refusal:
            return refusal.messages[0]
        return "moved"

    assert sorted(in_threads(promote)) == [
        "The lead moved to MQL meanwhile; reload and try again.",
        "moved",
    ]
    assert StageTransition.objects.filter(lead=lead, to_stage=Stage.MQL).count() == 1
