"""Celery tasks of the SLA module: thin — one service call each."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from sla import services


@shared_task(acks_late=True, ignore_result=True, time_limit=300, soft_time_limit=240)
def sla_sweep() -> dict[str, int]:
    """Beat, every minute: mark at-risk and breached tickets, warn owners, escalate breaches."""
    result = services.sla_sweep(now=timezone.now())
    return {"recorded": result.total_recorded, "escalations": result.total_escalations}


@shared_task(acks_late=True, ignore_result=True)
def holidays_refresh() -> int:
    """Beat, monthly: keep this year's and next year's holidays and cuti bersama current."""
    year = timezone.localdate().year
    return services.holidays_refresh(years=[year, year + 1])
