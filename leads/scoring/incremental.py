"""Scoring leads as their events and attributes change.

Writers call ``scoring_enqueue(lead_ids)`` inside their transaction. When it commits, the ids
are added to a Redis set and one task is scheduled unless one is already waiting, so a burst of
10,000 events for 2,000 leads makes a handful of tasks. The task takes ids off the set in
batches and scores each batch in one statement, then qualifies it; while more than a batch is
waiting, it schedules one helper task, so that both processes of a worker take batches.

Nothing is lost when Redis or every worker is down, or a worker dies with ids it took: every
change leaves a mark in PostgreSQL, committed with it, that the sweep (``leads_sweep``, every
few minutes) finds. A lead created or edited is marked ``needs_scoring`` until it is scored; an
event is its own mark, newer than its lead's last scoring. Without a broker (the demo) the
leads are scored right after the commit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from leads.models import Event, Lead
from leads.scoring.models import ScoringModel
from smarketing.queueing import BROKER_ERRORS

logger = logging.getLogger(__name__)

PENDING_KEY = "smarketing:scoring:pending"
SCHEDULED_KEY = "smarketing:scoring:scheduled"
HELPER_KEY = "smarketing:scoring:helper"
# A scheduled task that never ran (its worker died) stops blocking new ones after this long.
SCHEDULED_TTL = 60
BATCH = 2_000
# The sweep scores at most this many marked leads a run (a few tens of seconds' work); the next
# run, minutes later, takes the rest.
SWEEP_LIMIT = 100_000
# The sweep looks at events that arrived this recently; older ones are covered by the nightly
# decay run, which rescores every lead from all of its events.
SWEEP_LOOKBACK = datetime.timedelta(days=2)
# An event saved just before a scoring but committed just after it has an arrival time a little
# before the lead's scored_at; the sweep looks back this far to catch it.
SWEEP_MARGIN = datetime.timedelta(minutes=2)


@cache
def _redis() -> redis.Redis | None:
    """The broker's Redis, which holds the set of leads waiting to be scored (None with
    another broker: each commit then schedules its own task)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def scoring_enqueue(lead_ids: Iterable[int], *, mark: bool = True) -> None:
    """Score these leads once the current transaction commits (at once if there is none).

    With ``mark``, the leads are also marked ``needs_scoring`` in the transaction, so the sweep
    scores them if this enqueueing is lost. Events pass False: an event newer than its lead's
    score is its own mark, and marking would lock the lead in every event's transaction."""
    ids = sorted({int(lead_id) for lead_id in lead_ids})
    if not ids:
        return
    if mark:
        Lead.objects.filter(pk__in=ids, needs_scoring=False).update(needs_scoring=True)
    transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from leads.scoring.tasks import scoring_leads_task, scoring_pending_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        leads_score_now(ids)
        return
    client = _redis()
    try:
        if client is None:
            scoring_leads_task.delay(ids)
            return
        pipeline = client.pipeline()
        pipeline.sadd(PENDING_KEY, *ids)
        pipeline.set(SCHEDULED_KEY, 1, nx=True, ex=SCHEDULED_TTL)
        _, scheduled = pipeline.execute()
        if scheduled:
            scoring_pending_task.delay()
    except BROKER_ERRORS as error:
        # The events are committed; the sweep scores these leads once Redis is back.
        logger.warning("Scoring of %d leads not enqueued (%s); the sweep will.", len(ids), error)


def scoring_pending(*, helper: bool = False) -> int:
    """Score the leads waiting in Redis, in batches, until none is left; return how many.

    The scheduled flag stays set while this works, so commits meanwhile only add their ids to
    the set and this task takes them on. While more than a batch waits, one ``helper`` task
    is scheduled to take batches too (ids are popped atomically, so the two never share one).
    Ids are popped before scoring: if the worker dies, the sweep finds their leads by their
    marks."""
    from leads.scoring.tasks import scoring_pending_task

    client = _redis()
    if client is None:
        return 0
    flag = HELPER_KEY if helper else SCHEDULED_KEY
    scored = 0
    while True:
        while ids := client.spop(PENDING_KEY, BATCH):
            client.expire(flag, SCHEDULED_TTL)
            if (
                not helper
                and client.scard(PENDING_KEY) >= BATCH
                and client.set(HELPER_KEY, 1, nx=True, ex=SCHEDULED_TTL)
            ):
                scoring_pending_task.delay(helper=True)
            scored += leads_score_now([int(lead_id) for lead_id in ids])
        client.delete(flag)
        if helper:
            return scored
        # An id added between the last pop and the delete saw the flag and scheduled nothing:
        # take it on, unless another task has been scheduled meanwhile.
        if not client.scard(PENDING_KEY):
            return scored
        if not client.set(SCHEDULED_KEY, 1, nx=True, ex=SCHEDULED_TTL):
            return scored


def leads_score_now(ids: list[int], *, now: datetime.datetime | None = None) -> int:
    """Score and qualify these leads with the active model in one transaction, and clear their
    ``needs_scoring`` marks.

    The leads are locked in id order first, so two workers scoring overlapping sets take turns
    instead of deadlocking; each writes the same row from the same events. The lock is FOR NO
    KEY UPDATE, like the UPDATE's own, so it does not block the key-share locks that inserting
    events takes on their leads."""
    from leads.scoring.engine import leads_score_ids
    from leads.scoring.qualification import leads_qualify

    model = ScoringModel.objects.active().first()
    with transaction.atomic():
        locked = list(
            Lead.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not locked:
            return 0
        Lead.objects.filter(pk__in=locked, needs_scoring=True).update(needs_scoring=False)
        now = now or timezone.now()
        leads = Lead.objects.filter(pk__in=locked)
        if model is not None:
            leads_score_ids(model=model, ids=locked, now=now)
        leads_qualify(leads=leads, now=now)
    return len(locked)


def sweep_candidates(*, now: datetime.datetime | None = None) -> list[int]:
    """Leads with an event that arrived after they were last scored (within the lookback)."""
    now = now or timezone.now()
    return list(
        Event.objects.filter(created_at__gte=now - SWEEP_LOOKBACK)
        .values("lead", "lead__scored_at")
        .annotate(arrived=Max("created_at"))
        .filter(
            Q(lead__scored_at__isnull=True) | Q(arrived__gt=F("lead__scored_at") - SWEEP_MARGIN)
        )
        .order_by()
        .values_list("lead", flat=True)
    )


def leads_marked(*, after: int = 0, limit: int = BATCH) -> list[int]:
    """The first ``limit`` leads marked ``needs_scoring`` with an id above ``after`` (read from
    their partial index, which holds only them)."""
    marked = Lead.objects.filter(needs_scoring=True, pk__gt=after).order_by("pk")
    return list(marked.values_list("pk", flat=True)[:limit])


def leads_sweep(*, now: datetime.datetime | None = None) -> int:
    """Score the leads whose scoring was lost, in batches; return how many: those marked
    ``needs_scoring`` (up to ``SWEEP_LIMIT``, in id order) and those whose events are newer
    than their score. Also schedules the Redis backlog in case its task was lost."""
    swept, last = 0, 0
    while swept < SWEEP_LIMIT and (
        marked := leads_marked(after=last, limit=min(BATCH, SWEEP_LIMIT - swept))
    ):
        leads_score_now(marked)
        swept, last = swept + len(marked), marked[-1]
    ids = sweep_candidates(now=now)
    for start in range(0, len(ids), BATCH):
        leads_score_now(ids[start : start + BATCH])
    client = _redis()
    if client is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            if client.scard(PENDING_KEY):
                from leads.scoring.tasks import scoring_pending_task

                scoring_pending_task.delay()
        except BROKER_ERRORS as error:
            logger.warning("The scoring backlog in Redis is unreachable (%s).", error)
    return swept + len(ids)
