"""Manager pages (SPEC §8–9, §11): the dashboard, the monthly reports, RCA and CAPA. Thin: figures come
from reports.selectors (SQL aggregation) and the stored monthly snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.lib.errors import DomainError
from helpdesk.lib.roles import Role, has_role
from reports import exports, selectors, services
from reports.models import CapaStatus
from tickets.models import Stage

TREND_DAYS = 14


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Reports are for supervisors, managers, directors and analysts."))


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_reports(request.user))
    period = request.GET.get("period", "day")
    if period not in selectors.PERIODS:
        period = "day"
    now = timezone.now()
    figures = selectors.overview(period, now)
    stage_labels = dict(Stage.choices)
    backlog = [
        {"label": str(stage_labels[stage]), "count": figures["backlog"]["by_stage"].get(stage, 0)}
        for stage in Stage
        if stage != Stage.CLOSED
    ]
    trend = selectors.daily_trend(days=TREND_DAYS, now=now)
    charts = {
        "backlog": {
            "type": "bar",
            "labels": [row["label"] for row in backlog],
            "series": [{"label": _("Open tickets"), "data": [row["count"] for row in backlog]}],
        },
        "trend": {
            "type": "line",
            "labels": [row["day"] for row in trend],
            "series": [
                {"label": _("Reported"), "data": [row["reported"] for row in trend]},
                {"label": _("Resolved"), "data": [row["resolved"] for row in trend]},
            ],
        },
    }
    context = {
        "period": period,
        "periods": [("day", _("Today")), ("week", _("This week"))],
        "figures": figures,
        "backlog": backlog,
        "trend": trend,
        "charts": charts,
    }
    template = (
        "reports/pages/dashboard.html#dashboard-body" if request.htmx else "reports/pages/dashboard.html"
    )
    return render(request, template, context)


def _can_rebuild(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.MANAGER, Role.DIRECTOR)


@require_GET
@login_required
def monthly_list(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_reports(request.user))
    reports = list(selectors.monthly_report_list())
    return render(
        request,
        "reports/pages/monthly_list.html",
        {"reports": reports, "can_rebuild": _can_rebuild(request.user)},
    )


def _parse_month(value: str) -> dt.date | None:
    year, _sep, month = (value or "").strip().partition("-")
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


@require_POST
@login_required
def monthly_rebuild(request: HttpRequest) -> HttpResponse:
    if not _can_rebuild(request.user):
        raise PermissionDenied(_("Only managers and directors rebuild monthly reports."))
    month = _parse_month(request.POST.get("month", ""))
    if month is None:
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("reports:monthly_list")
    try:
        report, _built = services.monthly_report_build(month=month, rebuild=True, actor=request.user)
    except (DomainError, ValueError) as exc:
        messages.error(request, str(exc))
        return redirect("reports:monthly_list")
    messages.success(request, _("The report for %(month)s was built.") % {"month": month.strftime("%Y-%m")})
    return redirect("reports:monthly", month=report.month.strftime("%Y-%m"))


@require_GET
@login_required
def monthly(request: HttpRequest, month: str) -> HttpResponse:
    _require(selectors.can_read_reports(request.user))
    first_day = _parse_month(month)
    report = selectors.monthly_report_get(first_day) if first_day else None
    if report is None:
        raise Http404(_("There is no report for this month yet. A manager can build it from the list."))
    data = report.data
    titles = exports.dimension_titles()
    dimensions = [
        {
            "name": name,
            "title": titles.get(name, name),
            "rows": [{"label": exports.key_label(name, row), "count": row["count"]} for row in counts],
        }
        for name, counts in data["counts"].items()
    ]
    category = next((d for d in dimensions if d["name"] == "category"), {"rows": []})
    charts = {
        "category": {
            "type": "bar",
            "labels": [row["label"] for row in category["rows"]],
            "series": [{"label": _("Tickets"), "data": [row["count"] for row in category["rows"]]}],
        },
        "trend": {
            "type": "line",
            "labels": [row["month"] for row in data.get("trend", [])],
            "series": [
                {
                    "label": _("Response SLA %"),
                    "data": [row.get("response_compliance_pct") for row in data.get("trend", [])],
                },
                {
                    "label": _("Resolution SLA %"),
                    "data": [row.get("resolution_compliance_pct") for row in data.get("trend", [])],
                },
            ],
        },
    }
    api = f"/api/reports/monthly/{report.month:%Y-%m}/"
    context = {
        "report": report,
        "data": data,
        "dimensions": dimensions,
        "charts": charts,
        "downloads": [
            ("PDF", f"{api}?format=pdf"),
            ("XLSX", f"{api}?format=xlsx"),
            ("CSV", f"{api}?format=csv"),
        ],
    }
    return render(request, "reports/pages/monthly.html", context)


@require_GET
@login_required
def capa_list(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_capa(request.user))
    today = timezone.now().astimezone(selectors.recap.REPORT_TIME_ZONE).date()
    reports = list(selectors.capa_report_list().order_by("-created_at", "-id")[:100])
    rcas = list(selectors.rca_list().order_by("-id")[:100])
    context = {
        "reports": reports,
        "rcas": rcas,
        "today": today,
        "can_write": selectors.can_write_capa(request.user),
        "statuses": CapaStatus.choices,
    }
    return render(request, "reports/pages/capa_list.html", context)


@require_POST
@login_required
def capa_action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    """Change an action's status, or record that a done action worked (verification with a note)."""
    if not selectors.can_write_capa(request.user):
        raise PermissionDenied(_("Directors can read RCA and CAPA records but not change them."))
    action = selectors.capa_action_list().filter(pk=action_id).first()
    if action is None:
        raise Http404(_("No such action."))
    try:
        if request.POST.get("verify"):
            services.capa_action_verify(action=action, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Verification recorded."))
        else:
            services.capa_action_update(action=action, data={"status": request.POST.get("status", "")})
            messages.success(request, _("Action updated."))
    except DomainError as exc:
        fields = getattr(exc, "fields", None) or {}
        details = " ".join(str(error) for errors in fields.values() for error in errors)
        messages.error(request, f"{exc} {details}".strip())
    return redirect("reports:capa_list")
