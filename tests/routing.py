"""Running a test's reads and writes on another of the test databases, as a whole: the
services pick their database through the router, so the code under test runs unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_chosen: ContextVar[str | None] = ContextVar("chosen_database", default=None)


class ChosenDatabaseRouter:
    """Every model is read from and written to the database chosen with ``use_database``;
    without a choice, Django's own (``default``). Migrations run on every database."""

    def db_for_read(self, model, **hints) -> str | None:
        return _chosen.get()

    def db_for_write(self, model, **hints) -> str | None:
        return _chosen.get()


@contextmanager
def use_database(alias: str) -> Iterator[str]:
    """Send every query of the block to the database ``alias``."""
    token = _chosen.set(alias)
    try:
        yield alias
    finally:
        _chosen.reset(token)
