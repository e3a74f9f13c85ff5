"""Who may change what on a lead, besides its stage (``leads.lifecycle`` rules stage moves).

Every role reads every lead: both teams work one shared pipeline. Changing a lead is narrower,
and follows the lifecycle's rule for moves: a sales rep acts only on leads they own or that
nobody owns, while managers (``lifecycle.MANAGERS``) and admins act on any lead, each within
their team's work.

=================  =======================================  ==================================
change             who may make it                          on which leads
=================  =======================================  ==================================
add a note         every role                               any lead
edit the profile   every role                               reps: theirs or unowned; others:
                                                            any (marketing keeps lead data)
log a touch        sales reps, sales managers, admins       reps: theirs or unowned; others:
                                                            any
tick the SQL       sales reps, sales managers, admins       reps: theirs or unowned; others:
checklist                                                   any
claim (take a      sales reps, managers, admins             reps: a lead nobody owns; others:
lead for oneself)                                           any
assign (give a     sales and marketing managers, admins     any lead
lead to someone
else, or unassign
it)
=================  =======================================  ==================================

Touches and the checklist are sales' work: marketers, managers included, read them. A rep
claims an unowned lead for themselves, as accepting an unowned MQL already does
(``lead_move_stage``), but never takes one from another rep, gives one away or releases one:
reassigning is a manager's call. Marketing does not assign owners (routing will), unless a
manager. Only sales users own leads (``owner_candidates``).

``lead_change_refusal`` is the one policy; pages ask it what to show, and the fetch of a lead
for a change (``leads.selectors.lead_get_for_user``), the API and ``leads_assign`` enforce it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from leads.lifecycle import MANAGERS, MOVES
from leads.models import Lead, Stage
from leads.privacy import erased_refusal
from leads.scoring.models import SQL_CHECKLIST_ITEMS
from smarketing.roles import ALL_ROLES, SALES_ROLES, Role, user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Who may own leads: the ones who work them.
OWNER_ROLES = SALES_ROLES
CHECKLIST_FIELDS = frozenset(f"{item}_confirmed" for item in SQL_CHECKLIST_ITEMS)


class Change(StrEnum):
    NOTE = "note"
    PROFILE = "profile"
    TOUCH = "touch"
    CHECKLIST = "checklist"
    CLAIM = "claim"
    ASSIGN = "assign"


class Ownership(StrEnum):
    """Whose a lead is, seen from one user."""

    MINE = "mine"
    UNOWNED = "unowned"
    SOMEONE_ELSES = "someone_elses"


@dataclass(frozen=True)
class Rule:
    """Who may make a change at all (``roles``), and who among them on any lead (``any_lead``);
    the others only on leads that are theirs or nobody's. The refusals are what users read."""

    roles: frozenset[Role]
    any_lead: frozenset[Role]
    refused_role: str
    refused_owner: str = ""


ANYONE_ON_ANY_LEAD = MANAGERS | {Role.ADMIN}
SALES_WORK = SALES_ROLES | {Role.ADMIN}
SALES_WORK_ON_ANY_LEAD = frozenset({Role.SALES_MANAGER, Role.ADMIN})

RULES: Mapping[Change, Rule] = {
    Change.NOTE: Rule(
        roles=ALL_ROLES,
        any_lead=ALL_ROLES,
        refused_role="Only the sales and marketing teams may add notes.",
    ),
    Change.PROFILE: Rule(
        roles=ALL_ROLES,
        any_lead=ALL_ROLES - {Role.SALES},
        refused_role="Only the sales and marketing teams may edit leads.",
        refused_owner="This lead belongs to another rep; only its owner, a manager, marketing "
        "or an admin may edit it.",
    ),
    Change.TOUCH: Rule(
        roles=SALES_WORK,
        any_lead=SALES_WORK_ON_ANY_LEAD,
        refused_role="Only sales reps, sales managers and admins may log touches.",
        refused_owner="This lead belongs to another rep; only its owner, a sales manager or "
        "an admin may log touches on it.",
    ),
    Change.CHECKLIST: Rule(
        roles=SALES_WORK,
        any_lead=SALES_WORK_ON_ANY_LEAD,
        refused_role="Only sales reps, sales managers and admins may confirm the SQL checklist.",
        refused_owner="This lead belongs to another rep; only its owner, a sales manager or "
        "an admin may confirm its SQL checklist.",
    ),
    Change.CLAIM: Rule(
        roles=SALES_ROLES | ANYONE_ON_ANY_LEAD,
        any_lead=ANYONE_ON_ANY_LEAD,
        refused_role="Only sales reps take leads for themselves; a manager assigns them.",
        refused_owner="This lead belongs to another rep; only a manager or an admin may "
        "reassign it.",
    ),
    Change.ASSIGN: Rule(
        roles=ANYONE_ON_ANY_LEAD,
        any_lead=ANYONE_ON_ANY_LEAD,
        refused_role="Only managers and admins give leads to others or unassign them.",
    ),
}


def ownership(lead: Lead, user: AbstractBaseUser) -> Ownership:
    if lead.owner_id is None:
        return Ownership.UNOWNED
    return Ownership.MINE if lead.owner_id == user.pk else Ownership.SOMEONE_ELSES


def role_may(user: AbstractBaseUser, change: Change) -> bool:
    """Whether the user's roles allow the change on some lead (for what a page offers)."""
    return bool(RULES[change].roles & user_roles(user))


def lead_change_refusal(lead: Lead, user: AbstractBaseUser, change: Change) -> str | None:
    """Why ``user`` may not make ``change`` on ``lead``, or None if they may: no one changes a
    lead whose data was erased."""
    if refusal := erased_refusal(lead):
        return refusal
    rule, roles = RULES[change], user_roles(user)
    if not rule.roles & roles:
        return rule.refused_role
    if rule.any_lead & roles or ownership(lead, user) != Ownership.SOMEONE_ELSES:
        return None
    return rule.refused_owner


def lead_change_check(lead: Lead, user: AbstractBaseUser, changes: Iterable[Change]) -> None:
    """Raise ``PermissionDenied`` with the reason if any of ``changes`` is not allowed."""
    for change in changes:
        if refusal := lead_change_refusal(lead, user, change):
            raise PermissionDenied(refusal)


def change_refusals(lead: Lead, user: AbstractBaseUser) -> dict[str, str | None]:
    """Every change's refusal on this lead for this user (None: allowed), for pages."""
    return {change.value: lead_change_refusal(lead, user, change) for change in Change}


def owner_change(lead: Lead, user: AbstractBaseUser, owner: User | None) -> Change | None:
    """What giving ``lead`` to ``owner`` is when ``user`` does it: nothing (it is already
    theirs), a claim (``user`` takes it) or an assignment (to someone else, or to nobody)."""
    owner_id = owner.pk if owner is not None else None
    if owner_id == lead.owner_id:
        return None
    return Change.CLAIM if owner_id == user.pk else Change.ASSIGN


def field_changes(lead: Lead, user: AbstractBaseUser, fields: Mapping[str, object]) -> set[Change]:
    """The changes that setting ``fields`` on ``lead`` makes (values equal to the current
    ones change nothing): the owner, the SQL checklist, or the profile."""
    changes: set[Change] = set()
    for name, value in fields.items():
        if name == "owner":
            if change := owner_change(lead, user, value):
                changes.add(change)
            continue
        field = Lead._meta.get_field(name)
        if field.is_relation and isinstance(value, dict):
            # A company given by name and domain is matched (or created) later: a change.
            changes.add(Change.PROFILE)
            continue
        if field.is_relation:
            current, new = getattr(lead, field.attname), getattr(value, "pk", value)
        else:
            current, new = getattr(lead, name), value
        if new != current:
            changes.add(Change.CHECKLIST if name in CHECKLIST_FIELDS else Change.PROFILE)
    return changes


def owner_candidates() -> QuerySet[User]:
    """The users a lead may be given to: active users of a sales role."""
    return User.objects.filter(
        is_active=True, groups__name__in=[role.value for role in OWNER_ROLES]
    ).distinct()


def may_recycle_some_leads(user: AbstractBaseUser) -> bool:
    """Whether the user's roles recycle leads at all (the lifecycle decides per lead)."""
    roles = user_roles(user)
    return Role.ADMIN in roles or any(
        move.target == Stage.RECYCLED and move.roles & roles for move in MOVES
    )
