"""Celery tasks of the sla app (queue ``sla``, routed by module path): ids in, then a service
call. The sweep is idempotent: a second run, or one beside it, marks nothing twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from sla.clocks import clocks_sweep

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5,
         "retry_backoff": True}  # fmt: skip


@shared_task(**RETRY)
def clocks_sweep_task() -> int:
    """Repair the clocks a hook missed and mark those past due as breached (beat, each
    minute); returns how many it marked."""
    return len(clocks_sweep().breached)
