"""Celery tasks of the tickets module: thin — one service call each."""

from __future__ import annotations

from celery import shared_task

from tickets import inbound


@shared_task(acks_late=True, ignore_result=True, time_limit=300, soft_time_limit=240)
def inbound_email_fetch() -> dict[str, int]:
    """Beat, every minute: turn the complaints mailbox's new mail into tickets and replies (nothing to do
    when no mailbox is configured)."""
    return inbound.email_fetch()
