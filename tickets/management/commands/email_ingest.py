"""`manage.py email_ingest [FILE …]`: hand emails to the desk as the mailbox poller does — saved .eml
files, or one message on standard input (`-` or no file), for a mail server that pipes into a command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets import inbound


class Command(BaseCommand):
    help = "Turn emails (.eml files, or one message on standard input) into tickets and replies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="RFC 822 message files; '-' or none reads stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = options["files"] or ["-"]
        for source in sources:
            if source == "-":
                raw = sys.stdin.buffer.read()
            else:
                try:
                    raw = Path(source).read_bytes()
                except OSError as exc:
                    raise CommandError(f"{source}: {exc.strerror}") from exc
            record = inbound.email_ingest(raw)
            ticket = record.ticket.number if record.ticket else "-"
            detail = f" ({record.reason})" if record.reason else ""
            self.stdout.write(f"{source}: {record.outcome} {ticket}{detail}")
