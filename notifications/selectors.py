"""Reads of the notifications module: a person's inbox, rendered in their language and zone."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from helpdesk.lib.keyset import capped_count
from notifications.models import IS_READ, Notification, NotificationChannel
from notifications.rendering import render_notification


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    subject: str
    body: str


def inbox_for(*, user: AbstractBaseUser, limit: int = 100, language: str | None = None) -> list[InboxItem]:
    """The person's in-app notifications, unread first, newest first, rendered when read: in `language`
    (the language of the page they read them on), else the one recorded when each was owed."""
    rows = (
        Notification.objects.filter(recipient_id=user.pk, channel=NotificationChannel.INBOX)
        .select_related("ticket")
        .alias(is_read=IS_READ)
        .order_by("is_read", "-created_at", "-id")[:limit]
    )
    items = []
    for row in rows:
        subject, body = render_notification(row, language=language)
        items.append(InboxItem(notification=row, subject=subject, body=body))
    return items


# The navigation's badge says "99+" beyond this.
UNREAD_SHOWN = 99


def inbox_unread_count(*, user: AbstractBaseUser) -> tuple[int, bool]:
    """How many of the person's inbox notifications are unread, counted up to UNREAD_SHOWN (the
    navigation's badge, on every page), and whether there are more."""
    unread = (
        Notification.objects.filter(recipient_id=user.pk, channel=NotificationChannel.INBOX)
        .alias(is_read=IS_READ)
        .filter(is_read=False)
    )
    return capped_count(unread, cap=UNREAD_SHOWN)
