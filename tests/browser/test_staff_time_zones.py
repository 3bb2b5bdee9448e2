"""The SLA badge's script keeps the zone label on what it writes: a running clock reads "due <time> WIT ·
… left", one past its deadline "missed by …" (the viewer here reads times in WIT)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.models import StaffPreference
from tests.tickets.factories import make_ticket
from tests.tickets.flow import Staff
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WIT = zoneinfo.ZoneInfo("Asia/Jayapura")


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_the_countdown_writes_times_with_the_viewers_zone_label(
    staff: Staff, page_for: Callable[..., Any], login: Callable[[Any, Any], None]
) -> None:
    StaffPreference.objects.create(user=staff.agent, time_zone="Asia/Jayapura")
    ticket = make_ticket(actor=staff.agent)
    now = timezone.now()
    # The response clock due in three hours, the resolution clock past due by a day and five hours.
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=now + dt.timedelta(hours=3, minutes=1),
        first_response_risk_at=now + dt.timedelta(hours=2),
        resolution_due=now - dt.timedelta(days=1, hours=5, minutes=1),
        resolution_risk_at=now - dt.timedelta(days=2),
        resolution_sla="breached",
    )
    ticket.refresh_from_db()
    due = ticket.first_response_due.astimezone(WIT)
    page = page_for("en")
    login(page, staff.agent)
    page.goto(f"/console/tickets/{ticket.number}/")
    badges = page.locator(".sla-badge[data-due]")
    expect(badges.nth(0).locator(".sla-time")).to_have_text(
        re.compile(rf"^due {due:%d %b %H:%M} WIT · 3h [01]m left$")
    )
    expect(badges.nth(1).locator(".sla-time")).to_have_text("missed by 1 d 5 h")
    expect(badges.nth(1)).to_have_attribute("data-state", "breached")
