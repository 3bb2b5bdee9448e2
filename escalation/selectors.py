"""Reads of the escalation pages: the queue of one level, the live board, the staff inbox. Each runs a
fixed number of queries however long the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Prefetch, QuerySet

from escalation.models import Escalation, Level, Notification, NotificationChannel
from escalation.queries import escalations_visible
from escalation.rendering import render_notification
from helpdesk.lib.roles import Role, roles_of
from sla.selectors import sla_state_q
from tickets.models import SlaState, Stage, Ticket
from tickets.selectors import ticket_list

LEVEL_OF_ROLE = {
    Role.SUPERVISOR: Level.SUPERVISOR,
    Role.MANAGER: Level.MANAGER,
    Role.DIRECTOR: Level.DIRECTOR,
}
BOARD_LIMIT = 200


def can_see_escalations(user: Any) -> bool:
    return bool(roles_of(user) & set(LEVEL_OF_ROLE)) or bool(getattr(user, "is_superuser", False))


def default_level(user: Any) -> int:
    """The viewer's own level: the lowest their roles give (a supervisor starts at level 1)."""
    levels = [LEVEL_OF_ROLE[role] for role in roles_of(user) if role in LEVEL_OF_ROLE]
    return int(min(levels)) if levels else int(Level.SUPERVISOR)


def escalation_queue(
    *, viewer: AbstractBaseUser, level: int, show_acknowledged: bool | None, now: dt.datetime
) -> QuerySet[Escalation]:
    """The escalations of one level: open ones oldest first (or acknowledged ones, newest first), with
    the ticket carrying its SLA states as of `now`."""
    queryset = escalations_visible(viewer=viewer).filter(level=level)
    if show_acknowledged is None:  # both (one row after an acknowledgement)
        queryset = queryset.order_by("raised_at", "id")
    elif show_acknowledged:
        queryset = queryset.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-id")
    else:
        queryset = queryset.filter(acknowledged_at__isnull=True).order_by("raised_at", "id")
    # The ticket once more, annotated the way the badges need it (one query for the whole page).
    return (
        queryset.select_related(None)
        .select_related("raised_by", "acknowledged_by")
        .prefetch_related(Prefetch("ticket", queryset=ticket_list(viewer=viewer, now=now)), "notified")
    )


def open_counts(*, viewer: AbstractBaseUser) -> dict[int, int]:
    rows = (
        escalations_visible(viewer=viewer)
        .filter(acknowledged_at__isnull=True)
        .order_by()
        .values("level")
        .annotate(count=Count("id"))
    )
    counts = {int(level): 0 for level in Level.values}
    counts.update({row["level"]: row["count"] for row in rows})
    return counts


@dataclass(frozen=True)
class BoardColumn:
    tickets: list[Ticket]
    total: int


def live_board(*, viewer: AbstractBaseUser, now: dt.datetime) -> dict[str, BoardColumn]:
    """Open tickets whose response or resolution clock is breached, and those at risk, by due time."""
    base = ticket_list(viewer=viewer, now=now).exclude(stage=Stage.CLOSED)
    breached = base.filter(sla_state_q(SlaState.BREACHED, now))
    at_risk = base.filter(sla_state_q(SlaState.AT_RISK, now))
    columns = {}
    for name, queryset in (("breached", breached), ("at_risk", at_risk)):
        ordered = queryset.order_by(F("first_response_due").asc(nulls_last=True), "resolution_due", "id")
        columns[name] = BoardColumn(tickets=list(ordered[:BOARD_LIMIT]), total=queryset.count())
    return columns


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    subject: str
    body: str


def inbox_for(*, user: AbstractBaseUser, limit: int = 100) -> list[InboxItem]:
    """The person's in-app notifications, unread first, newest first, rendered in their language."""
    rows = (
        Notification.objects.filter(recipient=user, channel=NotificationChannel.INBOX)
        .select_related("ticket")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")[:limit]
    )
    items = []
    for row in rows:
        subject, body = render_notification(row)
        items.append(InboxItem(notification=row, subject=subject, body=body))
    return items
