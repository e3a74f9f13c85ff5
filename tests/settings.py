"""Test settings: the real settings on PostgreSQL and Redis, plus what makes tests fast.

``make test`` sets DATABASE_URL and CELERY_BROKER_URL; the defaults below point at the local
servers so that a bare ``pytest`` works too. Tasks run in-process unless a test starts a real
worker (the ``celery_worker`` fixture).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smarketing")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DEBUG", "true")

from smarketing.settings import *  # noqa: E402, F403
from smarketing.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# The live server used by browser tests serves static files from the finders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# The embedded demo's database beside PostgreSQL, for the tests that run the scoring compiler
# on both (tests/leads/scoring/test_text_folding.py). A test routes every model to it with
# ``tests.routing.use_database("sqlite")``; its test database lives in memory and is created
# only in runs that collect such a test.
DATABASES["sqlite"] = {  # noqa: F405
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": str(VAR_DIR / "tests.sqlite3"),  # noqa: F405
}
DATABASE_ROUTERS = ["tests.routing.ChosenDatabaseRouter"]
