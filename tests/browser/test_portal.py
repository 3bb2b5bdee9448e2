"""The customer portal in headless Chromium: filing and tracking, confirming and rating, the language
switch, a phone-sized screen, and axe accessibility checks."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation

from reports.models import SatisfactionRating
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Stage, Ticket

# Live-server tests commit their data; the seeded regions and role groups are restored after each.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 390, "height": 844}


def stage_label(stage: Stage, language: str) -> str:
    with translation.override(language):
        return str(stage.label)


def fill_complaint(page: Any, *, email: str = "dewi@example.co.id") -> None:
    an_hour_ago = timezone.localtime(
        timezone.now() - dt.timedelta(hours=1), zoneinfo.ZoneInfo("Asia/Jakarta")
    )
    page.fill("#id_name", "Dewi Lestari")
    page.fill("#id_email", email)
    page.fill("#id_phone", "0813 1234 5678")
    page.select_option("#id_category", "network")
    page.fill("#id_description", "Internet putus-putus sejak kemarin malam.")
    page.fill("#id_incident_at", an_hour_ago.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_incident_time_zone", "Asia/Jakarta")


def has_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"))


def test_a_customer_files_a_complaint_and_tracks_it_with_the_number(
    page_for: Callable[..., Any], assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("id")
    page.goto("/portal/")
    assert_accessible(page)
    page.click("text=" + _link_text(page, "/portal/file/"))
    assert page.url.endswith("/portal/file/")
    assert_accessible(page)

    fill_complaint(page)
    page.click("button[type=submit] >> nth=-1")
    page.wait_for_url("**/portal/file/done/")
    assert_accessible(page)
    number = page.locator("[data-testid=ticket-number] span[aria-hidden=true]").inner_text()
    ticket = Ticket.objects.get()
    assert number == ticket.number
    assert ticket.customer.email == "dewi@example.co.id"

    # Another day, another browser: only the number from the confirmation page and the phone.
    later = page_for("id")
    later.goto("/portal/track/")
    later.fill("#id_number", number.lower())
    later.fill("#id_contact", "+62 813-1234-5678")
    later.click("form.portal-form button[type=submit]")
    later.wait_for_url(f"**/portal/tickets/{number}/")
    assert later.locator("[data-testid=stage]").inner_text() == stage_label(Stage.RECEIVED, "id")
    assert "Internet putus-putus sejak kemarin malam." in later.content()
    assert_accessible(later)


def _link_text(page: Any, href: str) -> str:
    return page.locator(f"main a[href='{href}']").first.inner_text()


def test_the_file_form_with_errors_is_accessible_and_keeps_what_was_typed(
    page_for: Callable[..., Any], assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("id")
    page.goto("/portal/file/")
    fill_complaint(page)
    page.fill("#id_email", "dewi@")
    page.fill("#id_name", "")
    page.click("form.portal-form button[type=submit]")

    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_name").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_email_error").is_visible()
    assert page.locator("#id_description").input_value() == "Internet putus-putus sejak kemarin malam."
    assert page.locator("[role=alert] a[href='#id_email']").count() == 1
    assert Ticket.objects.count() == 0
    assert_accessible(page)


def test_a_customer_confirms_and_rates_a_resolved_ticket(
    page_for: Callable[..., Any], make_user: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = ticket_in(Stage.RESOLVED, Staff.create(make_user))
    page = page_for("en")
    page.goto("/portal/track/")
    page.fill("#id_number", ticket.number)
    page.fill("#id_contact", ticket.customer.email)
    page.click("form.portal-form button[type=submit]")
    page.wait_for_url(f"**/portal/tickets/{ticket.number}/")
    assert page.locator("[data-testid=stage]").inner_text() == stage_label(Stage.RESOLVED, "id")
    assert page.locator("form[action$='/rate/']").count() == 0
    assert_accessible(page)

    page.click("form[action$='/confirm/'] button")
    page.wait_for_selector("form[action$='/rate/']")

    ticket.refresh_from_db()
    assert ticket.stage == Stage.CONFIRMED
    assert page.locator("[data-testid=stage]").inner_text() == stage_label(Stage.CONFIRMED, "id")
    assert page.locator("form[action$='/confirm/']").count() == 0
    assert_accessible(page)

    page.check("#id_csat_4")  # the fifth choice: 5, very satisfied
    page.check("#id_nps_9")
    page.fill("#id_comment", "Terima kasih")
    page.click("form[action$='/rate/'] button[type=submit]")
    page.wait_for_selector("[data-testid=rated]")

    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps, rating.comment, rating.via) == (5, 9, "Terima kasih", "portal")
    assert page.locator("form[action$='/rate/']").count() == 0


def test_the_language_switch_changes_the_portal_from_indonesian_to_english(
    page_for: Callable[..., Any],
) -> None:
    # An English browser still starts in Indonesian: only the switch changes the portal's language.
    page = page_for("en")
    page.goto("/portal/track/")
    assert page.get_attribute("html", "lang") == "id"
    assert page.locator("#language-select").input_value() == "id"

    with page.expect_navigation():
        page.select_option("#language-select", "en")

    assert page.url.endswith("/portal/track/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("#language-select").input_value() == "en"
    page.goto("/portal/")
    assert page.get_attribute("html", "lang") == "en"


def test_the_form_fits_a_phone_screen(page_for: Callable[..., Any]) -> None:
    page = page_for("id", viewport=PHONE)
    page.goto("/portal/file/")
    assert not has_horizontal_scroll(page)
    assert page.locator("#id_description").bounding_box()["width"] <= PHONE["width"]

    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert not has_horizontal_scroll(page)

    page.goto("/portal/")
    assert not has_horizontal_scroll(page)


def test_track_not_found_is_accessible(
    page_for: Callable[..., Any], assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("id")
    page.goto("/portal/track/")
    page.fill("#id_number", "K7QM-4X2A")
    page.fill("#id_contact", "nobody@example.co.id")
    response_status: list[int] = []
    page.on("response", lambda response: response_status.append(response.status))
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector("[role=alert]")

    assert 404 in response_status
    assert_accessible(page)
