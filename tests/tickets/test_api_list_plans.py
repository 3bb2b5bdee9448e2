"""The API's ticket list filtered by a column of the ticket reads a page from an index (issue 15): no
DISTINCT, which made PostgreSQL sort every match before it could keep one page (~1 s at 1,000,000)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.factories import ServiceFactory, make_ticket


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "stage=received",
        "category=network",
        "channel=phone",
        "classification=minor",
        "stage=received&stage=verified",
    ],
)
def test_a_filtered_list_selects_without_distinct(query: str, make_user: Any, api: Any) -> None:
    agent = make_user("agent")
    make_ticket(service=ServiceFactory(), classification="minor")
    with CaptureQueriesContext(connection) as queries:
        response = api(agent).get(f"/api/tickets/?{query}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    selects = [q["sql"] for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    assert selects and not any("DISTINCT" in sql for sql in selects), selects
