"""The ticket page's "How was this deadline reached?" in headless Chromium: a supervisor opens the
resolution clock's explanation of a ticket whose deadline spans cuti bersama and Christmas, and reads
the holidays' names, the hours counted and the deadline the badge shows; axe on the opened panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Region

# Live-server tests commit their data; the seeded regions and role groups are restored after each.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_a_supervisor_reads_how_the_resolution_deadline_was_reached(
    staff: Staff, page: Any, login: Callable[[Any, Any], None], assert_accessible: Callable[[Any], None]
) -> None:
    region = Region.objects.get(code="jkt")
    reported = dt.datetime(2026, 12, 23, 9, 0, tzinfo=dt.UTC)  # Wednesday 16:00 WIB
    ticket = make_ticket(
        actor=staff.agent,
        service=ServiceFactory(customer=CustomerFactory(region=region), region=region),
        classification="minor",
        reported_at=reported,
        now=reported,
    )
    login(page, staff.supervisor)
    page.goto(f"/console/tickets/{ticket.number}/")
    resolution_badge = page.locator(".sla-badge[data-due]").nth(1)
    due = resolution_badge.get_attribute("data-due")
    assert due is not None and dt.datetime.fromisoformat(due) == ticket.resolution_due

    panel = page.locator("details.deadline-explanation[data-clock=resolution]")
    explanation = panel.locator("[data-testid=explanation-resolution]")
    expect(explanation).to_have_count(0)  # nothing loaded before it is opened
    panel.locator("summary").click()
    expect(explanation).to_be_visible()
    notes = explanation.locator("[data-testid=day-note]")
    expect(notes).to_have_text(["cuti bersama: Christmas Joint Holiday", "public holiday: Christmas Day"])
    monday = explanation.locator("tr[data-kind=counted]").last
    expect(monday).to_contain_text("Mon 28 Dec 2026")
    expect(monday).to_contain_text("08:00–16:00")
    expect(monday).to_contain_text("8 h")
    deadline = explanation.locator("[data-testid=explained-deadline]")
    expect(deadline).to_have_text("2026-12-28 16:00 WIB")
    shown = deadline.get_attribute("datetime")
    assert shown is not None and dt.datetime.fromisoformat(shown) == dt.datetime.fromisoformat(due)
    assert_accessible(page)

    # Closing and opening again does not load it twice.
    panel.locator("summary").click()
    panel.locator("summary").click()
    expect(explanation).to_have_count(1)
