"""Celery tasks of the sla app (queue ``sla``, routed by module path): ids in, then a service
call. The sweep is idempotent: a second run, or one beside it, marks nothing twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from sla.alerts import webhooks_deliver
from sla.clocks import clocks_sweep
from sla.routing import notifications_email

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "max_retries": 5,
         "retry_backoff": True}  # fmt: skip


@shared_task(**RETRY)
def clocks_sweep_task() -> int:
    """Repair the clocks a hook missed and mark those past due as breached (beat, each
    minute); returns how many it marked."""
    return len(clocks_sweep().breached)


@shared_task(**RETRY)
def notifications_email_task() -> int:
    """E-mail the notifications not sent yet (after a routing pass, and each minute for those a
    lost task left); returns how many were sent."""
    return notifications_email()


@shared_task(**RETRY)
def webhooks_deliver_task() -> int:
    """Send the webhook deliveries due (after a sweep that recorded breaches, and each minute
    for retries); returns how many were sent."""
    return webhooks_deliver()
