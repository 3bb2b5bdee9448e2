"""Template context shared by every page: the viewer's roles and the role-aware navigation, and the
labels the SLA countdown script shows (translated here, so the script itself holds no text)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.lib.access import CAPABILITIES, Capability
from helpdesk.lib.roles import Role, roles_of
from helpdesk.lib.vocabulary import SlaState
from notifications.selectors import inbox_unread_count

SUPERVISING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DIRECTOR})
MANAGING = frozenset({Role.SUPERVISOR, Role.MANAGER, Role.DIRECTOR, Role.ANALYST})
REPORTING = frozenset({Role.MANAGER, Role.DIRECTOR, Role.ANALYST})
LOGGING = frozenset({Role.AGENT, Role.SUPPORT, Role.SUPERVISOR})
CAPA = frozenset({Role.TECHNICIAN, Role.ANALYST, Role.MANAGER, Role.DIRECTOR, Role.SUPERVISOR})

# (url name, label, who sees it: None for every staff member)
NAVIGATION: list[tuple[str, Any, frozenset[Role] | None]] = [
    ("console:queue", gettext_lazy("Queue"), None),
    ("console:ticket_new", gettext_lazy("Log a complaint"), LOGGING),
    ("escalations:queue", gettext_lazy("Escalation queue"), SUPERVISING),
    ("escalations:board", gettext_lazy("Live board"), SUPERVISING),
    ("reports:dashboard", gettext_lazy("Dashboard"), MANAGING),
    ("reports:monthly_list", gettext_lazy("Monthly reports"), REPORTING),
    ("reports:capa_list", gettext_lazy("RCA & CAPA"), CAPA),
    # Every staff member reads the incidents (and links complaints to them); who may declare, update and
    # resolve one is the incident page's to say (tickets.selectors.can_manage_incidents).
    ("console:incidents", gettext_lazy("Incidents"), None),
    ("console:macros", gettext_lazy("Canned replies"), CAPABILITIES[Capability.MANAGE_MACROS]),
    ("console:inbox", gettext_lazy("Inbox"), None),
]


# Entries shown together under one menu of the header, so that it stays one row at 1366 px for the roles
# with the most entries (supervisors, managers): (menu label, the url names it holds).
NAVIGATION_GROUPS: list[tuple[Any, frozenset[str]]] = [
    (gettext_lazy("Escalations"), frozenset({"escalations:queue", "escalations:board"})),
    (gettext_lazy("Reports"), frozenset({"reports:dashboard", "reports:monthly_list", "reports:capa_list"})),
]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool
    badge: int = 0
    badge_is_capped: bool = False
    # A menu: its entries (then `url` is empty and `active` says whether one of them is the current page).
    children: tuple[NavItem, ...] = ()


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = roles_of(user)
    is_admin = bool(getattr(user, "is_superuser", False))
    items: list[NavItem] = []
    names: list[str] = []
    if roles or is_admin:
        path = request.path
        for name, label, audience in NAVIGATION:
            if audience is not None and not is_admin and not roles & audience:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:  # a page not mounted in this deployment
                continue
            active = path == url if url == "/" else path.startswith(url)
            badge, capped = (0, False)
            if name == "console:inbox" and user is not None:
                badge, capped = inbox_unread_count(user=user)
            items.append(
                NavItem(url=url, label=str(label), active=active, badge=badge, badge_is_capped=capped)
            )
            names.append(name)
        # Only the most specific match is the current page: /console/inbox/ is the inbox, not the queue.
        current = max((item.url for item in items if item.active), key=len, default=None)
        items = _grouped([replace(item, active=item.url == current) for item in items], names=names)
    return {
        "viewer_roles": {role.value for role in roles},
        "Role": Role,
        "nav_items": items,
        "countdown_labels": countdown_labels,
    }


def _grouped(items: list[NavItem], *, names: list[str]) -> list[NavItem]:
    """The entries of each group as one menu where the first of them stood; a group with a single entry
    for this viewer stays a plain link."""
    pairs = list(zip(names, items, strict=True))
    for label, members in NAVIGATION_GROUPS:
        children = tuple(item for name, item in pairs if name in members)
        if len(children) < 2:
            continue
        menu = NavItem(
            url="", label=str(label), active=any(child.active for child in children), children=children
        )
        grouped: list[tuple[str, NavItem]] = []
        for name, item in pairs:
            if name not in members:
                grouped.append((name, item))
            elif item is children[0]:
                grouped.append(("", menu))
        pairs = grouped
    return [item for _name, item in pairs]


def countdown_labels() -> dict[str, str]:
    """Called lazily by the template, so pages that never render it pay nothing."""
    states = {state.value: str(state.label) for state in SlaState}
    return {
        **states,
        "day": _("%(count)sd"),
        "hour": _("%(count)sh"),
        "minute": _("%(count)sm"),
        # The badge's words once the page is open (console.templatetags.console.badge_wording says the
        # same at render): "due 02 Dec 22:32 WIB · 2h 10m left", "missed by 2 d 4 h".
        "due_left": _("due %(due)s · %(time)s left"),
        "missed_by": _("missed by %(time)s"),
        "late_day": _("%(count)s d"),
        "late_hour": _("%(count)s h"),
        "late_minute": _("%(count)s min"),
    }
