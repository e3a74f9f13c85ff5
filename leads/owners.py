"""The one writer of lead owners: every assignment — by a person, by routing, by a rep who
accepts an unowned MQL — goes through ``owners_write``, which keeps the history
(``OwnerChange``) and tells the subscribers (``settings.LEADS_OWNER_CHANGE_SUBSCRIBERS``: the SLA
clocks follow their lead) after commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial, update_wrapper

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from leads.models import Lead, OwnerChange
from smarketing.db import ids_condition


@dataclass(frozen=True)
class OwnerMove:
    """A lead expected to be owned by ``from_owner_id`` (None: unowned) given to
    ``to_owner_id`` (None: unassigned)."""

    lead_id: int
    from_owner_id: int | None
    to_owner_id: int | None


# From this many changes on, PostgreSQL copies the history in.
COPY_FROM = 200
HISTORY_COLUMNS = ("lead_id", "from_owner_id", "to_owner_id", "at", "actor_id", "rule")


@transaction.atomic
def owners_write(
    moves: Sequence[OwnerMove], *, actor_id: int | None = None, rule: str = "",
    at: datetime | None = None,
) -> list[OwnerMove]:  # fmt: skip
    """Give each lead its new owner if it still has the owner expected (a guarded update per
    pair of owners, the leads' ids as one array), record each change made, and return them."""
    at = at or timezone.now()
    groups: dict[tuple[int | None, int | None], list[int]] = defaultdict(list)
    for move in moves:
        if move.from_owner_id != move.to_owner_id:
            groups[move.from_owner_id, move.to_owner_id].append(move.lead_id)
    if not groups:
        return []
    connection = connections[router.db_for_write(Lead)]
    table = connection.ops.quote_name(Lead._meta.db_table)
    made: list[OwnerMove] = []
    with connection.cursor() as cursor:
        for (from_owner, to_owner), ids in groups.items():
            expected = "owner_id IS NULL" if from_owner is None else "owner_id = %s"
            for id_condition, id_params in ids_condition(ids, connection.vendor):
                cursor.execute(
                    f"UPDATE {table} SET owner_id = %s, updated_at = %s "  # noqa: S608 - the table's own name
                    f"WHERE {id_condition} AND {expected} RETURNING id",
                    [to_owner, at, *id_params, *([] if from_owner is None else [from_owner])],
                )
                made += [OwnerMove(row[0], from_owner, to_owner) for row in cursor.fetchall()]
    if not made:
        return []
    rows = [(m.lead_id, m.from_owner_id, m.to_owner_id, at, actor_id, rule) for m in made]
    if len(rows) >= COPY_FROM and connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in HISTORY_COLUMNS)
        statement = f"COPY {quote(OwnerChange._meta.db_table)} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        OwnerChange.objects.bulk_create(
            [OwnerChange(**dict(zip(HISTORY_COLUMNS, row, strict=True))) for row in rows],
            batch_size=1_000,
        )
    for subscriber in settings.LEADS_OWNER_CHANGE_SUBSCRIBERS:
        notify = import_string(subscriber)
        transaction.on_commit(update_wrapper(partial(notify, made), notify), robust=True)
    return made
