"""Template context shared by every page: the viewer's roles, for role-aware navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from helpdesk.lib.roles import Role, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = roles_of(getattr(request, "user", None))
    return {"viewer_roles": {role.value for role in roles}, "Role": Role}
