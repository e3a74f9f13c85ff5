"""Backtest: the leads created in a past period, each scored as of N days after its creation
(its events up to then only) under both models, against what happened to it (it reached SQL
or beyond, or not): conversion rate per score decile, precision and recall at the MQL
threshold, AUC. The scores are computed by the database and the figures with numpy."""

from __future__ import annotations

import datetime
from dataclasses import asdict

import numpy as np
from django.db import connections, router
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from leads.models import Lead, StageTransition
from leads.scoring import compiler
from leads.scoring.lab.common import (
    CONVERTED,
    DECILES,
    _loaded,
    _progress,
    _transaction_with,
    mql_bar,
)
from leads.scoring.models import LabRun, ScoringModel

# For the query over the events, in its transaction only. The per-lead sums of both models
# are one hash table of about 600 bytes a lead: 100,000 leads fit in memory with this, where
# the default 4MB spilled them to disk. Reading each lead's events through its index, rather
# than every event of the table, wins when the period holds a tenth of the leads or fewer (the
# usual backtest: 1.2–1.4 s instead of 1.8–2.0 s for 33,000 leads of 300,000); PostgreSQL's
# default cost of a random read (4, for spinning disks) hid that, the usual SSD setting shows it.
BACKTEST_SETTINGS = {"work_mem": "128MB", "random_page_cost": "1.1"}

# Backtest ------------------------------------------------------------------------------------


def backtest_period(parameters: dict) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's first instant and the instant after it (both days included, in the site's
    time zone)."""
    first = datetime.date.fromisoformat(parameters["created_from"])
    last = datetime.date.fromisoformat(parameters["created_to"])
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def backtest_leads(parameters: dict) -> QuerySet[Lead]:
    """The leads created in the period (both days included, in the site's time zone)."""
    start, end = backtest_period(parameters)
    return Lead.objects.filter(created_at__gte=start, created_at__lt=end)


def _fetched(queryset: QuerySet, columns: int) -> np.ndarray:
    """The queryset's rows of integers (booleans as 0 and 1) as one array, one row a record:
    read with one ``fetchall`` rather than through Django's iterator, which fetches 100 rows at
    a time and passes each through its converters."""
    database = router.db_for_read(queryset.model)
    sql, params = queryset.query.sql_with_params()
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


def _distinct(expressions: list[Expression]) -> tuple[dict[str, Expression], list[int]]:
    """The expressions without repeats, as annotations, and where each given one is among them:
    a draft often keeps the active model's fit rules or its engagement rules, and what is the
    same is computed once (expressions built alike are equal)."""
    distinct: list[Expression] = []
    positions = []
    for expression in expressions:
        if expression not in distinct:
            distinct.append(expression)
        positions.append(distinct.index(expression))
    return {f"lab_{index}": each for index, each in enumerate(distinct)}, positions


def _backtest_leads_columns(
    leads: QuerySet[Lead], models: dict[str, ScoringModel]
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Per lead, in id order (so that ties keep one order): its id, each model's fit, and
    whether it converted (it is at SQL or beyond, or it ever moved to such a stage). Read in
    no order: ORDER BY id made PostgreSQL walk the primary key instead of the creation dates."""
    fits, positions = _distinct([compiler.fit_expression(model) for model in models.values()])
    reached = StageTransition.objects.filter(lead=OuterRef("pk"), to_stage__in=CONVERTED)
    converted = ExpressionWrapper(
        Q(stage__in=CONVERTED) | Q(Exists(reached)), output_field=BooleanField()
    )
    rows = leads.order_by().annotate(**fits, lab_converted=converted)
    table = _fetched(rows.values_list("pk", *fits, "lab_converted"), len(fits) + 2)
    table = table[np.argsort(table[:, 0], kind="stable")]
    fit = {name: table[:, 1 + at] for name, at in zip(models, positions, strict=True)}
    return table[:, 0], fit, table[:, -1].astype(bool)


def _backtest_engagement(
    period: tuple[datetime.datetime, datetime.datetime],
    models: dict[str, ScoringModel],
    days: int,
    ids: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each model's engagement of the leads ``ids`` (sorted) as of their creation + ``days``,
    from one pass over their events: the events joined to their leads and grouped by lead, for
    both models at once (one subquery per lead and model read each lead's events twice and
    took most of the backtest's time). A lead without a counted event has no row: 0."""
    engagement = {name: np.zeros(len(ids), dtype=np.int64) for name in models}
    scored = {name: model for name, model in models.items() if model.engagement_rules.all()}
    if not scored:
        return engagement
    as_of = F("lead__created_at") + datetime.timedelta(days=days)
    start, end = period
    sums, positions = _distinct([
        compiler.round_half_away_from_zero(compiler.engagement_sum(model, as_of))
        for model in scored.values()
    ])  # fmt: skip
    first, *others = scored.values()
    per_lead = (
        compiler.engagement_events(first, as_of, *others)
        .filter(lead__created_at__gte=start, lead__created_at__lt=end)
        .order_by()
        .values("lead")
        .annotate(**sums)
        .values_list("lead", *sums)
    )
    table = _fetched(per_lead, len(sums) + 1)
    rows = np.searchsorted(ids, table[:, 0])
    for name, at in zip(scored, positions, strict=True):
        engagement[name][rows] = table[:, 1 + at]
    return engagement


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
    period = backtest_period(run.parameters)

    ids, fit, converted = _backtest_leads_columns(backtest_leads(run.parameters), models)
    _progress(run, 20)
    with _transaction_with(BACKTEST_SETTINGS):
        engagement = _backtest_engagement(period, models, days, ids)
    _progress(run, 90)

    result = {
        "leads": len(ids),
        "converted": int(converted.sum()),
        "days": days,
        "created_from": run.parameters["created_from"],
        "created_to": run.parameters["created_to"],
        "mql": asdict(bar),
    }
    for name, model in models.items():
        threshold = bar.draft if name == "draft" else bar.active
        totals = _totals(model, fit[name], engagement[name])
        result[name] = backtest_figures(totals, converted, threshold)
    # Side by side, for the page: the n-th decile under each model.
    result["deciles"] = [
        {"decile": row["decile"], **{name: result[name]["deciles"][index] for name in models}}
        for index, row in enumerate(result["draft"]["deciles"])
    ]
    return result
