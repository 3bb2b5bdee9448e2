"""Two watchers at once on PostgreSQL (separate processes): every breach, escalation and notification
is recorded exactly once, and the work is shared, not repeated."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db.models import Count

from escalation.models import Escalation, Trigger
from escalation.sweep import escalate_breaches
from notifications.models import Notification
from sla.models import SlaEvent
from sla.services import sla_sweep
from tests.concurrency import run_in_processes
from tests.tickets.factories import ServiceFactory, make_ticket
from tickets.models import Ticket

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
TICKETS = 60


@pytest.fixture
def breached(make_user: Any) -> list[Ticket]:
    agent = make_user("agent")
    for role in ("supervisor", "supervisor", "manager"):
        make_user(role)
    return [
        make_ticket(actor=agent, service=ServiceFactory(), classification="minor", reported_at=T0, now=T0)
        for _ in range(TICKETS)
    ]


def told_once_each(*, channel: str, levels: dict[int, int]) -> bool:
    """Every (ticket, level, person) was told exactly once on `channel`: in an `escalation_raised` row or
    listed in one `escalation_digest` (each statement gathers its own escalations per person); `levels`
    says how many people each level has."""
    emailed: Counter[tuple[str, int, int]] = Counter()
    for row in Notification.objects.filter(channel=channel, template__startswith="escalation_"):
        level = row.context["level"]
        if row.template == "escalation_raised":
            emailed[(row.context["number"], level, row.recipient_id)] += 1
        else:
            assert row.template == "escalation_digest"
            assert row.context["count"] == len(row.context["tickets"]) > 1
            for item in row.context["tickets"]:
                emailed[(item["number"], level, row.recipient_id)] += 1
    numbers = Ticket.objects.count()
    assert sorted(set(emailed.values())) == [1]
    assert len(emailed) == numbers * sum(levels.values())
    return True


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_record_each_breach_once(breached: list[Ticket]) -> None:
    now = T0 + dt.timedelta(hours=7)  # response breached 5 hours ago: supervisor and manager levels due

    def sweep(_: int) -> tuple[int, int]:
        result = sla_sweep(now=now, batch_size=7)
        return result.recorded["response_breached"], result.escalations["response_breach"]

    outcomes = run_in_processes(sweep, 2)

    # Between them the two sweeps recorded each breach and each escalation exactly once.
    assert sum(recorded for recorded, _ in outcomes) == TICKETS
    assert sum(raised for _, raised in outcomes) == TICKETS * 2
    per_ticket = (
        SlaEvent.objects.filter(target="response", kind="breached").values("ticket").annotate(n=Count("id"))
    )
    assert sorted(row["n"] for row in per_ticket) == [1] * TICKETS
    levels = Counter(Escalation.objects.values_list("level", "reason"))
    assert levels == {(1, "response_breach"): TICKETS, (2, "response_breach"): TICKETS}
    # Each escalation reached its level's people once (2 supervisors at level 1, 1 manager at level 2) by
    # email and in the inbox, alone or listed in one digest of its statement.
    assert told_once_each(channel="email", levels={1: 2, 2: 1})
    assert told_once_each(channel="inbox", levels={1: 2, 2: 1})
    assert Ticket.objects.filter(escalation_level=2).count() == TICKETS


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_processes_escalating_the_same_breaches_notify_once(breached: list[Ticket]) -> None:
    now = T0 + dt.timedelta(hours=3)
    Ticket.objects.filter(pk__in=[t.pk for t in breached]).update(response_sla="breached")

    def escalate(_: int) -> int:
        from django.db import transaction

        raised = 0
        while True:
            with transaction.atomic():
                batch = escalate_breaches(trigger=Trigger.RESPONSE_BREACH, now=now, batch_size=5)
            raised += batch.raised
            if batch.considered < 5:
                return raised

    outcomes = run_in_processes(escalate, 2)

    assert sum(outcomes) == TICKETS
    assert Escalation.objects.filter(level=1, reason="response_breach").count() == TICKETS
    assert Escalation.objects.filter(level=2).count() == 0  # 240 minutes have not passed
    assert told_once_each(channel="email", levels={1: 2})
    assert told_once_each(channel="inbox", levels={1: 2})
    through = Escalation.notified.through.objects.count()
    assert through == TICKETS * 2
