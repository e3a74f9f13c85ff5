"""The references the engine's rescore is timed against, written by hand on the product's own
schema from ``bench.byhand``'s reading of the rules, and the saving and restoring of the
leads' scores that lets the engine and each reference start from the same leads.

- ``staged``: the fastest rescore written by hand on this machine. Every lead's scores are
  aggregated in one pass over the events into an unlogged table, then applied to the leads in
  committed chunks by id range, with the day's history, and with the engine's own treatment of
  the indexes (``leads.scoring.compaction``: those over the written columns dropped before,
  built again after, concurrently, so leads are read and written throughout). Given
  ``only_changed``, only the leads whose stored values change are written.
- ``plain``: the same aggregate in a single ``UPDATE … FROM``, in one transaction, with the
  same treatment of the indexes.
"""

from __future__ import annotations

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql

from bench import byhand
from leads.scoring.compaction import rescore_indexes_build, rescore_indexes_drop
from leads.scoring.models import ScoringModel

STAGED = "bench_reference_scores"
SAVED = "bench_saved_scores"
SAVED_HISTORY = "bench_saved_history"
# Leads per committed chunk, as the engine's: the fastest of 10,000, 20,000 and 50,000 here
# (50,000 took 1.6 times as long).
CHUNK = 20_000
MEMORY = "256MB"
# Sessions writing at once: one per core of this machine.
SESSIONS = 2
# Leads whose values differ from this share up are restored with the score indexes dropped.
RESTORE_REBUILD_SHARE = 0.1

LEAD_COLUMNS = (
    "fit_score", "engagement_score", "total_score", "temperature", "grade",
    "scoring_model_id", "scored_at",
)  # fmt: skip

# The leads' new values from a staged row ``s`` (``%(model)s`` and ``%(now)s`` as parameters),
# and the condition that the lead's stored values differ from them.
_ASSIGN = (
    "fit_score = s.fit, engagement_score = s.engagement, total_score = s.total, "
    "temperature = s.temperature, grade = s.grade, scoring_model_id = %(model)s, "
    "scored_at = %(now)s"
)
_CHANGED = (
    " AND (l.fit_score, l.engagement_score, l.total_score, l.temperature, l.grade,"
    " l.scoring_model_id) IS DISTINCT FROM"
    " (s.fit, s.engagement, s.total, s.temperature, s.grade, %(model)s)"
)
# The written leads' rows of the day's history, as the engine writes them.
_HISTORY = (
    " RETURNING l.id, l.fit_score, l.engagement_score, l.total_score) "
    "INSERT INTO leads_scorehistory (lead_id, day, fit_score, engagement_score, total_score) "
    "SELECT id, %(day)s, fit_score, engagement_score, total_score FROM written "
    "ON CONFLICT (lead_id, day) DO UPDATE SET fit_score = EXCLUDED.fit_score, "
    "engagement_score = EXCLUDED.engagement_score, total_score = EXCLUDED.total_score"
)


@dataclass
class Timing:
    seconds: float
    written: int
    phases: dict[str, float]


def _execute(cursor, statement, params=None) -> None:
    if isinstance(statement, sql.Composable):
        statement = statement.as_string(connection.connection)
    cursor.execute(statement, params)


def _ranges(cursor, table: str, size: int) -> list[tuple[int, int]]:
    """``(low, high]`` id ranges of ``size`` rows each over ``table``."""
    _execute(
        cursor,
        f"SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}) t "  # noqa: S608
        f"WHERE mod(n, {size}) = 0 ORDER BY id",
    )
    highs = [row[0] for row in cursor.fetchall()]
    _execute(cursor, f"SELECT max(id) FROM {table}")  # noqa: S608
    highest = cursor.fetchone()[0] or 0
    if not highs or highs[-1] < highest:
        highs.append(highest)
    return list(zip([0, *highs], highs, strict=False))


def _each_range(statement, params: dict, ranges: list[tuple[int, int]]) -> int:
    """Run ``statement`` once per range, each in its own committed transaction, in
    ``SESSIONS`` sessions at once (one per core; each with a serial plan); return the rows."""
    pending = list(reversed(ranges))
    lock = threading.Lock()

    def session() -> int:
        rows = 0
        try:
            with connection.cursor() as cursor:
                _execute(cursor, f"SET work_mem = '{MEMORY}'")
                _execute(cursor, "SET max_parallel_workers_per_gather = 0")
            while True:
                with lock:
                    if not pending:
                        return rows
                    low, high = pending.pop()
                with transaction.atomic(), connection.cursor() as cursor:
                    _execute(cursor, statement, {**params, "low": low, "high": high})
                    rows += cursor.rowcount
        finally:
            connection.close()

    with ThreadPoolExecutor(SESSIONS) as pool:
        return sum(pool.map(lambda _: session(), range(SESSIONS)))


def staged(
    model: ScoringModel, now: datetime.datetime, *, only_changed: bool = False,
    indexes: bool = True,
) -> Timing:  # fmt: skip
    """Score every lead with ``model`` as of ``now`` the staged way (module docstring); with
    ``indexes``, drop and build the indexes as the engine's run that rewrites most leads does."""
    params = byhand.params(model, now)
    phases = {}
    started = time.perf_counter()
    if indexes:
        rescore_indexes_drop()
    with connection.cursor() as cursor:
        _execute(cursor, f"DROP TABLE IF EXISTS {STAGED}")
        _execute(
            cursor,
            f"CREATE UNLOGGED TABLE {STAGED} (id bigint PRIMARY KEY, fit int, engagement int, "
            "total int, temperature varchar(10), grade varchar(2))",
        )
        ranges = _ranges(cursor, "leads_lead", CHUNK)
    statement = sql.SQL("INSERT INTO {} {}").format(
        sql.Identifier(STAGED), byhand.scores_select(model, ranged=True)
    )
    _each_range(statement, params, ranges)
    with connection.cursor() as cursor:
        _execute(cursor, f"ANALYZE {STAGED}")
    phases["staged"] = time.perf_counter() - started
    statement = (
        f"WITH written AS (UPDATE leads_lead l SET {_ASSIGN} FROM {STAGED} s "  # noqa: S608
        "WHERE l.id = s.id AND s.id > %(low)s AND s.id <= %(high)s"
        f"{_CHANGED if only_changed else ''}{_HISTORY}"
    )
    written = _each_range(statement, params, ranges)
    phases["applied"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        _execute(cursor, f"DROP TABLE {STAGED}")
    if indexes:
        rescore_indexes_build()
    seconds = time.perf_counter() - started
    phases["indexes_built"] = seconds
    return Timing(seconds, written, phases)


def chunked(
    model: ScoringModel, now: datetime.datetime, *, only_changed: bool = False,
    indexes: bool = True,
) -> Timing:  # fmt: skip
    """Score every lead with ``model`` as of ``now`` chunk by chunk, each chunk's aggregate
    written by the statement that computes it (no staging), with the same index treatment."""
    params = byhand.params(model, now)
    started = time.perf_counter()
    if indexes:
        rescore_indexes_drop()
    with connection.cursor() as cursor:
        ranges = _ranges(cursor, "leads_lead", CHUNK)
    statement = sql.SQL("WITH written AS (UPDATE leads_lead l SET {} FROM ({}) s WHERE l.id = s.id{}{}").format(
        sql.SQL(_ASSIGN), byhand.scores_select(model, ranged=True),
        sql.SQL(_CHANGED if only_changed else ""), sql.SQL(_HISTORY),
    )  # fmt: skip
    written = _each_range(statement, params, ranges)
    applied = time.perf_counter() - started
    if indexes:
        rescore_indexes_build()
    seconds = time.perf_counter() - started
    return Timing(seconds, written, {"applied": applied, "indexes_built": seconds})


def plain(model: ScoringModel, now: datetime.datetime) -> Timing:
    """Score every lead with ``model`` as of ``now`` in one ``UPDATE … FROM (aggregate)``, one
    transaction, between dropping and building the same indexes as ``staged``."""
    params = byhand.params(model, now)
    started = time.perf_counter()
    rescore_indexes_drop()
    statement = sql.SQL("WITH written AS (UPDATE leads_lead l SET {} FROM ({}) s WHERE l.id = s.id{}").format(
        sql.SQL(_ASSIGN), byhand.scores_select(model), sql.SQL(_HISTORY)
    )  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        _execute(cursor, f"SET LOCAL work_mem = '{MEMORY}'")
        _execute(cursor, statement, params)
        written = cursor.rowcount
    applied = time.perf_counter() - started
    rescore_indexes_build()
    seconds = time.perf_counter() - started
    return Timing(seconds, written, {"applied": applied, "indexes_built": seconds})


# Saving and restoring the leads' scores ----------------------------------------------------


def scores_save(day: datetime.date) -> None:
    """Keep every lead's scores, and the history rows of ``day``, to restore them later."""
    columns = ", ".join(LEAD_COLUMNS)
    with connection.cursor() as cursor:
        _execute(cursor, f"DROP TABLE IF EXISTS {SAVED}, {SAVED_HISTORY}")
        _execute(
            cursor,
            f"CREATE UNLOGGED TABLE {SAVED} AS SELECT id, {columns} FROM leads_lead",  # noqa: S608
        )
        _execute(cursor, f"ALTER TABLE {SAVED} ADD PRIMARY KEY (id)")
        _execute(
            cursor,
            f"CREATE UNLOGGED TABLE {SAVED_HISTORY} AS SELECT lead_id, day, fit_score, "  # noqa: S608
            "engagement_score, total_score FROM leads_scorehistory WHERE day = %s",
            [day],
        )
        _execute(cursor, f"ALTER TABLE {SAVED_HISTORY} ADD PRIMARY KEY (lead_id)")


def scores_restore(day: datetime.date) -> int:
    """Give every lead the scores ``scores_save`` kept, and ``day`` its history rows, writing
    only what differs; vacuum, so the next run finds the pages as the saved leads had them.
    Returns the leads restored."""
    stored = ", ".join(f"l.{column}" for column in LEAD_COLUMNS)
    saved = ", ".join(f"s.{column}" for column in LEAD_COLUMNS)
    condition = f"l.id = s.id AND ({stored}) IS DISTINCT FROM ({saved})"
    differ = f"FROM {SAVED} s WHERE {condition}"
    with connection.cursor() as cursor:
        _execute(cursor, f"SELECT count(*) FROM leads_lead l, {SAVED} s WHERE {condition}")  # noqa: S608
        restoring = cursor.fetchone()[0]
        _execute(cursor, "SELECT count(*) FROM leads_lead")
        rebuild = restoring >= RESTORE_REBUILD_SHARE * cursor.fetchone()[0]
    if rebuild:
        rescore_indexes_drop()
    with transaction.atomic(), connection.cursor() as cursor:
        assign = ", ".join(f"{column} = s.{column}" for column in LEAD_COLUMNS)
        _execute(cursor, f"UPDATE leads_lead l SET {assign} {differ}")  # noqa: S608
        _execute(
            cursor,
            f"DELETE FROM leads_scorehistory h WHERE h.day = %s AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {SAVED_HISTORY} s WHERE s.lead_id = h.lead_id)",
            [day],
        )
        _execute(
            cursor,
            "INSERT INTO leads_scorehistory (lead_id, day, fit_score, engagement_score, "  # noqa: S608
            f"total_score) SELECT lead_id, day, fit_score, engagement_score, total_score "
            f"FROM {SAVED_HISTORY} ON CONFLICT (lead_id, day) DO UPDATE SET "
            "fit_score = EXCLUDED.fit_score, engagement_score = EXCLUDED.engagement_score, "
            "total_score = EXCLUDED.total_score WHERE (leads_scorehistory.fit_score, "
            "leads_scorehistory.engagement_score, leads_scorehistory.total_score) IS DISTINCT "
            "FROM (EXCLUDED.fit_score, EXCLUDED.engagement_score, EXCLUDED.total_score)",
        )
    if rebuild:
        rescore_indexes_build()
    with connection.cursor() as cursor:
        _execute(cursor, "VACUUM (ANALYZE) leads_lead, leads_scorehistory")
    return restoring


def scores_saved_drop() -> None:
    with connection.cursor() as cursor:
        _execute(cursor, f"DROP TABLE IF EXISTS {SAVED}, {SAVED_HISTORY}")
