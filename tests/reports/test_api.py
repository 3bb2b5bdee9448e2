"""The reports API: who may read and write what, the monthly snapshot as JSON and downloads, the
overview, RCAs and CAPA reports, and the one error shape {code, message, fields}."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import selectors
from reports.models import CapaAction, MonthlyReport, RootCauseAnalysis, RootCauseCategory
from reports.services import monthly_report_build
from tests.reports.helpers import act, new_ticket, verify, wib
from tests.tickets.factories import RCA, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets.models import Stage, Ticket

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert body["message"]


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def snapshot(db: None) -> MonthlyReport:
    return monthly_report_build(month=JANUARY, now=wib(2026, 2, 1, 1))[0]


# --- Monthly report ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "manager", "director", "supervisor"])
def test_management_roles_read_the_monthly_snapshot_as_json(
    api: Any, staff: Staff, snapshot: Any, role: str
) -> None:
    response = api(staff.of(role)).get("/api/reports/monthly/2026-01/")
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-01"
    assert body["data"] == snapshot.data


@pytest.mark.parametrize("role", ["agent", "support", "technician"])
def test_other_roles_are_refused_the_monthly_report(api: Any, staff: Staff, snapshot: Any, role: str) -> None:
    assert_error(api(staff.of(role)).get("/api/reports/monthly/2026-01/"), 403, "permission_denied")
    assert_error(
        api(staff.of(role)).get("/api/reports/monthly/2026-01/?format=pdf"), 403, "permission_denied"
    )


@pytest.mark.parametrize(
    ("wanted", "content_type", "head"),
    [
        ("csv", "text/csv; charset=utf-8", "\ufeffsection,item,measure,value".encode()),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_format_parameter_downloads_the_same_snapshot(
    api: Any, staff: Staff, snapshot: Any, wanted: str, content_type: str, head: bytes
) -> None:
    response = api(staff.analyst).get(f"/api/reports/monthly/2026-01/?format={wanted}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="monthly-report-2026-01.{wanted}"'
    assert response.content.startswith(head)


def test_the_pdf_is_rendered_once_per_snapshot_and_language_and_without_a_cache_still_served(
    api: Any, staff: Staff, snapshot: Any, monkeypatch: Any
) -> None:
    from django.core.cache import cache
    from django.utils import translation

    from reports import exports

    # The cache starts empty (tests/conftest.py), so the first download renders.
    rendered: list[str] = []
    real = exports.monthly_pdf

    def counting(report: Any) -> bytes:
        rendered.append(translation.get_language())
        return real(report)

    monkeypatch.setattr(exports, "monthly_pdf", counting)
    client = api(staff.analyst)
    url = "/api/reports/monthly/2026-01/?format=pdf"
    first = client.get(url)
    assert client.get(url).content == first.content
    assert rendered == ["en"]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="id").status_code == 200
    assert rendered == ["en", "id"]
    # A rebuilt snapshot is a new PDF.
    monthly_report_build(month=JANUARY, now=wib(2026, 2, 2, 1), rebuild=True)
    assert client.get(url).status_code == 200
    assert rendered == ["en", "id", "en"]

    def away(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache server away")

    monkeypatch.setattr(cache, "get", away)
    monkeypatch.setattr(cache, "set", away)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert rendered == ["en", "id", "en", "en"]


def test_missing_snapshot_bad_month_and_bad_format_have_the_error_shape(
    api: Any, staff: Staff, snapshot: Any
) -> None:
    client = api(staff.analyst)
    assert_error(client.get("/api/reports/monthly/2025-12/"), 404, "report_not_found")
    assert_error(client.get("/api/reports/monthly/2025-12/?format=csv"), 404, "report_not_found")
    response = client.get("/api/reports/monthly/2026-13/")
    assert_error(response, 400, "bad_month")
    assert "month" in response.json()["fields"]
    assert_error(client.get("/api/reports/monthly/january/"), 400, "bad_month")
    assert_error(client.get("/api/reports/monthly/2026-01/?format=doc"), 400, "bad_format")


# --- Overview ----------------------------------------------------------------------------------------------


def test_overview_counts_backlog_breaches_and_escalations_of_the_day_and_week(api: Any, staff: Staff) -> None:
    from reports.selectors import overview

    # Wednesday 18 November 2026, 10:00 WIB; the week began on Monday 16 November 00:00.
    now = wib(2026, 11, 18, 10)
    t1 = new_ticket(wib(2026, 11, 16, 9), actor=staff.agent)
    verify(t1, staff, wib(2026, 11, 16, 9, 5))  # critical: response due 09:30, resolution 17:00 — both passed
    t2 = new_ticket(wib(2026, 11, 18, 9), actor=staff.agent)  # minor: response due 11:00
    act(t2, staff.supervisor, "escalate", wib(2026, 11, 18, 9, 30), level=1, reason="VIP")
    t3 = new_ticket(wib(2026, 11, 10, 9), actor=staff.agent)
    act(t3, staff.agent, "close", wib(2026, 11, 17, 9), reason="invalid", note="Spam")

    week = overview("week", now)
    assert week["start"] == "2026-11-16T00:00:00+07:00"
    assert week["backlog"] == {
        "open": 2,
        "by_stage": {"received": 1, "verified": 1},
        "by_classification": {"": 1, "critical": 1},
        "breached_now": 1,
    }
    assert week["tickets"] == {"reported": 2, "first_resolved": 0, "closed": 1}
    assert week["breaches"] == {"response": 1, "resolution": 1, "total": 2}
    assert week["escalations"] == {"by_level": {"1": 1, "2": 0, "3": 0}, "total": 1, "unacknowledged": 1}
    assert week["satisfaction"]["nps"] is None
    assert week["satisfaction"]["nps_target"] == 40

    day = overview("day", now)
    assert day["tickets"] == {"reported": 1, "first_resolved": 0, "closed": 0}
    assert day["breaches"] == {"response": 0, "resolution": 0, "total": 0}
    assert day["escalations"]["total"] == 1

    with time_machine.travel(now, tick=False):
        response = api(staff.manager).get("/api/reports/overview/?period=week")
    assert response.status_code == 200
    assert response.json()["backlog"]["open"] == 2
    assert_error(api(staff.agent).get("/api/reports/overview/"), 403, "permission_denied")
    refused = api(staff.manager).get("/api/reports/overview/?period=year")
    assert_error(refused, 400, "bad_period")
    assert refused.json()["fields"]["period"] == ["Choose period day, week or month."]


# --- RCAs --------------------------------------------------------------------------------------------------


def test_rca_api_lists_linked_ticket_numbers_and_checks_roles(api: Any, staff: Staff) -> None:
    ticket = advance(new_ticket(wib(2026, 11, 2, 9), actor=staff.agent), Stage.RESOLVED, staff)
    rca = RootCauseAnalysis.objects.get(tickets=ticket)

    listed = api(staff.director).get("/api/rcas/")
    assert listed.status_code == 200
    assert listed.json()["results"][0]["tickets"] == [ticket.number]
    assert listed.json()["results"][0]["category"] == "fiber_cut"

    created = api(staff.analyst).post("/api/rcas/", {**RCA, "category": "power_failure"}, format="json")
    assert created.status_code == 201
    assert created.json()["tickets"] == []
    assert created.json()["category"] == "power_failure"

    changed = api(staff.technician).patch(f"/api/rcas/{rca.pk}/", {"analysis": "A digger."}, format="json")
    assert changed.status_code == 200
    assert changed.json()["analysis"] == "A digger."

    missing = api(staff.analyst).post("/api/rcas/", {"problem_statement": "x"}, format="json")
    assert_error(missing, 400, "invalid")
    assert set(missing.json()["fields"]) == {"analysis", "temporary_fix", "permanent_fix", "category"}

    before = RootCauseAnalysis.objects.count()
    assert_error(api(staff.director).post("/api/rcas/", RCA, format="json"), 403, "permission_denied")
    assert_error(api(staff.agent).get("/api/rcas/"), 403, "permission_denied")
    assert RootCauseAnalysis.objects.count() == before


def test_an_rca_lists_its_first_tickets_and_the_ticket_list_has_them_all(
    api: Any, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An RCA of a mass outage covers tens of thousands of tickets: its record lists the first
    RCA_TICKETS_LISTED numbers, in order, says there are more, and /api/tickets/?rca= lists every one."""
    monkeypatch.setattr(selectors, "RCA_TICKETS_LISTED", 3)
    fields = {**RCA, "category": RootCauseCategory.objects.get(code="fiber_cut")}
    big = RootCauseAnalysis.objects.create(**fields)
    small = RootCauseAnalysis.objects.create(**fields)
    tickets = [make_ticket(service=ServiceFactory(), actor=staff.agent) for _ in range(5)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[:4]]).update(rca=big)
    Ticket.objects.filter(pk=tickets[4].pk).update(rca=small)
    numbers = sorted(t.number for t in tickets[:4])

    with CaptureQueriesContext(connection) as queries:
        listed = api(staff.analyst).get("/api/rcas/")
    assert listed.status_code == 200
    rows = {row["id"]: row for row in listed.json()["results"]}
    assert rows[big.pk]["tickets"] == numbers[:3] and rows[big.pk]["tickets_more"] is True
    assert rows[small.pk]["tickets"] == [tickets[4].number] and rows[small.pk]["tickets_more"] is False
    # One query for the numbers of the whole page, plain values.
    assert sum('FROM "tickets_ticket"' in q["sql"] for q in queries.captured_queries) == 1

    one = api(staff.analyst).get(f"/api/rcas/{big.pk}/")
    assert one.json()["tickets"] == numbers[:3] and one.json()["tickets_more"] is True

    every = api(staff.agent).get(f"/api/tickets/?rca={big.pk}")
    assert sorted(row["number"] for row in every.json()["results"]) == numbers


# --- CAPA --------------------------------------------------------------------------------------------------


def test_capa_api_creates_updates_and_verifies_actions(api: Any, staff: Staff) -> None:
    client = api(staff.technician)
    created = client.post(
        "/api/capas/",
        {
            "title": "Backbone power",
            "summary": "UPS replacement",
            "actions": [
                {
                    "kind": "corrective",
                    "description": "Replace UPS",
                    "owner": staff.technician.pk,
                    "due": "2026-12-01",
                },
                {
                    "kind": "preventive",
                    "description": "Monthly test",
                    "owner": staff.supervisor.pk,
                    "due": "2027-01-01",
                },
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    actions = {a["description"]: a for a in body["actions"]}
    fields = ("kind", "owner", "due", "status", "verified")
    assert {name: actions["Replace UPS"][name] for name in fields} == {
        "kind": "corrective",
        "owner": staff.technician.pk,
        "due": "2026-12-01",
        "status": "open",
        "verified": False,
    }
    ups = actions["Replace UPS"]["id"]

    # Verifying an action that is not done is refused, and changes nothing.
    refused = client.patch(
        f"/api/capas/{body['id']}/",
        {"actions": [{"id": ups, "verified": True, "verification_note": "ok"}]},
        format="json",
    )
    assert_error(refused, 409, "capa_action_not_done")
    assert CapaAction.objects.get(pk=ups).verified is False

    done = client.patch(
        f"/api/capas/{body['id']}/", {"actions": [{"id": ups, "status": "done"}]}, format="json"
    )
    assert done.status_code == 200
    after = {a["id"]: a for a in done.json()["actions"]}[ups]
    assert (after["status"], after["verified"]) == ("done", False)  # done but not verified: distinct
    assert after["completed_at"] is not None

    verified = api(staff.manager).patch(
        f"/api/capas/{body['id']}/",
        {"actions": [{"id": ups, "verified": True, "verification_note": "No outage for 30 days"}]},
        format="json",
    )
    assert verified.status_code == 200
    after = {a["id"]: a for a in verified.json()["actions"]}[ups]
    assert (after["verified"], after["verified_by"], after["verification_note"]) == (
        True,
        staff.manager.username,
        "No outage for 30 days",
    )

    bad = client.post(
        "/api/capas/",
        {"title": "X", "actions": [{"kind": "other", "description": "d", "owner": staff.technician.pk}]},
        format="json",
    )
    assert_error(bad, 400, "invalid")
    assert set(bad.json()["fields"]) == {"actions.0.kind", "actions.0.due"}

    assert api(staff.director).get("/api/capas/").status_code == 200
    assert_error(
        api(staff.director).post("/api/capas/", {"title": "X"}, format="json"), 403, "permission_denied"
    )
    assert_error(api(staff.agent).get("/api/capas/"), 403, "permission_denied")
    # Reports are never deleted (closed or withdrawn instead: tests/reports/test_capa_records.py).
    assert client.delete(f"/api/capas/{body['id']}/").status_code == 405
