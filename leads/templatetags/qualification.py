"""Template tags of qualification: the definition shown beside every MQL and SQL count and on the
lead page, and the SQL checklist the active criteria require. All read the cached active
criteria, so a page pays at most one query for them however often it shows them."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from leads.models import Lead
from leads.scoring.models import SQL_CHECKLIST_ITEMS
from leads.scoring.qualification import (
    active_definition,
    criteria_summary,
    sql_checklist_required,
)
from leads.scoring.qualification.criteria import NO_DEFINITION

register = template.Library()


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    confirmed: bool


@register.simple_tag
def qualification_definition(kind: str) -> str:
    """``{% qualification_definition "mql" %}``: the active MQL (or SQL) definition, named."""
    return active_definition(kind)


@register.simple_tag
def qualification_meaning(kind: str) -> str:
    """``{% qualification_meaning "mql" %}``: "MQL means: A lead becomes an MQL when …", the
    active definition without its name, for a page that shows one lead against it."""
    active = criteria_summary().get(kind)
    if active is None:
        return NO_DEFINITION[kind]
    return f"{kind.upper()} means: {active['definition']}"


@register.simple_tag
def sql_checklist_items(lead: Lead) -> list[ChecklistItem]:
    """``{% sql_checklist_items lead as checklist %}``: the items a rep must confirm on this
    lead, each with whether it is confirmed."""
    confirmed = lead.sql_checklist
    return [
        ChecklistItem(item, SQL_CHECKLIST_ITEMS[item], confirmed[item])
        for item in sql_checklist_required()
    ]
