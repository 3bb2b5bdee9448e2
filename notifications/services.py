"""Writes of the notifications module: owing a message (a row in the outbox, in the caller's
transaction), sending it after commit, and the inbox's read marks.

`notify_staff` and `notify_customer` are the one way the desk's services owe a message; both end in
`notifications.outbox.insert_sql`, as the sweeps' statements do. The channel a customer is reached on
is decided here (email today), so callers say *what* is owed, not *how* it travels."""

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

from notifications.models import Notification, NotificationChannel
from notifications.outbox import (
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
    emails = [pk for pk, channel in written if channel == NotificationChannel.EMAIL]
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


_CUSTOMER_SOURCE = """(
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(
        channel text, recipient_id bigint, email text, language text, time_zone text, template text,
        context jsonb, ticket_id bigint, dedupe_key text)
)"""


def customer_messages_owe(
    *, messages: Sequence[CustomerMessage], now: dt.datetime | None = None
) -> list[int]:
    """Owe customers these messages (each once per dedupe key), in one statement. Returns the ids of
    the rows written."""
    rows = [asdict(message) for message in messages if message.email]
    if not rows:
        return []
    return _owe(_CUSTOMER_SOURCE, {"rows": _json(rows), "now": now or timezone.now()})


def customer_language(ticket: Ticket) -> str:
    """The language a customer reads the desk's messages in: the portal's, Indonesian."""
    del ticket
    return "id"


def notify_customer(
    *, ticket: Ticket, template: str, context: dict[str, Any], dedupe_key: str, now: dt.datetime | None = None
) -> int | None:
    """Owe the customer a message about their ticket, on their channel (email today), in their language
    and with every time in the ticket's zone. Returns the row's id, or None when the customer cannot be
    reached or the message was owed already."""
    email = ticket.contact_email or ticket.customer.email
    if not email:
        return None
    message = CustomerMessage(
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        email=email,
        language=customer_language(ticket),
        time_zone=ticket.time_zone,
        ticket_id=ticket.pk,
    )
    written = customer_messages_owe(messages=[message], now=now)
    return written[0] if written else None


def notification_lease() -> dt.timedelta:
    """How long a worker's claim on an owed email holds before the row may be claimed again."""
    return dt.timedelta(seconds=settings.HELPDESK["NOTIFICATION_LEASE_SECONDS"])


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one owed email, at most once in practice: the row is claimed (committed) before the send
    and marked sent right after; a claim older than the lease means the worker died before sending, so
    the row may be claimed again. Returns True if this call sent it."""
    from django.core.mail import EmailMultiAlternatives

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
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        to=[notification.email],
        # A stable Message-ID lets a mail server drop the copy if a retry ever repeats a send.
        headers={"Message-ID": f"<notification-{notification.pk}@helpdesk.local>"},
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(claimed_at=None, last_error=str(exc)[:2000])
        raise
    sent = Notification.objects.filter(pk=notification.pk)
    if notification.template in SENSITIVE_TEMPLATES:
        # Sent: the outbox need not keep the secret any longer (a reset link works until used).
        sent.update(sent_at=timezone.now(), context={})
    else:
        sent.update(sent_at=timezone.now())
    return True


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
            channel=NotificationChannel.EMAIL,
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
