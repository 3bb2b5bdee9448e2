"""Reads of the tickets module: what a viewer may see, prefetched so that lists run a fixed number of
queries, and the history of a ticket as who/when/what/before/after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from helpdesk.lib import ticket_numbers
from helpdesk.lib.contact import contact_matches
from helpdesk.lib.errors import NotFound
from helpdesk.lib.roles import Role, roles_of
from sla.selectors import annotate_sla_states
from tickets.models import HISTORY_FIELDS, PUBLIC_MESSAGE_KINDS, Team, Ticket, TicketMessage

# Roles that see every ticket; a technician sees the tickets of their teams and those assigned to them.
ALL_TICKETS_ROLES = frozenset(
    {Role.AGENT, Role.SUPPORT, Role.SUPERVISOR, Role.MANAGER, Role.DIRECTOR, Role.ANALYST}
)


def visible_tickets(*, viewer: AbstractBaseUser) -> QuerySet[Ticket]:
    """Every ticket the viewer may see, unannotated (for existence checks and counts)."""
    queryset = Ticket.objects.all()
    if getattr(viewer, "is_superuser", False) or roles_of(viewer) & ALL_TICKETS_ROLES:
        return queryset
    if Role.TECHNICIAN in roles_of(viewer):
        teams = Team.objects.filter(members=viewer).values("id")
        return queryset.filter(Q(team__in=teams) | Q(assignee=viewer))
    return queryset.none()


def ticket_list(*, viewer: AbstractBaseUser, now: dt.datetime) -> QuerySet[Ticket]:
    """The tickets a viewer may see, with what a list shows joined in and the SLA states as of `now`."""
    queryset = visible_tickets(viewer=viewer).select_related(
        "customer", "customer__region", "service", "service__region", "team", "assignee"
    )
    return annotate_sla_states(queryset, now)


def ticket_get(*, viewer: AbstractBaseUser, number: str, now: dt.datetime) -> Ticket:
    """One ticket by its number (typed any way Crockford allows), if the viewer may see it; else 404."""
    normalised = ticket_numbers.normalise(number)
    ticket = ticket_list(viewer=viewer, now=now).filter(number=normalised).first() if normalised else None
    if ticket is None:
        raise NotFound(_("No ticket with this number."))
    return ticket


def ticket_messages(*, ticket: Ticket, include_internal: bool) -> QuerySet[TicketMessage]:
    queryset = ticket.messages.select_related("author").prefetch_related("attachments")
    if not include_internal:
        queryset = queryset.filter(kind__in=PUBLIC_MESSAGE_KINDS)
    return queryset.order_by("created_at", "id")


@dataclass
class HistoryEntry:
    """One row of a ticket's history: who did what when, and each field's value before and after."""

    id: int
    at: dt.datetime
    event: str
    action: str | None
    actor_id: int | None
    actor: str | None
    via: str | None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def ticket_history(*, ticket: Ticket) -> list[HistoryEntry]:
    """The append-only history (database trigger rows) of one ticket, oldest first."""
    history_model = apps.get_model("tickets", "TicketHistory")
    rows = history_model.objects.filter(pgh_obj_id=ticket.pk).select_related("pgh_context").order_by("pgh_id")
    entries: list[HistoryEntry] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        snapshot = {
            name: getattr(row, history_model._meta.get_field(name).attname) for name in HISTORY_FIELDS
        }
        changes: dict[str, dict[str, Any]] = {}
        if previous is None:
            changes = {
                name: {"before": None, "after": value}
                for name, value in snapshot.items()
                if value not in (None, "")
            }
        else:
            changes = {
                name: {"before": previous[name], "after": value}
                for name, value in snapshot.items()
                if previous[name] != value
            }
        metadata = row.pgh_context.metadata if row.pgh_context_id else {}
        entries.append(
            HistoryEntry(
                id=row.pgh_id,
                at=row.pgh_created_at,
                event=row.pgh_label,
                action=metadata.get("action"),
                actor_id=metadata.get("user"),
                actor=metadata.get("username"),
                via=metadata.get("via"),
                changes=changes,
            )
        )
        previous = snapshot
    return entries


# --- The public portal ----------------------------------------------------------------------------------


def portal_ticket(*, number: str, contact: str) -> Ticket:
    """The ticket with this number whose email or phone (on record, or given when filing) is `contact`.

    Raises the same NotFound for an unknown number and for a wrong contact, so the portal never tells
    a stranger that a number exists."""
    normalised = ticket_numbers.normalise(number or "")
    ticket = (
        Ticket.objects.select_related("customer", "service")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=TicketMessage.objects.filter(kind__in=PUBLIC_MESSAGE_KINDS).order_by(
                    "created_at", "id"
                ),
                to_attr="public_messages",
            )
        )
        .filter(number=normalised)
        .first()
        if normalised
        else None
    )
    matched = False
    if ticket is not None:
        matched = contact_matches(
            contact, email=ticket.customer.email, phone=ticket.customer.phone
        ) or contact_matches(contact, email=ticket.contact_email, phone=ticket.contact_phone)
    else:
        # Do the same normalising work for an unknown number, so timing tells nothing either.
        contact_matches(contact, email="", phone="")
    if ticket is None or not matched:
        raise NotFound(str(PORTAL_NOT_FOUND), code="not_found")
    return ticket


PORTAL_NOT_FOUND = _("No ticket matches this number and contact.")


# --- The staff console ------------------------------------------------------------------------------------

QUEUE_TABS = ("mine", "team", "unassigned", "all")


def queue_tickets(*, viewer: AbstractBaseUser, now: dt.datetime, tab: str) -> QuerySet[Ticket]:
    """The console queue of one tab: the viewer's tickets, their teams', the unassigned ones, or all they
    may see. Open tickets only unless a stage filter asks for closed ones (the FilterSet narrows further)."""
    queryset = ticket_list(viewer=viewer, now=now)
    if tab == "mine":
        queryset = queryset.filter(assignee=viewer)
    elif tab == "team":
        queryset = queryset.filter(team__in=Team.objects.filter(members=viewer).values("id"))
    elif tab == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    return queryset.order_by("resolution_due", "id")


@dataclass(frozen=True)
class TimelineItem:
    """A history row (`is_message` False) or a reply/note (`is_message` True) of a ticket's timeline."""

    at: dt.datetime
    is_message: bool
    item: Any


def ticket_page(
    *, viewer: AbstractBaseUser, number: str, now: dt.datetime
) -> tuple[Ticket, list[TimelineItem]]:
    """One ticket with its timeline: history rows, replies and notes merged by time (oldest first)."""
    ticket = ticket_get(viewer=viewer, number=number, now=now)
    timeline = [TimelineItem(entry.at, False, entry) for entry in ticket_history(ticket=ticket)]
    timeline += [
        TimelineItem(message.created_at, True, message)
        for message in ticket_messages(ticket=ticket, include_internal=True)
    ]
    timeline.sort(key=lambda entry: (entry.at, entry.is_message))
    return ticket, timeline


def customer_lookup(*, text: str, limit: int = 10) -> list[Any]:
    """Customers matching a name, email, phone or service reference, with their services (two queries)."""
    from tickets.filters import CustomerFilter
    from tickets.models import Customer, Service

    text = " ".join((text or "").split())[:100]
    if len(text) < 2:
        return []
    queryset = CustomerFilter({"search": text}, queryset=Customer.objects.select_related("region")).qs
    return list(
        queryset.order_by("name", "id").prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("reference"))
        )[:limit]
    )


def staff_choices() -> QuerySet[Any]:
    """People a ticket can be assigned to: active users holding a staff role."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[role.value for role in Role])
        .distinct()
        .order_by("username")
    )
