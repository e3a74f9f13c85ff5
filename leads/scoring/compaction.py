"""The leads' indexes around a rescore that rewrites most leads.

A changed score moves a lead in each index over the scores, so PostgreSQL writes a new version
of the row and a new entry in every index of ``leads_lead``. A full rescore therefore drops the
indexes over the columns it writes before its chunks and builds them again after (one sort
each, instead of a million inserts). With those gone, and room kept on every page (migration
0015), each lead is rewritten in place as a heap-only update: the key, the unique e-mail and
the other indexes are not written, and the table does not grow. A run that rewrote most leads
with every index present leaves them bloated (their old entries are dead but their pages stay,
and every read would go through two or three times the pages), so it is followed by a
compaction. Every step is concurrent, so leads are read and written throughout, and
idempotent, so a killed worker's step is simply done again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections, models, router

from leads.models import Lead
from leads.scoring.engine import WRITTEN_COLUMNS

logger = logging.getLogger(__name__)

# One compaction or index build at a time, across every worker: a session-level advisory lock.
COMPACTION_LOCK = 0x5C0_7E5
LOCK_RETRY_SECONDS = 0.2
# Sorting a million leads' keys in memory instead of in temporary files.
INDEX_BUILD_MEMORY = "256MB"


def compaction_due(*, moved: int, total: int) -> bool:
    """Whether a run that could not rewrite ``moved`` of ``total`` leads in place (each gave
    every index a new entry) left the indexes bloated enough to rebuild
    (``SCORING_COMPACT_SHARE`` of the leads, by default a third)."""
    share = settings.SCORING_COMPACT_SHARE
    return total > 0 and share > 0 and moved >= share * total


def lead_updates() -> tuple[int, int]:
    """The updates of leads counted by this connection's server process so far: all of them,
    and those that were heap-only (in place, with no index entry). Only their change within
    one transaction is meaningful (the totals include updates not yet reported); (0, 0) on
    other databases."""
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor != "postgresql":
        return 0, 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
            " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [Lead._meta.db_table] * 2,
        )
        return cursor.fetchone()


def leads_moved_since(before: tuple[int, int]) -> int:
    """How many leads the current transaction rewrote other than in place since
    ``lead_updates()`` gave ``before``: each gave every index of the leads a new entry and
    left the old one dead."""
    updated, in_place = lead_updates()
    return (updated - before[0]) - (in_place - before[1])


def _connection():
    """The leads' database connection on PostgreSQL outside a transaction, else None: indexes
    are built and dropped concurrently, which needs autocommit."""
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    return connection


def rescore_indexes() -> list[models.Index]:
    """The indexes of ``leads_lead`` a full rescore rebuilds: those over a column it writes.
    The key, the unique e-mail and the other indexes stay, and are not written by it."""
    written = {Lead._meta.get_field(name).column for name in WRITTEN_COLUMNS}
    return [
        index
        for index in Lead._meta.indexes
        if written & {Lead._meta.get_field(name.lstrip("-")).column for name in index.fields}
    ]


def rescore_indexes_drop() -> list[str]:
    """Drop the rebuilt indexes before a rescore that rewrites most leads; return their names.
    Pages read the leads by a scan meanwhile."""
    connection = _connection()
    if connection is None:
        return []
    indexes = rescore_indexes()
    with connection.schema_editor(atomic=False) as editor:
        for index in indexes:
            editor.remove_index(Lead, index, concurrently=True)
    return [index.name for index in indexes]


def _lock_wait(cursor) -> None:
    """Take the advisory lock, trying again until it is free. Not ``pg_advisory_lock``: a
    session waiting in it is a transaction still running, which the holder's concurrent index
    build waits for in turn (a deadlock)."""
    while True:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [COMPACTION_LOCK])
        if cursor.fetchone()[0]:
            return
        time.sleep(LOCK_RETRY_SECONDS)


def rescore_indexes_build() -> list[str]:
    """Build every rebuilt index that is missing (or left invalid by a killed build); return
    the names built. One worker at a time: a second one waits, then finds them built."""
    connection = _connection()
    if connection is None:
        return []
    built = []
    with connection.cursor() as cursor:
        _lock_wait(cursor)
        cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        try:
            present = dict(_indexes(cursor, Lead._meta.db_table))
            with connection.schema_editor(atomic=False) as editor:
                for index in rescore_indexes():
                    if present.get(index.name) is True:
                        continue
                    if index.name in present:
                        editor.remove_index(Lead, index, concurrently=True)
                    editor.add_index(Lead, index, concurrently=True)
                    built.append(index.name)
        finally:
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("SELECT pg_advisory_unlock(%s)", [COMPACTION_LOCK])
    if built:
        logger.info("Built %d indexes of %s.", len(built), Lead._meta.db_table)
    return built


def _indexes(cursor, table: str) -> list[tuple[str, bool]]:
    """The indexes of ``table``: name and whether it is valid."""
    cursor.execute(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass ORDER BY c.relname",
        [table],
    )
    return cursor.fetchall()


def lead_indexes_compact(skip: tuple[str, ...] | list[str] = ()) -> list[str] | None:
    """Rebuild every index of ``leads_lead`` but ``skip`` (built fresh) without blocking reads
    or writes; return their names, or None when another worker is compacting or the database
    is not PostgreSQL.

    A rebuild interrupted by a dead worker leaves an invalid ``…_ccnew`` index behind, which
    every insert would still maintain: it is dropped first."""
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor != "postgresql":
        return None
    if connection.in_atomic_block:
        raise RuntimeError("Indexes are rebuilt concurrently, which needs autocommit.")
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [COMPACTION_LOCK])
        if not cursor.fetchone()[0]:
            return None
        try:
            for name, valid in _indexes(cursor, table):
                if not valid and "_ccnew" in name:
                    cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
            rebuilt = []
            for name, _valid in _indexes(cursor, table):
                if name in skip:
                    continue
                cursor.execute(f'REINDEX INDEX CONCURRENTLY "{name}"')
                rebuilt.append(name)
            logger.info("Rebuilt %d indexes of %s.", len(rebuilt), table)
            return rebuilt
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [COMPACTION_LOCK])
