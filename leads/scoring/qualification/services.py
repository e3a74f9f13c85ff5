"""The qualification writes: checking and activating a criteria set, the default sets, and
moving the leads that meet the active MQL criteria to MQL (``leads_qualify``)."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import and_, or_

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from leads.lifecycle import StageChange, stage_changes_write
from leads.models import Lead, Stage
from leads.scoring.models import SQL_CHECKLIST_ITEMS, QualificationCriteria
from leads.scoring.qualification.criteria import (
    criteria_active,
    criteria_cache_clear,
    criteria_definition,
    mql_conditions,
)

# The stages from which a lead qualifies as an MQL.
QUALIFIABLE = (Stage.SUBSCRIBER, Stage.LEAD)

Kinds = QualificationCriteria.Kind


def criteria_problems(criteria: QualificationCriteria) -> list[str]:
    """Why ``criteria`` cannot be the active set of its kind, each naming what and why."""
    problems: list[str] = []
    records = [criteria, *criteria.conditions.all()]
    for record in records:
        try:
            record.full_clean(exclude=["criteria", "is_active"])
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
def criteria_activate(*, criteria: QualificationCriteria) -> QualificationCriteria:
    """Make ``criteria`` the active set of its kind, deactivating the one active before."""
    problems = criteria_problems(criteria)
    if problems:
        raise ValidationError(problems)
    # Lock the kind's sets so that two activations run one after the other.
    list(QualificationCriteria.objects.select_for_update().filter(kind=criteria.kind))
    QualificationCriteria.objects.filter(kind=criteria.kind, is_active=True).exclude(
        pk=criteria.pk
    ).update(is_active=False)
    QualificationCriteria.objects.filter(pk=criteria.pk).update(is_active=True)
    transaction.on_commit(criteria_cache_clear)
    criteria.refresh_from_db()
    return criteria


@transaction.atomic
def criteria_defaults() -> list[QualificationCriteria]:
    """A sensible active MQL set (total ≥ 60, or a demo request within 30 days) and SQL set
    (BANT), for each kind that has no criteria yet; returns those created."""
    defaults = [
        QualificationCriteria(
            kind=Kinds.MQL,
            name="Standard MQL",
            is_active=True,
            match=QualificationCriteria.Match.ANY,
            min_total=60,
            event_type="demo_request",
            event_within_days=30,
        ),
        QualificationCriteria(
            kind=Kinds.SQL,
            name="BANT",
            is_active=True,
            sql_checklist=list(SQL_CHECKLIST_ITEMS),
        ),
    ]
    created = []
    for criteria in defaults:
        if QualificationCriteria.objects.filter(kind=criteria.kind).exists():
            continue
        criteria.full_clean()
        criteria.save()
        created.append(criteria)
    if created:
        transaction.on_commit(criteria_cache_clear)
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
                        "definition": definition,
                        "conditions_met": held,
                    },
                )
            )
        # The rows are locked, so each guarded move is made.
        moved = stage_changes_write(changes)
    return len(moved)
