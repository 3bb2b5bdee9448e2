"""The roles of SPEC §1. Roles are Django groups; one person may hold several."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    AGENT = "agent"
    SUPPORT = "support"
    SUPERVISOR = "supervisor"
    TECHNICIAN = "technician"
    MANAGER = "manager"
    DIRECTOR = "director"
    ANALYST = "analyst"


ROLE_LABELS = {
    Role.AGENT: _("Customer Care agent"),
    Role.SUPPORT: _("Customer Support"),
    Role.SUPERVISOR: _("Customer Care Supervisor"),
    Role.TECHNICIAN: _("Technician"),
    Role.MANAGER: _("Customer Service Manager"),
    Role.DIRECTOR: _("Director of Network Operations"),
    Role.ANALYST: _("Customer Experience analyst"),
}

STAFF_ROLES = frozenset(Role)


def roles_of(user: object) -> frozenset[Role]:
    """The roles a user holds, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_helpdesk_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        cached = frozenset(Role(n) for n in names if n in Role._value2member_map_)
        user._helpdesk_roles = cached  # type: ignore[attr-defined]
    return cached


def remember_roles(user: object, names: list[str]) -> None:
    """Keep the roles of `user` read together with it (the group names), so `roles_of` needs no query."""
    user._helpdesk_roles = frozenset(Role(n) for n in names if n in Role._value2member_map_)  # type: ignore[attr-defined]


def has_role(user: object, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_member(user: object) -> bool:
    """Anyone who works the desk: holds a role, or is an administrator."""
    return bool(roles_of(user)) or bool(getattr(user, "is_superuser", False))
