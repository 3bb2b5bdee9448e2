"""`python manage.py monthly_report YYYY-MM`: build, or rebuild, that month's snapshot (API.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from helpdesk.lib.errors import InvalidInput
from reports import recap, services


class Command(BaseCommand):
    help = "Build (or rebuild) the monthly report snapshot of a month that has ended, e.g. 2026-03."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = recap.parse_month(options["month"])
            report, _built = services.monthly_report_build(month=month, rebuild=True)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        figures = report.data
        self.stdout.write(
            _("Built the monthly report %(month)s: %(tickets)s tickets, backlog %(backlog)s.")
            % {
                "month": figures["month"],
                "tickets": figures["tickets_reported"],
                "backlog": figures["backlog"]["at_month_end"],
            }
        )
