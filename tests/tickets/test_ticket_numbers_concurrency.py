"""Ticket numbers stay unique when many processes issue them at once: 8 OS processes, each with its own
database connection, create 200 tickets each through the creation service, all starting together."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import traceback
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from helpdesk.lib import ticket_numbers
from tests.tickets.factories import CustomerFactory
from tickets.models import Customer, Ticket

PROCESSES = 8
TICKETS_EACH = 200


def _create_tickets(
    database_name: str, customer_id: int, start: Any, results: Any, worker: int
) -> None:  # pragma: no cover - runs in the child process
    try:
        # The forked child must not reuse the parent's socket: drop it and open its own connection
        # to the same test database.
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = database_name
        connections["default"].settings_dict["NAME"] = database_name
        from tickets import services

        customer = Customer.objects.get(pk=customer_id)
        start.wait(timeout=60)
        numbers = []
        for index in range(TICKETS_EACH):
            now = timezone.now()
            ticket = services.ticket_create(
                actor=None,
                customer=customer,
                category="network",
                channel="phone",
                description=f"Worker {worker} complaint {index}",
                incident_at=now - dt.timedelta(minutes=5),
                now=now,
            )
            numbers.append(ticket.number)
        connections.close_all()
        results.put((worker, numbers, None))
    except BaseException:
        results.put((worker, [], traceback.format_exc()))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_processes_creating_tickets_at_once_get_distinct_valid_numbers() -> None:
    customer = CustomerFactory()
    database_name = settings.DATABASES["default"]["NAME"]
    assert database_name.startswith("test_")
    connections.close_all()

    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=_create_tickets, args=(database_name, customer.pk, start, results, worker))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=600) for _ in workers]
    for process in workers:
        process.join(timeout=60)

    failures = [error for _worker, _numbers, error in reports if error]
    assert failures == []
    assert [process.exitcode for process in workers] == [0] * PROCESSES
    returned = [number for _worker, numbers, _error in reports for number in numbers]
    assert len(returned) == PROCESSES * TICKETS_EACH

    stored = list(Ticket.objects.filter(customer=customer).values_list("number", flat=True))
    assert len(stored) == 1_600
    assert len(set(stored)) == 1_600
    assert set(stored) == set(returned)
    assert all(ticket_numbers.normalise(number) == number for number in stored)
    assert all(len(number) == 9 and number[4] == "-" for number in stored)
