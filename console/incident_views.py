"""The console's mass incident pages (SPEC §10): the list, declaring one, its page with the timeline of
public updates and the forms to post an update, change the expected restoration and resolve it with its
RCA; and linking a queue selection to an incident. Thin: reads in tickets.selectors, writes in
tickets.services.incidents (which decides who may: supervisors and the network operations team, as in
the API). Every staff member may read the incidents; a form the viewer may not use is not shown, and
its POST is refused (403) before anything is read or written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from console.incident_forms import (
    BulkLinkForm,
    IncidentForm,
    IncidentResolveForm,
    IncidentRestorationForm,
    IncidentUpdateForm,
)
from console.views import back_to_queue as _back_to_queue
from console.views import staff_required
from helpdesk.lib import keyset
from helpdesk.lib.errors import DomainError, InvalidInput, NotFound
from helpdesk.lib.http import signed_in_user
from reports import selectors as reports_selectors
from tickets import selectors
from tickets.models import Incident, Region, ServiceKind
from tickets.services import incidents as services

MANAGERS_ONLY = gettext_lazy(
    "Incidents are declared and updated by supervisors and the network operations team."
)


def _require_manager(request: HttpRequest) -> None:
    if not selectors.can_manage_incidents(request.user):
        raise PermissionDenied(MANAGERS_ONLY)


def _region_choices() -> list[tuple[int, str]]:
    return [(region.pk, f"{region.name} ({region.code})") for region in Region.objects.order_by("name")]


@require_GET
@staff_required
def incident_list(request: HttpRequest) -> HttpResponse:
    page = selectors.incident_list_page(cursor=request.GET.get("after"))
    count, more = keyset.capped_count(Incident.objects.filter(resolved_at__isnull=True))
    context = {
        "page": page,
        "incidents": page.rows,
        "open_count": count,
        "open_count_is_capped": more,
        "can_manage": selectors.can_manage_incidents(request.user),
    }
    return render(request, "console/incidents/list.html", context)


@staff_required
def incident_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = IncidentForm(request.POST if request.method == "POST" else None, regions=_region_choices())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.incident_declare(
                    actor=signed_in_user(request),
                    title=data["title"],
                    details_id=data["details_id"],
                    details_en=data["details_en"],
                    regions=data["regions"],
                    service_kinds=data["service_kinds"],
                    started_at=data["started_at"],
                    expected_restoration_at=data["expected_restoration_at"],
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Incident INC-%(id)s declared: matching complaints now join it.") % {"id": incident.pk},
                )
                return redirect("console:incident", incident_id=incident.pk)
    return render(request, "console/incidents/new.html", {"form": form}, status=status)


def _resolve_form(data: Any = None) -> IncidentResolveForm:
    now = timezone.now()
    return IncidentResolveForm(
        data,
        prefix="resolve",
        recent_rcas=[
            (rca.pk, f"RCA-{rca.pk}: {rca.problem_statement[:80]}")
            for rca in reports_selectors.recent_rcas(now=now)
        ],
        rca_categories=[
            (category.code, category.name) for category in reports_selectors.rca_categories(active_only=True)
        ],
    )


def _render_incident(
    request: HttpRequest,
    incident_id: int,
    *,
    bound: dict[str, Any] | None = None,
    error_message: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        shown = selectors.incident_page(incident_id=incident_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    incident = shown.incident
    can_manage = incident.is_open and selectors.can_manage_incidents(request.user)
    forms: dict[str, Any] = {}
    if can_manage:
        bound = bound or {}
        forms = {
            "update_form": bound.get("update") or IncidentUpdateForm(prefix="update"),
            "restoration_form": bound.get("restoration")
            or IncidentRestorationForm(
                prefix="restoration", initial={"expected_restoration_at": incident.expected_restoration_at}
            ),
            "resolve_form": bound.get("resolve") or _resolve_form(),
        }
    context = {
        "incident": incident,
        "regions": list(incident.regions.all()),
        "service_kinds": [ServiceKind(kind).label for kind in incident.service_kinds],
        "updates": shown.updates,
        "linked": shown.linked,
        "linked_open": shown.linked_open,
        "can_manage": can_manage,
        "error_message": error_message,
        **forms,
    }
    return render(request, "console/incidents/detail.html", context, status=status)


@require_GET
@staff_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _render_incident(request, incident_id)


def _incident_or_404(incident_id: int) -> Incident:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise Http404(_("No such incident."))
    return incident


def _refused(request: HttpRequest, incident_id: int, name: str, form: Any, exc: DomainError) -> HttpResponse:
    if isinstance(exc, InvalidInput):
        form.add_service_errors(exc, getattr(form, "service_fields", None))
        message = _("Nothing was changed: %(why)s") % {"why": exc.message}
        return _render_incident(request, incident_id, bound={name: form}, error_message=message, status=400)
    status = exc.status_code if exc.status_code in (403, 409) else 400
    return _render_incident(
        request, incident_id, bound={name: form}, error_message=exc.message, status=status
    )


def _invalid(request: HttpRequest, incident_id: int, name: str, form: Any) -> HttpResponse:
    message = _("Nothing was changed: please correct the fields marked below.")
    return _render_incident(request, incident_id, bound={name: form}, error_message=message, status=400)


@require_POST
@staff_required
def incident_post_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require_manager(request)
    incident = _incident_or_404(incident_id)
    form = IncidentUpdateForm(request.POST, prefix="update")
    if not form.is_valid():
        return _invalid(request, incident_id, "update", form)
    try:
        services.incident_update_post(
            incident=incident,
            actor=signed_in_user(request),
            body_id=form.cleaned_data["body_id"],
            body_en=form.cleaned_data["body_en"],
            expected_restoration_at=form.cleaned_data["expected_restoration_at"],
            now=timezone.now(),
        )
    except DomainError as exc:
        return _refused(request, incident_id, "update", form, exc)
    messages.success(request, _("Update posted: it is on its way to every linked customer and subscriber."))
    return redirect("console:incident", incident_id=incident.pk)


@require_POST
@staff_required
def incident_change_restoration(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require_manager(request)
    incident = _incident_or_404(incident_id)
    form = IncidentRestorationForm(request.POST, prefix="restoration")
    if not form.is_valid():
        return _invalid(request, incident_id, "restoration", form)
    try:
        services.incident_change(
            incident=incident,
            actor=signed_in_user(request),
            data={"expected_restoration_at": form.cleaned_data["expected_restoration_at"]},
            now=timezone.now(),
        )
    except DomainError as exc:
        return _refused(request, incident_id, "restoration", form, exc)
    messages.success(request, _("Expected restoration changed."))
    return redirect("console:incident", incident_id=incident.pk)


@require_POST
@staff_required
def incident_resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require_manager(request)
    incident = _incident_or_404(incident_id)
    form = _resolve_form(request.POST)
    if not form.is_valid():
        return _invalid(request, incident_id, "resolve", form)
    try:
        services.incident_resolve(
            incident=incident, actor=signed_in_user(request), rca=form.rca(), now=timezone.now()
        )
    except DomainError as exc:
        return _refused(request, incident_id, "resolve", form, exc)
    messages.success(
        request, _("Incident resolved: its open tickets are being resolved with its RCA, in batches.")
    )
    return redirect("console:incident", incident_id=incident.pk)


# --- Linking a queue selection ------------------------------------------------------------------------


@require_POST
@staff_required
def queue_link(request: HttpRequest) -> HttpResponse:
    """Link the tickets ticked in the queue to one open incident, each through `ticket_act` (its roles
    and stages, a history row each); says which were linked and which were refused, and why."""
    form = BulkLinkForm(request.POST, incidents=selectors.incident_link_choices())
    if not form.is_valid():
        messages.error(request, _("Nothing was linked: %(why)s") % {"why": form.error_text()})
        return _back_to_queue(request)
    incident = _incident_or_404(form.cleaned_data["incident"])
    try:
        results = services.incident_link_tickets(
            incident=incident, actor=signed_in_user(request), numbers=form.cleaned_data["tickets"]
        )
    except InvalidInput as exc:
        messages.error(request, _("Nothing was linked: %(why)s") % {"why": exc.message})
        return _back_to_queue(request)
    linked = sorted(number for number, why in results.items() if not why)
    refused = sorted((number, why) for number, why in results.items() if why)
    if linked:
        messages.success(
            request,
            ngettext(
                "%(count)s ticket linked to INC-%(id)s: %(numbers)s.",
                "%(count)s tickets linked to INC-%(id)s: %(numbers)s.",
                len(linked),
            )
            % {"count": len(linked), "id": incident.pk, "numbers": ", ".join(linked)},
        )
    # One line per reason (a selection of 500 refused for one reason is one message, not 500).
    reasons: dict[str, list[str]] = {}
    for number, why in refused:
        reasons.setdefault(why, []).append(number)
    for why, numbers in reasons.items():
        messages.error(
            request, _("%(number)s not linked: %(why)s") % {"number": ", ".join(numbers), "why": why}
        )
    return _back_to_queue(request)
