"""The qualification criteria read: each condition in words and as a condition on Lead, a
criteria set's plain-language definition, and the active sets (cached for pages)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.core.cache import cache
from django.db.models import Exists, Expression, F, OuterRef, Q
from django.utils import timezone

from leads.models import Event
from leads.scoring.compiler import fit_rule_condition
from leads.scoring.explain.phrases import condition_phrase, event_phrase, joined
from leads.scoring.models import SQL_CHECKLIST_ITEMS, QualificationCondition, QualificationCriteria

# Pages read the active definitions and the SQL checklist from the cache. Saving criteria
# clears it; the time limit bounds how long another process's local cache may lag behind.
ACTIVE_CACHE_KEY = "qualification:active"
ACTIVE_CACHE_TTL = 60

Kinds = QualificationCriteria.Kind


# Conditions in words and in SQL -----------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition of an MQL criteria set: what it says, and its test over Lead."""

    text: str
    test: Q | Expression


def _lowered(label: str) -> str:
    """A phrase placed inside a sentence: "Seniority is …" → "seniority is …"."""
    return label[:1].lower() + label[1:]


def condition_text(condition: QualificationCondition) -> str:
    """``company size is 201–1,000 or 1,001–5,000``: an attribute condition inside a sentence,
    phrased as the fit rules are on the lead page."""
    return _lowered(condition_phrase(condition.attribute, condition.operator, condition.value))


def _event_text(event_type: str, days: int) -> str:
    return _lowered(event_phrase(event_type, window_days=days))


def _conditions(
    criteria: QualificationCriteria,
    attribute_conditions: list[QualificationCondition],
    now: datetime.datetime,
) -> list[Condition]:
    conditions = [
        Condition(f"{what} score at least {minimum}", Q(**{f"{field}__gte": minimum}))
        for what, field, minimum in (
            ("total", "total_score", criteria.min_total),
            ("fit", "fit_score", criteria.min_fit),
            ("engagement", "engagement_score", criteria.min_engagement),
        )
        if minimum is not None
    ]
    if criteria.event_type and criteria.event_within_days is not None:
        since = now - datetime.timedelta(days=criteria.event_within_days)
        events = Event.objects.filter(
            lead=OuterRef("pk"),
            type=criteria.event_type,
            occurred_at__gte=since,
            occurred_at__lte=now,
        )
        text = _event_text(criteria.event_type, criteria.event_within_days)
        conditions.append(Condition(text, Exists(events)))
    conditions.extend(
        Condition(condition_text(condition), fit_rule_condition(condition, stored_persona=True))
        for condition in attribute_conditions
    )
    return conditions


def mql_conditions(
    criteria: QualificationCriteria, now: datetime.datetime | None = None
) -> list[Condition]:
    """The conditions of an MQL criteria set, in its order: scores, the event, attributes."""
    return _conditions(criteria, list(criteria.conditions.all()), now or timezone.now())


def mql_condition(criteria: QualificationCriteria, now: datetime.datetime | None = None) -> Q:
    """The leads (of any stage) that meet ``criteria`` as of ``now``, as a condition on Lead.

    A criteria set without any condition matches nobody."""
    tests = [
        test if isinstance(test, Q) else Q(test)
        for test in (condition.test for condition in mql_conditions(criteria, now))
    ]
    if not tests:
        return Q(pk__in=[])
    return reduce(and_ if criteria.match == QualificationCriteria.Match.ALL else or_, tests)


# Definitions ---------------------------------------------------------------------------------


def _definition(
    criteria: QualificationCriteria,
    attribute_conditions: list[QualificationCondition],
    *,
    notes: bool = True,
) -> str:
    if criteria.kind == Kinds.SQL:
        items = [
            SQL_CHECKLIST_ITEMS[item].lower()
            for item in criteria.sql_checklist or []
            if item in SQL_CHECKLIST_ITEMS
        ]
        text = (
            f"A lead becomes an SQL when a rep has confirmed {joined(items)}."
            if items
            else "A lead becomes an SQL when a rep moves it there; no checklist is required."
        )
    else:
        texts = [
            condition.text
            for condition in _conditions(criteria, attribute_conditions, timezone.now())
        ]
        if not texts:
            text = "No lead becomes an MQL under these criteria: they have no condition."
        elif len(texts) == 1:
            text = f"A lead becomes an MQL on one condition: {texts[0]}."
        else:
            text = f"A lead becomes an MQL when {criteria.get_match_display()}: {'; '.join(texts)}."
    written = criteria.notes.strip() if notes else ""
    return f"{text} {written}" if written else text


def criteria_definition(criteria: QualificationCriteria, *, notes: bool = True) -> str:
    """What the criteria set means, in plain language, followed by its notes (unless ``notes``
    is false, for a page that shows them apart).

    "A lead becomes an MQL when all of: total score at least 60; requested a demo within the
    last 30 days; company size is 201–1,000 or 1,001–5,000." """
    conditions = list(criteria.conditions.all()) if criteria.pk else []
    return _definition(criteria, conditions, notes=notes)


def criteria_active(kind: str) -> QualificationCriteria | None:
    """The active criteria set of this kind (``mql`` or ``sql``), with its conditions."""
    return (
        QualificationCriteria.objects.active()
        .filter(kind=kind)
        .prefetch_related("conditions")
        .first()
    )


# The active criteria, cached for pages ------------------------------------------------------

_CRITERIA_FIELDS = (
    "id", "kind", "name", "match", "min_total", "min_fit", "min_engagement", "event_type",
    "event_within_days", "sql_checklist", "notes",
)  # fmt: skip
_CONDITION_FIELDS = ("id", "attribute", "operator", "value", "position")


def _active_loaded() -> dict[str, dict]:
    """Each active set's name, definition and checklist, read in one query (a join)."""
    rows = (
        QualificationCriteria.objects.active()
        .order_by("kind", "conditions__position", "conditions__id")
        .values(
            *_CRITERIA_FIELDS,
            **{f"condition_{field}": F(f"conditions__{field}") for field in _CONDITION_FIELDS},
        )
    )
    found: dict[int, tuple[QualificationCriteria, list[QualificationCondition]]] = {}
    for row in rows:
        criteria, conditions = found.setdefault(
            row["id"],
            (QualificationCriteria(**{field: row[field] for field in _CRITERIA_FIELDS}), []),
        )
        if row["condition_id"] is not None:
            conditions.append(
                QualificationCondition(
                    **{field: row[f"condition_{field}"] for field in _CONDITION_FIELDS}
                )
            )
    return {
        criteria.kind: {
            "name": criteria.name,
            "definition": _definition(criteria, conditions),
            "sql_checklist": [
                item for item in criteria.sql_checklist or [] if item in SQL_CHECKLIST_ITEMS
            ],
        }
        for criteria, conditions in found.values()
    }


def criteria_summary() -> dict[str, dict]:
    """The active sets by kind (``{"mql": {"name", "definition", "sql_checklist"}}``), cached."""
    summary = cache.get(ACTIVE_CACHE_KEY)
    if summary is None:
        summary = _active_loaded()
        cache.set(ACTIVE_CACHE_KEY, summary, ACTIVE_CACHE_TTL)
    return summary


def criteria_cache_clear() -> None:
    cache.delete(ACTIVE_CACHE_KEY)


NO_DEFINITION = {
    Kinds.MQL: "No MQL criteria are active: leads become MQLs only when someone moves them.",
    Kinds.SQL: "No SQL criteria are active: a rep confirms budget, authority, need and timeline.",
}


def active_definition(kind: str) -> str:
    """The plain-language definition shown beside every MQL or SQL count."""
    active = criteria_summary().get(kind)
    return f"{active['name']}: {active['definition']}" if active else NO_DEFINITION[kind]


def sql_checklist_required() -> list[str]:
    """The checklist items a rep must confirm before a lead becomes an SQL: those of the active
    SQL criteria, or all of them when none is active."""
    active = criteria_summary().get(Kinds.SQL)
    return list(active["sql_checklist"]) if active else list(SQL_CHECKLIST_ITEMS)
