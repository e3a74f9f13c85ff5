"""The scoring lab: a draft model compared with the active one before it is activated.

- Impact: every lead scored now under the draft, computed on the fly, against the scores stored
  under the active model: leads per temperature, grade and stage, and how many would newly
  become MQLs. One aggregate statement per model.
- Backtest: the leads created in a past period, each scored as of N days after its creation
  (its events up to then only) under both models, against what happened to it (it reached SQL
  or beyond, or not): conversion rate per score decile, precision and recall at the MQL
  threshold, AUC. The scores are computed by the database and the figures with numpy.

Both run in a worker (``lab_run_task``), writing their progress on the ``LabRun``.
"""

from __future__ import annotations

import copy
import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import reduce
from operator import and_, or_

import numpy as np
from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from leads.models import FUNNEL, Lead, Stage, StageTransition, Temperature
from leads.scoring import compiler
from leads.scoring.models import LabRun, QualificationCriteria, RunStatus, ScoringModel
from leads.scoring.models.runs import UNFINISHED

logger = logging.getLogger(__name__)

# Stages from which a lead qualifies as an MQL, and the stages that count as a conversion.
QUALIFIABLE = (Stage.SUBSCRIBER, Stage.LEAD)
CONVERTED = tuple(FUNNEL[FUNNEL.index(Stage.SQL) :])
GRADES = [f"{letter}{digit}" for letter in "ABCD" for digit in "1234"]
TEMPERATURES = [Temperature.HOT, Temperature.WARM, Temperature.COLD]
# The backtest streams its leads' scores from one query, writing progress every this many.
BACKTEST_CHUNK = 10_000
DECILES = 10


def _loaded(model_id: int) -> ScoringModel:
    """The model with its groups and rules loaded once, for the compiler."""
    return ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules").get(
        pk=model_id
    )


@contextmanager
def _without_jit() -> Iterator[None]:
    """A transaction in which PostgreSQL does not compile the lab's queries to machine code:
    their cost estimates call for it, but compiling took 0.8–1.6 s a query in our runs, more
    than it saved on 100,000 leads."""
    database = router.db_for_read(Lead)
    with transaction.atomic(using=database):
        if connections[database].vendor == "postgresql":
            with connections[database].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
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


# Impact --------------------------------------------------------------------------------------


def _fenced_sql(queryset: QuerySet, database: str) -> tuple[str, tuple]:
    """The SQL of ``queryset``, behind PostgreSQL's ``OFFSET 0`` fence: the planner cannot
    flatten it into the query around it, so each lead's events are aggregated once even when
    the outer query reads the parts several times (DESIGN.md, "Performance facts")."""
    sql, params = queryset.query.get_compiler(using=database).as_sql()
    fence = " OFFSET 0" if connections[database].vendor == "postgresql" else ""
    return f"{sql}{fence}", params


def _compiled(expression, database: str) -> tuple[str, list]:
    query = Lead.objects.all().query
    sql, params = query.get_compiler(using=database).compile(expression.resolve_expression(query))
    return sql, list(params)


def _draft_groups(
    draft: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime, bar: MqlBar
) -> list[tuple]:
    """Leads grouped by (stage, stored temperature, draft temperature, draft grade, an MQL
    under the draft, an MQL under the stored scores), with a count and how many change grade."""
    database = router.db_for_read(Lead)
    fit = RawSQL('scored."lab_fit"', (), output_field=IntegerField())
    engagement = RawSQL('scored."lab_engagement"', (), output_field=IntegerField())
    derived = compiler.derived_annotations(draft, fit, engagement)
    scores = {"fit": fit, "engagement": engagement, "total": derived["total_score"]}
    mql_annotations, draft_mql = _qualifies(bar, now, scores)

    parts = leads.order_by().annotate(
        lab_fit=compiler.fit_expression(draft),
        lab_engagement=compiler.engagement_expression(draft, now),
        **mql_annotations,
    )
    parts = parts.values(
        "stage", "temperature", "grade", "lab_fit", "lab_engagement", *mql_annotations
    )
    parts_sql, parts_params = _fenced_sql(parts, database)
    temperature_sql, temperature_params = _compiled(derived["temperature"], database)
    grade_sql, grade_params = _compiled(derived["grade"], database)
    draft_mql_sql, draft_mql_params = _compiled(draft_mql, database)
    # Every piece is SQL compiled by Django from the model's expressions, with its values as
    # parameters; no text from users is spliced in.
    statement = (
        f'SELECT scored."stage", scored."temperature", {temperature_sql}, {grade_sql}, '  # noqa: S608
        f'{draft_mql_sql}, scored."lab_active_mql", COUNT(*), '
        f'SUM(CASE WHEN {grade_sql} <> scored."grade" THEN 1 ELSE 0 END) '
        f"FROM ({parts_sql}) AS scored GROUP BY 1, 2, 3, 4, 5, 6"
    )
    params = [
        *temperature_params, *grade_params, *draft_mql_params, *grade_params, *parts_params,
    ]  # fmt: skip
    with _without_jit(), connections[database].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _table(keys, labels: dict, active: dict, draft: dict, **extra: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": labels.get(key, key) or "Not scored",
            "active": active.get(key, 0),
            "draft": draft.get(key, 0),
            "change": draft.get(key, 0) - active.get(key, 0),
            **{name: values.get(key, 0) for name, values in extra.items()},
        }
        for key in keys
    ]


def lab_impact(run: LabRun) -> dict:
    """Every lead under the draft (now) against its stored scores under the active model."""
    draft = _loaded(run.model_id)
    active = _loaded(run.baseline_id) if run.baseline_id else None
    bar = mql_bar(draft, active)
    now = timezone.now()
    leads = Lead.objects.all()

    stored_rows = leads.order_by().values_list("stage", "temperature", "grade")
    stored_rows = stored_rows.annotate(leads=Count("pk"))
    active_by = {"temperature": {}, "grade": {}, "stage": {}, "hot": {}}
    for stage, temperature, grade, count in stored_rows:
        _add(active_by["stage"], stage, count)
        _add(active_by["temperature"], temperature, count)
        _add(active_by["grade"], grade, count)
        if temperature == Temperature.HOT:
            _add(active_by["hot"], stage, count)
    _progress(run, 20)

    draft_by = {"temperature": {}, "grade": {}, "stage": {}, "hot": {}, "newly": {}}
    moves: dict[tuple[str, str], int] = {}
    grade_changed = 0
    for stage, stored, temperature, grade, draft_mql, active_mql, count, changed in _draft_groups(
        draft, leads, now, bar
    ):
        _add(draft_by["temperature"], temperature, count)
        _add(draft_by["grade"], grade, count)
        grade_changed += changed
        if temperature == Temperature.HOT:
            _add(draft_by["hot"], stage, count)
        if stored != temperature:
            _add(moves, (stored or "", temperature), count)
        newly = stage in QUALIFIABLE and draft_mql and not active_mql
        if newly:
            _add(draft_by["newly"], stage, count)
        _add(draft_by["stage"], Stage.MQL if newly else stage, count)
    _progress(run, 90)

    temperature_labels = dict(Temperature.choices)
    stages = [
        stage for stage in Stage if active_by["stage"].get(stage) or draft_by["stage"].get(stage)
    ]
    grades = [grade for grade in [*GRADES, ""] if grade or active_by["grade"].get("")]
    temperatures = [*TEMPERATURES, *([""] if active_by["temperature"].get("") else [])]
    return {
        "as_of": now.isoformat(),
        "leads": sum(active_by["stage"].values()),
        "mql": asdict(bar),
        "newly_mql": sum(draft_by["newly"].values()),
        "temperature_changed": sum(moves.values()),
        "grade_changed": grade_changed,
        "temperatures": _table(temperatures, temperature_labels, active_by["temperature"], draft_by["temperature"]),
        "grades": _table(grades, {}, active_by["grade"], draft_by["grade"]),
        "grade_grid": [
            {"letter": letter, "cells": _table(
                [f"{letter}{digit}" for digit in "1234"], {}, active_by["grade"], draft_by["grade"]
            )}
            for letter in "ABCD"
        ],
        "stages": _table(
            stages, dict(Stage.choices), active_by["stage"], draft_by["stage"],
            hot_active=active_by["hot"], hot_draft=draft_by["hot"], newly_mql=draft_by["newly"],
        ),
        "temperature_moves": [
            {
                "from": temperature_labels.get(before, "Not scored"),
                "to": temperature_labels[after],
                "leads": count,
            }
            for (before, after), count in sorted(moves.items(), key=lambda item: -item[1])
        ],
    }  # fmt: skip


def _add(counts: dict, key, count: int) -> None:
    counts[key] = counts.get(key, 0) + count


# Backtest ------------------------------------------------------------------------------------


def backtest_leads(parameters: dict) -> QuerySet[Lead]:
    """The leads created in the period (both days included, in the site's time zone)."""
    first = datetime.date.fromisoformat(parameters["created_from"])
    last = datetime.date.fromisoformat(parameters["created_to"])
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return Lead.objects.filter(created_at__gte=start, created_at__lt=end)


def _backtest_rows(
    leads: QuerySet[Lead], models: dict[str, ScoringModel], days: int
) -> Iterator[tuple]:
    """Per lead: its id, each model's fit and engagement as of its creation + ``days``, its
    current stage, and whether it ever moved to a converted stage; streamed from one query in
    no order (slices by id, or ORDER BY id, made PostgreSQL walk the primary key instead of
    the creation dates: 1.3–1.6× slower on 100k leads)."""
    as_of = F("created_at") + datetime.timedelta(days=days)
    parts = {}
    for name, model in models.items():
        parts[f"{name}_fit"] = compiler.fit_expression(model)
        parts[f"{name}_engagement"] = compiler.engagement_expression(model, as_of)
    reached = StageTransition.objects.filter(lead=OuterRef("pk"), to_stage__in=CONVERTED)
    rows = leads.order_by().annotate(**parts, lab_reached=Exists(reached))
    with _without_jit():
        yield from rows.values_list("pk", *parts, "stage", "lab_reached").iterator(
            chunk_size=BACKTEST_CHUNK
        )


def _totals(model: ScoringModel, fit: np.ndarray, engagement: np.ndarray) -> np.ndarray:
    total = fit + engagement
    return total if model.overall_cap is None else np.minimum(total, model.overall_cap)


def area_under_curve(scores: np.ndarray, converted: np.ndarray) -> float | None:
    """The chance that a converted lead scores above one that did not (ties count half): the
    Mann–Whitney U over the two groups' sizes, with tied scores given their average rank."""
    positives = int(converted.sum())
    negatives = len(scores) - positives
    if not positives or not negatives:
        return None
    _values, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_ranks = np.cumsum(counts) - (counts - 1) / 2
    rank_sum = average_ranks[inverse][converted].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def backtest_figures(scores: np.ndarray, converted: np.ndarray, threshold: int) -> dict:
    """Deciles (highest scores first; equal scores in the order given), and precision and
    recall of "total ≥ threshold" as the prediction of a conversion."""
    order = np.argsort(-scores, kind="stable")
    deciles = []
    for number, members in enumerate(np.array_split(order, DECILES), 1):
        if not len(members):
            continue
        won = int(converted[members].sum())
        deciles.append({
            "decile": number,
            "leads": len(members),
            "highest": int(scores[members].max()),
            "lowest": int(scores[members].min()),
            "converted": won,
            "rate": won / len(members),
        })  # fmt: skip
    predicted = scores >= threshold
    hits = int((predicted & converted).sum())
    return {
        "threshold": threshold,
        "deciles": deciles,
        "predicted": int(predicted.sum()),
        "hits": hits,
        "precision": hits / int(predicted.sum()) if predicted.any() else None,
        "recall": hits / int(converted.sum()) if converted.any() else None,
        "auc": area_under_curve(scores, converted),
    }


def lab_backtest(run: LabRun) -> dict:
    """Leads created in the period, each scored as of ``days`` after its creation."""
    draft = _loaded(run.model_id)
    active = _loaded(run.baseline_id) if run.baseline_id else None
    bar = mql_bar(draft, active)
    days = int(run.parameters["days"])
    models = {"draft": draft, **({"active": active} if active else {})}
    leads = backtest_leads(run.parameters)

    total = leads.count()
    rows: list[tuple] = []
    for row in _backtest_rows(leads, models, days):
        rows.append(row)
        if len(rows) % BACKTEST_CHUNK == 0:
            _progress(run, 5 + 85 * len(rows) // total)
    rows = [row[1:] for row in sorted(rows)]  # in id order, so that ties keep one order
    _progress(run, 90)

    columns = list(zip(*rows, strict=True)) if rows else [()] * (2 * len(models) + 2)
    *score_columns, stages, reached = columns
    converted = np.array(
        [moved or stage in CONVERTED for moved, stage in zip(reached, stages, strict=True)],
        dtype=bool,
    )
    result = {
        "leads": len(rows),
        "converted": int(converted.sum()),
        "days": days,
        "created_from": run.parameters["created_from"],
        "created_to": run.parameters["created_to"],
        "mql": asdict(bar),
    }
    for index, (name, model) in enumerate(models.items()):
        fit = np.array(score_columns[2 * index], dtype=np.int64)
        engagement = np.array(score_columns[2 * index + 1], dtype=np.int64)
        threshold = bar.draft if name == "draft" else bar.active
        result[name] = backtest_figures(_totals(model, fit, engagement), converted, threshold)
    # Side by side, for the page: the n-th decile under each model.
    result["deciles"] = [
        {"decile": row["decile"], **{name: result[name]["deciles"][index] for name in models}}
        for index, row in enumerate(result["draft"]["deciles"])
    ]
    return result


# Runs ----------------------------------------------------------------------------------------

COMPUTATIONS = {LabRun.Kind.IMPACT: lab_impact, LabRun.Kind.BACKTEST: lab_backtest}


def lab_run_start(
    *, model: ScoringModel, kind: str, actor, parameters: dict | None = None
) -> LabRun:
    """Ask for an impact or a backtest of the draft ``model`` against the active model; the
    worker starts once the transaction commits."""
    from leads.scoring.services import scoring_model_problems

    if not model.is_editable:
        raise ValidationError(f"Only a draft is tried in the lab; v{model.version} is not a draft.")
    problems = scoring_model_problems(model)
    if problems:
        raise ValidationError(problems)
    run = LabRun.objects.create(
        kind=kind,
        model=model,
        baseline=ScoringModel.objects.active().first(),
        parameters=parameters or {},
        requested_by=actor,
    )
    transaction.on_commit(lambda: lab_run_task.delay(run.pk))
    return run


def lab_run_execute(*, run_id: int) -> None:
    """Compute the run's figures, unless it is finished already. Computing twice writes the same
    figures (as of a later instant for an impact), so a redelivered task is harmless; a run
    whose draft was discarded meanwhile is gone, and nothing is written."""
    claimed = LabRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
        status=RunStatus.RUNNING, progress=0
    )
    if not claimed:
        return
    run = LabRun.objects.get(pk=run_id)
    try:
        result = COMPUTATIONS[run.kind](run)
    except ScoringModel.DoesNotExist:
        return
    except Exception as error:
        logger.exception("Lab run %s failed", run_id)
        LabRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )  # fmt: skip
        return
    LabRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, progress=100, result=result, finished_at=timezone.now()
    )


@shared_task
def lab_run_task(run_id: int) -> None:
    lab_run_execute(run_id=run_id)
