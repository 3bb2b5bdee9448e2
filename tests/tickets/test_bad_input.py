"""Every input of the portal and the staff API is checked field by field and refused in the one error
shape `{code, message, fields}`; a refused request writes nothing at all. Text is data: HTML typed into
any field is stored and returned exactly as typed."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from escalation.models import Escalation
from notifications.models import Notification
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket, pdf_bytes, png_bytes
from tests.tickets.flow import Staff
from tickets.models import Attachment, Customer, Service, Ticket, TicketMessage

HTML = "<script>alert(1)</script><img src=x onerror=\"alert(2)\"> & &amp; 'quoted'"
LIMIT = settings.HELPDESK["DESCRIPTION_MAX_LENGTH"]


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def counts() -> dict[str, int]:
    history = apps.get_model("tickets", "TicketHistory")
    return {
        "tickets": Ticket.objects.count(),
        "customers": Customer.objects.count(),
        "services": Service.objects.count(),
        "messages": TicketMessage.objects.count(),
        "history": history.objects.count(),
        "notifications": Notification.objects.count(),
        "escalations": Escalation.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def ago(**delta: float) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def later(**delta: float) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def staff_ticket(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": {"name": "Agus Salim", "email": "agus@example.co.id", "phone": "081298765432"},
        "category": "network",
        "channel": "phone",
        "description": "No signal since this morning.",
        "incident_at": ago(hours=1),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not _MISSING}


def portal_complaint(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Agus Salim",
        "email": "agus@example.co.id",
        "phone": "081298765432",
        "category": "billing",
        "description": "Tagihan dobel.",
        "incident_at": ago(hours=1),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not _MISSING}


_MISSING = object()

# name: (payload, fields expected in the error)
STAFF_TICKET_CASES: dict[str, tuple[Callable[[], Any], set[str]]] = {
    "empty": (lambda: {}, {"customer", "category", "channel", "description", "incident_at"}),
    "missing description": (lambda: staff_ticket(description=_MISSING), {"description"}),
    "blank description": (lambda: staff_ticket(description="   "), {"description"}),
    "bad email": (
        lambda: staff_ticket(customer={"name": "Agus", "email": "agus@@example", "phone": ""}),
        {"customer.email"},
    ),
    "bad phone": (
        lambda: staff_ticket(customer={"name": "Agus", "email": "", "phone": "12345"}),
        {"customer.phone"},
    ),
    "no contact": (lambda: staff_ticket(customer={"name": "Agus"}), {"customer.email"}),
    "customer without name": (
        lambda: staff_ticket(customer={"email": "agus@example.co.id"}),
        {"customer.name"},
    ),
    "unknown customer id": (lambda: staff_ticket(customer=999_999), {"customer"}),
    "customer as true": (lambda: staff_ticket(customer=True), {"customer"}),
    "unknown category": (lambda: staff_ticket(category="weather"), {"category"}),
    "unknown channel": (lambda: staff_ticket(channel="carrier_pigeon"), {"channel"}),
    "unknown classification": (lambda: staff_ticket(classification="apocalyptic"), {"classification"}),
    "incident in the future": (lambda: staff_ticket(incident_at=later(hours=2)), {"incident_at"}),
    "reported in the future": (lambda: staff_ticket(reported_at=later(hours=2)), {"reported_at"}),
    "incident after report": (
        lambda: staff_ticket(incident_at=ago(hours=1), reported_at=ago(hours=3)),
        {"incident_at"},
    ),
    "year 0426": (lambda: staff_ticket(incident_at="0426-03-01T10:00:00+07:00"), {"incident_at"}),
    "year 9999": (lambda: staff_ticket(incident_at="9999-03-01T10:00:00+07:00"), {"incident_at"}),
    "time without offset": (lambda: staff_ticket(incident_at="2026-01-05T10:00:00"), {"incident_at"}),
    "time not a time": (lambda: staff_ticket(incident_at="yesterday"), {"incident_at"}),
    "time as a number": (lambda: staff_ticket(incident_at=1_700_000_000), {"incident_at"}),
    "description one over the limit": (lambda: staff_ticket(description="x" * (LIMIT + 1)), {"description"}),
    "description as a list": (lambda: staff_ticket(description=["a", "b"]), {"description"}),
    "description as an object": (lambda: staff_ticket(description={"a": 1}), {"description"}),
    "category as a number": (lambda: staff_ticket(category=5), {"category"}),
    "public exposure not a boolean": (lambda: staff_ticket(public_exposure="maybe"), {"public_exposure"}),
    "unknown service": (lambda: staff_ticket(service=999_999), {"service"}),
    "NUL in description": (lambda: staff_ticket(description="down\x00again"), {"description"}),
}

PORTAL_CASES: dict[str, tuple[Callable[[], Any], set[str]]] = {
    "empty": (lambda: {}, {"name", "email", "phone", "category", "description", "incident_at"}),
    "missing phone": (lambda: portal_complaint(phone=_MISSING), {"phone"}),
    "missing email": (lambda: portal_complaint(email=_MISSING), {"email"}),
    "bad email": (lambda: portal_complaint(email="agus at example"), {"email"}),
    "bad phone": (lambda: portal_complaint(phone="0800"), {"phone"}),
    "phone of letters": (lambda: portal_complaint(phone="call me maybe"), {"phone"}),
    "unknown category": (lambda: portal_complaint(category="weather"), {"category"}),
    "incident in the future": (lambda: portal_complaint(incident_at=later(days=1)), {"incident_at"}),
    "year 0426": (lambda: portal_complaint(incident_at="0426-01-01T00:00:00Z"), {"incident_at"}),
    "description one over the limit": (
        lambda: portal_complaint(description="y" * (LIMIT + 1)),
        {"description"},
    ),
    "blank name": (lambda: portal_complaint(name="  "), {"name"}),
    "name as a number": (lambda: portal_complaint(name=["x"]), {"name"}),
    "incident as an object": (lambda: portal_complaint(incident_at={"year": 2026}), {"incident_at"}),
}


def assert_error_shape(response: Any, status: int, fields: set[str]) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body["fields"]) == fields, body["fields"]
    for messages in body["fields"].values():
        assert messages
        assert all(isinstance(message, str) and message for message in messages)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(STAFF_TICKET_CASES))
def test_staff_ticket_creation_refuses_bad_input_field_by_field_and_writes_nothing(
    case: str, staff: Staff, api: Any
) -> None:
    payload, fields = STAFF_TICKET_CASES[case]
    before = counts()

    response = api(staff.agent).post("/api/tickets/", payload(), format="json")

    body = assert_error_shape(response, 400, fields)
    assert body["code"] == "invalid"
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(PORTAL_CASES))
def test_portal_filing_refuses_bad_input_field_by_field_and_writes_nothing(case: str, api: Any) -> None:
    payload, fields = PORTAL_CASES[case]
    before = counts()

    response = api(None).post("/api/portal/complaints/", payload(), format="json")

    body = assert_error_shape(response, 400, fields)
    assert body["code"] == "invalid"
    assert counts() == before


@pytest.mark.django_db
def test_field_messages_say_what_is_wrong(staff: Staff, api: Any) -> None:
    client = api(staff.agent)
    future = client.post("/api/tickets/", staff_ticket(incident_at=later(hours=2)), format="json").json()
    assert future["fields"] == {"incident_at": ["This time is in the future."]}
    long = client.post("/api/tickets/", staff_ticket(description="x" * (LIMIT + 1)), format="json").json()
    assert long["fields"] == {"description": [f"Write at most {LIMIT} characters."]}
    ancient = client.post(
        "/api/tickets/", staff_ticket(incident_at="0426-03-01T10:00:00+07:00"), format="json"
    ).json()
    assert ancient["fields"] == {"incident_at": ["Give a time between the years 2000 and 2100."]}
    portal_phone = api(None).post("/api/portal/complaints/", portal_complaint(phone="0800"), format="json")
    assert portal_phone.json()["fields"] == {"phone": ["Enter a valid phone number."]}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/tickets/", "/api/portal/complaints/"])
def test_a_two_megabyte_description_is_refused_and_nothing_is_stored(
    url: str, staff: Staff, api: Any
) -> None:
    payload = staff_ticket() if url == "/api/tickets/" else portal_complaint()
    payload["description"] = "A" * (2 * 1024 * 1024)
    before = counts()

    response = api(staff.agent if url == "/api/tickets/" else None).post(url, payload, format="json")

    # Bigger than DATA_UPLOAD_MAX_MEMORY_SIZE: refused before it is parsed, in the one error shape.
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": "The request is too large.",
        "fields": {},
    }
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/tickets/", "/api/portal/complaints/", "/api/customers/"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"category": "network", ', "application/json"),
        ("not json at all", "application/json"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_a_body_that_is_not_json_is_refused_in_the_error_shape(
    url: str, body: str, content_type: str, staff: Staff, api: Any
) -> None:
    before = counts()

    response = api(staff.agent).generic("POST", url, body.encode("latin-1"), content_type=content_type)

    parsed = assert_error_shape(response, 400, set())
    assert parsed["code"] == "parse_error"
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/tickets/", "/api/portal/complaints/", "/api/customers/"])
@pytest.mark.parametrize("payload", [[], ["a"], "text", 42, None])
def test_a_json_body_that_is_not_an_object_is_refused(url: str, payload: Any, staff: Staff, api: Any) -> None:
    before = counts()

    response = api(staff.agent).generic("POST", url, json.dumps(payload), content_type="application/json")

    assert_error_shape(response, 400, {"non_field_errors"})
    assert counts() == before


@pytest.mark.django_db
def test_an_unsupported_content_type_is_refused_with_415_in_the_error_shape(staff: Staff, api: Any) -> None:
    before = counts()

    response = api(staff.agent).generic("POST", "/api/tickets/", b"<ticket/>", content_type="application/xml")

    parsed = assert_error_shape(response, 415, set())
    assert parsed["code"] == "unsupported_media_type"
    assert counts() == before


# --- Reference data -------------------------------------------------------------------------------------

CUSTOMER_CASES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "empty": ({}, {"name"}),
    "no contact": ({"name": "Rina"}, {"email"}),
    "bad email": ({"name": "Rina", "email": "rina@"}, {"email"}),
    "bad phone": ({"name": "Rina", "phone": "+1 555"}, {"phone"}),
    "unknown region": ({"name": "Rina", "email": "rina@example.co.id", "region": "atlantis"}, {"region"}),
    "unknown tier": ({"name": "Rina", "email": "rina@example.co.id", "tier": "platinum"}, {"tier"}),
    "name too long": ({"name": "R" * 201, "email": "rina@example.co.id"}, {"name"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CUSTOMER_CASES))
def test_customer_creation_refuses_bad_input(case: str, staff: Staff, api: Any) -> None:
    payload, fields = CUSTOMER_CASES[case]
    before = counts()

    response = api(staff.agent).post("/api/customers/", payload, format="json")

    assert_error_shape(response, 400, fields)
    assert counts() == before


SERVICE_CASES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "empty": ({}, {"customer", "kind", "region", "reference"}),
    "unknown kind": ({"kind": "telepathy"}, {"kind"}),
    "unknown region": ({"region": "atlantis"}, {"region"}),
    "unknown customer": ({"customer": 999_999}, {"customer"}),
    "unknown status": ({"status": "on_fire"}, {"status"}),
    "negative overdue": ({"billing_status": "overdue", "overdue_amount": "-5"}, {"overdue_amount"}),
    "paid with an overdue amount": ({"overdue_amount": "1000"}, {"overdue_amount"}),
    "duplicate reference": ({"reference": "BB-JKT-4242"}, {"reference"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(SERVICE_CASES))
def test_service_creation_refuses_bad_input(case: str, staff: Staff, api: Any) -> None:
    customer = CustomerFactory()
    ServiceFactory(reference="BB-JKT-4242")
    overrides, fields = SERVICE_CASES[case]
    payload = {"customer": customer.pk, "kind": "broadband", "region": "jkt", "reference": "BB-JKT-0001"}
    payload = {} if case == "empty" else {**payload, **overrides}
    before = counts()

    response = api(staff.agent).post("/api/services/", payload, format="json")

    assert_error_shape(response, 400, fields)
    assert counts() == before


# --- Actions and attachments ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "payload", "fields"),
    [
        ("respond", {}, {"body"}),
        ("respond", {"body": "   "}, {"body"}),
        ("respond", {"body": "z" * (settings.HELPDESK["MESSAGE_MAX_LENGTH"] + 1)}, {"body"}),
        ("respond", {"body": "ok", "channel": "telegram"}, {"channel"}),
        ("note", {"body": 12}, set()),
        ("verify", {"classification": "minor"}, {"service_status_checked", "billing_checked"}),
        (
            "verify",
            {"classification": "huge", "service_status_checked": True, "billing_checked": True},
            {"classification"},
        ),
        ("escalate", {"level": 9, "reason": "x"}, {"level"}),
        ("escalate", {"level": "one", "reason": "x"}, {"level"}),
        ("escalate", {"level": 1}, {"reason"}),
        ("pause", {"reason": ["a"]}, {"reason"}),
    ],
)
def test_actions_refuse_bad_input_and_change_nothing(
    action: str, payload: dict[str, Any], fields: set[str], staff: Staff, api: Any
) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    before = counts()

    response = api(staff.support).post(f"/api/tickets/{ticket.number}/{action}/", payload, format="json")

    if action == "note" and not fields:
        # A number is accepted as text by the body field; the note is then written: prove it is the text.
        assert response.status_code == 200
        assert TicketMessage.objects.filter(ticket=ticket, kind="note").get().body == "12"
        return
    assert_error_shape(response, 400, fields)
    assert counts() == before
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == row


PNG = png_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            lambda: SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile("photo.png", b"this is not a png", content_type="image/png"),
            "file_type_refused",
        ),
        (lambda: SimpleUploadedFile("invoice.pdf", PNG, content_type="application/pdf"), "file_type_refused"),
        # The first bytes of a PDF or a PNG, and then something else (a web page, nothing): content decides.
        (
            lambda: SimpleUploadedFile(
                "invoice.pdf",
                b"%PDF-1.7\n<html><script>alert(1)</script></html>",
                content_type="application/pdf",
            ),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile(
                "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"
            ),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile("photo.jpg", PNG, content_type="image/jpeg"),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile(
                "notes.txt", b"fine at first" + b"\x00" * 3000, content_type="text/plain"
            ),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile("notes.txt", b"\x00\x01binary", content_type="text/plain"),
            "file_type_refused",
        ),
        (
            lambda: SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html"),
            "file_type_refused",
        ),
        (lambda: SimpleUploadedFile("noextension", b"hello", content_type="text/plain"), "file_type_refused"),
        (lambda: SimpleUploadedFile("empty.txt", b"", content_type="text/plain"), "invalid"),
        (
            lambda: SimpleUploadedFile(
                "big.txt", b"a" * (settings.ATTACHMENT_MAX_BYTES + 1), content_type="text/plain"
            ),
            "file_too_large",
        ),
    ],
)
def test_attachments_too_large_or_of_a_refused_type_are_refused_and_nothing_is_stored(
    upload: Callable[[], SimpleUploadedFile], code: str, staff: Staff, api: Any
) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    before = counts()

    response = api(staff.agent).post(
        f"/api/tickets/{ticket.number}/attachments/", {"file": upload()}, format="multipart"
    )

    body = assert_error_shape(response, 400, {"file"})
    assert body["code"] == code
    assert counts() == before


@pytest.mark.django_db
def test_an_attachment_request_without_a_file_is_refused(staff: Staff, api: Any) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    before = counts()

    response = api(staff.agent).post(f"/api/tickets/{ticket.number}/attachments/", {}, format="multipart")

    assert_error_shape(response, 400, {"file"})
    assert counts() == before


@pytest.mark.django_db
def test_an_attachment_exactly_at_the_limit_and_of_an_accepted_type_is_stored(staff: Staff, api: Any) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())

    response = api(staff.agent).post(
        f"/api/tickets/{ticket.number}/attachments/",
        {"file": SimpleUploadedFile("screen.png", PNG, content_type="image/png"), "is_public": "false"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["original_name"], body["content_type"], body["size"]) == (
        "screen.png",
        "image/png",
        len(PNG),
    )
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.is_public, attachment.uploaded_by_id) == (False, staff.agent.pk)


# --- HTML is text ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_html_in_staff_input_is_stored_and_returned_exactly_as_typed(staff: Staff, api: Any) -> None:
    client = api(staff.agent)
    response = client.post(
        "/api/tickets/",
        staff_ticket(
            description=HTML,
            customer={"name": f"<b>{HTML}</b>", "email": "html@example.co.id", "phone": ""},
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    assert response.json()["description"] == HTML
    assert response.json()["customer"]["name"] == f"<b>{HTML}</b>"

    reply = client.post(f"/api/tickets/{number}/respond/", {"body": HTML}, format="json")
    assert reply.status_code == 200
    note = client.post(f"/api/tickets/{number}/note/", {"body": f"note {HTML}"}, format="json")
    assert note.status_code == 200

    ticket = Ticket.objects.select_related("customer").get(number=number)
    assert ticket.description == HTML
    assert ticket.customer.name == f"<b>{HTML}</b>"
    assert client.get(f"/api/tickets/{number}/").json()["description"] == HTML
    messages = client.get(f"/api/tickets/{number}/messages/").json()
    assert [m["body"] for m in messages if m["kind"] in ("reply", "note")] == [HTML, f"note {HTML}"]
    assert b"&lt;script" not in client.get(f"/api/tickets/{number}/").content


@pytest.mark.django_db
def test_html_in_a_portal_complaint_is_stored_and_returned_exactly_as_typed(api: Any) -> None:
    response = api(None).post(
        "/api/portal/complaints/", portal_complaint(description=HTML, name=HTML), format="json"
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.select_related("customer").get(number=response.json()["number"])
    assert (ticket.description, ticket.customer.name) == (HTML, HTML)

    tracked = api(None).get("/api/portal/track/", {"number": ticket.number, "contact": "agus@example.co.id"})
    assert tracked.status_code == 200
    assert tracked["Content-Type"].startswith("application/json")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/tickets/",
        "/api/customers/",
        "/api/portal/complaints/",
        "/api/portal/tickets/K7QM-4X2A/confirm/",
        "/api/portal/tickets/K7QM-4X2A/rate/",
    ],
)
@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
def test_json_nested_too_deep_is_refused_in_the_error_shape(
    url: str, depth: int, staff: Staff, api: Any
) -> None:
    """A body nested deeper than any request needs (the deepest is 3) is a 400, never a RecursionError's 500,
    whether it is nested just past the limit or far past what the parser itself can walk."""
    before = counts()
    body = '{"description": ' + "[" * depth + "]" * depth + "}"

    response = api(staff.agent).generic("POST", url, body, content_type="application/json")

    parsed = assert_error_shape(response, 400, set())
    assert parsed["code"] == "parse_error"
    assert "nested" in parsed["message"]
    assert counts() == before


@pytest.mark.django_db
def test_json_nested_to_the_limit_is_parsed() -> None:
    from helpdesk.lib.parsers import MAX_JSON_DEPTH, JSONParser

    body = '{"a": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    parsed = JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})
    assert list(parsed) == ["a"]


@pytest.mark.django_db
def test_a_real_pdf_is_accepted(staff: Staff, api: Any) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    response = api(staff.agent).post(
        f"/api/tickets/{ticket.number}/attachments/",
        {"file": SimpleUploadedFile("invoice.pdf", pdf_bytes(), content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("path", ["/api/tickets/K7QM-4X2A/attachments/", "/portal/file/"])
def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(path: str) -> None:
    """A 50 MB upload is answered 413 from its Content-Length alone (issue 18, finding 11)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    request = RequestFactory().post(path, content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()  # type: ignore[attr-defined]
    response = WSGIHandler().get_response(request)
    assert response.status_code == 413
    assert response["Connection"] == "close"
    if path.startswith("/api/"):
        assert json.loads(response.content)["code"] == "request_too_large"


def test_a_body_without_a_length_is_stopped_past_the_limit(settings: Any) -> None:
    from django.core.files.uploadhandler import StopUpload

    from helpdesk.lib.uploads import FORM_ROOM, LimitedUploadHandler

    settings.ATTACHMENT_MAX_BYTES = 1024
    handler = LimitedUploadHandler()
    handler.receive_data_chunk(b"a" * (1024 + FORM_ROOM), 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"a", 1024 + FORM_ROOM)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["a", "Ad"])
def test_a_ticket_search_of_fewer_than_three_characters_is_refused_and_says_why(
    text: str, staff: Staff, api: Any
) -> None:
    """One or two letters have no trigrams to look up (tickets.selectors.SEARCH_MIN): their search would
    read every ticket and every customer, so the API says how long a search must be."""
    make_ticket(service=ServiceFactory(customer=CustomerFactory(name="Ade Suryani")))
    body = assert_error_shape(api(staff.agent).get("/api/tickets/", {"search": text}), 400, {"search"})
    assert body["fields"]["search"] == [f"Ensure this value has at least 3 characters (it has {len(text)})."]
    assert len(api(staff.agent).get("/api/tickets/", {"search": "Ade"}).json()["results"]) == 1


@pytest.mark.django_db
def test_a_customer_search_of_fewer_than_three_characters_is_refused(staff: Staff, api: Any) -> None:
    CustomerFactory(name="Ade Suryani")
    body = assert_error_shape(api(staff.agent).get("/api/customers/", {"search": "Ad"}), 400, {"search"})
    assert body["fields"]["search"] == ["Ensure this value has at least 3 characters (it has 2)."]
    assert [
        c["name"] for c in api(staff.agent).get("/api/customers/", {"search": "Ade"}).json()["results"]
    ] == ["Ade Suryani"]
