"""Compacting the leads' indexes after a rescore that rewrote most leads.

A changed score moves a lead in nine score-ordered indexes, so PostgreSQL writes a new version
of the row and a new entry in every index of ``leads_lead``. After a run that rewrites most
leads, the old entries are dead but their pages stay: vacuum makes the space reusable without
giving it back, and the board and the lists, which walk these indexes, read two or three times
the pages they read before. ``REINDEX … CONCURRENTLY`` rebuilds each index beside the old one
while leads are read and written, then swaps them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connections, router

from leads.models import Lead

logger = logging.getLogger(__name__)

# One compaction at a time, across every worker: a session-level advisory lock with this key.
COMPACTION_LOCK = 0x5C0_7E5


def compaction_due(*, written: int, total: int) -> bool:
    """Whether a run that rewrote ``written`` of ``total`` leads left their indexes bloated
    enough to rebuild (``SCORING_COMPACT_SHARE`` of the leads, by default a third)."""
    share = settings.SCORING_COMPACT_SHARE
    return total > 0 and share > 0 and written >= share * total


def _indexes(cursor, table: str) -> list[tuple[str, bool]]:
    """The indexes of ``table``: name and whether it is valid."""
    cursor.execute(
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass ORDER BY c.relname",
        [table],
    )
    return cursor.fetchall()


def lead_indexes_compact() -> list[str] | None:
    """Rebuild every index of ``leads_lead`` without blocking reads or writes; return their
    names, or None when another worker is compacting or the database is not PostgreSQL.

    A rebuild interrupted by a dead worker leaves an invalid ``…_ccnew`` index behind, which
    every insert would still maintain: it is dropped first."""
    database = router.db_for_write(Lead)
    connection = connections[database]
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
                cursor.execute(f'REINDEX INDEX CONCURRENTLY "{name}"')
                rebuilt.append(name)
            logger.info("Rebuilt %d indexes of %s.", len(rebuilt), table)
            return rebuilt
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [COMPACTION_LOCK])
