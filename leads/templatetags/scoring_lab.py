"""Filters of the scoring lab's figures."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(share: float | None) -> str:
    """``0.4167`` → ``41.7 %``; a share that cannot be computed (nothing to divide by) → ``—``."""
    if share is None or share == "":
        return "—"
    return f"{100 * float(share):.1f} %"


@register.filter
def ratio(part: int, whole: int) -> str:
    return percent(part / whole) if whole else "—"
