"""Heartbeats of long work (full rescores, lead imports): how a stopped worker's work is told
from work still going on, and claimed once to be resumed or cancelled.

Each unit of such work has a ``heartbeat_at`` that the worker doing it moves forward with each
chunk it commits. Work whose heartbeat is older than ``STALLED_AFTER_SECONDS`` and whose row no
transaction holds (an all-or-nothing import holds its row until it commits, so it cannot beat)
has stopped: its worker died. Claiming it moves its heartbeat to now in the same transaction
that checked it, so two beats, two workers or an admin's click at the same moment claim it once.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone


def stalled_since() -> datetime.datetime:
    """The moment before which a heartbeat means the work has stopped."""
    return timezone.now() - datetime.timedelta(seconds=settings.STALLED_AFTER_SECONDS)


def _stalled(work: QuerySet) -> QuerySet:
    """The rows of ``work`` whose heartbeat stopped, locked; those another transaction holds
    (a worker writing them) are skipped, not waited for."""
    return work.filter(heartbeat_at__lt=stalled_since()).select_for_update(skip_locked=True)


def stalled_exists(work: QuerySet) -> bool:
    """Whether some row of ``work`` (unfinished work) has stopped."""
    with transaction.atomic(using=work.db):
        return _stalled(work).exists()


def stalled_claim(work: QuerySet, **changes) -> list[int]:
    """Claim the stopped rows of ``work``: write ``changes`` on them with a fresh heartbeat and
    return their ids. A row is claimed by one caller only; the rest get an empty list."""
    with transaction.atomic(using=work.db):
        ids = list(_stalled(work).values_list("pk", flat=True))
        if ids:
            work.model.objects.filter(pk__in=ids).update(heartbeat_at=timezone.now(), **changes)
    return ids
