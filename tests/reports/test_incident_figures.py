"""Mass incidents in the reports (issue 16): the monthly recap counts the month's incidents, how long
they lasted, the complaints linked to them and their share of the month's complaints; the dashboard
shows the incidents open now with links, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pypdfium2
import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from reports import exports, recap
from reports import services as report_services
from tests.clients import client_for
from tests.reports.helpers import new_ticket, wib
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory
from tests.tickets.flow import Staff
from tickets.models import Incident, Region
from tickets.services import incidents

pytestmark = pytest.mark.django_db

AS_OF = wib(2026, 4, 1, 10, 0)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def declare(staff: Staff, title: str, region: str, started: dt.datetime) -> Incident:
    return incidents.incident_declare(
        actor=staff.supervisor,
        title=title,
        details_id="Gangguan.",
        regions=[region],
        started_at=started,
        now=started + dt.timedelta(minutes=1),
    )


def service_in(code: str) -> Any:
    customer = CustomerFactory(region=Region.objects.get(code=code))
    return ServiceFactory(customer=customer, region=customer.region, kind="fiber")


@pytest.fixture
def march(staff: Staff) -> dict[str, Incident]:
    """March 2026 (Jakarta): incident A in Makassar, 08:00–12:30 WIB on the 10th (270 minutes), two
    complaints linked; incident B in Jakarta from the 20th, still open, one complaint linked; one
    complaint of Bandung linked to nothing; incident C started in February (not March's)."""
    declare(staff, "C: February", "amb", wib(2026, 2, 27, 9, 0))
    a = declare(staff, "A: Makassar cable", "mks", wib(2026, 3, 10, 8, 0))
    new_ticket(wib(2026, 3, 10, 9, 0), actor=None, service=service_in("mks"))
    new_ticket(wib(2026, 3, 10, 9, 5), actor=None, service=service_in("mks"))
    with time_machine.travel(wib(2026, 3, 10, 12, 30), tick=False):
        incidents.incident_resolve(incident=a, actor=staff.supervisor, rca=RCA, now=wib(2026, 3, 10, 12, 30))
    b = declare(staff, "B: Jakarta backbone", "jkt", wib(2026, 3, 20, 0, 0))
    new_ticket(wib(2026, 3, 20, 1, 0), actor=None, service=service_in("jkt"))
    new_ticket(wib(2026, 3, 21, 1, 0), actor=None, service=service_in("bdg"))
    return {"a": a, "b": b}


def test_the_recap_counts_the_month_s_incidents_their_duration_and_linked_complaints(
    march: dict[str, Incident],
) -> None:
    figures = recap.recap_figures(dt.date(2026, 3, 1), as_of=AS_OF)["incidents"]
    listed = figures.pop("listed")
    assert figures == {
        "count": 2,
        "resolved": 1,
        "mean_minutes": 270.0,
        "median_minutes": 270.0,
        "linked_complaints": 3,
        "linked_share_pct": 75.0,
    }
    assert [
        (row["id"], row["title"], parse_datetime(row["started_at"]), row["minutes"], row["tickets"])
        for row in listed
    ] == [
        (march["a"].pk, "A: Makassar cable", wib(2026, 3, 10, 8, 0), 270.0, 2),
        (march["b"].pk, "B: Jakarta backbone", wib(2026, 3, 20, 0, 0), None, 1),
    ]
    assert parse_datetime(listed[0]["resolved_at"]) == wib(2026, 3, 10, 12, 30)
    assert listed[1]["resolved_at"] is None


def test_a_month_without_incidents_has_zeros_and_no_share_of_nothing(db: None) -> None:
    figures = recap.recap_figures(dt.date(2026, 3, 1), as_of=AS_OF)["incidents"]
    assert figures == {
        "count": 0,
        "resolved": 0,
        "mean_minutes": None,
        "median_minutes": None,
        "linked_complaints": 0,
        "linked_share_pct": None,
        "listed": [],
    }


def test_the_monthly_page_and_csv_show_the_incidents(staff: Staff, march: dict[str, Incident]) -> None:
    with time_machine.travel(AS_OF, tick=False):
        report, _built = report_services.monthly_report_build(month=dt.date(2026, 3, 1), now=AS_OF)
        html = client_for(staff.manager).get("/reports/monthly/2026-03/").content.decode()
    section = html[html.index('data-testid="incidents"') :]
    assert '<td class="text-end" data-testid="incident-linked">3</td>' in section
    assert '<td class="text-end" data-testid="incident-share">75.0 %</td>' in section
    assert (
        f'<a href="/console/incidents/{march["a"].pk}/">INC-{march["a"].pk}: A: Makassar cable</a>' in section
    )
    text = exports.monthly_csv(report).decode("utf-8")
    assert "incidents,incidents,linked_share_pct,75.0" in text
    book = openpyxl.load_workbook(io.BytesIO(exports.monthly_xlsx(report)))
    rows = list(book["Incidents"].iter_rows(min_row=2, values_only=True))
    assert rows[0][2:5] == (2, 1, 270.0)
    assert rows[1][0:2] == (f"INC-{march['a'].pk}", "A: Makassar cable")
    assert rows[1][4:6] == (270.0, 2)
    assert rows[-1][5] == 0.75  # a percentage cell: 75.0 %
    pdf = pypdfium2.PdfDocument(exports.monthly_pdf(report))
    text = " ".join(pdf[index].get_textpage().get_text_range() for index in range(len(pdf)))
    assert "Incidents started this month: 2 (1 resolved); complaints linked to an incident: 3." in " ".join(
        text.split()
    )


def test_a_snapshot_built_before_incidents_were_in_the_recap_still_shows(staff: Staff) -> None:
    with time_machine.travel(AS_OF, tick=False):
        report, _built = report_services.monthly_report_build(month=dt.date(2026, 3, 1), now=AS_OF)
        report.data.pop("incidents")
        report.save(update_fields=["data"])
        response = client_for(staff.manager).get("/reports/monthly/2026-03/")
    assert response.status_code == 200
    assert 'data-testid="incidents"' not in response.content.decode()


@pytest.mark.parametrize("count", [1, 4])
def test_the_dashboard_shows_the_open_incidents_with_links_in_a_fixed_number_of_queries(
    staff: Staff, count: int, django_assert_num_queries: Any
) -> None:
    now = wib(2026, 3, 25, 10, 0)
    with time_machine.travel(now, tick=False):
        declared = [
            declare(staff, f"Outage {index}", "mks", now - dt.timedelta(hours=index + 1))
            for index in range(count)
        ]
        new_ticket(now - dt.timedelta(minutes=5), actor=None, service=service_in("mks"))
        over = declare(staff, "Over", "jkt", now - dt.timedelta(days=1))
        incidents.incident_resolve(incident=over, actor=staff.supervisor, rca=RCA, now=now)
        client = client_for(staff.manager)
        client.get("/reports/")
        with django_assert_num_queries(6):  # the dashboard's 5 and the open incidents in one
            response = client.get("/reports/")
    summary = response.context["open_incidents"]
    assert summary["count"] == count
    # Latest started first; the new complaint joined the latest started matching incident.
    assert [(row["id"], row["linked_tickets"]) for row in summary["incidents"]] == [
        (incident.pk, 1 if index == 0 else 0) for index, incident in enumerate(declared)
    ]
    html = response.content.decode()
    assert f'<div class="fs-3" data-testid="open-incidents">{count}</div>' in html
    # Each incident's count links to the queue of its complaints (closed ones included).
    assert (
        f'<a href="/console/incidents/{declared[0].pk}/">INC-{declared[0].pk}: Outage 0</a> · '
        f'<a href="/console/?tab=all&amp;with_closed=1&amp;incident={declared[0].pk}" '
        'data-testid="link-incident-complaints">1 complaint</a>' in html
    )
    with time_machine.travel(now, tick=False):
        queue = client.get(f"/console/?tab=all&with_closed=1&incident={declared[0].pk}")
    assert [ticket.incident_id for ticket in queue.context["tickets"]] == [declared[0].pk]
