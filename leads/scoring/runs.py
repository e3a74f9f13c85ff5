"""Full rescores: every lead scored with one model as of one instant, in committed chunks over
lead-id ranges that several workers share, resumable, with the progress the UI shows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F, Max, Window
from django.db.models.functions import Mod, RowNumber
from django.utils import timezone

from leads.models import Lead
from leads.scoring.compaction import (
    compaction_due,
    lead_updates,
    leads_moved_since,
    rescore_indexes_build,
    rescore_indexes_drop,
)
from leads.scoring.engine import leads_score, scores_changed_share, scores_write_range
from leads.scoring.models import RunStatus, ScoringModel, ScoringRun, ScoringRunChunk
from leads.scoring.models.runs import UNFINISHED
from smarketing.heartbeat import stalled_claim, stalled_exists
from smarketing.queueing import task_send_on_commit


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
        # Not sent while the broker is down: the beat resumes the run once its heartbeat is stale.
        task_send_on_commit(scoring_run_task, run.pk)
    return run


class RescoreRefused(Exception):
    """A manual rescore that cannot start: no model is active, or a rescore of every lead with
    the active model is under way (``run``), which a second one would only repeat."""

    def __init__(self, message: str, run: ScoringRun | None = None) -> None:
        super().__init__(message)
        self.run = run


def scoring_run_under_way() -> ScoringRun | None:
    """The unfinished rescore of every lead with the active model, if there is one."""
    return (
        ScoringRun.objects.filter(status__in=UNFINISHED, model__status=ScoringModel.Status.ACTIVE)
        .select_related("model")
        .order_by("created_at")
        .first()
    )


@transaction.atomic
def scoring_rescore_start(*, actor, enqueue: bool = True) -> ScoringRun:
    """Start a manual rescore of every lead with the active model (as after a change the
    scores do not see, such as an import written around the scoring), enqueued when the
    transaction commits (``enqueue=False``: the caller runs it).

    Refused while a rescore of every lead with the active model is under way: a second would
    rewrite the same leads to the same scores (chunks are resumed, never lost, so the first
    one finishes). The active model's row is locked, so two requests at once start one."""
    model = ScoringModel.objects.select_for_update().active().first()
    if model is None:
        raise RescoreRefused("No scoring model is active, so there is nothing to rescore with.")
    under_way = scoring_run_under_way()
    if under_way is not None:
        raise RescoreRefused(
            f"A rescore of every lead is already under way (run {under_way.pk}: "
            f"{under_way.get_kind_display().lower()} of {under_way.model.version_name}, "
            f"{under_way.percent} % done): start another once it has finished.",
            run=under_way,
        )
    return scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL, actor=actor, enqueue=enqueue)


class RunSuperseded(Exception):
    """The run's model is no longer the active one: a newer activation took over."""


def _on_postgresql() -> bool:
    return connections[router.db_for_write(Lead)].vendor == "postgresql"


def _chunks_cut(run: ScoringRun) -> None:
    """Cut the run's leads into chunks of ``SCORING_RUN_CHUNK`` leads each (however sparse the
    ids are): every chunk ends at a size-th lead id, the last at the run's highest id."""
    size = settings.SCORING_RUN_CHUNK
    ends = Lead.objects.filter(pk__lte=run.highest_lead_id).annotate(
        place=Mod(Window(RowNumber(), order_by=F("pk").asc()), size)
    )
    highs = list(ends.filter(place=0).order_by("pk").values_list("pk", flat=True))
    if not highs or highs[-1] < run.highest_lead_id:
        highs.append(run.highest_lead_id)
    ScoringRunChunk.objects.bulk_create(
        ScoringRunChunk(run=run, number=number, low=low, high=high)
        for number, (low, high) in enumerate(zip([0, *highs], highs, strict=False), start=1)
    )


def _supersession_check(run: ScoringRun) -> None:
    """Every kind of run stops once its model is no longer active: it would write the scores
    of an archived model over those the new one's rescore writes."""
    if run.model.status != ScoringModel.Status.ACTIVE:
        raise RunSuperseded(f"v{run.model.version} is no longer the active model.")


def _prepare(run_id: int) -> tuple[ScoringRun, bool]:
    """Under the run's lock: cut the chunks. Returns the run and whether this call cut them; a
    second worker waits on the lock, then finds them cut."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().select_related("model").get(pk=run_id)
        if run.is_finished:
            return run, False
        _supersession_check(run)
        if run.chunks.exists():
            return run, False
        _chunks_cut(run)
        return run, True


def _chunk_write(run: ScoringRun, chunk: ScoringRunChunk) -> int:
    """Score the chunk's leads; those whose scores and model are unchanged are not rewritten."""
    if _on_postgresql():
        return scores_write_range(model=run.model, low=chunk.low, high=chunk.high, now=run.as_of)
    leads = Lead.objects.filter(pk__gt=chunk.low, pk__lte=chunk.high)
    return leads_score(model=run.model, leads=leads, now=run.as_of)


def _chunk_claim(run_id: int) -> ScoringRunChunk | None:
    """The first chunk not done that no other worker holds, locked until the transaction ends
    (the chunk's row alone: its run and model stay free for the other workers)."""
    return (
        ScoringRunChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(run_id=run_id, done=False)
        .select_related("run__model")
        .order_by("number")
        .first()
    )


def _chunk_next(run_id: int) -> bool:
    """Write the next chunk no other worker holds, with its qualification and the run's
    progress, in one transaction; False when none is left."""
    from leads.scoring.qualification import leads_qualify

    with transaction.atomic():
        chunk = _chunk_claim(run_id)
        if chunk is None:
            return False
        run = chunk.run
        if run.is_finished:
            return False  # cancelled meanwhile
        _supersession_check(run)
        updates = lead_updates()
        leads = Lead.objects.filter(pk__gt=chunk.low, pk__lte=chunk.high)
        written = _chunk_write(run, chunk)
        qualified = leads_qualify(leads=leads, now=run.as_of)
        chunk.done = True
        chunk.save(update_fields=["done"])
        ScoringRun.objects.filter(pk=run_id).update(
            leads_done=F("leads_done") + leads.count(),
            leads_written=F("leads_written") + written,
            leads_qualified=F("leads_qualified") + qualified,
            leads_moved=F("leads_moved") + leads_moved_since(updates),
            heartbeat_at=timezone.now(),
        )
    return True


def rescore_rewrites_many(run: ScoringRun) -> bool:
    """Whether the run changes enough leads that dropping the indexes over the scores and
    building them again (about 10 s at a million leads) costs less than a new entry in every
    index for each lead it changes: its model's first run over every lead (each lead's version
    changes), or a run that changes at least ``SCORING_REBUILD_SHARE`` of a random sample of
    leads (the nightly decay run changes about a third of them at a million leads, a rerun of
    the same model a moment later next to none)."""
    if not ScoringRun.objects.filter(model=run.model, status=RunStatus.DONE).exists():
        return True
    share = settings.SCORING_REBUILD_SHARE
    return share < 1 and scores_changed_share(model=run.model, now=run.as_of) >= share


def scoring_run_execute(*, run_id: int, helpers: int = 0) -> ScoringRun:
    """Write every chunk still to do, each in its own transaction with the run's progress, and
    start ``helpers`` more tasks that write chunks beside this one.

    A chunk is held by the worker writing it, so workers on the same run share its chunks and
    never write one twice; a worker killed mid-chunk rolls the chunk back, and it is written
    when the run is resumed (``scoring_runs_resume_stalled``) or its task is delivered again.
    The worker that finds every chunk done builds the indexes a run that rewrites most leads
    dropped, then closes the run. A cancelled run is left as it is."""
    from leads.scoring.tasks import scoring_run_task

    ScoringRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    try:
        run, cut = _prepare(run_id)
        if run.is_finished:
            return run
        if cut and _on_postgresql() and rescore_rewrites_many(run):
            rescore_indexes_drop()
        for _helper in range(helpers):
            scoring_run_task.delay(run_id, helper=True)
        while _chunk_next(run_id):
            pass
    except RunSuperseded as superseded:
        rescore_indexes_build()
        ScoringRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(
            status=RunStatus.FAILED, error=str(superseded), finished_at=timezone.now()
        )
        return _closed(run_id, finished=False, built=[])
    if ScoringRunChunk.objects.filter(run_id=run_id, done=False).exists():
        return ScoringRun.objects.get(pk=run_id)  # another worker writes the last chunks
    _heartbeat(run_id)
    built = rescore_indexes_build()
    finished = ScoringRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, finished_at=timezone.now()
    )
    return _closed(run_id, finished=bool(finished), built=built)


def _closed(run_id: int, *, finished: bool, built: list[str]) -> ScoringRun:
    """After the run is done or failed: compact the leads' other indexes if this worker closed a
    run that could not rewrite most leads in place (``compaction_due``)."""
    from leads.scoring.tasks import lead_indexes_compact_task

    run = ScoringRun.objects.get(pk=run_id)
    if finished and compaction_due(moved=run.leads_moved, total=run.leads_total):
        task_send_on_commit(lead_indexes_compact_task, skip=built)
    return run


def _heartbeat(run_id: int) -> None:
    ScoringRun.objects.filter(pk=run_id, status__in=UNFINISHED).update(heartbeat_at=timezone.now())


# --- runs whose worker stopped ----------------------------------------------------------------


def _unfinished(run_id: int | None = None):
    runs = ScoringRun.objects.filter(status__in=UNFINISHED)
    return runs if run_id is None else runs.filter(pk=run_id)


def _resume(run_id: int | None = None) -> list[int]:
    """Claim the stalled runs (or this one) and enqueue each again when the claim commits."""
    from leads.scoring.tasks import scoring_run_task

    claimed = stalled_claim(_unfinished(run_id), resumes=F("resumes") + 1)
    for claimed_id in claimed:
        task_send_on_commit(scoring_run_task, claimed_id)
    return claimed


def scoring_runs_resume_stalled() -> list[int]:
    """Resume every run whose heartbeat stopped (its worker died) from its chunks not written;
    return their ids. Each is claimed once, however many beats or workers ask at once; the
    original task, delivered again by the broker later, finds the chunks written."""
    return _resume()


def scoring_run_stalled(run: ScoringRun) -> bool:
    """Whether the run is unfinished and its worker stopped (the page offers to resume it)."""
    return not run.is_finished and stalled_exists(_unfinished(run.pk))


def scoring_run_resume(*, run: ScoringRun) -> None:
    """Resume a run whose worker stopped, now (the run page's button; beat does the same)."""
    if not _resume(run.pk):
        raise ValidationError(_not_stalled(run))


def scoring_run_cancel(*, run: ScoringRun, actor) -> list[str]:
    """Cancel a run whose worker stopped, and build the indexes of the leads it had dropped;
    return their names. The leads it had not written keep their scores."""
    name = actor.get_full_name() or actor.username
    cancelled = stalled_claim(
        _unfinished(run.pk),
        status=RunStatus.CANCELLED,
        finished_at=timezone.now(),
        error=f"Cancelled by {name} after its worker stopped; the leads not rescored keep "
        "their scores.",
    )
    if not cancelled:
        raise ValidationError(_not_stalled(run))
    return rescore_indexes_build()


def _not_stalled(run: ScoringRun) -> str:
    run.refresh_from_db()
    if run.is_finished:
        return f"This rescore is {run.get_status_display().lower()} already."
    return "This rescore is still running: a worker wrote its last chunk a moment ago."
