"""Sending tasks to the workers once a transaction commits, without failing the request that
committed it.

Work is written to the database first (a run, an import job, a mark on a lead) and its task
sent after commit. When the broker cannot be reached the change stays committed and the request
answers as usual: the task is logged as not sent, and what looks for unfinished work sends it
again (the beat's resumption of stalled runs and imports, the scoring sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What sending a task, or reaching the Redis beside the queues, raises when the broker is down.
BROKER_ERRORS = (OperationalError, redis.RedisError)


def task_send_on_commit(
    task, *args, on_failure: Callable[[Exception], None] | None = None, **kwargs
) -> None:
    """Send ``task`` with these arguments once the current transaction commits (at once
    outside one). A broker that cannot be reached is logged and ``on_failure`` called with the
    error, never raised."""

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except BROKER_ERRORS as error:
            logger.warning("Task %s%r not sent: %s.", task.name, args, error)
            if on_failure is not None:
                on_failure(error)

    transaction.on_commit(send)
