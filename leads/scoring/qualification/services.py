"""The qualification writes: the versions of the criteria (checked, activated now or at a
moment, cloned, the defaults), and moving the leads that meet the active MQL criteria to MQL
(``leads_qualify``). Drafts are edited through ``leads.scoring.editing``."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import and_, or_

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet
from django.utils import timezone

from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Lead, Stage
from leads.scoring.models import SQL_CHECKLIST_ITEMS, QualificationCondition, QualificationCriteria
from leads.scoring.qualification.criteria import (
    criteria_active,
    criteria_cache_clear,
    criteria_definition,
    mql_conditions,
)
from leads.scoring.services import (
    _copy,
    _version_activate,
    _version_schedule,
    _version_unschedule,
)

# The stages from which a lead qualifies as an MQL.
QUALIFIABLE = (Stage.SUBSCRIBER, Stage.LEAD)

Kinds = QualificationCriteria.Kind


def criteria_next_version(kind: str) -> int:
    """The number of a new set of ``kind``: after every version of that kind."""
    highest = QualificationCriteria.objects.filter(kind=kind).aggregate(highest=Max("version"))
    return (highest["highest"] or 0) + 1


def criteria_problems(criteria: QualificationCriteria) -> list[str]:
    """Why ``criteria`` cannot be the active set of its kind, each naming what and why."""
    problems: list[str] = []
    records = [criteria, *criteria.conditions.all()]
    for record in records:
        try:
            record.full_clean(exclude=["criteria", "version"])
        except ValidationError as error:
            problems.extend(
                message for messages in error.message_dict.values() for message in messages
            )
    if criteria.kind == Kinds.MQL and not mql_conditions(criteria):
        problems.append(
            f"“{criteria.name}” has no condition, so it would never qualify anyone: set a "
            "minimum score, an event or an attribute condition."
        )
    return problems


@transaction.atomic
def criteria_activate(
    *, criteria: QualificationCriteria, actor, at: datetime.datetime | None = None
) -> QualificationCriteria:
    """Make the draft (or scheduled) ``criteria`` the active set of its kind now, archiving the
    set active before and recording who and when; the definitions the pages show are refreshed
    when the transaction commits. It must be able to qualify someone.

    With ``at``, schedule the draft for that moment instead: beat activates it then
    (``criteria_activate_due``)."""
    problems = criteria_problems(criteria)
    if at is not None:
        return _version_schedule(criteria, actor=actor, at=at, problems=problems)
    if problems:
        raise ValidationError(problems)
    if not _version_activate(criteria, actor=actor, now=timezone.now()):
        raise ValidationError(
            f"Only a draft can be activated; {criteria.version_name} “{criteria.name}” is "
            f"{QualificationCriteria.objects.get(pk=criteria.pk).get_status_display().lower()}."
        )
    transaction.on_commit(criteria_cache_clear)
    return criteria


@transaction.atomic
def criteria_unschedule(*, criteria: QualificationCriteria) -> QualificationCriteria:
    """Return a scheduled set to a draft, to edit it or schedule it again."""
    return _version_unschedule(criteria)


def criteria_activate_due(*, now: datetime.datetime | None = None) -> list[QualificationCriteria]:
    """Activate the scheduled sets whose moment has come (beat), each once; returns those this
    call activated."""
    now = now or timezone.now()
    activated = []
    for criteria in QualificationCriteria.objects.due(now):
        with transaction.atomic():
            if _version_activate(criteria, actor=None, now=now, due=True):
                transaction.on_commit(criteria_cache_clear)
                activated.append(criteria)
    return activated


# A version's life and its number: a copy starts these afresh.
_VERSION_LIFE = (
    "version", "status", "activate_at", "created_by", "created_at", "activated_by",
    "activated_at", "archived_at", "updated_at",
)  # fmt: skip


@transaction.atomic
def criteria_clone(*, criteria: QualificationCriteria, actor) -> QualificationCriteria:
    """A draft copy of ``criteria`` with its conditions, numbered as its kind's next version:
    how an active set is changed."""
    copy = _copy(
        criteria,
        leave=_VERSION_LIFE,
        version=criteria_next_version(criteria.kind),
        created_by=actor,
    )
    copy.save()
    QualificationCondition.objects.bulk_create(
        _copy(condition, criteria=copy) for condition in criteria.conditions.all()
    )
    return copy


@transaction.atomic
def criteria_defaults() -> list[QualificationCriteria]:
    """A sensible active MQL set (total ≥ 60, or a demo request within 30 days) and SQL set
    (BANT), for each kind that has no criteria yet; returns those created."""
    defaults = [
        QualificationCriteria(
            kind=Kinds.MQL,
            name="Standard MQL",
            match=QualificationCriteria.Match.ANY,
            min_total=60,
            event_type="demo_request",
            event_within_days=30,
        ),
        QualificationCriteria(kind=Kinds.SQL, name="BANT", sql_checklist=list(SQL_CHECKLIST_ITEMS)),
    ]
    created = []
    for criteria in defaults:
        if QualificationCriteria.objects.filter(kind=criteria.kind).exists():
            continue
        criteria.version = criteria_next_version(criteria.kind)
        criteria.full_clean()
        criteria.save()
        created.append(criteria_activate(criteria=criteria, actor=None))
    return created


def leads_qualify(*, leads: QuerySet[Lead], now: datetime.datetime | None = None) -> int:
    """Move the leads among ``leads`` (a filter of the leads, read with its own conditions)
    that are in subscriber or lead and meet the active MQL criteria to MQL; return how many
    moved.

    One query finds and locks them (each condition's outcome read alongside, for the record),
    and the lifecycle's writer moves them and writes a transition each, with the scores and
    the conditions met as of ``now``. Leads locked by another transaction are skipped: whoever
    holds them is scoring or moving them, and a scoring pass qualifies its own leads. Leads
    already past lead are never touched, and nobody is ever demoted."""
    now = now or timezone.now()
    criteria = criteria_active(Kinds.MQL)
    if criteria is None:
        return 0
    conditions = mql_conditions(criteria, now)
    if not conditions:
        return 0
    met = {
        f"met_{index}": ExpressionWrapper(condition.test, output_field=BooleanField())
        for index, condition in enumerate(conditions)
    }
    combine = and_ if criteria.match == QualificationCriteria.Match.ALL else or_
    qualifies = reduce(combine, (Q(**{name: True}) for name in met))
    snapshot = (
        "pk", "stage", "fit_score", "engagement_score", "total_score", "temperature", "grade",
        "scoring_model__version",
    )  # fmt: skip
    definition = criteria_definition(criteria)
    with transaction.atomic():
        rows = list(
            leads.filter(stage__in=QUALIFIABLE)
            .annotate(**met)
            .filter(qualifies)
            .order_by("pk")
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .values_list(*snapshot, *met)
        )
        if not rows:
            return 0
        changes = []
        for pk, stage, fit, engagement, total, temperature, grade, version, *outcomes in rows:
            held = [
                condition.text
                for condition, outcome in zip(conditions, outcomes, strict=True)
                if outcome
            ]
            changes.append(
                StageChange(
                    lead_id=pk,
                    from_stage=stage,
                    to_stage=Stage.MQL,
                    at=now,
                    rule=criteria.name,
                    reason=f"Met the MQL criteria: {'; '.join(held)}.",
                    scores={
                        "fit": fit,
                        "engagement": engagement,
                        "total": total,
                        "temperature": temperature,
                        "grade": grade,
                        "model_version": version,
                        "as_of": now.isoformat(),
                        "criteria": criteria.name,
                        "criteria_id": criteria.pk,
                        "criteria_version": criteria.version,
                        "definition": definition,
                        "conditions_met": held,
                    },
                )
            )
        # The rows are locked, so each guarded move is made.
        moved = stage_changes_write(changes)
    return len(moved)
