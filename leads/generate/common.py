"""Helpers and the time window shared by every generator: times are whole minutes before "now"."""

from __future__ import annotations

import bisect
import re
from datetime import datetime, timedelta
from itertools import accumulate


def _plain(value):
    """Enum members as their plain string values: lookups by ``str`` keys are then exact and
    fast (an enum member hashes in Python code)."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, str):
        return str.__str__(value) if not hasattr(value, "value") else str(value.value)
    return value


def _picker(options, weights):
    """A fast weighted choice: ``pick(random_value)`` with a uniform draw in [0, 1)."""
    options = _plain(tuple(options))
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    return lambda draw: options[bisect.bisect(cumulative, draw * total)]


HISTORY_DAYS = 180
MINUTES_PER_DAY = 24 * 60
HISTORY_MINUTES = HISTORY_DAYS * MINUTES_PER_DAY


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def minutes_before(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
