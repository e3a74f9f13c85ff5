"""The lead lifecycle: which stage moves exist, who may make them, and the one writer of stage
changes.

Every stage change is written by ``stage_changes_write``: a lead created (its entry into the
funnel), an import, the MQL criteria qualifying thousands of leads in one statement, a move on
the board, the lead page or the API, and the demo's history. It moves leads with guarded updates
(``UPDATE … WHERE stage = <expected> RETURNING id``), writes a transition row for each move made,
in the caller's transaction, and after commit hands the moves to the subscribers in
``settings.LEADS_STAGE_CHANGE_SUBSCRIBERS``, which is where anything that reacts to a stage change
(the board's counts, routing, SLA clocks) plugs in. A move made on stale information is refused
rather than applied, and two concurrent moves of one lead make exactly one transition.

``lead_move_stage`` is the path of a person's move (or a named rule's, for one lead): it checks
the move against the rules below, then writes it through ``stage_changes_write``. The one other
writer of transitions is ``generate_data``, which loads a synthetic history of a million leads
for the benchmarks by COPY with the keys dropped; nothing subscribes to that past.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial, update_wrapper

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from psycopg.types.json import Jsonb

# A person who takes a lead out of the funnel (a side exit) gives a reason code.
from leads.models import FUNNEL, SIDE_EXITS, Lead, RejectionReason, Stage, StageTransition
from leads.owners import OwnerMove, owners_write
from smarketing.db import ids_condition
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


# The moves by (from, to), and the stages' values: read for every card of the board, whose
# menus offer only the moves their viewer may make.
def _moves_by_way() -> dict[tuple[str, str], list[Move]]:
    ways: dict[tuple[str, str], list[Move]] = defaultdict(list)
    for move in MOVES:
        for source in move.sources:
            ways[source, move.target].append(move)
    return dict(ways)


_MOVES_BY_WAY = _moves_by_way()
STAGE_VALUES = frozenset(Stage.values)


def _find_move(source: str, target: str, roles: frozenset[Role]) -> Move | None:
    candidates = _MOVES_BY_WAY.get((source, target), [])
    return next((move for move in candidates if move.roles & roles), None) or (
        candidates[0] if candidates else None
    )


def _is_backwards(source: str, target: str) -> bool:
    return source in FUNNEL and target in FUNNEL and FUNNEL.index(target) < FUNNEL.index(source)


def rejection_refusal(
    target: str, rejection_reason: RejectionReason | None, note: str
) -> str | None:
    """Why a person's move to ``target`` may not be made with this reason code and note."""
    if target not in SIDE_EXITS:
        return None
    if rejection_reason is None:
        return f"Choose a reason to move a lead to {Stage(target).label}."
    if not rejection_reason.active:
        return f"“{rejection_reason.label}” is no longer a reason to choose; pick another."
    if rejection_reason.note_required and not note.strip():
        return f"Say more in the note when the reason is “{rejection_reason.label}”."
    return None


def move_refusal(
    lead: Lead,
    target: str,
    user,
    reason: str = "",
    rejection_reason: RejectionReason | None = None,
) -> str | None:
    """Why ``user`` may not move ``lead`` to ``target`` now, or None if they may.

    ``reason`` is the user's words; a move to a side exit (recycled, disqualified) also needs
    a ``rejection_reason`` code, and then the words are its note."""
    if target not in STAGE_VALUES:
        return f"“{target}” is not a lifecycle stage."
    if lead.stage == target:
        return f"The lead is already in {Stage(target).label}."
    roles = user_roles(user)
    if Role.ADMIN in roles:
        # Revenue ops may correct any stage; going backwards needs a reason for the audit.
        if target in SIDE_EXITS:
            return rejection_refusal(target, rejection_reason, reason)
        if _is_backwards(lead.stage, target) and not reason.strip():
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
    if target in SIDE_EXITS:
        return rejection_refusal(target, rejection_reason, reason)
    if move.reason_required and not reason.strip():
        return f"A reason is required to move a lead to {Stage(target).label}."
    if target == Stage.SQL:
        # The items the active SQL criteria require (all four when none is active). Imported
        # here: qualification writes its moves through this module.
        from leads.scoring.qualification import sql_checklist_required

        confirmed = lead.sql_checklist
        missing = [item for item in sql_checklist_required() if not confirmed[item]]
        if missing:
            return f"The SQL checklist is incomplete: {', '.join(missing)} not confirmed."
    return None


def allowed_targets(lead: Lead, user) -> list[Stage]:
    """The stages this user may move this lead to (reasons aside), for menus."""
    any_reason = RejectionReason(label="·")
    return [
        stage
        for stage in Stage
        if stage != lead.stage
        and move_refusal(lead, stage, user, reason="·", rejection_reason=any_reason) is None
    ]


# --- the one writer of stage changes ----------------------------------------------------------


@dataclass(frozen=True)
class StageChange:
    """One change of a lead's stage, as it is written and as the subscribers receive it.

    ``from_stage`` is the stage the lead is expected to be in ("" for a lead entering the
    funnel); ``actor_id`` is the user who made it, or ``rule`` names the rule that did;
    ``rejection_reason_id`` is the reason code of a side exit made by a person;
    ``transition_id`` is its transition's, once written (unknown for transitions copied in)."""

    lead_id: int
    from_stage: str
    to_stage: str
    at: datetime
    actor_id: int | None = None
    rule: str = ""
    reason: str = ""
    rejection_reason_id: int | None = None
    scores: dict = field(default_factory=dict, compare=False)
    transition_id: int | None = field(default=None, compare=False)

    def transition(self) -> StageTransition:
        """Its transition row (saved once ``transition_id`` is set)."""
        return StageTransition(
            id=self.transition_id, lead_id=self.lead_id, from_stage=self.from_stage,
            to_stage=self.to_stage, at=self.at, actor_id=self.actor_id, rule=self.rule,
            reason=self.reason, rejection_reason_id=self.rejection_reason_id, scores=self.scores,
        )  # fmt: skip

    def row(self) -> tuple:
        """Its transition's columns, in the order of ``TRANSITION_COLUMNS``."""
        return (self.lead_id, self.from_stage, self.to_stage, self.at, self.actor_id, self.rule,
                self.reason, self.rejection_reason_id, Jsonb(self.scores))  # fmt: skip


# From this many transitions on, PostgreSQL copies them in (COPY, without model instances),
# and their ids are not read back.
COPY_FROM = 200
TRANSITION_COLUMNS = (
    "lead_id", "from_stage", "to_stage", "at", "actor_id", "rule", "reason", "rejection_reason_id",
    "scores",
)  # fmt: skip


@transaction.atomic
def stage_changes_write(changes: Sequence[StageChange], *, apply: bool = True) -> list[StageChange]:
    """Write stage changes in bulk, with a transition row each, and after commit hand the
    changes made to the subscribers (``settings.LEADS_STAGE_CHANGE_SUBSCRIBERS``).

    With ``apply``, each lead is moved from ``from_stage`` to ``to_stage`` by a guarded update,
    and a change whose lead is no longer in ``from_stage`` is not made (nor recorded). Without
    it, the leads already hold these stages (leads created in this transaction, or a history
    loaded with them) and only the transitions are written. Returns the changes made, in the
    order given, with their transitions' ids unless they were copied in."""
    made = list(changes)
    if apply and made:
        moved = _leads_move(made)
        made = [change for change in made if change.lead_id in moved]
    if not made:
        return []
    if len(made) >= COPY_FROM and _vendor() == "postgresql":
        _transitions_copy(made)
    else:
        rows = StageTransition.objects.bulk_create(
            [change.transition() for change in made], batch_size=1_000
        )
        made = [
            replace(change, transition_id=row.pk) for change, row in zip(made, rows, strict=True)
        ]
    for subscriber in settings.LEADS_STAGE_CHANGE_SUBSCRIBERS:
        # Each subscriber on its own: one that fails (a cache or a broker that is down) is
        # logged by Django and stops neither the others nor the request that committed. The
        # call carries the subscriber's name, which Django's log of a failure reads.
        notify = import_string(subscriber)
        transaction.on_commit(update_wrapper(partial(notify, made), notify), robust=True)
    return made


def _vendor() -> str:
    return connections[router.db_for_write(Lead)].vendor


def _leads_move(changes: list[StageChange]) -> set[int]:
    """Move the leads of ``changes``, each group of leads going the same way at the same instant
    in one guarded statement; returns the ids of the leads moved."""
    groups: dict[tuple[str, str, datetime], list[int]] = defaultdict(list)
    for change in changes:
        groups[change.from_stage, change.to_stage, change.at].append(change.lead_id)
    table = connections[router.db_for_write(Lead)].ops.quote_name(Lead._meta.db_table)
    moved: set[int] = set()
    with connections[router.db_for_write(Lead)].cursor() as cursor:
        for (from_stage, to_stage, at), ids in groups.items():
            for id_condition, id_params in ids_condition(ids, cursor.db.vendor):
                cursor.execute(
                    f"UPDATE {table} SET stage = %s, stage_changed_at = %s, updated_at = %s "  # noqa: S608 - the table's own name
                    f"WHERE {id_condition} AND stage = %s RETURNING id",
                    [to_stage, at, at, *id_params, from_stage],
                )
                moved.update(row[0] for row in cursor.fetchall())
    return moved


def _transitions_copy(changes: list[StageChange]) -> None:
    connection = connections[router.db_for_write(StageTransition)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in TRANSITION_COLUMNS)
    statement = f"COPY {quote(StageTransition._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for change in changes:
            copy.write_row(change.row())


# --- a person's (or one rule's) move of one lead -----------------------------------------------


@transaction.atomic
def lead_move_stage(
    *,
    lead: Lead,
    to_stage: str,
    actor=None,
    rule: str = "",
    reason: str = "",
    rejection_reason: RejectionReason | None = None,
    at: datetime | None = None,
) -> StageTransition:
    """Move ``lead`` to ``to_stage`` as ``actor`` (a user) or ``rule`` (a named rule).

    ``lead.stage`` is the stage the caller saw; if the lead has moved since, the move is
    refused. Raises ``StageMoveRefused`` with the reason. A person who recycles or disqualifies
    gives a ``rejection_reason`` code (``reason`` is then its note). A rep who accepts an
    unowned MQL becomes its owner.
    """
    expected = lead.stage
    if actor is not None:
        refusal = move_refusal(lead, to_stage, actor, reason, rejection_reason)
        if refusal:
            raise StageMoveRefused(refusal)
    elif not rule:
        raise ValueError("A stage move needs an actor or a rule.")
    elif to_stage == expected:
        raise StageMoveRefused(f"The lead is already in {Stage(to_stage).label}.")

    at = at or timezone.now()
    change = StageChange(
        lead_id=lead.pk, from_stage=expected, to_stage=to_stage, at=at,
        actor_id=actor.pk if actor is not None else None, rule=rule, reason=reason.strip(),
        rejection_reason_id=rejection_reason.pk if rejection_reason is not None else None,
        scores=lead.score_snapshot(),
    )  # fmt: skip
    written = stage_changes_write([change])
    if not written:
        current = Lead.objects.filter(pk=lead.pk).values_list("stage", flat=True).first()
        if current is None:
            raise StageMoveRefused("The lead no longer exists.")
        raise StageMoveRefused(
            f"The lead moved to {Stage(current).label} meanwhile; reload and try again."
        )
    lead.stage, lead.stage_changed_at, lead.updated_at = to_stage, at, at
    if actor is not None and to_stage == Stage.SAL and lead.owner_id is None:
        claimed = owners_write([OwnerMove(lead.pk, None, actor.pk)], actor_id=actor.pk, at=at)
        if claimed:
            lead.owner = actor
    transition = written[0].transition()
    transition.lead, transition.actor = lead, actor
    transition.rejection_reason = rejection_reason
    return transition


def transition_reasons_erase(lead_id: int) -> int:
    """Empty the people's words on ``lead_id``'s stage changes (the erasure of its personal
    data, ``leads.privacy``), the changes themselves kept; returns how many it emptied."""
    return StageTransition.objects.filter(lead_id=lead_id).exclude(reason="").update(reason="")
