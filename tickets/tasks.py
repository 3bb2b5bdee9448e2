"""Celery tasks of the tickets module: thin — one service call each."""

from __future__ import annotations

from celery import shared_task

from tickets import inbound
from tickets.services import incidents


@shared_task(acks_late=True, ignore_result=True, time_limit=300, soft_time_limit=240)
def inbound_email_fetch() -> dict[str, int]:
    """Beat, every minute: turn the complaints mailbox's new mail into tickets and replies (nothing to do
    when no mailbox is configured)."""
    return inbound.email_fetch()


@shared_task(acks_late=True, ignore_result=True, time_limit=900, soft_time_limit=840)
def incident_resolve_tickets(incident_id: int) -> int:
    """After an incident is declared resolved: resolve its linked open tickets, batch by batch. Running
    twice, or again after a worker died halfway, moves each ticket once."""
    return incidents.incident_resolve_tickets(incident_id=incident_id)


@shared_task(acks_late=True, ignore_result=True, time_limit=900, soft_time_limit=840)
def incidents_finish() -> int:
    """Beat, every minute: finish the resolution of incidents whose tickets are not all resolved yet."""
    return sum(incidents.incident_resolve_tickets(incident_id=pk) for pk in incidents.incidents_unfinished())
