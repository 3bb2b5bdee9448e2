"""The supervisor pages in headless Chromium: the level-1 escalation queue, acknowledging an escalation
without a reload, and axe on the queue and the live board."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation import services as escalation_services
from escalation.models import Escalation
from tests.tickets.factories import ServiceFactory, make_ticket
from tests.tickets.flow import Staff

# Live-server tests commit their data; the seeded regions and role groups are restored after each.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_a_supervisor_acknowledges_an_escalation_in_the_level_1_queue_without_a_reload(
    staff: Staff, page: Any, login: Callable[[Any, Any], None], assert_accessible: Callable[[Any], None]
) -> None:
    service = ServiceFactory()
    ticket = make_ticket(actor=staff.agent, service=service)
    escalation = escalation_services.escalation_manual(
        ticket=ticket, actor=staff.agent, level=1, note="Customer called three times", at=timezone.now()
    )
    login(page, staff.supervisor)
    page.goto("/escalations/")
    expect(page.locator("[data-testid=tab-1]")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-testid=open-count-1]")).to_have_text("1")
    row = page.locator(f"#escalation-{escalation.pk}")
    expect(row).to_contain_text(ticket.number)
    expect(row).to_contain_text("Customer called three times")
    assert_accessible(page)

    page.evaluate("() => { window.notReloaded = true; }")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(f"#escalation-{escalation.pk} [data-testid=acknowledged]")).to_contain_text(
        staff.supervisor.get_full_name() or staff.supervisor.username
    )
    expect(page.locator(f"#escalation-{escalation.pk} button", has_text="Acknowledge")).to_have_count(0)
    # The tab's open count follows (swapped in out of band with the row).
    expect(page.locator("[data-testid=open-count-1]")).to_have_text("0")
    assert page.evaluate("() => window.notReloaded") is True
    escalation = Escalation.objects.get(pk=escalation.pk)
    assert escalation.acknowledged_by_id == staff.supervisor.pk
    assert_accessible(page)


def test_the_live_board_lists_breached_tickets_and_is_accessible(
    staff: Staff, page: Any, login: Callable[[Any, Any], None], assert_accessible: Callable[[Any], None]
) -> None:
    long_ago = timezone.now() - dt.timedelta(days=10)
    late = make_ticket(actor=staff.agent, service=ServiceFactory(), now=long_ago)
    login(page, staff.supervisor)
    page.goto("/escalations/board/")
    expect(page.locator("[data-testid=breached-count]")).to_have_text("1")
    expect(page.locator("[data-testid=breached-list]")).to_contain_text(late.number)
    expect(page.locator("[data-testid=at-risk-count]")).to_have_text("0")
    assert_accessible(page)
