"""Inbound email (SPEC §3): new mail becomes a ticket, a customer's reply threads into its ticket, machine
mail is ignored, and each message is handled once — through the service, the command and the poller."""

from __future__ import annotations

import io
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket, png_bytes
from tests.tickets.flow import Staff, ticket_in
from tickets import inbound, services
from tickets.models import Attachment, InboundEmail, MessageKind, Stage, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

PNG = png_bytes()


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def mail(
    *,
    sender: str = "Budi Santoso <budi.santoso@contoh.co.id>",
    subject: str = "Internet mati",
    text: str = "Internet di rumah mati sejak pagi.",
    html: str | None = None,
    message_id: str | None = "<m1@contoh.co.id>",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pengaduan@nusantaratelekomindo.co.id"
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 08:00:00 +0700"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if html is None:
        message.set_content(text)
    else:
        message.set_content(html, subtype="html")
    for name, content_type, payload in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_a_new_mail_becomes_a_ticket_once_and_the_sender_gets_its_number() -> None:
    record = inbound.email_ingest(mail(attachments=(("modem.png", "image/png", PNG),)))
    assert record.outcome == "created"
    ticket = record.ticket
    assert ticket is not None
    assert (ticket.channel, ticket.stage, ticket.category) == ("email", Stage.RECEIVED, "network")
    assert ticket.customer.email == ticket.contact_email == "budi.santoso@contoh.co.id"
    assert ticket.customer.name == "Budi Santoso"
    assert ticket.description == "Internet mati\n\nInternet di rumah mati sejak pagi."
    assert ticket.first_response_due is not None  # the clocks started
    assert [a.original_name for a in Attachment.objects.filter(ticket=ticket)] == ["modem.png"]
    received = Notification.objects.get(ticket=ticket, template="ticket_received")
    assert received.email == "budi.santoso@contoh.co.id"

    # The same message again (the mailbox read twice, two pollers): nothing more.
    again = inbound.email_ingest(mail(attachments=(("modem.png", "image/png", PNG),)))
    assert again.pk == record.pk
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_an_existing_customer_is_found_by_address_and_a_refused_attachment_is_said() -> None:
    customer = CustomerFactory(email="noc@pt-contoh.co.id", name="PT Contoh")
    record = inbound.email_ingest(
        mail(
            sender="NOC <NOC@pt-contoh.co.id>",
            attachments=(("setup.exe", "application/octet-stream", b"MZ" + b"\x00" * 40),),
        )
    )
    assert record.ticket is not None and record.ticket.customer == customer
    assert record.reason == "Attachments not accepted: setup.exe."
    assert not Attachment.objects.filter(ticket=record.ticket).exists()


def test_a_reply_from_the_customer_threads_into_its_ticket_without_the_quoted_history(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, customer=CustomerFactory(email="dewi@contoh.co.id"))
    # The clock waits for the customer; their reply starts it again and tells the agent holding it.
    services.ticket_act(ticket=ticket, actor=staff.agent, action="pause", data={})
    reply = (
        "Sudah saya restart, masih mati.\n\n"
        f"Pada Sen, 23 Nov 2026 pukul 09.00 Customer Care <support@nusantaratelekomindo.co.id> menulis:\n"
        f"> Pengaduan diterima — tiket {ticket.number}\n"
    )
    record = inbound.email_ingest(
        mail(
            sender="dewi@contoh.co.id",
            subject=f"Re: Pengaduan diterima — tiket {ticket.number}",
            text=reply,
        )
    )
    assert (record.outcome, record.ticket) == ("threaded", ticket)
    message = TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).get()
    assert (message.body, message.channel) == ("Sudah saya restart, masih mati.", "email")
    ticket.refresh_from_db()
    assert ticket.paused is False
    assert Ticket.objects.count() == 1
    inbox = Notification.objects.get(recipient=staff.agent, template="ticket_customer_message")
    assert inbox.channel == "inbox" and inbox.context["resumed"] is True

    # An English mail program's quote line, number typed in lower case.
    inbound.email_ingest(
        mail(
            sender="dewi@contoh.co.id",
            subject=f"RE: {ticket.number.lower()}",
            text="Thanks.\n\nOn Mon, 23 Nov 2026 at 09:00, Customer Care wrote:\n> old text",
            message_id="<m2@contoh.co.id>",
        )
    )
    assert list(
        TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).values_list("body", flat=True)
    ) == ["Sudah saya restart, masih mati.", "Thanks."]


def test_a_ticket_number_from_someone_else_proves_nothing(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, customer=CustomerFactory(email="dewi@contoh.co.id"))
    record = inbound.email_ingest(
        mail(sender="orang.lain@contoh.co.id", subject=f"Re: tiket {ticket.number}", text="Ini tiket saya")
    )
    assert record.outcome == "created"
    assert record.ticket != ticket
    assert record.ticket is not None and record.ticket.customer.email == "orang.lain@contoh.co.id"
    assert not TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER).exists()


def test_a_reply_about_a_closed_ticket_opens_a_new_one_that_names_it(staff: Staff) -> None:
    service = ServiceFactory(customer=CustomerFactory(email="a@b.co.id"))
    closed = ticket_in(Stage.CLOSED, staff, service=service)
    record = inbound.email_ingest(mail(sender="a@b.co.id", subject=f"Re: {closed.number}", text="Mati lagi."))
    assert record.outcome == "created"
    assert record.ticket is not None and record.ticket != closed
    assert record.ticket.description.startswith(f"(About closed ticket {closed.number}.)")


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("budi@contoh.co.id", {"Auto-Submitted": "auto-replied"}),
        ("budi@contoh.co.id", {"Precedence": "bulk"}),
        ("budi@contoh.co.id", {"X-Autoreply": "yes"}),
        ("MAILER-DAEMON@mx.contoh.co.id", {}),
        ("support@nusantaratelekomindo.co.id", {}),  # the desk's own acknowledgement, bounced back
        ("not an address", {}),
    ],
)
def test_machine_mail_and_mail_without_a_sender_are_ignored(sender: str, headers: dict[str, str]) -> None:
    record = inbound.email_ingest(mail(sender=sender, headers=headers))
    assert record.outcome == "ignored"
    assert record.reason
    assert not Ticket.objects.exists()


def test_mail_the_desk_refuses_is_recorded_as_such_and_not_tried_again(settings: Any) -> None:
    # A category the desk does not know (a misconfigured INBOUND_EMAIL_CATEGORY): ticket_create refuses.
    settings.HELPDESK = {**settings.HELPDESK, "INBOUND_EMAIL": {**settings.HELPDESK["INBOUND_EMAIL"]}}
    settings.HELPDESK["INBOUND_EMAIL"]["CATEGORY"] = "gossip"
    box = FakeMailbox([FakeMail("7", mail())])
    assert inbound.email_fetch(mailbox=box) == {"ignored": 1}
    assert box.seen == ["7"]
    record = InboundEmail.objects.get()
    assert (record.outcome, record.ticket) == ("ignored", None)
    assert record.reason == "Not recorded: The complaint cannot be recorded; see the messages for each field."
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [
        (b"\xff\xfe\x00not an email at all\x80\x81", "ignored"),
        (b"", "ignored"),
        (b"From: =?utf-8?q?Bu=FFdi?= <<a@@b>>\r\nSubject: hi\r\n\r\nbody", "ignored"),
        (b"From: a@b.co.id\r\nDate: yesterday-ish\r\nSubject: hi\r\n\r\nbody", "created"),
        (
            b"From: a@b.co.id\r\nSubject: =?x-unknown?B?SGVsbG8=?=\r\n"
            b"Content-Type: text/plain; charset=x-unknown\r\n\r\nHalo \xe9\xff",
            "created",
        ),
        (b"From: a@b.co.id\r\nSubject: hi\x00there\r\nMessage-ID: <x\x00y>\r\n\r\nbody\x00", "created"),
    ],
    ids=["garbage", "empty", "unreadable sender", "bad date", "unknown charset", "NUL in headers and body"],
)
def test_a_malformed_message_is_recorded_never_an_error(raw: bytes, outcome: str) -> None:
    record = inbound.email_ingest(raw)
    assert record.outcome == outcome
    assert InboundEmail.objects.get().pk == record.pk
    assert inbound.email_ingest(raw).pk == record.pk  # and once only


def test_html_only_mail_is_read_as_text_and_mail_without_message_id_is_still_handled_once() -> None:
    raw = mail(
        html="<html><style>p{color:red}</style><body><p>Tagihan &amp; paket</p><p>salah</p></body></html>",
        message_id=None,
    )
    record = inbound.email_ingest(raw)
    assert record.ticket is not None
    assert record.ticket.description == "Internet mati\n\nTagihan & paket\nsalah"
    assert record.message_id.startswith("sha256:")
    assert inbound.email_ingest(raw).pk == record.pk


def test_the_command_reads_files_and_standard_input(tmp_path: Any, monkeypatch: Any) -> None:
    path = tmp_path / "complaint.eml"
    path.write_bytes(mail())
    out = io.StringIO()
    call_command("email_ingest", str(path), stdout=out)
    number = Ticket.objects.get().number
    assert out.getvalue() == f"{path}: created {number}\n"

    class Stdin:
        buffer = io.BytesIO(mail(message_id="<m9@contoh.co.id>", headers={"Auto-Submitted": "auto-replied"}))

    monkeypatch.setattr("sys.stdin", Stdin)
    out = io.StringIO()
    call_command("email_ingest", stdout=out)
    assert out.getvalue() == "-: ignored - (Automatic message (Auto-Submitted: auto-replied).)\n"


class FakeMail:
    def __init__(self, uid: str, raw: bytes) -> None:
        import email

        self.uid = uid
        self.obj = email.message_from_bytes(raw)


class FakeMailbox:
    """The part of imap_tools' MailBox the poller uses."""

    def __init__(self, mails: list[FakeMail]) -> None:
        self.mails = mails
        self.seen: list[str] = []
        self.closed = False

    def __enter__(self) -> FakeMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def fetch(self, criteria: Any, *, mark_seen: bool, limit: int) -> list[FakeMail]:
        assert str(criteria) == "(UNSEEN)" and mark_seen is False
        return [m for m in self.mails if m.uid not in self.seen][:limit]

    def flag(self, uid: str, flag: str, value: bool) -> None:
        assert (flag, value) == ("\\Seen", True)
        self.seen.append(uid)


def test_the_poller_marks_read_what_it_handled_and_leaves_a_failure_unread(monkeypatch: Any) -> None:
    from django.core.files.storage import FileSystemStorage

    photo = (("foto.png", "image/png", PNG),)
    box = FakeMailbox(
        [
            FakeMail("1", mail(message_id="<a@x>")),
            FakeMail("2", mail(message_id="<b@x>", sender="other@contoh.co.id", attachments=photo)),
            FakeMail("3", mail(message_id="<c@x>", headers={"Auto-Submitted": "auto-replied"})),
        ]
    )

    def disk_full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    # The edge fails (the disk, while saving message 2's attachment): its ticket is not kept either.
    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    assert inbound.email_fetch(mailbox=box) == {"created": 1, "failed": 1, "ignored": 1}
    assert box.seen == ["1", "3"] and box.closed
    assert not InboundEmail.objects.filter(message_id="<b@x>").exists()  # tried again next time
    assert not Ticket.objects.filter(contact_email="other@contoh.co.id").exists()

    monkeypatch.undo()
    assert inbound.email_fetch(mailbox=FakeMailbox(box.mails)) == {"created": 2, "ignored": 1}
    assert Ticket.objects.count() == 2  # the first message was not handled twice
    assert Attachment.objects.filter(ticket__contact_email="other@contoh.co.id").count() == 1


def test_without_a_mailbox_configured_the_periodic_job_connects_to_nothing(monkeypatch: Any) -> None:
    import imap_tools

    from tickets.tasks import inbound_email_fetch

    def no_connection(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no mailbox is configured")

    monkeypatch.setattr(imap_tools, "MailBox", no_connection)
    assert inbound_email_fetch() == {}
    with pytest.raises(Exception, match="No mailbox configured"):
        call_command("email_fetch")


def test_verification_corrects_the_category_of_a_mail_so_dispatch_routes_it_right(
    staff: Staff, api: Any
) -> None:
    ticket = inbound.email_ingest(mail(subject="Tagihan ganda", text="Saya ditagih dua kali.")).ticket
    assert ticket is not None and ticket.category == "network"  # INBOUND_EMAIL["CATEGORY"]
    checks = {"classification": "minor", "service_status_checked": True, "billing_checked": True}

    refused = api(staff.support).post(
        f"/api/tickets/{ticket.number}/verify/", {**checks, "category": "gossip"}, format="json"
    )
    assert refused.status_code == 400
    assert "category" in refused.json()["fields"]

    done = api(staff.support).post(
        f"/api/tickets/{ticket.number}/verify/", {**checks, "category": "billing"}, format="json"
    )
    assert done.status_code == 200, done.json()
    assert done.json()["category"] == "billing"
    ticket = services.ticket_act(
        ticket=Ticket.objects.get(pk=ticket.pk), actor=staff.supervisor, action="dispatch", data={}
    ).ticket
    assert ticket.team is not None and ticket.team.name == "Billing & Account"
    # The history says who changed the category.
    from tickets.selectors import ticket_history

    changed = [entry for entry in ticket_history(ticket=ticket) if "category" in entry.changes]
    assert [(e.changes["category"]["before"], e.changes["category"]["after"]) for e in changed][-1] == (
        "network",
        "billing",
    )


def test_a_mail_longer_than_the_desk_keeps_is_cut_short_not_refused(staff: Staff, settings: Any) -> None:
    limit = settings.HELPDESK["DESCRIPTION_MAX_LENGTH"]
    record = inbound.email_ingest(mail(subject="Panjang", text="kata " * limit))
    assert record.ticket is not None
    assert len(record.ticket.description) == limit
    assert record.ticket.description.startswith("Panjang\n\nkata kata")
    assert record.ticket.description.endswith("…")

    sender = record.ticket.contact_email
    reply = inbound.email_ingest(
        mail(sender=sender, subject=f"Re: {record.ticket.number}", text="x" * 20_000, message_id="<long@x>")
    )
    assert reply.outcome == "threaded"
    body = TicketMessage.objects.get(ticket=record.ticket, kind=MessageKind.CUSTOMER).body
    assert len(body) == settings.HELPDESK["MESSAGE_MAX_LENGTH"] and body.endswith("…")


def test_a_mailbox_that_cannot_be_reached_is_a_clear_command_error(settings: Any) -> None:
    settings.HELPDESK = {**settings.HELPDESK, "INBOUND_EMAIL": {**settings.HELPDESK["INBOUND_EMAIL"]}}
    settings.HELPDESK["INBOUND_EMAIL"].update(IMAP_HOST="127.0.0.1", IMAP_PORT=1)  # nothing listens there
    with pytest.raises(CommandError, match=r"^Could not read the mailbox: "):
        call_command("email_fetch")
