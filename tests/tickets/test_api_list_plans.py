"""The API's ticket list filtered by a column of the ticket reads a page from an index (issue 15): no
DISTINCT, which made PostgreSQL sort every match before it could keep one page (~1 s at 1,000,000)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tickets.factories import ServiceFactory, make_ticket
from tickets.models import Ticket


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


@pytest.mark.django_db
def test_the_unassigned_tab_walks_the_index_of_open_unassigned_tickets(make_user: Any) -> None:
    """A technician's Unassigned tab picks its page's keys by walking `ticket_unassigned_next_due` in
    order, stopping at the page. PostgreSQL reckons open-and-unassigned a few hundred rows of a million
    where a busy desk has thousands; with only the indexes of open tickets by assignee it read every
    unassigned one and sorted them (10 ms at 1,000,000 tickets, against 0.2 ms walked).

    A table of a few rows cannot show the planner's choice at a million, so the test asks what the
    statement can be answered by: with the indexes that lead with the assignee dropped (inside the test's
    transaction) and sequential scans, bitmaps and sorts off, the keys are read from this index alone —
    the tab's conditions imply its predicate and its columns give the order."""
    from tests.clients import client_for
    from tests.tickets.factories import team

    technician = make_user("technician")
    network = team("Network Operation")
    network.members.add(technician)
    for number in range(6):
        ticket = make_ticket(service=ServiceFactory())
        if number % 2:
            Ticket.objects.filter(pk=ticket.pk).update(assignee=technician)
    with CaptureQueriesContext(connection) as queries:
        assert client_for(technician).get("/console/?tab=unassigned").status_code == 200
    [statement] = [query["sql"] for query in queries if "LIMIT 51" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute(
            "DROP INDEX ticket_open_assignee_next_due, ticket_assignee_stage, ticket_team_assignee"
        )
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # v0: the keys' subquery, walked in order: nothing sorted between its LIMIT and the walk. (The rows
    # read by those keys alone are sorted again, the page's fifty-one of them: helpdesk.lib.keyset._rows_of.)
    lines = plan.splitlines()
    [walk] = [n for n, line in enumerate(lines) if "Index Scan using ticket_unassigned_next_due" in line]
    assert "on tickets_ticket v0" in lines[walk], plan
    limit = max(n for n in range(walk) if "Limit" in lines[n])
    assert not any("Sort" in line for line in lines[limit:walk]), plan


@pytest.mark.django_db
@pytest.mark.parametrize("index", ["customer_name_upper_trgm", "customer_email_upper_trgm"])
def test_the_customer_search_indexes_keep_a_finer_histogram(index: str) -> None:
    """A name search's estimate comes from the histogram of the trigram index's expression: with 100
    values, one name that 56 of 100,000 customers share was reckoned 978 and every customer was read
    (migration tickets 0030; bench/README.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [index])
        if not cursor.fetchone()[0]:
            pytest.skip(f"{index} is not here: this PostgreSQL has no pg_trgm")
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1", [index]
        )
        assert cursor.fetchone()[0] == 1000
