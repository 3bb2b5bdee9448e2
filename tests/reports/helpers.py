"""Building a month of tickets for the recap tests: through the services only, each step at a given
Jakarta time (the clock is travelled there too, so rows stamped with the current time — ratings, CAPA
actions — carry that time as well)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import time_machine

from tests.tickets.factories import ServiceFactory, make_ticket
from tickets import services
from tickets.models import Ticket

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=WIB)


def new_ticket(at: dt.datetime, *, actor: Any, now: dt.datetime | None = None, **kwargs: Any) -> Ticket:
    """A complaint reported at `at`, logged at `now` (the same moment unless logged later)."""
    kwargs.setdefault("service", ServiceFactory())
    with time_machine.travel(now or at, tick=False):
        return make_ticket(actor=actor, reported_at=at, now=now or at, **kwargs)


def act(ticket: Ticket, actor: Any, action: str, at: dt.datetime, **data: Any) -> Ticket:
    with time_machine.travel(at, tick=False):
        return services.ticket_act(ticket=ticket, actor=actor, action=action, data=data, now=at).ticket


def verify(ticket: Ticket, staff: Any, at: dt.datetime, classification: str = "critical") -> Ticket:
    return act(
        ticket,
        staff.support,
        "verify",
        at,
        classification=classification,
        service_status_checked=True,
        billing_checked=True,
    )
