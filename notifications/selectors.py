"""Reads of the notifications module: a person's inbox, rendered in their language and zone."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F

from notifications.models import Notification, NotificationChannel
from notifications.rendering import render_notification


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    subject: str
    body: str


def inbox_for(*, user: AbstractBaseUser, limit: int = 100) -> list[InboxItem]:
    """The person's in-app notifications, unread first, newest first, rendered in their language."""
    rows = (
        Notification.objects.filter(recipient_id=user.pk, channel=NotificationChannel.INBOX)
        .select_related("ticket")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")[:limit]
    )
    items = []
    for row in rows:
        subject, body = render_notification(row)
        items.append(InboxItem(notification=row, subject=subject, body=body))
    return items


def inbox_unread_count(*, user: AbstractBaseUser) -> int:
    """How many of the person's inbox notifications are unread (the navigation's badge)."""
    return Notification.objects.filter(
        recipient_id=user.pk, channel=NotificationChannel.INBOX, read_at__isnull=True
    ).count()
