"""Impact: every lead scored now under the draft, computed on the fly, against the scores stored
under the active model: leads per temperature, grade and stage, and how many would newly become
MQLs. One aggregate statement per model."""

from __future__ import annotations

import datetime
from dataclasses import asdict

from django.db import connections, router
from django.db.models import (
    Count,
    IntegerField,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from leads.models import Lead, Stage, Temperature
from leads.scoring import compiler
from leads.scoring.lab.common import (
    GRADES,
    QUALIFIABLE,
    TEMPERATURES,
    MqlBar,
    _loaded,
    _progress,
    _qualifies,
    mql_bar,
)
from leads.scoring.models import LabRun, ScoringModel

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
    with connections[database].cursor() as cursor:
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
