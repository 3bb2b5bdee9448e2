"""The database away (restarting, failing over) under portal filings (issue 18's fault run): each request
is either a 201 with its row or a clear 503 with Retry-After — nothing half-written — and the desk files
again on the first request after the database is back. The database is made unreachable for real: the
connection is closed and pointed at a port where nothing listens, as during a restart."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tickets.models import Ticket


def complaint(n: int) -> dict[str, Any]:
    return {
        "name": f"Pelanggan {n}",
        "email": f"pelanggan{n}@example.com",
        "phone": f"+62812000{n:05d}",
        "category": "network",
        "description": f"Internet mati (keluhan {n}).",
        "incident_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
    }


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database_away() -> Iterator[Any]:
    """switch(away: bool): the next queries find no database (or find it again)."""
    settings = connection.settings_dict
    real = (settings.get("HOST"), settings.get("PORT"))

    def switch(away: bool) -> None:
        connection.close()
        settings["HOST"], settings["PORT"] = ("127.0.0.1", closed_port()) if away else real

    yield switch
    switch(False)


@pytest.mark.django_db(transaction=True)
def test_filings_while_the_database_is_away_get_503_and_nothing_is_half_written(
    database_away: Any, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"portal": "1000/minute", "portal_track": "1000/minute"},
    }
    portal = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    answers: dict[int, Any] = {}
    for n in range(30):
        database_away(10 <= n < 20)  # the database goes away for the middle ten
        answers[n] = portal.post("/api/portal/complaints/", complaint(n), format="json")
    database_away(False)

    statuses = {n: response.status_code for n, response in answers.items()}
    assert {statuses[n] for n in range(10, 20)} == {503}
    assert {statuses[n] for n in [*range(10), *range(20, 30)]} == {201}
    for n in range(10, 20):
        assert answers[n]["Retry-After"] == "5"
        assert answers[n].json()["code"] == "unavailable"
    numbers = {answers[n].json()["number"] for n in statuses if statuses[n] == 201}
    stored = set(Ticket.objects.values_list("number", flat=True))
    assert stored == numbers  # every 201 has its row, and no row exists without its 201
    descriptions = set(Ticket.objects.values_list("description", flat=True))
    assert not any(f"(keluhan {n})" in text for n in range(10, 20) for text in descriptions)


@pytest.mark.django_db(transaction=True)
def test_a_page_while_the_database_is_away_is_a_503_page(database_away: Any) -> None:
    from django.test import Client

    from helpdesk.lib import ticket_numbers

    form = {"number": ticket_numbers.encode(10**6), "contact": "budi@example.com"}  # valid, not issued
    database_away(True)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/portal/track/", form)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    # The portal speaks Indonesian unless the visitor chose English.
    assert b"briefly unavailable" in response.content or b"tidak tersedia sebentar" in response.content
    database_away(False)
    assert Client(HTTP_ACCEPT_LANGUAGE="en").post("/portal/track/", form).status_code == 404  # no such ticket
