"""Inbound email (SPEC §3): mail to the complaints address becomes a ticket, and a customer's reply
threads into the ticket it answers.

`email_ingest` takes one message as bytes (from the IMAP poller `email_fetch`, or `manage.py
email_ingest` for an MTA pipe or saved .eml files) and records what became of it in `InboundEmail`,
keyed by Message-ID, so the same message read twice does nothing the second time.

- A reply: the subject names a ticket number (as every email the desk sends does), the ticket is not
  closed and the sender is that ticket's customer or contact. Its new text (the quoted history cut off)
  becomes the customer's message on the ticket (`ticket_customer_message`). A number with any other
  sender proves nothing: the mail is a new complaint, and nobody learns whose ticket that is.
- Anything else from a person: a new ticket on the channel "email", the customer found by address (or
  created), the subject and text as description, the attachments the desk accepts attached.
- Automatic mail (out-of-office replies, bounces, lists; RFC 3834's Auto-Submitted and the usual
  headers) is ignored, or the desk's own acknowledgements would bounce back as complaints for ever.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from helpdesk.lib import ticket_numbers
from helpdesk.lib.contact import normalise_email
from helpdesk.lib.errors import DomainError
from tickets import services
from tickets.models import Channel, InboundEmail, InboundOutcome, Stage, Ticket

log = structlog.get_logger(__name__)

# A ticket number as the desk writes it (K7QM-4X2A); its check character rules out chance words.
NUMBER_IN_TEXT = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4})\b", re.IGNORECASE)

# Where the quoted history of a reply starts: the line mail programs put above it (English and
# Indonesian), Outlook's separator and header block, or the first line quoted with ">".
QUOTE_START = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote:"
    r"|Pada\b.{0,300}\bmenulis:"
    r"|-{2,}\s*(?:Original Message|Pesan Asli)\s*-{2,}"
    r"|(?:From|Dari):\s.+"
    r"|>.*"
    r")\s*$",
    re.IGNORECASE,
)

# Senders that are machines, whatever their headers say.
MACHINE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)


@dataclass
class Message:
    """What the desk reads from one email."""

    message_id: str
    sender: str  # normalised address, "" if none could be read
    name: str
    subject: str
    sent_at: dt.datetime | None
    text: str
    automatic: str = ""  # why it is machine mail, "" for a person's
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def parse(raw: bytes) -> Message:
    """Read the parts of an email the desk uses. Never raises on a malformed message."""
    # policy.default makes EmailMessage objects (get_body, iter_attachments).
    message = cast(EmailMessage, BytesParser(policy=email.policy.default).parsebytes(raw))
    message_id = _one_line(message.get("Message-ID", ""), 255)
    if not message_id:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    name, address = email.utils.parseaddr(str(message.get("From", "")))
    try:
        sender = normalise_email(address) if address else ""
    except ValidationError:
        sender = ""
    subject = _one_line(message.get("Subject", ""), 255)
    try:
        sent_at = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        sent_at = None
    if sent_at is not None and timezone.is_naive(sent_at):
        sent_at = None
    return Message(
        message_id=message_id,
        sender=sender,
        name=_one_line(name, 200),
        subject=subject,
        sent_at=sent_at,
        text=_body_text(message),
        automatic=_automatic(message, sender),
        attachments=_attachments(message),
    )


def _one_line(value: object, limit: int) -> str:
    """A header as one line of text PostgreSQL accepts (a NUL in it is refused), at most `limit` long."""
    return " ".join(str(value).replace("\x00", " ").split())[:limit]


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except Exception:  # an unknown charset, a broken encoding, a part no content manager reads
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if body.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", content)
        content = html.unescape(strip_tags(content))
    lines = [" ".join(line.split()) for line in content.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip().replace("\x00", "")


def _automatic(message: EmailMessage, sender: str) -> str:
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "Auto-Submitted: " + auto_submitted[:40]
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return "Precedence: " + precedence
    for header in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if message.get(header) is not None:
            return header
    if message.get_content_type() == "multipart/report":
        return _("a delivery report")
    if sender and MACHINE_SENDERS.match(sender):
        return _("sent by a machine")
    if sender and sender == email.utils.parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1].lower():
        return _("the desk's own address")
    return ""


def _attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    found = []
    for part in message.iter_attachments():
        name = _one_line(part.get_filename() or "", 200)
        payload = part.get_payload(decode=True)
        if name and isinstance(payload, bytes):
            found.append((name, part.get_content_type(), payload))
    return found


def new_text_of_reply(text: str) -> str:
    """The reply's own words: everything above the quoted history (the whole text if that is all)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if QUOTE_START.match(line):
            own = "\n".join(lines[:index]).strip()
            return own or text
    return text


def _replied_ticket(message: Message) -> tuple[Ticket | None, Ticket | None]:
    """(the ticket this mail answers, a closed ticket of the sender's it names)."""
    closed = None
    for candidate in NUMBER_IN_TEXT.findall(message.subject):
        number = ticket_numbers.normalise(candidate)
        ticket = Ticket.objects.select_related("customer").filter(number=number).first() if number else None
        if ticket is None or message.sender not in (ticket.contact_email, ticket.customer.email):
            continue
        if ticket.stage == Stage.CLOSED:
            closed = closed or ticket
            continue
        return ticket, None
    return None, closed


def email_ingest(raw: bytes, *, now: dt.datetime | None = None) -> InboundEmail:
    """Handle one inbound email once (see the module's docstring); returns its record."""
    now = now or timezone.now()
    message = parse(raw)
    done = InboundEmail.objects.filter(message_id=message.message_id).first()
    if done is not None:
        return done
    record = InboundEmail(
        message_id=message.message_id,
        sender=message.sender,
        subject=message.subject,
        received_at=now,
        outcome=InboundOutcome.IGNORED,
    )
    try:
        with transaction.atomic():
            _handle(message, record, now)
            record.save()
    except IntegrityError:
        # Another poller handled the same message at the same moment: its record stands.
        return InboundEmail.objects.get(message_id=message.message_id)
    except DomainError as refusal:
        # The desk refused what the mail asked (its ticket closed meanwhile, a field it cannot accept):
        # recorded as such, so that the message is not tried again every minute for ever.
        record.outcome, record.ticket = InboundOutcome.IGNORED, None
        record.reason = (_("Not recorded: %(why)s") % {"why": refusal.message})[:200]
        record.save()
    log.info("inbound_email", outcome=record.outcome, ticket=getattr(record.ticket, "number", None))
    return record


def _handle(message: Message, record: InboundEmail, now: dt.datetime) -> None:
    if message.automatic:
        record.reason = _("Automatic message (%(why)s).") % {"why": message.automatic}
        return
    if not message.sender:
        record.reason = _("No sender address to answer.")
        return
    if not (message.text or message.subject):
        record.reason = _("Nothing written in it.")
        return
    ticket, closed = _replied_ticket(message)
    if ticket is not None:
        # A mail is taken whole, not refused for its length: what passes the desk's limit is cut short.
        body = Truncator(new_text_of_reply(message.text) or message.subject).chars(
            settings.HELPDESK["MESSAGE_MAX_LENGTH"]
        )
        services.ticket_customer_message(ticket=ticket, body=body, now=now)
        record.outcome, record.ticket = InboundOutcome.THREADED, ticket
        record.reason = _attach(ticket, message)
        return
    record.ticket = _new_ticket(message, closed, now)
    record.outcome = InboundOutcome.CREATED
    record.reason = _attach(record.ticket, message)


def _new_ticket(message: Message, closed: Ticket | None, now: dt.datetime) -> Ticket:
    customer, _created, _holder = services.customer_find_or_create(
        name=message.name or message.sender.split("@")[0], email=message.sender
    )
    parts = [message.subject, message.text]
    if closed is not None:
        parts.insert(0, _("(About closed ticket %(number)s.)") % {"number": closed.number})
    description = Truncator("\n\n".join(part for part in parts if part)).chars(
        settings.HELPDESK["DESCRIPTION_MAX_LENGTH"]
    )
    sent = message.sent_at
    incident_at = sent if sent is not None and sent <= now else now
    return services.ticket_create(
        actor=None,
        customer=customer,
        category=settings.HELPDESK["INBOUND_EMAIL"]["CATEGORY"],
        channel=Channel.EMAIL,
        description=description,
        incident_at=incident_at,
        contact_email=message.sender,
        via=services.Via.EMAIL,
        now=now,
    )


def _attach(ticket: Ticket, message: Message) -> str:
    """Attach what the desk accepts; say what it refused (kept in the record's reason)."""
    refused = []
    for name, content_type, payload in message.attachments:
        upload = SimpleUploadedFile(name, payload, content_type=content_type)
        try:
            services.attachment_add(ticket=ticket, actor=None, upload=upload, is_public=True)
        except DomainError:
            refused.append(name)
    if not refused:
        return ""
    return (_("Attachments not accepted: %(names)s.") % {"names": ", ".join(refused)})[:200]


def email_fetch(*, mailbox: Any = None) -> dict[str, int]:
    """Read the unread mail of the complaints mailbox (settings.HELPDESK["INBOUND_EMAIL"]), at most BATCH
    messages: each is ingested, then flagged read. A message that fails stays unread and is tried again
    on the next run (a message already handled is recognised by its Message-ID). `mailbox`: an
    imap_tools mailbox already logged in (tests); by default one is opened from the settings. Returns
    how many messages ended how; nothing when no mailbox is configured."""
    from imap_tools import AND, MailBox, MailMessageFlags

    config = settings.HELPDESK["INBOUND_EMAIL"]
    if mailbox is None:
        if not config["IMAP_HOST"]:
            return {}
        mailbox = MailBox(
            config["IMAP_HOST"], port=config["IMAP_PORT"], timeout=config["IMAP_TIMEOUT"]
        ).login(config["IMAP_USER"], config["IMAP_PASSWORD"], initial_folder=config["IMAP_FOLDER"])
    counts: dict[str, int] = {}
    with mailbox:
        for mail in mailbox.fetch(AND(seen=False), mark_seen=False, limit=config["BATCH"]):
            try:
                outcome = email_ingest(mail.obj.as_bytes()).outcome
            except Exception:  # one bad message must not stop the others; it stays unread
                log.exception("inbound_email_failed", uid=mail.uid)
                outcome = "failed"
            else:
                mailbox.flag(mail.uid, MailMessageFlags.SEEN, True)
            counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        log.info("inbound_email_fetch", **counts)
    return counts
