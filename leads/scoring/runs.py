"""Full rescores: every lead scored with one model as of one instant, in committed chunks over
lead-id ranges, resumable, with the progress the UI shows."""

from __future__ import annotations

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Max
from django.utils import timezone

from leads.models import Lead
from leads.scoring.compaction import compaction_due
from leads.scoring.engine import (
    leads_score,
    scores_apply_staged,
    scores_stage,
    scores_stage_drop,
    scores_stage_exists,
)
from leads.scoring.models import RunStatus, ScoringModel, ScoringRun
from leads.scoring.services import scoring_model_activate


def scoring_run_start(
    *, model: ScoringModel, kind: str, actor=None, enqueue: bool = True
) -> ScoringRun:
    """Create a run of ``model`` over every lead and enqueue it when the transaction commits
    (``enqueue=False``: the caller runs it, as the benchmark does to time it)."""
    from leads.scoring.tasks import scoring_run_task

    highest = Lead.objects.aggregate(highest=Max("pk"))["highest"] or 0
    run = ScoringRun.objects.create(
        model=model,
        kind=kind,
        as_of=timezone.now(),
        started_by=actor,
        highest_lead_id=highest,
        leads_total=Lead.objects.count(),
    )
    if enqueue:
        transaction.on_commit(lambda: scoring_run_task.delay(run.pk))
    return run


@transaction.atomic
def scoring_activate(*, model: ScoringModel, actor) -> ScoringRun:
    """Activate the draft ``model`` and start the full rescore it needs."""
    model = scoring_model_activate(model=model, actor=actor)
    return scoring_run_start(model=model, kind=ScoringRun.Kind.ACTIVATION, actor=actor)


class RunSuperseded(Exception):
    """The run's model is no longer the active one: a newer activation took over."""


def _staged() -> bool:
    """PostgreSQL: every lead's parts are aggregated once into a staging table, then applied
    chunk by chunk (each chunk re-reading its own events would be several times slower)."""
    return connections[router.db_for_write(Lead)].vendor == "postgresql"


def stage_table(run: ScoringRun) -> str:
    return f"scoring_run_{run.pk}"


def _chunk_claim(run_id: int) -> tuple[ScoringRun, int, int] | None:
    """The run, locked, and the next id range to write; None when every chunk is written."""
    run = ScoringRun.objects.select_for_update().select_related("model").get(pk=run_id)
    if run.is_finished or run.last_lead_id >= run.highest_lead_id:
        return None
    if run.kind != ScoringRun.Kind.MANUAL and run.model.status != ScoringModel.Status.ACTIVE:
        raise RunSuperseded(f"v{run.model.version} is no longer the active model.")
    if _staged() and not scores_stage_exists(stage_table(run)):
        # First chunk, or the database restarted and emptied the UNLOGGED table: (re)stage,
        # holding the run's lock so that a second worker waits instead of staging too.
        scores_stage(
            model=run.model, table=stage_table(run), now=run.as_of,
            highest_lead_id=run.highest_lead_id,
        )  # fmt: skip
    # Up to the chunk-th lead after the last one written, so that every chunk holds as many
    # leads however sparse the ids are.
    size = settings.SCORING_RUN_CHUNK
    ids = Lead.objects.filter(pk__gt=run.last_lead_id, pk__lte=run.highest_lead_id)
    high = next(iter(ids.order_by("pk").values_list("pk", flat=True)[size - 1 : size]), None)
    return run, run.last_lead_id, high or run.highest_lead_id


def _chunk_write(run: ScoringRun, low: int, high: int) -> int:
    only_changed = True  # leads whose scores and model are unchanged are not rewritten
    if _staged():
        return scores_apply_staged(
            model=run.model, table=stage_table(run), low=low, high=high, now=run.as_of,
            only_changed=only_changed,
        )  # fmt: skip
    chunk = Lead.objects.filter(pk__gt=low, pk__lte=high)
    return leads_score(model=run.model, leads=chunk, now=run.as_of, only_changed=only_changed)


def scoring_run_execute(*, run_id: int) -> ScoringRun:
    """Write every chunk still to do, each in its own transaction with the run's progress.

    The run's row is locked while a chunk is written, so two workers given the same run take
    turns and never write a chunk twice; a worker killed mid-chunk rolls the chunk back, and
    the run continues from the last committed chunk when its task is delivered again."""
    from leads.scoring.qualification import leads_qualify
    from leads.scoring.tasks import lead_indexes_compact_task

    finished = 0
    ScoringRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    try:
        while True:
            with transaction.atomic():
                claimed = _chunk_claim(run_id)
                if claimed is None:
                    break
                run, low, high = claimed
                chunk = Lead.objects.filter(pk__gt=low, pk__lte=high)
                written = _chunk_write(run, low, high)
                qualified = leads_qualify(leads=chunk, now=run.as_of)
                ScoringRun.objects.filter(pk=run_id).update(
                    last_lead_id=high,
                    leads_done=F("leads_done") + chunk.count(),
                    leads_written=F("leads_written") + written,
                    leads_qualified=F("leads_qualified") + qualified,
                )
    except RunSuperseded as superseded:
        ScoringRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=str(superseded), finished_at=timezone.now()
        )
    else:
        finished = ScoringRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now()
        )
    run = ScoringRun.objects.get(pk=run_id)
    if run.is_finished and _staged():
        scores_stage_drop(stage_table(run))
        if finished and compaction_due(written=run.leads_written, total=run.leads_total):
            transaction.on_commit(lead_indexes_compact_task.delay)
    return run
