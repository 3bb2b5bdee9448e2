"""Opening an attached file: staff who may see the ticket (helpdesk.lib.access) download it from the
console, the customer downloads their own ticket's public files from the tracking page; nobody else, and
never as a page our origin would render."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from helpdesk.lib.http import safe_download_name
from tests.tickets.factories import ServiceFactory, png_bytes, team
from tests.tickets.flow import Staff, ticket_in
from tickets import services
from tickets.models import Stage, Ticket

pytestmark = pytest.mark.django_db

PNG = png_bytes()


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def ticket(staff: Staff) -> Ticket:
    """A network ticket dispatched to Network Operation, with a public screenshot and an internal log."""
    ticket = ticket_in(Stage.DISPATCHED, staff)
    services.attachment_add(
        ticket=ticket,
        actor=staff.agent,
        upload=SimpleUploadedFile("layar modem.png", PNG, content_type="image/png"),
    )
    services.attachment_add(
        ticket=ticket,
        actor=staff.technician,
        upload=SimpleUploadedFile("olt.log", b"port 3 down\n", content_type="text/plain"),
        is_public=False,
    )
    return ticket


def console_url(ticket: Ticket, attachment_id: int) -> str:
    return f"/console/tickets/{ticket.number}/attachments/{attachment_id}/"


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # The factory sets the password after saving; sign in with the row as stored (its session hash).
    client.force_login(
        type(user).objects.get(pk=user.pk), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


@pytest.mark.parametrize(
    "role", ["agent", "support", "supervisor", "technician", "manager", "director", "analyst"]
)
def test_staff_who_see_the_ticket_download_each_of_its_files(staff: Staff, ticket: Ticket, role: str) -> None:
    screenshot, log = ticket.attachments.order_by("id")
    client = signed_in(staff.of(role))

    response = client.get(console_url(ticket, screenshot.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="layar modem.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PNG

    internal = client.get(console_url(ticket, log.pk))
    assert internal.status_code == 200
    assert internal["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(internal.streaming_content) == b"port 3 down\n"


def test_a_technician_of_another_team_gets_not_found(make_user: Any, ticket: Ticket) -> None:
    billing = make_user("technician", teams=[team("Billing & Account")])
    screenshot = ticket.attachments.order_by("id").first()
    assert screenshot is not None
    response = signed_in(billing).get(console_url(ticket, screenshot.pk))
    assert response.status_code == 404


def test_someone_without_a_staff_role_is_refused_and_a_visitor_sent_to_sign_in(
    make_user: Any, ticket: Ticket
) -> None:
    screenshot = ticket.attachments.order_by("id").first()
    assert screenshot is not None
    assert signed_in(make_user()).get(console_url(ticket, screenshot.pk)).status_code == 403
    anonymous = Client().get(console_url(ticket, screenshot.pk))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_a_file_asked_for_under_another_tickets_number_is_not_found(staff: Staff, ticket: Ticket) -> None:
    other = ticket_in(Stage.RECEIVED, staff)
    screenshot = ticket.attachments.order_by("id").first()
    assert screenshot is not None
    assert signed_in(staff.agent).get(console_url(other, screenshot.pk)).status_code == 404


def test_the_ticket_page_links_each_file(staff: Staff, ticket: Ticket) -> None:
    screenshot, log = ticket.attachments.order_by("id")
    page = signed_in(staff.agent).get(f"/console/tickets/{ticket.number}/").content.decode()
    assert f'href="{console_url(ticket, screenshot.pk)}"' in page
    assert f'href="{console_url(ticket, log.pk)}"' in page


def test_uploads_are_not_served_from_a_public_media_path(settings: Any, staff: Staff, ticket: Ticket) -> None:
    screenshot = ticket.attachments.order_by("id").first()
    assert screenshot is not None
    assert Client().get(f"/media/{screenshot.file.name}").status_code == 404


# --- The portal -------------------------------------------------------------------------------------------


def customer_client(ticket: Ticket) -> Client:
    client = Client()
    response = client.post("/portal/track/", {"number": ticket.number, "contact": ticket.customer.email})
    assert response.status_code == 302
    return client


def portal_url(ticket: Ticket, attachment_id: int) -> str:
    return f"/portal/tickets/{ticket.number}/attachments/{attachment_id}/"


def test_the_customer_downloads_their_public_file_and_sees_it_listed(ticket: Ticket) -> None:
    screenshot, log = ticket.attachments.order_by("id")
    client = customer_client(ticket)

    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f'href="{portal_url(ticket, screenshot.pk)}"' in page
    assert portal_url(ticket, log.pk) not in page
    response = client.get(portal_url(ticket, screenshot.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="layar modem.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_the_customer_cannot_open_an_internal_file(ticket: Ticket) -> None:
    log = ticket.attachments.order_by("id").last()
    assert log is not None and not log.is_public
    assert customer_client(ticket).get(portal_url(ticket, log.pk)).status_code == 404


def test_another_customer_cannot_open_the_file(staff: Staff, ticket: Ticket) -> None:
    screenshot = ticket.attachments.order_by("id").first()
    assert screenshot is not None
    other = ticket_in(Stage.RECEIVED, staff, service=ServiceFactory())
    stranger = customer_client(other)
    # Their own ticket's number with this file's id, and this ticket's number: neither opens it.
    assert stranger.get(portal_url(other, screenshot.pk)).status_code == 404
    response = stranger.get(portal_url(ticket, screenshot.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/track/")
    assert Client().get(portal_url(ticket, screenshot.pk)).status_code == 302


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("layar modem.png", "layar modem.png"),
        ('../../etc/"passwd".txt', "_.._etc__passwd_.txt"),
        ("tagihan\r\nSet-Cookie: x.pdf", "tagihan__Set-Cookie_ x.pdf"),
        ("...", "attachment"),
        ("struk\u202egnp.txt", "struk_gnp.txt"),
    ],
)
def test_download_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_download_name(name) == safe
