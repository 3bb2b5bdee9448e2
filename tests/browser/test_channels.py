"""The omnichannel desk in headless Chromium (issue 19): a WhatsApp complaint arrives through the signed
webhook, an agent answers it from the ticket page's one reply box, the worker sends it to the (fake)
Cloud API, WhatsApp's status webhook says it was delivered, and the agent sees so on the timeline."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from notifications.models import Notification
from notifications.tasks import notifications_send_many
from tests.messaging import fake as fakes
from tests.messaging.conftest import configured
from tests.tickets.flow import Staff
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MESSAGES = f"/{fakes.PHONE_NUMBER_ID}/messages"


@pytest.fixture
def provider(settings: Any) -> Iterator[fakes.FakeProvider]:
    with fakes.FakeProvider() as fake:
        settings.CHANNELS = configured(fake.url)
        yield fake


def webhook(live_server: Any, payload: dict[str, Any]) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(
        f"{live_server.url}/channels/whatsapp/",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": fakes.sign(body)},
        timeout=10,
    )


def test_an_agent_answers_a_whatsapp_complaint_from_the_ticket_page_and_sees_it_delivered(
    provider: fakes.FakeProvider,
    live_server: Any,
    make_user: Any,
    page_for: Callable[..., Any],
    login: Callable[[Any, Any], None],
    assert_accessible: Callable[[Any], None],
) -> None:
    staff = Staff.create(make_user)
    assert (
        webhook(live_server, fakes.whatsapp_text("wamid.B1", "Internet mati sejak pagi")).status_code == 200
    )
    ticket = Ticket.objects.get()
    # The worker sends what is owed (here called directly, as the tests call every task): first the
    # acknowledgement of the complaint.
    provider.answers[MESSAGES] = fakes.sent_answer("wamid.BROWSER-ACK")
    assert notifications_send_many(list(Notification.objects.values_list("pk", flat=True))) == 1

    agent = page_for("en")
    login(agent, staff.agent)
    agent.goto(f"/console/tickets/{ticket.number}/")
    expect(agent.locator("[data-kind=customer], [data-kind=acknowledgement]").first).to_contain_text(
        "WhatsApp"
    )
    agent.fill("#id_respond-body", "Teknisi kami menuju lokasi Anda.")
    agent.click("#action-respond button[type=submit]")
    reply = agent.locator("[data-kind=reply]")
    expect(reply).to_contain_text("Public reply (WhatsApp)")
    expect(reply.locator("[data-testid=deliveries]")).to_have_text("WhatsApp: Waiting to be sent")

    provider.answers[MESSAGES] = fakes.sent_answer("wamid.BROWSER-REPLY")
    owed = list(Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    assert notifications_send_many(owed) == 1
    sent = provider.sent(MESSAGES)
    assert [body["to"] for body in sent] == [fakes.CUSTOMER_WA_ID] * 2
    assert "Teknisi kami menuju lokasi Anda." in sent[-1]["text"]["body"]
    assert webhook(live_server, fakes.whatsapp_status("wamid.BROWSER-REPLY", "delivered")).status_code == 200

    agent.reload()
    expect(agent.locator("[data-kind=reply] [data-testid=deliveries]")).to_have_text("WhatsApp: Delivered")
    assert_accessible(agent)
