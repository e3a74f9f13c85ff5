"""Why a lead has its score: each rule's contribution, summing exactly to the stored score; the
score's history day by day; and the scores that moved a lead to a stage, recomputed.

- ``score``: the per-rule explanation of a lead's score, computed by the database.
- ``history``: the score day by day, and the explanation of a stage transition.
"""

from __future__ import annotations

from leads.scoring.explain.history import (
    HistoryPoint,
    TransitionExplanation,
    score_history,
    transition_explanation,
)
from leads.scoring.explain.score import (
    EngagementLine,
    Explanation,
    FitGroupLine,
    FitLine,
    explanation_model,
    fit_condition_text,
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
    "explanation_model",
    "fit_condition_text",
    "round_half_away_from_zero",
    "score_explanation",
    "score_history",
    "transition_explanation",
]
