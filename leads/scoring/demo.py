"""The demo's scoring: the starter model, active and applied to every demo lead, with twelve
weeks of score history so the lead page's chart has a past to show; and the lab's suggestions
learned from the demo's closed history, so the lab and the meeting have them to show."""

from __future__ import annotations

import datetime

from django.utils import timezone

from leads.models import Lead
from leads.scoring.engine import leads_score
from leads.scoring.models import LabRun, ScoringModel
from leads.scoring.qualification import criteria_defaults
from leads.scoring.runs import scoring_run_execute
from leads.scoring.services import scoring_model_activate, scoring_model_default

HISTORY_WEEKS = 12


def demo_scoring_load(*, actor=None) -> ScoringModel | None:
    """Activate the starter model and score every lead with it; nothing when a model is
    already active. The weekly history is written first, the current scores last."""
    if ScoringModel.objects.active().exists():
        return None
    criteria_defaults()
    model = scoring_model_default(actor=actor)
    # The activation's rescore is run here, after the history, rather than by a worker.
    run = scoring_model_activate(model=model, actor=actor, enqueue=False)
    now = timezone.now()
    for weeks in range(HISTORY_WEEKS, 0, -1):
        past = now - datetime.timedelta(weeks=weeks)
        leads_score(model=model, leads=Lead.objects.filter(created_at__lte=past), now=past)
    scoring_run_execute(run_id=run.pk)
    return model


def demo_suggestions_load(*, actor=None) -> LabRun | None:
    """The lab's suggestions for the active model, learned from the MQLs of the demo's history
    up to 60 days ago and checked on the last 60; nothing when the lab has learned already."""
    from leads.scoring.lab import lab_run_execute

    model = ScoringModel.objects.active().first()
    if model is None or LabRun.objects.filter(kind=LabRun.Kind.SUGGESTIONS).exists():
        return None
    today = timezone.localdate()
    # Computed here rather than by a worker, as the demo's other history is.
    run = LabRun.objects.create(
        kind=LabRun.Kind.SUGGESTIONS, model=model, requested_by=actor,
        parameters={
            "fit_from": (today - datetime.timedelta(days=365)).isoformat(),
            "split": (today - datetime.timedelta(days=60)).isoformat(),
            "later_to": today.isoformat(),
            "days": 60,
        },
    )  # fmt: skip
    lab_run_execute(run_id=run.pk)
    return run
