"""Qualification: the admin's "what is an MQL, what is an SQL", in plain language, and moving
the leads that meet the active MQL criteria to MQL after each scoring pass.

Qualification only promotes: a lead whose score falls below the bar stays where it is, and a
rep or a marketer decides what happens to it (DESIGN.md, "Vocabulary").

- ``criteria``: the criteria's conditions in words and as conditions on Lead, their
  plain-language definitions, and the active sets (cached for pages).
- ``services``: the writes: activating criteria, the defaults, and ``leads_qualify``.
"""

from __future__ import annotations

from leads.scoring.qualification.criteria import (
    Condition,
    active_definition,
    condition_text,
    criteria_active,
    criteria_cache_clear,
    criteria_definition,
    criteria_summary,
    mql_condition,
    mql_conditions,
    sql_checklist_required,
)
from leads.scoring.qualification.services import (
    QUALIFIABLE,
    criteria_activate,
    criteria_defaults,
    criteria_problems,
    leads_qualify,
)

__all__ = [
    "QUALIFIABLE",
    "Condition",
    "active_definition",
    "condition_text",
    "criteria_activate",
    "criteria_active",
    "criteria_cache_clear",
    "criteria_defaults",
    "criteria_definition",
    "criteria_problems",
    "criteria_summary",
    "leads_qualify",
    "mql_condition",
    "mql_conditions",
    "sql_checklist_required",
]
