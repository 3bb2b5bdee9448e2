"""Staff attach files from the ticket page (console.views.ticket_attach): who may write a note may attach,
internal unless ticked public, judged by content; a refused or bad file changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.tickets.factories import png_bytes
from tests.tickets.flow import Staff, ticket_in
from tests.tickets.test_console_pages import client_for
from tickets.models import Attachment, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def png(name: str = "router.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_an_agent_attaches_an_internal_file_and_downloads_it(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    client = client_for(staff.agent)
    response = client.post(f"/console/tickets/{ticket.number}/attach/", {"file": png()})
    assert response.status_code == 302
    assert response["Location"] == f"/console/tickets/{ticket.number}/"
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.original_name, attachment.content_type, attachment.is_public) == (
        "router.png",
        "image/png",
        False,
    )
    assert attachment.uploaded_by_id == staff.agent.pk
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "“router.png” is attached." in page
    assert (
        f'href="/console/tickets/{ticket.number}/attachments/{attachment.pk}/" download>router.png</a>'
        in page
    )
    download = client.get(f"/console/tickets/{ticket.number}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == png_bytes()


def test_a_file_ticked_public_is_the_customers_to_see(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    client_for(staff.agent).post(
        f"/console/tickets/{ticket.number}/attach/", {"file": png(), "is_public": "on"}
    )
    assert Attachment.objects.get(ticket=ticket).is_public is True


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_attached(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    response = client_for(staff.agent).post(f"/console/tickets/{ticket.number}/attach/", {"file": fake})
    assert response.status_code == 400
    assert "Nothing was attached:" in response.content.decode()
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_no_file_is_a_clear_error(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    response = client_for(staff.agent).post(f"/console/tickets/{ticket.number}/attach/", {})
    assert response.status_code == 400
    assert "Nothing was attached: This field is required." in response.content.decode()
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_a_role_that_may_not_write_on_the_ticket_is_refused_and_nothing_is_attached(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    response = client_for(staff.analyst).post(f"/console/tickets/{ticket.number}/attach/", {"file": png()})
    assert response.status_code == 403
    assert not Attachment.objects.filter(ticket=ticket).exists()


def test_attaching_is_a_post(staff: Staff) -> None:
    ticket = ticket_in(Stage.RECEIVED, staff)
    assert client_for(staff.agent).get(f"/console/tickets/{ticket.number}/attach/").status_code == 405
