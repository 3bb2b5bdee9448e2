"""The manager pages (reports.views): who may open them, the exact figures they show for small
hand-built data sets, a fixed number of queries whatever the data size, rebuilding a month, the
downloads, updating CAPA actions, and escaped text."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from reports import selectors
from reports import services as report_services
from reports.models import CapaAction, CapaReport, MonthlyReport, RootCauseAnalysis
from tests.clients import client_for
from tests.reports.conftest import AS_OF, Month, build
from tests.reports.helpers import act, new_ticket, verify, wib
from tests.tickets.factories import RCA, make_ticket
from tests.tickets.flow import Staff, advance
from tickets.models import Stage

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
MARCH = dt.date(2026, 3, 1)
# The dashboard's "now": Wednesday 10 June 2026, 12:00 WIB (the week began on Monday 8 June; 1 June
# was a public holiday).
NOW = wib(2026, 6, 10, 12, 0)


def html_of(response: Any) -> str:
    return response.content.decode()


def text_of(html: str, name: str) -> str:
    """The text of the element with data-testid=`name` (which holds no element of its own kind: its
    links' text is read through)."""
    found = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', html, re.DOTALL)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", "", found.group(2)).split())


# --- Who may open what -------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in_from_every_page(staff: Staff) -> None:
    client = Client()
    for url in (
        "/reports/",
        "/reports/monthly/",
        "/reports/monthly/2026-03/",
        "/reports/capa/",
        "/reports/capa/1/",
        "/reports/rca/",
        "/reports/rca/1/",
        "/reports/surveys/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}", url
    for url in ("/reports/monthly/rebuild/", "/reports/capa/1/actions/1/status/"):
        assert client.post(url)["Location"].startswith("/accounts/login/"), url
    assert MonthlyReport.objects.count() == 0


def test_agents_get_403_and_technicians_see_only_rca_and_capa(staff: Staff) -> None:
    agent, technician = client_for(staff.agent), client_for(staff.technician)
    for url in (
        "/reports/",
        "/reports/monthly/",
        "/reports/monthly/2026-03/",
        "/reports/surveys/",
        "/reports/capa/",
        "/reports/rca/",
    ):
        assert agent.get(url).status_code == 403, url
    for url in ("/reports/", "/reports/monthly/", "/reports/monthly/2026-03/", "/reports/surveys/"):
        assert technician.get(url).status_code == 403, url
    for url in ("/reports/capa/", "/reports/rca/"):
        assert technician.get(url).status_code == 200, url


# --- The dashboard -----------------------------------------------------------------------------------------


@pytest.fixture
def june(staff: Staff) -> dict[str, Any]:
    """Six tickets around NOW, each step at a given Jakarta time:
    - F: reported 20 May, closed as invalid on 2 June.
    - E: reported Monday 1 June 09:00 (a holiday), answered 09:05, verified Major, dispatched: its
      resolution deadline (two business days from Tuesday 08:00: Wednesday 3 June 17:00) has passed —
      breached now. Escalated to level 1 on 5 June.
    - C: reported 3 June 10:00, answered 10:05, verified Critical, fixed 12:00 (resolution met), rated
      CSAT 5 / NPS 10 on 4 June (a promoter) and closed.
    - D: reported Tuesday 9 June 10:00, verified Major at 10:10, fixed 10:50 (which also answers it,
      within the hour), rated today 10:00 CSAT 2 / NPS 8 (a passive): confirmed, not closed.
    - A: reported today 08:00, answered 08:10: received.
    - B: reported today 09:00, verified Critical 09:10, nobody answered: its 09:30 response deadline is
      breached now. Escalated by the supervisor to level 2 at 09:40.
    """
    agent, supervisor, technician = staff.agent, staff.supervisor, staff.technician
    t: dict[str, Any] = {}
    f = new_ticket(wib(2026, 5, 20, 9), actor=agent)
    t["F"] = act(f, agent, "close", wib(2026, 6, 2, 9), reason="invalid", note="Not ours")

    e = new_ticket(wib(2026, 6, 1, 9), actor=agent)
    act(e, agent, "respond", wib(2026, 6, 1, 9, 5), body="On it.")
    verify(e, staff, wib(2026, 6, 1, 9, 10), classification="major")
    act(e, supervisor, "dispatch", wib(2026, 6, 1, 9, 20))
    t["E"] = act(e, supervisor, "escalate", wib(2026, 6, 5, 9), level=1, reason="Slow fix")

    c = new_ticket(wib(2026, 6, 3, 10), actor=agent)
    act(c, agent, "respond", wib(2026, 6, 3, 10, 5), body="On it.")
    verify(c, staff, wib(2026, 6, 3, 10, 10))
    act(c, supervisor, "dispatch", wib(2026, 6, 3, 10, 20))
    act(c, technician, "resolve", wib(2026, 6, 3, 12), rca=RCA)
    act(c, agent, "confirm", wib(2026, 6, 4, 9), csat=5, nps=10)
    t["C"] = act(c, agent, "close", wib(2026, 6, 4, 9, 30))

    d = new_ticket(wib(2026, 6, 9, 10), actor=agent)
    verify(d, staff, wib(2026, 6, 9, 10, 10), classification="major")
    act(d, supervisor, "dispatch", wib(2026, 6, 9, 10, 20))
    act(d, technician, "resolve", wib(2026, 6, 9, 10, 50), rca=RCA)
    t["D"] = act(d, agent, "confirm", wib(2026, 6, 10, 10), csat=2, nps=8)

    a = new_ticket(wib(2026, 6, 10, 8), actor=agent)
    t["A"] = act(a, agent, "respond", wib(2026, 6, 10, 8, 10), body="Looking.")

    b = new_ticket(wib(2026, 6, 10, 9), actor=agent)
    verify(b, staff, wib(2026, 6, 10, 9, 10))
    t["B"] = act(b, supervisor, "escalate", wib(2026, 6, 10, 9, 40), level=2, reason="Big customer")
    return t


def dashboard(user: Any, query: str = "", **headers: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        return client_for(user).get(f"/reports/{query}", **headers)


def test_the_dashboard_shows_todays_figures_to_every_reader(staff: Staff, june: dict[str, Any]) -> None:
    for user in (staff.manager, staff.director, staff.analyst, staff.supervisor):
        response = dashboard(user)
        assert response.status_code == 200
    figures = response.context["figures"]
    with time_machine.travel(NOW, tick=False):
        assert figures == selectors.overview("day", timezone.now())
    # Open now (not closed): A received, B verified, E dispatched, D confirmed; B's response and E's
    # resolution clocks are breached.
    assert figures["backlog"]["open"] == 4
    assert figures["backlog"]["by_stage"] == {"received": 1, "verified": 1, "dispatched": 1, "confirmed": 1}
    assert figures["backlog"]["breached_now"] == 2
    # Today: A and B reported; B's response deadline (09:30) missed; B's level 2 escalation; D's rating.
    assert figures["tickets"] == {"reported": 2, "first_resolved": 0, "closed": 0}
    assert figures["breaches"] == {"response": 1, "resolution": 0, "total": 1}
    assert figures["escalations"]["by_level"] == {"1": 0, "2": 1, "3": 0}
    assert figures["satisfaction"]["nps"] == 0.0
    assert figures["satisfaction"]["nps_target_met"] is False
    html = html_of(response)
    assert text_of(html, "backlog") == "4"
    assert text_of(html, "breaches") == "1"
    assert text_of(html, "flow") == "2 / 0 / 0"
    assert text_of(html, "escalations") == "1"
    assert text_of(html, "nps") == "0.0"
    assert text_of(html, "csat") == "2.0"
    assert "Below target" in html
    assert "On or above target" not in html


def test_the_month_view_adds_up_june_and_shows_the_nps_above_target(
    staff: Staff, june: dict[str, Any]
) -> None:
    response = dashboard(staff.manager, "?period=month")
    figures = response.context["figures"]
    with time_machine.travel(NOW, tick=False):
        assert figures == selectors.overview("month", timezone.now())
    # June: E, C, D, A, B reported; C and D fixed; F and C closed; E's resolution and B's response missed.
    assert figures["tickets"] == {"reported": 5, "first_resolved": 2, "closed": 2}
    assert figures["breaches"] == {"response": 1, "resolution": 1, "total": 2}
    assert figures["escalations"]["by_level"] == {"1": 1, "2": 1, "3": 0}
    # C a promoter, D a passive: NPS (1 − 0) / 2 = 50, above the target of 40; CSAT (5 + 2) / 2.
    assert (figures["satisfaction"]["nps"], figures["satisfaction"]["csat_mean"]) == (50.0, 3.5)
    html = html_of(response)
    assert text_of(html, "nps") == "50.0"
    assert "On or above target" in html
    week = dashboard(staff.manager, "?period=week").context["figures"]
    # Since Monday 8 June: D, A, B reported, D fixed.
    assert week["tickets"] == {"reported": 3, "first_resolved": 1, "closed": 0}


def test_the_dashboard_trend_charts_count_per_jakarta_day(staff: Staff, june: dict[str, Any]) -> None:
    response = dashboard(staff.manager)
    trend = {row["day"]: row for row in response.context["trend"]}
    assert len(trend) == 14
    assert min(trend) == "2026-05-28"
    assert {
        day: (row["reported"], row["resolved"])
        for day, row in trend.items()
        if row["reported"] or row["resolved"]
    } == {
        "2026-06-01": (1, 0),
        "2026-06-03": (1, 1),
        "2026-06-09": (1, 1),
        "2026-06-10": (2, 0),
    }
    sla_days = response.context["sla_days"]
    assert sla_days == selectors.daily_sla_compliance(days=14, now=NOW)
    by_day = {row["day"]: row for row in sla_days}
    # Today: A answered in time, B not (09:30): 50 %. B's resolution deadline (17:00) is still ahead.
    assert by_day["2026-06-10"] == {
        "day": "2026-06-10",
        "response_met": 1,
        "response_missed": 1,
        "response_pct": 50.0,
        "resolution_met": 0,
        "resolution_missed": 0,
        "resolution_pct": None,
    }
    # 3 June: C answered and fixed in time; E's resolution deadline (17:00) passed unmet.
    assert (by_day["2026-06-03"]["response_pct"], by_day["2026-06-03"]["resolution_pct"]) == (100.0, 50.0)
    # The charts carry the same numbers, with a table as their text alternative.
    charts = response.context["charts"]
    assert charts["trend"]["spec"]["series"][0]["data"] == [
        row["reported"] for row in response.context["trend"]
    ]
    assert charts["sla"]["spec"]["series"][0]["data"] == [row["response_pct"] for row in sla_days]
    html = html_of(response)
    for name in ("backlog", "escalations", "trend", "sla"):
        assert f'data-chart="chart-{name}-data"' in html
        assert f'<script id="chart-{name}-data" type="application/json">' in html
        assert f'data-testid="chart-{name}-table"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_the_period_toggle_answers_htmx_with_the_body_only(staff: Staff) -> None:
    response = dashboard(staff.manager, "?period=week", HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert html.lstrip().startswith('<div id="dashboard-body" data-period="week">')
    assert "<h1" not in html
    assert "HX-Request" in response["Vary"]
    assert '<a class="nav-link active" aria-current="page" href="?period=week"' in html
    assert 'hx-push-url="true"' in html
    assert dashboard(staff.manager, "?period=nonsense").context["period"] == "day"
    assert dashboard(staff.manager, "?period=month").context["period"] == "month"


@pytest.mark.parametrize("tickets", [2, 30])
def test_the_dashboard_runs_the_same_queries_whatever_the_data(
    staff: Staff, tickets: int, django_assert_num_queries: Any
) -> None:
    for index in range(tickets):
        ticket = make_ticket(actor=staff.agent, reported_at=timezone.now() - dt.timedelta(days=index % 10))
        if index % 3 == 0:
            advance(ticket, Stage.RESOLVED, staff)
    client = client_for(staff.manager)
    client.get("/reports/")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get("/reports/").status_code == 200


# Session, user, roles, the navigation's unread count; the stored figures (one row: the backlog, the
# period's counts, the trends, the SLA per day); the open incidents with their capped linked counts.
DASHBOARD_QUERIES = 6


# --- Monthly reports ---------------------------------------------------------------------------------------


def test_the_monthly_list_shows_the_snapshots_newest_first(march: Month) -> None:
    build(dt.date(2026, 2, 1))
    march_report = build(MARCH)[0]
    for user in (march.staff.manager, march.staff.director, march.staff.analyst, march.staff.supervisor):
        response = client_for(user).get("/reports/monthly/")
        assert response.status_code == 200
    rows = response.context["reports"]
    assert [row["month"] for row in rows] == [MARCH, dt.date(2026, 2, 1)]
    assert rows[0]["tickets_reported"] == march_report.data["tickets_reported"] == 8
    assert rows[0]["response_pct"] == 62.5
    html = html_of(response)
    assert html.index("/reports/monthly/2026-03/") < html.index("/reports/monthly/2026-02/")
    # Only managers and directors get the rebuild form.
    assert "/reports/monthly/rebuild/" not in html
    assert "/reports/monthly/rebuild/" in html_of(client_for(march.staff.manager).get("/reports/monthly/"))


def test_the_monthly_page_shows_every_figure_of_the_snapshot(march: Month) -> None:
    report, _built = build(MARCH)
    data = report.data
    for user in (march.staff.manager, march.staff.director, march.staff.analyst, march.staff.supervisor):
        response = client_for(user).get("/reports/monthly/2026-03/")
        assert response.status_code == 200
    assert response.context["data"] == data
    html = html_of(response)
    # The figures worked out by hand in tests/reports/conftest.py and test_monthly_recap.py.
    assert text_of(html, "tickets-reported") == "8"
    assert text_of(html, "backlog") == "7"
    assert text_of(html, "response-pct") == "62.5 %"
    assert text_of(html, "resolution-pct") == "50.0 %"
    assert text_of(html, "resolution-times") == "420.0 / 564.0"
    assert text_of(html, "reopen-rate") == "50.0 %"
    assert text_of(html, "escalations") == "5"
    assert text_of(html, "csat") == data["satisfaction"]["csat_mean"].__str__()
    assert text_of(html, "nps") == str(data["satisfaction"]["nps"])
    assert text_of(html, "capa-overdue") == "1"
    dimensions = {
        d["name"]: {row["label"]: row["count"] for row in d["rows"]} for d in response.context["dimensions"]
    }
    assert dimensions["category"] == {"Network": 4, "Billing": 2, "Account": 1, "Service": 1}
    assert dimensions["region"] == {"Jakarta (jkt)": 7, "Makassar (mks)": 1}
    assert dimensions["channel"]["Phone"] == 3
    assert dimensions["classification"]["Not classified"] == 3
    assert {row["clock"]: (row["met"], row["missed"], row["running"]) for row in response.context["sla"]} == {
        "First response": (5, 3, 0),
        "Resolution": (3, 3, 2),
    }
    assert [(row["label"], row["count"]) for row in response.context["levels"]] == [
        ("Level 1 — Customer Care Supervisor", 2),
        ("Level 2 — Customer Service Manager", 2),
        ("Level 3 — Director of Network Operations", 1),
    ]
    for name in ("Billing system error", "Fiber cut", "Power failure"):
        assert name in html
    assert response.context["capa"] == data["capa"]
    # Charts (canvas + data + a table with the same numbers) for each dimension and section.
    for chart in ("category", "classification", "channel", "region", "sla", "escalations", "capa", "trend"):
        assert f'data-chart="chart-{chart}-data"' in html, chart
    category_chart = next(d for d in response.context["dimensions"] if d["name"] == "category")["chart"]
    assert category_chart["spec"]["series"][0]["data"] == [4, 2, 1, 1]
    # The trend: the five months before (no snapshots) and March itself.
    assert [row["month"] for row in response.context["months"]] == [
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_the_downloads_of_the_monthly_page_work_for_a_signed_in_manager(march: Month) -> None:
    build(MARCH)
    client = client_for(march.staff.manager)
    html = html_of(client.get("/reports/monthly/2026-03/"))
    links = re.findall(r'href="(/api/reports/monthly/2026-03/\?format=(\w+))"', html)
    assert [fmt for _url, fmt in links] == ["pdf", "xlsx", "csv"]
    urls = {fmt: url for url, fmt in links}

    pdf = client.get(urls["pdf"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    xlsx = client.get(urls["xlsx"])
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Tickets reported"] == 8

    csv = client.get(urls["csv"])
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode("utf-8-sig").splitlines()[0] == "section,item,measure,value"
    assert "report,tickets_reported,,8" in csv.content.decode("utf-8-sig")
    # An agent cannot download either.
    assert client_for(march.staff.agent).get(urls["pdf"]).status_code == 403


def test_a_month_without_a_snapshot_is_a_404_page_with_a_hint(staff: Staff) -> None:
    client = client_for(staff.manager)
    missing = client.get("/reports/monthly/2020-01/")
    assert missing.status_code == 404
    assert "There is no report for 2020-01 yet." in html_of(missing)
    assert "/reports/monthly/rebuild/" in html_of(missing)  # a manager can build it from here
    garbage = client.get("/reports/monthly/garbage/")
    assert garbage.status_code == 404
    assert "is not a month; write it as YYYY-MM" in html_of(garbage)
    this_month = timezone.now().astimezone(selectors.recap.REPORT_TIME_ZONE).strftime("%Y-%m")
    current = client.get(f"/reports/monthly/{this_month}/")
    assert current.status_code == 404
    assert "has not ended yet" in html_of(current)
    # A reader who cannot build gets the hint without the form.
    analyst = client_for(staff.analyst).get("/reports/monthly/2020-01/")
    assert "A manager can build it" in html_of(analyst)
    assert "/reports/monthly/rebuild/" not in html_of(analyst)


def test_a_manager_builds_then_rebuilds_a_month_from_the_page(march: Month) -> None:
    client = client_for(march.staff.manager)
    with time_machine.travel(AS_OF, tick=False):
        response = client.post("/reports/monthly/rebuild/", {"month": "2026-03"}, follow=True)
    assert response.redirect_chain == [("/reports/monthly/2026-03/", 302)]
    assert "The report for 2026-03 was built." in html_of(response)
    report = MonthlyReport.objects.get()
    assert (report.month, report.built_at, report.built_by) == (MARCH, AS_OF, march.staff.manager)
    assert report.data == build(MARCH)[0].data  # the same figures the command's service computes
    assert report.data["sla"]["resolution"]["running"] == 2

    # A day later F and G are judged: rebuilding replaces the snapshot, it does not add one.
    later = AS_OF + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        response = client.post("/reports/monthly/rebuild/", {"month": "2026-03"}, follow=True)
    assert "The report for 2026-03 was rebuilt." in html_of(response)
    report = MonthlyReport.objects.get()
    assert report.built_at == later
    assert dt.datetime.fromisoformat(report.data["as_of"]) == later
    assert report.data["sla"]["resolution"]["running"] == 0


def test_bad_months_are_refused_with_a_clear_error_and_nothing_is_built(staff: Staff) -> None:
    client = client_for(staff.manager)
    next_month = (timezone.now() + dt.timedelta(days=40)).strftime("%Y-%m")
    this_month = timezone.now().astimezone(selectors.recap.REPORT_TIME_ZONE).strftime("%Y-%m")
    expected = {
        "garbage": "“garbage” is not a month; write it as YYYY-MM, e.g. 2026-03.",
        "2026-13": "“2026-13” is not a month; write it as YYYY-MM, e.g. 2026-03.",
        next_month: f"{next_month} has not ended yet; a monthly report is built after the month ends.",
        this_month: f"{this_month} has not ended yet; a monthly report is built after the month ends.",
        "": "This field is required.",
    }
    for month, message in expected.items():
        response = client.post("/reports/monthly/rebuild/", {"month": month})
        assert response.status_code == 400, month
        assert response.context["form"].errors == {"month": [message]}, month
        assert text_of(html_of(response), "month-error") == message, month
    assert MonthlyReport.objects.count() == 0


def test_only_managers_and_directors_rebuild(march: Month) -> None:
    for user in (march.staff.analyst, march.staff.supervisor, march.staff.agent):
        assert client_for(user).post("/reports/monthly/rebuild/", {"month": "2026-03"}).status_code == 403
    assert MonthlyReport.objects.count() == 0
    with time_machine.travel(AS_OF, tick=False):
        response = client_for(march.staff.director).post("/reports/monthly/rebuild/", {"month": "2026-03"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get().built_by == march.staff.director


# --- RCA and CAPA ------------------------------------------------------------------------------------------


def make_capa(
    staff: Staff, *, title: str = "Harden the route", rca: Any = None, actions: list[dict[str, Any]]
) -> CapaReport:
    return report_services.capa_create(author=staff.technician, title=title, rca=rca, actions=actions)


def capa_action(
    staff: Staff, due: dt.date, status: str = "open", description: str = "Splice"
) -> dict[str, Any]:
    return {
        "kind": "corrective",
        "description": description,
        "owner": staff.technician.pk,
        "due": due.isoformat(),
        "status": status,
    }


def today() -> dt.date:
    return timezone.now().astimezone(selectors.recap.REPORT_TIME_ZONE).date()


def test_the_capa_list_shows_actions_with_owner_due_date_status_and_overdue_highlighted(staff: Staff) -> None:
    rca = report_services.rca_create(author=staff.technician, data=RCA)
    day = dt.timedelta(days=1)
    report = make_capa(
        staff,
        rca=rca,
        actions=[
            capa_action(staff, today() - day, description="Late splice"),
            capa_action(staff, today() + day, status="in_progress", description="Duct work"),
            capa_action(staff, today() - day, status="done", description="Reroute"),
        ],
    )
    done = report.actions.get(description="Reroute")
    report_services.capa_action_verify(action=done, actor=staff.supervisor, note="Stable for a week")
    make_capa(staff, title="Other", actions=[capa_action(staff, today() + day, description="Markers")])

    for user in (staff.manager, staff.director, staff.analyst, staff.supervisor, staff.technician):
        response = client_for(user).get("/reports/capa/")
        assert response.status_code == 200
    reports = response.context["reports"]
    assert [r.title for r in reports] == ["Other", "Harden the route"]
    assert (reports[1].actions_total, reports[1].actions_overdue) == (3, 1)
    actions = {a.description: a for a in reports[1].actions.all()}
    assert {name: a.is_overdue for name, a in actions.items()} == {
        "Late splice": True,
        "Duct work": False,
        "Reroute": False,  # done: never overdue
    }
    html = html_of(response)
    assert html.count('class="table-danger" data-overdue="true"') == 1
    assert f"Verified by {staff.supervisor.username}" in html
    assert f"RCA-{rca.pk}" in html

    # Filters: overdue only, a status only (the other actions are not shown).
    overdue = client_for(staff.manager).get("/reports/capa/?overdue=on").context["reports"]
    assert [(r.title, [a.description for a in r.actions.all()]) for r in overdue] == [
        ("Harden the route", ["Late splice"])
    ]
    progress = client_for(staff.manager).get("/reports/capa/?status=in_progress").context["reports"]
    assert [(r.title, [a.description for a in r.actions.all()]) for r in progress] == [
        ("Harden the route", ["Duct work"])
    ]
    # A status that does not exist is ignored, with a warning.
    unknown = client_for(staff.manager).get("/reports/capa/?status=nonsense")
    assert len(unknown.context["reports"]) == 2
    assert "Some filters were not understood" in html_of(unknown)
    # htmx gets the list only.
    fragment = client_for(staff.manager).get("/reports/capa/?overdue=on", HTTP_HX_REQUEST="true")
    assert html_of(fragment).lstrip().startswith('<div id="capa-table">')


@pytest.mark.parametrize("rows", [10, 100])
def test_the_capa_list_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    rca = report_services.rca_create(author=staff.technician, data=RCA)
    for index in range(rows):
        make_capa(
            staff,
            title=f"Report {index}",
            rca=rca,
            actions=[capa_action(staff, today() - dt.timedelta(days=1)), capa_action(staff, today(), "done")],
        )
    client = client_for(staff.analyst)
    client.get("/reports/capa/")
    with django_assert_num_queries(CAPA_LIST_QUERIES):
        response = client.get("/reports/capa/")
    assert len(response.context["reports"]) == min(rows, 50)
    assert response.context["page"].paginator.count == rows


def test_the_capa_lists_counts_are_worked_out_for_the_pages_rows_only(staff: Staff) -> None:
    """The counts of actions are subqueries of each report, not a join grouped by report: PostgreSQL
    counts for the 50 rows it keeps, after the sort (grouped, it joined and counted every report's
    actions first, 16 ms for 2,000 reports)."""
    rca = report_services.rca_create(author=staff.technician, data=RCA)
    make_capa(staff, rca=rca, actions=[capa_action(staff, today() - dt.timedelta(days=1))])
    statement = str(selectors.capa_report_page(today=today())[:50].query)
    assert "GROUP BY" not in statement
    assert statement.count("COUNT(*)") == 2


# Session, user, roles, unread count; count, reports, actions.
CAPA_LIST_QUERIES = 7


@pytest.mark.parametrize("rows", [10, 100])
def test_the_rca_list_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    covered = ticket_resolved_with(staff, RCA)
    for index in range(rows - 1):
        report_services.rca_create(author=staff.technician, data={**RCA, "problem_statement": f"Cut {index}"})
    client = client_for(staff.director)
    client.get("/reports/rca/")
    with django_assert_num_queries(RCA_LIST_QUERIES):
        response = client.get("/reports/rca/")
    assert response.context["page"].paginator.count == rows
    if rows == 10:
        assert covered.number in html_of(response)


def test_the_rca_list_shows_the_first_tickets_of_an_rca_and_links_to_the_rest(
    staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "RCA_TICKETS_SHOWN", 2)
    first = ticket_resolved_with(staff, RCA)
    rca = RootCauseAnalysis.objects.get(tickets=first)
    covered = [first, ticket_resolved_with(staff, rca.pk), ticket_resolved_with(staff, rca.pk)]
    numbers = sorted(ticket.number for ticket in covered)
    response = client_for(staff.analyst).get("/reports/rca/")
    [shown] = response.context["analyses"]
    # Two shown and one more read, to know there are more.
    assert [ticket.number for ticket in shown.tickets_shown] == numbers
    html = html_of(response)
    assert all(f"/console/tickets/{number}/" in html for number in numbers[:2])
    assert f"/console/tickets/{numbers[2]}/" not in html
    assert f'<a href="/reports/rca/{rca.pk}/" data-testid="more-tickets">and more</a>' in html


# Session, user, roles, unread count; categories, count, analyses, tickets.
RCA_LIST_QUERIES = 8


def ticket_resolved_with(staff: Staff, rca: Any) -> Any:
    ticket = advance(make_ticket(actor=staff.agent), Stage.DISPATCHED, staff)
    from tickets import services as ticket_services

    return ticket_services.ticket_act(
        ticket=ticket, actor=staff.technician, action="resolve", data={"rca": rca}
    ).ticket


def test_the_rca_pages_show_the_tickets_each_analysis_covers(staff: Staff) -> None:
    first = ticket_resolved_with(
        staff, {**RCA, "category": "power_failure", "problem_statement": "Power cut"}
    )
    rca = RootCauseAnalysis.objects.get(tickets=first)
    second = ticket_resolved_with(staff, rca.pk)
    other = ticket_resolved_with(staff, RCA)
    capa = make_capa(staff, title="Generators", rca=rca, actions=[capa_action(staff, today())])

    listing = client_for(staff.analyst).get("/reports/rca/")
    analyses = {a.pk: a for a in listing.context["analyses"]}
    assert [t.number for t in analyses[rca.pk].tickets_shown] == sorted([first.number, second.number])
    assert analyses[rca.pk].capa_count == 1
    assert [t.number for t in analyses[other.rca_id].tickets_shown] == [other.number]
    assert 'data-testid="more-tickets"' not in html_of(listing)
    filtered = client_for(staff.analyst).get("/reports/rca/?category=power_failure").context["analyses"]
    assert [a.pk for a in filtered] == [rca.pk]

    detail = client_for(staff.analyst).get(f"/reports/rca/{rca.pk}/")
    assert detail.status_code == 200
    assert sorted(t.number for t in detail.context["tickets"]) == sorted([first.number, second.number])
    html = html_of(detail)
    assert f"/console/tickets/{first.number}/" in html
    assert other.number not in html
    assert f"/reports/capa/{capa.pk}/" in html
    assert text_of(html, "problem") == "Power cut"
    assert client_for(staff.analyst).get("/reports/rca/999999/").status_code == 404


def test_rca_and_capa_text_is_escaped_on_every_page_that_shows_it(staff: Staff) -> None:
    ticket = ticket_resolved_with(staff, {**RCA, "problem_statement": XSS, "analysis": XSS})
    rca = RootCauseAnalysis.objects.get(tickets=ticket)
    capa = make_capa(staff, title=XSS, rca=rca, actions=[capa_action(staff, today(), description=XSS)])
    client = client_for(staff.manager)
    for url in ("/reports/rca/", f"/reports/rca/{rca.pk}/", "/reports/capa/", f"/reports/capa/{capa.pk}/"):
        html = html_of(client.get(url))
        assert "<script>alert" not in html, url
        assert ESCAPED in html, url
    detail = html_of(client.get(f"/reports/rca/{rca.pk}/"))
    assert text_of(detail, "problem") == ESCAPED
    assert text_of(detail, "analysis") == ESCAPED
    capa_html = html_of(client.get(f"/reports/capa/{capa.pk}/"))
    assert f"CAPA-{capa.pk}: {ESCAPED}" in capa_html
    assert text_of(capa_html, "action-description") == ESCAPED


# --- Updating CAPA actions ---------------------------------------------------------------------------------


def action_state(action: CapaAction) -> tuple[Any, ...]:
    action.refresh_from_db()
    return (
        action.status,
        action.completed_at,
        action.verified,
        action.verified_by_id,
        action.verified_at,
        action.verification_note,
    )


def test_an_allowed_person_moves_an_action_to_done_and_records_the_verification(staff: Staff) -> None:
    capa = make_capa(staff, actions=[capa_action(staff, today() - dt.timedelta(days=2))])
    action = capa.actions.get()
    base = f"/reports/capa/{capa.pk}/actions/{action.pk}"
    prefix = f"action-{action.pk}"

    page = html_of(client_for(staff.technician).get(f"/reports/capa/{capa.pk}/"))
    assert f'action="{base}/status/"' in page
    assert f'action="{base}/verify/"' not in page  # open: nothing to verify yet
    assert "Overdue" in page

    at = wib(2026, 11, 20, 10)
    with time_machine.travel(at, tick=False):
        response = client_for(staff.technician).post(f"{base}/status/", {f"{prefix}-status": "done"})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/capa/{capa.pk}/#action-{action.pk}"
    assert action_state(action) == ("done", at, False, None, None, "")

    page = html_of(client_for(staff.manager).get(f"/reports/capa/{capa.pk}/"))
    assert f'action="{base}/verify/"' in page
    later = at + dt.timedelta(days=7)
    with time_machine.travel(later, tick=False):
        response = client_for(staff.manager).post(
            f"{base}/verify/", {f"{prefix}-note": "No outage for a week"}, follow=True
        )
    assert "The verification was recorded." in html_of(response)
    assert action_state(action) == ("done", at, True, staff.manager.pk, later, "No outage for a week")
    html = html_of(response)
    assert f"Verified as effective by {staff.manager.username}" in html
    # Verified: settled, so no more forms.
    assert f'action="{base}/status/"' not in html


def test_people_who_may_not_write_capa_get_403_and_nothing_changes(staff: Staff) -> None:
    capa = make_capa(staff, actions=[capa_action(staff, today(), status="done")])
    action = capa.actions.get()
    before = action_state(action)
    base = f"/reports/capa/{capa.pk}/actions/{action.pk}"
    prefix = f"action-{action.pk}"
    for user in (staff.director, staff.agent, staff.support):
        client = client_for(user)
        assert client.post(f"{base}/status/", {f"{prefix}-status": "cancelled"}).status_code == 403
        assert client.post(f"{base}/verify/", {f"{prefix}-note": "Checked"}).status_code == 403
    assert action_state(action) == before
    # The director reads the report, without forms.
    page = html_of(client_for(staff.director).get(f"/reports/capa/{capa.pk}/"))
    assert f'action="{base}/status/"' not in page
    assert "You can read this report" in page


def test_refused_and_invalid_updates_show_the_reason_and_change_nothing(staff: Staff) -> None:
    capa = make_capa(staff, actions=[capa_action(staff, today())])
    action = capa.actions.get()
    base = f"/reports/capa/{capa.pk}/actions/{action.pk}"
    prefix = f"action-{action.pk}"
    client = client_for(staff.analyst)
    before = action_state(action)

    invalid = client.post(f"{base}/status/", {f"{prefix}-status": "finished"})
    assert invalid.status_code == 400
    assert "Choose one of the options in the list." in html_of(invalid)
    not_done = client.post(f"{base}/verify/", {f"{prefix}-note": "Looks fine"})
    assert not_done.status_code == 409
    assert "Only a done action can be verified" in html_of(not_done)
    empty = client.post(f"{base}/verify/", {f"{prefix}-note": "  "})
    assert empty.status_code == 400
    assert "This field is required." in html_of(empty)
    assert action_state(action) == before

    # A verified action is settled: its status cannot change any more.
    client.post(f"{base}/status/", {f"{prefix}-status": "done"})
    client.post(f"{base}/verify/", {f"{prefix}-note": "Checked"})
    settled = action_state(action)
    refused = client.post(f"{base}/status/", {f"{prefix}-status": "open"})
    assert refused.status_code == 409
    assert "it can no longer be changed" in html_of(refused)
    assert action_state(action) == settled
    # An action of another report is not reachable through this one.
    other = make_capa(staff, actions=[capa_action(staff, today())])
    assert client.post(f"/reports/capa/{other.pk}/actions/{action.pk}/status/", {}).status_code == 404


# --- CSI surveys -------------------------------------------------------------------------------------------


def test_the_survey_page_shows_each_campaigns_results(staff: Staff) -> None:
    from reports.models import SurveyCampaign, SurveyInvitation

    customers = []
    for at in (wib(2026, 7, 10, 9), wib(2026, 8, 10, 9), wib(2026, 8, 11, 9)):
        with time_machine.travel(at, tick=False):
            customers.append(advance(new_ticket(at, actor=staff.agent), Stage.CLOSED, staff, now=at).customer)
    now = wib(2027, 1, 1, 9)
    h2 = report_services.csi_campaign_create(
        name="CSI H2 2026", period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31), now=now
    )
    h1 = report_services.csi_campaign_create(
        name="CSI H1 2026", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30), now=now
    )
    tokens = [SurveyInvitation.objects.get(campaign=h2, customer=c).token for c in customers]
    report_services.csi_answer(
        token=tokens[0], scores={"overall": 5, "speed": 4, "quality": 4, "communication": 3}, now=now
    )
    report_services.csi_answer(
        token=tokens[1], scores={"overall": 3, "speed": 2, "quality": 4, "communication": 3}, now=now
    )

    for user in (staff.manager, staff.director, staff.analyst, staff.supervisor):
        response = client_for(user).get("/reports/surveys/")
        assert response.status_code == 200
    results = selectors.csi_campaign_results()
    assert results == [selectors.csi_results(SurveyCampaign.objects.get(pk=pk)) for pk in (h2.pk, h1.pk)]
    # Two of three answered; CSI = mean of 4.0 and 3.0.
    assert {k: results[0][k] for k in ("invited", "answered", "response_rate_pct", "csi_mean")} == {
        "invited": 3,
        "answered": 2,
        "response_rate_pct": 66.7,
        "csi_mean": 3.5,
    }
    assert results[0]["questions"] == {"overall": 4.0, "speed": 3.0, "quality": 4.0, "communication": 3.0}
    assert (results[1]["invited"], results[1]["csi_mean"]) == (0, None)
    html = html_of(response)
    row = re.search(rf'<tr data-campaign="{h2.pk}">(.*?)</tr>', html, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    ]
    assert cells[0] == "CSI H2 2026"
    assert cells[3:] == ["3", "2", "66.7", "3.5", "4.0", "3.0", "4.0", "3.0"]
    assert client_for(staff.technician).get("/reports/surveys/").status_code == 403
