"""The scoring lab: a draft model compared with the active one before it is activated.

- Impact: every lead scored now under the draft, computed on the fly, against the scores stored
  under the active model: leads per temperature, grade and stage, and how many would newly
  become MQLs. One aggregate statement per model.
- Backtest: the leads created in a past period, each scored as of N days after its creation
  (its events up to then only) under both models, against what happened to it (it reached SQL
  or beyond, or not): conversion rate per score decile, precision and recall at the MQL
  threshold, AUC. The scores are computed by the database and the figures with numpy.

- Suggestions: rule points learned from closed history, new rules for strong features no rule
  reads, and sales' rejection patterns, each with the change that would address it
  (``learning``, ``rejections``); an admin applies the chosen ones to a new draft
  (``drafting``), whose backtest is then held to later leads.

Each runs in a worker (``lab_run_task``), writing its progress on the ``LabRun``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from leads.scoring.lab.backtest import area_under_curve, backtest_figures, lab_backtest
from leads.scoring.lab.drafting import backtest_refusal, lab_suggestions_apply
from leads.scoring.lab.impact import lab_impact
from leads.scoring.lab.learning import lab_suggestions
from leads.scoring.models import LabRun, RunStatus, ScoringModel
from leads.scoring.models.runs import UNFINISHED
from smarketing.queueing import task_send_on_commit

logger = logging.getLogger(__name__)

__all__ = [
    "area_under_curve",
    "backtest_figures",
    "lab_backtest",
    "lab_impact",
    "lab_run_execute",
    "lab_run_start",
    "lab_run_task",
    "lab_suggestions",
    "lab_suggestions_apply",
]

# Runs ----------------------------------------------------------------------------------------

COMPUTATIONS = {
    LabRun.Kind.IMPACT: lab_impact,
    LabRun.Kind.BACKTEST: lab_backtest,
    LabRun.Kind.SUGGESTIONS: lab_suggestions,
}


def lab_run_start(
    *, model: ScoringModel, kind: str, actor, parameters: dict | None = None
) -> LabRun:
    """Ask for an impact or a backtest of the draft ``model`` against the active model, or for
    the suggestions learned for ``model``; the worker starts once the transaction commits."""
    from leads.scoring.services import scoring_model_problems

    if kind != LabRun.Kind.SUGGESTIONS and not model.is_editable:
        raise ValidationError(f"Only a draft is tried in the lab; v{model.version} is not a draft.")
    refusal = backtest_refusal(model, parameters or {}) if kind == LabRun.Kind.BACKTEST else ""
    if refusal:
        raise ValidationError(refusal)
    problems = scoring_model_problems(model)
    if problems:
        raise ValidationError(problems)
    run = LabRun.objects.create(
        kind=kind,
        model=model,
        baseline=ScoringModel.objects.active().first(),
        parameters=parameters or {},
        requested_by=actor,
    )
    task_send_on_commit(lab_run_task, run.pk, on_failure=lambda error: _not_sent(run.pk))
    return run


def _not_sent(run_id: int) -> None:
    """A run whose task the broker did not take says so, rather than waiting for a worker."""
    LabRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
        status=RunStatus.FAILED,
        error="The workers could not be reached (the broker is down): run it again later.",
        finished_at=timezone.now(),
    )


def lab_run_execute(*, run_id: int) -> None:
    """Compute the run's figures, unless it is finished already. Computing twice writes the same
    figures (as of a later instant for an impact), so a redelivered task is harmless; a run
    whose draft was discarded meanwhile is gone, and nothing is written."""
    claimed = LabRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
        status=RunStatus.RUNNING, progress=0
    )
    if not claimed:
        return
    run = LabRun.objects.get(pk=run_id)
    try:
        result = COMPUTATIONS[run.kind](run)
    except ScoringModel.DoesNotExist:
        return
    except Exception as error:
        logger.exception("Lab run %s failed", run_id)
        LabRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=f"{type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )  # fmt: skip
        return
    LabRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, progress=100, result=result, finished_at=timezone.now()
    )


@shared_task
def lab_run_task(run_id: int) -> None:
    lab_run_execute(run_id=run_id)
