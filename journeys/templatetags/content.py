"""Content pieces other apps' pages include: the live content made for a persona."""

from __future__ import annotations

from django import template

from journeys.selectors import persona_content as persona_content_read

register = template.Library()


@register.inclusion_tag("content/_persona_content.html")
def persona_content(persona) -> dict:
    assets, more = persona_content_read(persona)
    return {"persona": persona, "assets": assets, "more": more}
