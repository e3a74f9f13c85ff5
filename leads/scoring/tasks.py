"""Scoring work for the workers (queue ``scoring``, routed by module path).

Every task is idempotent: scoring is a function of the model version, the lead, its events and
the instant it is scored as of, and a run's chunks are committed with its progress."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from leads.scoring import incremental
from leads.scoring.models import HISTORY_DAYS, ScoreHistory, ScoringModel, ScoringRun

# A lost connection, a lock timeout or a deadlock: the task is run again and redoes the same.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "max_retries": 5, "retry_backoff": True}


@shared_task(**RETRY)
def scoring_pending_task(helper: bool = False) -> int:
    """Score the leads waiting in Redis (enqueued when their events or attributes changed);
    a ``helper`` takes batches beside the task that scheduled it."""
    return incremental.scoring_pending(helper=helper)


@shared_task(**RETRY)
def scoring_leads_task(lead_ids: list[int]) -> int:
    """Score these leads (used when the broker is not Redis, so nothing is coalesced)."""
    return incremental.leads_score_now(lead_ids)


@shared_task(**RETRY)
def scoring_sweep_task() -> int:
    """Score leads whose newest event arrived after their last scoring (beat, every 5 min)."""
    return incremental.leads_sweep()


@shared_task(**RETRY)
def scoring_run_task(run_id: int, helper: bool = False) -> None:
    """Run (or resume) a full rescore; a redelivered task writes the chunks not done. The
    first task starts ``SCORING_RUN_WORKERS - 1`` helpers, which write chunks beside it."""
    from leads.scoring.runs import scoring_run_execute

    helpers = 0 if helper else max(settings.SCORING_RUN_WORKERS - 1, 0)
    scoring_run_execute(run_id=run_id, helpers=helpers)


@shared_task(**RETRY)
def scoring_runs_resume_stalled_task() -> list[int]:
    """Resume the full rescores whose worker died (beat, every minute); each is claimed once
    by a conditional update, so two beats resume it once. Returns their ids."""
    from leads.scoring.runs import scoring_runs_resume_stalled

    return scoring_runs_resume_stalled()


@shared_task(**RETRY)
def scoring_decay_task() -> int | None:
    """The nightly rescore of every lead with the active model: scores fade with time alone.
    Writes only the leads whose scores changed. Returns the run's id."""
    from leads.scoring.runs import scoring_run_start

    model = ScoringModel.objects.active().first()
    if model is None:
        return None
    return scoring_run_start(model=model, kind=ScoringRun.Kind.DECAY).pk


@shared_task(**RETRY)
def versions_activate_due_task() -> int:
    """Activate the scoring models and qualification criteria scheduled for a moment that has
    come (beat, every minute); a model's activation starts its rescore. Each version is claimed
    by a conditional update, so two beats or a retry activate it once. Returns how many."""
    from leads.scoring.qualification import criteria_activate_due
    from leads.scoring.services import scoring_models_activate_due

    return len(scoring_models_activate_due()) + len(criteria_activate_due())


@shared_task(**RETRY)
def lead_indexes_compact_task(skip: list[str] | None = None) -> list[str] | None:
    """Rebuild the leads' indexes after a rescore moved most leads (one worker at a time),
    but those in ``skip``, which the rescore built fresh."""
    from leads.scoring.compaction import lead_indexes_compact

    return lead_indexes_compact(skip=skip or ())


@shared_task(**RETRY)
def score_history_prune_task() -> int:
    """Delete history older than the 90 days the lead page shows."""
    cutoff = timezone.now().date() - datetime.timedelta(days=HISTORY_DAYS + 1)
    deleted, _ = ScoreHistory.objects.filter(day__lt=cutoff).delete()
    return deleted
