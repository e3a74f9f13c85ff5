"""Template tags of the sla app."""

from django import template

from sla.selectors import signature as signature_of

register = template.Library()


@register.simple_tag
def signature(agreement, function: str):
    """The signature of ``agreement`` for the team ``function``, or None."""
    return signature_of(agreement, function)


@register.filter
def business_time(minutes: int | None) -> str:
    """Minutes of business time as people say it: "45 min", "3 h 20 min"."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key)
