"""Template filters of the reports: a table's cell as the page shows it."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from reports.tables import text

register = template.Library()


@register.filter
def cell(value, kind: str) -> str:
    """As the CSV writes it, with thousands grouped in counts; a dash for nothing."""
    if value is None or value == "":
        return "—"
    if kind == "count":
        return intcomma(text(value, kind))
    if kind == "money":
        return intcomma(text(value, kind))
    return text(value, kind)
