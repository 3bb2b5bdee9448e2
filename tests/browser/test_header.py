"""The header in headless Chromium: at 1366×768 it is one row for the roles with the most entries
(supervisors and managers) in both languages, its "Reports" menu opens without Bootstrap's script and
closes on Escape, it still works at 390 px, and a dashboard figure opens the queue filtered to its
tickets. axe finds no serious or critical problem with a menu open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.tickets.factories import make_ticket
from tests.tickets.flow import Staff

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# The navbar's height, and the height of one of its links (the row it would be if nothing wrapped).
HEADER_ROWS = """() => {
  const nav = document.querySelector('.console-header nav.navbar');
  const style = getComputedStyle(nav);
  const inner = nav.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const items = [...nav.querySelectorAll(
    '.navbar-brand, [data-testid=main-nav] > li, .container-fluid > .d-flex > *')];
  const boxes = items.map(el => el.getBoundingClientRect());
  return {
    inner: inner,
    tallest: Math.max(...boxes.map(b => b.height)),
    lowestTop: Math.max(...boxes.map(b => b.top)),
    highestBottom: Math.min(...boxes.map(b => b.bottom)),
    items: items.length,
  };
}"""


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.mark.parametrize("locale", ["en", "id"])
@pytest.mark.parametrize("role", ["supervisor", "manager"])
def test_the_header_is_one_row_at_1366_for_supervisors_and_managers(
    staff: Staff,
    page_for: Callable[..., Any],
    login: Any,
    assert_accessible: Callable[[Any], None],
    role: str,
    locale: str,
) -> None:
    user = getattr(staff, role)
    page = page_for(locale, viewport=DESKTOP)
    login(page, user)
    page.goto("/reports/")
    rows = page.evaluate(HEADER_ROWS)
    # Every item of the header sits on one line (each starts above where every other ends), and the bar
    # is as tall as its tallest item: one row.
    assert rows["items"] >= 8, rows
    assert rows["lowestTop"] < rows["highestBottom"], rows
    assert rows["inner"] == pytest.approx(rows["tallest"], abs=1), rows
    # The report pages' menu (supervisors also have the escalations' menu before it).
    title = "Reports" if locale == "en" else "Laporan"
    menu = page.locator("details[data-nav-menu]").filter(has=page.locator("summary", has_text=title))
    summary = menu.locator("summary")
    expect(summary).to_have_text(title)
    expect(summary).to_have_class("nav-link dropdown-toggle active")  # the dashboard is open
    expect(menu.locator(".dropdown-menu")).to_be_hidden()
    summary.click()
    expect(menu.locator(".dropdown-menu")).to_be_visible()
    entries = menu.locator(".dropdown-item")
    expected = (
        ["Dashboard", "Monthly reports", "RCA & CAPA"] if role == "manager" else ["Dashboard", "RCA & CAPA"]
    )
    if locale == "en":
        expect(entries).to_have_text(expected)
    expect(entries.first).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(menu.locator(".dropdown-menu")).to_be_hidden()
    # A click elsewhere closes it too; the account menu holds the sign-out.
    summary.click()
    page.mouse.click(900, 500)  # somewhere on the page, away from the menu
    expect(menu.locator(".dropdown-menu")).to_be_hidden()
    account = page.get_by_test_id("signed-in-as")
    account.click()
    expect(page.locator("details[data-nav-menu][open] button[type=submit]")).to_be_visible()


def test_the_header_still_works_at_390_px(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("en", viewport=PHONE)
    login(page, staff.manager)
    page.goto("/reports/")
    # Nothing wider than the screen, and the menu's pages are one tap away.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("details[data-nav-menu]").filter(has_text="Monthly reports").locator("summary").click()
    link = page.locator("details[data-nav-menu][open] .dropdown-item", has_text="Monthly reports")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert_accessible(page)
    link.click()
    expect(page.locator("h1")).to_have_text("Monthly reports")


def test_a_dashboard_figure_opens_the_queue_filtered_to_its_tickets(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    now = timezone.now()
    received = [make_ticket(actor=staff.agent, reported_at=now) for _ in range(2)]
    make_ticket(actor=staff.agent, reported_at=now - dt.timedelta(days=40))  # not today
    page = page_for("en", viewport=DESKTOP)
    login(page, staff.manager)
    page.goto("/reports/")
    page.get_by_test_id("link-reported").click()
    page.wait_for_url("**/console/**")
    expect(page.get_by_test_id("queue-count")).to_have_text("2 tickets")
    numbers = page.locator("[data-testid=queue-table] tbody th[scope=row] > a").all_text_contents()
    assert sorted(numbers) == sorted(ticket.number for ticket in received)
    expect(page.get_by_test_id("queue-extra-filters")).to_contain_text("Reported from")
    assert_accessible(page)
