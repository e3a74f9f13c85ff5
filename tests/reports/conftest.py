"""Fixtures of the reports' tests."""

from __future__ import annotations

import pytest

from tests.routing import use_database


@pytest.fixture(params=["default", "sqlite"], ids=["postgresql", "sqlite"])
def on_both_databases(request) -> str:
    """Every query of the test on PostgreSQL, or on SQLite as in the embedded demo."""
    with use_database(request.param):
        yield request.param
