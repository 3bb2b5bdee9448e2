"""The customer records each role reads through the API follow what its tickets allow (issue 18, finding 3):
the roles that see every ticket read every customer and service; a technician reads only the customers
and services of the tickets of their teams or assigned to them — not names, phones or billing standing
of anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.lib.roles import Role
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff

EVERY_TICKET_ROLES = ["agent", "support", "supervisor", "manager", "director", "analyst"]


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def records(staff: Staff) -> dict[str, Any]:
    """A complaint dispatched to the technician's team, a billing complaint assigned to the technician, a
    billing complaint of another team, and a customer with no complaint at all."""
    network = ServiceFactory()
    assigned = ServiceFactory()
    billing = ServiceFactory()
    quiet = ServiceFactory()
    dispatched = make_ticket(service=network, category="network")
    dispatched.team = team("Network Operation")  # as a dispatch leaves it
    dispatched.save(update_fields=["team"])
    mine = make_ticket(service=assigned, category="billing")
    mine.assignee = staff.technician
    mine.save(update_fields=["assignee"])
    other = make_ticket(service=billing, category="billing")
    assert other.team != dispatched.team and mine.team == other.team
    return {"network": network, "assigned": assigned, "billing": billing, "quiet": quiet}


def listed(client: Any, url: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", EVERY_TICKET_ROLES)
def test_roles_that_see_every_ticket_read_every_customer_and_service(
    role: str, staff: Staff, api: Any, records: dict[str, Any]
) -> None:
    client = api(staff.of(role))
    services = {service.pk for service in records.values()}
    customers = {service.customer_id for service in records.values()}
    assert listed(client, "/api/customers/") >= customers
    assert listed(client, "/api/services/") >= services
    for service in records.values():
        assert client.get(f"/api/customers/{service.customer_id}/").status_code == 200
        assert client.get(f"/api/services/{service.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_technician_reads_only_the_customers_and_services_of_their_tickets(
    staff: Staff, api: Any, records: dict[str, Any]
) -> None:
    client = api(staff.technician)
    theirs = [records["network"], records["assigned"]]
    others = [records["billing"], records["quiet"]]
    assert listed(client, "/api/customers/") == {service.customer_id for service in theirs}
    assert listed(client, "/api/services/") == {service.pk for service in theirs}
    for service in theirs:
        assert client.get(f"/api/customers/{service.customer_id}/").status_code == 200
        assert client.get(f"/api/services/{service.pk}/").status_code == 200
    for service in others:
        assert client.get(f"/api/customers/{service.customer_id}/").status_code == 404
        assert client.get(f"/api/services/{service.pk}/").status_code == 404
    # Filters search within what they may read: the other customer's email finds nothing.
    email = records["billing"].customer.email
    assert client.get("/api/customers/", {"email": email}).json()["results"] == []


@pytest.mark.django_db
def test_a_technician_with_two_tickets_of_one_customer_reads_them_once(staff: Staff, api: Any) -> None:
    customer = CustomerFactory()
    service = ServiceFactory(customer=customer)
    for _ in range(2):
        ticket = make_ticket(service=service, category="network")
        ticket.team = team("Network Operation")
        ticket.save(update_fields=["team"])
    client = api(staff.technician)
    assert client.get("/api/customers/").json()["count"] == 1
    assert client.get("/api/services/").json()["count"] == 1


@pytest.mark.django_db
def test_a_staff_member_without_a_role_reads_no_one(
    make_user: Any, api: Any, records: dict[str, Any]
) -> None:
    nobody = make_user(is_staff=True)
    client = api(nobody)
    for url in ("/api/customers/", "/api/services/"):
        response = client.get(url)
        assert response.status_code == 403  # the API is for staff roles (helpdesk.lib.api.IsStaffMember)
    # And were it let through, the selectors would still show it no one.
    from tickets.selectors import visible_customers, visible_services

    assert not visible_customers(viewer=nobody).exists() and not visible_services(viewer=nobody).exists()


def test_every_role_is_covered() -> None:
    assert {*EVERY_TICKET_ROLES, "technician"} == {role.value for role in Role}
