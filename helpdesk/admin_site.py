"""The admin's index, grouped by what a person comes to change rather than by the app that holds it.

Django lists models by app ("SLA", "Tickets", "Reports", …), which mixes the business settings a
supervisor or administrator keeps (calendars and holidays, SLA targets, escalation rules, teams, canned
replies) with the records the product writes by itself (SLA events, the outbox, inbound mail) that nobody
should need to touch. Here the index shows four groups; an app's own page (/admin/<app>/) is Django's.
Models are named by "app_label.ModelName" strings, so this module imports no app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# (group's label, the models it holds in the order shown). Whatever no group names is an internal record.
GROUPS: list[tuple[Any, tuple[str, ...]]] = [
    (
        _("Business settings"),
        (
            "sla.BusinessCalendar",
            "sla.PublicHoliday",
            "sla.SlaPolicy",
            "sla.StageTarget",
            "escalation.EscalationRule",
            "tickets.Region",
            "tickets.Team",
            "tickets.Macro",
            "reports.RootCauseCategory",
            "reports.SurveyCampaign",
        ),
    ),
    (
        _("Customers, tickets and incidents"),
        (
            "tickets.Customer",
            "tickets.Service",
            "tickets.Ticket",
            "tickets.TicketMessage",
            "tickets.Attachment",
            "tickets.Incident",
            "escalation.Escalation",
            "reports.RootCauseAnalysis",
            "reports.CapaReport",
            "reports.CapaAction",
            "reports.SatisfactionRating",
            "reports.MonthlyReport",
        ),
    ),
    (_("People and access"), ("auth.User", "auth.Group", "authtoken.Token", "authtoken.TokenProxy")),
]
INTERNAL = _("Internal records (written by the system)")
GROUP_LABELS = ("business", "records", "people", "internal")


class HelpdeskAdminSite(admin.AdminSite):
    site_header = _("Helpdesk administration")
    site_title = _("Helpdesk administration")

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        if app_label is not None:
            return super().get_app_list(request, app_label)
        apps = self._build_app_dict(request)
        by_name: dict[str, dict[str, Any]] = {}
        for label, app in apps.items():
            for model in app["models"]:
                by_name[f"{label}.{model['object_name']}"] = model
        groups: list[dict[str, Any]] = []
        placed: set[str] = set()
        for (title, names), key in zip(GROUPS, GROUP_LABELS, strict=False):
            models = [by_name[name] for name in names if name in by_name]
            placed.update(name for name in names if name in by_name)
            groups.append(_group(title, key, models))
        rest = sorted((model for name, model in by_name.items() if name not in placed), key=_by_name)
        groups.append(_group(INTERNAL, GROUP_LABELS[-1], rest))
        return [group for group in groups if group["models"]]


def _by_name(model: dict[str, Any]) -> str:
    return str(model["name"])


def _group(title: Any, key: str, models: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": str(title),
        "app_label": f"group-{key}",
        "app_url": "",
        "has_module_perms": True,
        "models": models,
    }


class HelpdeskAdminConfig(AdminConfig):
    """django.contrib.admin with the grouped index as its default site."""

    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
