from django import template

from leads.models import Stage

register = template.Library()


@register.simple_tag
def stage_choices() -> list[tuple[str, str]]:
    return Stage.choices
