"""Dates kept as ISO text (in a run's stored parameters), for the ``date`` filter."""

from __future__ import annotations

import datetime

from django import template
from django.utils.dateparse import parse_date

register = template.Library()


@register.filter
def isodate(value: str | datetime.date | None) -> datetime.date | None:
    """``"2026-12-03"`` as a date, so that ``{{ value|isodate|date }}`` writes "3 Dec 2026"."""
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(value or "")
    except ValueError:
        return None
