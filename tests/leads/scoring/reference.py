"""The plain-Python reference scorer: readable and slow, the oracle the compiled SQL must agree
with. It reads rules and events as they are and follows the semantics in
leads/scoring/compiler.py's docstring, written again here without the compiler's help."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    fit: int
    engagement: int
    engagement_raw: float
    total: int
    temperature: str
    grade: str


def attribute_value(lead, name: str):
    """The attribute's value on the lead, None when the lead has no company."""
    if name.startswith("company."):
        if lead.company is None:
            return None
        value = getattr(lead.company, name.removeprefix("company."))
    else:
        value = getattr(lead, name)
    if hasattr(value, "code"):  # A django-countries Country.
        value = value.code or ""
    return value


def fit_rule_matches(rule, lead) -> bool:
    value = attribute_value(lead, rule.attribute)
    operator, wanted = rule.operator, rule.value
    if operator == "is_empty":
        return value is None or value == ""
    if operator == "is_set":
        return not (value is None or value == "")
    if value is None:
        return False
    if isinstance(value, str):
        text = value.lower()
        if operator == "equals":
            return text == wanted.lower()
        if operator == "one_of":
            return text in [item.lower() for item in wanted]
        if operator == "contains":
            return wanted.lower() in text
        if operator == "starts_with":
            return text.startswith(wanted.lower())
        raise AssertionError(f"{operator} on text")
    if operator == "equals":
        return value == wanted
    if operator == "one_of":
        return value in wanted
    if operator == "gte":
        return value >= wanted
    if operator == "lte":
        return value <= wanted
    if operator == "between":
        return wanted[0] <= value <= wanted[1]
    raise AssertionError(f"{operator} on a number")


def bounded(value, cap):
    return value if cap is None else max(-cap, min(cap, value))


def fit_score(model, lead) -> int:
    groups: dict = {}
    ungrouped = 0
    for rule in model.fit_rules.all():
        points = rule.points if fit_rule_matches(rule, lead) else 0
        if rule.group_id is None:
            ungrouped += points
        else:
            groups.setdefault(rule.group_id, 0)
            groups[rule.group_id] += points
    caps = {group.pk: group.cap for group in model.fit_groups.all()}
    return ungrouped + sum(bounded(points, caps[group]) for group, points in groups.items())


def event_matches(rule, event, now: datetime.datetime) -> bool:
    if event.type != rule.event_type or event.occurred_at > now:
        return False
    if rule.window_days and event.occurred_at < now - datetime.timedelta(days=rule.window_days):
        return False
    if rule.property_key:
        value = event.properties.get(rule.property_key)
        if value is None:
            return False
        text, wanted = str(value).lower(), rule.property_value.lower()
        if rule.property_operator == "equals":
            return text == wanted
        if rule.property_operator == "contains":
            return wanted in text
        return text.startswith(wanted)
    return True


def event_points(rule, event, now: datetime.datetime) -> float:
    if not rule.half_life_days:
        return float(rule.points)
    age_days = (now - event.occurred_at).total_seconds() / 86400
    return rule.points * 0.5 ** (age_days / rule.half_life_days)


def engagement_raw(model, events, now: datetime.datetime) -> float:
    total = 0.0
    for rule in model.engagement_rules.all():
        rule_sum = sum(
            event_points(rule, event, now) for event in events if event_matches(rule, event, now)
        )
        total += bounded(rule_sum, rule.cap)
    return total


def round_half_away_from_zero(value: float) -> int:
    return math.floor(value + 0.5) if value >= 0 else -math.floor(0.5 - value)


def band(score: int, thresholds, below: str) -> str:
    for low, name in thresholds:
        if score >= low:
            return name
    return below


def score(model, lead, events, now: datetime.datetime) -> Score:
    fit = fit_score(model, lead)
    raw = engagement_raw(model, events, now)
    engagement = round_half_away_from_zero(raw)
    total = fit + engagement
    if model.overall_cap is not None:
        total = min(total, model.overall_cap)
    temperature = band(
        total, [(model.hot_threshold, "hot"), (model.warm_threshold, "warm")], "cold"
    )
    letter = band(fit, [(model.fit_a, "A"), (model.fit_b, "B"), (model.fit_c, "C")], "D")
    digit = band(
        engagement,
        [(model.engagement_1, "1"), (model.engagement_2, "2"), (model.engagement_3, "3")],
        "4",
    )
    return Score(fit, engagement, raw, total, temperature, letter + digit)
