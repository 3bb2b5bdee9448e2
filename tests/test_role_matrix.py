"""One matrix of what each role may do, enforced from one place for the console and the API (issue 18,
finding 9: support could log a complaint in the console and got 403 from the API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from helpdesk.lib.access import CAPABILITIES, Capability
from helpdesk.lib.roles import Role
from tests.tickets.factories import ServiceFactory


def console(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_logging_a_complaint_is_allowed_alike_in_the_console_and_the_api(
    role: str, make_user: Any, api: Any
) -> None:
    user = make_user(role)
    allowed = Role(role) in CAPABILITIES[Capability.LOG_COMPLAINT]
    page = console(user).get("/console/tickets/new/")
    assert (page.status_code == 200) == allowed, page.status_code
    service = ServiceFactory()
    response = api(user).post(
        "/api/tickets/",
        {
            "customer": service.customer_id,
            "service": service.pk,
            "category": "network",
            "channel": "phone",
            "description": "Internet down",
            "incident_at": "2026-03-02T08:00:00+07:00",
        },
        format="json",
    )
    assert (response.status_code == 201) == allowed, response.content[:300]
    if not allowed:
        assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_writing_customers_and_reading_reports_follow_the_matrix(role: str, make_user: Any, api: Any) -> None:
    user = make_user(role)
    created = api(user).post(
        "/api/customers/",
        {"name": "Rina", "email": f"rina.{role}@example.com", "tier": "regular"},
        format="json",
    )
    assert (created.status_code == 201) == (Role(role) in CAPABILITIES[Capability.WRITE_CUSTOMERS]), (
        created.content
    )
    dashboard = console(user).get("/reports/")
    assert (dashboard.status_code == 200) == (Role(role) in CAPABILITIES[Capability.READ_REPORTS])
    capa = api(user).get("/api/capas/")
    assert (capa.status_code == 200) == (Role(role) in CAPABILITIES[Capability.READ_CAPA])
