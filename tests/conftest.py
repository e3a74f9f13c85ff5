from __future__ import annotations

import os

# Playwright's sync API keeps an event loop running in the test process; Django would refuse
# database access from it (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.test import Client  # noqa: E402

from smarketing.roles import Role  # noqa: E402
from tests.factories import UserFactory  # noqa: E402

pytest_plugins = ["tests.fixtures.worker", "tests.fixtures.browser", "tests.fixtures.redis_server"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached values (board counts) never leak from one test's database into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def marketer(db):
    return UserFactory(username="maya", role=Role.MARKETING)


@pytest.fixture
def marketing_manager(db):
    return UserFactory(username="mona", role=Role.MARKETING_MANAGER)


@pytest.fixture
def rep(db):
    return UserFactory(username="sam", role=Role.SALES)


@pytest.fixture
def other_rep(db):
    return UserFactory(username="sid", role=Role.SALES)


@pytest.fixture
def sales_manager(db):
    return UserFactory(username="morgan", role=Role.SALES_MANAGER)


@pytest.fixture
def admin_user(db):
    """The revenue-ops admin (the ``admin`` role), replacing pytest-django's superuser."""
    return UserFactory(username="ada", role=Role.ADMIN)


@pytest.fixture
def outsider(db):
    """A logged-in user who holds no role."""
    return UserFactory(username="olly")


@pytest.fixture
def users_by_role(marketer, marketing_manager, rep, sales_manager, admin_user):
    return {
        Role.MARKETING: marketer,
        Role.MARKETING_MANAGER: marketing_manager,
        Role.SALES: rep,
        Role.SALES_MANAGER: sales_manager,
        Role.ADMIN: admin_user,
    }


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
