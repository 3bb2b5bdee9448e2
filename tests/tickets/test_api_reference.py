"""The staff API's reference data, ticket list filters and authentication (API.md): regions in all three
time zones, teams with their categories, customers and services created and read back, every documented
list filter actually filtering, token authentication, and technicians seeing only their team's tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, advance
from tickets import services
from tickets.models import Customer, Service, Stage, Ticket


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


# --- Reference data -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_regions_cover_all_three_indonesian_time_zones(staff: Staff, api: Any) -> None:
    response = api(staff.agent).get("/api/regions/")

    assert response.status_code == 200
    regions = response.json()
    assert all(set(region) == {"code", "name", "timezone"} for region in regions)
    assert {region["timezone"] for region in regions} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    by_code = {region["code"]: region for region in regions}
    assert by_code["jyp"] == {"code": "jyp", "name": "Jayapura", "timezone": "Asia/Jayapura"}
    assert by_code["mks"]["timezone"] == "Asia/Makassar"
    assert api(staff.agent).get("/api/regions/dps/").json()["timezone"] == "Asia/Makassar"


@pytest.mark.django_db
def test_teams_list_the_categories_routed_to_them(staff: Staff, api: Any) -> None:
    response = api(staff.agent).get("/api/teams/")

    assert response.status_code == 200
    assert {item["name"]: item["categories"] for item in response.json()} == {
        "Billing & Account": ["account", "billing"],
        "Customer Care": [],
        "Customer Experience": [],
        "Network Operation": ["network", "service"],
    }


@pytest.mark.django_db
def test_customers_are_created_normalised_and_read_back(staff: Staff, api: Any) -> None:
    client = api(staff.agent)
    response = client.post(
        "/api/customers/",
        {
            "name": "Rina Wulandari",
            "email": " Rina@Example.co.id ",
            "phone": "0857-1234-5678",
            "tier": "high_value",
            "region": "mks",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    expected = {
        "id": created["id"],
        "name": "Rina Wulandari",
        "email": "rina@example.co.id",
        "phone": "+6285712345678",
        "tier": "high_value",
        "region": "mks",
    }
    assert created == expected
    assert client.get(f"/api/customers/{created['id']}/").json() == expected
    assert client.get("/api/customers/", {"email": "RINA@example.co.id"}).json()["results"] == [expected]
    assert client.get("/api/customers/", {"phone": "+62 857 1234 5678"}).json()["results"] == [expected]
    assert client.get("/api/customers/", {"region": "jkt"}).json()["results"] == []

    again = client.post("/api/customers/", {"name": "Rina W", "phone": "085712345678"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "customer_exists"
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_a_customer_without_region_or_tier_gets_the_defaults(staff: Staff, api: Any) -> None:
    response = api(staff.agent).post(
        "/api/customers/", {"name": "Joko", "phone": "081398765432"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert {key: response.json()[key] for key in ("email", "phone", "tier", "region")} == {
        "email": "",
        "phone": "+6281398765432",
        "tier": "regular",
        "region": None,
    }


@pytest.mark.django_db
def test_services_are_created_and_read_back(staff: Staff, api: Any) -> None:
    customer = CustomerFactory()
    client = api(staff.support)
    response = client.post(
        "/api/services/",
        {
            "customer": customer.pk,
            "kind": "vpn",
            "region": "jyp",
            "reference": "VPN-JYP-0042",
            "status": "suspended",
            "billing_status": "overdue",
            "overdue_amount": "1250000.50",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    expected = {
        "id": created["id"],
        "customer": customer.pk,
        "kind": "vpn",
        "region": "jyp",
        "reference": "VPN-JYP-0042",
        "status": "suspended",
        "billing_status": "overdue",
        "overdue_amount": "1250000.50",
    }
    assert created == expected
    assert client.get(f"/api/services/{created['id']}/").json() == expected
    assert client.get("/api/services/", {"customer": customer.pk}).json()["results"] == [expected]
    assert client.get("/api/services/", {"region": "jkt"}).json()["results"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["technician", "manager", "director", "analyst"])
def test_only_front_office_roles_create_reference_data(role: str, staff: Staff, api: Any) -> None:
    customer = CustomerFactory()
    before = (Customer.objects.count(), Service.objects.count())

    new_customer = api(staff.of(role)).post(
        "/api/customers/", {"name": "X", "email": "x@example.co.id"}, format="json"
    )
    new_service = api(staff.of(role)).post(
        "/api/services/",
        {"customer": customer.pk, "kind": "iot", "region": "jkt", "reference": "IOT-1"},
        format="json",
    )

    for response in (new_customer, new_service):
        assert response.status_code == 403
        assert response.json() == {
            "code": "forbidden",
            "message": "This needs one of the roles: agent, support, supervisor.",
            "fields": {},
        }
    assert (Customer.objects.count(), Service.objects.count()) == before


# --- Ticket list filters --------------------------------------------------------------------------------


@dataclass
class Board:
    """Six tickets that differ in every filtered attribute."""

    now: dt.datetime
    wayan: Customer
    borneo: Customer
    received: Ticket  # Wayan, network, phone, minor, 10 min ago
    billing: Ticket  # Borneo, billing, email, major, 20 min ago
    dispatched: Ticket  # Wayan, network, whatsapp, dispatched to Network Operation, assigned, 30 min ago
    breached: Ticket  # Borneo, network, social, critical, 2 hours ago: response target passed
    at_risk: Ticket  # Wayan, account, walk_in, critical, 25 min ago: past 75 % of the 30-minute target
    escalated: Ticket  # Borneo, service, phone, minor, 5 min ago, escalated to level 2

    def numbers(self, *names: str) -> set[str]:
        return {getattr(self, name).number for name in names}


@pytest.fixture
def board(staff: Staff) -> Board:
    now = timezone.now()
    wayan = CustomerFactory(name="Wayan Sudarta", email="wayan@example.co.id", phone="+6281234500001")
    borneo = CustomerFactory(name="PT Borneo Tambang", email="noc@borneo.example", phone="+6281234500002")
    wayan_service = ServiceFactory(customer=wayan)

    def new(customer: Customer, minutes_ago: int, **kwargs: Any) -> Ticket:
        reported = now - dt.timedelta(minutes=minutes_ago)
        return make_ticket(customer=customer, reported_at=reported, now=reported, **kwargs)

    received = new(wayan, 10, service=wayan_service, classification="minor")
    billing = new(
        borneo,
        20,
        category="billing",
        channel="email",
        classification="major",
        description="Tagihan ganda bulan Maret",
    )
    dispatched = new(wayan, 30, service=wayan_service, channel="whatsapp", classification="minor")
    dispatched = advance(dispatched, Stage.DISPATCHED, staff)
    services.ticket_act(
        ticket=dispatched, actor=staff.supervisor, action="assign", data={"assignee": staff.technician.pk}
    )
    breached = new(borneo, 120, channel="social", classification="critical")
    at_risk = new(wayan, 25, category="account", channel="walk_in", classification="critical")
    escalated = new(borneo, 5, category="service", classification="minor")
    services.ticket_act(
        ticket=escalated, actor=staff.agent, action="escalate", data={"level": 2, "reason": "Big customer."}
    )
    return Board(now, wayan, borneo, received, billing, dispatched, breached, at_risk, escalated)


def listed(client: APIClient, **params: Any) -> set[str]:
    response = client.get("/api/tickets/", {**params, "page_size": 200})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == len(body["results"])
    return {item["number"] for item in body["results"]}


@pytest.mark.django_db
def test_every_documented_ticket_list_filter_filters(board: Board, staff: Staff, api: Any) -> None:
    client = api(staff.supervisor)
    everything = board.numbers("received", "billing", "dispatched", "breached", "at_risk", "escalated")
    network_team = team("Network Operation")
    at = board.now - dt.timedelta(minutes=22)

    assert listed(client) == everything
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"stage": "received"}, board.numbers("received", "billing", "breached", "at_risk", "escalated")),
        ({"stage": "dispatched"}, board.numbers("dispatched")),
        ({"stage": ["dispatched", "verified"]}, board.numbers("dispatched")),
        ({"stage": "closed"}, set()),
        ({"classification": "critical"}, board.numbers("breached", "at_risk")),
        ({"classification": "minor"}, board.numbers("received", "escalated")),
        # Verification (by `advance`) set the dispatched ticket's classification to major.
        ({"classification": "major"}, board.numbers("billing", "dispatched")),
        ({"category": "billing"}, board.numbers("billing")),
        ({"category": "network"}, board.numbers("received", "dispatched", "breached")),
        ({"category": ["account", "service"]}, board.numbers("at_risk", "escalated")),
        ({"channel": "whatsapp"}, board.numbers("dispatched")),
        ({"channel": "social"}, board.numbers("breached")),
        ({"channel": "phone"}, board.numbers("received", "escalated")),
        ({"team": network_team.pk}, board.numbers("dispatched")),
        ({"team": team("Billing & Account").pk}, set()),
        ({"assignee": staff.technician.pk}, board.numbers("dispatched")),
        ({"sla_state": "breached"}, board.numbers("breached")),
        ({"sla_state": "at_risk"}, board.numbers("at_risk")),
        ({"sla_state": "ok"}, board.numbers("received", "billing", "dispatched", "escalated")),
        ({"escalation_level": 2}, board.numbers("escalated")),
        ({"escalation_level": 0}, everything - board.numbers("escalated")),
        ({"reported_after": at.isoformat()}, board.numbers("received", "billing", "escalated")),
        ({"reported_before": at.isoformat()}, board.numbers("dispatched", "breached", "at_risk")),
        (
            {
                "reported_after": (board.now - dt.timedelta(minutes=26)).isoformat(),
                "reported_before": (board.now - dt.timedelta(minutes=15)).isoformat(),
            },
            board.numbers("billing", "at_risk"),
        ),
        ({"search": "Wayan"}, board.numbers("received", "dispatched", "at_risk")),
        ({"search": "borneo tambang"}, board.numbers("billing", "breached", "escalated")),
        ({"search": "ganda"}, board.numbers("billing")),
        ({"search": board.breached.number.lower().replace("-", "")}, board.numbers("breached")),
        ({"search": "NOC@borneo.example"}, board.numbers("billing", "breached", "escalated")),
        ({"search": "0812-3450-0001"}, board.numbers("received", "dispatched", "at_risk")),
        ({"search": "nothing like this"}, set()),
        ({"stage": "received", "category": "network", "channel": "phone"}, board.numbers("received")),
    ]
    for params, expected in cases:
        assert listed(client, **params) == expected, params


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"stage": "finished"},
        {"classification": "huge"},
        {"category": "weather"},
        {"channel": "pigeon"},
        {"sla_state": "late"},
        {"escalation_level": 7},
        {"team": "network"},
        {"reported_after": "last tuesday"},
    ],
)
def test_an_unknown_filter_value_is_refused_in_the_error_shape(
    params: dict[str, Any], staff: Staff, api: Any
) -> None:
    response = api(staff.supervisor).get("/api/tickets/", params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert set(body["fields"]) == set(params)


# --- Authentication and visibility ----------------------------------------------------------------------


@pytest.mark.django_db
def test_token_authentication_works(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    token = Token.objects.create(user=staff.agent)
    client = APIClient()

    response = client.get("/api/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert [item["number"] for item in response.json()["results"]] == [ticket.number]

    wrong = client.get("/api/tickets/", HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert wrong.status_code in (401, 403)
    assert set(wrong.json()) == {"code", "message", "fields"}
    assert wrong.json()["code"] == "authentication_failed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/tickets/"),
        ("post", "/api/tickets/"),
        ("get", "/api/customers/"),
        ("get", "/api/services/"),
        ("get", "/api/regions/"),
        ("get", "/api/teams/"),
        ("get", "/api/tickets/{number}/"),
        ("get", "/api/tickets/{number}/history/"),
        ("post", "/api/tickets/{number}/respond/"),
    ],
)
def test_anonymous_requests_are_refused_in_the_error_shape(method: str, url: str, staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()

    response = getattr(APIClient(), method)(url.format(number=ticket.number), {}, format="json")

    assert response.status_code in (401, 403)
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before


@pytest.mark.django_db
def test_a_signed_in_user_without_a_role_is_refused(make_user: Any, api: Any, staff: Staff) -> None:
    make_ticket(actor=staff.agent)

    response = api(make_user()).get("/api/tickets/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
def test_technicians_see_only_their_teams_tickets(
    board: Board, staff: Staff, make_user: Any, api: Any
) -> None:
    billing_technician = make_user("technician", teams=[team("Billing & Account")])
    # A network ticket dispatched to Network Operation but not assigned to the staff technician.
    unassigned = advance(make_ticket(actor=staff.agent, classification="minor"), Stage.DISPATCHED, staff)
    billing = advance(board.billing, Stage.DISPATCHED, staff)

    assert listed(api(staff.technician)) == {board.dispatched.number, unassigned.number}
    assert listed(api(billing_technician)) == {billing.number}
    assert listed(api(staff.agent)) >= {board.received.number, board.breached.number}

    hidden = api(billing_technician).get(f"/api/tickets/{board.dispatched.number}/")
    assert hidden.status_code == 404
    assert set(hidden.json()) == {"code", "message", "fields"}
    for url in ("history", "messages"):
        assert (
            api(billing_technician).get(f"/api/tickets/{board.dispatched.number}/{url}/").status_code == 404
        )
    note = api(billing_technician).post(
        f"/api/tickets/{board.dispatched.number}/note/", {"body": "peek"}, format="json"
    )
    assert note.status_code == 404
    assert api(staff.technician).get(f"/api/tickets/{board.received.number}/").status_code == 404
    assert api(staff.technician).get(f"/api/tickets/{board.dispatched.number}/").status_code == 200
