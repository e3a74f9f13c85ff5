"""What the benchmark measures of the scoring engine: the full rescore against one hand-written
statement and a naive per-lead loop, incremental scoring through a real worker, sustained event
throughput, and the lab's backtest."""

from __future__ import annotations

import datetime
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench import handsql
from bench.pages import Figures, _percentile
from leads.models import Event, Lead
from leads.scoring.models import RunStatus, ScoringModel, ScoringRun
from leads.scoring.runs import scoring_run_execute
from leads.scoring.services import (
    scoring_model_activate,
    scoring_model_clone,
    scoring_model_default,
)

ROOT = Path(__file__).resolve().parent.parent
NAIVE_SAMPLE = 2_000
SCORE_COLUMNS = "fit_score, engagement_score, total_score, temperature, grade"


def active_model() -> ScoringModel:
    """The active model, or the starter model activated without its rescore (``enqueue=False``:
    the leads keep the scores the generator gave them, as a previous version's would be)."""
    model = ScoringModel.objects.active().first()
    if model is None:
        model = scoring_model_default()
        scoring_model_activate(model=model, actor=None, enqueue=False)
    return model


def _fingerprint() -> tuple[int, int]:
    """A checksum of every lead's scores, to tell whether two rescores wrote the same."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), sum(hashtext(concat_ws(',', {SCORE_COLUMNS}))::bigint) "  # noqa: S608
            "FROM leads_lead"
        )
        return cursor.fetchone()


def measure_rescore(leads: int, figures: Figures) -> None:
    """A new version activated, and every lead scored with it as of one instant, each way from
    the leads as the previous version left them: first by one hand-written statement, rolled
    back; then 2,000 leads by a naive loop (which the engine then finds already current);
    then every lead by the engine's chunked run."""
    model = scoring_model_clone(model=active_model(), actor=None)
    started = time.perf_counter()
    run = scoring_model_activate(model=model, actor=None, enqueue=False)
    created = time.perf_counter() - started

    hand, written_by_hand = _hand_sql(model, run.as_of)
    figures.add(f"rescore_{leads}_hand_sql_seconds", hand, "s")
    naive = _naive_loop(model, run.as_of)
    figures.add(f"rescore_{leads}_naive_leads_per_s", naive, "leads/s")
    figures.add(f"rescore_{leads}_naive_extrapolated_seconds", leads / naive, "s")

    if settings.CELERY_TASK_ALWAYS_EAGER:
        figures.add(f"rescore_{leads}_workers", "none: run in-process (no broker)", "")
        started = time.perf_counter()
        run = scoring_run_execute(run_id=run.pk)
        seconds = created + time.perf_counter() - started
    else:
        figures.add(f"rescore_{leads}_workers", "one worker of concurrency 2", "")
        run, seconds, chunks = _rescore_by_worker(run)
        seconds, chunks = created + seconds, created + chunks
        figures.add(f"rescore_{leads}_chunks_seconds", chunks, "s (every lead written)")
        figures.add(
            f"rescore_{leads}_index_build_seconds",
            seconds - chunks,
            "s (the leads' indexes rebuilt)",
        )
    assert run.status == RunStatus.DONE, run.error
    figures.add(f"rescore_{leads}_seconds", seconds, "s")
    figures.add(f"rescore_{leads}_leads_per_s", run.leads_done / seconds, "leads/s")
    figures.add(f"rescore_{leads}_leads_written", run.leads_written, "leads")
    figures.add(f"rescore_{leads}_leads_qualified", run.leads_qualified, "leads (moved to MQL)")
    figures.add(
        f"rescore_{leads}_leads_moved",
        run.leads_moved,
        "leads (not rewritten in place: a qualified lead's stage is in kept indexes)",
    )
    figures.add(f"rescore_{leads}_vs_hand_sql", seconds / hand, "x")
    figures.add(
        f"rescore_{leads}_agrees_with_hand_sql",
        "yes" if _fingerprint() == written_by_hand else "NO",
    )

    figures.add(f"rescore_{leads}_vs_naive", (leads / naive) / seconds, "x faster")
    figures.add("goal_rescore_under_60_s", "met" if seconds < 60 else "MISSED", "")
    figures.add("goal_rescore_within_1_5x_hand_sql", "met" if seconds <= 1.5 * hand else "MISSED")
    figures.add("goal_rescore_100x_naive", "met" if (leads / naive) / seconds >= 100 else "MISSED")


def _hand_sql(model: ScoringModel, now) -> tuple[float, tuple[int, int]]:
    """Seconds of the hand-written statement scoring every lead with ``model`` as of ``now``,
    and the checksum of what it wrote. Rolled back and vacuumed away, so that the engine then
    starts from the same leads, pages and indexes (the statement rewriting scores it had just
    written itself would change no indexed column, and be flattered by in-place updates)."""
    statement = handsql.rescore_statement(model).as_string(connection.connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        started = time.perf_counter()
        cursor.execute(statement, handsql.params(model, now))
        seconds = time.perf_counter() - started
        written = _fingerprint()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) leads_lead, leads_scorehistory")
    return seconds, written


def _rescore_by_worker(run: ScoringRun) -> tuple[ScoringRun, float, float]:
    """The run enqueued as an activation enqueues it, timed until a real worker closes it;
    returns the run, its seconds, and the seconds until every chunk was written. The worker
    leaves the compaction that follows to ``measure_compaction``, which times it alone."""
    from leads.scoring.tasks import scoring_run_task

    _backlog_clear()
    worker = Worker(env={"SCORING_COMPACT_SHARE": "0"})
    try:
        started = time.perf_counter()
        scoring_run_task.delay(run.pk)
        chunks = None
        while not run.is_finished:
            time.sleep(0.05)
            run.refresh_from_db()
            if chunks is None and run.leads_done >= run.leads_total:
                chunks = time.perf_counter() - started
        seconds = time.perf_counter() - started
    finally:
        worker.stop()
    return run, seconds, chunks if chunks is not None else seconds


def _lead_index_megabytes() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_indexes_size('leads_lead')")
        return cursor.fetchone()[0] / 2**20


def measure_compaction(figures: Figures) -> None:
    """The leads' indexes after the rescores rewrote every lead, rebuilt as a worker does after
    such a run, then vacuumed as autovacuum would; the pages are measured again after this."""
    from leads.scoring.compaction import lead_indexes_compact

    figures.add("lead_indexes_after_rescore", _lead_index_megabytes(), "MB")
    started = time.perf_counter()
    rebuilt = lead_indexes_compact()
    figures.add("lead_indexes_rebuilt", len(rebuilt or ()), "indexes")
    figures.add("lead_indexes_rebuild_seconds", time.perf_counter() - started, "s")
    figures.add("lead_indexes_rebuilt_size", _lead_index_megabytes(), "MB")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) leads_lead")
    figures.add("lead_vacuum_seconds", time.perf_counter() - started, "s")


def _naive_loop(model: ScoringModel, now) -> float:
    """Leads/s of a per-lead ORM loop: fetch the lead and its events, score it in Python (the
    tests' reference scorer), save it. Timed on a random sample and extrapolated."""
    sys.path.insert(0, str(ROOT))
    from tests.leads.scoring import reference

    model = ScoringModel.objects.prefetch_related(
        "fit_groups", "fit_rules", "engagement_rules"
    ).get(pk=model.pk)
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    rng = random.Random(11)  # noqa: S311 - a sample, not a secret
    sample = rng.sample(range(bounds["low"], bounds["high"] + 1), NAIVE_SAMPLE)
    started = time.perf_counter()
    for lead_id in sample:
        lead = Lead.objects.select_related("company").filter(pk=lead_id).first()
        if lead is None:
            continue
        events = list(Event.objects.filter(lead=lead))
        score = reference.score(model, lead, events, now)
        lead.fit_score, lead.engagement_score = score.fit, score.engagement
        lead.total_score, lead.temperature, lead.grade = score.total, score.temperature, score.grade
        lead.scored_at, lead.scoring_model = now, model
        lead.save(update_fields=[*SCORE_COLUMNS.split(", "), "scored_at", "scoring_model"])
    return NAIVE_SAMPLE / (time.perf_counter() - started)


# Incremental scoring through a real worker -------------------------------------------------------

INCREMENTAL_EVENTS = 1_000
SUSTAINED_BATCHES = 40
BATCH_SIZE = 1_000
INCREMENTAL_GOAL_MS = 250
SUSTAINED_GOAL = 5_000


def marketer():
    from django.contrib.auth.models import User

    from smarketing.accounts import user_create
    from smarketing.roles import Role

    user = User.objects.filter(username="bench-marketer").first()
    return user or user_create(
        username="bench-marketer", role=Role.MARKETING, password=uuid.uuid4().hex,
        first_name="Bench", last_name="Marketer", validate=False,
    )  # fmt: skip


class Worker:
    """A Celery worker process on the ``scoring`` queue, concurrency 2, on this database."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        from smarketing.celery import app

        self.app = app
        self.node = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        env = {**os.environ, "CONN_MAX_AGE": "60", **(env or {})}
        self.log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115 - closed in stop
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "celery", "-A", "smarketing", "worker", "-Q", "scoring",
             "-n", self.node, "-c", "2", "--without-mingle", "--without-gossip",
             "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.node], timeout=0.5):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(
                    "The benchmark's Celery worker did not start; see var/bench-worker.log."
                )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _backlog_clear() -> None:
    from leads.scoring import incremental
    from smarketing.celery import app

    app.control.purge()
    client = incremental._redis()
    client.delete(incremental.PENDING_KEY, incremental.SCHEDULED_KEY, incremental.HELPER_KEY)


def _scored_at(cursor, lead_id: int):
    cursor.execute("SELECT scored_at FROM leads_lead WHERE id = %s", [lead_id])
    return cursor.fetchone()[0]


def measure_incremental(figures: Figures) -> None:
    """From the event API's answer to the lead's new score committed, one event at a time; then
    events/s through the batch API until every lead's score is current."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        figures.add("incremental", "skipped: no broker (set CELERY_BROKER_URL)", "")
        return
    active_model()
    _backlog_clear()
    client = Client()
    client.force_login(marketer())
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    rng = random.Random(5)  # noqa: S311 - which leads, not a secret
    worker = Worker()
    try:
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            latencies = _single_events(client, bounds, rng)
            figures.add("incremental_events", len(latencies), "events")
            figures.add("incremental_p50", statistics.median(latencies), "ms")
            figures.add("incremental_p95", _percentile(latencies, 0.95), "ms")
            figures.add(
                "goal_incremental_p95",
                "met" if _percentile(latencies, 0.95) < INCREMENTAL_GOAL_MS else "MISSED",
                f"(< {INCREMENTAL_GOAL_MS} ms)",
            )
            events, seconds, posted = _sustained(bounds)
            figures.add("sustained_events", events, "events")
            figures.add("sustained_seconds", seconds, "s")
            figures.add("sustained_api_seconds", posted, "s (the batch API accepting them)")
            figures.add(
                "sustained_catch_up_seconds", seconds - posted, "s (scoring after the last)"
            )
            figures.add("sustained_events_per_s", events / seconds, "events/s")
            figures.add(
                "goal_sustained_events_per_s",
                "met" if events / seconds >= SUSTAINED_GOAL else "MISSED",
                f"(>= {SUSTAINED_GOAL:,} with one worker of concurrency 2)",
            )
    finally:
        worker.stop()


def _single_events(client: Client, bounds: dict, rng: random.Random) -> list[float]:
    latencies = []
    with connection.cursor() as cursor:
        for _ in range(INCREMENTAL_EVENTS):
            lead_id = rng.randint(bounds["low"], bounds["high"])
            before = _scored_at(cursor, lead_id)
            response = client.post(
                "/api/events/",
                {"lead": lead_id, "type": "pricing_page_view",
                 "occurred_at": timezone.now().isoformat()},
                content_type="application/json",
            )  # fmt: skip
            answered = time.perf_counter()
            if response.status_code != 201:
                raise RuntimeError(f"The event API answered {response.status_code}.")
            deadline = answered + 10
            while _scored_at(cursor, lead_id) == before:
                if time.perf_counter() > deadline:
                    raise RuntimeError("The worker did not score an event's lead within 10 s.")
                time.sleep(0.001)
            latencies.append((time.perf_counter() - answered) * 1000)
    return latencies


def _post_batches(batches: int, bounds: dict, seed: int, last: dict) -> None:
    """One API client posting ``batches`` batches of events for random leads."""
    client = Client()
    client.force_login(marketer())
    rng = random.Random(seed)  # noqa: S311 - which leads, not a secret
    for _ in range(batches):
        sent_at = timezone.now()
        lead_ids = [rng.randint(bounds["low"], bounds["high"]) for _ in range(BATCH_SIZE)]
        events = [
            {"lead": lead_id, "type": "page_view", "occurred_at": sent_at.isoformat(),
             "properties": {"url": "/features"}}
            for lead_id in lead_ids
        ]  # fmt: skip
        response = client.post(
            "/api/events/batch/", {"events": events}, content_type="application/json"
        )
        if response.status_code != 201:
            raise RuntimeError(f"The batch API answered {response.status_code}.")
        last[seed] = (sent_at, lead_ids)


def _sustained(bounds: dict) -> tuple[int, float, float]:
    """Batches posted one after the other until every lead of the last batch is scored after
    it; returns the events, the seconds in all and the seconds the API took to accept them."""
    from leads.scoring import incremental

    last: dict = {}
    started = time.perf_counter()
    _post_batches(SUSTAINED_BATCHES, bounds, 1, last)
    posted = time.perf_counter() - started
    sent_at, lead_ids = last[1]
    # Current: nothing waits in Redis, and every lead of the last batch was scored after it.
    deadline = time.perf_counter() + 300
    while (
        incremental._redis().scard(incremental.PENDING_KEY)
        or Lead.objects.filter(pk__in=lead_ids, scored_at__lt=sent_at).exists()
    ):
        if time.perf_counter() > deadline:
            raise RuntimeError("The worker did not catch up within 5 minutes.")
        time.sleep(0.01)
    return SUSTAINED_BATCHES * BATCH_SIZE, time.perf_counter() - started, posted


# The lab's backtest --------------------------------------------------------------------------

BACKTEST_LEADS = 100_000
BACKTEST_DAYS = 30
BACKTEST_GOAL = 10


def measure_backtest(figures: Figures) -> None:
    """A draft (the active model with a rule changed) against the active model, on the 100,000
    leads created most recently at least 30 days ago, each scored as of 30 days after creation."""
    from leads.scoring.lab import lab_run_execute
    from leads.scoring.models import LabRun

    active = active_model()
    draft = scoring_model_clone(model=active, actor=None)
    rule = draft.engagement_rules.order_by("position").first()
    rule.points += 10
    rule.save()
    cutoff = timezone.now() - datetime.timedelta(days=BACKTEST_DAYS + 1)
    created = list(
        Lead.objects.filter(created_at__lte=cutoff)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: BACKTEST_LEADS : BACKTEST_LEADS - 1]
    )
    parameters = {
        "created_from": timezone.localdate(created[-1]).isoformat(),
        "created_to": timezone.localdate(created[0]).isoformat(),
        "days": BACKTEST_DAYS,
    }
    # Timed twice: first as the lab's first run after the rescores, then again as a marketer
    # trying a second draft, with the period's events already read.
    for attempt in ("first", "again"):
        run = LabRun.objects.create(
            kind=LabRun.Kind.BACKTEST, model=draft, baseline=active, parameters=parameters
        )
        started = time.perf_counter()
        lab_run_execute(run_id=run.pk)
        seconds = time.perf_counter() - started
        run.refresh_from_db()
        if run.status != RunStatus.DONE:
            raise RuntimeError(f"The backtest failed: {run.error}")
        figures.add(f"backtest_{attempt}_seconds", seconds, "s")
        figures.add(
            f"goal_backtest_{attempt}_seconds",
            "met" if seconds < BACKTEST_GOAL else "MISSED",
            f"(< {BACKTEST_GOAL} s)",
        )
    figures.add("backtest_leads", run.result["leads"], "leads")
    figures.add("backtest_auc_active", run.result["active"]["auc"] or 0.0, "")
    figures.add("backtest_auc_draft", run.result["draft"]["auc"] or 0.0, "")
    draft.delete()
