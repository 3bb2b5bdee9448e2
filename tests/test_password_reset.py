"""The staff password reset (issue 18, findings 1 and 2): its mail is owed through the outbox and sent by
the worker (a hung mail server holds no page), asked for at most a few times per address and per client,
answered the same whether or not the address has an account, and its secret is neither kept once sent
nor written to the log when sending fails."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import re
import smtplib
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import override_settings

from helpdesk.settings import base as base_settings
from notifications.models import Notification
from notifications.services import notification_deliver

RESET = "/accounts/password_reset/"
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def owed_resets() -> list[Notification]:
    return list(Notification.objects.filter(template="password_reset").order_by("id"))


def ask(client: Any, email: str, ip: str = "203.0.113.7") -> Any:
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.mark.django_db
def test_a_reset_owes_one_email_through_the_outbox_and_an_unknown_address_none(
    client: Any, make_user: Any
) -> None:
    user = make_user("agent", email="dewi@example.com")
    known = ask(client, "dewi@example.com")
    assert known.status_code == 302
    assert len(mail.outbox) == 0  # nothing is sent in the request
    rows = owed_resets()
    owed = [(row.recipient_id, row.channel, row.email) for row in rows]
    assert owed == [(user.pk, "email", "dewi@example.com")]
    unknown = ask(client, "nobody@example.com")
    assert unknown.status_code == 302 and unknown["Location"] == known["Location"]
    assert len(owed_resets()) == 1


@pytest.mark.django_db
def test_the_link_sent_by_the_worker_sets_a_new_password_and_the_outbox_forgets_it(
    client: Any, make_user: Any
) -> None:
    user = make_user("agent", email="dewi@example.com")
    ask(client, "dewi@example.com")
    (row,) = owed_resets()
    assert "link" in row.context
    assert notification_deliver(notification_id=row.pk) is True
    (message,) = mail.outbox
    assert message.to == ["dewi@example.com"]
    row.refresh_from_db()
    assert row.sent_at is not None and row.context == {}
    form = client.get(link_in(message.body), follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Passw0rd!")


@pytest.mark.django_db
def test_resets_are_limited_per_address_and_per_client(client: Any, make_user: Any) -> None:
    for n in range(7):
        make_user("agent", email=f"agent{n}@example.com")
    with (
        time_machine.travel(T0, tick=False) as clock,
        override_settings(HELPDESK={**base_settings.HELPDESK, "PASSWORD_RESET_RATE": "3/h"}),
    ):
        # One address from many clients: three links, then silence (the same answer, nothing owed).
        for n in range(5):
            clock.shift(dt.timedelta(seconds=5))  # a new token each time
            assert ask(client, "agent0@example.com", ip=f"198.51.100.{n}").status_code == 302
        assert len(owed_resets()) == 3
        # One client asking for many addresses: three, then silence.
        for n in range(1, 6):
            clock.shift(dt.timedelta(seconds=5))
            assert ask(client, f"agent{n}@example.com", ip="192.0.2.50").status_code == 302
        assert len(owed_resets()) == 6
        clock.shift(dt.timedelta(hours=1, minutes=1))
        ask(client, "agent0@example.com", ip="192.0.2.99")
        assert len(owed_resets()) == 7  # the hour is over


def json_formatter() -> logging.Formatter:
    """The production log format (base settings' "json" formatter), built the way dictConfig builds it."""
    configurator = logging.config.DictConfigurator({"version": 1})
    return configurator.configure_formatter(dict(base_settings.LOGGING["formatters"]["json"]))


class FailingBackend:
    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db
def test_a_failed_reset_mail_logs_a_json_line_without_the_secret(client: Any, make_user: Any) -> None:
    make_user("agent", email="dewi@example.com")
    ask(client, "dewi@example.com")
    (row,) = owed_resets()
    path = link_in(row.context["link"])
    uid, token = path.rstrip("/").split("/")[-2:]
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    worker_log = logging.getLogger("celery.app.trace")
    worker_log.addHandler(handler)
    try:
        with override_settings(EMAIL_BACKEND="tests.test_password_reset.FailingBackend"):
            try:
                notification_deliver(notification_id=row.pk)
            except OSError:
                worker_log.exception("Task notification_send raised")  # as Celery's worker logs it
    finally:
        worker_log.removeHandler(handler)
    (record,) = records
    line = json_formatter().format(record)
    assert "\n" not in line
    event = json.loads(line)
    assert event["level"] == "error" and event["event"] == "Task notification_send raised"
    frames = event["exception"][0]["frames"]
    assert any(frame["name"] == "notification_deliver" for frame in frames)
    assert all("locals" not in frame or not frame["locals"] for frame in frames)
    assert token not in line and uid not in line and "link" not in line
    row.refresh_from_db()
    assert row.sent_at is None and row.context["link"]  # kept to try again
