"""The staff console (SPEC §11): the queue, the ticket page with its actions, logging a complaint, the
inbox. Views are thin: reads through tickets.selectors, writes through tickets.services; the same view
returns the whole page or, for HTMX, the fragment it swaps."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from helpdesk.lib.errors import DomainError, InvalidInput, NotFound
from helpdesk.lib.roles import Role, has_role, is_staff_member
from reports.models import RootCauseCategory
from tickets import selectors, services
from tickets.filters import TicketFilter
from tickets.forms import ComplaintForm
from tickets.models import (
    CLOSE_REASONS_BY_STAGE,
    Action,
    Category,
    Channel,
    Classification,
    CloseReason,
    Customer,
    Region,
    Stage,
    Team,
)

PAGE_SIZE = 50
QUEUE_TAB_LABELS = {
    "mine": gettext_lazy("My tickets"),
    "team": gettext_lazy("My team"),
    "unassigned": gettext_lazy("Unassigned"),
    "all": gettext_lazy("All"),
}


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the login page) and holding a staff role (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied(_("This page is for customer-care staff."))
        return view(request, *args, **kwargs)

    return wrapped


# --- The queue ------------------------------------------------------------------------------------------


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tab = request.GET.get("tab", "mine" if has_role(request.user, Role.TECHNICIAN) else "all")
    if tab not in selectors.QUEUE_TABS:
        tab = "all"
    base = selectors.queue_tickets(viewer=request.user, now=now, tab=tab)
    params = request.GET.copy()
    params.setdefault("ordering", "resolution_due")
    if not params.getlist("stage"):
        base = base.exclude(stage=Stage.CLOSED)
    filterset = TicketFilter(params, queryset=base)
    tickets = filterset.qs if filterset.is_valid() else base.none()
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    context = {
        "tab": tab,
        "tabs": [(key, QUEUE_TAB_LABELS[key]) for key in selectors.QUEUE_TABS],
        "filterset": filterset,
        "page": page,
        "tickets": list(page.object_list),
        "query": query.urlencode(),
        "stages": Stage.choices,
        "classifications": Classification.choices,
        "categories": Category.choices,
        "channels": Channel.choices,
        "teams": list(Team.objects.order_by("name")),
        "selected": {
            "stage": params.getlist("stage"),
            "classification": params.getlist("classification"),
            "category": params.getlist("category"),
            "channel": params.getlist("channel"),
            "team": params.get("team", ""),
            "sla_state": params.get("sla_state", ""),
            "search": params.get("search", ""),
            "ordering": params.get("ordering", ""),
        },
    }
    template = "tickets/queue.html#queue-table" if request.htmx else "tickets/queue.html"
    return render(request, template, context)


# --- The ticket page ------------------------------------------------------------------------------------


def _ticket_context(request: HttpRequest, number: str) -> dict[str, Any]:
    try:
        ticket, timeline = selectors.ticket_page(viewer=request.user, number=number, now=timezone.now())
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    allowed = services.allowed_actions(ticket=ticket, actor=request.user)
    needs_people = {Action.ASSIGN, Action.DISPATCH} & set(allowed)
    people = list(selectors.staff_choices()) if needs_people else []
    return {
        "ticket": ticket,
        "timeline": timeline,
        "allowed": [action.value for action in allowed],
        "action_labels": dict(Action.choices),
        "teams": list(Team.objects.order_by("name")) if needs_people else [],
        "people": people,
        "rca_categories": list(RootCauseCategory.objects.filter(is_active=True))
        if Action.RESOLVE in allowed
        else [],
        "close_reasons": [
            (reason.value, reason.label)
            for reason in CloseReason
            if reason in CLOSE_REASONS_BY_STAGE.get(Stage(ticket.stage), frozenset())
        ],
        "classifications": Classification.choices,
        "channels": Channel.choices,
        "levels": [(3, _("Level 3 — Director of Network Operations"))],
        "errors": {},
        "error_action": "",
        "posted": {},
    }


@require_GET
@staff_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    return render(request, "tickets/ticket.html", _ticket_context(request, number))


def _action_data(action: str, post: Any) -> dict[str, Any]:
    """The form's fields as the service reads them (the RCA's fields nest under `rca`)."""
    data: dict[str, Any] = {key: post.get(key) for key in post if key != "csrfmiddlewaretoken"}
    if action == Action.RESOLVE:
        if data.get("rca_existing"):
            data["rca"] = data.pop("rca_existing")
        else:
            data["rca"] = {
                name: post.get(f"rca.{name}", "")
                for name in ("problem_statement", "category", "analysis", "temporary_fix", "permanent_fix")
            }
    return data


@require_POST
@staff_required
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    context = _ticket_context(request, number)
    ticket = context["ticket"]
    if action not in Action.values:
        raise Http404(_("No such action."))
    try:
        services.ticket_act(
            ticket=ticket, actor=request.user, action=action, data=_action_data(action, request.POST)
        )
    except DomainError as exc:
        # Refused or invalid: nothing changed; show why, next to the form that asked.
        fields = dict(getattr(exc, "fields", {}) or {})
        context.update(
            error_action=action,
            error_message=str(exc),
            errors={key.replace("rca.", "rca_"): value for key, value in fields.items()},
            posted={key.replace("rca.", "rca_"): value for key, value in request.POST.items()},
        )
        status = exc.status_code if exc.status_code != 404 else 400
        return render(request, "tickets/ticket.html", context, status=status)
    messages.success(request, _("Done: %(action)s.") % {"action": dict(Action.choices)[action]})
    return redirect("console:ticket", number=ticket.number)


# --- Logging a complaint ----------------------------------------------------------------------------------

LOGGING_ROLES = (Role.AGENT, Role.SUPPORT, Role.SUPERVISOR)


def _local_zone(customer: Customer | None, region: Region | None) -> zoneinfo.ZoneInfo:
    chosen = region or (customer.region if customer else None)
    return zoneinfo.ZoneInfo(chosen.timezone if chosen else "Asia/Jakarta")


@staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *LOGGING_ROLES) and not request.user.is_superuser:
        raise PermissionDenied(_("Only customer-care staff log complaints."))
    form = ComplaintForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = _create_from_form(request, form.cleaned_data)
            except InvalidInput as exc:
                for field, errors in (exc.fields or {}).items():
                    target = field if field in form.fields else None
                    for error in errors:
                        form.add_error(target, error)
                if not exc.fields:
                    form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Complaint logged as ticket %(number)s.") % {"number": ticket.number}
                )
                return redirect("console:ticket", number=ticket.number)
        status = 400
    return render(request, "tickets/new.html", {"form": form}, status=status)


def _create_from_form(request: HttpRequest, data: dict[str, Any]) -> Any:
    customer = data.get("customer")
    if customer is None:
        customer, _created = services.customer_find_or_create(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            region=data["region"],
            tier=data["tier"],
        )
    zone = _local_zone(customer, data.get("region"))
    incident_at = data["incident_at"].replace(tzinfo=zone) if data.get("incident_at") else None
    return services.ticket_create(
        actor=request.user,
        customer=customer,
        service=data.get("service"),
        category=data["category"],
        channel=data["channel"],
        description=data["description"],
        incident_at=incident_at,
        public_exposure=data.get("public_exposure", False),
        now=timezone.now(),
    )


@require_GET
@staff_required
def customer_lookup(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    customers = selectors.customer_lookup(text=text)
    return render(
        request,
        "tickets/lookup.html",
        {"customers": customers, "text": text, "too_short": len(text.strip()) < 2},
    )


# --- The inbox ----------------------------------------------------------------------------------------------


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    from escalation.selectors import inbox_for

    return render(request, "tickets/inbox.html", {"items": inbox_for(user=request.user, limit=100)})


@require_POST
@staff_required
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    from escalation.services import inbox_mark_read

    inbox_mark_read(user=request.user, notification_id=notification_id, at=timezone.now())
    return redirect("console:inbox")


@require_POST
@staff_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    from escalation.services import inbox_mark_read

    count = inbox_mark_read(user=request.user, notification_id=None, at=timezone.now())
    messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
    return redirect("console:inbox")
