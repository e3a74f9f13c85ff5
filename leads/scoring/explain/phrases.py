"""Scoring rules and qualification conditions in words, written once for every page that shows
them: "Seniority is C-level, vice president or owner / founder", "Page view where URL contains
/pricing", "+20".

The why-this-score card, the explanation of a transition, the guide to how we score and the
generated definitions of the MQL criteria all phrase a condition with ``condition_phrase`` and
an engagement rule with ``engagement_phrase``, so that a rule reads the same wherever it appears.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from leads.events import EVENT_TYPES_BY_KEY
from leads.scoring.attributes import ATTRIBUTES_BY_NAME, Kind, Operator

# How each operator reads after the attribute's name ("Company employees is at least 200").
VERBS = {
    Operator.EQUALS: "is",
    Operator.ONE_OF: "is",
    Operator.CONTAINS: "contains",
    Operator.STARTS_WITH: "starts with",
    Operator.GTE: "is at least",
    Operator.LTE: "is at most",
    Operator.BETWEEN: "is between",
    Operator.IS_SET: "is set",
    Operator.IS_EMPTY: "is empty",
}

# Words of event property keys written in capitals ("utm_source" → "UTM source").
ACRONYMS = frozenset({"id", "url", "utm"})

MINUS = "\N{MINUS SIGN}"


class EngagementRuleLike(Protocol):
    event_type: str
    property_key: str
    property_operator: str
    property_value: str
    window_days: int | None


def joined(items: list[str], last: str = "and") -> str:
    """``a, b and c``; ``a``; an empty string for no items."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def signed(points: int | float | Decimal | None) -> str:
    """``+20``, ``−10`` (a minus sign, not a hyphen), ``0``; a tenth stays a tenth (``+2.4``)."""
    if points is None or points == "":
        return ""
    if points > 0:
        return f"+{points}"
    if points < 0:
        return f"{MINUS}{-points}"
    return str(points)


def condition_phrase(attribute: str, operator: str, value: Any) -> str:
    """``Company size is 201–1,000, 1,001–5,000 or 5,001+``: an attribute condition (of a fit
    rule or of MQL criteria) as a sentence, starting with a capital."""
    known = ATTRIBUTES_BY_NAME.get(attribute)
    name = known.sentence_name if known else attribute
    verb = VERBS.get(operator, operator)

    def shown(item: Any) -> str:
        return known.value_text(item) if known else str(item)

    if known and known.kind == Kind.PERSONA and operator == Operator.IS_EMPTY:
        return f"{name} is none"
    if operator in (Operator.IS_SET, Operator.IS_EMPTY):
        return f"{name} {verb}"
    if operator in (Operator.CONTAINS, Operator.STARTS_WITH):
        return f"{name} {verb} “{value}”"  # Part of a value: as typed, never a label.
    if operator == Operator.ONE_OF and isinstance(value, list):
        return f"{name} {verb} {joined([shown(item) for item in value], 'or')}"
    if operator == Operator.BETWEEN and isinstance(value, list) and len(value) == 2:
        return f"{name} {verb} {shown(value[0])} and {shown(value[1])}"
    return f"{name} {verb} {shown(value)}"


def _property_name(key: str) -> str:
    words = key.replace("-", "_").split("_")
    return " ".join(word.upper() if word in ACRONYMS else word for word in words if word)


def _typed(value: str) -> str:
    """A value typed into a rule, as typed: a path or an address bare ("/pricing"), other text in
    quotes ("“case study”"), so that where the value starts and ends is plain."""
    if value.startswith(("/", "http://", "https://")) and " " not in value:
        return value
    return f"“{value}”"


def event_phrase(
    event_type: str,
    *,
    property_key: str = "",
    property_operator: str = "",
    property_value: str = "",
    window_days: int | None = None,
) -> str:
    """``Page view where URL contains /pricing within the last 30 days``: which events count."""
    known = EVENT_TYPES_BY_KEY.get(event_type)
    parts = [known.label if known else event_type]
    if property_key:
        verb = VERBS.get(property_operator, property_operator)
        parts.append(f"where {_property_name(property_key)} {verb} {_typed(property_value)}")
    if window_days is not None:
        parts.append(f"within the last {window_days} day{'' if window_days == 1 else 's'}")
    return " ".join(parts)


def engagement_phrase(rule: EngagementRuleLike) -> str:
    """The events an engagement rule counts, in words (its points are ``engagement_terms``)."""
    return event_phrase(
        rule.event_type,
        property_key=rule.property_key,
        property_operator=rule.property_operator,
        property_value=rule.property_value,
        window_days=rule.window_days,
    )


def engagement_terms(*, points: int, half_life_days: int | None, cap: int | None) -> str:
    """``+10 each, halving every 14 days, capped at +30 in all``: what each event is worth."""
    terms = [f"{signed(points)} each"]
    if half_life_days:
        terms.append(f"halving every {half_life_days} day{'' if half_life_days == 1 else 's'}")
    if cap:
        terms.append(f"capped at {signed(cap if points >= 0 else -cap)} in all")
    return ", ".join(terms)
