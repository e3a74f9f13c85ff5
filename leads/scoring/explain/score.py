"""Why a lead has its score: each rule's contribution, summing exactly to the stored score.

The explanation is computed by the database with the compiler's own expressions (one query
for the fit rules' conditions on the lead, one aggregate over the lead's events), so it agrees
with what ``leads_score`` wrote. Engagement rules add up floats: their contributions are shown
to a tenth and a final rounding line carries the difference to the whole engagement score.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Sum, Value, When, prefetch_related_objects
from django.utils import timezone

from leads.models import Lead
from leads.scoring import compiler
from leads.scoring.explain.phrases import condition_phrase, engagement_phrase, engagement_terms
from leads.scoring.models import ScoringModel

TENTH = Decimal("0.1")
RULE_SETS = ("fit_groups", "fit_rules", "engagement_rules")


@dataclass(frozen=True)
class FitLine:
    """One fit rule: its points count when the lead matches it."""

    label: str
    condition: str
    group: str | None
    matched: bool
    rule_points: int
    points: int


@dataclass(frozen=True)
class FitGroupLine:
    """A group's matched points and what its cap took off (or added back, below −cap)."""

    name: str
    cap: int | None
    points: int
    cap_adjustment: int

    @property
    def contribution(self) -> int:
        return self.points + self.cap_adjustment


@dataclass(frozen=True)
class EngagementLine:
    """One engagement rule over the lead's events: how many counted, their points before and
    after decay, what the cap took off, and the contribution (the last three to a tenth)."""

    label: str
    condition: str
    events: int
    points_per_event: int
    half_life_days: int | None
    window_days: int | None
    cap: int | None
    undecayed: int
    decayed: Decimal
    cap_adjustment: Decimal
    contribution: Decimal
    contribution_exact: float

    @property
    def decay(self) -> Decimal:
        """What decay took off (≤ 0 for a positive rule)."""
        return self.decayed - self.undecayed

    @property
    def matched(self) -> bool:
        """The rule counted at least one of the lead's events."""
        return self.events > 0

    @property
    def terms(self) -> str:
        """``+10 each, halving every 14 days, capped at +30 in all``."""
        return engagement_terms(
            points=self.points_per_event, half_life_days=self.half_life_days, cap=self.cap
        )


@dataclass(frozen=True)
class Explanation:
    """Each line of a score. ``fit`` is the sum of the fit lines' points and the groups' cap
    adjustments; ``engagement`` the sum of the engagement contributions and ``rounding``;
    ``total`` is ``fit + engagement + overall_cap_adjustment``. ``matches_stored`` says
    whether these totals are the scores stored (false once the lead changed since)."""

    model: ScoringModel
    as_of: datetime.datetime
    fit_lines: list[FitLine]
    fit_groups: list[FitGroupLine]
    fit: int
    engagement_lines: list[EngagementLine]
    engagement_raw: float
    rounding: Decimal
    engagement: int
    overall_cap_adjustment: int
    total: int
    temperature: str
    grade: str
    stored: dict[str, int]
    matches_stored: bool

    @property
    def scores(self) -> dict[str, int]:
        return {"fit": self.fit, "engagement": self.engagement, "total": self.total}

    # What made the score comes first; the rules that did not match add nothing, so folding them
    # away leaves lines that still sum to the totals.

    @property
    def matched_fit_lines(self) -> list[FitLine]:
        return [line for line in self.fit_lines if line.matched]

    @property
    def matched_engagement_lines(self) -> list[EngagementLine]:
        return [line for line in self.engagement_lines if line.matched]

    @property
    def unmatched_fit_lines(self) -> list[FitLine]:
        return [line for line in self.fit_lines if not line.matched]

    @property
    def unmatched_engagement_lines(self) -> list[EngagementLine]:
        """The engagement rules that counted none of the lead's events."""
        return [line for line in self.engagement_lines if not line.matched]

    @property
    def unmatched_count(self) -> int:
        return len(self.unmatched_fit_lines) + len(self.unmatched_engagement_lines)


def _tenth(number: float) -> Decimal:
    return Decimal(number).quantize(TENTH)


def _bounded(value, cap):
    return value if cap is None else max(-cap, min(cap, value))


def _band(score: int, thresholds: list[tuple[int, str]], below: str) -> str:
    return next((band for low, band in thresholds if score >= low), below)


def _with_rules(model: ScoringModel) -> ScoringModel:
    """``model`` with its groups and rules loaded (one query each), unless they are already."""
    cache = getattr(model, "_prefetched_objects_cache", {})
    missing = [name for name in RULE_SETS if name not in cache]
    if missing:
        prefetch_related_objects([model], *missing)
    return model


def _fit(model: ScoringModel, lead_id: int) -> tuple[list[FitLine], list[FitGroupLine], int]:
    """One query: each fit rule's condition as a boolean on the lead."""
    rules = list(model.fit_rules.all())
    groups = {group.pk: group for group in model.fit_groups.all()}
    matched: dict[str, bool] = {}
    if rules:
        matched = (
            Lead.objects.filter(pk=lead_id)
            .values("pk")
            .annotate(
                **{
                    f"rule_{rule.pk}": Case(
                        When(
                            compiler.fit_rule_condition(rule, stored_persona=True),
                            then=Value(True),
                        ),
                        default=Value(False),
                        output_field=BooleanField(),
                    )
                    for rule in rules
                }
            )
            .get()
        )
    lines = [
        FitLine(
            label=rule.label,
            condition=condition_phrase(rule.attribute, rule.operator, rule.value),
            group=groups[rule.group_id].name if rule.group_id else None,
            matched=matched[f"rule_{rule.pk}"],
            rule_points=rule.points,
            points=rule.points if matched[f"rule_{rule.pk}"] else 0,
        )
        for rule in rules
    ]
    group_lines = []
    for group_id in dict.fromkeys(rule.group_id for rule in rules if rule.group_id):
        group = groups[group_id]
        points = sum(
            line.points
            for line, rule in zip(lines, rules, strict=True)
            if rule.group_id == group_id
        )
        group_lines.append(
            FitGroupLine(group.name, group.cap, points, _bounded(points, group.cap) - points)
        )
    fit = sum(line.points for line in lines) + sum(group.cap_adjustment for group in group_lines)
    return lines, group_lines, fit


def _engagement(
    model: ScoringModel, lead_id: int, now: datetime.datetime
) -> tuple[list[EngagementLine], float]:
    """One aggregate over the lead's events: per rule, the events it counts and their decayed
    points, each a filtered Count or Sum (no loop over events in Python)."""
    rules = list(model.engagement_rules.all())
    if not rules:
        return [], 0.0
    aggregates = {}
    for rule in rules:
        condition = compiler.engagement_rule_condition(rule, now)
        aggregates[f"events_{rule.pk}"] = Count("pk", filter=condition)
        aggregates[f"decayed_{rule.pk}"] = Sum(
            compiler.engagement_rule_points(rule, now), filter=condition
        )
    sums = compiler.engagement_events(model, now).filter(lead_id=lead_id).aggregate(**aggregates)
    lines = []
    for rule in rules:
        decayed = sums[f"decayed_{rule.pk}"] or 0.0
        contribution = _bounded(decayed, rule.cap)
        shown_decayed, shown_contribution = _tenth(decayed), _tenth(contribution)
        lines.append(
            EngagementLine(
                label=rule.label,
                condition=engagement_phrase(rule),
                events=sums[f"events_{rule.pk}"],
                points_per_event=rule.points,
                half_life_days=rule.half_life_days,
                window_days=rule.window_days,
                cap=rule.cap,
                undecayed=sums[f"events_{rule.pk}"] * rule.points,
                decayed=shown_decayed,
                cap_adjustment=shown_contribution - shown_decayed,
                contribution=shown_contribution,
                contribution_exact=contribution,
            )
        )
    return lines, sum(line.contribution_exact for line in lines)


def round_half_away_from_zero(value: float) -> int:
    """As the compiler rounds, in the same floating-point steps, so that ties agree."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(0.5 - value)


def lead_explanation(
    lead_id: int, model: ScoringModel, now: datetime.datetime, stored: dict[str, int]
) -> Explanation:
    """Each rule's part in the scores of the lead ``lead_id`` by ``model`` as of ``now``,
    compared with the ``stored`` scores (a lead's columns or a transition's snapshot)."""
    model = _with_rules(model)
    fit_lines, fit_groups, fit = _fit(model, lead_id)
    engagement_lines, engagement_raw = _engagement(model, lead_id, now)
    engagement = round_half_away_from_zero(engagement_raw)
    uncapped = fit + engagement
    total = uncapped if model.overall_cap is None else min(uncapped, model.overall_cap)
    temperature = _band(
        total, [(model.hot_threshold, "hot"), (model.warm_threshold, "warm")], "cold"
    )
    letter = _band(fit, [(model.fit_a, "A"), (model.fit_b, "B"), (model.fit_c, "C")], "D")
    digit = _band(
        engagement,
        [(model.engagement_1, "1"), (model.engagement_2, "2"), (model.engagement_3, "3")],
        "4",
    )
    scores = {"fit": fit, "engagement": engagement, "total": total}
    return Explanation(
        model=model,
        as_of=now,
        fit_lines=fit_lines,
        fit_groups=fit_groups,
        fit=fit,
        engagement_lines=engagement_lines,
        engagement_raw=engagement_raw,
        rounding=engagement - sum((line.contribution for line in engagement_lines), Decimal(0)),
        engagement=engagement,
        overall_cap_adjustment=total - uncapped,
        total=total,
        temperature=temperature,
        grade=letter + digit,
        stored=stored,
        matches_stored=all(stored.get(name) == value for name, value in scores.items()),
    )


def score_explanation(
    lead: Lead,
    *,
    model: ScoringModel | None = None,
    now: datetime.datetime | None = None,
) -> Explanation | None:
    """Each rule's part in the lead's score, by ``model`` as of ``now``.

    By default the version that wrote the lead's score as of when it did, so the lines sum to
    the stored score (``matches_stored`` is false when the lead or its events changed since
    without a rescore). A lead never scored is explained by the active version as of now; None
    when there is no version to explain with. Two queries once the model's rules are loaded
    (a model from ``explanation_model`` has them; otherwise three more load them)."""
    model = model or lead.scoring_model or ScoringModel.objects.active().first()
    if model is None:
        return None
    if now is None:
        use_scored_at = lead.scored_at is not None and model.pk == lead.scoring_model_id
        now = lead.scored_at if use_scored_at else timezone.now()
    stored = {
        "fit": lead.fit_score,
        "engagement": lead.engagement_score,
        "total": lead.total_score,
    }
    return lead_explanation(lead.pk, model, now, stored)


def explanation_model(pk: int) -> ScoringModel:
    """A scoring model with its groups and rules loaded, as ``score_explanation`` reads it."""
    return ScoringModel.objects.prefetch_related(*RULE_SETS).get(pk=pk)
