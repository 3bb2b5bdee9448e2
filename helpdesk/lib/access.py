"""Who may see which tickets, decided once for every page, list and API (SPEC §1, §11).

Roles that work the whole floor see every ticket; a technician sees the tickets of their teams and those
assigned to them; anyone else sees none. The rule is a condition on a ticket's fields, so that a list of
tickets (`tickets.selectors.visible_tickets`) and a list of records about tickets (escalations: through
`prefix="ticket__"`) are scoped by the same words."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from helpdesk.lib.roles import Role, roles_of
from helpdesk.lib.sql import is_any_of

# Roles that see every ticket.
ALL_TICKETS_ROLES = frozenset(
    {Role.AGENT, Role.SUPPORT, Role.SUPERVISOR, Role.MANAGER, Role.DIRECTOR, Role.ANALYST}
)

_NOTHING = Q(pk__in=[])


def sees_every_ticket(viewer: object) -> bool:
    return bool(getattr(viewer, "is_superuser", False)) or bool(roles_of(viewer) & ALL_TICKETS_ROLES)


def ticket_visibility_q(viewer: object, *, prefix: str = "") -> Q:
    """The tickets `viewer` may see, as a condition on ticket fields (`prefix` reaches them through a
    relation, e.g. "ticket__" from an escalation). An empty Q is every ticket."""
    if sees_every_ticket(viewer):
        return Q()
    if Role.TECHNICIAN in roles_of(viewer):
        # The viewer's teams as an array read first (helpdesk.lib.sql), not a join to the membership: the
        # join put the OR above it, which no index answers (the capped count of a technician's list
        # scanned the tickets table); the array and the assignee each read an index of tickets.
        teams = viewer.helpdesk_teams.values("pk")  # type: ignore[attr-defined]
        return Q(is_any_of(f"{prefix}team_id", teams)) | Q(**{f"{prefix}assignee": viewer})
    return Q(**{f"{prefix}pk__in": []}) if prefix else _NOTHING


# --- What each role may do beyond reading tickets: the one matrix the console, the API and the reports
# read (STYLE: decided once). Stage actions on a ticket follow the flow table (tickets.flow.ACTIONS),
# which also names roles; everything else a page or an endpoint allows is asked here.


class Capability(StrEnum):
    LOG_COMPLAINT = "log_complaint"  # log a complaint for a customer (console "new", POST /api/tickets/)
    WRITE_CUSTOMERS = "write_customers"  # create customers and their services
    READ_REPORTS = "read_reports"  # the dashboard, the monthly recap, the surveys' results
    READ_CAPA = "read_capa"  # RCAs and CAPA reports
    WRITE_CAPA = "write_capa"
    MANAGE_MACROS = "manage_macros"  # the canned replies offered in the reply box (console "macros")


CAPABILITIES: dict[Capability, frozenset[Role]] = {
    # Customer Care logs complaints: agents, the support desk that also answers the phone, supervisors.
    Capability.LOG_COMPLAINT: frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR}),
    Capability.WRITE_CUSTOMERS: frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR}),
    Capability.READ_REPORTS: frozenset({Role.MANAGER, Role.DIRECTOR, Role.ANALYST, Role.SUPERVISOR}),
    Capability.WRITE_CAPA: frozenset({Role.TECHNICIAN, Role.ANALYST, Role.SUPERVISOR, Role.MANAGER}),
    # Supervisors keep the floor's canned replies; agents use them.
    Capability.MANAGE_MACROS: frozenset({Role.SUPERVISOR}),
    Capability.READ_CAPA: frozenset(
        {Role.TECHNICIAN, Role.ANALYST, Role.SUPERVISOR, Role.MANAGER, Role.DIRECTOR}
    ),
}


def can(viewer: object, capability: Capability) -> bool:
    """Whether `viewer` may do `capability` (a superuser may do everything)."""
    if bool(getattr(viewer, "is_superuser", False)):
        return True
    return bool(roles_of(viewer) & CAPABILITIES[capability])


def roles_that(capability: Capability) -> tuple[Role, ...]:
    """The roles allowed `capability`, in the order Role lists them (for messages)."""
    return tuple(role for role in Role if role in CAPABILITIES[capability])
