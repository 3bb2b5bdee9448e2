"""Celery tasks of the notifications module: thin — ids in, one service call."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notifications import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def notification_send(notification_id: int) -> bool:
    return services.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def notifications_send_many(notification_ids: list[int]) -> int:
    """A chunk of owed emails. Each is claimed and marked sent on its own, so a retry of the chunk skips
    the ones already sent."""
    return sum(services.notification_deliver(notification_id=pk) for pk in notification_ids)


@shared_task(acks_late=True)
def notifications_flush() -> int:
    """Beat: enqueue every email still owed (the broker was away, or a worker died mid-send)."""
    ids = services.notifications_owed(now=timezone.now())
    for notification_id in ids:
        notification_send.delay(notification_id)
    return len(ids)
