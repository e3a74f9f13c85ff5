"""How we score and qualify: the active scoring model and the active MQL and SQL criteria, read
for a page that every role opens, each rule in the words of the why-this-score card.

A fixed number of queries whatever the number of rules: the active model with who activated
it, its groups, fit rules and engagement rules (one query each), then each kind of criteria
with its conditions (two each).
"""

from __future__ import annotations

from dataclasses import dataclass

from leads.scoring.explain.phrases import condition_phrase, engagement_phrase, engagement_terms
from leads.scoring.explain.score import RULE_SETS
from leads.scoring.models import QualificationCriteria, ScoringModel
from leads.scoring.qualification import criteria_active, criteria_definition
from leads.scoring.qualification.criteria import NO_DEFINITION

Kinds = QualificationCriteria.Kind


@dataclass(frozen=True)
class GuideRule:
    """A rule in words with its points (an engagement rule's points are in ``terms``)."""

    text: str
    points: int
    terms: str = ""


@dataclass(frozen=True)
class GuideGroup:
    """Fit rules grouped under a cap; ``name`` is None for the rules outside any group."""

    name: str | None
    cap: int | None
    rules: list[GuideRule]


@dataclass(frozen=True)
class Band:
    """A band of a score: its name and the scores it covers ("25 to 39")."""

    name: str
    scores: str


@dataclass(frozen=True)
class GuideCriteria:
    """The criteria of a kind in force; ``name`` is empty when none are, and the definition
    then says what happens instead."""

    kind: str
    name: str
    definition: str
    notes: str


@dataclass(frozen=True)
class ScoringGuide:
    """What the page shows: ``model`` is None when no scoring model is active (the rules and
    bands are then empty); ``criteria`` are the MQL then the SQL criteria."""

    model: ScoringModel | None
    fit_groups: list[GuideGroup]
    engagement_rules: list[GuideRule]
    temperatures: list[Band]
    fit_grades: list[Band]
    engagement_grades: list[Band]
    criteria: list[GuideCriteria]


def bands(thresholds: list[tuple[str, int]], below: str) -> list[Band]:
    """``[("A", 40), ("B", 25), ("C", 10)], "D"`` → A 40 or more, B 25 to 39, C 10 to 24,
    D below 10. Scores are whole numbers, so a band ends one below the next one's start."""
    result, ceiling = [], None
    for name, low in thresholds:
        result.append(Band(name, f"{low} or more" if ceiling is None else f"{low} to {ceiling}"))
        ceiling = low - 1
    lowest = thresholds[-1][1]
    result.append(Band(below, f"below {lowest}"))
    return result


def _fit_groups(model: ScoringModel) -> list[GuideGroup]:
    """The groups in the order of their first rule (as the admin wrote them), each with its
    rules; then the rules outside any group."""
    rules: dict[int | None, list[GuideRule]] = {}
    for rule in model.fit_rules.all():
        text = condition_phrase(rule.attribute, rule.operator, rule.value)
        rules.setdefault(rule.group_id, []).append(GuideRule(text, rule.points))
    groups = {group.pk: group for group in model.fit_groups.all()}
    ordered = [pk for pk in rules if pk in groups] + [pk for pk in groups if pk not in rules]
    found = [GuideGroup(groups[pk].name, groups[pk].cap, rules.get(pk, [])) for pk in ordered]
    if rules.get(None):
        found.append(GuideGroup(None, None, rules[None]))
    return found


def _criteria(kind: str) -> GuideCriteria:
    label = Kinds(kind).label
    criteria = criteria_active(kind)
    if criteria is None:
        return GuideCriteria(label, "", NO_DEFINITION[kind], "")
    definition = criteria_definition(criteria, notes=False)
    return GuideCriteria(label, criteria.name, definition, criteria.notes.strip())


def scoring_guide() -> ScoringGuide:
    """The active model and criteria, each rule in words."""
    model = (
        ScoringModel.objects.active()
        .select_related("activated_by")
        .prefetch_related(*RULE_SETS)
        .first()
    )
    criteria = [_criteria(Kinds.MQL), _criteria(Kinds.SQL)]
    if model is None:
        return ScoringGuide(None, [], [], [], [], [], criteria)
    engagement = [
        GuideRule(
            engagement_phrase(rule),
            rule.points,
            engagement_terms(points=rule.points, half_life_days=rule.half_life_days, cap=rule.cap),
        )
        for rule in model.engagement_rules.all()
    ]
    return ScoringGuide(
        model=model,
        fit_groups=_fit_groups(model),
        engagement_rules=engagement,
        temperatures=bands([("Hot", model.hot_threshold), ("Warm", model.warm_threshold)], "Cold"),
        fit_grades=bands([("A", model.fit_a), ("B", model.fit_b), ("C", model.fit_c)], "D"),
        engagement_grades=bands(
            [("1", model.engagement_1), ("2", model.engagement_2), ("3", model.engagement_3)],
            "4",
        ),
        criteria=criteria,
    )
