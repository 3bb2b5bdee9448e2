"""The portal beyond filing and tracking: every filing mistake at once, an unmatched service reference
that does not block the complaint, the customer's replies with photos from the tracking page (resuming a
clock paused for them), big CSAT/NPS choices and the desk's phone number in the footer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from tests.portal.conftest import JAKARTA, complaint_form
from tests.tickets.factories import ServiceFactory, png_bytes
from tests.tickets.flow import Staff, ticket_in
from tickets import services
from tickets.models import Attachment, MessageKind, Stage, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

PNG = png_bytes()


def complaint(**overrides: str) -> dict[str, str]:
    return complaint_form(**{"email": "siti@example.co.id", **overrides})


def tracking(client: Client, ticket: Ticket) -> Client:
    response = client.post("/portal/track/", {"number": ticket.number, "contact": ticket.customer.email})
    assert response.status_code == 302
    return client


def test_every_mistake_of_the_filing_form_comes_in_one_answer(english: Client) -> None:
    tomorrow = timezone.localtime(timezone.now() + dt.timedelta(days=1), JAKARTA)
    data = complaint(
        email="siti@", phone="12345", incident_at=tomorrow.strftime("%Y-%m-%dT%H:%M"), service_ref="NOPE-1"
    )
    response = english.post("/portal/file/", data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address."],
        "phone": ["Enter a valid phone number, e.g. 0812 3456 7890."],
        "incident_at": ["This time is in the future."],
    }
    assert Ticket.objects.count() == 0


def test_an_unmatched_service_reference_files_the_complaint_without_it_and_says_so(english: Client) -> None:
    someone_elses = ServiceFactory(reference="BB-JKT-4242")
    response = english.post("/portal/file/", complaint(service_ref="BB-JKT-4242"), follow=True)

    ticket = Ticket.objects.get()
    assert ticket.service is None
    assert not Ticket.objects.filter(service=someone_elses).exists()
    notice = response.content.decode()
    assert 'data-testid="unmatched-reference"' in notice
    assert "BB-JKT-4242" in notice
    assert "filed your complaint without it" in notice


def test_a_matching_service_reference_links_the_service_and_no_notice_is_shown(english: Client) -> None:
    service = ServiceFactory(
        reference="BB-JKT-0001", customer__email="siti@example.co.id", customer__phone="+6281234567890"
    )
    response = english.post("/portal/file/", complaint(service_ref="BB-JKT-0001"), follow=True)

    assert Ticket.objects.get().service == service
    assert 'data-testid="unmatched-reference"' not in response.content.decode()


def test_the_customer_replies_with_a_photo_without_rejecting_the_fix(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff)
    client = tracking(english, ticket)
    photo = SimpleUploadedFile("router.png", PNG, content_type="image/png")

    response = client.post(
        f"/portal/tickets/{ticket.number}/reply/", {"body": "Lampu LOS masih merah.", "attachments": [photo]}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED
    message = TicketMessage.objects.get(ticket=ticket, kind=MessageKind.CUSTOMER)
    assert (message.body, message.channel) == ("Lampu LOS masih merah.", "portal")
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.message, attachment.original_name, attachment.is_public) == (
        message,
        "router.png",
        True,
    )
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "Lampu LOS masih merah." in page
    assert f"/portal/tickets/{ticket.number}/attachments/{attachment.pk}/" in page


def test_a_reply_resumes_a_clock_paused_for_the_customer_and_tells_the_assignee(
    english: Client, staff: Staff
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    services.ticket_act(
        ticket=ticket, actor=staff.supervisor, action="assign", data={"assignee": staff.technician.pk}
    )
    services.ticket_act(ticket=ticket, actor=staff.technician, action="pause", data={})
    ticket.refresh_from_db()
    assert ticket.paused is True

    tracking(english, ticket).post(f"/portal/tickets/{ticket.number}/reply/", {"body": "Sudah saya cek."})

    ticket.refresh_from_db()
    assert ticket.paused is False
    told = Notification.objects.get(recipient=staff.technician, template="ticket_customer_message")
    assert told.context["resumed"] is True


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            "setup.exe: This type of file is not accepted.",
        ),
        (
            SimpleUploadedFile("foto.png", b"not a png at all", content_type="image/png"),
            "foto.png: This type of file is not accepted.",
        ),
    ],
    ids=["executable", "disguised"],
)
def test_a_refused_file_refuses_the_whole_reply_and_writes_nothing(
    english: Client, staff: Staff, upload: SimpleUploadedFile, message: str
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    client = tracking(english, ticket)

    response = client.post(
        f"/portal/tickets/{ticket.number}/reply/", {"body": "Ini fotonya.", "attachments": [upload]}
    )

    assert response.status_code == 400
    [error] = response.context["reply_form"].errors["attachments"]
    assert error.startswith(message)
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).exists()
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_a_file_over_the_size_limit_is_refused_as_for_staff(
    english: Client, staff: Staff, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    ticket = ticket_in(Stage.DISPATCHED, staff)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-" + b"0" * (1024 * 1024), content_type="application/pdf")

    response = tracking(english, ticket).post(
        f"/portal/tickets/{ticket.number}/reply/", {"body": "Hasil scan.", "attachments": [big]}
    )

    assert response.status_code == 400
    assert response.context["reply_form"].errors["attachments"] == ["scan.pdf: The file is larger than 1 MB."]
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_more_than_five_files_are_refused(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    photos = [SimpleUploadedFile(f"foto{index}.png", PNG, content_type="image/png") for index in range(6)]

    response = tracking(english, ticket).post(
        f"/portal/tickets/{ticket.number}/reply/", {"body": "Foto-foto.", "attachments": photos}
    )

    assert response.status_code == 400
    assert response.context["reply_form"].errors["attachments"] == ["Attach at most 5 files to one message."]
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).exists()


def test_a_closed_ticket_takes_no_reply_and_shows_no_reply_form(english: Client, staff: Staff) -> None:
    ticket = ticket_in(Stage.CLOSED, staff)
    client = tracking(english, ticket)
    assert "/reply/" not in client.get(f"/portal/tickets/{ticket.number}/").content.decode()

    response = client.post(f"/portal/tickets/{ticket.number}/reply/", {"body": "Halo?"}, follow=True)

    assert "This ticket is closed." in response.content.decode()
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).exists()


def test_someone_without_access_cannot_reply(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    response = Client().post(f"/portal/tickets/{ticket.number}/reply/", {"body": "Saya bukan pelanggan."})
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/track/")
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).exists()


def test_the_footer_shows_the_desks_phone_and_hours(english: Client, settings: Any) -> None:
    settings.HELPDESK = {**settings.HELPDESK, "DESK_PHONE": "(021) 500 188", "DESK_HOURS": ""}
    page = english.get("/portal/").content.decode()
    assert '<a href="tel:021500188">(021) 500 188</a>: every day, 24 hours a day.' in page

    settings.HELPDESK = {**settings.HELPDESK, "DESK_HOURS": "Monday to Saturday, 08:00–20:00 WIB"}
    assert "Monday to Saturday, 08:00–20:00 WIB." in english.get("/portal/").content.decode()
