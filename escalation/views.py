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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalation import selectors, services
from escalation.forms import ReassignForm
from escalation.models import Escalation, Level
from helpdesk.lib.errors import DomainError
from tickets import services as ticket_services
from tickets.models import Action, Team
from tickets.selectors import staff_choices


def _require_supervising(request: HttpRequest) -> None:
    if not selectors.can_see_escalations(request.user):
        raise PermissionDenied(_("Escalation queues are for supervisors, managers and directors."))


def _queue_context(request: HttpRequest, level: int, show_acknowledged: bool) -> dict[str, Any]:
    now = timezone.now()
    return {
        "level": level,
        "levels": Level.choices,
        "counts": selectors.open_counts(viewer=request.user),
        "show_acknowledged": show_acknowledged,
        "escalations": list(
            selectors.escalation_queue(
                viewer=request.user, level=level, show_acknowledged=show_acknowledged, now=now
            )
        ),
        "people": list(staff_choices()),
        "teams": list(Team.objects.order_by("name")),
    }


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_supervising(request)
    try:
        level = int(request.GET.get("level") or selectors.default_level(request.user))
    except ValueError:
        level = selectors.default_level(request.user)
    if level not in Level.values:
        level = selectors.default_level(request.user)
    context = _queue_context(request, level, request.GET.get("show") == "acknowledged")
    return render(request, "escalation/queue.html", context)


def _visible_escalation(request: HttpRequest, escalation_id: int) -> Escalation:
    from escalation.queries import escalations_visible

    escalation = escalations_visible(viewer=request.user).filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404(_("No such escalation."))
    return escalation


def _row_response(request: HttpRequest, escalation: Escalation, error: str = "") -> HttpResponse:
    """Just the row of one escalation, for HTMX to swap in place."""
    row = selectors.escalation_queue(
        viewer=request.user, level=escalation.level, show_acknowledged=None, now=timezone.now()
    ).get(pk=escalation.pk)
    context = {
        "row": row,
        "row_error": error,
        "people": list(staff_choices()),
        "teams": list(Team.objects.order_by("name")),
    }
    return render(request, "escalation/queue.html#escalation-row", context)


@require_POST
@login_required
def acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    _require_supervising(request)
    escalation = _visible_escalation(request, escalation_id)
    error = ""
    try:
        services.escalation_acknowledge(escalation_id=escalation.pk, actor=request.user, at=timezone.now())
    except DomainError as exc:
        error = str(exc)
    if request.htmx:
        # htmx swaps only 2xx answers: the row itself says whether it worked.
        return _row_response(request, escalation, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Escalation acknowledged."))
    return redirect(_queue_url(escalation.level))


def _queue_url(level: int) -> str:
    from django.urls import reverse

    return f"{reverse('escalations:queue')}?level={level}"


@require_POST
@login_required
def reassign(request: HttpRequest, escalation_id: int) -> HttpResponse:
    _require_supervising(request)
    escalation = _visible_escalation(request, escalation_id)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person to assign the ticket to."))
        return redirect(_queue_url(escalation.level))
    data = {"assignee": form.cleaned_data["assignee"], "team": form.cleaned_data.get("team") or ""}
    try:
        ticket_services.ticket_act(
            ticket=escalation.ticket, actor=request.user, action=Action.ASSIGN, data=data
        )
        messages.success(request, _("Ticket %(number)s reassigned.") % {"number": escalation.ticket.number})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_queue_url(escalation.level))


@require_GET
@login_required
def board(request: HttpRequest) -> HttpResponse:
    _require_supervising(request)
    columns = selectors.live_board(viewer=request.user, now=timezone.now())
    context = {"breached": columns["breached"], "at_risk": columns["at_risk"], "limit": selectors.BOARD_LIMIT}
    template = "escalation/board.html#board-body" if request.htmx else "escalation/board.html"
    return render(request, template, context)
