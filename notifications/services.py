"""Writes of the notifications module: owing a message (a row in the outbox, in the caller's
transaction), sending it after commit, and the inbox's read marks.

`notify_staff` and `notify_customer` are the one way the desk's services owe a message; both end in
`notifications.outbox.insert_sql`, as the sweeps' statements do. The channel a customer is reached on
is decided here (`customer_channel`: the one asked for, else the customer's preferred one, else the one
they came by, else email), so callers say *what* is owed, not *how* it travels.

Each channel the worker sends has a sender: email here, WhatsApp and SMS by the dotted paths of
settings.NOTIFICATION_SENDERS (messaging.senders), so that this app, low in the layers, imports no app
that speaks to a provider. A sender that the provider refuses raises `DeliveryRefused`: the message is
marked failed and owed again on the next channel of `FALLBACK` (WhatsApp, then SMS, then email), as it is
when a status webhook reports it failed (`notification_status_record`)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.models import DeliveryStatus, Notification, NotificationChannel
from notifications.outbox import (
    PHONE_CHANNELS,
    SENT_CHANNELS,
    STAFF_CHANNELS,
    insert_sql,
    staff_channels_sql,
    staff_language_sql,
    staff_time_zone_sql,
)

if TYPE_CHECKING:
    from tickets.models import Ticket

log = structlog.get_logger(__name__)

# Messages carrying a secret (a password-reset link): their context is emptied once they are sent.
SENSITIVE_TEMPLATES = frozenset({"password_reset"})

# Owed emails are handed to the worker in chunks of this many (one task each).
SEND_CHUNK = 200

# After a failed publish, this process stops trying the broker for a while: each attempt can cost the
# broker's connection timeout, and a request must not wait for that once per email. The rows wait in the
# database meanwhile; beat's flush (notifications.tasks.notifications_flush) sends them.
BROKER_BACKOFF_SECONDS = 30.0

# Where a customer's message goes when its channel fails: WhatsApp, then SMS, then email.
FALLBACK = {
    NotificationChannel.WHATSAPP.value: (NotificationChannel.SMS.value, NotificationChannel.EMAIL.value),
    NotificationChannel.SMS.value: (NotificationChannel.EMAIL.value,),
}

# A WhatsApp or SMS message the provider could not take this many times (timeouts, 5xx) is given up on
# that channel and falls back (an email keeps being retried: there is nothing after it).
PHONE_ATTEMPTS = 3

# How far each status goes: a late "delivered" never takes a message back from "read".
_STATUS_RANK = {"": 0, DeliveryStatus.SENT: 1, DeliveryStatus.DELIVERED: 2, DeliveryStatus.READ: 3}


class DeliveryRefused(Exception):
    """The provider refused the message for good (a bad number, a template it does not know): retrying
    the same channel cannot help, the next channel may."""


def channel_enabled(channel: str) -> bool:
    """Whether the desk can send on this channel: email always, WhatsApp and SMS once configured."""
    config = settings.CHANNELS
    if channel == NotificationChannel.WHATSAPP:
        return bool(config["WHATSAPP_TOKEN"] and config["WHATSAPP_PHONE_NUMBER_ID"])
    if channel == NotificationChannel.SMS:
        return bool(config["SMS_GATEWAY_URL"])
    return channel == NotificationChannel.EMAIL


class _Broker:
    """Whether this process has recently found the broker away (see BROKER_BACKOFF_SECONDS)."""

    down_until = 0.0

    @classmethod
    def reset(cls) -> None:
        cls.down_until = 0.0


broker = _Broker


def send_after_commit(ids: Sequence[int]) -> None:
    """After the caller's transaction commits, hand the owed emails `ids` to the worker. If the broker
    is away the rows simply wait: beat's flush sends them."""
    ids = list(ids)
    if not ids:
        return

    def enqueue() -> None:
        from notifications.tasks import notifications_send_many

        if time.monotonic() < broker.down_until:
            log.info("notification_enqueue_skipped_broker_down", count=len(ids))
            return
        for start in range(0, len(ids), SEND_CHUNK):
            try:
                notifications_send_many.delay(ids[start : start + SEND_CHUNK])
            except Exception:  # the broker is away: the rows wait; beat's flush sends them later
                broker.down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                log.warning("notification_enqueue_failed", owed=len(ids) - start)
                return

    transaction.on_commit(enqueue)


def _owe(source: str, params: dict[str, Any]) -> list[int]:
    """Run the outbox insert over `source`; the ids of the emails it owes are sent after commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH written AS ({insert_sql(source=source)}) SELECT id, channel FROM written",
            params,
        )
        written = cursor.fetchall()
    emails = [pk for pk, channel in written if channel in SENT_CHANNELS]
    send_after_commit(emails)
    return [pk for pk, _channel in written]


def _json(value: object) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def notify_staff(
    *,
    users: Iterable[AbstractBaseUser],
    template: str,
    ticket: Ticket | None,
    context: dict[str, Any],
    dedupe_key: str,
    channels: Sequence[str] = STAFF_CHANNELS,
    now: dt.datetime | None = None,
) -> int:
    """Owe each (active) user a message, by email and in their inbox unless `channels` says otherwise,
    once per person and channel (`dedupe_key` names the message). Returns how many rows were written."""
    user_ids = sorted({user.pk for user in users if user.pk is not None})
    if not user_ids:
        return 0
    source = f"""(
        SELECT ch.channel, u.id AS recipient_id, u.email,
               {staff_language_sql("u.id")} AS language, {staff_time_zone_sql("u.id")} AS time_zone,
               %(template)s AS template, %(context)s::jsonb AS context, %(ticket)s::bigint AS ticket_id,
               %(key)s AS dedupe_key
        FROM auth_user u {staff_channels_sql(channels)}
        WHERE u.id = ANY(%(users)s) AND u.is_active
    )"""
    params = {
        "template": template,
        "context": _json(context),
        "ticket": getattr(ticket, "pk", None),
        "key": dedupe_key,
        "users": user_ids,
        "now": now or timezone.now(),
    }
    return len(_owe(source, params))


@dataclass(frozen=True)
class CustomerMessage:
    """A message owed to a customer about a ticket (or, without one, about a survey)."""

    template: str
    context: dict[str, Any]
    dedupe_key: str
    email: str
    language: str
    time_zone: str
    ticket_id: int | None = None
    channel: str = NotificationChannel.EMAIL.value
    recipient_id: int | None = None
    phone: str = ""


_CUSTOMER_SOURCE = """(
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(
        channel text, recipient_id bigint, email text, language text, time_zone text, template text,
        context jsonb, ticket_id bigint, dedupe_key text, phone text)
)"""


def customer_messages_owe(
    *, messages: Sequence[CustomerMessage], now: dt.datetime | None = None
) -> list[int]:
    """Owe customers these messages (each once per dedupe key), in one statement. Returns the ids of
    the rows written."""
    rows = [asdict(message) for message in messages if message.email or message.phone]
    if not rows:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH written AS ({insert_sql(source=_CUSTOMER_SOURCE, with_phone=True)}) "
            "SELECT id, channel FROM written",
            {"rows": _json(rows), "now": now or timezone.now()},
        )
        written = [pk for pk, _channel in cursor.fetchall()]
    send_after_commit(written)
    return written


def customer_language(ticket: Ticket) -> str:
    """The language a customer reads the desk's messages in: the portal's, Indonesian."""
    del ticket
    return "id"


def customer_channel(ticket: Ticket, requested: str = "") -> str:
    """The channel the customer of `ticket` hears from the desk on: `requested` (the agent's choice),
    else the customer's preferred channel, else the channel of the complaint when it is one the desk
    sends on (WhatsApp, SMS), else email — each only if it is configured and the customer has the
    number or address for it. "" when the customer cannot be reached at all."""
    phone = ticket.contact_phone or ticket.customer.phone
    email = ticket.contact_email or ticket.customer.email
    candidates = [requested, ticket.customer.preferred_channel, ticket.channel, NotificationChannel.EMAIL]
    for channel in candidates:
        if channel in PHONE_CHANNELS and phone and channel_enabled(channel):
            return channel
        if channel == NotificationChannel.EMAIL and email:
            return channel
    return ""


def notify_customer(
    *,
    ticket: Ticket,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    channel: str = "",
    now: dt.datetime | None = None,
) -> int | None:
    """Owe the customer a message about their ticket, on their channel (`customer_channel`, `channel` if
    one is asked for), in their language and with every time in the ticket's zone. Returns the row's id,
    or None when the customer cannot be reached or the message was owed already."""
    channel = customer_channel(ticket, channel)
    if not channel:
        return None
    message = CustomerMessage(
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        email=ticket.contact_email or ticket.customer.email,
        phone=ticket.contact_phone or ticket.customer.phone,
        language=customer_language(ticket),
        time_zone=ticket.time_zone,
        ticket_id=ticket.pk,
        channel=channel,
    )
    written = customer_messages_owe(messages=[message], now=now)
    return written[0] if written else None


def notification_lease() -> dt.timedelta:
    """How long a worker's claim on an owed email holds before the row may be claimed again."""
    return dt.timedelta(seconds=settings.HELPDESK["NOTIFICATION_LEASE_SECONDS"])


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one owed message on its channel, at most once in practice: the row is claimed (committed)
    before the send and marked sent right after; a claim older than the lease means the worker died
    before sending, so the row may be claimed again. A refusal by the provider (or PHONE_ATTEMPTS
    failures) on WhatsApp or SMS marks the row failed and owes the message on the next channel; any
    other failure releases the claim and is raised for the task to retry. Returns True if this call
    sent it."""
    from notifications.rendering import render_notification

    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        if notification.claimed_at is not None and notification.claimed_at > now - notification_lease():
            return False
        notification.claimed_at = now
        notification.attempts += 1
        notification.save(update_fields=["claimed_at", "attempts"])
    subject, body = render_notification(notification)
    try:
        provider_id = _sender(notification.channel)(notification, subject, body)
    except DeliveryRefused as refusal:
        _failed(notification, str(refusal), at=timezone.now())
        return False
    except Exception as exc:
        if notification.channel in FALLBACK and notification.attempts >= PHONE_ATTEMPTS:
            _failed(notification, str(exc), at=timezone.now())
            return False
        Notification.objects.filter(pk=notification.pk).update(claimed_at=None, last_error=str(exc)[:2000])
        raise
    sent = timezone.now()
    # A message carrying a secret (a password-reset link) keeps it only until it is sent.
    forget: dict[str, Any] = {"context": {}} if notification.template in SENSITIVE_TEMPLATES else {}
    Notification.objects.filter(pk=notification.pk).update(
        sent_at=sent,
        provider_message_id=provider_id or None,
        delivery_status=DeliveryStatus.SENT,
        delivery_status_at=sent,
        **forget,
    )
    log.info("notification_sent", id=notification.pk, channel=notification.channel)
    return True


def _sender(channel: str) -> Any:
    """The function that sends a message on `channel`: (notification, subject, body) → provider id."""
    if channel == NotificationChannel.EMAIL:
        return _send_email
    return import_string(settings.NOTIFICATION_SENDERS[channel])


def _send_email(notification: Notification, subject: str, body: str) -> str:
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[notification.email],
        # A stable Message-ID lets a mail server drop the copy if a retry ever repeats a send.
        headers={"Message-ID": f"<notification-{notification.pk}@helpdesk.local>"},
    )
    message.send(fail_silently=False)
    return ""


def _failed(notification: Notification, reason: str, *, at: dt.datetime) -> int | None:
    """Mark the message failed on its channel (done: never retried there) and owe it on the next channel
    of FALLBACK the customer can be reached on. Returns the id of the row owed, if any."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=notification.sent_at or at,
            claimed_at=None,
            delivery_status=DeliveryStatus.FAILED,
            delivery_status_at=at,
            last_error=reason[:2000],
        )
        log.warning("notification_failed", id=notification.pk, channel=notification.channel)
        for channel in FALLBACK.get(notification.channel, ()):
            address = notification.email if channel == NotificationChannel.EMAIL else notification.phone
            if not address or not channel_enabled(channel):
                continue
            message = CustomerMessage(
                template=notification.template,
                context=notification.context,
                dedupe_key=f"{notification.dedupe_key or notification.pk}:fallback:{channel}",
                email=notification.email,
                phone=notification.phone,
                language=notification.language,
                time_zone=notification.time_zone,
                ticket_id=notification.ticket_id,
                channel=channel,
            )
            written = customer_messages_owe(messages=[message], now=at)
            return written[0] if written else None
    return None


def notification_status_record(
    *, provider_message_id: str, status: str, at: dt.datetime, error: str = ""
) -> Notification | None:
    """A provider's status webhook: the message it names moves on to `status` (sent, delivered, read —
    never backwards — or failed, which owes it on the next channel). Returns the notification, or None
    for a message the desk did not send (or a status it does not know)."""
    if status not in DeliveryStatus.values:
        return None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(provider_message_id=provider_message_id).first()
        )
        if notification is None or notification.delivery_status == DeliveryStatus.FAILED:
            return notification
        if status == DeliveryStatus.FAILED:
            _failed(notification, error or str(DeliveryStatus.FAILED.label), at=at)
        elif _STATUS_RANK[status] > _STATUS_RANK.get(notification.delivery_status, 0):
            notification.delivery_status, notification.delivery_status_at = status, at
            notification.save(update_fields=["delivery_status", "delivery_status_at"])
        notification.refresh_from_db()
    return notification


def notifications_owed(
    *, now: dt.datetime, older_than: dt.timedelta | None = None, limit: int = 500
) -> list[int]:
    """Email rows still owed (never enqueued because the broker was away, or whose worker died). Rows
    younger than `older_than` are left to the task enqueued with them."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.HELPDESK["NOTIFICATION_FLUSH_AFTER_SECONDS"])
    return list(
        Notification.objects.filter(
            sent_at__isnull=True,
            channel__in=SENT_CHANNELS,
            created_at__lte=now - older_than,
            attempts__lt=10,
        )
        .filter(models.Q(claimed_at__isnull=True) | models.Q(claimed_at__lte=now - notification_lease()))
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


def inbox_mark_read(*, user: AbstractBaseUser, notification_id: int | None, at: dt.datetime) -> int:
    """Mark one of the person's inbox notifications read (or all of them, with None); returns how many
    changed. Someone else's notification is simply not found: nothing changes."""
    queryset = Notification.objects.filter(
        recipient_id=user.pk, channel=NotificationChannel.INBOX, read_at__isnull=True
    )
    if notification_id is not None:
        queryset = queryset.filter(pk=notification_id)
    return queryset.update(read_at=at)
