"""Helpers for tests that run manage.py in a separate process with a chosen environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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
