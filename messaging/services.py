"""Writes of the messaging channels: a customer's message recorded once and turned into a complaint or
threaded into their open ticket (as inbound email is, tickets.inbound), its photo fetched by the
worker, and the statuses of what the desk sent passed to the outbox."""

from __future__ import annotations

import contextlib
import datetime as dt

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from helpdesk.lib.contact import normalise_phone
from helpdesk.lib.errors import DomainError
from messaging import providers
from messaging.models import InboundMessage, MediaStatus, Provider
from messaging.payloads import Incoming, StatusUpdate
from notifications import services as notifications
from tickets import services as tickets
from tickets.models import Channel, Customer, InboundOutcome, Stage, Ticket

log = structlog.get_logger(__name__)

# The ticket channel of each provider.
CHANNEL_OF = {
    Provider.WHATSAPP: Channel.WHATSAPP,
    Provider.INSTAGRAM: Channel.SOCIAL,
    Provider.FACEBOOK: Channel.SOCIAL,
    Provider.GENERIC: Channel.SOCIAL,
}

# File name extensions of the media types a photo or document comes in.
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "text/plain": ".txt"}


def _phone(incoming: Incoming) -> str:
    if not incoming.phone:
        return ""
    raw = incoming.phone if incoming.phone.startswith("+") else "+" + incoming.phone
    try:
        return normalise_phone(raw)
    except ValidationError:
        return ""


def inbound_receive(*, incoming: Incoming, now: dt.datetime | None = None) -> InboundMessage:
    """Record one customer message once (by the provider's id) and act on it: an echo or a machine's
    message is ignored; otherwise the sender (found by phone, email or handle, or created) has it added
    to their open ticket, or it becomes a new complaint — public exposure when it was posted in public
    (SPEC §7: the manager is told). A photo is fetched by the worker after commit. Returns the record."""
    now = now or timezone.now()
    done = InboundMessage.objects.filter(
        provider=incoming.provider, provider_message_id=incoming.message_id
    ).first()
    if done is not None:
        return done
    phone = _phone(incoming)
    record = InboundMessage(
        provider=incoming.provider,
        provider_message_id=incoming.message_id,
        sender=(phone or incoming.handle or incoming.email)[:120],
        sender_name=incoming.name[:200],
        text=incoming.text,
        is_public=incoming.is_public,
        media_id=incoming.media_id,
        media_type=incoming.media_type,
        received_at=now,
        outcome=InboundOutcome.IGNORED,
    )
    try:
        with transaction.atomic():
            # Written first: a second delivery of the same message waits here on the unique index and
            # then fails, while this one goes on to make the ticket.
            record.save()
            _handle(incoming, record, phone, now)
            record.save()
    except IntegrityError:
        return InboundMessage.objects.get(provider=incoming.provider, provider_message_id=incoming.message_id)
    except DomainError as refusal:
        # Recorded as refused (as tickets.inbound does), so that the message is not acted on again.
        record.pk, record.ticket, record.outcome = None, None, InboundOutcome.IGNORED
        record.media_status = MediaStatus.NONE
        record.reason = (_("Not recorded: %(why)s") % {"why": refusal.message})[:200]
        with contextlib.suppress(IntegrityError), transaction.atomic():
            record.save()
    if record.media_status == MediaStatus.PENDING:
        from messaging.tasks import messaging_media_fetch

        record_id = record.pk
        transaction.on_commit(lambda: _enqueue(messaging_media_fetch, record_id))
    log.info(
        "inbound_message",
        provider=record.provider,
        outcome=record.outcome,
        ticket=getattr(record.ticket, "number", None),
    )
    return record


def _enqueue(task: object, record_id: int) -> None:
    try:
        task.delay(record_id)  # type: ignore[attr-defined]
    except Exception:  # the broker is away: the record keeps its media pending, for an admin to see
        log.warning("inbound_media_enqueue_failed", record=record_id)


def _handle(incoming: Incoming, record: InboundMessage, phone: str, now: dt.datetime) -> None:
    if incoming.machine:
        record.reason = (_("Automatic message (%(why)s).") % {"why": incoming.machine})[:200]
        return
    if not (phone or incoming.handle or incoming.email):
        record.reason = _("No sender to answer.")
        return
    if not (incoming.text or incoming.media_id):
        record.reason = _("Nothing written in it.")
        return
    channel = CHANNEL_OF[Provider(incoming.provider)]
    customer, _created, _holder = tickets.customer_find_or_create(
        name=incoming.name or phone or incoming.handle.split(":", 1)[-1] or incoming.email,
        phone=phone,
        email=incoming.email,
        handle="" if phone or incoming.email else incoming.handle,
        preferred_channel="whatsapp" if incoming.provider == Provider.WHATSAPP else "",
    )
    text = incoming.text or _("(a photo)")
    open_ticket = _open_ticket(customer)
    if open_ticket is not None:
        body = Truncator(text).chars(settings.HELPDESK["MESSAGE_MAX_LENGTH"])
        tickets.ticket_customer_message(ticket=open_ticket, body=body, channel=channel, now=now)
        record.outcome, record.ticket = InboundOutcome.THREADED, open_ticket
    else:
        sent = incoming.sent_at
        record.ticket = tickets.ticket_create(
            actor=None,
            customer=customer,
            category=settings.CHANNELS["CATEGORY"],
            channel=channel,
            description=Truncator(text).chars(settings.HELPDESK["DESCRIPTION_MAX_LENGTH"]),
            incident_at=sent if sent is not None and sent <= now else now,
            public_exposure=incoming.is_public,
            contact_phone=phone,
            contact_email=incoming.email,
            via=tickets.Via.MESSAGING,
            now=now,
        )
        record.outcome = InboundOutcome.CREATED
    if incoming.media_id:
        record.media_status = MediaStatus.PENDING


def _open_ticket(customer: Customer) -> Ticket | None:
    """The customer's most recent ticket that is not closed, which their new message is about."""
    return (
        Ticket.objects.filter(customer=customer)
        .exclude(stage=Stage.CLOSED)
        .select_related("customer")
        .order_by("-reported_at", "-id")
        .first()
    )


def inbound_media_attach(*, record_id: int) -> str:
    """The worker: download the record's media from the provider and attach it to its ticket within the
    desk's limits (size and type, tickets.services.attachment_add). Once: a record whose media is no
    longer pending is left alone. Returns the media's new status. A network failure is raised for the
    task to retry; a file too big or of a refused type is recorded as refused."""
    pending = InboundMessage.objects.filter(
        pk=record_id, media_status=MediaStatus.PENDING, ticket__isnull=False
    )

    def status_now() -> str:
        found = InboundMessage.objects.filter(pk=record_id).values_list("media_status", flat=True).first()
        return found or ""

    record = pending.first()
    if record is None:
        return status_now()
    # Downloaded outside any transaction (no row lock held while the provider takes its time); a second
    # worker that downloads too finds the record no longer pending below and attaches nothing.
    try:
        content, content_type = providers.whatsapp_media(
            record.media_id, max_bytes=settings.ATTACHMENT_MAX_BYTES
        )
    except providers.TooLarge:
        content, content_type = b"", ""
    name = f"{record.provider}-{record.pk}{EXTENSIONS.get(content_type or record.media_type, '')}"
    with transaction.atomic():
        record = pending.select_for_update(of=("self",)).select_related("ticket").first()
        if record is None or record.ticket is None:
            return status_now()
        try:
            if not content:
                raise DomainError(_("The file is larger than the desk accepts."))
            upload = SimpleUploadedFile(name, content, content_type=content_type)
            tickets.attachment_add(ticket=record.ticket, actor=None, upload=upload, is_public=True)
            record.media_status = MediaStatus.ATTACHED
        except DomainError as refusal:
            record.media_status = MediaStatus.REFUSED
            record.reason = (_("Attachment not accepted: %(why)s") % {"why": refusal.message})[:200]
        record.save(update_fields=["media_status", "reason"])
    return record.media_status


def statuses_record(*, statuses: list[StatusUpdate]) -> int:
    """Pass each provider status to the message the desk sent; returns how many it knew."""
    known = 0
    for status in statuses:
        notification = notifications.notification_status_record(
            provider_message_id=status.message_id, status=status.status, at=status.at, error=status.error
        )
        known += notification is not None
    return known


def last_inbound_at(*, provider: str, sender: str) -> dt.datetime | None:
    """When the sender last wrote on this channel (WhatsApp's 24-hour service window starts there)."""
    found = InboundMessage.objects.filter(provider=provider, sender=sender).aggregate(last=Max("received_at"))
    return found["last"]
