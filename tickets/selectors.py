"""Reads of the tickets module: what a viewer may see, prefetched so that lists run a fixed number of
queries, and the history of a ticket as who/when/what/before/after."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from helpdesk.lib import keyset, ticket_numbers
from helpdesk.lib.access import sees_every_ticket, ticket_visibility_q
from helpdesk.lib.contact import normalise_email, normalise_phone
from helpdesk.lib.errors import NotFound
from helpdesk.lib.fields import own_field
from helpdesk.lib.roles import Role, roles_of
from helpdesk.lib.sql import is_one_of
from sla.config import memoised
from sla.selectors import annotate_sla_states, clock_state, clock_state_q
from tickets.models import (
    HISTORY_FIELDS,
    NO_RUNNING_CLOCK,
    OPEN_STAGES,
    PUBLIC_MESSAGE_KINDS,
    RUNNING_SLA_STATES,
    SAVED_VIEWS_MAX,
    Attachment,
    Customer,
    Incident,
    IncidentUpdate,
    Macro,
    SavedQueueView,
    Service,
    SlaState,
    Stage,
    Team,
    Ticket,
    TicketMessage,
    TicketSearch,
)


def visible_tickets(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Ticket]:
    """Every ticket the viewer may see (helpdesk.lib.access), unannotated (for existence checks and
    counts). Someone signed out sees none (the API schema generator asks as nobody)."""
    return Ticket.objects.filter(ticket_visibility_q(viewer))


def visible_customers(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """The customers whose records the viewer may read: everyone for the roles that see every ticket;
    for a technician, the customers of the tickets they may see (what their work needs), no one else."""
    if sees_every_ticket(viewer):
        return Customer.objects.all()
    return Customer.objects.filter(pk__in=visible_tickets(viewer=viewer).values("customer_id"))


def visible_services(*, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Service]:
    """The service subscriptions the viewer may read: every one for the roles that see every ticket; for
    a technician, the services named by the tickets they may see."""
    if sees_every_ticket(viewer):
        return Service.objects.all()
    return Service.objects.filter(pk__in=visible_tickets(viewer=viewer).values("service_id"))


def ticket_list(*, viewer: AbstractBaseUser | AnonymousUser, now: dt.datetime) -> QuerySet[Ticket]:
    """The tickets a viewer may see, with what a list shows joined in and the SLA states as of `now`."""
    queryset = visible_tickets(viewer=viewer).select_related(
        "customer", "customer__region", "service", "service__region", "team", "assignee", "incident"
    )
    return annotate_sla_states(queryset, now)


def with_current_sla_states(ticket: Ticket, *, now: dt.datetime) -> Ticket:
    """The ticket with `current_response_sla` and `current_resolution_sla` as `ticket_list` annotates
    them, decided in memory by the SLA module's one rule (for a ticket just written)."""
    ticket.current_response_sla = clock_state(ticket, "response", now)  # type: ignore[attr-defined]
    ticket.current_resolution_sla = clock_state(ticket, "resolution", now)  # type: ignore[attr-defined]
    return ticket


def ticket_get(*, viewer: AbstractBaseUser | AnonymousUser, number: str, now: dt.datetime) -> Ticket:
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


def _contact_q(contact: str) -> Q:
    """The tickets whose email or phone (on record, or given when filing) is the typed `contact`. A
    contact that is neither a valid email nor a valid phone matches no ticket, through the same query."""
    text = (contact or "").strip()
    try:
        if "@" in text:
            email = normalise_email(text)
            return Q(customer__email=email) | Q(contact_email=email)
        phone = normalise_phone(text)
        return Q(customer__phone=phone) | Q(contact_phone=phone)
    except ValidationError:
        return Q(pk=0)  # no ticket has it; still one indexed read, as for any other contact


def portal_ticket(*, number: str, contact: str) -> Ticket:
    """The ticket with this number whose email or phone (on record, or given when filing) is `contact`.

    Raises the same NotFound for an unknown number and for a wrong contact, after the same work: the
    number and the contact are matched in one query, so a real number with a wrong contact costs what an
    unknown number costs (no read of the ticket, no prefetch of its messages) and the portal's timing
    never tells a stranger that a number exists."""
    normalised = ticket_numbers.normalise(number or "")
    contact_q = _contact_q(contact)
    ticket = (
        Ticket.objects.select_related("customer", "service")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=TicketMessage.objects.filter(kind__in=PUBLIC_MESSAGE_KINDS).order_by(
                    "created_at", "id"
                ),
                to_attr="public_messages",
            ),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(is_public=True).order_by("created_at", "id"),
                to_attr="public_attachments",
            ),
        )
        .filter(contact_q, number=normalised)
        .first()
        if normalised
        else None
    )
    if ticket is None:
        raise NotFound(str(PORTAL_NOT_FOUND), code="not_found")
    return ticket


PORTAL_NOT_FOUND = _("No ticket matches this number and contact.")
ATTACHMENT_NOT_FOUND = _("No such attachment on this ticket.")


def attachment_for_staff(
    *, viewer: AbstractBaseUser | AnonymousUser, number: str, attachment_id: int
) -> Attachment:
    """A file of a ticket the viewer may see (helpdesk.lib.access), internal ones included; the same
    NotFound for a ticket they may not see as for an unknown file, so a refusal tells nothing."""
    normalised = ticket_numbers.normalise(number or "")
    attachment = (
        Attachment.objects.filter(ticket_visibility_q(viewer, prefix="ticket__"))
        .filter(pk=attachment_id, ticket__number=normalised)
        .first()
        if normalised
        else None
    )
    if attachment is None:
        raise NotFound(str(ATTACHMENT_NOT_FOUND), code="not_found")
    return attachment


def attachment_for_customer(*, ticket: Ticket, attachment_id: int) -> Attachment:
    """A file the customer may open on their ticket's tracking page (the caller has checked their access
    to the ticket, as for the page): public files only, never staff's internal ones."""
    attachment = Attachment.objects.filter(ticket=ticket, pk=attachment_id, is_public=True).first()
    if attachment is None:
        raise NotFound(str(ATTACHMENT_NOT_FOUND), code="not_found")
    return attachment


# --- The staff console ------------------------------------------------------------------------------------
# Reads of the console pages (tickets.views). Each returns evaluated, prefetched data, so that a page runs a
# fixed number of queries however many rows or messages it shows.

QUEUE_TABS = ("mine", "team", "verify", "unassigned", "at_risk", "all")
# Roles that hold tickets themselves, so "My tickets" and "Unassigned" mean something to them.
WORKING_ROLES = frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR, Role.TECHNICIAN})
# Who verifies received complaints (SPEC §5 stage 2; the flow table gives `verify` to both).
VERIFYING_ROLES = frozenset({Role.SUPPORT, Role.SUPERVISOR})
SLA_CLOCKS = ("response", "resolution")
SEARCH_MAX = 100
# Fewer characters than this (spaces aside) find nothing: a name, email or word is matched by its
# trigrams, and one or two letters have none, so their search could only read every ticket and every
# customer (one letter: 4.3 s a request at 1,000,000 tickets). A ticket number is longer anyway.
SEARCH_MIN = 3
# The clock states the SLA watcher stores that make a ticket need someone now.
NEEDS_ATTENTION_STATES = (SlaState.AT_RISK.value, SlaState.BREACHED.value)


def queue_teams(*, viewer: AbstractBaseUser) -> list[Team]:
    """Every team (for the team filter), each marked `is_member` for the viewer: one query."""
    membership = Team.members.through.objects.filter(team_id=OuterRef("pk"), user_id=viewer.pk)
    return list(Team.objects.annotate(is_member=Exists(membership)).order_by("name"))


def queue_tabs(*, viewer: AbstractBaseUser, teams: list[Team]) -> tuple[list[str], str]:
    """The queue tabs this viewer gets, and the one each role lands on (where it works, SPEC §1, §5).

    Everyone has "All" (what they may see); people who hold tickets have "My tickets" and
    "Unassigned"; team members "My team"; support and supervisors "Awaiting verification";
    supervisors "Unassigned, at risk". Landing: a supervisor on the unassigned tickets at risk (they
    dispatch and are the first escalation level), a technician on their team's tickets, support on what
    awaits verification, an agent on their own tickets, everyone else on all. Someone with several roles
    lands on the first of these that applies."""
    roles = roles_of(viewer)
    superuser = bool(getattr(viewer, "is_superuser", False))
    works = bool(roles & WORKING_ROLES) or superuser
    in_a_team = any(team.is_member for team in teams)  # type: ignore[attr-defined]
    verifies = bool(roles & VERIFYING_ROLES) or superuser
    supervises = Role.SUPERVISOR in roles or superuser
    shown = {
        "mine": works,
        "team": in_a_team,
        "verify": verifies,
        "unassigned": works,
        "at_risk": supervises,
        "all": True,
    }
    tabs = [tab for tab in QUEUE_TABS if shown[tab]]
    if Role.SUPERVISOR in roles:
        default = "at_risk"
    elif Role.TECHNICIAN in roles:
        default = "team" if in_a_team else "mine"
    elif Role.SUPPORT in roles:
        default = "verify"
    elif Role.AGENT in roles:
        default = "mine"
    else:
        default = "all"
    return tabs, default


def _start_of_today(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day at the head office (the day the floor works and reports in)."""
    from django.conf import settings

    zone = zoneinfo.ZoneInfo(str(settings.HELPDESK["DEFAULT_REGION_TIME_ZONE"]))
    return dt.datetime.combine(now.astimezone(zone).date(), dt.time.min, tzinfo=zone)


def breached_today_parts(now: dt.datetime) -> tuple[Q, Q]:
    """Tickets with a running, not paused clock whose deadline passed today (head-office day), up to
    `now`, as two conditions that do not overlap, each answered from an index on its own
    (helpdesk.lib.keyset reads the page of each and keeps the first of both):

    - the nearest running deadline (`next_due`, which the SLA services keep) passed today: a range of
      `ticket_open_next_due`, walked in the queue's default order and left at the page;
    - it passed before today, and the other clock's deadline passed today: each clock's arm names one
      partial index of the SLA sweeps (ticket_response_breach_due and ticket_response_escalate_due, the
      same for resolution), which hold `next_due` after the deadline, so the few such tickets are picked
      from the index entries of today's deadlines without reading the tickets."""
    start = _start_of_today(now)
    earlier = Q(pk__in=[])
    for due, column in (("first_response_due", "response_sla"), ("resolution_due", "resolution_sla")):
        window = {f"{due}__gte": start, f"{due}__lte": now, "next_due__lt": start}
        earlier |= Q(paused=False, **{f"{column}__in": [SlaState.OK.value, SlaState.AT_RISK.value]}, **window)
        earlier |= Q(paused=False, **{column: SlaState.BREACHED.value}, **window)
    return Q(next_due__gte=start, next_due__lte=now), earlier


def breached_today_q(now: dt.datetime) -> Q:
    """`breached_today_parts` as one condition."""
    return keyset.any_of(breached_today_parts(now))


def unassigned_at_risk_q() -> Q:
    """Unassigned tickets, not waiting for the customer, with a clock the SLA watcher has marked at risk
    or breached (it marks them within a minute of the moment): exactly the condition of the partial index
    ticket_unassigned_at_risk, which the supervisors' tab walks."""
    return (
        Q(assignee__isnull=True, paused=False)
        & ~Q(stage=Stage.CLOSED)
        & (Q(response_sla__in=NEEDS_ATTENTION_STATES) | Q(resolution_sla__in=NEEDS_ATTENTION_STATES))
    )


# The built-in views of the queue: a filter set each, applied on top of the tab (links open them on
# "All"). Labels are the console's (console.views.QUEUE_VIEW_LABELS).
QUEUE_VIEWS = ("confirmed", "waiting", "breached_today")


def queue_view_parts(view: str, now: dt.datetime) -> tuple[Q, ...]:
    """The condition of a built-in view as conditions that do not overlap, each answered from an index on
    its own (helpdesk.lib.keyset's `parts`); none for no (or an unknown) view.

    "confirmed": the customer confirmed the fix, the agent closes it (stage 5). "waiting": waiting for the
    customer (the SLA clock paused). "breached_today": `breached_today_parts`."""
    if view == "confirmed":
        return (Q(stage=Stage.CONFIRMED),)
    if view == "waiting":
        return (Q(paused=True) & ~Q(stage=Stage.CLOSED),)
    if view == "breached_today":
        return breached_today_parts(now)
    return ()


def queue_view_q(view: str, now: dt.datetime) -> Q | None:
    """`queue_view_parts` as one condition, or None for no (or an unknown) view."""
    parts = queue_view_parts(view, now)
    return keyset.any_of(parts) if parts else None


def saved_queue_views(*, owner: AbstractBaseUser) -> list[SavedQueueView]:
    """The queue views this person saved, by name (one query; at most SAVED_VIEWS_MAX exist)."""
    return list(SavedQueueView.objects.filter(owner_id=owner.pk).order_by("name", "id")[:SAVED_VIEWS_MAX])


def ticket_search_q(text: str) -> Q | None:
    """A ticket number (typed any way), a customer's name, email or phone, a service reference, or words
    of the description or the contact details given with the ticket. None when there is nothing to search
    for.

    One `id IN (… UNION …)` over the places a match can come from (`ticket_search_ids`), each answered
    from its own index, rather than one OR across joined tables, which PostgreSQL can only answer by
    reading every ticket."""
    ids = ticket_search_ids(text)
    return None if ids is None else Q(pk__in=ids)


def search_long_enough(text: str) -> bool:
    """Whether `text` has SEARCH_MIN characters, spaces aside: fewer are not searched for."""
    return len("".join(text.split())) >= SEARCH_MIN


def search_too_short(text: str) -> bool:
    """Whether a search was typed and finds nothing for being shorter than SEARCH_MIN characters."""
    return bool(text.strip()) and not search_long_enough(text)


def ticket_search_ids(text: str) -> QuerySet[Any] | None:
    """The ids of the tickets `ticket_search_q` finds, as one UNION of the places a match can come from,
    each answered from its own index (the trigram indexes on TicketSearch and on customers' names and
    emails, tickets by customer and by service, the number). None when there is nothing to search for;
    no ids (and no query) for a search too short to match (`search_too_short`)."""
    # PostgreSQL refuses NUL in a query parameter: it can be in no name, so it is simply dropped.
    text = " ".join((text or "").replace("\x00", "").split())[:SEARCH_MAX]
    if not text:
        return None
    if search_too_short(text):
        return Ticket.objects.none().values_list("id", flat=True)
    customers = Q(name__icontains=text) | Q(email__icontains=text)
    words = Q(text__icontains=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 6 and len(digits) * 2 >= len(text.replace(" ", "")):
        # Phones are stored as E.164 (+62…); whatever was typed before the subscriber number (0, 62,
        # +62) is dropped by matching the last nine digits.
        tail = digits[-9:]
        customers |= Q(phone__endswith=tail)
        words |= Q(text__icontains=tail)  # digits: icontains only so that the trigram index serves it
    matches = [
        TicketSearch.objects.filter(words).values_list("ticket_id", flat=True),
        Ticket.objects.filter(customer__in=Customer.objects.filter(customers).values("id")).values_list(
            "id", flat=True
        ),
        Ticket.objects.filter(
            service__in=Service.objects.filter(reference__istartswith=text).values("id")
        ).values_list("id", flat=True),
    ]
    number = ticket_numbers.normalise(text)
    if number:
        matches.append(Ticket.objects.filter(number=number).values_list("id", flat=True))
    first, *others = (query.order_by() for query in matches)
    return first.union(*others)


# Up to this many matches, their ids are read first and the page is then read by primary key.
SEARCH_IDS_CAP = 5000


def ticket_search_matches(text: str) -> Q | None:
    """`ticket_search_q`, with the matching ids read first (one indexed query, no joins) when there are
    at most SEARCH_IDS_CAP of them. Given the `id IN (… UNION …)` inside a list's joins and sort,
    PostgreSQL hash-joins every ticket with its joined tables to the few matches (2.7 s at 1,000,000
    tickets); given the ids, it fetches those rows by primary key. More matches than the cap: the
    condition as it is (the page then walks its sort's index)."""
    union = ticket_search_ids(text)
    if union is None:
        return None
    # Read from the UNION itself: each of its parts gives ticket ids, and joining them to the tickets
    # to read the same ids again cost a probe of the primary key each.
    ids = list(union[: SEARCH_IDS_CAP + 1])
    return Q(pk__in=union) if len(ids) > SEARCH_IDS_CAP else Q(is_one_of("pk", ids))


# What a row of the console queue shows (templates/console/queue.html) and what its sorts and cursor
# read: a page of fifty rows builds fifty tickets and their customers, teams, people and incidents, and
# building each of a ticket's fifty-odd fields, its customer's region and its service for nothing cost
# more than a tenth of the page. A field left out here and read by the row costs a query per row, which
# the queue's pinned query counts catch.
QUEUE_ROW_FIELDS = (
    "id",
    "number",
    "description",
    "category",
    "classification",
    "stage",
    "paused",
    "escalation_level",
    "public_exposure",
    "updated_at",
    "reported_at",
    "next_due",
    "first_response_due",
    "first_response_risk_at",
    "first_responded_at",
    "response_sla",
    "resolution_due",
    "resolution_risk_at",
    "resolved_at",
    "resolution_sla",
    "customer__name",
    "customer__tier",
    "team__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "incident__title",
)


def row_tickets(*, viewer: AbstractBaseUser, now: dt.datetime) -> QuerySet[Ticket]:
    """`ticket_list` with only what a row of a list shows (QUEUE_ROW_FIELDS): the ticket's row columns
    and its customer, team, assignee and incident, not every column of each with its service and
    regions. The console queue, the escalation queues and the live board read their tickets so."""
    return (
        ticket_list(viewer=viewer, now=now)
        .select_related(None)
        .select_related("customer", "team", "assignee", "incident")
        .only(*QUEUE_ROW_FIELDS)
    )


def queue_tickets(
    *,
    viewer: AbstractBaseUser,
    now: dt.datetime,
    tab: str,
    search: str = "",
    sla_clock: str = "",
    sla_state: str = "",
) -> QuerySet[Ticket]:
    """The console queue of one tab: the viewer's tickets, their teams', the unassigned ones, or all they
    may see (never more than `visible_tickets` allows), narrowed by the free-text search and, when a
    clock is named, by that clock's SLA state. The view's FilterSet narrows further and sorts; a built-in
    view's conditions (`queue_view_parts`) are the page's and the count's `parts` (helpdesk.lib.keyset).
    Only what a queue row shows is read (QUEUE_ROW_FIELDS)."""
    queryset = row_tickets(viewer=viewer, now=now)
    if tab == "mine":
        queryset = queryset.filter(assignee_id=viewer.pk)
    elif tab == "team":
        queryset = queryset.filter(team__in=Team.objects.filter(members__pk=viewer.pk).values("id"))
    elif tab == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif tab == "verify":
        queryset = queryset.filter(stage=Stage.RECEIVED)
    elif tab == "at_risk":
        queryset = queryset.filter(unassigned_at_risk_q())
    condition = ticket_search_matches(search)
    if condition is not None:
        queryset = queryset.filter(condition)
    if sla_clock in SLA_CLOCKS and sla_state in {state.value for state in RUNNING_SLA_STATES}:
        queryset = queryset.filter(clock_state_q(sla_clock, sla_state, now))
    return queryset.order_by("resolution_due", "id")


@dataclass(frozen=True)
class HistoryChange:
    """One field of a history row, ready to show: its label and its value before and after as text."""

    name: str
    label: str
    before: str
    after: str
    # The ids behind a reference's before and after (the RCA's, which the page links to).
    before_id: Any = None
    after_id: Any = None


@dataclass(frozen=True)
class TimelineItem:
    """One entry of a ticket's timeline: a history row (`is_message` False, `item` a HistoryEntry and
    `changes` its fields as HistoryChange) or a reply/note (`is_message` True, `item` a TicketMessage)."""

    at: dt.datetime
    is_message: bool
    item: Any
    changes: tuple[HistoryChange, ...] = ()
    label: str = ""
    # For a reply: how it went to the customer, each channel tried in order (a failed WhatsApp, then SMS).
    deliveries: tuple[Delivery, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """One channel a reply went out on, and what the provider last said of it."""

    channel: str
    channel_label: str
    status: str
    status_label: str
    at: dt.datetime | None


# History fields not worth a line of their own on the ticket page (the header shows the ticket as it is).
_QUIET_FIELDS = frozenset({"number", "description", "contact_email", "contact_phone"})
_FOREIGN_KEYS = {"customer", "service", "team", "assignee", "duplicate_of", "rca"}
# Fields whose model verbose name is only their column name.
_FIELD_LABELS = {
    "response_sla": _("first-response SLA"),
    "resolution_sla": _("resolution SLA"),
    "stage_sla": _("stage SLA"),
    "service_status_checked": _("service status checked"),
    "billing_checked": _("billing checked"),
    "verified_service_status": _("service status when verified"),
    "verified_billing_status": _("billing standing when verified"),
    "rca": _("root cause analysis"),
}


def person_name(user: Any) -> str:
    """A member of staff as lists show them: their full name, else their username ("" for nobody)."""
    return (user.get_full_name() or user.username) if user is not None else ""


def _history_labels(entries: list[HistoryEntry], ticket: Ticket) -> dict[str, dict[Any, str]]:
    """Names for the ids in the history (teams, people, tickets): one query per kind that occurs."""
    from django.contrib.auth import get_user_model

    wanted: dict[str, set[Any]] = {name: set() for name in _FOREIGN_KEYS}
    for entry in entries:
        for name, change in entry.changes.items():
            if name in wanted:
                wanted[name] |= {value for value in (change["before"], change["after"]) if value is not None}
    names: dict[str, dict[Any, str]] = {name: {} for name in _FOREIGN_KEYS}
    if wanted["team"]:
        names["team"] = dict(Team.objects.filter(pk__in=wanted["team"]).values_list("pk", "name"))
    if wanted["assignee"]:
        people = get_user_model().objects.filter(pk__in=wanted["assignee"])
        names["assignee"] = {person.pk: person_name(person) for person in people}
    if wanted["duplicate_of"]:
        names["duplicate_of"] = dict(
            Ticket.objects.filter(pk__in=wanted["duplicate_of"]).values_list("pk", "number")
        )
    names["customer"] = {ticket.customer_id: ticket.customer.name}
    if ticket.service_id:
        names["service"] = {ticket.service_id: ticket.service.reference}  # type: ignore[union-attr]
    names["rca"] = {pk: f"RCA-{pk}" for pk in wanted["rca"]}
    return names


def _history_value(name: str, value: Any, names: dict[str, dict[Any, str]]) -> str:
    from helpdesk.lib.zones import moment_text

    if value is None or value == "":
        return "—"
    if name in _FOREIGN_KEYS:
        return names[name].get(value, f"#{value}")
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dt.datetime):
        return moment_text(value)  # in the viewer's zone, with its label
    choices = dict(own_field(Ticket, name).flatchoices)
    return str(choices.get(value, value))


def _history_label(entry: HistoryEntry) -> str:
    from tickets.models import Action

    if entry.event == "created":
        return str(_("Complaint recorded"))
    if entry.action in Action.values:
        return str(Action(entry.action).label)
    if entry.action == "attach":
        return str(_("File attached"))
    return str(_("Updated by the system")) if entry.via == "system" else str(_("Updated"))


def ticket_page(
    *, viewer: AbstractBaseUser, number: str, now: dt.datetime
) -> tuple[Ticket, list[TimelineItem], list[Any]]:
    """One ticket for its console page: the ticket (404 if the viewer may not see it), its timeline —
    history rows, replies and internal notes merged by time, oldest first, with names instead of ids —
    and the files attached to it. A fixed number of queries however long the ticket's story."""
    from tickets.models import Action, Attachment

    ticket = ticket_get(viewer=viewer, number=number, now=now)
    entries = ticket_history(ticket=ticket)
    names = _history_labels(entries, ticket)
    timeline: list[TimelineItem] = []
    for entry in entries:
        if entry.event == "created":
            changes: tuple[HistoryChange, ...] = ()
        else:
            changes = tuple(
                HistoryChange(
                    name=name,
                    label=str(_FIELD_LABELS.get(name) or own_field(Ticket, name).verbose_name),
                    before=_history_value(name, change["before"], names),
                    after=_history_value(name, change["after"], names),
                    before_id=change["before"] if name in _FOREIGN_KEYS else None,
                    after_id=change["after"] if name in _FOREIGN_KEYS else None,
                )
                for name, change in entry.changes.items()
                if name not in _QUIET_FIELDS
            )
        if not changes and entry.action in (Action.RESPOND, Action.NOTE):
            continue  # the message itself is on the timeline
        timeline.append(TimelineItem(entry.at, False, entry, changes, _history_label(entry)))
    deliveries = reply_deliveries(ticket=ticket)
    timeline += [
        TimelineItem(message.created_at, True, message, deliveries=deliveries.get(message.pk, ()))
        for message in ticket_messages(ticket=ticket, include_internal=True)
    ]
    timeline.sort(key=lambda item: (item.at, item.is_message))
    attachments = list(
        Attachment.objects.filter(ticket=ticket).select_related("uploaded_by").order_by("created_at", "id")
    )
    return ticket, timeline, attachments


def reply_deliveries(*, ticket: Ticket) -> dict[int, tuple[Delivery, ...]]:
    """The outbox rows of the ticket's replies (owed as "message:<id>", and their fallbacks), by message
    id, in the order they were tried. One query."""
    from notifications.models import DeliveryStatus, Notification, NotificationChannel

    rows = (
        Notification.objects.filter(ticket=ticket, recipient__isnull=True, dedupe_key__startswith="message:")
        .order_by("created_at", "id")
        .values_list("dedupe_key", "channel", "delivery_status", "delivery_status_at", "created_at")
    )
    found: dict[int, list[Delivery]] = {}
    for key, channel, status, status_at, created_at in rows:
        message_id = (key or "").split(":")[1]
        if not message_id.isdigit():
            continue
        status_label = DeliveryStatus(status).label if status else _("Waiting to be sent")
        found.setdefault(int(message_id), []).append(
            Delivery(
                channel=channel,
                channel_label=str(NotificationChannel(channel).label),
                status=status or "pending",
                status_label=str(status_label),
                at=status_at or created_at,
            )
        )
    return {message_id: tuple(items) for message_id, items in found.items()}


def customer_match_q(text: str) -> Q:
    """Customers whose name or email contains the text, whose phone ends with its digits (typed with 0,
    62 or +62 in front, or only the subscriber number), or who hold a service whose reference starts
    with it. One `id IN (… UNION …)`: the first part is answered by the trigram indexes on names,
    emails and phones together, the second by the prefix index on references — an OR across the
    services table would make PostgreSQL read every customer."""
    contact = Q(name__icontains=text) | Q(email__icontains=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4 and len(digits) * 2 >= len(text.replace(" ", "")):
        local = digits[1:] if digits.startswith("0") else digits[2:] if digits.startswith("62") else digits
        contact |= Q(phone__contains=local)
    by_contact = Customer.objects.filter(contact).values("id").order_by()
    by_reference = Service.objects.filter(reference__istartswith=text).values("customer_id").order_by()
    return Q(pk__in=by_contact.union(by_reference))


def customer_lookup(*, text: str, limit: int = 10) -> list[Any]:
    """Customers matching the text (`customer_match_q`), with their services and regions (two queries).
    Nothing for fewer than SEARCH_MIN characters, spaces aside: one or two have no trigrams to look up,
    and their match read every customer (two letters: 135 ms a keystroke with 100,000 customers)."""
    text = " ".join((text or "").replace("\x00", "").split())[:SEARCH_MAX]
    if not search_long_enough(text):
        return []
    services = Service.objects.select_related("region").order_by("reference")
    return list(
        Customer.objects.filter(customer_match_q(text))
        .select_related("region")
        .prefetch_related(Prefetch("services", queryset=services))
        .order_by("name", "id")[:limit]
    )


# The roles whose people hold tickets; analysts, managers and directors read and decide, they are not
# handed complaints.
TICKET_HOLDING_ROLES = (Role.AGENT, Role.SUPPORT, Role.SUPERVISOR, Role.TECHNICIAN)


def _person_with_teams(person: Any) -> str:
    """A person as a picker lists them: their name, and their teams (so two namesakes differ)."""
    teams = ", ".join(team.label for team in person.helpdesk_teams.all())
    return f"{person_name(person)} · {teams}" if teams else person_name(person)


def _people(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.prefetch_related(
        Prefetch("helpdesk_teams", queryset=Team.objects.order_by("name"))
    ).distinct()


def staff_choices() -> list[Any]:
    """People a ticket can be handed to on an escalation: active users of the roles that hold tickets,
    by name, each with `label` (name and teams) for the picker. Two queries."""
    from django.contrib.auth import get_user_model

    people = list(
        _people(
            get_user_model().objects.filter(
                is_active=True, groups__name__in=[role.value for role in TICKET_HOLDING_ROLES]
            )
        ).order_by("first_name", "last_name", "username")
    )
    for person in people:
        person.label = _person_with_teams(person)
    return people


def technicians_by_team() -> list[tuple[int, str]]:
    """Active technicians for the dispatch form, each once, by name with their teams: two queries."""
    from django.contrib.auth import get_user_model

    technicians = _people(
        get_user_model().objects.filter(is_active=True, groups__name=Role.TECHNICIAN.value)
    ).order_by("first_name", "last_name", "username")
    return [(person.pk, _person_with_teams(person)) for person in technicians]


def assignable_people(*, ticket: Ticket) -> list[tuple[int, str]]:
    """Who can sensibly hold this ticket now: before dispatch, Customer Care (agents, support,
    supervisors); once dispatched, the technicians of the ticket's team (all technicians if it has none).
    By name, with their teams."""
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(is_active=True)
    if ticket.stage in (Stage.RECEIVED, Stage.VERIFIED):
        people = people.filter(groups__name__in=[Role.AGENT, Role.SUPPORT, Role.SUPERVISOR])
    else:
        people = people.filter(groups__name=Role.TECHNICIAN.value)
        if ticket.team_id:
            people = people.filter(helpdesk_teams=ticket.team_id)
    ordered = _people(people).order_by("first_name", "last_name", "username")
    return [(person.pk, _person_with_teams(person)) for person in ordered]


def assignable_refusal(*, ticket: Ticket, person: Any, person_team_ids: set[int]) -> str | None:
    """None if `person` can hold `ticket` now by the rule of `assignable_people` (the one picker of the
    ticket page), else why not: for a queue selection assigned at once, each ticket is checked on its
    own. `person_team_ids` are the person's teams, read once for the selection."""
    if not getattr(person, "is_active", False):
        return str(_("This person's account is not active."))
    roles = roles_of(person)
    if ticket.stage in (Stage.RECEIVED, Stage.VERIFIED):
        if not roles & {Role.AGENT, Role.SUPPORT, Role.SUPERVISOR}:
            return str(_("Before dispatch a ticket is held by Customer Care (agents, support, supervisors)."))
        return None
    if Role.TECHNICIAN not in roles:
        return str(_("Once dispatched a ticket is held by a technician."))
    if ticket.team_id and ticket.team_id not in person_team_ids:
        return str(_("This technician is not in the ticket's team."))
    return None


# --- Mass incidents (SPEC §10) -------------------------------------------------------------------------

NETWORK_OPERATIONS_TEAM = "Network Operation"
# Stage 1 belongs to Customer Care (SPEC §5).
FIRST_LINE_TEAM = "Customer Care"


def can_manage_incidents(user: Any) -> bool:
    """Declare, update and resolve incidents: supervisors, and the network operations team's technicians."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False) or Role.SUPERVISOR in roles_of(user):
        return True
    return (
        Role.TECHNICIAN in roles_of(user)
        and Team.objects.filter(name=NETWORK_OPERATIONS_TEAM, members__pk=user.pk).exists()
    )


def open_incidents(*, region_id: int | None = None, service_kind: str = "") -> list[Any]:
    """The incidents not yet resolved, newest first, with their regions and latest update (for the portal
    and the console): those of one region and kind of service when they are given."""
    queryset = Incident.objects.filter(resolved_at__isnull=True)
    if region_id is not None:
        queryset = queryset.filter(regions=region_id)
    if service_kind:
        queryset = queryset.filter(Q(service_kinds=[]) | Q(service_kinds__contains=[service_kind]))
    latest = IncidentUpdate.objects.order_by("-posted_at", "-id")
    return list(
        queryset.prefetch_related("regions", Prefetch("updates", queryset=latest, to_attr="latest_updates"))
        .order_by("-started_at", "-id")
        .distinct()[:20]
    )


# The console's list of incidents: the open ones first (newest declared first), then the resolved ones,
# latest resolved first — one sort key (an open incident's is the far future), so that a page starts
# after the last row of the one before like every other list. Incidents number in the hundreds a year,
# so the key needs no index of its own.
INCIDENT_LIST_ORDERING = keyset.Ordering("list_key", descending=True)


def incident_list() -> QuerySet[Incident]:
    """Every incident in the console's order (INCIDENT_LIST_ORDERING), with its regions."""
    return Incident.objects.annotate(
        list_key=Coalesce("resolved_at", Value(NO_RUNNING_CLOCK))
    ).prefetch_related("regions")


def incident_list_page(*, cursor: str | None, size: int = 25) -> keyset.Page[Incident]:
    return keyset.keyset_page(incident_list(), ordering=INCIDENT_LIST_ORDERING, cursor=cursor, size=size)


@dataclass(frozen=True)
class IncidentPage:
    """What the console's incident page shows: the incident, its public updates oldest first, and how
    many tickets it holds (all, and still open), each counted up to helpdesk.lib.keyset's cap."""

    incident: Incident
    updates: list[IncidentUpdate]
    linked: tuple[int, bool]
    linked_open: tuple[int, bool]


def incident_page(*, incident_id: int) -> IncidentPage:
    incident = (
        Incident.objects.select_related("declared_by", "rca")
        .prefetch_related("regions")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise NotFound(_("No such incident."))
    updates = list(incident.updates.select_related("posted_by").order_by("posted_at", "id"))
    linked = Ticket.objects.filter(incident_id=incident.pk)
    counts = keyset.capped_counts({"all": linked, "open": linked.filter(stage__in=OPEN_STAGES)})
    return IncidentPage(incident=incident, updates=updates, linked=counts["all"], linked_open=counts["open"])


def incident_updates(*, incident_id: int, limit: int = 50) -> list[IncidentUpdate]:
    """An incident's public updates, newest first (what a customer tracking a linked ticket reads)."""
    return list(IncidentUpdate.objects.filter(incident_id=incident_id).order_by("-posted_at", "-id")[:limit])


def incident_link_choices(limit: int = 100) -> list[tuple[int, str]]:
    """The open incidents a ticket can join, latest started first, as (id, "INC-id: title"): one query."""
    rows = (
        Incident.objects.filter(resolved_at__isnull=True)
        .order_by("-started_at", "-id")
        .values_list("pk", "title")[:limit]
    )
    return [(pk, f"INC-{pk}: {title}") for pk, title in rows]


@dataclass(frozen=True)
class OpenIncident:
    """What matching a new complaint needs of an open incident (kept in memory, sla.config)."""

    id: int
    started_at: dt.datetime
    region_ids: frozenset[int]
    service_kinds: frozenset[str]


def _open_incidents_in_memory() -> list[OpenIncident]:
    def build() -> list[OpenIncident]:
        found = Incident.objects.filter(resolved_at__isnull=True).prefetch_related("regions")
        return [
            OpenIncident(
                id=incident.pk,
                started_at=incident.started_at,
                region_ids=frozenset(region.pk for region in incident.regions.all()),
                service_kinds=frozenset(incident.service_kinds),
            )
            for incident in found.order_by("-started_at", "-id")
        ]

    return memoised(("open-incidents",), build)


def incident_for_complaint(*, region_id: int | None, service_kind: str) -> int | None:
    """The id of the open incident a new complaint from this region about this kind of service belongs to
    (the most recently started, if several match), or None. A complaint without a service matches only
    incidents that affect every kind. Read from memory: no query per complaint."""
    if region_id is None:
        return None
    for incident in _open_incidents_in_memory():
        kinds_match = not incident.service_kinds or service_kind in incident.service_kinds
        if region_id in incident.region_ids and kinds_match:
            return incident.id
    return None


def first_line_team() -> Team | None:
    """The team that holds a new complaint (SPEC §5 stage 1: Customer Care), from memory."""
    return memoised(("first-line-team",), lambda: Team.objects.filter(name=FIRST_LINE_TEAM).first())


# The ticket page's panel: how many of the customer's other tickets and services it lists.
CUSTOMER_PANEL_TICKETS = 5
CUSTOMER_PANEL_SERVICES = 10


@dataclass(frozen=True)
class CustomerPanel:
    """The ticket page's side panel: the customer's other tickets the viewer may see (newest first, at most
    CUSTOMER_PANEL_TICKETS) and the state of the customer's services (at most CUSTOMER_PANEL_SERVICES)."""

    tickets: list[Ticket]
    services: list[Service]


def customer_panel(*, viewer: AbstractBaseUser, ticket: Ticket) -> CustomerPanel:
    """Two bounded reads served by indexes (ticket_customer_recent; the services' customer index), never
    a count: the customer of a large account may hold thousands of tickets."""
    others = list(
        visible_tickets(viewer=viewer)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .only("id", "number", "stage", "category", "reported_at", "customer_id")
        .order_by("-reported_at", "-id")[:CUSTOMER_PANEL_TICKETS]
    )
    services = list(
        visible_services(viewer=viewer)
        .filter(customer_id=ticket.customer_id)
        .select_related("region")
        .order_by("reference", "id")[:CUSTOMER_PANEL_SERVICES]
    )
    return CustomerPanel(tickets=others, services=services)


@dataclass(frozen=True)
class OfferedMacro:
    """A canned reply as the reply box offers it: its placeholders already filled for this ticket."""

    id: int
    title: str
    text: str


# The picker offers at most this many (the most a supervisor would keep for one category and language).
MACROS_OFFERED = 100


def macros_for_ticket(*, ticket: Ticket, agent: AbstractBaseUser, language: str) -> list[OfferedMacro]:
    """The active canned replies for the ticket's category (and those for every category) in `language`
    (the customer's), with {customer_name}, {ticket_number} and {agent_name} filled in. One query."""
    from tickets.macros import fill_placeholders

    values = {
        "customer_name": ticket.customer.name,
        "ticket_number": ticket.number,
        "agent_name": person_name(agent),
    }
    rows = Macro.objects.filter(
        is_active=True, language=language, category__in=[ticket.category, ""]
    ).order_by("title", "id")[:MACROS_OFFERED]
    return [
        OfferedMacro(id=row.pk, title=row.title, text=fill_placeholders(row.body, values)) for row in rows
    ]


def macro_list() -> QuerySet[Macro]:
    """Every canned reply for the supervisors' page, active first, with who last changed it."""
    return Macro.objects.select_related("changed_by").order_by(
        "-is_active", "language", "category", "title", "id"
    )


def macro_get(*, macro_id: int) -> Macro:
    macro = Macro.objects.filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("No such canned reply."))
    return macro
