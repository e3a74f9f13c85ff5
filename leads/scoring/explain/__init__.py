"""Why a lead has its score: each rule's contribution, summing exactly to the stored score; the
score's history day by day; the scores that moved a lead to a stage, recomputed; and the rules
in words.

- ``phrases``: a condition and an engagement rule in plain language, and signed points.
- ``score``: the per-rule explanation of a lead's score, computed by the database.
- ``history``: the score day by day, and the explanation of a stage transition.
"""

from __future__ import annotations

from leads.scoring.explain.history import (
    HistoryPoint,
    TransitionExplanation,
    qualifying_transition,
    score_history,
    transition_explanation,
)
from leads.scoring.explain.phrases import (
    condition_phrase,
    engagement_phrase,
    engagement_terms,
    signed,
)
from leads.scoring.explain.score import (
    EngagementLine,
    Explanation,
    FitGroupLine,
    FitLine,
    explanation_model,
    round_half_away_from_zero,
    score_explanation,
)

__all__ = [
    "EngagementLine",
    "Explanation",
    "FitGroupLine",
    "FitLine",
    "HistoryPoint",
    "TransitionExplanation",
    "condition_phrase",
    "engagement_phrase",
    "engagement_terms",
    "explanation_model",
    "qualifying_transition",
    "round_half_away_from_zero",
    "signed",
    "score_explanation",
    "score_history",
    "transition_explanation",
]
