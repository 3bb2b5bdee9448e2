"""The supervisor pages: the escalation queue of each level and the live board — who may see them,
exact rows, a fixed number of queries at 10 and 100 rows, acknowledging once, reassigning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Escalation
from tests.tickets.factories import ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def escalate(staff: Staff, level: int, count: int = 1, **ticket: Any) -> list[Escalation]:
    service = ServiceFactory()
    return [
        escalation_services.escalation_manual(
            ticket=make_ticket(actor=staff.agent, service=service, **ticket),
            actor=staff.supervisor,
            level=level,
            note="Strategic customer",
            at=timezone.now(),
        )
        for _ in range(count)
    ]


def test_agents_may_not_open_the_supervisor_pages(staff: Staff) -> None:
    client = client_for(staff.agent)
    assert client.get("/escalations/").status_code == 403
    assert client.get("/escalations/board/").status_code == 403


def test_each_role_lands_on_its_own_level_and_sees_exactly_its_rows(staff: Staff) -> None:
    [director_case] = escalate(staff, 3)
    [supervisor_case] = escalate(staff, 1)
    response = client_for(staff.director).get("/escalations/")
    assert response.context["level"] == 3
    assert [row.pk for row in response.context["escalations"]] == [director_case.pk]
    response = client_for(staff.supervisor).get("/escalations/")
    assert response.context["level"] == 1
    assert [row.pk for row in response.context["escalations"]] == [supervisor_case.pk]
    assert response.context["counts"] == {1: 1, 2: 0, 3: 1}
    # Nonsense in the level falls back to the viewer's own, never a 500.
    assert client_for(staff.supervisor).get("/escalations/?level=abc").context["level"] == 1


@pytest.mark.parametrize("rows", [10, 100])
def test_the_escalation_queue_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    escalate(staff, 1, rows)
    client = client_for(staff.supervisor)
    client.get("/escalations/?level=1")
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/escalations/?level=1")
    assert len(response.context["escalations"]) == rows


QUEUE_QUERIES = 10


@pytest.mark.parametrize("rows", [10, 100])
def test_the_live_board_runs_the_same_queries_at_10_and_100_tickets(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    service = ServiceFactory()
    long_ago = timezone.now() - dt.timedelta(days=10)
    for _ in range(rows):
        make_ticket(actor=staff.agent, service=service, reported_at=long_ago)
    client = client_for(staff.supervisor)
    client.get("/escalations/board/")
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get("/escalations/board/")
    assert response.context["breached"].total == rows
    assert len(response.context["breached"].tickets) == rows
    assert response.context["at_risk"].total == 0


BOARD_QUERIES = 8


def test_acknowledging_is_recorded_once(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.supervisor)
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "By " in response.content.decode()
    escalation.refresh_from_db()
    first = escalation.acknowledged_at
    assert escalation.acknowledged_by_id == staff.supervisor.pk
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert "already acknowledged" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.acknowledged_at == first


def test_a_manager_cannot_acknowledge_for_the_supervisor_level(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client_for(staff.manager).post(f"/escalations/{escalation.pk}/acknowledge/")
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_reassigning_changes_the_assignee_and_bad_input_changes_nothing(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.supervisor)
    response = client.post(f"/escalations/{escalation.pk}/reassign/", {"assignee": staff.agent.pk})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=escalation.ticket_id).assignee_id == staff.agent.pk
    for bad in ({"assignee": "abc"}, {"assignee": 999_999}, {}):
        response = client.post(f"/escalations/{escalation.pk}/reassign/", bad)
        assert response.status_code == 302
        assert Ticket.objects.get(pk=escalation.ticket_id).assignee_id == staff.agent.pk
    assert client.post("/escalations/999999/reassign/", {"assignee": staff.agent.pk}).status_code == 404
