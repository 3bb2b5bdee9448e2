"""The public portal (API.md "Portal"): customers file, track, confirm, reject and rate with no login;
a wrong contact is answered exactly like an unknown number, internal notes never show, and it is
rate-limited in the one error shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.test import APIClient

from escalation.models import Escalation
from helpdesk.lib import ticket_numbers
from notifications.models import Notification
from reports.models import SatisfactionRating
from tests.tickets.flow import Staff, advance
from tickets import services
from tickets.models import Customer, Stage, Ticket, TicketMessage

EMAIL = "Dewi.Lestari@Example.co.id"
PHONE = "0812-3456-7890"
E164 = "+6281234567890"
# Headers that may differ between any two responses without telling anything about the ticket.
VOLATILE_HEADERS = {"date", "x-request-id", "x-correlation-id"}


@pytest.fixture
def portal() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7")


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def complaint(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Dewi Lestari",
        "email": EMAIL,
        "phone": PHONE,
        "category": "network",
        "description": "Internet mati sejak jam 7 pagi.",
        "incident_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
    }
    data.update(overrides)
    return data


def filed(**overrides: Any) -> Ticket:
    data = complaint(**overrides)
    data["incident_at"] = dt.datetime.fromisoformat(data["incident_at"])
    return services.ticket_file_from_portal(**data)


def fingerprint(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return (
        response.status_code,
        response.content,
        {name: value for name, value in headers.items() if name not in VOLATILE_HEADERS},
    )


def state(ticket: Ticket) -> dict[str, Any]:
    history = apps.get_model("tickets", "TicketHistory")
    return {
        "row": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "history": history.objects.filter(pgh_obj_id=ticket.pk).count(),
        "messages": TicketMessage.objects.filter(ticket=ticket).count(),
        "escalations": Escalation.objects.filter(ticket=ticket).count(),
        "ratings": SatisfactionRating.objects.filter(ticket=ticket).count(),
        "notifications": Notification.objects.count(),
    }


# --- Filing ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filing_a_complaint_answers_201_with_the_number_and_acknowledges_it(portal: APIClient) -> None:
    response = portal.post("/api/portal/complaints/", complaint(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body == {"number": body["number"], "service_linked": True}
    number = body["number"]
    assert ticket_numbers.normalise(number) == number
    ticket = Ticket.objects.select_related("customer").get(number=number)
    assert ticket.channel == "portal"
    assert ticket.stage == "received"
    assert ticket.category == "network"
    assert ticket.description == "Internet mati sejak jam 7 pagi."
    assert (ticket.customer.name, ticket.customer.email, ticket.customer.phone) == (
        "Dewi Lestari",
        "dewi.lestari@example.co.id",
        E164,
    )
    assert (ticket.contact_email, ticket.contact_phone) == ("dewi.lestari@example.co.id", E164)
    acknowledgement = TicketMessage.objects.get(ticket=ticket)
    assert acknowledgement.kind == "acknowledgement"
    assert number in acknowledgement.body
    notification = Notification.objects.get(ticket=ticket)
    assert (notification.template, notification.email) == ("ticket_received", "dewi.lestari@example.co.id")


@pytest.mark.django_db
def test_filing_again_with_the_same_contact_written_differently_finds_the_same_customer(
    portal: APIClient,
) -> None:
    first = portal.post("/api/portal/complaints/", complaint(), format="json")
    second = portal.post(
        "/api/portal/complaints/",
        complaint(name="Ibu Dewi", email="dewi.lestari@example.co.id", phone="+62 812 3456 7890"),
        format="json",
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    # A portal visitor cannot rename the customer on record.
    assert customer.name == "Dewi Lestari"
    assert set(customer.tickets.values_list("number", flat=True)) == {
        first.json()["number"],
        second.json()["number"],
    }


@pytest.mark.django_db
def test_filing_with_someone_elses_or_an_unknown_service_reference_files_without_it_alike(
    portal: APIClient, staff: Staff
) -> None:
    from tests.tickets.factories import ServiceFactory

    other = ServiceFactory(reference="BB-JKT-7777")

    theirs = portal.post("/api/portal/complaints/", complaint(service_ref=other.reference), format="json")
    unknown = portal.post("/api/portal/complaints/", complaint(service_ref="BB-JKT-0000"), format="json")

    assert (theirs.status_code, unknown.status_code) == (201, 201)
    # The same answer whether the reference exists for someone else or not at all.
    assert theirs.json()["service_linked"] is False
    assert unknown.json()["service_linked"] is False
    assert set(theirs.json()) == set(unknown.json()) == {"number", "service_linked"}
    filed = Ticket.objects.filter(number__in=[theirs.json()["number"], unknown.json()["number"]])
    assert [ticket.service_id for ticket in filed] == [None, None]
    assert not Ticket.objects.filter(service=other).exists()


# --- Tracking -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "contact",
    [
        "dewi.lestari@example.co.id",
        "  DEWI.LESTARI@EXAMPLE.CO.ID ",
        "081234567890",
        "0812-3456-7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "6281234567890",
        "62 812 3456 7890",
    ],
)
def test_tracking_with_the_number_and_email_or_phone_in_any_common_format(
    portal: APIClient, contact: str
) -> None:
    ticket = filed()

    response = portal.get("/api/portal/track/", {"number": ticket.number.lower(), "contact": contact})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["number"] == ticket.number
    assert body["stage"] == "received"
    assert body["stage_label"] == "Received"
    assert body["category"] == "network"
    assert body["paused"] is False
    assert (body["resolved_at"], body["closed_at"]) == (None, None)
    assert (body["can_confirm"], body["can_rate"]) == (False, False)
    assert [message["kind"] for message in body["messages"]] == ["acknowledgement"]


@pytest.mark.django_db
def test_tracking_also_accepts_the_contact_on_the_customers_record(portal: APIClient, staff: Staff) -> None:
    from tests.tickets.factories import CustomerFactory, make_ticket

    customer = CustomerFactory(email="rina@example.co.id", phone="+6285712345678")
    ticket = make_ticket(actor=staff.agent, customer=customer)

    for contact in ("rina@example.co.id", "085712345678", "6285712345678"):
        response = portal.get("/api/portal/track/", {"number": ticket.number, "contact": contact})
        assert response.status_code == 200, contact
        assert response.json()["number"] == ticket.number


@pytest.mark.django_db
def test_a_wrong_contact_is_answered_exactly_like_an_unknown_or_malformed_number(portal: APIClient) -> None:
    ticket = filed()
    other = filed(name="Joko", email="joko@example.co.id", phone="081398765432")
    unused = next(
        ticket_numbers.encode(value)
        for value in range(10**6, 10**6 + 50)
        if not Ticket.objects.filter(number=ticket_numbers.encode(value)).exists()
    )

    answers = {
        "wrong email": portal.get(
            "/api/portal/track/", {"number": ticket.number, "contact": "x@example.co.id"}
        ),
        "wrong phone": portal.get("/api/portal/track/", {"number": ticket.number, "contact": "081111111111"}),
        "other customer's email": portal.get(
            "/api/portal/track/", {"number": ticket.number, "contact": "joko@example.co.id"}
        ),
        "other customer's phone": portal.get(
            "/api/portal/track/", {"number": ticket.number, "contact": "081398765432"}
        ),
        "garbage contact": portal.get(
            "/api/portal/track/", {"number": ticket.number, "contact": "<b>hi</b>"}
        ),
        "no contact": portal.get("/api/portal/track/", {"number": ticket.number}),
        "unknown number": portal.get("/api/portal/track/", {"number": unused, "contact": EMAIL}),
        "malformed number": portal.get("/api/portal/track/", {"number": "NOT-A-NUMBER", "contact": EMAIL}),
        "bad check character": portal.get(
            "/api/portal/track/",
            {"number": ticket.number[:-1] + "0" if ticket.number[-1] != "0" else "1", "contact": EMAIL},
        ),
        "no number": portal.get("/api/portal/track/", {"contact": EMAIL}),
    }

    reference = fingerprint(answers["unknown number"])
    assert reference[0] == 404
    assert answers["unknown number"].json() == {
        "code": "not_found",
        "message": "No ticket matches this number and contact.",
        "fields": {},
    }
    for name, response in answers.items():
        assert fingerprint(response) == reference, name
    assert other.number not in answers["other customer's email"].content.decode()


@pytest.mark.django_db
def test_internal_notes_never_appear_on_the_portal(portal: APIClient, staff: Staff) -> None:
    ticket = filed()
    services.ticket_act(
        ticket=ticket, actor=staff.agent, action="note", data={"body": "INTERNAL: customer is a VIP, rude."}
    )
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="respond",
        data={"body": "Teknisi kami sedang menuju lokasi."},
    )
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="pause",
        data={"reason": "INTERNAL: waiting on the customer's photo."},
    )

    response = portal.get("/api/portal/track/", {"number": ticket.number, "contact": PHONE})

    assert response.status_code == 200
    body = response.json()
    assert [(message["kind"], message["body"]) for message in body["messages"]] == [
        ("acknowledgement", TicketMessage.objects.get(ticket=ticket, kind="acknowledgement").body),
        ("reply", "Teknisi kami sedang menuju lokasi."),
    ]
    assert body["paused"] is True
    assert b"INTERNAL" not in response.content
    assert staff.agent.username.encode() not in response.content


# --- Confirm, reject, rate -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customer_confirms_the_fix_with_their_phone_and_rates_it(portal: APIClient, staff: Staff) -> None:
    ticket = advance(filed(), Stage.RESOLVED, staff)
    tracked = portal.get("/api/portal/track/", {"number": ticket.number, "contact": EMAIL})
    assert tracked.json()["can_confirm"] is True

    confirmed = portal.post(
        f"/api/portal/tickets/{ticket.number}/confirm/", {"contact": "+62 812 3456 7890"}, format="json"
    )

    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["stage"] == "confirmed"
    assert confirmed.json()["can_rate"] is True
    ticket.refresh_from_db()
    assert ticket.stage == "confirmed"
    history = apps.get_model("tickets", "TicketHistory")
    newest = history.objects.filter(pgh_obj_id=ticket.pk).select_related("pgh_context").latest("pgh_id")
    assert newest.pgh_context.metadata["via"] == "portal"
    assert newest.pgh_context.metadata["action"] == "confirm"

    rated = portal.post(
        f"/api/portal/tickets/{ticket.number}/rate/",
        {"contact": EMAIL, "csat": 4, "nps": 9, "comment": "Cepat."},
        format="json",
    )
    assert rated.status_code == 200, rated.json()
    assert rated.json()["can_rate"] is False
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps, rating.comment, rating.via) == (4, 9, "Cepat.", "portal")

    again = portal.post(
        f"/api/portal/tickets/{ticket.number}/rate/", {"contact": EMAIL, "csat": 1}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_rated"
    assert SatisfactionRating.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db
def test_customer_rejects_the_fix_reopening_and_escalating_it(portal: APIClient, staff: Staff) -> None:
    ticket = advance(filed(), Stage.RESOLVED, staff)

    response = portal.post(
        f"/api/portal/tickets/{ticket.number}/reject/",
        {"contact": "081234567890", "reason": "Masih mati."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "dispatched"
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.rejection_count, ticket.escalation_level) == ("dispatched", 1, 1)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.level, escalation.reason) == (1, "dissatisfaction")
    message = TicketMessage.objects.filter(ticket=ticket).latest("id")
    assert (message.kind, message.body, message.author_id) == ("customer", "Masih mati.", None)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["confirm", "reject", "rate"])
def test_portal_actions_with_a_wrong_contact_answer_like_an_unknown_number_and_change_nothing(
    portal: APIClient, staff: Staff, action: str
) -> None:
    ticket = advance(filed(), Stage.RESOLVED if action != "rate" else Stage.CONFIRMED, staff)
    unused = ticket_numbers.encode(10**6 + 1)
    assert not Ticket.objects.filter(number=unused).exists()
    payload = {"csat": 5, "nps": 10} if action == "rate" else {}
    before = state(ticket)

    answers = [
        portal.post(
            f"/api/portal/tickets/{ticket.number}/{action}/",
            {"contact": "someone@else.co.id", **payload},
            format="json",
        ),
        portal.post(
            f"/api/portal/tickets/{ticket.number}/{action}/",
            {"contact": "081111111111", **payload},
            format="json",
        ),
        # Invalid input on someone else's ticket still looks like a 404, not a 400 that confirms it exists.
        portal.post(f"/api/portal/tickets/{ticket.number}/{action}/", {"csat": "x"}, format="json"),
        portal.post(f"/api/portal/tickets/{unused}/{action}/", {"contact": EMAIL, **payload}, format="json"),
        portal.post(f"/api/portal/tickets/garbage/{action}/", {"contact": EMAIL, **payload}, format="json"),
    ]

    reference = fingerprint(answers[-2])
    assert reference[0] == 404
    for response in answers:
        assert fingerprint(response) == reference
    assert state(ticket) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["confirm", "reject", "rate"])
@pytest.mark.parametrize("payload", [[], ["a"], "text", 42])
def test_a_portal_action_whose_json_body_is_not_an_object_answers_like_an_unknown_number(
    portal: APIClient, staff: Staff, action: str, payload: Any
) -> None:
    ticket = advance(filed(), Stage.RESOLVED if action != "rate" else Stage.CONFIRMED, staff)
    before = state(ticket)

    response = portal.generic(
        "POST", f"/api/portal/tickets/{ticket.number}/{action}/", json.dumps(payload), "application/json"
    )
    unknown = portal.post("/api/portal/tickets/garbage/confirm/", {"contact": EMAIL}, format="json")

    assert response.status_code == 404
    assert response.json() == unknown.json()
    assert state(ticket) == before


@pytest.mark.django_db
def test_confirming_a_ticket_that_is_not_resolved_is_refused_with_409(portal: APIClient) -> None:
    ticket = filed()
    before = state(ticket)

    response = portal.post(f"/api/portal/tickets/{ticket.number}/confirm/", {"contact": EMAIL}, format="json")

    assert response.status_code == 409
    assert set(response.json()) == {"code", "message", "fields"}
    assert state(ticket) == before


# --- Rate limiting --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tracking_is_rate_limited_with_429_in_the_error_shape(portal: APIClient) -> None:
    ticket = filed()
    for _ in range(60):
        assert (
            portal.get("/api/portal/track/", {"number": ticket.number, "contact": EMAIL}).status_code == 200
        )

    response = portal.get("/api/portal/track/", {"number": ticket.number, "contact": EMAIL})

    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "throttled"
    assert body["fields"] == {}
    assert body["message"]
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Another visitor is not affected.
    other = APIClient(REMOTE_ADDR="198.51.100.9")
    assert other.get("/api/portal/track/", {"number": ticket.number, "contact": EMAIL}).status_code == 200


@pytest.mark.django_db
def test_filing_is_rate_limited_with_429_and_the_throttled_request_stores_nothing(portal: APIClient) -> None:
    for index in range(30):
        response = portal.post(
            "/api/portal/complaints/",
            complaint(email=f"c{index}@example.co.id", phone=f"08123456{index:04d}"),
            format="json",
        )
        assert response.status_code == 201
    counts = (Ticket.objects.count(), Customer.objects.count())

    response = portal.post(
        "/api/portal/complaints/", complaint(email="c31@example.co.id", phone="081234569999"), format="json"
    )

    assert response.status_code == 429
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "throttled"
    assert (Ticket.objects.count(), Customer.objects.count()) == counts == (30, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("contact", ["someone.else@example.com", "0813-9999-0000", "not a contact"])
def test_a_real_number_with_a_wrong_contact_costs_what_an_unknown_number_costs(contact: str) -> None:
    """Tracking does the same work on both paths (issue 18, finding 5): the same statements, none of
    them reading the real ticket's messages, so the answer's timing does not tell that a number exists."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.lib.errors import NotFound
    from tickets import selectors

    real = filed()
    unknown = ticket_numbers.encode(10**6)
    assert not Ticket.objects.filter(number=unknown).exists()

    def statements(number: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries, pytest.raises(NotFound):
            selectors.portal_ticket(number=number, contact=contact)
        return [query["sql"].replace(f"'{number}'", "'N'") for query in queries.captured_queries]

    wrong_contact, unknown_number = statements(real.number), statements(unknown)
    assert len(wrong_contact) == 1
    assert wrong_contact == unknown_number
    # The right contact still finds it (with its messages, in the same first statement's shape).
    assert selectors.portal_ticket(number=real.number, contact=EMAIL) == real
