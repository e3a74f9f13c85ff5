"""Who may change what on a lead: every role × change × ownership, the fetch that enforces it,
and assignments that hold when two people make them at once."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from leads.models import Lead, Stage
from leads.permissions import (
    Change,
    field_changes,
    lead_change_refusal,
    owner_candidates,
    owner_change,
)
from leads.selectors import lead_get_for_user
from leads.services import Assigned, leads_assign
from smarketing.roles import Role
from tests.factories import LeadFactory, UserFactory
from tests.helpers import in_threads

pytestmark = pytest.mark.django_db

MINE, UNOWNED, SOMEONE_ELSES = "mine", "unowned", "someone else's"
ANY = {MINE, UNOWNED, SOMEONE_ELSES}
THEIRS_OR_NOBODYS = {MINE, UNOWNED}
NONE: set[str] = set()

# The expected table, written out by hand: for each change and role, the ownerships on which
# the change is allowed. A claim is taking a lead for oneself (on one's own lead, nothing to
# take); an assignment gives it to someone else or to nobody.
ALLOWED = {
    Change.NOTE: {role: ANY for role in Role},
    Change.PROFILE: {
        Role.MARKETING: ANY,
        Role.MARKETING_MANAGER: ANY,
        Role.SALES: THEIRS_OR_NOBODYS,
        Role.SALES_MANAGER: ANY,
        Role.ADMIN: ANY,
    },
    Change.TOUCH: {
        Role.MARKETING: NONE,
        Role.MARKETING_MANAGER: NONE,
        Role.SALES: THEIRS_OR_NOBODYS,
        Role.SALES_MANAGER: ANY,
        Role.ADMIN: ANY,
    },
    Change.CHECKLIST: {
        Role.MARKETING: NONE,
        Role.MARKETING_MANAGER: NONE,
        Role.SALES: THEIRS_OR_NOBODYS,
        Role.SALES_MANAGER: ANY,
        Role.ADMIN: ANY,
    },
    Change.CLAIM: {
        Role.MARKETING: NONE,
        Role.MARKETING_MANAGER: ANY,
        Role.SALES: THEIRS_OR_NOBODYS,
        Role.SALES_MANAGER: ANY,
        Role.ADMIN: ANY,
    },
    Change.ASSIGN: {
        Role.MARKETING: NONE,
        Role.MARKETING_MANAGER: ANY,
        Role.SALES: NONE,
        Role.SALES_MANAGER: ANY,
        Role.ADMIN: ANY,
    },
}


def test_the_table_covers_every_change_and_role():
    assert set(ALLOWED) == set(Change)
    assert all(set(by_role) == set(Role) for by_role in ALLOWED.values())


@pytest.mark.parametrize("change", list(Change), ids=str)
def test_each_change_is_allowed_to_exactly_its_roles_and_owners(users_by_role, other_rep, change):
    problems = []
    for role, user in users_by_role.items():
        leads = {
            MINE: LeadFactory(owner=user),
            UNOWNED: LeadFactory(owner=None),
            SOMEONE_ELSES: LeadFactory(owner=other_rep),
        }
        for whose, lead in leads.items():
            refusal = lead_change_refusal(lead, user, change)
            allowed = whose in ALLOWED[change][role]
            if (refusal is None) != allowed:
                problems.append(f"{role} on {whose}: {refusal or 'allowed'}")
            if refusal is not None:
                assert refusal.endswith(".") and len(refusal) > 30, refusal
    assert problems == []


def test_a_user_without_a_role_may_change_nothing(outsider):
    lead = LeadFactory()
    for change in Change:
        assert lead_change_refusal(lead, outsider, change) is not None


def test_a_refusal_says_why_in_words_a_rep_understands(rep, other_rep, marketer):
    theirs = LeadFactory(owner=other_rep)
    assert lead_change_refusal(theirs, rep, Change.TOUCH) == (
        "This lead belongs to another rep; only its owner, a sales manager or an admin may log "
        "touches on it."
    )
    assert lead_change_refusal(theirs, marketer, Change.CHECKLIST) == (
        "Only sales reps, sales managers and admins may confirm the SQL checklist."
    )


# --- what a change of fields is --------------------------------------------------------------


def test_taking_a_lead_is_a_claim_and_giving_it_away_an_assignment(rep, other_rep):
    unowned, mine, theirs = LeadFactory(), LeadFactory(owner=rep), LeadFactory(owner=other_rep)
    assert owner_change(unowned, rep, rep) == Change.CLAIM
    assert owner_change(theirs, rep, rep) == Change.CLAIM
    assert owner_change(unowned, rep, other_rep) == Change.ASSIGN
    assert owner_change(mine, rep, None) == Change.ASSIGN
    assert owner_change(mine, rep, rep) is None
    assert owner_change(unowned, rep, None) is None


def test_fields_given_their_current_value_change_nothing(rep):
    lead = LeadFactory(owner=rep, job_title="CTO", budget_confirmed=True)
    unchanged = {
        "owner": rep,
        "job_title": "CTO",
        "budget_confirmed": True,
        "company": lead.company,
    }
    assert field_changes(lead, rep, unchanged) == set()
    assert field_changes(lead, rep, {"job_title": "CEO", "need_confirmed": True}) == {
        Change.PROFILE,
        Change.CHECKLIST,
    }
    assert field_changes(lead, rep, {"company": {"name": "Acme", "domain": "acme.com"}}) == {
        Change.PROFILE
    }


def test_only_active_sales_users_own_leads(rep, sales_manager, marketer, admin_user):
    gone = UserFactory(username="gone", role=Role.SALES, is_active=False)
    assert set(owner_candidates()) == {rep, sales_manager}
    assert gone not in owner_candidates()


# --- the fetch of a lead for a user ----------------------------------------------------------


def test_everyone_reads_every_lead_and_a_missing_one_is_a_404(marketer, other_rep):
    lead = LeadFactory(owner=other_rep)
    assert lead_get_for_user(marketer, lead.pk) == lead
    with pytest.raises(Http404):
        lead_get_for_user(marketer, 999_999)


def test_fetching_for_a_change_not_allowed_says_why(rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    with pytest.raises(PermissionDenied, match="belongs to another rep"):
        lead_get_for_user(rep, lead.pk, for_change=Change.TOUCH)
    assert lead_get_for_user(rep, lead.pk, for_change=Change.NOTE) == lead


# --- assigning -------------------------------------------------------------------------------


def test_a_rep_claims_unowned_leads_but_not_another_reps(rep, other_rep):
    free, theirs = LeadFactory(first_name="Free"), LeadFactory(first_name="Taken", owner=other_rep)
    done = leads_assign(lead_ids=[free.pk, theirs.pk], owner=rep, actor=rep)
    assert done.changed == 1
    assert len(done.refusals) == 1 and done.refusals[0].startswith(f"{theirs}: This lead belongs")
    free.refresh_from_db()
    theirs.refresh_from_db()
    assert (free.owner, theirs.owner) == (rep, other_rep)


def test_a_manager_reassigns_and_unassigns(sales_manager, rep, other_rep):
    leads = [LeadFactory(owner=other_rep), LeadFactory()]
    done = leads_assign(lead_ids=[lead.pk for lead in leads], owner=rep, actor=sales_manager)
    assert done == Assigned(changed=2, refusals=[])
    assert set(Lead.objects.values_list("owner", flat=True)) == {rep.pk}
    assert leads_assign(lead_ids=[leads[0].pk], owner=None, actor=sales_manager).changed == 1
    assert Lead.objects.get(pk=leads[0].pk).owner is None


@pytest.mark.django_db(transaction=True)
def test_two_reps_claiming_one_lead_at_once_leave_it_with_one_of_them():
    reps = [UserFactory(username=name, role=Role.SALES) for name in ("sam", "sid")]
    lead = LeadFactory(stage=Stage.MQL)
    turn = iter(reps)

    def claim():
        rep = next(turn)
        return rep, leads_assign(lead_ids=[lead.pk], owner=rep, actor=rep)

    results = in_threads(claim)
    winners = [rep for rep, done in results if done.changed == 1]
    losers = [done for _, done in results if done.changed == 0]
    assert len(winners) == 1 and len(losers) == 1
    assert "belongs to another rep" in losers[0].refusals[0]
    lead.refresh_from_db()
    assert lead.owner == winners[0]
