"""Replies going out on the customer's channel through the outbox (issue 19): WhatsApp by the Cloud API
(text inside the 24-hour service window, a template outside it), its statuses written back and shown on
the ticket, a failure falling back to SMS then email, a provider that hangs holding up only the worker."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.core import mail

from messaging.models import InboundMessage
from notifications import services as outbox
from notifications.models import Notification
from tests.messaging import fake as fakes
from tests.messaging.conftest import configured
from tests.tickets.flow import Staff
from tests.tickets.test_console_pages import client_for
from tickets import services as tickets
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MESSAGES = f"/{fakes.PHONE_NUMBER_ID}/messages"


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def complaint(channels: Any, deliver: Any) -> Ticket:
    """A WhatsApp complaint, its acknowledgement already sent (so only the reply is owed)."""
    deliver("/channels/whatsapp/", fakes.whatsapp_text("wamid.IN1", "Internet mati sejak pagi"))
    channels.answers[MESSAGES] = fakes.sent_answer("wamid.ACK")
    for pk in Notification.objects.values_list("pk", flat=True):
        outbox.notification_deliver(notification_id=pk)
    channels.requests.clear()
    return Ticket.objects.get()


def reply(ticket: Ticket, staff: Staff, body: str = "Teknisi kami sedang menuju lokasi.") -> Notification:
    tickets.ticket_act(ticket=ticket, actor=staff.agent, action="respond", data={"body": body})
    return Notification.objects.get(dedupe_key__startswith="message:", channel="whatsapp")


def test_an_agents_reply_goes_out_by_whatsapp_and_its_statuses_come_back(
    complaint: Ticket, staff: Staff, channels: Any, deliver: Any
) -> None:
    channels.answers[MESSAGES] = fakes.sent_answer("wamid.REPLY1")
    notification = reply(complaint, staff)
    assert channels.requests == []  # nothing is sent in the request: the worker sends it

    assert outbox.notification_deliver(notification_id=notification.pk) is True
    assert outbox.notification_deliver(notification_id=notification.pk) is False  # once
    [sent] = channels.sent(MESSAGES)
    assert sent["messaging_product"] == "whatsapp"
    assert (sent["to"], sent["type"]) == (fakes.CUSTOMER_WA_ID, "text")
    assert "Teknisi kami sedang menuju lokasi." in sent["text"]["body"]
    notification.refresh_from_db()
    assert (notification.provider_message_id, notification.delivery_status) == ("wamid.REPLY1", "sent")

    assert (
        deliver("/channels/whatsapp/", fakes.whatsapp_status("wamid.REPLY1", "delivered")).status_code == 200
    )
    notification.refresh_from_db()
    assert notification.delivery_status == "delivered"
    assert notification.delivery_status_at == dt.datetime(2025, 12, 3, 8, 23, 20, tzinfo=dt.UTC)
    deliver("/channels/whatsapp/", fakes.whatsapp_status("wamid.REPLY1", "read"))
    deliver("/channels/whatsapp/", fakes.whatsapp_status("wamid.REPLY1", "delivered"))  # late: no step back
    notification.refresh_from_db()
    assert notification.delivery_status == "read"

    client = client_for(staff.agent)
    response = client.get(f"/console/tickets/{complaint.number}/")
    assert response.status_code == 200, response
    page = response.content.decode()
    assert 'data-channel="whatsapp" data-status="read">WhatsApp: <strong>Read</strong>' in page
    assert "Public reply (WhatsApp)" in page
    assert InboundMessage.objects.count() == 1  # statuses are not messages


def test_outside_the_24_hour_window_the_reply_is_the_approved_template(
    complaint: Ticket, staff: Staff, channels: Any
) -> None:
    InboundMessage.objects.update(received_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    channels.answers[MESSAGES] = fakes.sent_answer("wamid.TPL")
    notification = reply(complaint, staff)
    assert outbox.notification_deliver(notification_id=notification.pk) is True
    [sent] = channels.sent(MESSAGES)
    assert sent["type"] == "template"
    assert sent["template"] == {
        "name": "ticket_update",
        "language": {"code": "id"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": complaint.number}]}],
    }


def test_a_whatsapp_the_provider_refuses_falls_back_to_sms(
    complaint: Ticket, staff: Staff, channels: Any
) -> None:
    channels.answers[MESSAGES] = fakes.Answer(
        status=400, body={"error": {"message": "(#131026) Message undeliverable", "code": 131026}}
    )
    channels.answers["/sms"] = fakes.Answer(body={"id": "sms-1"})
    notification = reply(complaint, staff)
    assert outbox.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.delivery_status == "failed"
    assert "131026" in notification.last_error
    sms = Notification.objects.get(channel="sms")
    assert (sms.dedupe_key, sms.phone, sms.template) == (
        f"{notification.dedupe_key}:fallback:sms",
        fakes.CUSTOMER_PHONE,
        "ticket_reply",
    )
    assert outbox.notification_deliver(notification_id=sms.pk) is True
    [sent] = channels.sent("/sms")
    assert sent["to"] == fakes.CUSTOMER_PHONE
    assert "Teknisi kami sedang menuju lokasi." in sent["text"]
    assert [
        headers["Authorization"] for method, path, headers, _b in channels.requests if path == "/sms"
    ] == ["Bearer test-sms-token"]


def test_a_failed_status_falls_back_to_sms_and_without_a_gateway_to_email(
    complaint: Ticket, staff: Staff, channels: Any, deliver: Any, settings: Any
) -> None:
    complaint.customer.email = "sari@example.co.id"
    complaint.customer.save()
    settings.CHANNELS = configured(channels.url, SMS_GATEWAY_URL="")
    channels.answers[MESSAGES] = fakes.sent_answer("wamid.WILLFAIL")
    notification = reply(complaint, staff)
    outbox.notification_deliver(notification_id=notification.pk)
    failed = fakes.whatsapp_status(
        "wamid.WILLFAIL",
        "failed",
        errors=[{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message"}],
    )
    deliver("/channels/whatsapp/", failed)
    deliver("/channels/whatsapp/", failed)  # twice: one fallback
    notification.refresh_from_db()
    assert (notification.delivery_status, notification.last_error) == (
        "failed",
        "131047: Re-engagement message",
    )
    email = Notification.objects.get(
        channel="email", ticket=complaint, dedupe_key__endswith=":fallback:email"
    )
    assert Notification.objects.filter(channel="sms").count() == 0
    assert outbox.notification_deliver(notification_id=email.pk) is True
    assert mail.outbox[-1].to == ["sari@example.co.id"]


def test_a_provider_that_hangs_delays_nothing_but_the_worker(
    complaint: Ticket, staff: Staff, channels: Any, settings: Any
) -> None:
    settings.CHANNELS = configured(channels.url, HTTP_TIMEOUT_SECONDS=0.5)
    channels.answers[MESSAGES] = fakes.Answer(body={}, delay=3)
    channels.answers["/sms"] = fakes.Answer(body={"id": "sms-2"})
    client = client_for(staff.agent)
    started = time.monotonic()
    response = client.post(
        f"/console/tickets/{complaint.number}/act/respond/",
        {"respond-body": "Sedang kami periksa.", "respond-channel": ""},
    )
    assert response.status_code in (200, 302), response.content[:2000]
    assert time.monotonic() - started < 0.5
    assert channels.requests == []
    notification = Notification.objects.get(dedupe_key__startswith="message:")
    assert notification.channel == "whatsapp"

    for attempt in range(1, outbox.PHONE_ATTEMPTS):
        started = time.monotonic()
        with pytest.raises(OSError):  # requests' timeout; the task retries it
            outbox.notification_deliver(notification_id=notification.pk)
        assert 0.4 < time.monotonic() - started < 2.5
        notification.refresh_from_db()
        assert (notification.attempts, notification.claimed_at, notification.sent_at) == (attempt, None, None)
        assert "timed out" in notification.last_error.lower()
    # The last attempt gives WhatsApp up and owes the reply by SMS.
    assert outbox.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.delivery_status == "failed"
    assert Notification.objects.filter(channel="sms", dedupe_key__endswith=":fallback:sms").count() == 1
