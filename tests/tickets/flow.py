"""Walking a ticket to a stage the way people do: through `ticket_act`, one stage at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.tickets.factories import RCA, ServiceFactory, make_ticket, team
from tickets import services
from tickets.models import Stage, Ticket

ORDER = [Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED, Stage.RESOLVED, Stage.CONFIRMED, Stage.CLOSED]


@dataclass
class Staff:
    """One person per role; the technician is in Network Operation (where network tickets go)."""

    agent: Any
    support: Any
    supervisor: Any
    technician: Any
    manager: Any
    director: Any
    analyst: Any

    @classmethod
    def create(cls, make_user: Any) -> Staff:
        return cls(
            agent=make_user("agent"),
            support=make_user("support"),
            supervisor=make_user("supervisor"),
            technician=make_user("technician", teams=[team("Network Operation")]),
            manager=make_user("manager"),
            director=make_user("director"),
            analyst=make_user("analyst"),
        )

    def of(self, role: str) -> Any:
        return getattr(self, role)


def advance(ticket: Ticket, to: Stage, staff: Staff, *, now: dt.datetime | None = None) -> Ticket:
    """Move `ticket` forward to stage `to` (received → … → closed), each step by its owner."""
    now = now or timezone.now()
    steps = {
        Stage.VERIFIED: (
            staff.support,
            "verify",
            {"classification": "major", "service_status_checked": True, "billing_checked": True},
        ),
        Stage.DISPATCHED: (staff.supervisor, "dispatch", {}),
        Stage.RESOLVED: (staff.technician, "resolve", {"rca": RCA}),
        Stage.CONFIRMED: (staff.agent, "confirm", {}),
        Stage.CLOSED: (staff.agent, "close", {}),
    }
    current = ORDER.index(Stage(ticket.stage))
    for stage in ORDER[current + 1 : ORDER.index(to) + 1]:
        actor, action, data = steps[stage]
        ticket = services.ticket_act(ticket=ticket, actor=actor, action=action, data=data, now=now).ticket
    return ticket


def ticket_in(stage: Stage, staff: Staff, **kwargs: Any) -> Ticket:
    kwargs.setdefault("service", ServiceFactory())
    return advance(make_ticket(actor=staff.agent, **kwargs), stage, staff)
