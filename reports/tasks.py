"""Celery tasks of the reports module: thin, each one service call, safe to run twice (the data says so:
a snapshot exists once per month, `emailed_at` is set before the mail leaves, a CAPA action is reminded
once per day, a survey campaign exists once per period)."""

from __future__ import annotations

import datetime as dt

import structlog
from celery import shared_task
from django.utils import timezone

from helpdesk.lib.errors import NotAllowedNow
from reports import recap, services

log = structlog.get_logger(__name__)


def previous_month(now: dt.datetime) -> dt.date:
    """The month that ended most recently, in Jakarta time."""
    local = now.astimezone(recap.REPORT_TIME_ZONE).date()
    return recap.add_months(local.replace(day=1), -1)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def monthly_report_previous_month() -> str:
    """Beat, on the 1st: build the month just ended (never rebuilding an existing snapshot) and mail its
    PDF to management once."""
    now = timezone.now()
    report, built = services.monthly_report_build(month=previous_month(now), rebuild=False, now=now)
    sent = services.monthly_report_send(report_id=report.pk, now=now)
    log.info("monthly_report_task", month=str(report), built=built, recipients=sent)
    return str(report)


@shared_task(acks_late=True)
def capa_remind_overdue() -> int:
    """Beat, daily: remind the owners of overdue CAPA actions (once per action per day)."""
    return services.capa_remind_overdue(now=timezone.now())


def half_year_before(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The calendar half-year (Jan–Jun or Jul–Dec, Jakarta) that ended most recently."""
    local = now.astimezone(recap.REPORT_TIME_ZONE).date()
    if local.month <= 6:
        return dt.date(local.year - 1, 7, 1), dt.date(local.year - 1, 12, 31)
    return dt.date(local.year, 1, 1), dt.date(local.year, 6, 30)


@shared_task(acks_late=True)
def csi_campaign_half_year() -> int | None:
    """Beat, on 1 January and 1 July: the CSI survey runs at least twice a year (SPEC §9); this starts
    one for the half-year just ended. Returns the campaign id, or None if it already exists."""
    start, end = half_year_before(timezone.now())
    name = f"CSI {start:%Y-%m} – {end:%Y-%m}"
    try:
        return services.csi_campaign_create(name=name, period_start=start, period_end=end).pk
    except NotAllowedNow:
        return None


@shared_task(acks_late=True, ignore_result=True, time_limit=120, soft_time_limit=100)
def dashboard_figures_refresh() -> str:
    """Beat, every minute: recount the dashboard's stored figures (safe to run twice: the newest count
    wins)."""
    return services.dashboard_figures_refresh(now=timezone.now(), force=True).as_of.isoformat()
