"""Incidents in the admin (issue 16): listed with their updates inline (read-only: an update is posted
where it is broadcast); declared and changed while open only by those who may in the console, with the
model's permissions; never resolved or deleted here."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.tickets.factories import RCA
from tickets.models import Incident, Region
from tickets.services import incidents

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def with_incident_permissions(user: Any, *codenames: str) -> Any:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="tickets", codename__in=codenames)
    )
    return user


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Backbone down",
        "details_id": "Gangguan backbone.",
        "details_en": "",
        "regions": [str(Region.objects.get(code="mks").pk)],
        "service_kinds": "fiber",
        "started_at_0": "2026-03-02",
        "started_at_1": "08:00:00",
        "expected_restoration_at_0": "",
        "expected_restoration_at_1": "",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_supervisor_with_the_permissions_declares_and_changes_an_open_incident_only(make_user: Any) -> None:
    supervisor = with_incident_permissions(
        make_user("supervisor", is_staff=True), "add_incident", "change_incident", "view_incident"
    )
    client = signed_in(supervisor)
    assert client.get("/admin/tickets/incident/").status_code == 200
    response = client.post("/admin/tickets/incident/add/", form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get()
    assert (incident.title, incident.service_kinds, incident.declared_by) == (
        "Backbone down",
        ["fiber"],
        supervisor,
    )
    assert [region.code for region in incident.regions.all()] == ["mks"]
    incidents.incident_update_post(incident=incident, actor=supervisor, body_id="Kabel disambung.")
    page = client.get(f"/admin/tickets/incident/{incident.pk}/change/").content.decode()
    assert "Kabel disambung." in page and 'name="updates-0-body_id"' not in page  # inline, read-only
    incidents.incident_resolve(incident=incident, actor=supervisor, rca=RCA)
    # Resolved: read-only, and an attempt to change it changes nothing.
    refused = client.post(f"/admin/tickets/incident/{incident.pk}/change/", form(title="Changed"))
    assert refused.status_code == 403
    assert Incident.objects.get().title == "Backbone down"
    assert client.post(f"/admin/tickets/incident/{incident.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Incident.objects.count() == 1


def test_the_model_permissions_alone_do_not_let_someone_who_may_not_declare(make_user: Any) -> None:
    agent = with_incident_permissions(make_user("agent", is_staff=True), "add_incident", "view_incident")
    client = signed_in(agent)
    assert client.get("/admin/tickets/incident/").status_code == 200
    assert client.post("/admin/tickets/incident/add/", form()).status_code == 403
    assert Incident.objects.count() == 0
