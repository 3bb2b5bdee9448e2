"""Manager pages (SPEC §8–9, §11), mounted at /reports/: the dashboard, the monthly reports, RCA and
CAPA, and the CSI surveys. Thin: figures come from reports.selectors (SQL aggregation) and the stored
monthly snapshots; changes go through reports.services. Roles are checked here, with the selectors'
`can_read_reports` / `can_read_capa` / `can_write_capa`: anonymous people are sent to sign in, staff
without the role get 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from helpdesk.lib.errors import DomainError, InvalidInput
from helpdesk.lib.fields import own_field
from helpdesk.lib.http import HtmxHttpRequest, signed_in_user
from helpdesk.lib.roles import Role, has_role
from reports import forms, presenters, recap, selectors, services
from reports.models import CSI_QUESTIONS, CapaStatus, SurveyInvitation

PAGE_SIZE = 50
# Days shown by the dashboard's trend charts for each period.
TREND_DAYS = {"day": 14, "week": 28, "month": 31}
PERIOD_LABELS = {
    "day": gettext_lazy("Today"),
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month"),
}
READERS_ONLY = gettext_lazy("Reports are for supervisors, managers, directors and analysts.")
CAPA_READERS_ONLY = gettext_lazy(
    "RCA and CAPA records are for technicians, analysts, supervisors, managers and directors."
)
CAPA_WRITERS_ONLY = gettext_lazy(
    "Only technicians, analysts, supervisors and managers change CAPA actions; directors read them."
)
DOWNLOAD_FORMATS = (("pdf", "PDF"), ("xlsx", "XLSX"), ("csv", "CSV"))


def _require(allowed: bool, message: Any) -> None:
    if not allowed:
        raise PermissionDenied(str(message))


def _today() -> dt.date:
    """Today in Jakarta: the date CAPA due dates are compared with."""
    return timezone.now().astimezone(recap.REPORT_TIME_ZONE).date()


def _can_rebuild(user: Any) -> bool:
    """Managers (and directors above them) pull the monthly reports and may rebuild a snapshot."""
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.MANAGER, Role.DIRECTOR)


def _section_nav(request: HttpRequest, current: str) -> list[dict[str, Any]]:
    """The reports section's own links, for the pages the viewer may open."""
    user = request.user
    names: list[tuple[str, Any]] = []
    if selectors.can_read_reports(user):
        names += [("dashboard", _("Dashboard")), ("monthly_list", _("Monthly reports"))]
    if selectors.can_read_capa(user):
        names += [("capa_list", _("CAPA reports")), ("rca_list", _("Root cause analyses"))]
    if selectors.can_read_reports(user):
        names.append(("surveys", _("CSI surveys")))
    return [
        {"url": reverse(f"reports:{name}"), "label": label, "active": name == current}
        for name, label in names
    ]


def _htmx_aware(response: HttpResponse) -> HttpResponse:
    # The same URL answers with the page or, to htmx, a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Dashboard ----------------------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    _require(selectors.can_read_reports(request.user), READERS_ONLY)
    period = request.GET.get("period", "day")
    if period not in selectors.PERIODS:
        period = "day"
    now = timezone.now()
    # One row of stored figures (reports.models.DashboardFigures) instead of counting the period's tickets.
    stored = selectors.dashboard_figures(now)
    figures = selectors.overview(period, now, figures=stored)
    start, end = selectors.period_bounds(period, now)
    days = TREND_DAYS[period]
    trend, sla_days = selectors.dashboard_trends(days=days, now=now, figures=stored)
    incidents = selectors.open_incidents_summary()

    layout = presenters.dashboard_layout(
        figures=figures, trend=trend, sla_days=sla_days, days=days, start=start, end=end
    )
    context = {
        "section_nav": _section_nav(request, "dashboard"),
        "period": period,
        "period_label": PERIOD_LABELS[period],
        "periods": list(PERIOD_LABELS.items()),
        "period_start": start,
        "now": now,
        "as_of": stored.as_of,
        "figures": figures,
        "trend": trend,
        "sla_days": sla_days,
        "open_incidents": presenters.with_queue_links(incidents),
        **layout,
    }
    template = (
        "reports/pages/dashboard.html#dashboard-body" if request.htmx else "reports/pages/dashboard.html"
    )
    return _htmx_aware(render(request, template, context))


# --- Monthly reports ----------------------------------------------------------------------------------------


def _monthly_list_page(request: HttpRequest, *, form: forms.MonthForm, status: int = 200) -> HttpResponse:
    context = {
        "section_nav": _section_nav(request, "monthly_list"),
        "reports": selectors.monthly_report_rows(),
        "can_rebuild": _can_rebuild(request.user),
        "form": form,
    }
    return render(request, "reports/pages/monthly_list.html", context, status=status)


@require_GET
@login_required
def monthly_list(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_reports(request.user), READERS_ONLY)
    return _monthly_list_page(request, form=forms.MonthForm())


@require_POST
@login_required
def monthly_rebuild(request: HttpRequest) -> HttpResponse:
    """Build or rebuild a month's snapshot with the service the `monthly_report` command uses."""
    if not _can_rebuild(request.user):
        raise PermissionDenied(_("Only managers and directors build or rebuild monthly reports."))
    form = forms.MonthForm(request.POST)
    if form.is_valid():
        month: dt.date = form.cleaned_data["month"]
        existed = selectors.monthly_report_get(month) is not None
        try:
            report, _built = services.monthly_report_build(
                month=month, rebuild=True, actor=signed_in_user(request)
            )
        except DomainError as exc:
            form.add_error("month", exc.message)
        else:
            key = recap.month_key(report.month)
            if existed:
                messages.success(request, _("The report for %(month)s was rebuilt.") % {"month": key})
            else:
                messages.success(request, _("The report for %(month)s was built.") % {"month": key})
            return redirect("reports:monthly", month=key)
    return _monthly_list_page(request, form=form, status=400)


def _month_missing(request: HttpRequest, *, month_text: str, problem: str | None) -> HttpResponse:
    """404 with a hint: the month is not a month, or has no snapshot (yet)."""
    month: dt.date | None = None
    if problem is None:
        month = recap.parse_month(month_text)
    has_ended = month is not None and recap.month_bounds(month)[1] <= timezone.now()
    context = {
        "section_nav": _section_nav(request, "monthly_list"),
        "month_text": month_text[:20],
        "problem": problem,
        "has_ended": has_ended,
        "can_rebuild": _can_rebuild(request.user),
        "form": forms.MonthForm(initial={"month": recap.month_key(month)} if month else None),
    }
    return render(request, "reports/pages/monthly_missing.html", context, status=404)


@require_GET
@login_required
def monthly(request: HttpRequest, month: str) -> HttpResponse:
    _require(selectors.can_read_reports(request.user), READERS_ONLY)
    try:
        first_day = recap.parse_month(month)
    except InvalidInput as exc:
        return _month_missing(request, month_text=month, problem=exc.message)
    report = selectors.monthly_report_get(first_day)
    if report is None:
        return _month_missing(request, month_text=month, problem=None)
    return render(request, "reports/pages/monthly.html", _monthly_context(request, report))


def _monthly_context(request: HttpRequest, report: Any) -> dict[str, Any]:
    """Every figure of the snapshot, laid out for the page; read from `report.data` only."""
    data = report.data
    key = recap.month_key(report.month)
    layout = presenters.monthly_layout(data)
    api = reverse("monthly-report", kwargs={"month": key})
    return {
        "section_nav": _section_nav(request, "monthly_list"),
        "report": report,
        "key": key,
        "data": data,
        "as_of": dt.datetime.fromisoformat(data["as_of"]),
        **layout,
        "downloads": [
            {"label": label, "url": f"{api}?format={fmt}", "format": fmt} for fmt, label in DOWNLOAD_FORMATS
        ],
        "can_rebuild": _can_rebuild(request.user),
    }


# --- RCA and CAPA -------------------------------------------------------------------------------------------


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
def capa_list(request: HtmxHttpRequest) -> HttpResponse:
    _require(selectors.can_read_capa(request.user), CAPA_READERS_ONLY)
    filters = forms.CapaFilterForm(request.GET)
    status, overdue = "", False
    if filters.is_valid():
        status, overdue = filters.cleaned_data["status"], filters.cleaned_data["overdue"]
    reports = selectors.capa_report_page(today=_today(), status=status or None, overdue=overdue)
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section_nav": _section_nav(request, "capa_list"),
        "filters": filters,
        "page": page,
        "reports": list(page.object_list),
        "query": _page_query(request),
        "is_filtered": bool(status or overdue),
    }
    template = "reports/pages/capa_list.html#capa-table" if request.htmx else "reports/pages/capa_list.html"
    return _htmx_aware(render(request, template, context))


def _capa_detail_page(
    request: HttpRequest,
    pk: int,
    *,
    bound: dict[int, dict[str, django_forms.Form]] | None = None,
    settle_form: django_forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    report = selectors.capa_report_get(pk, today=_today())
    if report is None:
        raise Http404(_("There is no such CAPA report."))
    can_write = selectors.can_write_capa(request.user)
    actions = [
        {"action": action, "forms": forms.action_forms(action, bound=(bound or {}).get(action.pk))}
        for action in report.actions.all()
    ]
    context = {
        "section_nav": _section_nav(request, "capa_list"),
        "report": report,
        "actions": actions,
        "can_write": can_write,
        "done": CapaStatus.DONE.value,
        "settle_form": settle_form or forms.CapaSettleForm(),
    }
    return render(request, "reports/pages/capa_detail.html", context, status=status)


@require_GET
@login_required
def capa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(selectors.can_read_capa(request.user), CAPA_READERS_ONLY)
    return _capa_detail_page(request, pk)


def _writable_action(request: HttpRequest, pk: int, action_pk: int) -> Any:
    _require(selectors.can_write_capa(request.user), CAPA_WRITERS_ONLY)
    action = selectors.capa_action_of(pk, action_pk)
    if action is None:
        raise Http404(_("This CAPA report has no such action."))
    return action


def _action_url(pk: int, action_pk: int) -> str:
    return reverse("reports:capa_detail", kwargs={"pk": pk}) + f"#action-{action_pk}"


@require_POST
@login_required
def capa_action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Move an action to another status (reports.services.capa_action_update)."""
    action = _writable_action(request, pk, action_pk)
    form = forms.CapaActionStatusForm(request.POST, prefix=f"action-{action.pk}")
    code = 400
    if form.is_valid():
        try:
            updated = services.capa_action_update(
                action=action, data={"status": form.cleaned_data["status"]}, actor=signed_in_user(request)
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            code = exc.status_code
        else:
            messages.success(
                request,
                _("The action is now “%(status)s”.") % {"status": updated.get_status_display()},
            )
            return redirect(_action_url(pk, action.pk))
    return _capa_detail_page(request, pk, bound={action.pk: {"status": form}}, status=code)


@require_POST
@login_required
def capa_settle(request: HttpRequest, pk: int) -> HttpResponse:
    """Close or withdraw a CAPA report (reports.services.capa_close / capa_withdraw); never delete it."""
    _require(selectors.can_write_capa(request.user), CAPA_WRITERS_ONLY)
    report = selectors.capa_report_get(pk, today=_today())
    if report is None:
        raise Http404(_("There is no such CAPA report."))
    form = forms.CapaSettleForm(request.POST)
    code = 400
    if form.is_valid():
        settle = services.capa_close if form.cleaned_data["decision"] == "close" else services.capa_withdraw
        try:
            settled = settle(report=report, actor=signed_in_user(request), reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            code = exc.status_code
        else:
            messages.success(
                request, _("The report is now “%(status)s”.") % {"status": settled.get_status_display()}
            )
            return redirect("reports:capa_detail", pk=pk)
    return _capa_detail_page(request, pk, settle_form=form, status=code)


@require_POST
@login_required
def capa_action_verify(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Record the check that a done action worked (reports.services.capa_action_verify)."""
    action = _writable_action(request, pk, action_pk)
    form = forms.CapaActionVerifyForm(request.POST, prefix=f"action-{action.pk}")
    code = 400
    if form.is_valid():
        try:
            services.capa_action_verify(
                action=action, actor=signed_in_user(request), note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            code = exc.status_code
        else:
            messages.success(request, _("The verification was recorded."))
            return redirect(_action_url(pk, action.pk))
    return _capa_detail_page(request, pk, bound={action.pk: {"verify": form}}, status=code)


@require_GET
@login_required
def rca_list(request: HtmxHttpRequest) -> HttpResponse:
    _require(selectors.can_read_capa(request.user), CAPA_READERS_ONLY)
    categories = selectors.rca_categories()
    category = request.GET.get("category", "")
    if category not in {entry.code for entry in categories}:
        category = ""
    analyses = selectors.rca_page(category=category or None)
    page = Paginator(analyses, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section_nav": _section_nav(request, "rca_list"),
        "categories": categories,
        "category": category,
        "page": page,
        "analyses": list(page.object_list),
        "tickets_shown": selectors.RCA_TICKETS_SHOWN,
        "tickets_slice": f":{selectors.RCA_TICKETS_SHOWN}",
        "query": _page_query(request),
    }
    template = "reports/pages/rca_list.html#rca-table" if request.htmx else "reports/pages/rca_list.html"
    return _htmx_aware(render(request, template, context))


@require_GET
@login_required
def rca_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(selectors.can_read_capa(request.user), CAPA_READERS_ONLY)
    rca = selectors.rca_get(pk)
    if rca is None:
        raise Http404(_("There is no such root cause analysis."))
    context = {
        "section_nav": _section_nav(request, "rca_list"),
        "rca": rca,
        "tickets": list(rca.tickets.all()),
        "capa_reports": list(rca.capa_reports.all()),
    }
    return render(request, "reports/pages/rca_detail.html", context)


# --- CSI surveys --------------------------------------------------------------------------------------------


@require_GET
@login_required
def surveys(request: HttpRequest) -> HttpResponse:
    _require(selectors.can_read_reports(request.user), READERS_ONLY)
    results = selectors.csi_campaign_results()
    questions = [
        {
            "key": key,
            "short": own_field(SurveyInvitation, f"score_{key}").verbose_name,
            "label": label,
        }
        for key, label in CSI_QUESTIONS.items()
    ]
    rows = [
        {
            **result,
            "closes": dt.datetime.fromisoformat(result["closes_at"]),
            "means": [result["questions"][q["key"]] for q in questions],
        }
        for result in results
    ]
    chart = presenters.csi_chart(results)
    context = {
        "section_nav": _section_nav(request, "surveys"),
        "questions": questions,
        "rows": rows,
        "chart": chart,
    }
    return render(request, "reports/pages/surveys.html", context)
