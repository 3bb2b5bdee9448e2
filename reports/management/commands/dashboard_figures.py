"""`python manage.py dashboard_figures`: recount the dashboard's stored figures now (what beat does every
minute), e.g. after loading data; prints what they hold."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from reports import services


class Command(BaseCommand):
    help = "Recount the managers' dashboard figures (reports.models.DashboardFigures) as of now."

    def handle(self, *args: Any, **options: Any) -> None:
        figures = services.dashboard_figures_refresh(now=timezone.now(), force=True)
        open_now = sum(row[2] for row in figures.backlog)
        self.stdout.write(
            f"Dashboard figures as of {figures.as_of.isoformat()}: {len(figures.days)} days, "
            f"{open_now} open tickets."
        )
