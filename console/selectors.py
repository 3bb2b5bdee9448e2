"""Reads of the escalation pages: the queue of one level, the live board, the staff inbox. Each runs a
fixed number of queries however long the list; the SLA states come from sla.selectors only."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

from escalation.models import Escalation, Level
from escalation.selectors import escalations_visible
from helpdesk.lib import keyset
from helpdesk.lib.roles import Role, roles_of
from sla.selectors import sla_state_q
from tickets.models import ACTIONS, Action, SlaState, Stage, Team, Ticket
from tickets.selectors import row_tickets, staff_choices

LEVEL_OF_ROLE = {
    Role.SUPERVISOR: Level.SUPERVISOR,
    Role.MANAGER: Level.MANAGER,
    Role.DIRECTOR: Level.DIRECTOR,
}
# The board shows the most urgent of each column (it refreshes every 30 seconds; the queues have the
# rest) and counts each up to its own cap: a mass outage breaches tens of thousands at once.
BOARD_LIMIT = 50
BOARD_COUNT_CAP = 1_000
SHOW_OPEN, SHOW_ACKNOWLEDGED, SHOW_ALL = "open", "acknowledged", "all"
SHOW_CHOICES = (SHOW_OPEN, SHOW_ACKNOWLEDGED, SHOW_ALL)


def ticket_url(number: str) -> str:
    """The console page of a ticket (the literal path while the console's URL name is not there).

    What `reverse("console:ticket", args=[number])` gives, without its cost on every row of a list
    (30 µs each): the path around the number is reversed once per script prefix."""
    around = _ticket_path_around(get_script_prefix())
    if around is None or not number or "/" in number:  # what the <str:number> converter would refuse
        try:
            return reverse("console:ticket", args=[number])
        except NoReverseMatch:
            return f"/console/tickets/{number}/"
    head, tail = around
    return f"{head}{quote(number, safe=RFC3986_SUBDELIMS + '/~:@')}{tail}"


_NUMBER_PLACEHOLDER = "NUMBER"


@functools.lru_cache(maxsize=16)
def _ticket_path_around(script_prefix: str) -> tuple[str, str] | None:
    """The ticket page's path before and after the number, for one script prefix."""
    try:
        path = reverse("console:ticket", args=[_NUMBER_PLACEHOLDER])
    except NoReverseMatch:
        return None
    head, _placeholder, tail = path.rpartition(_NUMBER_PLACEHOLDER)
    return head, tail


def can_see_escalations(user: Any) -> bool:
    return bool(roles_of(user) & set(LEVEL_OF_ROLE)) or bool(getattr(user, "is_superuser", False))


def default_level(user: Any) -> int:
    """The viewer's own level: the lowest their roles give (a supervisor starts at level 1)."""
    levels = [LEVEL_OF_ROLE[role] for role in roles_of(user) if role in LEVEL_OF_ROLE]
    return int(min(levels)) if levels else int(Level.SUPERVISOR)


def acknowledgeable_levels(user: Any) -> frozenset[int]:
    """The levels whose escalations this person may acknowledge (the service checks it again)."""
    if getattr(user, "is_superuser", False):
        return frozenset(int(level) for level in Level.values)
    return frozenset(int(LEVEL_OF_ROLE[role]) for role in roles_of(user) if role in LEVEL_OF_ROLE)


def can_reassign(user: Any) -> bool:
    """Whether the flow table lets this person assign tickets at all (ticket_act checks each one)."""
    rule = ACTIONS[Action.ASSIGN]
    return bool(roles_of(user) & set(rule.roles)) or bool(getattr(user, "is_superuser", False))


def _escalations(*, viewer: AbstractBaseUser, now: dt.datetime) -> Any:
    # The ticket once more, annotated the way the badges need it (one query for the whole page).
    return (
        escalations_visible(viewer=viewer)
        .select_related(None)
        .select_related("raised_by", "acknowledged_by", "incident")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("ticket", queryset=row_tickets(viewer=viewer, now=now)),
            # A list (to_attr), not a manager per row: a page of 50 rows reads it 50 times.
            Prefetch(
                "notified",
                queryset=get_user_model().objects.order_by("username", "id"),
                to_attr="notified_people",
            ),
        )
    )


def _decorate(rows: list[Escalation], viewer: AbstractBaseUser) -> list[Escalation]:
    """What the template shows but must not work out itself: links and which buttons this viewer gets."""
    levels = acknowledgeable_levels(viewer)
    assigns = can_reassign(viewer)
    assignable = ACTIONS[Action.ASSIGN].sources
    # Reversed once per page, not once per row (a queue page renders 50 rows, each with two forms).
    acknowledge_url = reverse("escalations:acknowledge", args=[0]).replace("/0/", "/{}/")
    reassign_url = reverse("escalations:reassign", args=[0]).replace("/0/", "/{}/")
    for row in rows:
        row.acknowledge_url = acknowledge_url.format(row.pk)  # type: ignore[attr-defined]
        row.reassign_url = reassign_url.format(row.pk)  # type: ignore[attr-defined]
        row.notified_names = [  # type: ignore[attr-defined]
            person.get_full_name() or person.get_username()
            for person in row.notified_people  # type: ignore[attr-defined]
        ]
        ticket = row.ticket
        # An incident's escalation stands for all its tickets: nothing to open or reassign one by one.
        row.ticket_url = ticket_url(ticket.number) if ticket is not None else ""  # type: ignore[attr-defined]
        row.can_acknowledge = row.acknowledged_at is None and row.level in levels  # type: ignore[attr-defined]
        row.can_reassign = assigns and ticket is not None and ticket.stage in assignable  # type: ignore[attr-defined]
    return rows


# How each view of a level's queue is read: from the partial index of open escalations (oldest waiting
# first), or by acknowledgement or raising time, newest first (helpdesk.lib.keyset; escalation indexes).
QUEUE_ORDERINGS = {
    SHOW_OPEN: keyset.Ordering("raised_at"),
    SHOW_ACKNOWLEDGED: keyset.Ordering("acknowledged_at", descending=True),
    SHOW_ALL: keyset.Ordering("raised_at", descending=True),
}
QUEUE_PAGE = 50


def escalation_queue(
    *,
    viewer: AbstractBaseUser,
    level: int,
    show: str = SHOW_OPEN,
    now: dt.datetime,
    cursor: str | None = None,
    size: int = QUEUE_PAGE,
) -> keyset.Page[Escalation]:
    """One page of the escalations of one level, each ticket carrying its SLA states as of `now`. `show`:
    "open" (unacknowledged, oldest first), "acknowledged" (latest acknowledgement first) or "all" (latest
    raised first). A mass outage leaves tens of thousands open: a page is `size` rows read from an index."""
    queryset = _escalations(viewer=viewer, now=now).filter(level=level)
    if show == SHOW_ACKNOWLEDGED:
        queryset = queryset.filter(acknowledged_at__isnull=False)
    elif show == SHOW_OPEN:
        queryset = queryset.filter(acknowledged_at__isnull=True)
    page = keyset.keyset_page(queryset, ordering=QUEUE_ORDERINGS[show], cursor=cursor, size=size)
    _decorate(page.rows, viewer)
    return page


def escalation_row(*, viewer: AbstractBaseUser, escalation_id: int, now: dt.datetime) -> Escalation | None:
    """One escalation as a queue row (for HTMX to swap in place), or None if the viewer may not see it."""
    rows = _decorate(list(_escalations(viewer=viewer, now=now).filter(pk=escalation_id)), viewer)
    return rows[0] if rows else None


def open_counts(*, viewer: AbstractBaseUser) -> dict[int, tuple[int, bool]]:
    """Per level, how many escalations await acknowledgement — counted up to helpdesk.lib.keyset's cap
    (one query, from the partial index of open ones) — and whether there are more."""
    open_ones = escalations_visible(viewer=viewer).filter(acknowledged_at__isnull=True)
    return keyset.capped_counts({int(level): open_ones.filter(level=level) for level in Level.values})


def reassign_choices() -> dict[str, list[Any]]:
    """The people and teams a supervisor can hand a ticket to (evaluated here, not in the template)."""
    return {"people": list(staff_choices()), "teams": list(Team.objects.order_by("name"))}


@dataclass(frozen=True)
class BoardColumn:
    tickets: Sequence[Ticket]
    total: int
    total_is_capped: bool

    @property
    def more(self) -> int:
        return self.total - len(self.tickets)


BOARD_ORDERING = keyset.Ordering("next_due")


def live_board(
    *, viewer: AbstractBaseUser, now: dt.datetime, limit: int = BOARD_LIMIT
) -> dict[str, BoardColumn]:
    """Open tickets whose response or resolution clock is breached, and (apart) those at risk, most
    urgent first (the nearest running deadline: the most overdue first among the breached), at most
    `limit` of each, read from the index on `next_due`; each column's count stops at BOARD_COUNT_CAP."""
    base = row_tickets(viewer=viewer, now=now).exclude(stage=Stage.CLOSED)
    breached = base.filter(sla_state_q(SlaState.BREACHED, now))
    # An at-risk clock is not yet due: the index is entered at now, past every breached ticket.
    at_risk = base.filter(next_due__gt=now).filter(sla_state_q(SlaState.AT_RISK, now))
    # Both columns' cards in one statement, their counts in another. The columns do not overlap (at risk
    # excludes breached), and a card's column is told by the states annotated in the same statement by the
    # same expressions the columns' conditions are made of (sla.selectors).
    cards = keyset.first_rows([breached, at_risk], ordering=BOARD_ORDERING, size=limit)
    counts = keyset.capped_counts({"breached": breached, "at_risk": at_risk}, cap=BOARD_COUNT_CAP)
    tickets: dict[str, list[Ticket]] = {"breached": [], "at_risk": []}
    for ticket in cards:
        states = (ticket.current_response_sla, ticket.current_resolution_sla)  # type: ignore[attr-defined]
        tickets["breached" if SlaState.BREACHED in states else "at_risk"].append(ticket)
    return {
        name: BoardColumn(tickets=tickets[name], total=total, total_is_capped=capped)
        for name, (total, capped) in counts.items()
    }
