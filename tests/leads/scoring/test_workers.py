"""The scoring workers: incremental scoring on commit (coalesced), full rescores in resumable
chunks, the sweep, the nightly decay run, and idempotence under concurrency."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Event, Lead
from leads.scoring import incremental
from leads.scoring.compaction import rescore_indexes, rescore_indexes_build
from leads.scoring.engine import leads_score, leads_score_ids
from leads.scoring.models import RunStatus, ScoreHistory, ScoringRun
from leads.scoring.runs import (
    _chunk_claim,
    _chunk_next,
    _prepare,
    scoring_run_execute,
    scoring_run_start,
)
from leads.scoring.services import scoring_model_activate
from leads.scoring.tasks import score_history_prune_task, scoring_decay_task
from leads.services import events_record
from tests.factories import LeadFactory
from tests.fixtures.worker import ROOT, _database_url
from tests.helpers import in_threads, transaction_held
from tests.leads.scoring.helpers import compiled_scores, make_model

SCORE_FIELDS = ("fit_score", "engagement_score", "total_score", "temperature", "grade")


@pytest.fixture(autouse=True)
def _fresh_redis_client():
    """Each test reaches the broker its settings name."""
    incremental._redis.cache_clear()
    yield
    incremental._redis.cache_clear()


def _active_model():
    model = make_model(
        fit=[("seniority", "one_of", ["vp", "c_level"], 20)],
        engagement=[
            {"event_type": "demo_request", "points": 40, "half_life_days": 90},
            {"event_type": "page_view", "points": 2, "half_life_days": 7, "cap": 20},
        ],
    )
    scoring_model_activate(model=model, actor=None)
    return model


def _scores(lead_ids) -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in Lead.objects.filter(pk__in=lead_ids).values_list("pk", *SCORE_FIELDS)
    }


def _expected(model, leads, now) -> dict[int, tuple]:
    computed = compiled_scores(model, leads, now)
    return {pk: tuple(values[name] for name in SCORE_FIELDS) for pk, values in computed.items()}


def _events(lead, *types, at=None):
    at = at or timezone.now() - datetime.timedelta(hours=1)
    return [Event(lead=lead, type=event_type, occurred_at=at) for event_type in types]


def _wait_until(condition, timeout=30.0, message="the worker did not finish"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(message)


# Incremental ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_events_written_without_a_broker_are_scored_when_the_transaction_commits():
    model = _active_model()
    lead = LeadFactory(seniority="vp")
    events_record(events=_events(lead, "demo_request", "page_view"))
    lead.refresh_from_db()
    assert lead.scoring_model_id == model.pk
    assert lead.fit_score == 20
    assert lead.total_score == lead.fit_score + lead.engagement_score
    assert lead.engagement_score == pytest.approx(42, abs=1)


@pytest.mark.django_db
def test_nothing_is_scored_before_the_writing_transaction_commits():
    _active_model()
    lead = LeadFactory(seniority="vp")
    events_record(events=_events(lead, "demo_request"))  # the test's transaction never commits
    lead.refresh_from_db()
    assert lead.scored_at is None


def test_a_burst_of_events_while_the_workers_are_busy_makes_one_task(
    broker, transactional_db, monkeypatch
):
    model = _active_model()
    leads = LeadFactory.create_batch(2_000)
    sent = []
    monkeypatch.setattr(incremental_task(), "delay", lambda: sent.append(1))
    at = timezone.now() - datetime.timedelta(hours=1)
    for start in range(0, 2_000, 2):  # 10,000 events for 2,000 leads, in 1,000 commits
        events_record(
            events=[
                Event(lead=lead, type="page_view", occurred_at=at)
                for lead in leads[start : start + 2]
                for _ in range(5)
            ]
        )
    assert len(sent) == 1  # no worker has taken the first task yet: one is enough
    assert incremental._redis().scard(incremental.PENDING_KEY) == 2_000

    assert incremental.scoring_pending() == 2_000  # what the one task does
    assert not incremental._redis().scard(incremental.PENDING_KEY)
    assert Lead.objects.filter(scoring_model=model, engagement_score=10).count() == 2_000


def test_a_backlog_of_several_batches_schedules_one_helper_that_takes_batches_too(
    broker, transactional_db, monkeypatch
):
    model = _active_model()
    monkeypatch.setattr(incremental, "BATCH", 100)
    leads = LeadFactory.create_batch(350)
    client = incremental._redis()
    client.delete(incremental.PENDING_KEY, incremental.HELPER_KEY)
    client.sadd(incremental.PENDING_KEY, *[lead.pk for lead in leads])
    helpers = []
    monkeypatch.setattr(incremental_task(), "delay", lambda **kwargs: helpers.append(kwargs))

    # The helper starts while this task scores its second batch, and takes the rest.
    client.set(incremental.SCHEDULED_KEY, 1)
    started, scored = [], []
    real_pop = client.spop

    def pop_and_let_the_helper_run(key, count):
        ids = real_pop(key, count)
        if helpers and not started:
            started.append(True)
            scored.append(incremental.scoring_pending(helper=True))
        return ids

    monkeypatch.setattr(client, "spop", pop_and_let_the_helper_run)
    mine = incremental.scoring_pending()

    assert helpers == [{"helper": True}]  # one helper however long the backlog
    assert (mine, scored) == (200, [150])  # two batches here, the rest by the helper
    assert not client.exists(incremental.SCHEDULED_KEY, incremental.HELPER_KEY)
    assert Lead.objects.filter(scoring_model=model).count() == 350


def test_a_real_worker_scores_the_leads_of_events_as_they_are_committed(celery_worker):
    model = _active_model()
    leads = LeadFactory.create_batch(100, seniority="vp")
    for round_ in range(3):
        for lead in leads:
            events_record(events=_events(lead, "page_view" if round_ else "demo_request"))

    ids = [lead.pk for lead in leads]
    _wait_until(
        lambda: (
            Lead.objects.filter(pk__in=ids, scoring_model=model).count() == len(ids)
            and not incremental._redis().scard(incremental.PENDING_KEY)
            and not incremental._redis().exists(incremental.SCHEDULED_KEY)
        ),
        message="the worker did not score every lead",
    )
    for lead in Lead.objects.filter(pk__in=ids):  # each as the worker scored it, as of then
        assert _scores([lead.pk]) == _expected(model, [lead], lead.scored_at)
        assert lead.engagement_score == pytest.approx(44, abs=1)


def incremental_task():
    from leads.scoring.tasks import scoring_pending_task

    return scoring_pending_task


def test_the_event_api_answers_while_redis_is_down_and_the_sweep_scores_later(
    broker, transactional_db, settings, client_for, marketer
):
    model = _active_model()
    lead = LeadFactory(seniority="vp")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    incremental._redis.cache_clear()
    response = client_for(marketer).post(
        "/api/events/",
        {"lead": lead.pk, "type": "demo_request", "occurred_at": timezone.now().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    lead.refresh_from_db()
    assert lead.scored_at is None  # nothing could be enqueued

    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert incremental.sweep_candidates() == [lead.pk]
    assert incremental.leads_sweep() == 1
    lead.refresh_from_db()
    assert lead.scoring_model_id == model.pk and lead.total_score >= 60


@pytest.mark.django_db
def test_the_sweep_rescores_a_lead_whose_event_arrived_after_its_score():
    model = _active_model()
    lead = LeadFactory(seniority="vp")
    leads_score(model=model, leads=Lead.objects.filter(pk=lead.pk), only_changed=False)
    assert incremental.sweep_candidates() == []
    Event.objects.create(lead=lead, type="demo_request", occurred_at=timezone.now())
    Event.objects.filter(lead=lead).update(
        created_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert incremental.sweep_candidates() == [lead.pk]
    incremental.leads_sweep()
    lead.refresh_from_db()
    assert lead.engagement_score == 40
    # Once its score is newer than its events (beyond the margin), the sweep leaves it alone.
    Event.objects.filter(lead=lead).update(
        created_at=lead.scored_at - incremental.SWEEP_MARGIN - datetime.timedelta(seconds=1)
    )
    assert incremental.sweep_candidates() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_scoring_one_lead_at_once_write_the_same_row_as_one():
    model = _active_model()
    lead = LeadFactory(seniority="vp")
    Event.objects.bulk_create(_events(lead, "demo_request", "page_view", "page_view"))
    now = timezone.now()
    barrier = threading.Barrier(2)

    def score():
        barrier.wait()
        return incremental.leads_score_now([lead.pk], now=now)

    assert in_threads(score) == [1, 1]
    once = _expected(model, [lead], now)
    assert _scores([lead.pk]) == once
    assert ScoreHistory.objects.filter(lead=lead).count() == 1

    incremental.leads_score_now([lead.pk], now=now)  # and again: nothing changes
    assert _scores([lead.pk]) == once
    assert ScoreHistory.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_the_cached_statement_for_a_few_leads_writes_what_the_compiled_one_does():
    model = _active_model()
    leads = LeadFactory.create_batch(6, seniority="vp")
    for lead in leads[::2]:
        Event.objects.bulk_create(_events(lead, "demo_request", "page_view", "page_view"))
    for round_ in range(2):  # compiled, then from the cache
        now = timezone.now() + datetime.timedelta(days=round_ * 10)
        ids = [lead.pk for lead in leads[round_:]]
        assert leads_score_ids(model=model, ids=ids, now=now) == len(ids)
        assert _scores(ids) == _expected(model, leads[round_:], now)
        assert set(Lead.objects.filter(pk__in=ids).values_list("scored_at", flat=True)) == {now}
        assert ScoreHistory.objects.filter(lead__in=ids, day=now.date()).count() == len(ids)


# Full rescores -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_full_rescore_writes_every_lead_in_chunks_with_its_progress(settings):
    settings.SCORING_RUN_CHUNK = 7
    model = _active_model()
    leads = LeadFactory.create_batch(30, seniority="vp")
    for lead in leads[::3]:
        Event.objects.bulk_create(_events(lead, "demo_request"))
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL)  # runs eagerly on commit

    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.percent == 100
    assert run.leads_done == run.leads_total == 30
    assert run.leads_written == 30
    assert _scores([lead.pk for lead in leads]) == _expected(model, leads, run.as_of)


@pytest.mark.django_db(transaction=True)
def test_rerunning_a_finished_or_repeated_run_changes_nothing(settings):
    settings.SCORING_RUN_CHUNK = 10
    model = _active_model()
    leads = LeadFactory.create_batch(25)
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.MANUAL)
    before = _scores([lead.pk for lead in leads])
    with CaptureQueriesContext(connection) as queries:
        scoring_run_execute(run_id=run.pk)
    assert not [query for query in queries if query["sql"].startswith("WITH written")]
    assert _scores([lead.pk for lead in leads]) == before


@pytest.mark.django_db(transaction=True)
def test_a_rescore_of_a_model_that_was_replaced_stops():
    model = _active_model()
    LeadFactory.create_batch(5)
    run = ScoringRun.objects.create(
        model=model, kind=ScoringRun.Kind.ACTIVATION, as_of=timezone.now(), highest_lead_id=10**9
    )
    newer = make_model(fit=[("seniority", "equals", "vp", 5)])
    scoring_model_activate(model=newer, actor=None)
    run = scoring_run_execute(run_id=run.pk)
    assert run.status == RunStatus.FAILED
    assert "no longer the active model" in run.error


def test_a_killed_rescore_leaves_whole_chunks_and_resumes(transactional_db, tmp_path):
    model = _active_model()
    leads = LeadFactory.create_batch(400, seniority="vp")
    Event.objects.bulk_create(
        [event for lead in leads for event in _events(lead, "demo_request", "page_view")]
    )
    run = ScoringRun.objects.create(
        model=model,
        kind=ScoringRun.Kind.ACTIVATION,
        as_of=timezone.now(),
        highest_lead_id=max(lead.pk for lead in leads),
        leads_total=len(leads),
    )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SCORING_RUN_CHUNK": "5",
        "SMARKETING_VAR_DIR": str(tmp_path),
    }
    code = (
        f"from leads.scoring.runs import scoring_run_execute; scoring_run_execute(run_id={run.pk})"
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env
    )
    try:
        _wait_until(
            lambda: ScoringRun.objects.get(pk=run.pk).leads_done >= 50,
            message="the rescore did not start",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    run.refresh_from_db()
    done = list(run.chunks.filter(done=True))
    assert run.status == RunStatus.RUNNING and 0 < len(done) < run.chunks.count()
    in_done = {
        lead.pk for lead in leads if any(chunk.low < lead.pk <= chunk.high for chunk in done)
    }
    assert run.leads_done == len(in_done)
    # Every lead of a committed chunk is written, none of the others.
    assert set(Lead.objects.filter(scoring_model=model).values_list("pk", flat=True)) == in_done

    run = scoring_run_execute(run_id=run.pk)  # the task delivered again
    assert run.status == RunStatus.DONE and run.leads_done == len(leads)
    assert _scores([lead.pk for lead in leads]) == _expected(model, leads, run.as_of)
    # The indexes the run dropped for its chunks are back, whole.
    assert _rescore_indexes() == {index.name: True for index in rescore_indexes()}


def _rescore_indexes() -> dict[str, bool]:
    """The rebuilt indexes of the leads that exist, and whether each is valid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'leads_lead'::regclass AND c.relname = ANY(%s)",
            [[index.name for index in rescore_indexes()]],
        )
        return dict(cursor.fetchall())


def test_two_workers_share_a_rescore_and_write_each_chunk_once(transactional_db, settings):
    settings.SCORING_RUN_CHUNK = 9
    model = _active_model()
    leads = LeadFactory.create_batch(120, seniority="vp")
    Event.objects.bulk_create(
        [event for lead in leads[::2] for event in _events(lead, "demo_request")]
    )
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.ACTIVATION, enqueue=False)
    in_threads(lambda: scoring_run_execute(run_id=run.pk))
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    # A chunk written twice would be counted twice.
    assert run.leads_done == run.leads_total == 120 and run.leads_written == 120
    assert not run.chunks.filter(done=False).exists() and run.chunks.count() == 14
    assert _scores([lead.pk for lead in leads]) == _expected(model, leads, run.as_of)
    assert _rescore_indexes() == {index.name: True for index in rescore_indexes()}


def test_a_worker_takes_the_next_chunk_while_another_holds_one(transactional_db, settings):
    settings.SCORING_RUN_CHUNK = 10
    model = _active_model()
    LeadFactory.create_batch(30)
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.ACTIVATION, enqueue=False)
    run, _cut = _prepare(run.pk)
    # Another worker in the middle of writing the first chunk:
    with transaction_held(lambda: _chunk_claim(run.pk)) as held:
        assert held.number == 1
        assert _chunk_next(run.pk)  # does not wait for the held chunk, nor skip the rest
        assert _chunk_next(run.pk)
        assert not _chunk_next(run.pk)  # only the held one is left
        assert list(run.chunks.filter(done=True).values_list("number", flat=True)) == [2, 3]
    assert _chunk_next(run.pk)
    assert scoring_run_execute(run_id=run.pk).status == RunStatus.DONE


def test_a_lead_scored_during_a_rescore_keeps_its_newer_score(transactional_db, settings):
    settings.SCORING_RUN_CHUNK = 10
    model = _active_model()
    leads = LeadFactory.create_batch(20, seniority="vp")
    run = scoring_run_start(model=model, kind=ScoringRun.Kind.ACTIVATION, enqueue=False)
    # While the run waits in the queue, a demo request arrives and its lead is scored.
    lead, later = leads[13], run.as_of + datetime.timedelta(minutes=1)
    Event.objects.bulk_create(_events(lead, "demo_request", at=later))
    leads_score_ids(model=model, ids=[lead.pk], now=later)

    run = scoring_run_execute(run_id=run.pk)

    assert run.status == RunStatus.DONE and run.leads_written == 19
    others = [other for other in leads if other != lead]
    assert _scores([other.pk for other in others]) == _expected(model, others, run.as_of)
    assert _scores([lead.pk]) == _expected(model, [lead], later)
    assert Lead.objects.get(pk=lead.pk).scored_at == later


def test_an_index_build_cut_short_is_built_again(transactional_db):
    LeadFactory.create_batch(5)
    with connection.cursor() as cursor:  # as a killed CREATE INDEX CONCURRENTLY leaves it
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'lead_stage_score'::regclass"
        )
    assert _rescore_indexes()["lead_stage_score"] is False
    assert rescore_indexes_build() == ["lead_stage_score"]
    assert _rescore_indexes() == {index.name: True for index in rescore_indexes()}
    assert rescore_indexes_build() == []


@pytest.mark.django_db(transaction=True)
def test_the_nightly_decay_run_writes_only_the_leads_whose_scores_faded():
    model = _active_model()
    fresh, faded = LeadFactory.create_batch(2)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Event.objects.bulk_create(_events(faded, "page_view", "page_view", at=long_ago))
    leads_score(model=model, now=long_ago + datetime.timedelta(hours=1))
    run = ScoringRun.objects.get(pk=scoring_decay_task())
    assert run.kind == ScoringRun.Kind.DECAY and run.status == RunStatus.DONE
    assert run.leads_written == 1  # the fresh lead's zero did not change
    faded.refresh_from_db()
    assert faded.engagement_score == 0


@pytest.mark.django_db
def test_history_keeps_one_row_per_lead_and_day_and_ninety_days():
    model = _active_model()
    lead = LeadFactory(seniority="vp")
    today = timezone.now()
    for days_ago in (120, 30, 30, 0):
        leads_score(
            model=model,
            leads=Lead.objects.filter(pk=lead.pk),
            now=today - datetime.timedelta(days=days_ago),
            only_changed=False,
        )
    days = sorted(ScoreHistory.objects.filter(lead=lead).values_list("day", flat=True))
    assert len(days) == 3
    assert score_history_prune_task() == 1
    assert ScoreHistory.objects.filter(lead=lead).count() == 2


@pytest.mark.django_db
def test_a_deleted_lead_takes_its_history_with_it():
    model = _active_model()
    lead, other = LeadFactory.create_batch(2, seniority="vp")
    leads_score(model=model, leads=Lead.objects.filter(pk__in=[lead.pk, other.pk]))
    assert ScoreHistory.objects.filter(lead=lead).exists()

    lead.delete()

    assert list(ScoreHistory.objects.values_list("lead_id", flat=True)) == [other.pk]
