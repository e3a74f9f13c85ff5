import json

import pytest
from django.urls import reverse

from tests.helpers import manage


@pytest.mark.django_db
def test_healthz_answers_503_when_no_worker_answers(client, broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker answered"}


@pytest.mark.django_db
def test_healthz_reveals_no_secrets(client, broker, settings):
    text = json.dumps(client.get(reverse("healthz")).json())
    assert settings.SECRET_KEY not in text
    assert settings.CELERY_BROKER_URL not in text and "postgres://" not in text


def test_health_command_fails_when_the_broker_is_down(tmp_path):
    env = {"SMARKETING_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    result = manage("health", env=env)
    assert result.returncode != 0
    assert "broker    DOWN" in result.stdout
    assert "Unhealthy: broker, worker." in result.stderr


def test_health_command_is_healthy_on_the_embedded_demo(tmp_path):
    result = manage("health", env={"SMARKETING_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "worker    ok  none needed: tasks run in-process" in result.stdout
