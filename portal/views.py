"""The customer portal (SPEC §1 customer, §3 portal channel, §11): file a complaint, track it, confirm or
reject the fix, rate the service. Server-rendered pages that work without JavaScript.

The pages call the same services and selectors as the portal API (tickets.api.portal): filing is
`ticket_file_from_portal`, tracking is `selectors.portal_ticket` (the same "not found" for a wrong contact
and an unknown number), confirm and reject are `ticket_act` via the portal, rating is `rating_record`.
Posts are rate-limited per client IP at the API's rates (settings.REST_FRAMEWORK throttle rates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.lib import ticket_numbers
from helpdesk.lib.errors import DomainError, NotFound
from helpdesk.lib.http import download_response
from helpdesk.lib.zones import INDONESIAN_ZONES
from portal.forms import ComplaintForm, PortalForm, RateForm, RejectForm, ReplyForm, SubscribeForm, TrackForm
from portal.limits import portal_limited
from reports import services as reports_services
from sla import selectors as sla_selectors
from tickets import selectors, services
from tickets.models import (
    OPEN_STAGES,
    Action,
    Channel,
    CloseReason,
    Incident,
    MessageKind,
    MessagePurpose,
    Region,
    ServiceKind,
    Stage,
    Ticket,
)
from tickets.services import incidents as incident_services

# SPEC: Indonesian first. The portal follows only the language the customer chose with the switch (the
# language cookie), never the browser's Accept-Language: a customer on an English-language phone still
# gets the Indonesian portal until they switch. (Staff pages keep Django's usual negotiation; the test
# settings set LANGUAGE_CODE to "en", which is why this is not simply settings.LANGUAGE_CODE.)
PORTAL_DEFAULT_LANGUAGE = "id"

# Which tickets this browser session has proven access to: {ticket number: contact as typed}. We keep
# access in the server-side session rather than carrying the contact in hidden fields so that the
# customer's email or phone is not written into every page and form, and cannot be replayed from a
# cached page; each request still re-checks it with `selectors.portal_ticket`, so access ends the
# moment the contact on record no longer matches. Access is per ticket: proving one ticket opens no other.
ACCESS_SESSION_KEY = "portal_access"
FILED_SESSION_KEY = "portal_filed"
# The service reference typed when filing that matched none of the customer's services (shown once).
UNMATCHED_REFERENCE_SESSION_KEY = "portal_unmatched_reference"
MAX_REMEMBERED_TICKETS = 10


# The stages in the customer's words (what has happened, not who did it).
STAGE_EXPLANATIONS = {
    Stage.RECEIVED: gettext_lazy("We have recorded your complaint and given it a ticket number."),
    Stage.VERIFIED: gettext_lazy("We have checked your service and account and classified the problem."),
    Stage.DISPATCHED: gettext_lazy("A technical team is working on the problem."),
    Stage.RESOLVED: gettext_lazy("The team reports the problem fixed. Please tell us whether it is solved."),
    Stage.CONFIRMED: gettext_lazy("You confirmed that the problem is solved."),
    Stage.CLOSED: gettext_lazy("The complaint is closed."),
}

MESSAGE_HEADINGS = {
    MessageKind.ACKNOWLEDGEMENT: gettext_lazy("Automatic confirmation"),
    MessageKind.REPLY: gettext_lazy("Reply from customer care"),
    MessageKind.CUSTOMER: gettext_lazy("Your message"),
    MessageKind.CONTACT: gettext_lazy("We contacted you"),
}


# --- Shared plumbing ------------------------------------------------------------------------------------


def _activate_portal_language(request: HttpRequest) -> None:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        language = translation.get_supported_language_variant(chosen) if chosen else PORTAL_DEFAULT_LANGUAGE
    except LookupError:
        language = PORTAL_DEFAULT_LANGUAGE
    translation.activate(language)
    request.LANGUAGE_CODE = language


# A page answers with a response: rendered (HttpResponse) or a streamed file (FileResponse).
R = TypeVar("R", bound=HttpResponseBase)


def portal_page(view: Callable[..., R]) -> Callable[..., R]:
    """Every portal page: in the portal's language (see PORTAL_DEFAULT_LANGUAGE)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        _activate_portal_language(request)
        return view(request, *args, **kwargs)

    return wrapper


def _is_limited(request: HttpRequest, *, scope: str) -> bool:
    """Count this request against the client's budget for `scope`, shared with the portal's API."""
    return portal_limited(request, scope=scope)


def _too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


def _remember_access(request: HttpRequest, *, number: str, contact: str) -> None:
    access = dict(request.session.get(ACCESS_SESSION_KEY, {}))
    access.pop(number, None)
    access[number] = contact
    while len(access) > MAX_REMEMBERED_TICKETS:
        access.pop(next(iter(access)))
    # A new session key whenever access grows, so a session id planted before (fixation) opens nothing.
    request.session.cycle_key()
    request.session[ACCESS_SESSION_KEY] = access


def _forget_access(request: HttpRequest, number: str) -> None:
    access = dict(request.session.get(ACCESS_SESSION_KEY, {}))
    if access.pop(number, None) is not None:
        request.session[ACCESS_SESSION_KEY] = access


def _ticket_with_access(request: HttpRequest, number: str) -> Ticket | None:
    """The ticket if this session has proven access to it (and the contact still matches), else None."""
    canonical = ticket_numbers.normalise(number)
    contact = request.session.get(ACCESS_SESSION_KEY, {}).get(canonical) if canonical else None
    if not contact:
        return None
    try:
        return selectors.portal_ticket(number=canonical or "", contact=contact)
    except NotFound:
        _forget_access(request, canonical or "")
        return None


def _ask_to_track(request: HttpRequest, number: str) -> HttpResponse:
    """Back to the track form, number filled in. The same answer for any number, known or not."""
    messages.info(request, _("Enter your ticket number and the email or phone you gave us to continue."))
    canonical = ticket_numbers.normalise(number) or ""
    return redirect(f"{reverse('portal:track')}?{urlencode({'number': canonical})}")


def _status_url(ticket: Ticket) -> str:
    return reverse("portal:ticket", kwargs={"number": ticket.number})


def _spelled(number: str) -> str:
    """K7QM-4X2A as a screen reader should read it out: one character at a time."""
    return ", ".join(" ".join(group) for group in number.split("-"))


# --- What a customer sees of a ticket ---------------------------------------------------------------------


def _can_rate(ticket: Ticket) -> bool:
    # The rule of reports.services.rating_record (which enforces it); here only to show the form.
    return (
        ticket.stage in (Stage.CONFIRMED, Stage.CLOSED)
        and ticket.close_reason in ("", CloseReason.CONFIRMED)
        and not hasattr(ticket, "rating")
    )


def _status_context(ticket: Ticket) -> dict[str, Any]:
    """Everything the status page shows, computed here so the template runs no queries."""
    zone = ticket.time_zone
    stage = Stage(ticket.stage)
    order = list(Stage)
    current = order.index(stage)
    steps = [
        {
            "label": candidate.label,
            "state": "done" if index < current else "current" if index == current else "upcoming",
        }
        for index, candidate in enumerate(order)
    ]
    deadlines: list[tuple[str, dt.datetime]] = []
    if not ticket.paused:
        if stage in OPEN_STAGES:
            if ticket.first_responded_at is None and ticket.first_response_due:
                deadlines.append((_("We will contact you by"), ticket.first_response_due))
            if ticket.resolution_due:
                deadlines.append((_("Target time to fix the problem"), ticket.resolution_due))
        elif stage == Stage.RESOLVED and ticket.resolved_at:
            until = sla_selectors.confirmation_due(ticket)
            if until is not None:
                deadlines.append((_("Please confirm or reject the fix by"), until))
    timeline = [
        {
            "heading": MESSAGE_HEADINGS.get(MessageKind(message.kind), ""),
            "kind": message.kind,
            # A system message in the customer's language (the page's), else the words as written.
            "body": message.text,
            "at": message.created_at,
            "purpose": message.purpose,
        }
        for message in ticket.public_messages  # type: ignore[attr-defined]
    ]
    # The latest message the desk sent when it resolved the complaint, shown on its own.
    resolution = next(
        (item for item in reversed(timeline) if item["purpose"] == MessagePurpose.RESOLUTION), None
    )
    rating = getattr(ticket, "rating", None) if ticket.stage in (Stage.CONFIRMED, Stage.CLOSED) else None
    return {
        "incident": _ticket_incident(ticket),
        "ticket": ticket,
        "stage_label": stage.label,
        "stage_explanation": STAGE_EXPLANATIONS[stage],
        "steps": steps,
        "deadlines": deadlines,
        "zone": zone,
        "zone_name": INDONESIAN_ZONES.get(zone, zone),
        "timeline": timeline,
        "resolution": resolution,
        "attachments": getattr(ticket, "public_attachments", []),
        "close_reason_label": CloseReason(ticket.close_reason).label if ticket.close_reason else "",
        "can_confirm": services.stage_refusal(ticket, Action.CONFIRM) is None,
        "can_reject": services.stage_refusal(ticket, Action.REJECT) is None,
        "can_rate": _can_rate(ticket),
        "can_reply": ticket.stage != Stage.CLOSED,
        "rating": rating,
        "number_spelled": _spelled(ticket.number),
    }


def _in_language(indonesian: str, english: str) -> str:
    """The text in the page's language: English when the customer chose it and we wrote it."""
    return english if english and translation.get_language() == "en" else indonesian


def _ticket_incident(ticket: Ticket) -> dict[str, Any] | None:
    """The mass incident a tracked ticket is part of, with its public updates newest first."""
    if ticket.incident_id is None:
        return None
    incident = Incident.objects.filter(pk=ticket.incident_id).first()
    if incident is None:
        return None
    return {
        "title": incident.title,
        "details": _in_language(incident.details_id, incident.details_en),
        "is_open": incident.is_open,
        "expected_at": incident.expected_restoration_at,
        "updates": [
            {"body": _in_language(update.body_id, update.body_en), "at": update.posted_at}
            for update in selectors.incident_updates(incident_id=incident.pk)
        ],
    }


def _render_status(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reject_form: RejectForm | None = None,
    rate_form: RateForm | None = None,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _status_context(ticket)
    context["reject_form"] = reject_form or RejectForm()
    context["rate_form"] = rate_form or RateForm()
    context["reply_form"] = reply_form or ReplyForm()
    return render(request, "portal/ticket.html", context, status=status)


# --- Pages ----------------------------------------------------------------------------------------------


@portal_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return _render_home(request)


def _render_home(
    request: HttpRequest, *, bound: tuple[int, SubscribeForm] | None = None, status: int = 200
) -> HttpResponse:
    stages = [(stage.label, STAGE_EXPLANATIONS[stage]) for stage in Stage]
    context = {"stages": stages, **_incidents_context(request, bound=bound)}
    return render(request, "portal/home.html", context, status=status)


# --- Known incidents (SPEC §10): the customer sees the outage before filing ---------------------------------


def _incidents_context(
    request: HttpRequest, *, bound: tuple[int, SubscribeForm] | None = None
) -> dict[str, Any]:
    """The open incidents of the region the customer names (`?region=`, a plain GET select that works
    without JavaScript), or every open incident with its regions when none is named; each with its
    latest update, expected restoration and the "keep me informed" form. Times in the region's zone
    (else the head office's)."""
    regions = list(Region.objects.order_by("name"))
    code = str(request.GET.get("region", ""))[:16]
    chosen = next((region for region in regions if region.code == code), None)
    kind = str(request.GET.get("kind", ""))
    kind = kind if kind in ServiceKind.values else ""
    zone = chosen.timezone if chosen else settings.DISPLAY_TIME_ZONE
    shown = []
    for incident in selectors.open_incidents(region_id=chosen.pk if chosen else None, service_kind=kind):
        latest = incident.latest_updates[0] if incident.latest_updates else None
        form = bound[1] if bound and bound[0] == incident.pk else None
        form = form or SubscribeForm(prefix=f"incident-{incident.pk}")
        shown.append(
            {
                "id": incident.pk,
                "title": incident.title,
                "details": _in_language(incident.details_id, incident.details_en),
                "regions": [region.name for region in incident.regions.all()],
                "started_at": incident.started_at,
                "expected_at": incident.expected_restoration_at,
                "latest": _in_language(latest.body_id, latest.body_en) if latest else "",
                "latest_at": latest.posted_at if latest else None,
                "form": form,
            }
        )
    return {
        "incidents": shown,
        "regions": [(region.code, region.name) for region in regions],
        "region": chosen.code if chosen else "",
        "region_name": chosen.name if chosen else "",
        "kinds": ServiceKind.choices,
        "kind": kind,
        "filter_query": urlencode(
            {
                name: value
                for name, value in (("region", chosen.code if chosen else ""), ("kind", kind))
                if value
            }
        )
        if chosen or kind
        else "",
        "incident_zone": zone,
        "incident_zone_name": INDONESIAN_ZONES.get(zone, zone),
    }


@portal_page
@require_POST
def incident_subscribe(request: HttpRequest, incident_id: int) -> HttpResponse:
    """ "I am affected — keep me informed": a subscription to the incident's updates instead of a
    complaint (tickets.services.incidents.incident_subscribe). Rate-limited like filing."""
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    back = reverse("portal:home")
    region = str(request.GET.get("region", ""))[:16]
    kind = str(request.GET.get("kind", ""))[:32]
    query = {name: value for name, value in (("region", region), ("kind", kind)) if value}
    if query:
        back = f"{back}?{urlencode(query)}"
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not incident.is_open:
        messages.info(request, _("This disruption is over: service is back."))
        return redirect(back)
    form = SubscribeForm(request.POST, prefix=f"incident-{incident.pk}")
    if form.is_valid():
        try:
            incident_services.incident_subscribe(
                incident=incident,
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                language=translation.get_language() or PORTAL_DEFAULT_LANGUAGE,
                time_zone=Region.objects.filter(code=region).values_list("timezone", flat=True).first() or "",
            )
        except DomainError as error:
            if not error.fields:
                messages.info(request, error.message)
                return redirect(back)
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("Thank you. We will send you every update on this disruption until service is back."),
            )
            return redirect(back)
    return _render_home(request, bound=(incident.pk, form), status=400)


@portal_page
@require_http_methods(["GET", "POST"])
def file_complaint(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        context = {"form": ComplaintForm(), **_incidents_context(request)}
        return render(request, "portal/file.html", context)
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    form = ComplaintForm(request.POST)
    if form.is_valid():
        try:
            ticket = services.ticket_file_from_portal(**form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            _remember_access(request, number=ticket.number, contact=ticket.contact_email)
            request.session[FILED_SESSION_KEY] = ticket.number
            reference = form.cleaned_data.get("service_ref", "").strip()
            request.session[UNMATCHED_REFERENCE_SESSION_KEY] = reference if ticket.service_id is None else ""
            return redirect("portal:filed")
    context = {"form": form, **_incidents_context(request)}
    return render(request, "portal/file.html", context, status=400)


@portal_page
@require_GET
def complaint_filed(request: HttpRequest) -> HttpResponse:
    """The confirmation after filing: the number, big, and what happens next. Only the session that
    filed the complaint sees it."""
    number = request.session.get(FILED_SESSION_KEY, "")
    ticket = _ticket_with_access(request, number) if number else None
    if ticket is None:
        return redirect("portal:file")
    context = _status_context(ticket)
    context["unmatched_reference"] = request.session.get(UNMATCHED_REFERENCE_SESSION_KEY, "")
    return render(request, "portal/filed.html", context)


@portal_page
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # Only the number may come in the address (from a link); the contact is never put in a URL.
        initial = {"number": str(request.GET.get("number", ""))[:40]}
        return render(request, "portal/track.html", {"form": TrackForm(initial=initial)})
    if _is_limited(request, scope="portal_track"):
        return _too_many_requests(request)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/track.html", {"form": form}, status=400)
    try:
        ticket = selectors.portal_ticket(
            number=form.cleaned_data["number"], contact=form.cleaned_data["contact"]
        )
    except NotFound:
        # One message for an unknown number and for a wrong contact (see selectors.portal_ticket).
        context = {"form": form, "not_found": selectors.PORTAL_NOT_FOUND}
        return render(request, "portal/track.html", context, status=404)
    _remember_access(request, number=ticket.number, contact=form.cleaned_data["contact"])
    return redirect(_status_url(ticket))


@portal_page
@require_GET
def ticket_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    """A file of the customer's own ticket that is visible to them (never an internal one), behind the
    same session access as the tracking page."""
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    try:
        attachment = selectors.attachment_for_customer(ticket=ticket, attachment_id=attachment_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return download_response(
        attachment.file.open("rb"), name=attachment.original_name, content_type=attachment.content_type
    )


@portal_page
@require_GET
def ticket_status(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    return _render_status(request, ticket)


def _act(
    request: HttpRequest,
    ticket: Ticket,
    perform: Callable[[], Any],
    *,
    done: str,
    form: PortalForm | None = None,
    render_form: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """Run a customer action; a refusal is shown as a message (or on the form), never as an error page."""
    try:
        perform()
    except DomainError as error:
        if form is not None and render_form is not None and error.fields:
            form.add_domain_error(error)
            return render_form()
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_status_url(ticket))


@portal_page
@require_POST
def ticket_confirm(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    return _act(
        request,
        ticket,
        lambda: services.ticket_act(
            ticket=ticket, actor=None, action=Action.CONFIRM, data={}, via=services.Via.PORTAL
        ),
        done=_("Thank you for confirming. We are glad the problem is solved."),
    )


@portal_page
@require_POST
def ticket_reject(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _render_status(request, ticket, reject_form=form, status=400)
    return _act(
        request,
        ticket,
        lambda: services.ticket_act(
            ticket=ticket,
            actor=None,
            action=Action.REJECT,
            data={"reason": form.cleaned_data["reason"]},
            via=services.Via.PORTAL,
        ),
        done=_(
            "We are sorry the problem is not solved. Your complaint is back with the technical team "
            "and a supervisor will review it."
        ),
        form=form,
        render_form=lambda: _render_status(request, ticket, reject_form=form, status=400),
    )


@portal_page
@require_POST
def ticket_reply(request: HttpRequest, number: str) -> HttpResponse:
    """The customer writes on their ticket, with photos or screenshots if they like, at any stage but
    closed (no need to reject a fix to say something); a clock paused for them runs again, as when they
    answer by email (`ticket_customer_message`)."""
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_status(request, ticket, reply_form=form, status=400)
    return _act(
        request,
        ticket,
        lambda: services.ticket_customer_message(
            ticket=ticket,
            body=form.cleaned_data["body"],
            channel=Channel.PORTAL,
            uploads=form.cleaned_data["attachments"],
        ),
        done=_("Thank you, your message has been added to your complaint. We will get back to you."),
        form=form,
        render_form=lambda: _render_status(request, ticket, reply_form=form, status=400),
    )


@portal_page
@require_POST
def ticket_rate(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket_with_access(request, number)
    if ticket is None:
        return _ask_to_track(request, number)
    if _is_limited(request, scope="portal"):
        return _too_many_requests(request)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _render_status(request, ticket, rate_form=form, status=400)
    return _act(
        request,
        ticket,
        lambda: reports_services.rating_record(
            ticket=ticket,
            csat=form.cleaned_data["csat"],
            nps=form.cleaned_data["nps"],
            comment=form.cleaned_data["comment"],
            via="portal",
        ),
        done=_("Thank you for your rating."),
        form=form,
        render_form=lambda: _render_status(request, ticket, rate_form=form, status=400),
    )
