"""Celery tasks of the messaging channels: thin — ids in, one service call."""

from __future__ import annotations

from celery import shared_task

from messaging import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def messaging_media_fetch(record_id: int) -> str:
    return services.inbound_media_attach(record_id=record_id)
