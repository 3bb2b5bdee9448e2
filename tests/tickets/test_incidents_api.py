"""/api/incidents/ (SPEC §10): declare, change, post updates, link complaints by number, resolve."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Incident, Region, Stage, Ticket
from tickets.tasks import incident_resolve_tickets


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


DECLARATION = {
    "title": "Backbone Sulawesi putus",
    "details_id": "Gangguan backbone di Sulawesi Selatan.",
    "details_en": "Backbone outage in South Sulawesi.",
    "regions": ["mks"],
    "service_kinds": ["fiber", "broadband"],
}


def service_in(code: str) -> Any:
    region = Region.objects.get(code=code)
    return ServiceFactory(customer=CustomerFactory(region=region), region=region, kind="fiber")


@pytest.mark.django_db
def test_a_supervisor_declares_and_an_agent_is_refused_with_nothing_written(staff: Staff, api: Any) -> None:
    refused = api(staff.agent).post("/api/incidents/", DECLARATION, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert Incident.objects.count() == 0
    declared = api(staff.supervisor).post("/api/incidents/", DECLARATION, format="json")
    assert declared.status_code == 201
    body = declared.json()
    assert (body["title"], body["regions"], body["service_kinds"], body["is_open"]) == (
        "Backbone Sulawesi putus",
        ["mks"],
        ["broadband", "fiber"],
        True,
    )
    listed = api(staff.agent).get("/api/incidents/?open=true").json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]
    bad = api(staff.supervisor).post(
        "/api/incidents/", {**DECLARATION, "regions": ["atlantis"]}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"regions"}


@pytest.mark.django_db
def test_complaints_are_linked_by_number_an_update_is_owed_and_the_resolution_moves_them(
    staff: Staff, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supervisor = api(staff.supervisor)
    incident = supervisor.post("/api/incidents/", {**DECLARATION, "regions": ["jkt"]}, format="json").json()
    elsewhere = make_ticket(actor=staff.agent, service=service_in("mks"))  # not linked on arrival
    linked = api(staff.agent).post(
        f"/api/incidents/{incident['id']}/link/", {"tickets": [elsewhere.number, "ZZZZ-ZZZZ"]}, format="json"
    )
    assert linked.status_code == 200
    assert linked.json()["results"] == {elsewhere.number: "", "ZZZZ-ZZZZ": "No ticket with this number."}
    assert Ticket.objects.get(pk=elsewhere.pk).incident_id == incident["id"]
    posted = supervisor.post(
        f"/api/incidents/{incident['id']}/updates/", {"body_id": "Tim sudah di lokasi."}, format="json"
    )
    assert posted.status_code == 201
    assert Notification.objects.filter(template="incident_update").count() == 1
    assert [u["body_id"] for u in supervisor.get(f"/api/incidents/{incident['id']}/updates/").json()] == [
        "Tim sudah di lokasi."
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resolved = supervisor.post(f"/api/incidents/{incident['id']}/resolve/", {"rca": RCA}, format="json")
    assert resolved.status_code == 200 and resolved.json()["is_open"] is False
    assert Ticket.objects.get(pk=elsewhere.pk).stage == Stage.RECEIVED  # the task does it, after commit
    assert any("incident_resolve" in callback.__qualname__ for callback in callbacks)
    assert incident_resolve_tickets(incident["id"]) == 1  # what the worker runs
    assert Ticket.objects.get(pk=elsewhere.pk).stage == Stage.RESOLVED
    again = supervisor.post(f"/api/incidents/{incident['id']}/resolve/", {"rca": RCA}, format="json")
    assert again.status_code == 409


@pytest.mark.django_db
def test_changing_an_incident_keeps_what_is_not_given(staff: Staff, api: Any) -> None:
    supervisor = api(staff.supervisor)
    incident = supervisor.post("/api/incidents/", DECLARATION, format="json").json()
    expected = (timezone.now() + dt.timedelta(hours=5)).replace(microsecond=0)
    changed = supervisor.patch(
        f"/api/incidents/{incident['id']}/", {"expected_restoration_at": expected.isoformat()}, format="json"
    )
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["regions"]) == (DECLARATION["title"], ["mks"])
    assert Incident.objects.get(pk=incident["id"]).expected_restoration_at == expected
