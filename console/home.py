"""Pages that belong to no single app: the landing page that sends each person where they work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from console.context_processors import MANAGING, REPORTING, SUPERVISING
from helpdesk.lib.roles import Role, roles_of


def home(request: HttpRequest) -> HttpResponse:
    """Customers (anyone not signed in) land on the portal; staff on the page of their main role."""
    user = request.user
    if not user.is_authenticated:
        return redirect("portal:home")
    roles = roles_of(user)
    if roles & {Role.AGENT, Role.SUPPORT, Role.TECHNICIAN} or user.is_superuser:
        return redirect("console:queue")
    if roles & SUPERVISING:
        return redirect("escalations:queue")
    if roles & (MANAGING | REPORTING):
        return redirect("reports:dashboard")
    return redirect("console:queue")
