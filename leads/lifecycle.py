"""The lead lifecycle: which stage moves exist, who may make them, and the one function that
makes them.

Views, the API, admin actions, imports and scoring tasks all move leads through
``lead_move_stage``. A move is a guarded update (``UPDATE … WHERE stage = <expected>``) plus its
transition row in one transaction, so two concurrent moves of one lead make exactly one
transition, and a move made on stale information is refused rather than applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads.models import FUNNEL, Lead, Stage, StageTransition
from leads.scoring.qualification import sql_checklist_required
from leads.selectors import stage_counts_moved
from smarketing.roles import ALL_ROLES, MARKETING_ROLES, SALES_ROLES, Role, user_roles

MANAGERS = frozenset({Role.SALES_MANAGER, Role.MARKETING_MANAGER})
OPEN_STAGES = frozenset(
    {Stage.SUBSCRIBER, Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY}
)


class StageMoveRefused(ValidationError):
    """A move that may not be made; its message says why, in words a user understands."""


@dataclass(frozen=True)
class Move:
    """A kind of stage move: from which stages, to which, and which roles may make it."""

    name: str
    sources: frozenset[Stage]
    target: Stage
    roles: frozenset[Role]
    reason_required: bool = False
    # Sales reps may make it only on leads they own or that nobody owns.
    owner_only_for_reps: bool = False


def _forward(source: Stage, target: Stage, roles: frozenset[Role], **options) -> Move:
    return Move(f"{source.label} → {target.label}", frozenset({source}), target, roles, **options)


MOVES: tuple[Move, ...] = (
    _forward(Stage.SUBSCRIBER, Stage.LEAD, MARKETING_ROLES),
    Move("Qualify as MQL", frozenset({Stage.SUBSCRIBER, Stage.LEAD}), Stage.MQL, MARKETING_ROLES),
    _forward(Stage.MQL, Stage.SAL, SALES_ROLES, owner_only_for_reps=True),
    _forward(Stage.SAL, Stage.SQL, SALES_ROLES, owner_only_for_reps=True),
    _forward(Stage.SQL, Stage.OPPORTUNITY, SALES_ROLES, owner_only_for_reps=True),
    _forward(Stage.OPPORTUNITY, Stage.CUSTOMER, SALES_ROLES, owner_only_for_reps=True),
    _forward(Stage.CUSTOMER, Stage.EVANGELIST, SALES_ROLES | MARKETING_ROLES),
    Move(
        "Recycle",
        OPEN_STAGES - {Stage.SUBSCRIBER},
        Stage.RECYCLED,
        SALES_ROLES | MANAGERS,
        reason_required=True,
        owner_only_for_reps=True,
    ),
    Move(
        "Disqualify",
        OPEN_STAGES | {Stage.RECYCLED},
        Stage.DISQUALIFIED,
        SALES_ROLES | MANAGERS,
        reason_required=True,
        owner_only_for_reps=True,
    ),
    Move("Reopen", frozenset({Stage.RECYCLED}), Stage.LEAD, ALL_ROLES - {Role.ADMIN}),
    Move("Reopen", frozenset({Stage.DISQUALIFIED}), Stage.LEAD, MANAGERS, reason_required=True),
)


def _find_move(source: str, target: str, roles: frozenset[Role]) -> Move | None:
    candidates = [move for move in MOVES if source in move.sources and move.target == target]
    return next((move for move in candidates if move.roles & roles), None) or (
        candidates[0] if candidates else None
    )


def _is_backwards(source: str, target: str) -> bool:
    return source in FUNNEL and target in FUNNEL and FUNNEL.index(target) < FUNNEL.index(source)


def move_refusal(lead: Lead, target: str, user, reason: str = "") -> str | None:
    """Why ``user`` may not move ``lead`` to ``target`` now, or None if they may."""
    if target not in Stage.values:
        return f"“{target}” is not a lifecycle stage."
    if lead.stage == target:
        return f"The lead is already in {Stage(target).label}."
    roles = user_roles(user)
    if Role.ADMIN in roles:
        # Revenue ops may correct any stage; going backwards needs a reason for the audit.
        if (
            _is_backwards(lead.stage, target) or target in (Stage.RECYCLED, Stage.DISQUALIFIED)
        ) and not reason.strip():
            return "A reason is required for this move."
        return None
    move = _find_move(lead.stage, target, roles)
    if move is None:
        return f"A lead cannot move from {Stage(lead.stage).label} to {Stage(target).label}."
    if not move.roles & roles:
        allowed = ", ".join(sorted(role.label.lower() for role in move.roles))
        return f"Only {allowed} may move a lead from {Stage(lead.stage).label} to {Stage(target).label}."
    if (
        move.owner_only_for_reps
        and roles.isdisjoint(MANAGERS)
        and lead.owner_id not in (None, user.pk)
    ):
        return "This lead belongs to another rep."
    if move.reason_required and not reason.strip():
        return f"A reason is required to move a lead to {Stage(target).label}."
    if target == Stage.SQL:
        # The items the active SQL criteria require (all four when none is active).
        confirmed = lead.sql_checklist
        missing = [item for item in sql_checklist_required() if not confirmed[item]]
        if missing:
            return f"The SQL checklist is incomplete: {', '.join(missing)} not confirmed."
    return None


def allowed_targets(lead: Lead, user) -> list[Stage]:
    """The stages this user may move this lead to (reasons aside), for menus."""
    return [
        stage
        for stage in Stage
        if stage != lead.stage and move_refusal(lead, stage, user, reason="·") is None
    ]


@transaction.atomic
def lead_move_stage(
    *,
    lead: Lead,
    to_stage: str,
    actor=None,
    rule: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> StageTransition:
    """Move ``lead`` to ``to_stage`` as ``actor`` (a user) or ``rule`` (a named rule).

    ``lead.stage`` is the stage the caller saw; if the lead has moved since, the move is
    refused. Raises ``StageMoveRefused`` with the reason. A rep who accepts an unowned MQL
    becomes its owner.
    """
    expected = lead.stage
    if actor is not None:
        refusal = move_refusal(lead, to_stage, actor, reason)
        if refusal:
            raise StageMoveRefused(refusal)
    elif not rule:
        raise ValueError("A stage move needs an actor or a rule.")
    elif to_stage == expected:
        raise StageMoveRefused(f"The lead is already in {Stage(to_stage).label}.")

    at = at or timezone.now()
    changes = {"stage": to_stage, "stage_changed_at": at, "updated_at": at}
    if actor is not None and to_stage == Stage.SAL and lead.owner_id is None:
        changes["owner"] = actor
    updated = Lead.objects.filter(pk=lead.pk, stage=expected).update(**changes)
    if updated == 0:
        current = Lead.objects.filter(pk=lead.pk).values_list("stage", flat=True).first()
        if current is None:
            raise StageMoveRefused("The lead no longer exists.")
        raise StageMoveRefused(
            f"The lead moved to {Stage(current).label} meanwhile; reload and try again."
        )
    for field, value in changes.items():
        setattr(lead, field, value)
    transition = StageTransition.objects.create(
        lead=lead,
        from_stage=expected,
        to_stage=to_stage,
        at=at,
        actor=actor,
        rule=rule,
        reason=reason.strip(),
        scores=lead.score_snapshot(),
    )
    transaction.on_commit(lambda: stage_counts_moved(expected, to_stage))
    return transition
