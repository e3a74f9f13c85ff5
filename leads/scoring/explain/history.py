"""A lead's score day by day, and the scores that moved a lead to a stage, recomputed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leads.models import Lead, Stage, StageTransition
from leads.scoring.explain.score import RULE_SETS, Explanation, lead_explanation
from leads.scoring.models import HISTORY_DAYS, ScoreHistory, ScoringModel

# History ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    """The score at the end of ``day`` (UTC); None before the first score recorded."""

    day: datetime.date
    fit: int | None
    engagement: int | None
    total: int | None


def score_history(
    lead: Lead, *, days: int = HISTORY_DAYS, today: datetime.date | None = None
) -> list[HistoryPoint]:
    """One point a day for the last ``days`` days up to ``today``, oldest first: a day without
    a row kept the previous day's score. One query, which also reads the last row before the
    window so that the first days carry it."""
    today = today or timezone.now().astimezone(datetime.UTC).date()
    first = today - datetime.timedelta(days=days - 1)
    last_before = (
        ScoreHistory.objects.filter(lead_id=lead.pk, day__lte=first)
        .order_by("-day")
        .values("day")[:1]
    )
    rows = {
        row.day: row
        for row in ScoreHistory.objects.filter(lead_id=lead.pk, day__lte=today)
        .filter(Q(day__gte=first) | Q(day__in=last_before))
        .order_by("day")
    }
    carried = next((row for day, row in rows.items() if day <= first), None)
    points = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        carried = rows.get(day, carried)
        if carried is None:
            points.append(HistoryPoint(day, None, None, None))
        else:
            points.append(
                HistoryPoint(day, carried.fit_score, carried.engagement_score, carried.total_score)
            )
    return points


# Transitions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionExplanation:
    """Why a rule moved a lead: the scores in the transition's snapshot, the criteria and the
    conditions that were met, and the per-rule explanation recomputed with the model version
    of the snapshot as of its instant (None when that version is gone)."""

    transition: StageTransition
    scores: dict[str, Any]
    model_version: int | None
    as_of: datetime.datetime
    criteria: Any
    definition: str
    conditions_met: list
    explanation: Explanation | None

    @property
    def criteria_name(self) -> str:
        if isinstance(self.criteria, dict):
            return str(self.criteria.get("name") or self.criteria.get("id") or "")
        return "" if self.criteria is None else str(self.criteria)


def qualifying_transition(lead: Lead) -> StageTransition | None:
    """The last time a rule made the lead an MQL, whose "why" the score card links; one query
    (the transitions' index by lead and time)."""
    return (
        StageTransition.objects.filter(lead_id=lead.pk, to_stage=Stage.MQL)
        .exclude(rule="")
        .order_by("-at")
        .first()
    )


def _instant(value: Any, default: datetime.datetime) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed or default


def transition_explanation(transition: StageTransition) -> TransitionExplanation:
    """The transition's snapshot, with the explanation recomputed as of ``as_of``: events are
    append-only, so engagement comes out as it was; fit reads the lead's attributes of today
    (``matches_stored`` says whether they gave the snapshot's scores)."""
    snapshot = transition.scores or {}
    as_of = _instant(snapshot.get("as_of"), transition.at)
    version = snapshot.get("model_version")
    models = ScoringModel.objects.prefetch_related(*RULE_SETS)
    if version is not None:
        model = models.filter(version=version).first()
    else:
        model = models.in_force_at(as_of).order_by("-activated_at").first()
    stored = {
        name: snapshot[name]
        for name in ("fit", "engagement", "total")
        if isinstance(snapshot.get(name), int)
    }
    explanation = (
        None if model is None else lead_explanation(transition.lead_id, model, as_of, stored)
    )
    return TransitionExplanation(
        transition=transition,
        scores=snapshot,
        model_version=version if version is not None else model and model.version,
        as_of=as_of,
        criteria=snapshot.get("criteria"),
        definition=str(snapshot.get("definition") or ""),
        conditions_met=list(snapshot.get("conditions_met") or []),
        explanation=explanation,
    )
