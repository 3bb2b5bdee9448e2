"""Writes of the escalation module: raising escalations, acknowledging them, and the notification
outbox (rows written in the caller's transaction, sent by Celery after commit)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation.models import Escalation, Level, Notification, NotificationChannel, Reason
from helpdesk.lib.errors import Forbidden, NotAllowedNow
from helpdesk.lib.roles import Role, has_role
from tickets.models import Ticket

log = structlog.get_logger(__name__)

LEVEL_ROLE = {Level.SUPERVISOR: Role.SUPERVISOR, Level.MANAGER: Role.MANAGER, Level.DIRECTOR: Role.DIRECTOR}


def _recipients_for_level(level: int) -> list[Any]:
    User = get_user_model()
    role = LEVEL_ROLE[Level(level)]
    return list(User.objects.filter(is_active=True, groups__name=role.value).order_by("id").distinct())


def escalation_raise(
    *,
    ticket: Ticket,
    level: int,
    reason: str,
    at: dt.datetime,
    actor: AbstractBaseUser | None = None,
    note: str = "",
) -> Escalation | None:
    """Raise `ticket` to `level` for `reason`, once. Returns the new escalation, or None when this
    (ticket, level, reason) was already recorded — by this call's twin in another process, too: the
    insert is `ON CONFLICT DO NOTHING` against the unique constraint, so concurrent watchers cannot
    both win. The people of that level are notified by email and in their inbox, after commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO escalation_escalation (ticket_id, level, reason, note, raised_at, raised_by_id)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (ticket_id, level, reason) DO NOTHING
            RETURNING id
            """,
            [ticket.pk, level, reason, note, at, getattr(actor, "pk", None)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    escalation = Escalation.objects.get(pk=row[0])
    Ticket.objects.filter(pk=ticket.pk, escalation_level__lt=level).update(escalation_level=level)
    ticket.escalation_level = max(ticket.escalation_level, level)
    recipients = _recipients_for_level(level)
    escalation.notified.set(recipients)
    notify_staff(
        users=recipients,
        template="escalation_raised",
        ticket=ticket,
        context={
            "number": ticket.number,
            "level": level,
            "reason": reason,
            "note": note,
            "escalation_id": escalation.pk,
        },
        dedupe_key=f"escalation:{escalation.pk}",
    )
    log.info("escalation_raised", ticket=ticket.number, level=level, reason=reason)
    return escalation


def escalation_manual(
    *, ticket: Ticket, level: int, note: str, actor: AbstractBaseUser, at: dt.datetime
) -> Escalation:
    """Staff escalate directly (e.g. to the director for a strategic case or a high-value customer)."""
    escalation = escalation_raise(
        ticket=ticket, level=level, reason=Reason.MANUAL, at=at, actor=actor, note=note
    )
    if escalation is None:
        raise NotAllowedNow(
            _("This ticket has already been escalated to level %(level)s by staff.") % {"level": level},
            code="already_escalated",
        )
    return escalation


def escalation_for_rejection(*, ticket: Ticket, at: dt.datetime, note: str = "") -> Escalation | None:
    """Dissatisfaction (SPEC §7): the first rejected fix asks for a supervisor review, the second and
    later go to the manager."""
    level = Level.SUPERVISOR if ticket.rejection_count <= 1 else Level.MANAGER
    return escalation_raise(ticket=ticket, level=level, reason=Reason.DISSATISFACTION, at=at, note=note)


def escalation_for_public_exposure(*, ticket: Ticket, at: dt.datetime) -> Escalation | None:
    """A complaint made in public (social media) notifies the manager on arrival (SPEC §7)."""
    return escalation_raise(ticket=ticket, level=Level.MANAGER, reason=Reason.PUBLIC_EXPOSURE, at=at)


def escalation_acknowledge(*, escalation_id: int, actor: AbstractBaseUser, at: dt.datetime) -> Escalation:
    """The person at the escalation's level takes it: recorded once, with who and when."""
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        role = LEVEL_ROLE[Level(escalation.level)]
        if not has_role(actor, role) and not getattr(actor, "is_superuser", False):
            raise Forbidden(
                _("Only a %(role)s can acknowledge a level %(level)s escalation.")
                % {"role": role.value, "level": escalation.level}
            )
        if escalation.acknowledged_at is not None:
            raise NotAllowedNow(_("This escalation was already acknowledged."), code="already_acknowledged")
        escalation.acknowledged_at = at
        escalation.acknowledged_by = actor  # type: ignore[assignment]
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return escalation


# --- Notifications: the outbox ------------------------------------------------------------------------


# After a failed publish, this process stops trying the broker for a while: each attempt can cost the
# broker's connection timeout, and a request must not wait for that once per email. The rows wait in the
# database meanwhile; beat's flush (escalation.tasks.notifications_flush) sends them.
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0


def _enqueue_after_commit(ids: Sequence[int]) -> None:
    if not ids:
        return

    def enqueue() -> None:
        global _broker_down_until
        from escalation.tasks import notification_send

        if time.monotonic() < _broker_down_until:
            log.info("notification_enqueue_skipped_broker_down", count=len(ids))
            return
        for notification_id in ids:
            try:
                notification_send.delay(notification_id)
            except Exception:  # the broker is away: the row waits; beat's sweep sends it later
                _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                log.warning("notification_enqueue_failed", notification_id=notification_id)
                return

    transaction.on_commit(enqueue)


def notify_staff(
    *,
    users: Iterable[Any],
    template: str,
    ticket: Ticket | None,
    context: dict[str, Any],
    dedupe_key: str,
    channels: Sequence[str] = (NotificationChannel.EMAIL, NotificationChannel.INBOX),
) -> int:
    """Owe each user a message (email and inbox by default). `dedupe_key` makes it once-only."""
    rows = [
        Notification(
            channel=channel,
            recipient=user,
            email=user.email if channel == NotificationChannel.EMAIL else "",
            # Staff have no language of their own: the floor works in the desk's (as the watcher's SQL).
            language=settings.LANGUAGE_CODE,
            template=template,
            context=context,
            ticket=ticket,
            dedupe_key=f"{dedupe_key}:{user.pk}:{channel}",
            # The inbox is the database itself: nothing to send.
            sent_at=timezone.now() if channel == NotificationChannel.INBOX else None,
        )
        for user in users
        for channel in channels
        if channel == NotificationChannel.INBOX or user.email
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves primary keys unset: find the email rows still owed by their keys.
    keys = [row.dedupe_key for row in rows if row.channel == NotificationChannel.EMAIL]
    owed = list(
        Notification.objects.filter(dedupe_key__in=keys, sent_at__isnull=True).values_list("id", flat=True)
    )
    _enqueue_after_commit(owed)
    return len(rows)


def notify_customer(
    *, ticket: Ticket, template: str, context: dict[str, Any], dedupe_key: str
) -> Notification | None:
    """Owe the customer an email about their ticket (in Indonesian, the portal's language)."""
    email = ticket.contact_email or ticket.customer.email
    if not email:
        return None
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "channel": NotificationChannel.EMAIL,
            "email": email,
            "language": "id",
            "template": template,
            "context": context,
            "ticket": ticket,
        },
    )
    if created:
        _enqueue_after_commit([notification.pk])
    return notification


def notification_lease() -> dt.timedelta:
    """How long a worker's claim on an owed email holds before the row may be claimed again."""
    return dt.timedelta(seconds=settings.HELPDESK["NOTIFICATION_LEASE_SECONDS"])


def notification_deliver(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Send one owed email, at most once in practice: the row is claimed (committed) before the send
    and marked sent right after; a claim older than the lease means the worker died before sending, so
    the row may be claimed again. Returns True if this call sent it."""
    from django.core.mail import EmailMultiAlternatives

    from escalation.rendering import render_notification

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
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
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
