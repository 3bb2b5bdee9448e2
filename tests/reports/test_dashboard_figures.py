"""The dashboard's stored figures (reports.models.DashboardFigures, issue 15): what the dashboard and the
overview read instead of counting the period's tickets agrees with the exact counts — as stored, after
the SLA sweep, and after a ticket changes once they are recounted; they are recounted by beat and by the
first read that finds them stale; the open incidents' linked counts stop at the cap."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from reports import selectors, tasks
from reports import services as report_services
from reports.models import DashboardFigures
from sla import services as sla_services
from tests.reports.helpers import act, new_ticket, wib
from tests.reports.test_report_pages import NOW, client_for, html_of, june
from tests.tickets.flow import Staff
from tickets.models import Region
from tickets.services import incidents

pytestmark = pytest.mark.django_db
__all__ = ["june"]  # the fixture of test_report_pages, used here too


def exact_trends(days: int, now: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return selectors.daily_trend(days=days, now=now), selectors.daily_sla_compliance(days=days, now=now)


def assert_agrees_with_the_exact_counts(now: dt.datetime) -> None:
    for period in selectors.PERIODS:
        assert selectors.overview(period, now) == selectors.overview_exact(period, now), period
    for days in (14, 28, 31):
        assert selectors.dashboard_trends(days=days, now=now) == exact_trends(days, now), days


def test_the_stored_figures_agree_with_the_exact_counts_in_every_period(june: dict[str, Any]) -> None:
    assert not DashboardFigures.objects.exists()
    assert_agrees_with_the_exact_counts(NOW)
    stored = DashboardFigures.objects.get()
    assert stored.as_of == NOW
    assert len(stored.days) == selectors.DASHBOARD_DAYS
    assert min(stored.days) == "2026-05-11"
    assert max(stored.days) == "2026-06-10"
    # Today: A and B reported; B's 09:30 response missed, A's met; B's level-2 escalation; D's rating.
    assert stored.days["2026-06-10"] == {
        "reported": 2,
        "first_resolved": 0,
        "closed": 0,
        "response_met": 1,
        "response_missed": 1,
        "resolution_met": 0,
        "resolution_missed": 0,
        "escalations": {"1": 0, "2": 1, "3": 0},
        "unacknowledged": 1,
        "ratings": 1,
        "csat_sum": 2,
        "csat_count": 1,
        "nps_responses": 1,
        "promoters": 0,
        "detractors": 0,
    }
    # Open now, by stage and classification, with the breached ones (B's response, E's resolution).
    assert sorted(map(tuple, stored.backlog)) == [
        ("confirmed", "major", 1, 0),
        ("dispatched", "major", 1, 1),
        ("received", "", 1, 0),
        ("verified", "critical", 1, 1),
    ]
    month = selectors.overview("month", NOW)
    assert month["tickets"] == {"reported": 5, "first_resolved": 2, "closed": 2}
    assert month["breaches"] == {"response": 1, "resolution": 1, "total": 2}
    assert (month["satisfaction"]["nps"], month["satisfaction"]["csat_mean"]) == (50.0, 3.5)
    assert month["as_of"] == NOW.isoformat()


def test_the_sla_sweep_changes_nothing_the_figures_say(june: dict[str, Any]) -> None:
    """The sweep writes the breaches it finds into the state columns; a clock running past its deadline
    counted as missed already, so the recounted figures are the same, and still exact."""
    before = {period: selectors.overview(period, NOW) for period in selectors.PERIODS}
    with time_machine.travel(NOW, tick=False):
        result = sla_services.sla_sweep(now=NOW)
    assert result.marked["response_breached"] == 1
    assert result.marked["resolution_breached"] == 1
    report_services.dashboard_figures_refresh(now=NOW, force=True)
    assert {period: selectors.overview(period, NOW) for period in selectors.PERIODS} == before
    assert_agrees_with_the_exact_counts(NOW)


def test_a_change_shows_once_recounted_by_beat_or_by_a_read_that_finds_them_stale(
    staff: Staff, june: dict[str, Any]
) -> None:
    selectors.overview("day", NOW)
    later = NOW + dt.timedelta(minutes=1)
    # B is answered a minute later, and a new complaint comes in.
    act(june["B"], staff.agent, "respond", later, body="We are on it.")
    new_ticket(NOW + dt.timedelta(seconds=30), actor=staff.agent)
    # Within DASHBOARD_MAX_AGE the stored figures answer, as of their moment.
    stale = selectors.overview("day", later)
    assert stale["as_of"] == NOW.isoformat()
    assert stale["tickets"]["reported"] == 2
    assert selectors.overview_exact("day", later)["tickets"]["reported"] == 3
    # Beat's task recounts them.
    with time_machine.travel(later, tick=False):
        assert dt.datetime.fromisoformat(tasks.dashboard_figures_refresh()) == later
        assert dt.datetime.fromisoformat(tasks.dashboard_figures_refresh()) == later  # twice: the same
    assert DashboardFigures.objects.count() == 1
    assert selectors.overview("day", later)["tickets"]["reported"] == 3
    assert_agrees_with_the_exact_counts(later)
    # D closed; read more than DASHBOARD_MAX_AGE later, the first read recounts.
    act(june["D"], staff.agent, "close", later + dt.timedelta(seconds=30))
    much_later = later + selectors.DASHBOARD_MAX_AGE + dt.timedelta(seconds=1)
    day = selectors.overview("day", much_later)
    assert day["as_of"] == much_later.isoformat()
    assert day["tickets"]["closed"] == 1
    assert day["backlog"]["by_stage"] == {"received": 2, "verified": 1, "dispatched": 1}
    assert_agrees_with_the_exact_counts(much_later)


def test_figures_of_a_past_moment_are_counted_but_never_replace_newer_ones(june: dict[str, Any]) -> None:
    selectors.overview("day", NOW)
    earlier = wib(2026, 6, 9, 12, 0)
    assert selectors.overview("day", earlier) == selectors.overview_exact("day", earlier)
    assert DashboardFigures.objects.get().as_of == NOW
    # A new Jakarta day never reads yesterday's figures, however recent.
    midnight = wib(2026, 6, 11, 0, 0)
    selectors.overview("day", midnight - dt.timedelta(minutes=1))
    assert selectors.overview("day", midnight)["as_of"] == midnight.isoformat()


def test_a_stale_read_recounts_in_a_fixed_number_of_queries(
    june: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # The stored row, the lock, the row again, eight counts (reported, resolved, closed, two deadlines,
    # escalations, ratings, the backlog), the save (an UPDATE, then an INSERT as it is new) — inside a
    # savepoint (two more statements) as the test runs in a transaction.
    with django_assert_num_queries(15):
        selectors.dashboard_figures(NOW)
    with django_assert_num_queries(1):
        selectors.dashboard_figures(NOW + dt.timedelta(seconds=30))


def test_the_dashboard_says_when_its_figures_were_counted(staff: Staff, june: dict[str, Any]) -> None:
    with time_machine.travel(NOW, tick=False):
        response = client_for(staff.manager).get("/reports/")
    assert response.context["as_of"] == NOW
    found = re.search(r'data-testid="figures-as-of"[^>]*>(.*?)</p>', html_of(response), re.S)
    assert found
    assert re.sub(r"<[^>]+>", "", found.group(1)).strip() == (
        "Figures as of 12:00:00 WIB; they are recounted every minute."
    )
    assert '<time datetime="' in found.group(1)


def test_the_open_incidents_linked_count_stops_at_the_cap(
    staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpdesk.lib import keyset
    from tests.tickets.factories import CustomerFactory, ServiceFactory

    monkeypatch.setattr(keyset, "COUNT_CAP", 2)
    now = timezone.now()
    region = Region.objects.get(code="mks")
    incident = incidents.incident_declare(
        actor=staff.supervisor,
        title="Makassar fiber cut",
        details_id="Gangguan.",
        regions=["mks"],
        started_at=now - dt.timedelta(hours=1),
        now=now - dt.timedelta(minutes=59),
    )
    for _index in range(3):
        customer = CustomerFactory(region=region)
        new_ticket(
            now - dt.timedelta(minutes=5),
            actor=None,
            service=ServiceFactory(customer=customer, region=region, kind="fiber"),
        )
    assert incident.tickets.count() == 3
    summary = selectors.open_incidents_summary()
    assert [(row["linked_tickets"], row["linked_is_capped"]) for row in summary["incidents"]] == [(2, True)]
    html = html_of(client_for(staff.manager).get("/reports/"))
    assert re.search(
        rf"INC-{incident.pk}: Makassar fiber cut</a> · <a href=\"[^\"]*incident={incident.pk}[^\"]*\" "
        r'data-testid="link-incident-complaints">more than 2 complaints</a></li>',
        html,
    )
    monkeypatch.setattr(keyset, "COUNT_CAP", 3)
    assert [
        (row["linked_tickets"], row["linked_is_capped"])
        for row in selectors.open_incidents_summary()["incidents"]
    ] == [(3, False)]
