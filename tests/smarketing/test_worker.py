"""A real worker process, a real Redis broker, the test's PostgreSQL database."""

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from smarketing.tasks import sessions_clear_expired

pytestmark = pytest.mark.worker


def _wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_task_sent_through_redis_is_run_by_the_worker(celery_worker):
    expired = SessionStore()
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    current = SessionStore()
    current.create()

    sessions_clear_expired.delay()

    assert _wait_until(lambda: not Session.objects.filter(pk=expired.session_key).exists())
    assert Session.objects.filter(pk=current.session_key).exists()


def test_healthz_is_ok_when_a_worker_answers(celery_worker, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["ok"] is True
