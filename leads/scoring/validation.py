"""Checks of scoring rules and thresholds. Each returns messages that name the rule and say
why it is refused, so the admin can show them next to the rule."""

from __future__ import annotations

import re
from typing import Any

from leads.events import EVENT_TYPES_BY_KEY
from leads.scoring.attributes import (
    ATTRIBUTES_BY_NAME,
    OPERATORS_BY_KIND,
    VALUELESS_OPERATORS,
    Kind,
    Operator,
)

# A JSON property key: Django's lookup separator ("__") would make it a path, so it is refused.
PROPERTY_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def rule_label(position: int | None, *parts: str) -> str:
    """``Rule 3 (company.employee_count ≥)``: how messages name a rule."""
    name = f"Rule {position}" if position else "This rule"
    described = " ".join(part for part in parts if part)
    return f"{name} ({described})" if described else name


def operator_symbol(operator: str) -> str:
    return Operator(operator).label if operator in Operator.values else operator


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind_name(kind: str) -> str:
    return {
        Kind.TEXT: "a text", Kind.CHOICE: "a choice", Kind.NUMBER: "a number",
        Kind.PERSONA: "the persona",
    }[kind]  # fmt: skip


def _single_value_problem(attribute, value: Any) -> str | None:
    """Why one value does not fit the attribute, or None."""
    if attribute.kind == Kind.NUMBER:
        return None if _is_number(value) else f"the value must be a number, not {value!r}"
    if not isinstance(value, str) or not value.strip():
        return f"the value must be non-empty text, not {value!r}"
    if attribute.kind == Kind.PERSONA:
        from personas.models import Persona

        if not Persona.objects.filter(name=value).exists():
            names = ", ".join(Persona.objects.values_list("name", flat=True)) or "none yet"
            return f"{value!r} is not the name of a persona (personas: {names})"
        return None
    if attribute.kind == Kind.CHOICE and value not in attribute.choice_values:
        allowed = ", ".join(sorted(attribute.choice_values))
        return f"{value!r} is not a choice of {attribute.name} (choices: {allowed})"
    return None


def fit_rule_problems(
    *, position: int | None, attribute_name: str, operator: str, value: Any
) -> dict[str, str]:
    """The problems of one fit rule, keyed by the field they belong to."""
    label = rule_label(position, attribute_name, operator_symbol(operator))
    attribute = ATTRIBUTES_BY_NAME.get(attribute_name)
    if attribute is None:
        return {"attribute": f"{label}: unknown attribute {attribute_name!r}."}
    if operator not in Operator.values:
        return {"operator": f"{label}: unknown operator {operator!r}."}
    allowed = OPERATORS_BY_KIND[attribute.kind]
    if operator not in allowed:
        names = ", ".join(Operator(name).label for name in allowed)
        return {
            "operator": f"{label}: {operator_symbol(operator)} does not apply to "
            f"{_kind_name(attribute.kind)} attribute; use one of: {names}."
        }
    problem = _value_problem(attribute, operator, value)
    return {"value": f"{label}: {problem}."} if problem else {}


def _value_problem(attribute, operator: str, value: Any) -> str | None:
    if operator in VALUELESS_OPERATORS:
        return None if value in (None, "") else f"takes no value, not {value!r}"
    if value is None:
        return "needs a value"
    if operator == Operator.ONE_OF:
        if not isinstance(value, list) or not value:
            return f"the value must be a non-empty list, not {value!r}"
        for item in value:
            problem = _single_value_problem(attribute, item)
            if problem:
                return problem.replace("the value", "each value", 1)
        return None
    if operator == Operator.BETWEEN:
        if not (isinstance(value, list) and len(value) == 2 and all(map(_is_number, value))):
            return f"the value must be a list of two numbers [low, high], not {value!r}"
        if value[0] > value[1]:
            return f"the low end {value[0]!r} is above the high end {value[1]!r}"
        return None
    if operator in (Operator.GTE, Operator.LTE):
        return None if _is_number(value) else f"the value must be a number, not {value!r}"
    return _single_value_problem(attribute, value)


def engagement_rule_problems(
    *,
    position: int | None,
    event_type: str,
    property_key: str,
    property_operator: str,
    property_value: str,
    half_life_days: int | None,
    window_days: int | None,
    cap: int | None,
) -> dict[str, str]:
    """The problems of one engagement rule, keyed by the field they belong to."""
    label = rule_label(position, event_type)
    problems: dict[str, str] = {}
    if event_type not in EVENT_TYPES_BY_KEY:
        problems["event_type"] = f"{label}: unknown event type {event_type!r}."
    filter_parts = (property_key, property_operator, property_value)
    if any(filter_parts) and not all(filter_parts):
        missing = [
            name
            for name, part in zip(("key", "operator", "value"), filter_parts, strict=True)
            if not part
        ]
        problems["property_key"] = (
            f"{label}: a property filter needs a key, an operator and a value together; "
            f"missing: {', '.join(missing)}."
        )
    elif property_key and (not PROPERTY_KEY.match(property_key) or "__" in property_key):
        problems["property_key"] = (
            f"{label}: the property key {property_key!r} must be letters, digits, '-' or "
            "single '_', starting with a letter."
        )
    if property_operator and property_operator not in (
        Operator.EQUALS,
        Operator.CONTAINS,
        Operator.STARTS_WITH,
    ):
        problems["property_operator"] = (
            f"{label}: the property operator must be equals, contains or starts with."
        )
    for field, days, what in (
        ("half_life_days", half_life_days, "the half-life"),
        ("window_days", window_days, "the window"),
        ("cap", cap, "the cap"),
    ):
        if days is not None and days <= 0:
            problems[field] = f"{label}: {what} must be a positive number, not {days!r}."
    return problems


def thresholds_problems(
    *,
    hot: int,
    warm: int,
    fit: tuple[int, int, int],
    engagement: tuple[int, int, int],
    overall_cap: int | None,
) -> dict[str, str]:
    """The problems of a model's bands, keyed by the field they belong to."""
    problems: dict[str, str] = {}
    if hot is not None and warm is not None and hot <= warm:
        problems["hot_threshold"] = (
            f"The temperature bands overlap: hot from {hot} must be above warm from {warm}."
        )
    fit_a, fit_b, fit_c = fit
    if None not in fit and not fit_a > fit_b > fit_c:
        problems["fit_a"] = (
            f"The fit grades overlap: A from {fit_a}, B from {fit_b}, C from {fit_c} must "
            "decrease strictly (A > B > C)."
        )
    engagement_1, engagement_2, engagement_3 = engagement
    if None not in engagement and not engagement_1 > engagement_2 > engagement_3:
        problems["engagement_1"] = (
            f"The engagement grades overlap: 1 from {engagement_1}, 2 from {engagement_2}, "
            f"3 from {engagement_3} must decrease strictly (1 > 2 > 3)."
        )
    if overall_cap is not None and overall_cap <= 0:
        problems["overall_cap"] = f"The overall cap must be positive, not {overall_cap}."
    return problems
