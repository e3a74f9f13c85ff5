"""Case folding that is the same on PostgreSQL (production) and SQLite (the embedded demo).

PostgreSQL under ``C.UTF-8`` lower-cases each character by its one-character mapping in
Unicode (``lower('ÉÇÀ')`` is ``éçà``). SQLite's own ``lower()`` and ``LIKE`` change ASCII
letters only, so every SQLite connection gets a function ``smarketing_lower`` that lower-cases
as PostgreSQL does, and ``Folded`` compiles to ``LOWER(…)`` on PostgreSQL and to
``smarketing_lower(…)`` on SQLite."""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.db.models.functions import Lower

SQLITE_FOLD_FUNCTION = "smarketing_lower"

# Python's ``str.lower`` agrees with PostgreSQL on every other character (checked over every
# code point, tests/leads/scoring/test_text_folding.py). It lower-cases the dotted capital "İ"
# to "i" followed by a combining dot above (U+0307), where PostgreSQL gives "i", and a capital
# "Σ" ending a word to the final "ς", where PostgreSQL gives "σ"; both are mapped first, alone.
_ONE_CHARACTER_MAPPINGS = str.maketrans({"İ": "i", "Σ": "σ"})


def fold_case(value: object) -> str | None:
    """``value`` lower-cased as PostgreSQL's ``lower()`` does it, a number (a JSON property's
    value) as its text: the SQLite function ``smarketing_lower``."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text.translate(_ONE_CHARACTER_MAPPINGS).lower()


class Folded(Lower):
    """Text lower-cased in the database, the same way on PostgreSQL and SQLite: compare two
    Folded texts to ignore case."""

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function=SQLITE_FOLD_FUNCTION, **extra)


def _sqlite_functions_register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        # Deterministic, as PostgreSQL's lower() is immutable: SQLite may then compute it once
        # for a constant (a rule's value) rather than once per row, and allow it in indexes.
        connection.connection.create_function(
            SQLITE_FOLD_FUNCTION, 1, fold_case, deterministic=True
        )


def sqlite_functions_connect() -> None:
    """Register the functions above on every new SQLite connection (of the portal, its
    management commands and its in-process tasks alike)."""
    connection_created.connect(_sqlite_functions_register, dispatch_uid="smarketing.db.sqlite")


_SQLITE_IDS_AT_ONCE = 5_000


def ids_condition(ids: list[int], vendor: str):
    """``id`` among ``ids`` for a raw statement: one array parameter on PostgreSQL, lists of
    bound ids elsewhere (SQLite limits a statement's parameters). Yields (condition, params)."""
    if vendor == "postgresql":
        yield "id = ANY(%s)", [ids]
        return
    for start in range(0, len(ids), _SQLITE_IDS_AT_ONCE):
        part = ids[start : start + _SQLITE_IDS_AT_ONCE]
        yield f"id IN ({', '.join(['%s'] * len(part))})", part
