"""Filters of how scores read on the pages: points with their sign."""

from __future__ import annotations

from decimal import Decimal

from django import template

from leads.scoring.explain import signed as signed_points

register = template.Library()


@register.filter
def signed(points: int | float | Decimal | None) -> str:
    """``{{ line.points|signed }}``: ``+20``, ``−10``, ``0``."""
    return signed_points(points)
