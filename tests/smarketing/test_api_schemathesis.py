"""Every operation of the API, fuzzed from its own OpenAPI schema by schemathesis.

Each operation gets a bounded number of generated requests, valid and invalid, from a fixed
seed, sent by an admin's token straight to the WSGI application (no server, the test's
database). Every response must be no server error, have a status code and a content type the
schema names for that operation, and a body in the schema's shape.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smarketing.roles import Role
from tests.factories import CompanyFactory, LeadFactory, UserFactory

SEED = 22
# Enough to reach each operation's error paths; about a minute for the whole API here.
EXAMPLES_PER_OPERATION = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _served_schema() -> dict:
    """The schema ``/api/schema/`` serves, generated the same way (it needs no request)."""
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(
    _served_schema(),
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "generation": {"max-examples": EXAMPLES_PER_OPERATION}}
    ),
)
schema.app = get_wsgi_application()


@pytest.fixture
def serving_in_the_test_transaction():
    """Django closes the connection around each request it serves, which would end the
    test's transaction; Django's own test client switches that off for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, serving_in_the_test_transaction) -> str:
    admin = UserFactory(username="ada", role=Role.ADMIN)
    # Something for the generated ids to find now and then.
    LeadFactory(company=CompanyFactory())
    _, token = AuthToken.objects.create(user=admin)
    return token


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    # Report the first failing request as generated: shrinking it costs minutes here.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_as_its_schema_says(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)
