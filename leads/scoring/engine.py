"""Writing scores: a set of leads scored by the active model in one statement per chunk, with
the day's history; the workers' cached statement for a few leads; and a full rescore's chunk
of an id range, from its events grouped by lead."""

from __future__ import annotations

import datetime
import random
from functools import lru_cache, reduce
from operator import or_

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import (
    BooleanField,
    DateTimeField,
    F,
    IntegerField,
    Max,
    Min,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from leads.models import Event, Lead
from leads.scoring import compiler, matching
from leads.scoring.models import ScoreHistory, ScoringModel

# The source columns of the persona and the journey position (``matching.matching_annotations``).
MATCHED_SOURCE = ("new_persona", "new_journey")
SCORE_COLUMNS = ("fit_score", "engagement_score", "total_score", "temperature", "grade")
# Every column a scoring statement writes (``_apply_statement``).
# The persona and journey stage are matched by the same statement (``leads.scoring.matching``).
MATCHED_COLUMNS = ("persona", "journey_stage")
WRITTEN_COLUMNS = (*SCORE_COLUMNS, *MATCHED_COLUMNS, "scoring_model", "scored_at")


def _prefetched(model: ScoringModel) -> ScoringModel:
    """The model with its groups and rules loaded once, for the compiler."""
    return ScoringModel.objects.prefetch_related("fit_groups", "fit_rules", "engagement_rules").get(
        pk=model.pk
    )


def leads_score(
    *,
    model: ScoringModel,
    leads: QuerySet[Lead] | None = None,
    now: datetime.datetime | None = None,
    only_changed: bool = True,
) -> int:
    """Score ``leads`` (default: all) with ``model`` in one UPDATE; return the rows written.

    Writes fit, engagement, total, temperature, grade, the model version and scored_at. On
    PostgreSQL, with ``only_changed``, rows whose scores and version are unchanged are not
    written (their scored_at stays): the nightly decay run then writes a few percent of leads.
    """
    now = now or timezone.now()
    model = _prefetched(model)
    leads = (Lead.objects.all() if leads is None else leads).order_by()
    database = router.db_for_write(Lead)
    if connections[database].vendor == "postgresql":
        return _leads_score_postgresql(model, leads, now, database, only_changed)
    return _leads_score_portable(model, leads, now, database)


# Leads sampled to estimate how many a rescore changes.
CHANGE_SAMPLE = 2_000


def scores_changed_share(
    *, model: ScoringModel, now: datetime.datetime, sample: int = CHANGE_SAMPLE
) -> float:
    """The share of leads whose stored scores or version scoring with ``model`` as of ``now``
    would change, estimated on ``sample`` leads drawn at random (the temperature and grade
    follow from the two scores under one model)."""
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0.0
    ids = range(bounds["low"], bounds["high"] + 1)
    drawn = random.sample(ids, min(sample, len(ids)))  # noqa: S311 - a sample, not a secret
    model = _prefetched(model)
    rows = (
        Lead.objects.filter(pk__in=drawn)
        .annotate(
            new_fit=compiler.fit_expression(model),
            new_engagement=compiler.engagement_expression(model, now),
        )
        .values_list(
            "fit_score", "engagement_score", "scoring_model_id", "new_fit", "new_engagement"
        )
    )
    rows = list(rows)
    changed = sum(1 for *stored, fit, engagement in rows if stored != [fit, engagement, model.pk])
    return changed / len(rows) if rows else 0.0


# Scoring a few leads (the workers' incremental path) -----------------------------------------

# Stand-ins compiled into the cached statement, replaced by each call's values.
_NOW = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
_DAY = datetime.date(1900, 1, 1)
_IDS = "\x00lead ids\x00"


def leads_score_ids(
    *, model: ScoringModel, ids: list[int], now: datetime.datetime | None = None
) -> int:
    """Score the leads with these ids, writing every one (so each lead's scored_at moves on).

    On PostgreSQL, for an active or archived model (whose rules no longer change), the
    statement is compiled once per process: compiling the model's expressions costs far more
    than running the statement for a few leads."""
    now = now or timezone.now()
    database = router.db_for_write(Lead)
    if model.is_editable or connections[database].vendor != "postgresql":
        return leads_score(
            model=model, leads=Lead.objects.filter(pk__in=ids), now=now, only_changed=False
        )
    statement, params = _ids_statement(
        model.pk, model.activated_at, database, matching.matching_signature()
    )
    day = history_day(now)
    filled = [
        now if param == _NOW else day if param == _DAY else list(ids) if param == _IDS else param
        for param in params
    ]
    with connections[database].cursor() as cursor:
        cursor.execute(statement, filled)
        return cursor.rowcount


@lru_cache(maxsize=16)
def _ids_statement(
    model_id: int, activated_at, database: str, matching_signature: tuple
) -> tuple[str, tuple]:
    """The scoring statement for ``id = ANY(<ids>)``, with stand-ins for the instant and ids
    (keyed by the activation time too, so that a flushed test database cannot confuse it, and
    by the persona rules' and journey mapping's signature, which it compiles in)."""
    model = _prefetched(ScoringModel(pk=model_id))
    now = Value(_NOW, output_field=DateTimeField())
    leads = Lead.objects.filter(
        RawSQL('"leads_lead"."id" = ANY(%s)', (_IDS,), output_field=BooleanField())
    )
    parts_sql, parts_params = _parts_sql(model, leads, now, database)
    return _apply_statement(
        model, f"({parts_sql} OFFSET 0)", parts_params, _NOW, _DAY, database, only_changed=False
    )


def history_day(now: datetime.datetime) -> datetime.date:
    """The day (UTC) a score written as of ``now`` belongs to in the history."""
    return now.astimezone(datetime.UTC).date()


# Upserts the day's history rows from a set of rows with id and the three scores.
_HISTORY_UPSERT = (
    f'INSERT INTO "{ScoreHistory._meta.db_table}" '
    '("lead_id", "day", "fit_score", "engagement_score", "total_score") '
    'SELECT "id", %s, "fit_score", "engagement_score", "total_score"'
)
_HISTORY_CONFLICT = (
    'ON CONFLICT ("lead_id", "day") DO UPDATE SET "fit_score" = EXCLUDED."fit_score", '
    '"engagement_score" = EXCLUDED."engagement_score", "total_score" = EXCLUDED."total_score"'
)


def _leads_score_portable(
    model: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime, database: str
) -> int:
    """SQLite (the demo): the same ``UPDATE … FROM (parts)``, then the history rows of the
    leads in a second statement, since SQLite has no UPDATE inside a WITH."""
    parts = _parts_sql(model, leads, now, database)
    if parts is None:
        return 0
    parts_sql, parts_params = parts
    statement, params = _apply_statement(
        model, f"({parts_sql})", parts_params, now, None, database, only_changed=False
    )
    ids_sql, ids_params = leads.values("pk").query.get_compiler(using=database).as_sql()
    with connections[database].cursor() as cursor:
        cursor.execute(statement, params)
        written = cursor.rowcount
        cursor.execute(
            f'{_HISTORY_UPSERT} FROM "leads_lead" WHERE "id" IN ({ids_sql}) {_HISTORY_CONFLICT}',
            [history_day(now), *ids_params],
        )
    return written


def _leads_score_postgresql(
    model: ScoringModel,
    leads: QuerySet[Lead],
    now: datetime.datetime,
    database: str,
    only_changed: bool,
) -> int:
    """``UPDATE … FROM (fit and engagement per lead, behind an OFFSET 0 fence)``, so each
    lead's events are aggregated once, and only rows whose values change are written."""
    parts = _parts_sql(model, leads, now, database)
    if parts is None:
        return 0
    parts_sql, parts_params = parts
    return _apply(model, f"({parts_sql} OFFSET 0)", parts_params, now, database, only_changed)


def _parts_sql(
    model: ScoringModel, leads: QuerySet[Lead], now: datetime.datetime, database: str
) -> tuple[str, tuple] | None:
    """``SELECT scored_id, new_fit, new_engagement, new_persona, new_journey`` for ``leads``,
    or None if it is empty."""
    parts = leads.annotate(
        scored_id=F("pk"),
        new_fit=compiler.fit_expression(model),
        new_engagement=compiler.engagement_expression(model, now),
        **matching.matching_annotations(now),
    ).values("scored_id", "new_fit", "new_engagement", *MATCHED_SOURCE)
    try:
        return parts.query.get_compiler(using=database).as_sql()
    except EmptyResultSet:
        return None  # ``leads`` is empty by construction (``.none()``, ``pk__in=[]``).


def _apply(
    model: ScoringModel,
    source_sql: str,
    source_params,
    now: datetime.datetime,
    database: str,
    only_changed: bool,
    keep_newer: bool = False,
) -> int:
    """Write the scores of ``source`` (rows of scored_id, new_fit, new_engagement, new_persona,
    new_journey) to the leads and to the day's history, in one statement; return the leads
    written."""
    statement, params = _apply_statement(
        model, source_sql, source_params, now, history_day(now), database, only_changed,
        keep_newer=keep_newer,
    )  # fmt: skip
    with connections[database].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _apply_statement(
    model: ScoringModel,
    source_sql: str,
    source_params,
    now,
    day,
    database: str,
    only_changed: bool,
    keep_newer: bool = False,
) -> tuple[str, tuple]:
    """The statement of ``_apply`` and its parameters (without the history when ``day`` is
    None)."""
    fit = RawSQL('scored."new_fit"', (), output_field=IntegerField())
    engagement = RawSQL('scored."new_engagement"', (), output_field=IntegerField())
    new_values = {
        "fit_score": fit,
        "engagement_score": engagement,
        **compiler.derived_annotations(model, fit, engagement),
        **matching.matching_assignments(
            RawSQL('scored."new_persona"', (), output_field=IntegerField()),
            RawSQL('scored."new_journey"', (), output_field=IntegerField()),
        ),
        "scoring_model_id": Value(model.pk, output_field=IntegerField()),
    }
    query = Lead.objects.all().query
    expression_compiler = query.get_compiler(using=database)
    columns, values, params = [], [], []
    for column, expression in new_values.items():
        sql, expression_params = expression_compiler.compile(expression.resolve_expression(query))
        columns.append(column)
        values.append(sql)
        params.extend(expression_params)
    assignments = ", ".join(
        f'"{column}" = {value}' for column, value in zip(columns, values, strict=True)
    )
    # Every piece is SQL compiled by Django from the model's expressions, with its values as
    # parameters; no text from users is spliced in.
    statement = (
        f'UPDATE "leads_lead" SET {assignments}, "scored_at" = %s '  # noqa: S608
        f'FROM {source_sql} AS scored WHERE "leads_lead"."id" = scored."scored_id"'
    )
    statement_params = [*params, now, *source_params]
    if keep_newer:
        # A lead scored by this model after ``now`` (its events changed during a long run)
        # keeps that newer score.
        statement += (
            ' AND ("leads_lead"."scoring_model_id" IS DISTINCT FROM %s'
            ' OR "leads_lead"."scored_at" IS NULL OR "leads_lead"."scored_at" <= %s)'
        )
        statement_params.extend([model.pk, now])
    if only_changed:
        current = ", ".join(f'"leads_lead"."{column}"' for column in columns)
        statement += f" AND ({current}) IS DISTINCT FROM ({', '.join(values)})"
        statement_params.extend(params)
    if day is None:
        return statement, tuple(statement_params)
    # The rows written are the day's history: one statement, so a score is never written
    # without its history row.
    statement = (
        f"WITH written AS ({statement} "  # noqa: S608
        'RETURNING "leads_lead"."id", "fit_score", "engagement_score", "total_score") '
        f"{_HISTORY_UPSERT} FROM written {_HISTORY_CONFLICT}"
    )
    statement_params.append(day)
    return statement, tuple(statement_params)


# A chunk of a full rescore (PostgreSQL): the leads of an id range, scored from their events
# grouped by lead in one pass over the events' index by lead, where the range's entries lie
# together and carry what the rules read (DESIGN.md, "Performance facts").


# Stand-ins for a chunk's bounds in a run's compiled statement, replaced by each chunk's.
_LOW = "\x00low\x00"
_HIGH = "\x00high\x00"


def scores_write_range(
    *,
    model: ScoringModel,
    low: int,
    high: int,
    now: datetime.datetime,
    only_changed: bool = True,
) -> int:
    """Score the leads with ``low < id ≤ high`` as of ``now``; return the leads written. A
    lead scored by this model after ``now`` (its events changed during a long run) keeps that
    newer score.

    The statement is compiled once per run (its model, instant and matching) and process, for
    an active or archived model whose rules no longer change: the run's chunks differ only in
    their bounds."""
    database = router.db_for_write(Lead)
    signature = matching.matching_signature()
    if model.is_editable:
        statement, params = _range_statement_compile(
            _prefetched(model), now, database, only_changed
        )
    else:
        statement, params = _range_statement(
            model.pk, model.activated_at, now, database, only_changed, signature
        )
    bounds = {_LOW: low, _HIGH: high}
    filled = [bounds.get(param, param) if isinstance(param, str) else param for param in params]
    with connections[database].cursor() as cursor:
        cursor.execute(statement, filled)
        return cursor.rowcount


@lru_cache(maxsize=8)
def _range_statement(
    model_id: int, activated_at, now, database: str, only_changed: bool, matching_signature: tuple
) -> tuple[str, tuple]:
    """``_range_statement_compile`` of an active or archived model, kept for the run's chunks
    (keyed by the persona rules' and journey mapping's signature, which it compiles in)."""
    model = _prefetched(ScoringModel(pk=model_id))
    return _range_statement_compile(model, now, database, only_changed)


def _range_statement_compile(
    model: ScoringModel, now: datetime.datetime, database: str, only_changed: bool
) -> tuple[str, tuple]:
    parts_sql, parts_params = _range_parts_sql(model, now, database)
    return _apply_statement(
        model, f"({parts_sql} OFFSET 0)", parts_params, now, history_day(now), database,
        only_changed, keep_newer=True,
    )  # fmt: skip


def _in_range(column: str) -> RawSQL:
    """``low < column ≤ high``, with the stand-ins for a chunk's bounds."""
    condition = f"{column} > %s AND {column} <= %s"  # the column is ours; bounds are parameters
    return RawSQL(condition, (_LOW, _HIGH), output_field=BooleanField())  # noqa: S611


def _range_parts_sql(
    model: ScoringModel, now: datetime.datetime, database: str
) -> tuple[str, tuple]:
    """``SELECT scored_id, new_fit, new_engagement, new_persona, new_journey`` for the leads
    of a chunk: fit, persona and the lifecycle's journey position per lead, joined to what
    their events give, grouped by lead in one pass: the engagement, and the furthest journey
    stage the recent events reach. (A subquery per lead would look up each lead's events
    apart; one scan of the range's entries, in lead order, does less.)"""
    stages = matching.journey_stages()
    leads = Lead.objects.filter(_in_range(f'"{Lead._meta.db_table}"."id"')).annotate(
        scored_id=F("pk"),
        new_fit=compiler.fit_expression(model),
        new_persona=matching.persona_expression(),
        new_journey=matching.journey_lifecycle_position(stages),
    )
    leads = leads.values("scored_id", "new_fit", *MATCHED_SOURCE)
    leads_sql, leads_params = leads.query.get_compiler(using=database).as_sql()
    scored_rules = bool(list(model.engagement_rules.all()))
    journey = matching.journey_events(now, stages)
    conditions = [
        *([compiler.engagement_events_condition(model, now)] if scored_rules else []),
        *([journey.condition] if journey else []),
    ]
    engagement, furthest = "0", "leads.new_journey"
    if not conditions:
        # Both halves are SQL compiled by Django from the model's expressions, with their
        # values as parameters.
        return (
            f"SELECT scored_id, new_fit, {engagement} AS new_engagement, new_persona, "  # noqa: S608
            f"{furthest} AS new_journey FROM ({leads_sql}) leads",
            tuple(leads_params),
        )
    aggregates = {}
    if scored_rules:
        aggregates["engagement"] = compiler.round_half_away_from_zero(
            compiler.engagement_sum(model, now)
        )
        engagement = "COALESCE(scored.engagement, 0)"
    if journey:
        aggregates["furthest"] = journey.furthest
        furthest = "GREATEST(leads.new_journey, COALESCE(scored.furthest, 0))"
    events = (
        Event.objects.filter(reduce(or_, conditions))
        .filter(_in_range(f'"{Event._meta.db_table}"."lead_id"'))
        .order_by()
        .values(scored_lead=F("lead"))
        .annotate(**aggregates)
    )
    events_sql, events_params = events.query.get_compiler(using=database).as_sql()
    return (
        f"SELECT leads.scored_id, leads.new_fit, {engagement} AS new_engagement, "  # noqa: S608
        f"leads.new_persona, {furthest} AS new_journey "
        f"FROM ({leads_sql}) leads LEFT JOIN ({events_sql}) scored "
        "ON scored.scored_lead = leads.scored_id",
        (*leads_params, *events_params),
    )
