"""Messages coming in by WhatsApp, Instagram/Facebook and the generic signed endpoint (issue 19): the
webhooks' handshake and signatures, a message becoming a complaint or joining the sender's open ticket,
once per provider id, its photo fetched by the worker, echoes ignored. Payloads as Meta documents them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from escalation.models import Escalation
from messaging import services, tasks
from messaging.models import InboundMessage, MediaStatus
from notifications.models import Notification
from tests.messaging import fake as fakes
from tests.messaging.conftest import configured
from tests.tickets.factories import jpeg_bytes
from tickets.models import Attachment, Channel, Customer, MessageKind, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

JPEG = jpeg_bytes()


def test_the_whatsapp_handshake_echoes_the_challenge_only_with_the_verify_token(
    channels: Any, client: Any
) -> None:
    ok = client.get(
        "/channels/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": fakes.VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert (ok.status_code, ok.content) == (200, b"1158201444")
    wrong = client.get(
        "/channels/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403


def test_with_nothing_configured_the_webhooks_say_the_channel_is_off(client: Any, deliver: Any) -> None:
    for path in ("/channels/whatsapp/", "/channels/meta/"):
        response = deliver(path, fakes.whatsapp_text("wamid.off", "Halo"))
        assert response.status_code == 404
        assert b"not configured" in response.content
    assert deliver("/api/channels/inbound/", {}, secret="x").status_code == 404
    assert InboundMessage.objects.count() == 0


def test_a_whatsapp_message_becomes_a_ticket_and_a_second_threads_into_it(
    channels: Any, deliver: Any
) -> None:
    first = deliver("/channels/whatsapp/", fakes.whatsapp_text("wamid.AAA1", "Internet mati sejak pagi"))
    assert first.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.description, ticket.contact_phone) == (
        Channel.WHATSAPP,
        "Internet mati sejak pagi",
        fakes.CUSTOMER_PHONE,
    )
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.preferred_channel) == (
        "Sari Dewi",
        fakes.CUSTOMER_PHONE,
        "whatsapp",
    )
    # The acknowledgement goes back by WhatsApp, the channel the customer came by.
    assert list(Notification.objects.values_list("channel", "phone", "template")) == [
        ("whatsapp", fakes.CUSTOMER_PHONE, "ticket_received")
    ]

    second = deliver("/channels/whatsapp/", fakes.whatsapp_text("wamid.AAA2", "Masih mati, tolong"))
    assert second.status_code == 200
    assert Ticket.objects.count() == 1
    assert list(
        TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).values_list("channel", "body")
    ) == [("whatsapp", "Masih mati, tolong")]
    assert list(InboundMessage.objects.order_by("id").values_list("provider_message_id", "outcome")) == [
        ("wamid.AAA1", "created"),
        ("wamid.AAA2", "threaded"),
    ]


def test_a_bad_signature_is_refused_with_403_and_records_nothing(channels: Any, deliver: Any) -> None:
    payload = fakes.whatsapp_text("wamid.BAD", "Halo")
    assert deliver("/channels/whatsapp/", payload, secret="not-the-app-secret").status_code == 403
    assert deliver("/channels/whatsapp/", payload, signature="").status_code == 403
    assert (
        deliver("/channels/meta/", fakes.instagram_comment("1789", "x"), secret=fakes.APP_SECRET).status_code
        == 403
    )
    assert (InboundMessage.objects.count(), Ticket.objects.count(), Customer.objects.count()) == (0, 0, 0)


def test_the_same_message_delivered_twice_is_recorded_once(channels: Any, deliver: Any) -> None:
    payload = fakes.whatsapp_text("wamid.TWICE", "Tagihan saya salah")
    assert deliver("/channels/whatsapp/", payload).status_code == 200
    assert deliver("/channels/whatsapp/", payload).status_code == 200
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.filter(kind=MessageKind.CUSTOMER).count() == 0
    assert Notification.objects.count() == 1


def test_a_photo_is_fetched_by_the_worker_and_attached(channels: Any, deliver: Any) -> None:
    channels.answers["/1479537139650973"] = fakes.Answer(
        body={
            "messaging_product": "whatsapp",
            "url": f"{channels.url}/whatsapp_business/attachments/?mid=1479537139650973",
            "mime_type": "image/jpeg",
            "sha256": "3MaB0N1dQfrE5d3mKy2JYn4Bv3oZ8Vq1H5v+8o0yQ5c=",
            "file_size": str(len(JPEG)),
            "id": "1479537139650973",
        }
    )
    channels.answers["/whatsapp_business/attachments/?mid=1479537139650973"] = fakes.Answer(
        raw=JPEG, content_type="image/jpeg"
    )
    deliver("/channels/whatsapp/", fakes.whatsapp_image("wamid.PHOTO", "1479537139650973", "Modem merah"))
    record = InboundMessage.objects.get()
    # Nothing was fetched during the request: the worker does it.
    assert (record.media_status, channels.requests) == (MediaStatus.PENDING, [])

    assert tasks.messaging_media_fetch(record.pk) == MediaStatus.ATTACHED
    assert tasks.messaging_media_fetch(record.pk) == MediaStatus.ATTACHED  # once
    attachment = Attachment.objects.get()
    assert (attachment.ticket_id, attachment.content_type, attachment.size) == (
        record.ticket_id,
        "image/jpeg",
        len(JPEG),
    )
    assert attachment.file.read() == JPEG
    assert Ticket.objects.get().description == "Modem merah"
    assert [headers.get("Authorization") for _m, _p, headers, _b in channels.requests] == [
        "Bearer test-whatsapp-token"
    ] * 2


def test_a_photo_over_the_size_limit_is_refused_without_downloading_it(
    channels: Any, deliver: Any, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    channels.answers["/555"] = fakes.Answer(
        body={"url": f"{channels.url}/big", "mime_type": "image/jpeg", "file_size": "5000", "id": "555"}
    )
    deliver("/channels/whatsapp/", fakes.whatsapp_image("wamid.BIG", "555"))
    record = InboundMessage.objects.get()
    assert services.inbound_media_attach(record_id=record.pk) == MediaStatus.REFUSED
    assert Attachment.objects.count() == 0
    assert [path for _m, path, _h, _b in channels.requests] == ["/555"]


def test_a_provider_that_hangs_delays_the_worker_not_the_webhook(
    channels: Any, deliver: Any, settings: Any
) -> None:
    settings.CHANNELS = configured(channels.url, HTTP_TIMEOUT_SECONDS=0.5)
    channels.answers["/777"] = fakes.Answer(body={"url": f"{channels.url}/x", "file_size": "10"}, delay=3)
    started = time.monotonic()
    assert deliver("/channels/whatsapp/", fakes.whatsapp_image("wamid.HANG", "777")).status_code == 200
    assert time.monotonic() - started < 0.5
    record = InboundMessage.objects.get()
    started = time.monotonic()
    with pytest.raises(OSError):  # requests' Timeout: the task retries it
        tasks.messaging_media_fetch(record.pk)
    assert 0.4 < time.monotonic() - started < 2.5
    record.refresh_from_db()
    assert record.media_status == MediaStatus.PENDING


def test_echoes_and_system_messages_are_recorded_and_ignored(channels: Any, deliver: Any) -> None:
    system = fakes.whatsapp_text("wamid.SYS", "")
    system["entry"][0]["changes"][0]["value"]["messages"][0]["type"] = "system"
    own = fakes.whatsapp_text("wamid.OWN", "Halo dari kami", wa_id=fakes.BUSINESS_NUMBER)
    deliver("/channels/whatsapp/", system)
    deliver("/channels/whatsapp/", own)
    deliver("/channels/meta/", fakes.messenger_echo("m_ECHO"), secret=fakes.META_SECRET)
    assert sorted(InboundMessage.objects.values_list("provider_message_id", "outcome")) == [
        ("m_ECHO", "ignored"),
        ("wamid.OWN", "ignored"),
        ("wamid.SYS", "ignored"),
    ]
    assert (Ticket.objects.count(), Customer.objects.count()) == (0, 0)


def test_an_instagram_comment_is_a_public_exposure_ticket_that_notifies_the_manager(
    channels: Any, deliver: Any, make_user: Any
) -> None:
    manager = make_user("manager")
    payload = fakes.instagram_comment("17865799348089039", "Sudah 3 hari internet mati! @nusantaratel")
    assert deliver("/channels/meta/", payload, secret=fakes.META_SECRET).status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.public_exposure, ticket.escalation_level) == (Channel.SOCIAL, True, 2)
    assert (ticket.customer.handle, ticket.customer.name) == ("instagram:17841405309211844", "rina.angry")
    assert list(Escalation.objects.values_list("ticket_id", "level", "reason")) == [
        (ticket.pk, 2, "public_exposure")
    ]
    assert sorted(Notification.objects.filter(recipient=manager).values_list("channel", "template")) == [
        ("email", "escalation_raised"),
        ("inbox", "escalation_raised"),
    ]


def test_the_generic_endpoint_takes_a_signed_message_once(channels: Any, deliver: Any) -> None:
    payload = {
        "channel": "twitter",
        "message_id": "1800000000000000001",
        "sender": {"handle": "budi_s", "name": "Budi"},
        "text": "@nusantaratel fiber di Bandung down lagi",
        "public": True,
    }
    response = deliver("/api/channels/inbound/", payload, secret=fakes.GENERIC_SECRET)
    assert response.status_code == 202
    ticket = Ticket.objects.get()
    assert response.json() == {"outcome": "created", "ticket": ticket.number}
    assert (ticket.public_exposure, ticket.customer.handle) == (True, "twitter:budi_s")
    again = deliver("/api/channels/inbound/", payload, secret=fakes.GENERIC_SECRET)
    assert again.json() == {"outcome": "created", "ticket": ticket.number}
    assert InboundMessage.objects.count() == 1
    refused = deliver("/api/channels/inbound/", {**payload, "message_id": "2"}, secret="wrong")
    assert refused.status_code == 403
    assert InboundMessage.objects.count() == 1


def test_the_generic_endpoint_is_in_the_schema_with_its_signature_header(client: Any) -> None:
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/channels/inbound/"]["post"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["X-Helpdesk-Signature"]
    assert "HMAC-SHA256" in operation["description"]


def test_the_admin_says_which_channels_are_off(admin_client: Any, settings: Any, fake: Any) -> None:
    page = admin_client.get("/admin/messaging/inboundmessage/").content.decode()
    assert (
        "Off (not configured in the environment): WhatsApp (incoming), WhatsApp (outgoing), "
        "Instagram and Facebook, SMS (outgoing), Other channels (signed JSON)."
    ) in page
    settings.CHANNELS = configured(fake.url, SMS_GATEWAY_URL="")
    page = admin_client.get("/admin/messaging/inboundmessage/").content.decode()
    assert "Off (not configured in the environment): SMS (outgoing)." in page
