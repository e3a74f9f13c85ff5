"""What the lab's computations share: the models loaded once, the MQL bar each model is held
to, progress on the run, and queries without PostgreSQL's JIT."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db import connections, router, transaction
from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThanOrEqual

from leads.models import FUNNEL, Lead, Stage, Temperature
from leads.scoring.models import LabRun, QualificationCriteria, ScoringModel

# Stages from which a lead qualifies as an MQL, and the stages that count as a conversion.
QUALIFIABLE = (Stage.SUBSCRIBER, Stage.LEAD)
CONVERTED = tuple(FUNNEL[FUNNEL.index(Stage.SQL) :])
GRADES = [f"{letter}{digit}" for letter in "ABCD" for digit in "1234"]
TEMPERATURES = [Temperature.HOT, Temperature.WARM, Temperature.COLD]
DECILES = 10


def _loaded(model_id: int) -> ScoringModel:
    """The model with its groups and rules loaded once, for the compiler."""
    return ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules").get(
        pk=model_id
    )


@contextmanager
def _transaction_with(settings: dict[str, str] | None = None) -> Iterator[None]:
    """A transaction with these PostgreSQL planner or memory settings for it only
    (``{"work_mem": "128MB"}``)."""
    database = router.db_for_read(Lead)
    with transaction.atomic(using=database):
        if connections[database].vendor == "postgresql":
            with connections[database].cursor() as cursor:
                for name, value in (settings or {}).items():
                    cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        yield


def _progress(run: LabRun, percent: int) -> None:
    LabRun.objects.filter(pk=run.pk).update(progress=percent)


# The MQL bar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MqlBar:
    """What makes an MQL in the lab. The impact applies the active MQL criteria (``criteria``)
    to the draft's scores and to the stored ones; without active criteria, a total at least
    the model's hot threshold stands in. The backtest compares totals only: ``draft`` and
    ``active`` are the totals from which a lead counts as an MQL under each model."""

    draft: int
    active: int
    source: str  # "criteria" or "hot_threshold"
    note: str
    criteria_id: int | None = None


def mql_bar(draft: ScoringModel, active: ScoringModel | None) -> MqlBar:
    """The active MQL criteria; the backtest's threshold is their minimum total, or each
    model's hot threshold when they set none (or there are no active criteria)."""
    from leads.scoring.qualification import criteria_active, criteria_definition

    criteria = criteria_active(QualificationCriteria.Kind.MQL)
    active_hot = active.hot_threshold if active else draft.hot_threshold
    hot = f"total ≥ {draft.hot_threshold} under the draft, ≥ {active_hot} under the active"
    if criteria is None:
        note = (
            f"No MQL criteria are active, so each model's hot threshold stands in for them: {hot}."
        )
        return MqlBar(draft.hot_threshold, active_hot, "hot_threshold", note)
    note = f"MQL: the active criteria “{criteria.name}”. {criteria_definition(criteria)}"
    if criteria.min_total is None:
        note += f" They set no minimum total, so the backtest uses the hot thresholds: {hot}."
        return MqlBar(draft.hot_threshold, active_hot, "criteria", note, criteria.pk)
    return MqlBar(criteria.min_total, criteria.min_total, "criteria", note, criteria.pk)


def _qualifies(
    bar: MqlBar, now: datetime.datetime, scores: dict[str, Expression]
) -> tuple[dict[str, Expression], Expression]:
    """Whether a lead is an MQL under the draft and under the active model.

    Returns annotations for the query over leads (``lab_active_mql`` from the stored scores,
    and each condition of the criteria that is not about scores) and the draft's condition for
    the query around it, reading the draft's ``scores`` (fit, engagement, total) and those
    annotations."""
    from leads.scoring.qualification import criteria_active, mql_condition, mql_conditions

    criteria = criteria_active(QualificationCriteria.Kind.MQL) if bar.criteria_id else None
    if criteria is None:
        stored = GreaterThanOrEqual(F("total_score"), bar.active)
        return {"lab_active_mql": stored}, GreaterThanOrEqual(scores["total"], bar.draft)
    others = copy.copy(criteria)
    others.min_total = others.min_fit = others.min_engagement = None
    other_tests = [condition.test for condition in mql_conditions(others, now)]
    annotations = {
        "lab_active_mql": ExpressionWrapper(mql_condition(criteria, now), BooleanField()),
        **{
            f"lab_mql_{index}": ExpressionWrapper(Q(test), BooleanField())
            for index, test in enumerate(other_tests)
        },
    }
    tests = [
        GreaterThanOrEqual(scores[name], minimum)
        for name, minimum in (
            ("total", criteria.min_total),
            ("fit", criteria.min_fit),
            ("engagement", criteria.min_engagement),
        )
        if minimum is not None
    ]
    # The column names are ours, numbered; nothing from users is spliced in.
    tests += [
        RawSQL(f'scored."lab_mql_{index}"', (), output_field=BooleanField())  # noqa: S611
        for index in range(len(other_tests))
    ]
    if not tests:  # Criteria without a condition match nobody.
        return annotations, Value(False, output_field=BooleanField())
    combine = and_ if criteria.match == QualificationCriteria.Match.ALL else or_
    return annotations, ExpressionWrapper(reduce(combine, map(Q, tests)), BooleanField())
