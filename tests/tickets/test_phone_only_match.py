"""A complaint whose phone number is on record for another customer (issue 18, finding 6): a phone is
shared, an email is personal. With an email given that is not the record's, the complaint goes to a new
customer with the contacts typed (who then receives its messages and can track it), and staff read an
internal note naming the other record; the customer on record receives nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.tickets.factories import CustomerFactory
from tickets import services
from tickets.models import Customer, MessageKind, Ticket

PHONE = "+6281234567890"


@pytest.fixture
def on_record(db: None) -> Customer:
    return CustomerFactory(name="Budi Santoso", email="budi@example.com", phone=PHONE)


def log(agent: Any, **contact: str) -> Any:
    return services.ticket_log(
        actor=agent,
        customer={"name": "Dewi Lestari", **contact},
        category="network",
        channel="phone",
        description="Internet down",
        incident_at=timezone.now() - dt.timedelta(hours=1),
    )


def notes(ticket: Any) -> list[str]:
    return list(ticket.messages.filter(kind=MessageKind.NOTE).values_list("body", flat=True))


@pytest.mark.django_db
def test_an_email_that_is_not_the_phone_holders_makes_a_new_customer_and_a_note(
    on_record: Customer, make_user: Any
) -> None:
    ticket = log(make_user("agent"), email="dewi@example.com", phone="0812-3456-7890")
    assert ticket.customer != on_record
    assert (ticket.customer.email, ticket.customer.phone) == ("dewi@example.com", PHONE)
    (note,) = notes(ticket)
    assert f"id {on_record.pk}" in note and "Budi Santoso" in note and "dewi@example.com" in note
    owed = Notification.objects.filter(ticket=ticket, template="ticket_received")
    assert set(owed.values_list("email", flat=True)) == {"dewi@example.com"}
    assert not Notification.objects.filter(email="budi@example.com").exists()


@pytest.mark.django_db
def test_a_phone_holder_without_an_email_is_not_given_the_complaint_either(make_user: Any) -> None:
    holder = CustomerFactory(email="", phone=PHONE)
    ticket = log(make_user("agent"), email="dewi@example.com", phone=PHONE)
    assert ticket.customer != holder and ticket.customer.email == "dewi@example.com"
    assert len(notes(ticket)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "contact",
    [{"email": "budi@example.com", "phone": PHONE}, {"phone": PHONE}, {"email": "BUDI@example.com"}],
    ids=["both-match", "phone-only-given", "email-only-given"],
)
def test_the_customer_on_record_is_found_when_nothing_contradicts_it(
    contact: dict[str, str], on_record: Customer, make_user: Any
) -> None:
    ticket = log(make_user("agent"), **contact)
    assert ticket.customer == on_record
    assert notes(ticket) == []


@pytest.mark.django_db
def test_on_the_portal_the_person_filing_can_track_it_with_their_email(on_record: Customer, api: Any) -> None:
    portal = api(None)
    filed = portal.post(
        "/api/portal/complaints/",
        {
            "name": "Dewi Lestari",
            "email": "dewi@example.com",
            "phone": PHONE,
            "category": "network",
            "description": "Internet mati sejak jam 7 pagi.",
            "incident_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
        },
        format="json",
    )
    assert filed.status_code == 201, filed.content
    number = filed.json()["number"]
    tracked = portal.get("/api/portal/track/", {"number": number, "contact": "dewi@example.com"})
    assert tracked.status_code == 200
    ticket = Ticket.objects.get(number=number)
    assert ticket.customer != on_record and len(notes(ticket)) == 1
    assert not Notification.objects.filter(email="budi@example.com").exists()
