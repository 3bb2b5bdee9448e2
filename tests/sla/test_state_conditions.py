"""The SQL that decides a clock's state as of now (sla.selectors: the queues' and the API's `sla_state`
filter, the annotation every list shows, the live board's columns) says what the in-memory decision
(`clock_state`) says, for every stored state, paused or not, due before or after now, and a risk instant
before, after, missing or (bad data) later than the deadline; and the at-risk condition is answered from
the GiST index of the clocks' windows from risk to deadline."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.selectors import annotate_sla_states, clock_state, clock_state_q, sla_state_q
from tests.tickets.factories import ServiceFactory, make_ticket
from tickets.models import SlaState, Ticket

NOW = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
COLUMNS = {
    "response": ("response_sla", "first_response_due", "first_response_risk_at"),
    "resolution": ("resolution_sla", "resolution_due", "resolution_risk_at"),
}
RUNNING = [SlaState.OK, SlaState.AT_RISK, SlaState.BREACHED]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["response", "resolution"])
def test_the_sql_state_is_the_in_memory_state_for_every_shape_of_clock(prefix: str) -> None:
    ticket = make_ticket(service=ServiceFactory())
    column, due_field, risk_field = COLUMNS[prefix]
    other_column = COLUMNS["resolution" if prefix == "response" else "response"][0]
    risk_offsets = [None, -3 * HOUR, -HOUR, HOUR, 3 * HOUR]  # +3 h with the deadline at +2 h: after it
    checked = 0
    for stored, paused, due_offset, risk_offset in itertools.product(
        RUNNING, [False, True], [-2 * HOUR, 2 * HOUR], risk_offsets
    ):
        values = {
            column: stored,
            other_column: SlaState.MET,  # the other clock stopped: it decides nothing
            "paused": paused,
            "paused_at": NOW - HOUR if paused else None,
            due_field: NOW + due_offset,
            risk_field: None if risk_offset is None else NOW + risk_offset,
        }
        Ticket.objects.filter(pk=ticket.pk).update(**values)
        fresh = Ticket.objects.get(pk=ticket.pk)
        expected = clock_state(fresh, prefix, NOW)
        one = Ticket.objects.filter(pk=ticket.pk)
        shape = f"{values} expected {expected}"
        for state in RUNNING:
            assert one.filter(clock_state_q(prefix, state, NOW)).exists() == (state == expected), shape
            assert one.filter(sla_state_q(state, NOW)).exists() == (state == expected), shape
        annotated = annotate_sla_states(one, NOW).get()
        assert getattr(annotated, f"current_{prefix}_sla") == expected, shape
        checked += 1
    assert checked == 60


@pytest.mark.django_db
def test_the_at_risk_condition_is_answered_from_the_windows_index() -> None:
    """Two tickets at risk among 2,000 copies of one ticket, half of them closed and half open with
    their risk instant still to come (the shape of a desk: most open tickets are not at risk yet). With
    its statistics, PostgreSQL finds the six from the GiST indexes of the windows that hold now and from
    the small indexes of the clocks marked at risk, not by walking every open ticket due after now."""
    template = make_ticket(service=ServiceFactory())
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket
            SELECT (jsonb_populate_record(NULL::tickets_ticket, to_jsonb(ticket) || jsonb_build_object(
                'id', nextval(pg_get_serial_sequence('tickets_ticket', 'id')),
                'number', 'COPY-' || copy,
                'stage', CASE WHEN mod(copy, 2) = 0 THEN 'closed' ELSE 'dispatched' END,
                'resolution_due', %s::timestamptz + interval '10 hours',
                'resolution_risk_at', %s::timestamptz + interval '5 hours',
                'first_response_due', %s::timestamptz + interval '10 hours',
                'first_response_risk_at', %s::timestamptz + interval '5 hours'
            ))).*
            FROM tickets_ticket ticket, generate_series(1, 2000) copy WHERE ticket.id = %s
            """,
            [NOW, NOW, NOW, NOW, template.pk],
        )
    at_risk = []
    for offset in range(6):
        ticket = make_ticket(service=ServiceFactory())
        Ticket.objects.filter(pk=ticket.pk).update(
            resolution_due=NOW + (offset + 1) * HOUR,
            resolution_risk_at=NOW - HOUR + offset * HOUR,
            first_response_due=NOW + (offset + 1) * HOUR,
            first_response_risk_at=NOW + (offset + 1) * HOUR,
        )
        if offset < 2:  # the risk instant passed: at risk
            at_risk.append(ticket.pk)
    Ticket.objects.filter(pk=template.pk).update(stage="closed")
    found = Ticket.objects.exclude(stage="closed").filter(sla_state_q(SlaState.AT_RISK, NOW)).order_by()
    with CaptureQueriesContext(connection) as queries:
        assert sorted(found.values_list("id", flat=True)) == at_risk
    [statement] = [query["sql"] for query in queries]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in (
        "ticket_resolution_risk_window",
        "ticket_response_risk_window",
        "ticket_resolution_at_risk",
        "ticket_response_at_risk",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "Index Cond: (tstzrange(LEAST(resolution_risk_at, resolution_due), resolution_due) @>" in plan, (
        plan
    )
    assert "Seq Scan" not in plan and "ticket_open_resolution_due" not in plan, plan
