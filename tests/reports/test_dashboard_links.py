"""Every figure of the dashboard links to the staff queue filtered to exactly the tickets it counts: the
link is followed (at the same moment) and the queue's rows are compared with the fixture's tickets and
with the figure."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
import time_machine

from tests.reports.test_report_pages import NOW, client_for, dashboard
from tests.reports.test_report_pages import june as june  # the fixture
from tests.tickets.flow import Staff

pytestmark = pytest.mark.django_db


def links_of(page: str) -> dict[str, str]:
    """The dashboard's queue links by their data-testid."""
    return {
        name: html_lib.unescape(url)
        for url, name in re.findall(r'<a href="(/console/[^"]*)" data-testid="(link-[\w-]+)"', page)
    }


def listed(user: Any, url: str, june: dict[str, Any]) -> set[str]:
    """The fixture letters of the tickets the queue lists at that link (one page holds them all)."""
    with time_machine.travel(NOW, tick=False):
        response = client_for(user).get(url)
    assert response.status_code == 200, url
    assert not response.context["ignored"], (url, response.context["ignored"])
    letters = {ticket.pk: letter for letter, ticket in june.items()}
    rows = [letters[ticket.pk] for ticket in response.context["tickets"]]
    assert len(rows) == len(set(rows)) == response.context["count"]
    return set(rows)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (
            "month",
            {
                # Open now: A received, B verified, E dispatched, D confirmed; B and E breached.
                "link-backlog": {"A", "B", "D", "E"},
                "link-backlog-breached": {"B", "E"},
                # June's deadlines not met: B's response (09:30 today), E's resolution (3 June).
                "link-response-breaches": {"B"},
                "link-resolution-breaches": {"E"},
                "link-reported": {"A", "B", "C", "D", "E"},
                "link-resolved": {"C", "D"},
                "link-closed": {"C", "F"},
                "link-escalated": {"B", "E"},
                "link-escalated-unacknowledged": {"B", "E"},
                "link-level-1": {"E"},
                "link-level-2": {"B"},
                "link-level-3": set(),
                "link-rated": {"C", "D"},
                "link-class-minor": set(),
                "link-class-major": {"D", "E"},
                "link-class-critical": {"B"},
                "link-class-none": {"A"},
            },
        ),
        (
            "day",
            {
                "link-backlog": {"A", "B", "D", "E"},
                "link-backlog-breached": {"B", "E"},
                "link-response-breaches": {"B"},
                "link-resolution-breaches": set(),
                "link-reported": {"A", "B"},
                "link-resolved": set(),
                "link-closed": set(),
                "link-escalated": {"B"},
                "link-escalated-unacknowledged": {"B"},
                "link-level-1": set(),
                "link-level-2": {"B"},
                "link-level-3": set(),
                "link-rated": {"D"},
                "link-class-minor": set(),
                "link-class-major": {"D", "E"},
                "link-class-critical": {"B"},
                "link-class-none": {"A"},
            },
        ),
    ],
)
def test_each_dashboard_figure_links_to_a_queue_of_exactly_its_tickets(
    staff: Staff, june: dict[str, Any], period: str, expected: dict[str, set[str]]
) -> None:
    response = dashboard(staff.manager, f"?period={period}")
    figures = response.context["figures"]
    links = links_of(response.content.decode())
    assert set(links) == set(expected)
    found = {name: listed(staff.manager, url, june) for name, url in links.items()}
    assert found == expected
    # Each list is as long as the figure beside its link.
    counts = {
        "link-backlog": figures["backlog"]["open"],
        "link-backlog-breached": figures["backlog"]["breached_now"],
        "link-response-breaches": figures["breaches"]["response"],
        "link-resolution-breaches": figures["breaches"]["resolution"],
        "link-reported": figures["tickets"]["reported"],
        "link-resolved": figures["tickets"]["first_resolved"],
        "link-closed": figures["tickets"]["closed"],
        "link-escalated": figures["escalations"]["total"],
        "link-escalated-unacknowledged": figures["escalations"]["unacknowledged"],
        "link-rated": figures["satisfaction"]["ratings"],
        **{f"link-level-{level}": count for level, count in figures["escalations"]["by_level"].items()},
        "link-class-minor": figures["backlog"]["by_classification"].get("minor", 0),
        "link-class-major": figures["backlog"]["by_classification"].get("major", 0),
        "link-class-critical": figures["backlog"]["by_classification"].get("critical", 0),
        "link-class-none": figures["backlog"]["by_classification"].get("", 0),
    }
    assert {name: len(rows) for name, rows in found.items()} == counts


def test_a_period_link_shows_its_filters_as_chips_and_the_form_keeps_them(
    staff: Staff, june: dict[str, Any]
) -> None:
    links = links_of(dashboard(staff.manager, "?period=month").content.decode())
    with time_machine.travel(NOW, tick=False):
        page = client_for(staff.manager).get(links["link-closed"]).content.decode()
    chips = re.search(r'data-testid="queue-extra-filters">(.*?)</p>', page, re.DOTALL)
    assert chips
    text = " ".join(re.sub(r"<[^>]+>", " ", chips.group(1)).split())
    assert text == (
        "Also filtered by: Closed tickets included Closed from: 2026-06-01 00:00 WIB "
        "Closed before: 2026-06-10 12:00 WIB Clear these filters"
    )
    start = page.index('<form id="queue-filters"')
    form = page[start : page.index("</form>", start)]
    assert '<input type="hidden" name="with_closed" value="1">' in form
    assert '<input type="hidden" name="closed_after" value="2026-06-01T00:00:00+07:00">' in form
