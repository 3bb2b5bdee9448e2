"""The staff console (SPEC §11): the queue, the ticket page with its actions, logging a complaint, the
inbox. Views are thin: reads through the selectors, writes through the services; the same view
returns the whole page or, for HTMX, the fragment it swaps.

Status codes: a form with field errors (ours or the service's InvalidInput) answers 400; an action the
viewer's role does not allow 403; one the ticket's stage does not allow 409; a ticket the viewer may not
see, or an unknown action, 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from console.deadlines import present as present_deadline
from console.forms import (
    ACTION_FORMS,
    ActionChoices,
    ActionForm,
    AttachForm,
    ComplaintForm,
    ConfirmForm,
    action_forms,
)
from console.queue_rows import queue_rows
from helpdesk.lib import keyset, zones
from helpdesk.lib.access import Capability, can
from helpdesk.lib.errors import DomainError, Forbidden, InvalidInput, NotAllowedNow, NotFound
from helpdesk.lib.http import HtmxHttpRequest, download_response, signed_in_user
from helpdesk.lib.roles import is_staff_member, roles_of
from notifications.selectors import inbox_for
from notifications.services import customer_language, inbox_mark_read
from reports import selectors as reports_selectors
from sla import selectors as sla_selectors
from tickets import selectors, services
from tickets.filters import TicketFilter
from tickets.models import (
    ACTIONS,
    RUNNING_SLA_STATES,
    Action,
    Category,
    CategoryRoute,
    Channel,
    Classification,
    Stage,
    Team,
    Ticket,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PAGE_SIZE = 50
QUEUE_TAB_LABELS = {
    "mine": gettext_lazy("My tickets"),
    "team": gettext_lazy("My team"),
    "verify": gettext_lazy("Awaiting verification"),
    "unassigned": gettext_lazy("Unassigned"),
    "at_risk": gettext_lazy("Unassigned, at risk"),
    "all": gettext_lazy("All"),
}
# The built-in views (tickets.selectors.queue_view_q), listed beside the tabs before the saved ones.
QUEUE_VIEW_LABELS = {
    "confirmed": gettext_lazy("Customer confirmed — close"),
    "waiting": gettext_lazy("Waiting for the customer"),
    "breached_today": gettext_lazy("Breached today"),
}
# What a saved view keeps of the queue's address: the tab, the view, the filters and the sort (not the
# page it was on).
SAVED_VIEW_PARAMS = (
    "tab",
    "view",
    "search",
    "stage",
    "classification",
    "category",
    "channel",
    "team",
    "assignee",
    "sla_state",
    "sla_clock",
    "paused",
    "public_exposure",
    "escalation_level",
    "ordering",
)
QUEUE_ORDERINGS = [
    ("next_due", gettext_lazy("Most urgent first")),
    ("resolution_due", gettext_lazy("Resolution due")),
    ("first_response_due", gettext_lazy("First response due")),
    ("-reported_at", gettext_lazy("Newest reported")),
    ("reported_at", gettext_lazy("Oldest reported")),
]
SLA_CLOCK_LABELS = [
    ("", gettext_lazy("Either clock")),
    ("response", gettext_lazy("First response")),
    ("resolution", gettext_lazy("Resolution")),
]
# People who log complaints taken by phone, at the counter, by email or on social media (SPEC §1).
# The conversation forms sit under the timeline; the others are the stage actions beside it.
CONVERSATION = (Action.RESPOND.value, Action.NOTE.value)


# A page answers with a response: rendered (HttpResponse) or a streamed file (FileResponse).
R = TypeVar("R", bound=HttpResponseBase)


def staff_required(view: Callable[..., R]) -> Callable[..., R]:
    """Signed in (else the login page) and holding a staff role (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        if not is_staff_member(request.user):
            raise PermissionDenied(_("This page is for customer-care staff."))
        return view(request, *args, **kwargs)

    return wrapped


def _require_logging_role(request: HttpRequest) -> None:
    if not can(request.user, Capability.LOG_COMPLAINT):
        raise PermissionDenied(_("Only Customer Care logs complaints."))


def _posted(request: HttpRequest) -> QueryDict | None:
    """The POSTed form, or None when it is larger than the server accepts (shown as a message)."""
    try:
        return request.POST
    except RequestDataTooBig:
        return None


# --- The queue ------------------------------------------------------------------------------------------


@require_GET
@staff_required
def queue(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    viewer = signed_in_user(request)
    teams = selectors.queue_teams(viewer=viewer)
    tabs, default_tab = selectors.queue_tabs(viewer=viewer, teams=teams)
    tab = request.GET.get("tab") or default_tab
    if tab not in tabs:
        tab = default_tab
    params = request.GET.copy()
    params["tab"] = tab
    if params.get("ordering") not in {value for value, _label in QUEUE_ORDERINGS}:
        params["ordering"] = QUEUE_ORDERINGS[0][0]
    search = " ".join(params.get("search", "").split())[: selectors.SEARCH_MAX]
    sla_clock = params.get("sla_clock", "") if params.get("sla_clock") in selectors.SLA_CLOCKS else ""
    view = params.get("view", "") if params.get("view") in selectors.QUEUE_VIEWS else ""
    if not view:
        params.pop("view", None)
    base = selectors.queue_tickets(
        viewer=viewer,
        now=now,
        tab=tab,
        search=search,
        sla_clock=sla_clock,
        sla_state=params.get("sla_state", "") if sla_clock else "",
    )
    view_parts = selectors.queue_view_parts(view, now)
    # `with_closed=1` (the dashboard's links to what happened in a period) keeps closed tickets in.
    with_closed = params.get("with_closed") == "1"
    if not with_closed and not [stage for stage in params.getlist("stage") if stage in Stage.values]:
        base = base.exclude(stage=Stage.CLOSED)
    filter_params = params.copy()
    for name in (
        "with_closed",
        "tab",
        "view",
        "search",
        "page",
        "after",
        "ordering",
        "sla_clock",
        *(("sla_state",) if sla_clock else ()),
    ):
        filter_params.pop(name, None)
    for name in [name for name, values in filter_params.lists() if not any(values)]:
        filter_params.pop(name)  # "Any" in a select posts an empty value
    filterset = TicketFilter(filter_params, queryset=base)
    ignored = {}
    if not filterset.is_valid():
        # Ignore what was not understood (and say so), rather than showing nothing.
        ignored = {name: list(errors) for name, errors in filterset.errors.items()}
        for name in ignored:
            filter_params.pop(name, None)
        filterset = TicketFilter(filter_params, queryset=base)
    tickets = filterset.qs
    extra_filters = _extra_filter_chips(filter_params, with_closed=with_closed)
    # A page is read from an index and starts after the last row of the one before (helpdesk.lib.keyset);
    # the count stops at 10,000. A built-in view's conditions are its parts, each read from its own index.
    page = keyset.keyset_page(
        tickets,
        ordering=keyset.Ordering.parse(str(params.get("ordering"))),
        cursor=request.GET.get("after"),
        size=PAGE_SIZE,
        parts=view_parts,
    )
    count, more = keyset.capped_count(tickets, parts=view_parts)
    # The queue selection's "link to incident" (console.incident_views.queue_link): for the roles the flow
    # table lets link, the open incidents read once for the page (the HTMX refresh swaps only the table).
    # The bulk actions on the same selection (queue_bulk): assigning (supervisors) and a note (everyone
    # who writes notes); each ticket is still checked on its own when the action is taken.
    roles = roles_of(viewer)
    can_link = bool(roles & ACTIONS[Action.LINK_INCIDENT].roles) or viewer.is_superuser
    can_assign = bool(roles & ACTIONS[Action.ASSIGN].roles) or viewer.is_superuser
    can_note = bool(roles & ACTIONS[Action.NOTE].roles) or viewer.is_superuser
    full_page = not request.htmx
    link_incidents = selectors.incident_link_choices() if can_link and full_page else []
    assign_people = selectors.staff_choices() if can_assign and full_page else []
    saved_views = selectors.saved_queue_views(owner=viewer) if full_page else []
    query = params.copy()
    query.pop("page", None)
    query.pop("after", None)
    saved_query = _saved_view_query(params)
    context = {
        "tab": tab,
        "tabs": [(key, QUEUE_TAB_LABELS[key]) for key in tabs],
        "view": view,
        "views": list(QUEUE_VIEW_LABELS.items()),
        "saved_views": saved_views,
        "saved_query": saved_query,
        "now": now,
        "current_saved": next((saved.pk for saved in saved_views if saved.query == saved_query), None),
        "ignored": ignored,
        "page": page,
        "count": count,
        "count_is_capped": more,
        "tickets": page.rows,
        "rows": queue_rows(page.rows, now=now),
        "query": query.urlencode(),
        "refresh_query": params.urlencode(),
        "stages": Stage.choices,
        "classifications": Classification.choices,
        "categories": Category.choices,
        "channels": Channel.choices,
        "sla_states": [(state.value, state.label) for state in RUNNING_SLA_STATES],
        "sla_clocks": SLA_CLOCK_LABELS,
        "orderings": QUEUE_ORDERINGS,
        "teams": teams,
        "can_link": can_link,
        "can_assign": can_assign,
        "can_note": can_note,
        "can_select": can_link or can_assign or can_note,
        "link_incidents": link_incidents,
        "assign_people": assign_people,
        "extra_filters": extra_filters,
        "selected": {
            "stage": params.getlist("stage"),
            "classification": params.getlist("classification"),
            "category": params.getlist("category"),
            "channel": params.getlist("channel"),
            "team": params.get("team", ""),
            "sla_state": params.get("sla_state", ""),
            "sla_clock": sla_clock,
            "search": search,
            "ordering": params["ordering"],
        },
        "search_too_short": selectors.search_too_short(search),
        "search_min": selectors.SEARCH_MIN,
    }
    template = "console/queue.html#queue-table" if request.htmx else "console/queue.html"
    return render(request, template, context)


def back_to_queue(request: HttpRequest) -> HttpResponse:
    """Back to the queue as the agent left it: the page's address as the browser last showed it (the
    Referer: the HTMX filters push their address without reloading the page), else the address the page
    was rendered at; only a queue address of this site."""
    queue = reverse("console:queue")
    for candidate in (str(request.META.get("HTTP_REFERER", "")), str(request.POST.get("next", ""))):
        if not candidate or not url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            continue
        parts = urlsplit(candidate)
        if parts.path == queue:
            return redirect(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return redirect(queue)


def _shown_queue_query(request: HttpRequest) -> str:
    """The query of the queue's address as the browser last showed it (the Referer, as `back_to_queue`
    reads it: the HTMX filters push their address without reloading the page, so a hidden field rendered
    with the page may be stale), else the `query` the page was rendered with."""
    queue = reverse("console:queue")
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        # Without a tab the page was shown as it landed and nothing was changed since (the filters'
        # addresses always name the tab): the query it was rendered with says the same, tab included.
        if parts.path == queue and "tab" in QueryDict(parts.query):
            return parts.query
    return str(request.POST.get("query", ""))[:2000]


def _saved_view_query(params: QueryDict) -> str:
    """The part of the queue's address a saved view keeps (SAVED_VIEW_PARAMS), in a fixed order so that
    the same filters always read the same (the list marks the view the queue is showing)."""
    kept = QueryDict(mutable=True)
    for name in SAVED_VIEW_PARAMS:
        values = [value for value in params.getlist(name) if value]
        if name == "ordering" and values == [QUEUE_ORDERINGS[0][0]]:
            continue  # the default sort, whether the address names it or not
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def _queue_address(query: str) -> str:
    return f"{reverse('console:queue')}?{query}" if query else reverse("console:queue")


@require_POST
@staff_required
def queue_bulk(request: HttpRequest, action: str) -> HttpResponse:
    """Assign the tickets ticked in the queue to one person, or add one internal note to each, through
    `tickets.services.tickets_bulk_act` (each ticket checked on its own: role, stage, who can hold it).
    Says "N done, M refused" with the reasons; a refused ticket changes nothing."""
    if action not in services.BULK_ACTIONS:
        raise Http404(_("No such action."))
    post = _posted(request)
    if post is None:
        messages.error(request, _("Nothing was changed: the text is too long for the server to accept."))
        return back_to_queue(request)
    numbers = [number.strip()[:20] for number in post.getlist("tickets") if number.strip()]
    data = {"assignee": post.get("assignee", ""), "body": post.get("body", "")}
    try:
        results = services.tickets_bulk_act(
            actor=signed_in_user(request), numbers=numbers, action=action, data=data
        )
    except InvalidInput as exc:
        messages.error(request, _("Nothing was changed: %(why)s") % {"why": exc.message})
        return back_to_queue(request)
    done = sorted(number for number, why in results.items() if not why)
    reasons: dict[str, list[str]] = {}
    for number, why in sorted(results.items()):
        if why:
            reasons.setdefault(why, []).append(number)
    refused = sum(len(numbers) for numbers in reasons.values())
    if not refused:
        messages.success(request, _("%(done)s done.") % {"done": len(done)})
    else:
        why = " ".join(f"{', '.join(numbers)}: {reason}" for reason, numbers in reasons.items())
        level = messages.WARNING if done else messages.ERROR
        messages.add_message(
            request,
            level,
            _("%(done)s done, %(refused)s refused: %(why)s")
            % {"done": len(done), "refused": refused, "why": why},
        )
    return back_to_queue(request)


@require_POST
@staff_required
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filters under a name (the viewer's own view)."""
    query = _saved_view_query(QueryDict(_shown_queue_query(request)))
    try:
        saved = services.saved_view_create(
            owner=signed_in_user(request), name=request.POST.get("name", ""), query=query
        )
    except InvalidInput as exc:
        messages.error(request, _("The view was not saved: %(why)s") % {"why": exc.message})
        return redirect(_queue_address(query))
    messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    return redirect(_queue_address(saved.query))


@require_POST
@staff_required
def saved_view_rename(request: HttpRequest, view_id: int) -> HttpResponse:
    """Rename one of the viewer's views; someone else's is not found (404) and nothing changes."""
    try:
        saved = services.saved_view_rename(
            owner=signed_in_user(request), view_id=view_id, name=request.POST.get("name", "")
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except InvalidInput as exc:
        messages.error(request, _("The view was not renamed: %(why)s") % {"why": exc.message})
        return back_to_queue(request)
    messages.success(request, _("View renamed “%(name)s”.") % {"name": saved.name})
    return back_to_queue(request)


@require_POST
@staff_required
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    """Delete one of the viewer's views; someone else's is not found (404) and nothing changes."""
    try:
        name = services.saved_view_delete(owner=signed_in_user(request), view_id=view_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, _("View “%(name)s” deleted.") % {"name": name})
    return back_to_queue(request)


# The queue's filters that have no field in its form (the dashboard's tiles link with them): shown as
# chips and carried along by the form as hidden fields.
EXTRA_FILTERS = {
    "with_closed": gettext_lazy("Closed tickets included"),
    "reported_after": gettext_lazy("Reported from"),
    "reported_before": gettext_lazy("Reported before"),
    "resolved_after": gettext_lazy("Resolved from"),
    "resolved_before": gettext_lazy("Resolved before"),
    "closed_after": gettext_lazy("Closed from"),
    "closed_before": gettext_lazy("Closed before"),
    "response_due_after": gettext_lazy("First response due from"),
    "response_due_before": gettext_lazy("First response due before"),
    "resolution_due_after": gettext_lazy("Resolution due from"),
    "resolution_due_before": gettext_lazy("Resolution due before"),
    "breached": gettext_lazy("Deadline not met"),
    "classified": gettext_lazy("Classified"),
    "incident": gettext_lazy("Incident"),
    "rated_after": gettext_lazy("Rated from"),
    "rated_before": gettext_lazy("Rated before"),
    "escalated_after": gettext_lazy("Escalated from"),
    "escalated_before": gettext_lazy("Escalated before"),
    "escalated_level": gettext_lazy("Escalated to level"),
    "escalation_unacknowledged": gettext_lazy("Escalation not acknowledged"),
}


def _extra_filter_chips(params: QueryDict, *, with_closed: bool) -> list[dict[str, str]]:
    """The understood filters without a form field, as (name, value, label shown)."""
    chips = []
    if with_closed:
        chips.append({"name": "with_closed", "value": "1", "label": str(EXTRA_FILTERS["with_closed"])})
    clocks = {"response": _("first response"), "resolution": _("resolution")}
    for name in params:
        value = str(params.get(name, ""))
        if name not in EXTRA_FILTERS or name == "with_closed" or not value:
            continue
        shown = value
        moment = parse_datetime(value) if name.endswith(("_after", "_before")) else None
        if moment is not None:
            # In the head office's zone, as the dashboard the link came from counts its periods.
            shown = zones.format_local(moment, zones.zone(None))
        elif name == "breached":
            shown = str(clocks.get(value, value))
        elif name == "incident":
            shown = f"INC-{value}"
        elif value in ("true", "false"):
            shown = _("yes") if value == "true" else _("no")
        chips.append({"name": name, "value": value, "label": f"{EXTRA_FILTERS[name]}: {shown}"})
    return chips


# --- The ticket page ------------------------------------------------------------------------------------


def _action_choices(ticket: Ticket, actions: list[str], now: dt.datetime) -> ActionChoices:
    """What the forms of these actions offer: read here, only for the forms shown."""
    choices = ActionChoices()
    if Action.DISPATCH in actions or Action.ASSIGN in actions:
        choices.teams = [(team.pk, team.label) for team in Team.objects.order_by("name")]
    if Action.DISPATCH in actions:
        route = CategoryRoute.objects.filter(category=ticket.category).select_related("team").first()
        choices.routed_team = route.team.label if route else ""
        choices.technicians = selectors.technicians_by_team()
    if Action.ASSIGN in actions:
        choices.people = selectors.assignable_people(ticket=ticket)
    if Action.LINK_INCIDENT in actions:
        choices.incidents = selectors.incident_link_choices()
    if Action.RESOLVE in actions:
        choices.rca_categories = [
            (category.code, category.name) for category in reports_selectors.rca_categories(active_only=True)
        ]
        choices.recent_rcas = [
            (rca.pk, f"RCA-{rca.pk}: {rca.problem_statement[:80]}")
            for rca in reports_selectors.recent_rcas(now=now)
        ]
    return choices


def _allowed(ticket: Ticket, viewer: User) -> list[str]:
    return [action.value for action in services.allowed_actions(ticket=ticket, actor=viewer)]


def _render_ticket(
    request: HttpRequest,
    number: str,
    *,
    bound: ActionForm | None = None,
    error_message: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    viewer = signed_in_user(request)
    try:
        ticket, timeline, attachments = selectors.ticket_page(viewer=viewer, number=number, now=now)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    allowed = _allowed(ticket, viewer)
    forms = action_forms(allowed, ticket=ticket, choices=_action_choices(ticket, allowed, now), bound=bound)
    macros = (
        selectors.macros_for_ticket(ticket=ticket, agent=viewer, language=customer_language(ticket))
        if Action.RESPOND in allowed
        else []
    )
    context = {
        "ticket": ticket,
        "timeline": timeline,
        # Conversation first (replies, the customer's messages, internal notes); the field-by-field
        # history folded below it.
        "conversation": [entry for entry in timeline if entry.is_message],
        "history": [entry for entry in timeline if not entry.is_message],
        "attachments": attachments,
        "attach_max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "panel": selectors.customer_panel(viewer=viewer, ticket=ticket),
        "macros": macros,
        "can_read_rca": can(viewer, Capability.READ_CAPA),
        "can_confirm_and_close": services.confirm_and_close_refusal(ticket=ticket, actor=viewer) is None,
        "conversation_forms": [form for form in forms if form.action in CONVERSATION],
        "action_forms": [form for form in forms if form.action not in CONVERSATION],
        "error_action": bound.action.value if bound is not None else "",
        "error_message": error_message,
    }
    return render(request, "console/ticket.html", context, status=status)


@require_GET
@staff_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_ticket(request, number)


@require_GET
@staff_required
def ticket_deadline(request: HtmxHttpRequest, number: str, clock: str) -> HttpResponse:
    """How one of the ticket's deadlines was reached: the fragment the ticket page's "How was this
    deadline reached?" loads when opened, or a page of its own without JavaScript. Whoever may not see
    the ticket gets 404, as on the ticket page."""
    if clock not in sla_selectors.EXPLAINED_CLOCKS:
        raise Http404(_("No such clock."))
    ticket = _visible_ticket(signed_in_user(request), number, timezone.now())
    explained = present_deadline(sla_selectors.deadline_explanation(ticket=ticket, which=clock))
    template = "console/_deadline_explanation.html#explanation" if request.htmx else "console/deadline.html"
    return render(request, template, {"ticket": ticket, "explained": explained})


def _refusal(ticket: Ticket, viewer: User, action: Action) -> DomainError:
    """Why this viewer cannot take this action now, in the words (and with the status) `ticket_act` uses."""
    reason = services.action_permitted(ticket=ticket, actor=viewer, action=action, via=services.Via.STAFF)
    if reason:
        return Forbidden(reason)
    return NotAllowedNow(services.stage_refusal(ticket, action) or _("This action is not possible now."))


@staff_required
@require_GET
def ticket_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """A file of the ticket, downloaded by staff who may see the ticket (404 for anyone else)."""
    try:
        attachment = selectors.attachment_for_staff(
            viewer=signed_in_user(request), number=number, attachment_id=attachment_id
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return download_response(
        attachment.file.open("rb"), name=attachment.original_name, content_type=attachment.content_type
    )


def _visible_ticket(viewer: Any, number: str, now: dt.datetime) -> Ticket:
    """The ticket the viewer may see (tickets.selectors.ticket_get), or a 404 for one they may not see or
    that does not exist (the same answer, so that a number cannot be probed)."""
    try:
        return selectors.ticket_get(viewer=viewer, number=number, now=now)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_POST
@staff_required
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action on a ticket through `ticket_act`. A refused action changes nothing and says why."""
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    now = timezone.now()
    viewer = signed_in_user(request)
    ticket = _visible_ticket(viewer, number, now)
    chosen = Action(action)
    if action not in _allowed(ticket, viewer):
        # Refused before anything is read or written; ticket_act would refuse it the same way.
        refusal = _refusal(ticket, viewer, chosen)
        return _render_ticket(request, number, error_message=refusal.message, status=refusal.status_code)
    post = _posted(request)
    form = ACTION_FORMS[action](
        post if post is not None else QueryDict(),
        ticket=ticket,
        choices=_action_choices(ticket, [action], now),
    )
    if post is None:
        form.is_valid()
        form.add_error(None, _("The text is too long for the server to accept."))
        return _render_ticket(
            request, number, bound=form, error_message=_("Nothing was changed."), status=400
        )
    if not form.is_valid():
        message = _("Nothing was changed: please correct the fields marked below.")
        return _render_ticket(request, number, bound=form, error_message=message, status=400)
    try:
        services.ticket_act(ticket=ticket, actor=viewer, action=action, data=form.data_for_service())
    except InvalidInput as exc:
        form.put_service_errors(exc)
        return _render_ticket(
            request,
            number,
            bound=form,
            error_message=_("Nothing was changed: %(why)s") % {"why": exc.message},
            status=400,
        )
    except DomainError as exc:
        # Refused under the row lock (someone else acted first): nothing changed.
        status = exc.status_code if exc.status_code in (403, 409) else 400
        return _render_ticket(request, number, bound=form, error_message=exc.message, status=status)
    messages.success(
        request,
        _("Ticket %(number)s: “%(action)s” done.") % {"number": ticket.number, "action": chosen.label},
    )
    return redirect("console:ticket", number=ticket.number)


@require_POST
@staff_required
def ticket_attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a file to the ticket from its page: whoever may write an internal note on it may attach;
    the file is checked by its content (tickets.services.attachment_check). A refused or bad file
    changes nothing."""
    now = timezone.now()
    viewer = signed_in_user(request)
    ticket = _visible_ticket(viewer, number, now)
    if services.action_permitted(ticket=ticket, actor=viewer, action=Action.NOTE, via="staff"):
        message = _("Your role does not allow attaching files to this ticket.")
        return _render_ticket(request, number, error_message=message, status=403)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
        message = _("Nothing was attached: %(why)s") % {"why": errors}
        return _render_ticket(request, number, error_message=message, status=400)
    upload = form.cleaned_data["file"]
    try:
        attachment = services.attachment_add(
            ticket=ticket, actor=viewer, upload=upload, is_public=form.cleaned_data["is_public"]
        )
    except InvalidInput as exc:
        message = _("Nothing was attached: %(why)s") % {"why": exc.message}
        return _render_ticket(request, number, error_message=message, status=400)
    messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.original_name})
    return redirect("console:ticket", number=ticket.number)


@require_POST
@staff_required
def ticket_confirm_close(request: HttpRequest, number: str) -> HttpResponse:
    """The customer confirmed the fix (on the phone): record the confirmation, with the rating they gave,
    and close the ticket as confirmed in one step. Refused — and nothing changed — unless both the
    confirmation and the close are allowed to this viewer now."""
    now = timezone.now()
    viewer = signed_in_user(request)
    ticket = _visible_ticket(viewer, number, now)
    refusal = services.confirm_and_close_refusal(ticket=ticket, actor=viewer)
    if refusal is not None:
        return _render_ticket(request, number, error_message=refusal.message, status=refusal.status_code)
    post = _posted(request)
    form = ConfirmForm(post if post is not None else QueryDict(), ticket=ticket, choices=ActionChoices())
    if post is None or not form.is_valid():
        if post is None:
            form.add_error(None, _("The text is too long for the server to accept."))
        message = _("Nothing was changed: please correct the fields marked below.")
        return _render_ticket(request, number, bound=form, error_message=message, status=400)
    try:
        services.ticket_confirm_and_close(ticket=ticket, actor=viewer, data=form.data_for_service(), now=now)
    except DomainError as exc:
        status = exc.status_code if exc.status_code in (403, 409) else 400
        return _render_ticket(
            request,
            number,
            bound=form,
            error_message=_("Nothing was changed: %(why)s") % {"why": exc.message},
            status=status,
        )
    messages.success(
        request,
        _("Ticket %(number)s: the customer's confirmation is recorded and the ticket is closed.")
        % {"number": ticket.number},
    )
    return redirect("console:ticket", number=ticket.number)


# --- Logging a complaint ----------------------------------------------------------------------------------


@staff_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    _require_logging_role(request)
    post = _posted(request) if request.method == "POST" else None
    form = ComplaintForm(post)
    status = 200
    if request.method == "POST":
        if post is None:
            form = ComplaintForm(QueryDict())
            form.is_valid()
            form.add_error(None, _("The text is too long for the server to accept."))
        elif form.is_valid():
            try:
                ticket = _create_from_form(request, form.cleaned_data)
            except InvalidInput as exc:
                # The hidden look-up choices have no place of their own on the page: say it at the top.
                hidden = {"customer", "service", "reported_at"}
                for key, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(key if key in form.fields and key not in hidden else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
                form.mark_invalid()
            else:
                messages.success(
                    request, _("Complaint logged as ticket %(number)s.") % {"number": ticket.number}
                )
                return redirect("console:ticket", number=ticket.number)
        status = 400
    chosen_customer = chosen_service = None
    if form.is_bound and hasattr(form, "cleaned_data"):
        chosen_customer = form.cleaned_data.get("customer")
        chosen_service = form.cleaned_data.get("service")
    return render(
        request,
        "console/new.html",
        {"form": form, "chosen_customer": chosen_customer, "chosen_service": chosen_service},
        status=status,
    )


def _create_from_form(request: HttpRequest, data: dict[str, Any]) -> Ticket:
    """The customer (chosen, or found or created from the form) and the ticket, in one service call."""
    customer = data.get("customer") or {
        "name": data["name"],
        "email": data["email"],
        "phone": data["phone"],
        "region": data["region"],
        "tier": data["tier"],
    }
    return services.ticket_log(
        actor=signed_in_user(request),
        customer=customer,
        service=data.get("service"),
        category=data["category"],
        channel=data["channel"],
        description=data["description"],
        incident_at=data.get("incident_at"),
        public_exposure=data.get("public_exposure", False),
        via=services.Via.STAFF,
        now=timezone.now(),
    )


@require_GET
@staff_required
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type for the complaint form: a fragment listing customers and their services."""
    _require_logging_role(request)
    text = " ".join(request.GET.get("q", "").split())
    customers = selectors.customer_lookup(text=text)
    return render(
        request,
        "console/lookup.html",
        {
            "customers": customers,
            "text": text,
            "too_short": not selectors.search_long_enough(text),
        },
    )


# --- The inbox ----------------------------------------------------------------------------------------------

INBOX_LIMIT = 100


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:

    # Rendered in the language of the page (a notice owed in Indonesian reads in English on the English
    # console): the notification stores its template and context, not its words.
    items = inbox_for(user=signed_in_user(request), limit=INBOX_LIMIT, language=translation.get_language())
    return render(
        request,
        "console/inbox.html",
        {
            "items": items,
            "unread": sum(1 for item in items if item.notification.read_at is None),
            "limit": INBOX_LIMIT,
        },
    )


@require_POST
@staff_required
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the viewer's notifications read (someone else's is not found: nothing changes)."""

    inbox_mark_read(user=signed_in_user(request), notification_id=notification_id, at=timezone.now())
    return redirect("console:inbox")


@require_POST
@staff_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:

    count = inbox_mark_read(user=signed_in_user(request), notification_id=None, at=timezone.now())
    messages.success(
        request,
        ngettext("%(count)s notification marked read.", "%(count)s notifications marked read.", count)
        % {"count": count},
    )
    return redirect("console:inbox")
