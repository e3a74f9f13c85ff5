"""Qualification: the admin's "what is an MQL, what is an SQL", in plain language, and moving
the leads that meet the active MQL criteria to MQL after each scoring pass.

Qualification only promotes: a lead whose score falls below the bar stays where it is, and a
rep or a marketer decides what happens to it (DESIGN.md, "Vocabulary").

- ``criteria``: the criteria's conditions in words and as conditions on Lead, their
  plain-language definitions, and the active sets (cached for pages).
- ``services``: the writes: the criteria's versions (activated now or at a moment, cloned),
  the defaults, and ``leads_qualify``. Drafts are edited through ``leads.scoring.editing``.
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
    criteria_activate_due,
    criteria_clone,
    criteria_defaults,
    criteria_next_version,
    criteria_problems,
    criteria_unschedule,
    leads_qualify,
)

__all__ = [
    "QUALIFIABLE",
    "Condition",
    "active_definition",
    "condition_text",
    "criteria_activate",
    "criteria_activate_due",
    "criteria_active",
    "criteria_cache_clear",
    "criteria_clone",
    "criteria_defaults",
    "criteria_definition",
    "criteria_next_version",
    "criteria_problems",
    "criteria_summary",
    "criteria_unschedule",
    "leads_qualify",
    "mql_condition",
    "mql_conditions",
    "sql_checklist_required",
]
