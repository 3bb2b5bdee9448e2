"""Intake that keeps up with a mass outage (issue 16): what one complaint costs the database, pinned.
Measured outside any test transaction (as a request runs), so that every statement counted is one
production sends: the number block, the team and the open incidents come from memory, the history
context is declared once, and nothing just written is read back."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.tickets.factories import ServiceFactory
from tests.tickets.flow import Staff
from tickets.models import Ticket, TicketHistory

# BEGIN and COMMIT are the transaction's own; every other round trip is counted.
TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if query["sql"] not in TRANSACTION_CONTROL]


WHEN = timezone.now() - timezone.timedelta(hours=1)


def portal_body(index: int) -> dict[str, Any]:
    return {
        "name": f"Pelanggan {index}",
        "email": f"pelanggan{index}@contoh.co.id",
        "phone": f"+628129{index:07d}",
        "category": "network",
        "description": "Internet mati sejak pagi",
        "incident_at": WHEN.isoformat(),
    }


@pytest.mark.django_db(transaction=True)
def test_a_portal_complaint_from_a_new_customer_costs_six_statements(client: Any) -> None:
    client.post("/api/portal/complaints/", portal_body(0), content_type="application/json")  # warms memory
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/portal/complaints/", portal_body(1), content_type="application/json")
    assert response.status_code == 201
    sent = statements(captured)
    # The customer's locks, the customer looked up by email or phone, the new customer, the ticket (with
    # the history context declared in the same round trip), its acknowledgement, the email owed.
    assert [sql.split()[0] for sql in sent] == ["SELECT", "SELECT", "INSERT", "SELECT", "INSERT", "WITH"]
    assert "pg_advisory_xact_lock" in sent[0] and 'INSERT INTO "tickets_ticket"' in sent[3]
    ticket = Ticket.objects.get(number=response.json()["number"])
    created = TicketHistory.objects.get(pgh_obj=ticket, pgh_label="created")
    assert created.pgh_context.metadata == {
        "user": None,
        "username": "customer",
        "via": "portal",
        "action": "create",
    }


@pytest.mark.django_db(transaction=True)
def test_a_complaint_logged_by_an_agent_through_the_api_costs_five_statements(
    make_user: Any, api: Any
) -> None:
    staff = Staff.create(make_user)
    client = api(staff.agent)
    service = ServiceFactory()
    body = {
        "customer": service.customer_id,
        "service": service.pk,
        "category": "network",
        "channel": "phone",
        "description": "No signal",
        "incident_at": WHEN.isoformat(),
    }
    client.post("/api/tickets/", body, format="json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/tickets/", body, format="json")
    assert response.status_code == 201
    # The agent's roles, the customer and the service (with their regions), the history context, the
    # ticket, its acknowledgement, the email owed; the answer is the ticket as written, not read again.
    sent = statements(captured)
    # The customer and the service (with their regions), the ticket (and the history context), its
    # acknowledgement, the email owed. The answer is the ticket as written, not read again. (A real client
    # adds its token and roles: two more.)
    assert len(sent) == 5, sent
    assert 'INSERT INTO "tickets_ticket"' in sent[2]
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert response.json()["response_sla"] == "ok" and ticket.service_id == service.pk


@pytest.mark.django_db(transaction=True)
def test_a_script_with_a_token_is_known_with_its_roles_in_one_query(make_user: Any) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    agent = make_user("agent")
    token = Token.objects.create(user=agent)
    service = ServiceFactory()
    body = {
        "customer": service.customer_id,
        "service": service.pk,
        "category": "network",
        "channel": "whatsapp",
        "description": "Sinyal hilang",
        "incident_at": WHEN.isoformat(),
    }
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.post("/api/tickets/", body, format="json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/tickets/", body, format="json")
    assert response.status_code == 201
    sent = statements(captured)
    assert len(sent) == 6, sent  # the token with its person and roles, then the five of a complaint
    assert "auth_group" in sent[0] and "authtoken_token" in sent[0]
