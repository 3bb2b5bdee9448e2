"""An email backend for the worker test: Django's file backend, optionally slow. With
HELPDESK_TEST_SLOW_SEND=<seconds> it first leaves a marker (so the test knows a send has begun) and
then waits before writing anything, which is when the test kills the worker."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        delay = float(os.environ.get("HELPDESK_TEST_SLOW_SEND") or 0)
        if delay:
            marker_dir = Path(os.environ["HELPDESK_TEST_MARKER_DIR"])
            (marker_dir / f"sending-{os.getpid()}").write_text("started")
            time.sleep(delay)
        return super().send_messages(email_messages)
