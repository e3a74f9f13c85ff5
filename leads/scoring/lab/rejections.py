"""Rejection patterns: the segments of leads sales rejects most, from their reason codes, each
with the fit rule change that would score them as sales judges them.

A segment is one value of a lead attribute (company size, persona, source, seniority, department,
company revenue). Its rejection rate is the share of sales' decisions on its leads in the period
that were rejections (``leads.feedback.selectors.decisions``: acceptances and rejections with a
reason code), against the same share for every other lead; a segment needs ``MIN_DECISIONS``
decisions, and so do the others, to be compared, and is shown when even the low end of its
rate's 95 % interval is above the others' rate (not a difference chance alone would make). The change is the difference in log-odds of
acceptance between the segment and the others, in points at the learned scale: a change of the
rule that scores exactly that value, or a new rule."""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict

from django.db.models import Count

from leads.feedback.selectors import decisions
from leads.scoring.attributes import Operator
from leads.scoring.explain.phrases import condition_phrase, signed
from leads.scoring.lab.learning import wilson
from leads.scoring.models import FitRule, ScoringModel

SEGMENTS = {
    "company.size_band": "lead__company__size_band",
    "persona": "lead__persona__name",
    "original_channel": "lead__original_channel",
    "seniority": "lead__seniority",
    "department": "lead__department",
    "company.annual_revenue_band": "lead__company__annual_revenue_band",
}
MIN_DECISIONS = 30
PATTERNS_SHOWN = 5
# Without a fit to learn the scale from, a unit of log-odds is worth a quarter of the hot
# threshold: a lead four units more likely to convert crosses it.
FALLBACK_SHARE_OF_HOT = 4


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _log_odds(accepted: int, decided: int) -> float:
    """Log-odds of acceptance, with half a decision added each way so that 0 % stays finite."""
    return math.log((accepted + 0.5) / (decided - accepted + 0.5))


def _exact_rule(model: ScoringModel, attribute: str, value: str) -> FitRule | None:
    """The fit rule that scores exactly ``attribute`` = ``value``, if the model has one."""
    for rule in model.fit_rules.all():
        values = rule.value if isinstance(rule.value, list) else [rule.value]
        exact = rule.operator in (Operator.EQUALS, Operator.ONE_OF) and values == [value]
        if rule.attribute == attribute and exact:
            return rule
    return None


def _rule_change(model: ScoringModel, attribute: str, value: str, points: int) -> tuple:
    """The change that adds ``points`` for the segment, and how it reads."""
    phrase = condition_phrase(attribute, Operator.EQUALS, value)
    rule = _exact_rule(model, attribute, value)
    if rule is not None:
        after = rule.points + points
        verb = "Lower" if points < 0 else "Raise"
        text = f"{verb} “{phrase}” (rule {rule.position}) from {signed(rule.points)} to {signed(after)}"
        return {"action": "points", "kind": "fit", "rule": rule.pk, "points": after}, text
    change = {
        "action": "new_fit", "attribute": attribute, "operator": Operator.EQUALS,
        "value": value, "points": points,
    }  # fmt: skip
    return change, f"Add a fit rule: {phrase} → {signed(points)}"


def rejection_patterns(
    model: ScoringModel, start: datetime.datetime, end: datetime.datetime, *, scale: float | None
) -> dict:
    """The segments of [start, end) with the highest rejection rate above the others' (at most
    ``PATTERNS_SHOWN``), each with its commonest reason and a rule change: one grouped query."""
    rows = (
        decisions(start, end)
        .order_by()
        .values(*SEGMENTS.values(), "rejection_reason__label")
        .annotate(count=Count("id"))
    )
    segments: dict[tuple[str, str], list] = defaultdict(lambda: [0, Counter()])
    decided = rejected = 0
    for row in rows:
        reason, count = row["rejection_reason__label"], row["count"]
        decided += count
        rejected += count if reason else 0
        for attribute, path in SEGMENTS.items():
            if not row[path]:
                continue
            segment = segments[attribute, row[path]]
            segment[0] += count
            if reason:
                segment[1][reason] += count
    scale = scale or model.hot_threshold / FALLBACK_SHARE_OF_HOT
    patterns = []
    for (attribute, value), (count, reasons) in segments.items():
        others, refused = decided - count, sum(reasons.values())
        others_refused = rejected - refused
        if count < MIN_DECISIONS or others < MIN_DECISIONS or not refused:
            continue
        if wilson(refused, count)[0] <= others_refused / others:  # Not clearly more than them.
            continue
        reason, times = reasons.most_common(1)[0]
        difference = _log_odds(count - refused, count) - _log_odds(others - others_refused, others)
        points = int(round(scale * difference))
        phrase = condition_phrase(attribute, Operator.EQUALS, value)
        phrase = phrase[0].lower() + phrase[1:]
        change, change_text = _rule_change(model, attribute, str(value), points)
        patterns.append({
            "key": f"pattern-{attribute}={value}",
            "attribute": attribute,
            "value": str(value),
            "decided": count,
            "rejected": refused,
            "rate": _percent(refused, count),
            "others_rate": _percent(others_refused, others),
            "reason": reason,
            "reason_count": times,
            "sentence": f"{_percent(times, count)} % of the leads whose {phrase} were rejected "
            f"as “{reason}” ({_percent(refused, count)} % rejected in all, against "
            f"{_percent(others_refused, others)} % of the others; {count:,} decisions).",
            "offered": points != 0,
            "change": change,
            "change_text": change_text,
            "suggested": points,
        })  # fmt: skip
    patterns.sort(key=lambda item: (-item["rejected"] / item["decided"], -item["decided"]))
    return {
        "decided": decided,
        "rejected": rejected,
        "min_decisions": MIN_DECISIONS,
        "found": patterns[:PATTERNS_SHOWN],
        "more": max(0, len(patterns) - PATTERNS_SHOWN),
    }
