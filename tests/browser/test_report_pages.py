"""The manager pages in headless Chromium: the dashboard and a monthly report draw their charts with
the vendored Chart.js, the dashboard's period toggle swaps the figures without a reload, and axe finds
no serious or critical problem on the dashboard, a monthly report and the CAPA list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports import recap, selectors
from reports import services as report_services
from tests.reports.helpers import act, new_ticket, verify, wib
from tests.tickets.factories import RCA, make_ticket
from tests.tickets.flow import Staff

# Live-server tests commit their data; the seeded regions and role groups are restored after each.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EVERY_CHART_DRAWN = (
    "() => { const canvases = [...document.querySelectorAll('canvas[data-chart]')];"
    " return canvases.length > 0 && canvases.every(c => Chart.getChart(c) !== undefined); }"
)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def signed_in(page_for: Callable[..., Any], login: Callable[[Any, Any], None], user: Any) -> Any:
    page = page_for("en")
    login(page, user)
    return page


def test_the_dashboard_draws_its_charts_and_switches_period_without_a_reload(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    now = timezone.now()
    make_ticket(actor=staff.agent, reported_at=now)
    # Reported at the start of this month (Jakarta) or 40 days ago: in the month's figures, not today's
    # (unless today is the 1st); the expected month figure is the selector's.
    first_of_month = dt.datetime.combine(
        now.astimezone(recap.REPORT_TIME_ZONE).date().replace(day=1),
        dt.time(0, 5),
        tzinfo=recap.REPORT_TIME_ZONE,
    )
    make_ticket(actor=staff.agent, reported_at=min(first_of_month, now - dt.timedelta(minutes=1)))
    month = selectors.overview("month", timezone.now())["tickets"]
    today = selectors.overview("day", timezone.now())["tickets"]

    page = signed_in(page_for, login, staff.manager)
    page.goto("/reports/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("canvas[data-chart]")).to_have_count(4)
    page.wait_for_function(EVERY_CHART_DRAWN)
    expect(page.locator("[data-testid=backlog]")).to_have_text("2")
    expect(page.locator("[data-testid=flow]")).to_have_text(f"{today['reported']} / 0 / 0")
    expect(page.locator("[data-testid=period-range]")).to_contain_text("Today: from")
    assert_accessible(page)

    page.evaluate("() => { window.notReloaded = true; }")
    page.click("[data-testid=period-toggle] a:has-text('This month')")
    expect(page.locator("#dashboard-body")).to_have_attribute("data-period", "month")
    expect(page.locator("[data-testid=period-toggle] a[aria-current=page]")).to_have_text("This month")
    expect(page.locator("[data-testid=flow]")).to_have_text(f"{month['reported']} / 0 / 0")
    expect(page.locator("[data-testid=period-range]")).to_contain_text("This month: from")
    assert page.url.endswith("/reports/?period=month")
    assert page.evaluate("() => window.notReloaded") is True
    # The swapped-in canvases are drawn too.
    page.wait_for_function(EVERY_CHART_DRAWN)
    # The numbers behind a chart are one click away, as a table.
    page.locator("#chart-trend-caption ~ details summary").click()
    expect(page.locator("[data-testid=chart-trend-table]")).to_be_visible()
    assert_accessible(page)


def test_a_manager_reads_a_monthly_report_with_its_charts(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = new_ticket(wib(2026, 3, 2, 9), actor=staff.agent, category="network", channel="email")
    act(ticket, staff.agent, "respond", wib(2026, 3, 2, 9, 10), body="On it.")
    verify(ticket, staff, wib(2026, 3, 2, 9, 20))
    act(ticket, staff.supervisor, "dispatch", wib(2026, 3, 2, 9, 30))
    act(ticket, staff.technician, "resolve", wib(2026, 3, 2, 11), rca=RCA)
    new_ticket(wib(2026, 3, 5, 9), actor=staff.agent)
    report_services.monthly_report_build(month=dt.date(2026, 3, 1), now=wib(2026, 4, 1, 10))

    page = signed_in(page_for, login, staff.manager)
    page.goto("/reports/monthly/")
    page.click("a:has-text('2026-03')")
    expect(page.locator("h1")).to_have_text("Monthly report 2026-03")
    expect(page.locator("[data-testid=tickets-reported]")).to_have_text("2")
    expect(page.locator("[data-testid=response-pct]")).to_have_text("50.0 %")
    page.wait_for_function(EVERY_CHART_DRAWN)
    assert page.evaluate("() => document.querySelectorAll('canvas[data-chart]').length") >= 8
    for fmt in ("pdf", "xlsx", "csv"):
        expect(page.locator(f"[data-testid=downloads] a[data-format={fmt}]")).to_have_attribute(
            "href", f"/api/reports/monthly/2026-03/?format={fmt}"
        )
    assert_accessible(page)


def test_the_capa_list_is_accessible_and_filters_overdue_actions_in_place(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    today = timezone.now().astimezone(recap.REPORT_TIME_ZONE).date()
    rca = report_services.rca_create(author=staff.technician, data=RCA)
    owner = staff.technician.pk
    report_services.capa_create(
        author=staff.technician,
        title="Harden the fiber route",
        rca=rca,
        actions=[
            {
                "kind": "corrective",
                "description": "Splice",
                "owner": owner,
                "due": str(today - dt.timedelta(days=2)),
            },
            {
                "kind": "preventive",
                "description": "Markers",
                "owner": owner,
                "due": str(today + dt.timedelta(days=9)),
            },
        ],
    )
    report_services.capa_create(
        author=staff.technician,
        title="Generators",
        actions=[{"kind": "preventive", "description": "Fuel", "owner": owner, "due": str(today)}],
    )
    page = signed_in(page_for, login, staff.manager)
    page.goto("/reports/capa/")
    expect(page.locator("[data-testid=capa-report]")).to_have_count(2)
    expect(page.locator("tr[data-overdue=true]")).to_have_count(1)
    assert_accessible(page)

    page.evaluate("() => { window.notReloaded = true; }")
    page.check("#id_overdue")
    expect(page.locator("[data-testid=capa-report]")).to_have_count(1)
    expect(page.locator("[data-testid=capa-report] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=capa-report] tbody tr")).to_contain_text("Splice")
    assert page.evaluate("() => window.notReloaded") is True
    assert "overdue=on" in page.url
    assert_accessible(page)
