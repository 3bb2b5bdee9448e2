"""Supervisor pages (SPEC §7, §11): the escalation queue of each level, with acknowledge and reassign,
and the live board of tickets at risk and breached. Thin: reads in escalation.selectors, writes in
escalation.services and tickets.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console import selectors
from console.escalation_forms import ReassignForm
from console.queue_rows import board_cards
from escalation import selectors as escalation_selectors
from escalation import services
from escalation.models import Escalation, Level
from helpdesk.lib.errors import DomainError, NotAllowedNow
from helpdesk.lib.http import HtmxHttpRequest, signed_in_user
from tickets import services as ticket_services
from tickets.models import Action


def _reassign_context() -> dict[str, Any]:
    """The people and teams of the reassign pickers, with their <option>s rendered once for every row
    (console's `selecting` filter marks each row's assignee)."""
    choices = selectors.reassign_choices()
    return {
        **choices,
        "people_options": render_to_string("console/escalations/_people_options.html", choices),
        "team_options": render_to_string("console/escalations/_team_options.html", choices),
    }


def _require_supervising(request: HttpRequest) -> None:
    if not selectors.can_see_escalations(request.user):
        raise PermissionDenied(_("Escalation queues are for supervisors, managers and directors."))


def _level_of(request: HttpRequest) -> int:
    """The tab asked for, or the viewer's own level (nonsense falls back too, never a 500)."""
    try:
        level = int(request.GET.get("level") or 0)
    except ValueError:
        level = 0
    return level if level in Level.values else selectors.default_level(request.user)


def _queue_url(level: int, show: str = selectors.SHOW_OPEN) -> str:
    query: dict[str, int | str] = (
        {"level": level} if show == selectors.SHOW_OPEN else {"level": level, "show": show}
    )
    return f"{reverse('escalations:queue')}?{urlencode(query)}"


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_supervising(request)
    level = _level_of(request)
    show = request.GET.get("show", selectors.SHOW_OPEN)
    if show not in selectors.SHOW_CHOICES:
        show = selectors.SHOW_OPEN
    viewer = signed_in_user(request)
    counts = selectors.open_counts(viewer=viewer)
    page = selectors.escalation_queue(
        viewer=viewer, level=level, show=show, now=timezone.now(), cursor=request.GET.get("after")
    )
    context: dict[str, Any] = {
        "level": level,
        "level_label": Level(level).label,
        "tabs": [
            {
                "value": value,
                "label": label,
                "count": counts[value][0],
                "count_is_capped": counts[value][1],
                "url": _queue_url(value, show),
            }
            for value, label in Level.choices
        ],
        "show": show,
        "show_choices": [
            (selectors.SHOW_OPEN, _("Open")),
            (selectors.SHOW_ACKNOWLEDGED, _("Acknowledged")),
            (selectors.SHOW_ALL, _("All")),
        ],
        "escalations": page.rows,
        "page": page,
        "page_url": _queue_url(level, show),
        **_reassign_context(),
    }
    return render(request, "console/escalations/queue.html", context)


def _visible_escalation(request: HttpRequest, escalation_id: int) -> Escalation:
    escalation = (
        escalation_selectors.escalations_visible(viewer=request.user).filter(pk=escalation_id).first()
    )
    if escalation is None:
        raise Http404(_("No such escalation."))
    return escalation


def _row_response(
    request: HttpRequest, escalation: Escalation, *, error: str = "", notice: str = ""
) -> HttpResponse:
    """Just the row of one escalation, for HTMX to swap in place (htmx swaps only 2xx answers, so the
    row itself says whether it worked)."""
    viewer = signed_in_user(request)
    row = selectors.escalation_row(viewer=viewer, escalation_id=escalation.pk, now=timezone.now())
    context = {"row": row, "row_error": error, "row_notice": notice, **_reassign_context()}
    response = render(request, "console/escalations/queue.html#escalation-row", context)
    # The tabs' open counts change with an acknowledgement or a move to another level: htmx swaps these
    # badges in by their ids (out of band) along with the row.
    counts = selectors.open_counts(viewer=viewer)
    tabs = [
        {"value": value, "count": counts[value][0], "count_is_capped": counts[value][1]}
        for value in Level.values
    ]
    response.content += render_to_string(
        "console/escalations/queue.html#open-counts", {"tabs": tabs}, request=request
    ).encode()
    return response


def _answer(request: HtmxHttpRequest, escalation: Escalation, *, error: str, notice: str) -> HttpResponse:
    if request.htmx:
        return _row_response(request, escalation, error=error, notice=notice)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(_queue_url(escalation.level))


@require_POST
@login_required
def acknowledge(request: HtmxHttpRequest, escalation_id: int) -> HttpResponse:
    _require_supervising(request)
    escalation = _visible_escalation(request, escalation_id)
    error = ""
    try:
        services.escalation_acknowledge(
            escalation_id=escalation.pk, actor=signed_in_user(request), at=timezone.now()
        )
    except DomainError as exc:
        error = str(exc)
    return _answer(request, escalation, error=error, notice=_("Escalation acknowledged."))


@require_POST
@login_required
def reassign(request: HtmxHttpRequest, escalation_id: int) -> HttpResponse:
    _require_supervising(request)
    escalation = _visible_escalation(request, escalation_id)
    form = ReassignForm(request.POST)
    error = notice = ""
    if not form.is_valid():
        error = form.error_text()
    else:
        data: dict[str, Any] = {"assignee": form.cleaned_data["assignee"]}
        if form.cleaned_data.get("team"):
            data["team"] = form.cleaned_data["team"]
        try:
            if escalation.ticket is None:
                raise NotAllowedNow(
                    _("An incident's escalation is reassigned through its tickets, not here.")
                )
            result = ticket_services.ticket_act(
                ticket=escalation.ticket, actor=signed_in_user(request), action=Action.ASSIGN, data=data
            )
        except DomainError as exc:
            error = str(exc)
        else:
            ticket = result.ticket
            # The form requires a person, so the assignment always leaves the ticket with one.
            assignee = ticket.assignee
            person = (assignee.get_full_name() or assignee.get_username()) if assignee is not None else ""
            notice = _("Ticket %(number)s assigned to %(person)s.") % {
                "number": ticket.number,
                "person": person,
            }
    return _answer(request, escalation, error=error, notice=notice)


@require_GET
@login_required
def board(request: HtmxHttpRequest) -> HttpResponse:
    _require_supervising(request)
    now = timezone.now()
    columns = selectors.live_board(viewer=signed_in_user(request), now=now, limit=selectors.BOARD_LIMIT)
    context = {
        "breached": columns["breached"],
        "at_risk": columns["at_risk"],
        "breached_cards": board_cards(columns["breached"].tickets, now=now),
        "at_risk_cards": board_cards(columns["at_risk"].tickets, now=now),
        "limit": selectors.BOARD_LIMIT,
        "updated_at": timezone.now(),
    }
    template = (
        "console/escalations/board.html#board-body" if request.htmx else "console/escalations/board.html"
    )
    return render(request, template, context)
