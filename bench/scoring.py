"""What the benchmark measures of the scoring engine: the rescore in four scenarios against
the fastest rescores written by hand (``bench.reference``) and a naive per-lead loop,
incremental scoring through a real worker, sustained event throughput, and the lab's
backtest."""

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
from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench import byhand, reference
from bench.pages import Figures, _percentile
from leads.models import Event, Lead
from leads.scoring.engine import history_day
from leads.scoring.models import RunStatus, ScoringModel, ScoringRun
from leads.scoring.runs import rescore_rewrites_many, scoring_run_execute, scoring_run_start
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


# The rescore's scenarios: each run by the engine and by the hand-written references, all from
# the same leads (``reference.scores_save`` / ``scores_restore`` between them), checked to
# arrive at the scores ``bench.byhand`` reads from the rules.
FULL_REFERENCES = ("staged", "chunked", "plain")
CHANGED_REFERENCES = ("staged", "chunked")
GOALS_RATIO = {"first": 1.5, "steady": 1.2, "unchanged": 1.5, "decay": 1.5}
SCENARIOS = {
    "first": "a new version's first rescore after the data was generated, with its MQL moves",
    "steady": "a new version with changed points: every lead rewritten",
    "unchanged": "the same version again a moment later: nothing changes",
    "decay": "the nightly decay run one simulated day later: only changed leads written",
}


def measure_rescore(leads: int, figures: Figures) -> None:
    """The four scenarios of a rescore, each timed by the engine (through a real worker) and by
    the references; then a naive per-lead loop for scale."""
    first = scoring_model_clone(model=active_model(), actor=None)
    started = time.perf_counter()
    run = scoring_model_activate(model=first, actor=None, enqueue=False)
    _scenario("first", run, figures, created=time.perf_counter() - started)

    # Every engagement rule's points moved by one, up and down in turn: most leads' scores
    # change, and about as many leads are hot after as before (the pages measured later read
    # the same share of them).
    steady = scoring_model_clone(model=first, actor=None)
    for number, rule in enumerate(steady.engagement_rules.order_by("position")):
        rule.points += 1 if number % 2 == 0 else -1
        rule.save(update_fields=["points"])
    started = time.perf_counter()
    run = scoring_model_activate(model=steady, actor=None, enqueue=False)
    run = _scenario("steady", run, figures, created=time.perf_counter() - started)

    run = scoring_run_start(model=steady, kind=ScoringRun.Kind.MANUAL, enqueue=False)
    _scenario("unchanged", run, figures)
    run = scoring_run_start(model=steady, kind=ScoringRun.Kind.DECAY, enqueue=False)
    ScoringRun.objects.filter(pk=run.pk).update(as_of=run.as_of + datetime.timedelta(days=1))
    run.refresh_from_db()
    _scenario("decay", run, figures, restore=True)

    naive = _naive_loop(steady, timezone.now())
    seconds = figures.get("rescore_steady_seconds")
    figures.add(f"rescore_{leads}_naive_leads_per_s", naive, "leads/s")
    figures.add(f"rescore_{leads}_naive_extrapolated_seconds", leads / naive, "s")
    figures.add("rescore_steady_vs_naive", (leads / naive) / seconds, "x faster")
    figures.add("goal_rescore_under_60_s", "met" if seconds < 60 else "MISSED", "")
    figures.add(
        "goal_rescore_100x_naive", "met" if (leads / naive) / seconds >= 100 else "MISSED", ""
    )


def _scenario(
    name: str, run: ScoringRun, figures: Figures, *, created: float = 0.0, restore: bool = False
) -> ScoringRun:
    """Time the same work by each reference, then by the engine's ``run``, each from the same
    leads; print the figures and the ratio to the fastest reference. With ``restore``, the
    leads get their scores back after (a run as of tomorrow must not leave tomorrow's scores)."""
    figures.add(f"rescore_{name}", SCENARIOS[name], "")
    model, as_of = run.model, run.as_of
    day = history_day(as_of)
    expected = byhand.fingerprint(model, as_of)
    full = name in ("first", "steady")
    # The references treat the indexes as the engine decides to for this run.
    indexes = rescore_rewrites_many(run)
    figures.add(f"rescore_{name}_indexes_rebuilt", "yes" if indexes else "no")
    reference.scores_save(day)
    best = None
    for kind in FULL_REFERENCES if full else CHANGED_REFERENCES:
        if full:
            timing = getattr(reference, kind)(model, as_of)
        else:
            timing = getattr(reference, kind)(model, as_of, only_changed=True, indexes=indexes)
        agrees = _fingerprint() == expected
        if name == "decay" and kind == CHANGED_REFERENCES[0]:
            _changes_count(figures)
        reference.scores_restore(day)
        figures.add(f"rescore_{name}_{kind}_seconds", timing.seconds, "s")
        figures.add(f"rescore_{name}_{kind}_written", timing.written, "leads")
        figures.add(f"rescore_{name}_{kind}_agrees", "yes" if agrees else "NO")
        if kind != "plain" and (best is None or timing.seconds < best[1]):
            best = (kind, timing.seconds)

    run, seconds, chunks = _rescore(run)
    seconds += created
    if run.status != RunStatus.DONE:
        raise RuntimeError(f"The {name} rescore failed: {run.error}")
    figures.add(f"rescore_{name}_seconds", seconds, "s")
    if indexes:
        figures.add(
            f"rescore_{name}_chunks_seconds", chunks + created,
            "s (every chunk written)" if full else "s (every chunk read, the changed leads written)",
        )  # fmt: skip
        figures.add(
            f"rescore_{name}_index_build_seconds", seconds - chunks - created,
            "s (the indexes over the scores built again)",
        )  # fmt: skip
    figures.add(f"rescore_{name}_leads_per_s", run.leads_done / seconds, "leads/s")
    figures.add(f"rescore_{name}_written", run.leads_written, "leads")
    figures.add(f"rescore_{name}_qualified", run.leads_qualified, "leads (moved to MQL)")
    figures.add(f"rescore_{name}_agrees", "yes" if _fingerprint() == expected else "NO")
    if restore:
        reference.scores_restore(day)
    reference.scores_saved_drop()
    kind, fastest = best
    ratio = seconds / fastest
    figures.add(f"rescore_{name}_reference", f"{kind}, {fastest:.1f} s: the fastest by hand")
    figures.add(f"rescore_{name}_vs_reference", ratio, "x")
    if full:
        plain = figures.get(f"rescore_{name}_plain_seconds")
        figures.add(f"rescore_{name}_vs_plain", seconds / plain, "x")
    goal = GOALS_RATIO[name]
    figures.add(
        f"goal_rescore_{name}_within_{goal}x_reference", "met" if ratio <= goal else "MISSED"
    )
    return run


def _changes_count(figures: Figures) -> None:
    """What the decay run changes, value by value (the leads against their saved scores)."""
    columns = ("fit_score", "engagement_score", "total_score", "temperature", "grade")
    counts = ", ".join(f"count(*) FILTER (WHERE l.{c} IS DISTINCT FROM s.{c})" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), {counts} FROM leads_lead l "  # noqa: S608
            f"JOIN {reference.SAVED} s ON s.id = l.id"
        )
        leads, *changed = cursor.fetchone()
    for column, count in zip(columns, changed, strict=True):
        share = 100 * count / max(leads, 1)
        figures.add(f"rescore_decay_changed_{column}", count, f"leads ({share:.1f} %)")


def _rescore(run: ScoringRun) -> tuple[ScoringRun, float, float]:
    """The engine's run: through a real worker, or in-process without a broker. Returns the
    run, its seconds and the seconds until every chunk was written."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return _rescore_by_worker(run)
    started = time.perf_counter()
    run = scoring_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - started
    return run, seconds, seconds


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
    tests' reference scorer), save it. Timed on a random sample of ids and extrapolated."""
    sys.path.insert(0, str(ROOT))
    from tests.leads.scoring import reference

    model = ScoringModel.objects.prefetch_related(
        "fit_groups", "fit_rules", "engagement_rules"
    ).get(pk=model.pk)
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    rng = random.Random(11)  # noqa: S311 - a sample, not a secret
    sample = rng.sample(range(bounds["low"], bounds["high"] + 1), NAIVE_SAMPLE)
    scored = 0
    started = time.perf_counter()
    for lead_id in sample:
        lead = Lead.objects.select_related("company").filter(pk=lead_id).first()
        if lead is None:
            continue
        scored += 1
        events = list(Event.objects.filter(lead=lead))
        score = reference.score(model, lead, events, now)
        lead.fit_score, lead.engagement_score = score.fit, score.engagement
        lead.total_score, lead.temperature, lead.grade = score.total, score.temperature, score.grade
        lead.scored_at, lead.scoring_model = now, model
        lead.save(update_fields=[*SCORE_COLUMNS.split(", "), "scored_at", "scoring_model"])
    # An id with no lead behind it is looked up but not scored: only the leads scored count.
    return scored / (time.perf_counter() - started)


# Incremental scoring through a real worker -------------------------------------------------------

INCREMENTAL_EVENTS = 1_000
SUSTAINED_BATCHES = 40
BATCH_SIZE = 1_000
INCREMENTAL_GOAL_MS = 250
SUSTAINED_GOAL = 5_000
SUSTAINED_RUNS = 3


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
    # From tables as autovacuum keeps them between bursts, not with it catching up on the
    # rescores' million updates while the events are timed.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) leads_lead, leads_event, leads_scorehistory")
    figures.add("events_vacuum_seconds", time.perf_counter() - started, "s (before timing)")
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
            rates = []
            for attempt in range(1, SUSTAINED_RUNS + 1):
                events, seconds, posted = _sustained(bounds, seed=attempt)
                figures.add(f"sustained_{attempt}_events", events, "events")
                figures.add(f"sustained_{attempt}_seconds", seconds, "s")
                figures.add(
                    f"sustained_{attempt}_api_seconds", posted, "s (the batch API accepting them)"
                )
                figures.add(
                    f"sustained_{attempt}_catch_up_seconds",
                    seconds - posted,
                    "s (scoring after the last)",
                )
                figures.add(f"sustained_{attempt}_events_per_s", events / seconds, "events/s")
                rates.append(events / seconds)
            median = statistics.median(rates)
            figures.add("sustained_events_per_s_median", median, "events/s")
            figures.add("sustained_events_per_s_spread", f"{min(rates):,.0f}–{max(rates):,.0f}")
            figures.add(
                "goal_sustained_events_per_s",
                "met" if median >= SUSTAINED_GOAL else "MISSED",
                f"(median of {SUSTAINED_RUNS} >= {SUSTAINED_GOAL:,} with one worker of concurrency 2)",
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


def _sustained(bounds: dict, seed: int) -> tuple[int, float, float]:
    """Batches posted one after the other until every lead of the last batch is scored after
    it; returns the events, the seconds in all and the seconds the API took to accept them."""
    from leads.scoring import incremental

    last: dict = {}
    started = time.perf_counter()
    _post_batches(SUSTAINED_BATCHES, bounds, seed, last)
    posted = time.perf_counter() - started
    sent_at, lead_ids = last[seed]
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
