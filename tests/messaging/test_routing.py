"""Who a channel's message belongs to and which channel the desk answers on (issue 19): a customer known
from the portal is found again by the phone WhatsApp gives, a Facebook page comment is public, and
the customer's preferred channel wins over the one they came by."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from notifications import services as outbox
from tests.messaging import fake as fakes
from tests.messaging.conftest import configured
from tests.tickets.factories import make_ticket
from tickets import services as tickets
from tickets.models import Channel, Customer, MessageKind, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


def test_a_customer_known_from_the_portal_is_found_by_phone_and_their_open_ticket_threads(
    channels: Any, deliver: Any
) -> None:
    portal = tickets.ticket_file_from_portal(
        name="Sari Dewi",
        email="sari@example.co.id",
        phone="081234567890",
        category="network",
        description="Internet lambat",
        incident_at=timezone.now() - dt.timedelta(hours=2),
    )
    deliver("/channels/whatsapp/", fakes.whatsapp_text("wamid.KNOWN", "Ini Sari, masih lambat"))
    assert Customer.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert list(
        TicketMessage.objects.filter(ticket=portal, kind=MessageKind.CUSTOMER).values_list("channel", "body")
    ) == [(Channel.WHATSAPP, "Ini Sari, masih lambat")]


def test_a_facebook_page_comment_is_a_public_complaint(channels: Any, deliver: Any, make_user: Any) -> None:
    make_user("manager")
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "1234567890",
                "time": 1764750500,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": "24242424242", "name": "Andi Wijaya"},
                            "item": "comment",
                            "comment_id": "1234567890_444444444",
                            "post_id": "1234567890_333333333",
                            "verb": "add",
                            "created_time": 1764750500,
                            "message": "Sudah seminggu tidak ada sinyal di Makassar!",
                        },
                    }
                ],
            }
        ],
    }
    assert deliver("/channels/meta/", payload, secret=fakes.META_SECRET).status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.public_exposure, ticket.customer.handle, ticket.customer.name) == (
        Channel.SOCIAL,
        True,
        "facebook:24242424242",
        "Andi Wijaya",
    )


def test_the_preferred_channel_wins_and_an_unconfigured_one_is_skipped(settings: Any) -> None:
    settings.CHANNELS = configured("http://127.0.0.1:9")
    ticket = make_ticket(channel="whatsapp")
    customer = ticket.customer
    assert customer.phone and customer.email
    assert outbox.customer_channel(ticket) == "whatsapp"  # the channel they came by
    customer.preferred_channel = "sms"
    assert outbox.customer_channel(ticket) == "sms"
    assert outbox.customer_channel(ticket, "email") == "email"  # the agent's choice
    settings.CHANNELS = configured("http://127.0.0.1:9", SMS_GATEWAY_URL="", WHATSAPP_TOKEN="")
    assert outbox.customer_channel(ticket) == "email"
    customer.email = ""
    assert outbox.customer_channel(ticket) == ""
