"""A page of a list is read keys first (helpdesk.lib.keyset.keyset_page): the page's primary keys chosen
from the list's own conditions in an ARRAY(subquery) that PostgreSQL runs once, as an InitPlan, before
the rows are read with their joins. The rows, their order and the cursors are those of the plain query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.lib import keyset
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tickets.models import Customer, Ticket


def _walk(
    queryset: QuerySet[Any], ordering: keyset.Ordering, size: int, parts: tuple[Q, ...] = ()
) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = keyset.keyset_page(queryset, ordering=ordering, cursor=cursor, size=size, parts=parts)
        seen += [row.pk for row in page.rows]
        if not page.has_next:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the cursor never ended")


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["reported_at", "-reported_at", "next_due", "-pk"])
def test_walking_the_pages_gives_the_plain_querys_rows_in_its_order(field: str) -> None:
    base = timezone.now() - dt.timedelta(hours=5)
    # Ties on the sort column (three tickets per moment), so the primary key decides within each.
    for n in range(12):
        make_ticket(service=ServiceFactory(), reported_at=base + dt.timedelta(minutes=10 * (n // 3)))
    make_ticket(service=ServiceFactory(), classification="minor")  # filtered out below
    queryset = (
        Ticket.objects.select_related("customer", "service", "team", "assignee")
        .exclude(classification="minor")
        .filter(customer__name__startswith="Customer")
    )
    ordering = keyset.Ordering.parse(field)
    plain = list(queryset.order_by(*ordering.order_by).values_list("pk", flat=True))
    assert len(plain) == 12
    assert _walk(queryset, ordering, size=5) == plain


@pytest.mark.django_db
def test_the_page_statement_chooses_its_keys_first_in_an_initplan() -> None:
    for _ in range(3):
        make_ticket(service=ServiceFactory())
    queryset = Ticket.objects.select_related("customer", "service").exclude(stage="closed")
    with CaptureQueriesContext(connection) as queries:
        page = keyset.keyset_page(queryset, ordering=keyset.Ordering.parse("next_due"), cursor=None, size=2)
        # Everything the queryset joins comes with the rows, in the same statement.
        assert page.rows[0].customer.name and page.rows[0].service.reference
    assert len(page.rows) == 2 and page.has_next
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert '"tickets_ticket"."id" = ANY(ARRAY(SELECT' in statement
    # The statement itself, as it ran (parameters in place): the key choice is an InitPlan, run once.
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "InitPlan" in plan, plan


@pytest.mark.django_db
def test_a_distinct_list_is_read_as_it_stands() -> None:
    for n in range(3):
        CustomerFactory(name=f"Dewi {n}")
    queryset = Customer.objects.filter(name__startswith="Dewi").distinct()
    with CaptureQueriesContext(connection) as queries:
        page = keyset.keyset_page(queryset, ordering=keyset.Ordering.parse("-pk"), cursor=None, size=2)
    assert [row.name for row in page.rows] == ["Dewi 2", "Dewi 1"]
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert "ANY(ARRAY" not in statement and "DISTINCT" in statement
    # With parts, the rows that meet any of them, read the same way.
    parts = (Q(name="Dewi 0"), Q(name="Dewi 2"))
    either = keyset.keyset_page(
        queryset, ordering=keyset.Ordering.parse("-pk"), cursor=None, size=5, parts=parts
    )
    assert [row.name for row in either.rows] == ["Dewi 2", "Dewi 0"] and not either.has_next
    rest = keyset.keyset_page(
        queryset, ordering=keyset.Ordering.parse("-pk"), cursor=page.next_cursor, size=2
    )
    assert [row.name for row in rest.rows] == ["Dewi 0"] and not rest.has_next


@pytest.mark.django_db
def test_the_rows_are_read_by_their_keys_alone() -> None:
    """The list's conditions choose the keys (in the InitPlan) and are not planned again for the rows:
    the outer query's only condition is the keys (a search's list of matching ids was probed twice)."""
    for _ in range(3):
        make_ticket(service=ServiceFactory())
    make_ticket(service=ServiceFactory(), classification="minor")
    queryset = Ticket.objects.select_related("customer").exclude(classification="minor")
    with CaptureQueriesContext(connection) as queries:
        page = keyset.keyset_page(queryset, ordering=keyset.Ordering.parse("-pk"), cursor=None, size=10)
    assert len(page.rows) == 3 and all(row.classification != "minor" for row in page.rows)
    (statement,) = [q["sql"] for q in queries.captured_queries]
    outer, _, keys = statement.partition("ANY(ARRAY(SELECT")
    assert "classification" in keys and "classification" not in outer.split(" WHERE ")[-1], statement


@pytest.mark.django_db
def test_a_condition_on_a_many_valued_relation_is_kept_on_the_rows(make_user: Any) -> None:
    """A condition across a many-valued relation (a ticket's messages) joins one row per message; read
    without it, the join would repeat the ticket. Such a list keeps its conditions on the rows."""
    from tickets.models import TicketMessage

    agent = make_user("agent")
    ticket = make_ticket(service=ServiceFactory())
    other = make_ticket(service=ServiceFactory())
    for kind in ("reply", "reply", "note"):
        TicketMessage.objects.create(ticket=ticket, kind=kind, channel="email", body=kind, author=agent)
    TicketMessage.objects.create(ticket=other, kind="note", channel="email", body="other", author=agent)
    queryset = Ticket.objects.filter(messages__kind="reply")
    page = keyset.keyset_page(queryset, ordering=keyset.Ordering.parse("-pk"), cursor=None, size=10)
    # The plain query gives the ticket once per matching message (two of its three); so does the page,
    # where the messages' join without its condition would have given it three times.
    plain = list(queryset.order_by("-pk").values_list("pk", flat=True))
    assert plain == [ticket.pk, ticket.pk]
    assert [row.pk for row in page.rows] == plain


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["reported_at", "-reported_at", "-pk"])
def test_a_list_of_parts_walks_as_the_plain_query_of_their_union(field: str) -> None:
    base = timezone.now() - dt.timedelta(hours=5)
    for n in range(14):
        make_ticket(
            service=ServiceFactory(),
            reported_at=base + dt.timedelta(minutes=10 * (n // 3)),
            classification=("critical", "major", "minor")[n % 3],
        )
    queryset = Ticket.objects.select_related("customer", "service").exclude(stage="closed")
    # Two parts that do not overlap, whose rows interleave in every order; "minor" is in neither.
    parts = (Q(classification="critical"), Q(classification="major"))
    ordering = keyset.Ordering.parse(field)
    plain = list(
        queryset.filter(parts[0] | parts[1]).order_by(*ordering.order_by).values_list("pk", flat=True)
    )
    assert len(plain) == 10
    for size in (1, 3, 4, 10, 11):
        assert _walk(queryset, ordering, size=size, parts=parts) == plain
    assert keyset.capped_count(queryset, parts=parts) == (10, False)
    assert keyset.capped_count(queryset, 9, parts=parts) == (9, True)
    assert keyset.capped_count(queryset, 10, parts=parts) == (10, False)
    # One part is a plain filter.
    assert _walk(queryset, ordering, size=4, parts=parts[:1]) == [
        pk for pk in plain if Ticket.objects.get(pk=pk).classification == "critical"
    ]
    assert keyset.capped_count(queryset, parts=parts[:1]) == (5, False)


@pytest.mark.django_db
def test_each_parts_keys_are_chosen_in_an_initplan_of_its_own() -> None:
    for classification in ("critical", "major", "major"):
        make_ticket(service=ServiceFactory(), classification=classification)
    queryset = Ticket.objects.select_related("customer").exclude(stage="closed")
    parts = (Q(classification="critical"), Q(classification="major"))
    with CaptureQueriesContext(connection) as queries:
        page = keyset.keyset_page(
            queryset, ordering=keyset.Ordering.parse("-pk"), cursor=None, size=2, parts=parts
        )
        count = keyset.capped_count(queryset, parts=parts)
    assert len(page.rows) == 2 and page.has_next and count == (3, False)
    assert len(queries.captured_queries) == 2
    statement = queries.captured_queries[0]["sql"]
    assert statement.count("ARRAY(SELECT") == 2 and " || " in statement
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert plan.count("InitPlan") == 2, plan
