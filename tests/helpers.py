"""Helpers for tests that run manage.py in a separate process with a chosen environment, or
one function in several threads at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.db import connections, transaction

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Variables that select a set-up; removed so each run starts from "nothing set".
SETUP_VARIABLES = (
    "DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE", "SMARKETING_VAR_DIR", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE",
)  # fmt: skip


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``manage.py`` with only ``env`` on top of a clean environment."""
    clean = {key: value for key, value in os.environ.items() if key not in SETUP_VARIABLES}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3#v9!x2@q8$w7%e6^r5&t4*y3(u2)i1_o0-p9=a8+s7d6f5g4h3j2",
    "ALLOWED_HOSTS": "crm.example.com",
}


def in_threads(function: Callable[[], T], count: int = 2, timeout: float = 60) -> list[T]:
    """Call ``function`` in ``count`` threads at once, each on database connections of its
    own (closed when it returns); return what the calls returned, in the order they finished,
    or raise the first error one of them raised."""
    results: list[T] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(function())
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert len(results) == count, "a thread did not finish in time"
    return results


@contextmanager
def transaction_held(function: Callable[[], T], timeout: float = 30) -> Iterator[T]:
    """Call ``function`` in a transaction in another thread and hold that transaction open,
    with its locks, while the ``with`` block runs (which gets what the function returned);
    it commits when the block ends."""
    ready, release = threading.Event(), threading.Event()
    returned: list[T] = []
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                returned.append(function())
                ready.set()
                release.wait(timeout=timeout)
        except BaseException as error:  # noqa: BLE001 - raised again in the test's thread
            errors.append(error)
        finally:
            ready.set()
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert ready.wait(timeout=timeout), "the transaction did not start in time"
        if errors:
            raise errors[0]
        yield returned[0]
    finally:
        release.set()
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]


def journey_seeds_restore() -> None:
    """The journey stages, their mapping and their questions as the migrations seed them: a
    transactional test's flush removes them for the transactional tests that follow it."""
    from importlib import import_module

    from django.apps import apps

    for module, function in (
        ("journeys.migrations.0002_journey_stages", "create_stages"),
        ("journeys.migrations.0003_journey_mapping", "mapping_seed"),
        ("journeys.migrations.0004_questions_content", "create_questions"),
    ):
        getattr(import_module(module), function)(apps, None)
