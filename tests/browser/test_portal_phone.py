"""The rating form and the reply form on a phone, in headless Chromium: every CSAT and NPS choice is a
box a thumb can hit (at least 44 × 44 px, tappable outside its little circle), nothing wider than the
screen, and a reply with a screenshot goes through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports.models import SatisfactionRating
from tests.tickets.factories import png_bytes
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Attachment, Stage, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def open_ticket(page: Any, ticket: Ticket) -> None:
    page.goto("/portal/track/")
    page.fill("#id_number", ticket.number)
    page.fill("#id_contact", ticket.customer.email)
    page.click("form.portal-form button[type=submit]")
    page.wait_for_url(f"**/portal/tickets/{ticket.number}/")


def test_rating_choices_are_large_tap_targets_on_a_phone(
    page_for: Callable[..., Any], make_user: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = ticket_in(Stage.CONFIRMED, Staff.create(make_user))
    page = page_for("id", viewport=PHONE)
    open_ticket(page, ticket)

    boxes = page.locator(".portal-choices .form-check-inline")
    assert boxes.count() == 16
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        assert box["x"] + box["width"] <= PHONE["width"]
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")

    # A tap on the box's right edge, away from the circle and the number, chooses it.
    nine = page.locator(".portal-choices .form-check-inline", has=page.locator("#id_nps_9"))
    nine.scroll_into_view_if_needed()
    box = nine.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    assert page.is_checked("#id_nps_9")
    page.check("#id_csat_3")
    assert_accessible(page)
    page.click("form[action$='/rate/'] button[type=submit]")
    page.wait_for_selector("[data-testid=rated]")
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps) == (4, 9)


def test_a_customer_replies_with_a_screenshot_from_a_phone(
    page_for: Callable[..., Any], make_user: Any, tmp_path: Path
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, Staff.create(make_user))
    screenshot = tmp_path / "layar.png"
    screenshot.write_bytes(png_bytes())
    page = page_for("id", viewport=PHONE)
    open_ticket(page, ticket)

    page.fill("#id_body", "Ini tangkapan layarnya.")
    page.set_input_files("#id_attachments", str(screenshot))
    page.click("form[action$='/reply/'] button[type=submit]")
    page.wait_for_selector("[data-testid=attachments]")

    assert page.locator("[data-testid=attachments] a").inner_text() == "layar.png"
    assert Attachment.objects.get(ticket=ticket).original_name == "layar.png"
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
