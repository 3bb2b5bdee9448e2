"""A mail server that accepts connections and then never answers (issue 18's fault run): pages keep
answering (no request talks to it), the worker gives up on it after EMAIL_TIMEOUT instead of hanging, the
message stays owed, and it goes out once the server answers again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.test import Client

from notifications.models import Notification
from notifications.services import notification_deliver


class HungServer:
    """Accepts every connection and never sends a byte (no SMTP greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


@pytest.mark.django_db
def test_a_hung_mail_server_holds_no_page_and_the_mail_goes_out_when_it_answers(
    hung: HungServer, settings: Any, make_user: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", hung.port, 1
    settings.EMAIL_USE_TLS = False
    cache.clear()
    make_user("agent", email="dewi@example.com")

    # The page answers, owing the mail: no request connects to the mail server.
    response = Client().post("/accounts/password_reset/", {"email": "dewi@example.com"})
    assert response.status_code == 302
    (row,) = Notification.objects.filter(template="password_reset")
    assert hung.connections == []

    # The worker tries, and gives up after EMAIL_TIMEOUT (a timeout is an OSError: the task retries).
    with pytest.raises(OSError):
        notification_deliver(notification_id=row.pk)
    assert len(hung.connections) == 1
    row.refresh_from_db()
    assert row.sent_at is None and row.claimed_at is None and row.last_error

    # The server answers again: the next attempt sends it, once.
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its server by connecting to it)
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=free)
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        assert notification_deliver(notification_id=row.pk) is True
        assert notification_deliver(notification_id=row.pk) is False
    finally:
        controller.stop()
    assert [envelope.rcpt_tos for envelope in inbox.messages] == [["dewi@example.com"]]
    row.refresh_from_db()
    assert row.sent_at is not None


@pytest.mark.django_db
def test_a_mailbox_that_never_answers_is_given_up_on_after_its_timeout(
    hung: HungServer, settings: Any
) -> None:
    """Reading the complaints mailbox has a timeout too (INBOUND_IMAP_TIMEOUT): a hung IMAP server costs
    one run that many seconds, not the worker."""
    from tickets.inbound import email_fetch

    settings.HELPDESK = {
        **settings.HELPDESK,
        "INBOUND_EMAIL": {
            **settings.HELPDESK["INBOUND_EMAIL"],
            "IMAP_HOST": "127.0.0.1",
            "IMAP_PORT": hung.port,
            "IMAP_TIMEOUT": 1,
        },
    }
    with pytest.raises(OSError):  # the TLS handshake times out
        email_fetch()
    assert len(hung.connections) == 1
