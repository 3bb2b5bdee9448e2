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


@pytest.mark.django_db
@pytest.mark.parametrize("cap", [5000, 1])
def test_a_search_reads_its_matches_first_and_finds_the_same_either_way(
    cap: int, make_user: Any, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to SEARCH_IDS_CAP matches, the page is read by primary key from the ids found first (no UNION in
    the page's statement); past it, the condition stands as it is. Both find the same tickets."""
    from tickets import selectors

    monkeypatch.setattr(selectors, "SEARCH_IDS_CAP", cap)
    agent = make_user("agent")
    wanted = {
        make_ticket(service=ServiceFactory(), description=f"Modem mati nomor {n}").number for n in range(3)
    }
    make_ticket(service=ServiceFactory(), description="Tagihan salah")
    with CaptureQueriesContext(connection) as queries:
        response = api(agent).get("/api/tickets/", {"search": "modem mati"})
    assert {row["number"] for row in response.json()["results"]} == wanted
    page = [
        q["sql"]
        for q in queries.captured_queries
        if 'ORDER BY "tickets_ticket"."reported_at" DESC' in q["sql"]
    ]
    assert page
    assert all(("UNION" in sql) == (cap == 1) for sql in page), page


@pytest.mark.django_db
def test_a_technicians_visibility_is_answered_from_one_index_alone(make_user: Any) -> None:
    """Their teams' tickets or their own: the capped count of a technician's list is read from
    `ticket_team_assignee` without touching the table (at 1,000,000 tickets the scan it replaces took 62
    ms). With sequential scans off, so that a table of a few rows shows the plan a large one gets."""
    from helpdesk.lib import keyset
    from tests.tickets.factories import team
    from tickets.selectors import visible_tickets

    technician = make_user("technician")
    network = team("Network Operation")
    network.members.add(technician)
    make_ticket(service=ServiceFactory())
    queryset = visible_tickets(viewer=technician).order_by().values("pk")[: keyset.COUNT_CAP + 1]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN SELECT count(*) FROM (" + sql + ") AS counted", params)  # noqa: S608
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using ticket_team_assignee on tickets_ticket" in plan, plan
