"""An agent's day on the ticket page, in headless Chromium: the agent opens a ticket from the queue and
replies with a canned reply, the technician of the team resolves it with the message the customer is sent
(prefilled, then edited), the agent records "Confirmed — close" when the customer confirms on the phone,
and the customer's tracking page shows how it was resolved. Axe on every page, the CSP watcher on all.

The flow table gives resolving to the technician of the ticket's team, not the agent: that step is the
technician's here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Macro, MessagePurpose, Stage, TicketMessage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def signed_in(page_for: Callable[..., Any], login: Callable[[Any, Any], None], user: Any) -> Any:
    page = page_for("en")
    login(page, user)
    return page


def test_an_agents_day_macro_reply_resolution_message_and_confirmed_close(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    customer = CustomerFactory(name="Rina Wulandari", email="rina.day@example.co.id", phone="")
    ticket = ticket_in(Stage.DISPATCHED, staff, service=ServiceFactory(customer=customer))
    staff.agent.first_name, staff.agent.last_name = "Sari", "Dewi"
    staff.agent.save(update_fields=["first_name", "last_name"])
    macro = Macro.objects.create(
        title="Sedang ditangani",
        body="Halo {customer_name}, tiket {ticket_number} sedang ditangani tim teknis. Salam, {agent_name}",
        category="network",
        language="id",
        changed_at=timezone.now(),
    )
    Macro.objects.create(
        title="Tagihan", body="Billing", category="billing", language="id", changed_at=timezone.now()
    )

    # The agent opens the ticket from the queue and replies with the canned reply.
    agent = signed_in(page_for, login, staff.agent)
    agent.goto("/console/?tab=all")
    agent.click(f"a:has-text('{ticket.number}')")
    expect(agent.locator("[data-testid=stage]")).to_have_text("Dispatched")
    expect(agent.locator("[data-testid=reply-jump]")).to_be_visible()
    expect(agent.locator("[data-testid=history-panel]")).not_to_have_attribute("open", "")
    picker = agent.locator("[data-testid=macro-picker] option")
    expect(picker).to_have_text(["Choose a canned reply…", "Sedang ditangani"])
    assert_accessible(agent)
    agent.select_option("#macro-picker", str(macro.pk))
    filled = f"Halo Rina Wulandari, tiket {ticket.number} sedang ditangani tim teknis. Salam, Sari Dewi"
    expect(agent.locator("#id_respond-body")).to_have_value(filled)
    agent.click("#action-respond button[type=submit]")
    expect(agent.locator(".console-messages")).to_contain_text("done")
    expect(agent.locator("[data-testid=conversation]")).to_contain_text(filled)

    # The technician resolves it; the customer's message is prefilled and follows the summary.
    technician = signed_in(page_for, login, staff.technician)
    technician.goto(f"/console/tickets/{ticket.number}/")
    technician.locator("#action-resolve summary").click()
    greeting = f"Halo Rina Wulandari, masalah yang dilaporkan pada tiket {ticket.number} sudah diperbaiki."
    expect(technician.locator("#id_resolve-customer_message")).to_have_value(greeting)
    technician.fill("#id_resolve-problem_statement", RCA["problem_statement"])
    technician.select_option("#id_resolve-category", RCA["category"])
    technician.fill("#id_resolve-analysis", RCA["analysis"])
    technician.fill("#id_resolve-temporary_fix", RCA["temporary_fix"])
    technician.fill("#id_resolve-permanent_fix", RCA["permanent_fix"])
    expect(technician.locator("#id_resolve-customer_message")).to_have_value(
        f"{greeting}\n\n{RCA['permanent_fix']}"
    )
    technician.fill("#id_resolve-summary", "Kabel disambung di tiang 12.")
    expect(technician.locator("#id_resolve-customer_message")).to_have_value(
        f"{greeting}\n\nKabel disambung di tiang 12."
    )
    told = f"{greeting}\n\nKabel fiber sudah disambung; internet Anda sudah normal kembali."
    technician.fill("#id_resolve-customer_message", told)
    technician.fill("#id_resolve-summary", "Spliced at pole 12.")  # edited by hand: no longer followed
    expect(technician.locator("#id_resolve-customer_message")).to_have_value(told)
    assert_accessible(technician)
    technician.click("#action-resolve button[type=submit]")
    expect(technician.locator("[data-testid=stage]")).to_have_text("Resolved")
    resolution = TicketMessage.objects.get(ticket=ticket, purpose=MessagePurpose.RESOLUTION)
    # Browsers post a textarea's line breaks as CRLF; the text is stored as posted.
    assert (resolution.kind, resolution.body.replace("\r\n", "\n")) == ("reply", told)
    assert Notification.objects.filter(ticket=ticket, dedupe_key=f"message:{resolution.pk}").count() == 1

    # The customer confirms on the phone: one button records it and closes the ticket.
    agent.goto(f"/console/tickets/{ticket.number}/")
    rca_id = resolution.ticket.rca_id
    # Agents do not read RCAs (Capability.READ_CAPA): its name, not a link to a page that would refuse them.
    expect(agent.locator("[data-testid=rca]")).to_have_text(f"RCA-{rca_id}")
    expect(agent.locator("[data-testid=rca] a")).to_have_count(0)
    agent.locator("#action-confirm summary").click()
    agent.fill("#id_confirm-csat", "5")
    agent.click("[data-testid=confirm-close]")
    expect(agent.locator("[data-testid=stage]")).to_have_text("Closed")
    expect(agent.locator(".console-messages")).to_contain_text("the ticket is closed")
    agent.locator("[data-testid=history-panel] summary").click()
    history = agent.locator("[data-testid=history]")
    expect(history).to_contain_text("Confirm the fix")
    expect(history).to_contain_text("Stage: Confirmed → Closed")
    assert_accessible(agent)
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.close_reason) == ("closed", "confirmed")

    # The customer's tracking page shows how it was resolved (in Indonesian, the portal's language).
    portal = page_for("id")
    portal.goto("/portal/track/")
    portal.fill("#id_number", ticket.number)
    portal.fill("#id_contact", "rina.day@example.co.id")
    portal.click("form.portal-form button[type=submit]")
    portal.wait_for_url(f"**/portal/tickets/{ticket.number}/")
    section = portal.locator("[data-testid=resolution]")
    expect(section.locator("h2")).to_have_text("Cara kami menyelesaikannya")
    expect(section).to_contain_text("internet Anda sudah normal kembali")
    expect(portal.locator(".portal-timeline")).to_contain_text(filled)
    assert_accessible(portal)
