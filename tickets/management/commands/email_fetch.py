"""`manage.py email_fetch`: read the complaints mailbox once now — exactly what the periodic job runs."""

from __future__ import annotations

import imaplib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from imap_tools.errors import ImapToolsError

from tickets import inbound


class Command(BaseCommand):
    help = "Read the complaints mailbox (INBOUND_IMAP_*) once: new mail becomes tickets and replies."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.HELPDESK["INBOUND_EMAIL"]["IMAP_HOST"]:
            raise CommandError("No mailbox configured: set INBOUND_IMAP_HOST, _USER and _PASSWORD.")
        try:
            counts = inbound.email_fetch()
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as exc:  # unreachable, refused, bad login
            raise CommandError(f"Could not read the mailbox: {exc}") from exc
        for outcome, count in sorted(counts.items()):
            self.stdout.write(f"{outcome}: {count}")
        if not counts:
            self.stdout.write("no new mail")
