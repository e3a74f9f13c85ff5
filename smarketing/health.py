"""Health of the parts the portal needs: the database, the cache, the broker and a worker.

Shared by ``/healthz`` and ``manage.py health``. Pages keep answering while the cache or the
broker is down (they compute counts from the database; the sweep scores what changed
meanwhile), and these reports say which of them is down. Written here rather than taken from
django-health-check because the embedded demo has no broker at all (tasks run in-process),
which both reports must state as healthy rather than as an outage.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from smarketing.celery import app

WORKER_PING_TIMEOUT = 1.0
BROKER_CONNECT_TIMEOUT = 2.0


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure is the report.
        return CheckResult("database", False, f"unreachable ({type(error).__name__})")
    return CheckResult("database", True, f"{connection.vendor} answered")


def _cache() -> CheckResult:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return CheckResult("cache", True, "in this process's memory")
    try:
        ping()
    except Exception as error:  # noqa: BLE001
        return CheckResult(
            "cache", False, f"unreachable ({type(error).__name__}): counts come from the database"
        )
    return CheckResult("cache", True, "connected")


def _broker() -> CheckResult:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return CheckResult("broker", True, "none configured: tasks run in-process")
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_CONNECT_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        return CheckResult("broker", False, f"unreachable ({type(error).__name__})")
    return CheckResult("broker", True, "connected")


def _worker(broker_ok: bool) -> CheckResult:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return CheckResult("worker", True, "none needed: tasks run in-process")
    if not broker_ok:
        return CheckResult("worker", False, "not asked: the broker is unreachable")
    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT)
    except Exception as error:  # noqa: BLE001
        return CheckResult("worker", False, f"ping failed ({type(error).__name__})")
    if not replies:
        return CheckResult("worker", False, "no worker answered")
    return CheckResult("worker", True, f"{len(replies)} answered")


def health_check() -> list[CheckResult]:
    broker = _broker()
    return [_database(), _cache(), broker, _worker(broker.ok)]
