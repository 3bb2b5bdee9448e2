"""The dashboard's stored figures (`reports.models.DashboardFigures`): rebuilt from the tickets by beat
every minute, by `manage.py dashboard_figures`, and by the first read that finds them stale."""

from __future__ import annotations

import datetime as dt
import zlib

from django.db import connection, transaction

from reports import selectors
from reports.models import DashboardFigures

# One rebuild at a time: requests that find the figures stale together wait for the first one's and
# then read it, instead of each counting the same rows.
_LOCK = zlib.crc32(b"reports.dashboard_figures")


def dashboard_figures_refresh(*, now: dt.datetime, force: bool = False) -> DashboardFigures:
    """Count the dashboard's figures as of `now` (`reports.selectors.dashboard_figures_compute`) and
    store them, unless someone stored fresh ones meanwhile (or `force`). Figures asked for a moment
    before the stored ones are counted and returned, not stored (the newer ones stay)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        stored = DashboardFigures.objects.filter(key=selectors.DASHBOARD_KEY).first()
        if stored is not None and not force and selectors.dashboard_figures_is_fresh(stored, now):
            return stored
        computed = selectors.dashboard_figures_compute(now)
        figures = DashboardFigures(
            key=selectors.DASHBOARD_KEY,
            as_of=computed["as_of"],
            days=computed["days"],
            backlog=computed["backlog"],
        )
        if stored is None or stored.as_of <= now:
            figures.save()
        return figures
