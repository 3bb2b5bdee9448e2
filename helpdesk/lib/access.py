"""Who may see which tickets, decided once for every page, list and API (SPEC §1, §11).

Roles that work the whole floor see every ticket; a technician sees the tickets of their teams and those
assigned to them; anyone else sees none. The rule is a condition on a ticket's fields, so that a list of
tickets (`tickets.selectors.visible_tickets`) and a list of records about tickets (escalations: through
`prefix="ticket__"`) are scoped by the same words."""

from __future__ import annotations

from django.db.models import Q

from helpdesk.lib.roles import Role, roles_of

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
        return Q(**{f"{prefix}team__members": viewer}) | Q(**{f"{prefix}assignee": viewer})
    return Q(**{f"{prefix}pk__in": []}) if prefix else _NOTHING
