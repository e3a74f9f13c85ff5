"""The leads' indexes around a rescore that rewrites most leads.

A changed score moves a lead in each score-ordered index, so PostgreSQL writes a new version
of the row and a new entry in every index of ``leads_lead``. A full rescore therefore drops the
secondary indexes (``Lead.Meta.indexes``) before its chunks and builds them again after (one
sort each, instead of a million inserts), and a run that rewrote most leads then compacts the
key and the unique e-mail: their old entries are dead but their pages stay, and every read
would go through two or three times the pages. Every step is concurrent, so leads are read and
written throughout, and idempotent, so a killed worker's step is simply done again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connections, models, router

from leads.models import Lead

logger = logging.getLogger(__name__)

# One compaction or index build at a time, across every worker: a session-level advisory lock.
COMPACTION_LOCK = 0x5C0_7E5
LOCK_RETRY_SECONDS = 0.2
# Sorting a million leads' keys in memory instead of in temporary files.
INDEX_BUILD_MEMORY = "256MB"


def compaction_due(*, written: int, total: int) -> bool:
    """Whether a run that rewrote ``written`` of ``total`` leads left their indexes bloated
    enough to rebuild (``SCORING_COMPACT_SHARE`` of the leads, by default a third)."""
    share = settings.SCORING_COMPACT_SHARE
    return total > 0 and share > 0 and written >= share * total


def _connection():
    """The leads' database connection on PostgreSQL outside a transaction, else None: indexes
    are built and dropped concurrently, which needs autocommit."""
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    return connection


def rescore_indexes() -> list[models.Index]:
    """The indexes of ``leads_lead`` a full rescore rebuilds: all but the key and the unique
    e-mail, which keep the table whole while the others are away."""
    return list(Lead._meta.indexes)


def rescore_indexes_drop() -> list[str]:
    """Drop the rebuilt indexes before a rescore that rewrites most leads; return their names.
    Pages read the leads by a scan meanwhile."""
    connection = _connection()
    if connection is None:
        return []
    with connection.schema_editor(atomic=False) as editor:
        for index in rescore_indexes():
            editor.remove_index(Lead, index, concurrently=True)
    return [index.name for index in rescore_indexes()]


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
