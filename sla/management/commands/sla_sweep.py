"""`manage.py sla_sweep`: one pass of the SLA watcher now — exactly what the periodic job runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from sla import services


class Command(BaseCommand):
    help = "Run one pass of the SLA watcher now: mark at-risk and breached tickets, warn, escalate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=None, help="tickets per statement")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.sla_sweep(now=timezone.now(), batch_size=options["batch_size"])
        for name in result.marked:
            self.stdout.write(f"{name}: {result.marked[name]} marked, {result.recorded[name]} recorded")
        for reason, count in result.escalations.items():
            self.stdout.write(f"escalations ({reason}): {count}")
        self.stdout.write(f"statements: {result.statements}")
