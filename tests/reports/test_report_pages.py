"""The manager pages: the dashboard, the monthly report pages, RCA and CAPA — who may see them, the
figures they show, a fixed number of queries, rebuilding, and escaped text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from reports import selectors
from reports import services as report_services
from reports.models import MonthlyReport
from tests.reports.conftest import Month, build
from tests.tickets.factories import RCA, make_ticket
from tests.tickets.flow import Staff

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script>'


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def test_agents_may_not_open_the_manager_pages(staff: Staff) -> None:
    client = client_for(staff.agent)
    for url in ("/reports/", "/reports/monthly/", "/reports/monthly/2026-03/"):
        assert client.get(url).status_code == 403, url


def test_the_dashboard_shows_the_overview_figures(staff: Staff) -> None:
    make_ticket(actor=staff.agent)
    make_ticket(actor=staff.agent, reported_at=timezone.now() - dt.timedelta(days=10))
    for user in (staff.manager, staff.director, staff.analyst, staff.supervisor):
        response = client_for(user).get("/reports/?period=week")
        assert response.status_code == 200
    expected = selectors.overview("week", timezone.now())
    figures = response.context["figures"]
    assert figures["backlog"] == expected["backlog"]
    assert figures["backlog"]["open"] == 2
    assert figures["backlog"]["breached_now"] == 1
    html = response.content.decode()
    assert 'data-testid="backlog">2<' in html
    assert 'canvas data-chart="chart-backlog-data"' in html
    trend = response.context["trend"]
    assert len(trend) == 14
    assert sum(day["reported"] for day in trend) == 2


def test_the_dashboard_period_toggle_answers_htmx_with_the_body_only(staff: Staff) -> None:
    response = client_for(staff.manager).get("/reports/?period=day", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-body">')
    assert client_for(staff.manager).get("/reports/?period=nonsense").context["period"] == "day"


@pytest.mark.parametrize("tickets", [2, 40])
def test_the_dashboard_runs_the_same_queries_whatever_the_data(
    staff: Staff, tickets: int, django_assert_num_queries: Any
) -> None:
    for _ in range(tickets):
        make_ticket(actor=staff.agent)
    client = client_for(staff.manager)
    client.get("/reports/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get("/reports/")


DASHBOARD_QUERIES = 12


def test_the_monthly_page_shows_the_snapshot_and_its_downloads(march: Month) -> None:
    report, _built = build(dt.date(2026, 3, 1))
    client = client_for(march.staff.manager)
    response = client.get("/reports/monthly/2026-03/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["data"] == report.data
    assert f"<td>{report.data['tickets_reported']}</td>" in html
    assert 'canvas data-chart="chart-category-data"' in html
    for fmt in ("pdf", "xlsx", "csv"):
        assert f"/api/reports/monthly/2026-03/?format={fmt}" in html
    pdf = client.get("/api/reports/monthly/2026-03/?format=pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    listing = client.get("/reports/monthly/").content.decode()
    assert "/reports/monthly/2026-03/" in listing


def test_a_month_without_a_snapshot_is_a_404_and_garbage_too(staff: Staff) -> None:
    client = client_for(staff.manager)
    assert client.get("/reports/monthly/2020-01/").status_code == 404
    assert client.get("/reports/monthly/garbage/").status_code == 404


def test_a_manager_rebuilds_a_month_from_the_page_and_bad_months_are_refused(march: Month) -> None:
    client = client_for(march.staff.manager)
    response = client.post("/reports/monthly/rebuild/", {"month": "2026-03"})
    assert response.status_code == 302
    assert response["Location"] == "/reports/monthly/2026-03/"
    assert MonthlyReport.objects.filter(month=dt.date(2026, 3, 1)).count() == 1
    next_month = (timezone.now() + dt.timedelta(days=40)).strftime("%Y-%m")
    for bad in ("garbage", "2026-13", next_month, ""):
        response = client.post("/reports/monthly/rebuild/", {"month": bad}, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"]), bad
    assert MonthlyReport.objects.count() == 1
    # An analyst reads reports but does not rebuild them.
    assert (
        client_for(march.staff.analyst).post("/reports/monthly/rebuild/", {"month": "2026-03"}).status_code
        == 403
    )


@pytest.mark.parametrize("rows", [10, 100])
def test_the_capa_page_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    rca = report_services.rca_create(author=staff.technician, data={**RCA, "problem_statement": XSS})
    for index in range(rows):
        report_services.capa_create(
            author=staff.analyst,
            title=f"{XSS} {index}",
            rca=rca,
            actions=[
                {
                    "kind": "corrective",
                    "description": XSS,
                    "owner": staff.technician.pk,
                    "due": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                }
            ],
        )
    client = client_for(staff.analyst)
    client.get("/reports/capa/")
    with django_assert_num_queries(CAPA_QUERIES):
        response = client.get("/reports/capa/")
    html = response.content.decode()
    assert len(response.context["reports"]) == rows
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "overdue" in html


CAPA_QUERIES = 8


def test_capa_owners_update_status_and_verify_from_the_page_directors_may_not(staff: Staff) -> None:
    from reports.models import CapaAction

    report = report_services.capa_create(
        author=staff.analyst,
        title="Fibre route hardening",
        actions=[
            {
                "kind": "preventive",
                "description": "Bury the cable",
                "owner": staff.technician.pk,
                "due": timezone.localdate().isoformat(),
            }
        ],
    )
    action = CapaAction.objects.get(report=report)
    director = client_for(staff.director)
    assert director.post(f"/reports/capa/actions/{action.pk}/", {"status": "done"}).status_code == 403
    action.refresh_from_db()
    assert action.status == "open"

    client = client_for(staff.analyst)
    html = client.get("/reports/capa/").content.decode()
    assert f'action="/reports/capa/actions/{action.pk}/"' in html
    # Verifying an action that is not done is refused with its reason, and changes nothing.
    response = client.post(
        f"/reports/capa/actions/{action.pk}/", {"verify": "1", "note": "Checked"}, follow=True
    )
    assert "Only a done action can be verified" in response.content.decode()
    assert client.post(f"/reports/capa/actions/{action.pk}/", {"status": "nonsense"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.verified) == ("open", False)

    client.post(f"/reports/capa/actions/{action.pk}/", {"status": "done"})
    client.post(f"/reports/capa/actions/{action.pk}/", {"verify": "1", "note": "No cuts for a month"})
    action.refresh_from_db()
    assert action.status == "done"
    assert action.verified is True
    assert action.verified_by_id == staff.analyst.pk
    assert action.verification_note == "No cuts for a month"
    assert client.post("/reports/capa/actions/999999/", {"status": "done"}).status_code == 404
