"""The API fuzzed from its own schema (issue 18): schemathesis generates requests for every operation of
the served OpenAPI document — valid and invalid bodies, parameters and ids — and sends them to the
application as every role and anonymously; no answer may be a 5xx, and every answer the schema documents
must match it.

Bounded and repeatable: EXAMPLES requests per operation and role, from the fixed SEED, so a failure found
once is found again on every run (hypothesis prints the request to reproduce it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, seed, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from helpdesk.lib.roles import Role
from tests.tickets.factories import ServiceFactory, make_ticket

EXAMPLES = 4
SEED = 20261203


def served_schema() -> dict[str, Any]:
    """The document /api/schema/ serves, as JSON."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = get_wsgi_application()

WHO = [role.value for role in Role] + ["anonymous"]


@pytest.fixture(params=WHO)
def auth(request: pytest.FixtureRequest, make_user: Any) -> Iterator[dict[str, str]]:
    """The headers of one caller (a token per role, none for anonymous), with a ticket to find, and the
    application run in this test's transaction (Django's test client does the same: no connection is
    closed at the end of a request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    make_ticket(service=ServiceFactory())
    headers = {"Accept-Language": "en"}
    if request.param != "anonymous":
        user = make_user(request.param)
        headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
    try:
        yield headers
    finally:
        cache.clear()  # the portal's rate limits, spent by the examples
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_request_gets_a_5xx_and_every_answer_matches_the_schema(case: Any, auth: dict[str, str]) -> None:
    response = case.call(headers=auth)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
