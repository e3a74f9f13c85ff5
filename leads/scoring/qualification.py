"""Qualification: which leads meet the active MQL criteria, and moving them to MQL."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from leads.models import Lead


def leads_qualify(*, leads: QuerySet[Lead], now: datetime.datetime | None = None) -> int:
    """Move the leads among ``leads`` that are in subscriber or lead and meet the active MQL
    criteria to MQL; return how many moved."""
    return 0
