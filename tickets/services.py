"""Writes of the tickets module. `ticket_act` is the one transition function: every stage change and
every other action on a ticket goes through it (SPEC §5, STYLE "Where logic lives")."""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import pghistory
import structlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from escalation.models import NotificationChannel
from helpdesk.lib import ticket_numbers
from helpdesk.lib.contact import normalise_email, normalise_phone
from helpdesk.lib.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from helpdesk.lib.roles import Role, has_role, roles_of
from reports import services as reports_services
from sla import services as sla
from tickets.models import (
    ACTIONS,
    CLOSE_REASONS_BY_STAGE,
    HISTORY_FIELDS,
    Action,
    Attachment,
    BillingStatus,
    Category,
    CategoryRoute,
    Channel,
    Classification,
    CloseReason,
    Customer,
    CustomerTier,
    MessageKind,
    Region,
    Service,
    ServiceKind,
    ServiceStatus,
    Stage,
    Team,
    Ticket,
    TicketMessage,
)

log = structlog.get_logger(__name__)

# Inputs are bounded: a time before this is a typo (or an attack on date arithmetic), never a complaint.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Clocks of phones and PCs drift: a report time this far "in the future" is taken as now.
CLOCK_SKEW = dt.timedelta(seconds=60)


class Via:
    """Who is acting: staff in the console or API, or the customer through the public portal."""

    STAFF = "staff"
    PORTAL = "portal"
    EMAIL = "email"
    SYSTEM = "system"


# --- Input checks shared by every write -----------------------------------------------------------------


def clean_text(value: object, *, field: str, max_length: int, required: bool = True) -> str:
    """Text as stored: trimmed, bounded, no NUL (PostgreSQL refuses it). HTML is kept as typed and
    escaped wherever it is shown."""
    text = "" if value is None else str(value)
    text = text.strip()
    if required and not text:
        raise InvalidInput(_("This field is required."), fields={field: [_("This field is required.")]})
    if len(text) > max_length:
        message = _("At most %(max)s characters (this has %(count)s).") % {
            "max": max_length,
            "count": len(text),
        }
        raise InvalidInput(message, fields={field: [message]})
    if "\x00" in text:
        message = _("The text contains a character that is not allowed (NUL).")
        raise InvalidInput(message, fields={field: [message]})
    return text


def clean_past_time(value: dt.datetime | None, *, field: str, now: dt.datetime) -> dt.datetime:
    """A moment that has already happened: aware, not in the future, not before 2000."""
    if value is None:
        raise InvalidInput(_("This field is required."), fields={field: [_("This field is required.")]})
    if timezone.is_naive(value):
        message = _("Give the time with its UTC offset, e.g. 2026-01-31T09:30:00+07:00.")
        raise InvalidInput(message, fields={field: [message]})
    if value > now + CLOCK_SKEW:
        message = _("This time is in the future.")
        raise InvalidInput(message, fields={field: [message]})
    if value < EARLIEST_TIME:
        message = _("This time is too far in the past.")
        raise InvalidInput(message, fields={field: [message]})
    return min(value, now)


def _choice(value: object, choices: type, *, field: str, required: bool = True) -> str:
    text = "" if value is None else str(value)
    if not text and not required:
        return ""
    if text not in choices.values:  # type: ignore[attr-defined]
        allowed = ", ".join(choices.values)  # type: ignore[attr-defined]
        message = _("“%(value)s” is not one of: %(allowed)s.") % {"value": text[:40], "allowed": allowed}
        raise InvalidInput(message, fields={field: [message]})
    return text


# --- Reference data ------------------------------------------------------------------------------------


def customer_find_or_create(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    region: Region | None = None,
    tier: str = CustomerTier.REGULAR,
) -> tuple[Customer, bool]:
    """The customer with this email (else phone), or a new one. Contact details are normalised first;
    an existing customer's record is never overwritten from here (a portal visitor cannot change it)."""
    errors: dict[str, list[str]] = {}
    try:
        name = clean_text(name, field="name", max_length=200)
    except InvalidInput as exc:
        errors.update(exc.fields)
    email_n = phone_n = ""
    if email:
        try:
            email_n = normalise_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if phone:
        try:
            phone_n = normalise_phone(phone)
        except ValidationError:
            errors["phone"] = [_("Enter a valid phone number.")]
    if not email and not phone:
        errors["email"] = [_("Give an email address or a phone number.")]
    if errors:
        raise InvalidInput(_("The customer's details are not valid."), fields=errors)
    with transaction.atomic():
        # Serialise find-or-create on the same contact so two simultaneous complaints make one customer.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"customer:{email_n or phone_n}"])
        found = None
        if email_n:
            found = Customer.objects.filter(email=email_n).order_by("id").first()
        if found is None and phone_n:
            found = Customer.objects.filter(phone=phone_n).order_by("id").first()
        if found is not None:
            return found, False
        customer = Customer.objects.create(name=name, email=email_n, phone=phone_n, region=region, tier=tier)
        return customer, True


def customer_create(*, name: str, email: str, phone: str, tier: str, region: Region | None) -> Customer:
    """A new customer record (staff). Refuses a second customer with the same email or phone."""
    customer, created = customer_find_or_create(name=name, email=email, phone=phone, region=region, tier=tier)
    if not created:
        message = _("A customer with this email or phone already exists (id %(id)s).") % {"id": customer.pk}
        raise NotAllowedNow(message, code="customer_exists")
    return customer


def service_create(
    *,
    customer: Customer,
    kind: str,
    region: Region,
    reference: str,
    status: str = ServiceStatus.ACTIVE,
    billing_status: str = BillingStatus.PAID,
    overdue_amount: Decimal | str | int = 0,
) -> Service:
    """A customer's service subscription."""
    errors: dict[str, list[str]] = {}
    try:
        kind = _choice(kind, ServiceKind, field="kind")
        status = _choice(status, ServiceStatus, field="status")
        billing_status = _choice(billing_status, BillingStatus, field="billing_status")
        reference = clean_text(reference, field="reference", max_length=64)
    except InvalidInput as exc:
        errors.update(exc.fields)
    try:
        amount = Decimal(str(overdue_amount))
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["overdue_amount"] = [_("Give an amount of zero or more.")]
        amount = Decimal(0)
    if not errors and billing_status == BillingStatus.PAID and amount != 0:
        errors["overdue_amount"] = [_("A paid-up service has no overdue amount.")]
    if not errors and Service.objects.filter(reference=reference).exists():
        errors["reference"] = [_("A service with this reference already exists.")]
    if errors:
        raise InvalidInput(_("The service's details are not valid."), fields=errors)
    try:
        with transaction.atomic():
            return Service.objects.create(
                customer=customer,
                kind=kind,
                region=region,
                reference=reference,
                status=status,
                billing_status=billing_status,
                overdue_amount=amount,
            )
    except IntegrityError as exc:
        raise InvalidInput(
            _("A service with this reference already exists."),
            fields={"reference": [_("A service with this reference already exists.")]},
        ) from exc


# --- Creating tickets ----------------------------------------------------------------------------------


FIRST_LINE_TEAM = "Customer Care"


def _next_ticket_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('ticket_number_seq')")
        (value,) = cursor.fetchone()
    return ticket_numbers.encode(int(value))


def _actor_context(actor: AbstractBaseUser | None, via: str) -> dict[str, Any]:
    return {
        "user": getattr(actor, "pk", None),
        "username": getattr(actor, "username", None)
        or ("customer" if via in (Via.PORTAL, Via.EMAIL) else "system"),
        "via": via,
    }


def ticket_create(
    *,
    actor: AbstractBaseUser | None,
    customer: Customer,
    category: str,
    channel: str,
    description: str,
    incident_at: dt.datetime | None,
    service: Service | None = None,
    classification: str = "",
    reported_at: dt.datetime | None = None,
    public_exposure: bool = False,
    contact_email: str = "",
    contact_phone: str = "",
    via: str = Via.STAFF,
    now: dt.datetime | None = None,
) -> Ticket:
    """Record a complaint (stage 1): a ticket number is issued, the SLA clocks start at the report time,
    the customer is sent the number, and a public complaint notifies the manager."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def check(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except InvalidInput as exc:
            errors.update(exc.fields)
            return None

    category = check(lambda: _choice(category, Category, field="category"))
    channel = check(lambda: _choice(channel, Channel, field="channel"))
    classification = check(
        lambda: _choice(classification, Classification, field="classification", required=False)
    )
    max_description = settings.HELPDESK["DESCRIPTION_MAX_LENGTH"]
    description = check(lambda: clean_text(description, field="description", max_length=max_description))
    reported = check(lambda: clean_past_time(reported_at or now, field="reported_at", now=now))
    incident = check(lambda: clean_past_time(incident_at, field="incident_at", now=now))
    if incident and reported and incident > reported:
        errors["incident_at"] = [_("The incident cannot have happened after it was reported.")]
    if service is not None and service.customer_id != customer.pk:
        errors["service"] = [_("This service does not belong to the customer.")]
    if errors:
        raise InvalidInput(
            _("The complaint cannot be recorded; see the messages for each field."), fields=errors
        )

    with transaction.atomic(), pghistory.context(**_actor_context(actor, via), action="create"):
        ticket = Ticket(
            number=_next_ticket_number(),
            customer=customer,
            service=service,
            category=category,
            classification=classification or "",
            channel=channel,
            description=description,
            incident_at=incident,
            reported_at=reported,
            public_exposure=bool(public_exposure),
            contact_email=contact_email,
            contact_phone=contact_phone,
            created_by=actor if getattr(actor, "pk", None) else None,
            # Stage 1 belongs to Customer Care (SPEC §5): the agent who logs a complaint holds it; one
            # filed on the portal waits for the team. Either way the SLA watcher has an owner to warn.
            team=Team.objects.filter(name=FIRST_LINE_TEAM).first(),
            assignee=actor if has_role(actor, Role.AGENT) else None,
        )
        sla.sla_start(ticket, now=now)
        ticket.save()
        TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.ACKNOWLEDGEMENT,
            channel=channel,
            body=_("We have received your complaint. Your ticket number is %(number)s.")
            % {"number": ticket.number},
        )
        escalation_services.notify_customer(
            ticket=ticket,
            template="ticket_received",
            context={"number": ticket.number},
            dedupe_key=f"ticket:{ticket.pk}:received",
        )
        if ticket.public_exposure:
            escalation_services.escalation_for_public_exposure(ticket=ticket, at=now)
    log.info("ticket_created", number=ticket.number, channel=channel, via=via)
    return ticket


def ticket_file_from_portal(
    *,
    name: str,
    email: str,
    phone: str,
    category: str,
    description: str,
    incident_at: dt.datetime | None,
    service_ref: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """A customer files a complaint on the portal. Both email and phone are required there, so the
    customer can track the ticket with either."""
    errors: dict[str, list[str]] = {}
    if not (email or "").strip():
        errors["email"] = [_("This field is required.")]
    if not (phone or "").strip():
        errors["phone"] = [_("This field is required.")]
    email_n = phone_n = ""
    if not errors:
        try:
            email_n = normalise_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
        try:
            phone_n = normalise_phone(phone)
        except ValidationError:
            errors["phone"] = [_("Enter a valid phone number.")]
    if errors:
        raise InvalidInput(
            _("The complaint cannot be filed; see the messages for each field."), fields=errors
        )
    with transaction.atomic():
        customer, _created = customer_find_or_create(name=name, email=email_n, phone=phone_n)
        service = None
        reference = (service_ref or "").strip()
        if reference:
            service = Service.objects.filter(reference=reference[:64], customer=customer).first()
            if service is None:
                # The same answer whether the reference is unknown or someone else's.
                message = _("We could not find this service reference for your contact details.")
                raise InvalidInput(message, fields={"service_ref": [message]})
        return ticket_create(
            actor=None,
            customer=customer,
            service=service,
            category=category,
            channel=Channel.PORTAL,
            description=description,
            incident_at=incident_at,
            contact_email=email_n,
            contact_phone=phone_n,
            via=Via.PORTAL,
            now=now,
        )


def ticket_customer_message(
    *, ticket: Ticket, body: str, channel: str = Channel.EMAIL, now: dt.datetime | None = None
) -> TicketMessage:
    """The customer writes again about their ticket (an email reply): the text joins the ticket's thread,
    a clock paused to wait for the customer runs again, and whoever holds the ticket is told in their
    inbox. Any stage but closed (a closed ticket is answered with a new complaint).

    Not an action of `ticket_act`: the stage does not move and the writer is the customer, not a staff role
    of the ACTIONS table; the row lock, the history row and the SLA call are the same."""
    now = now or timezone.now()
    text = clean_text(body, field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    context = _actor_context(None, Via.EMAIL)
    with transaction.atomic(), pghistory.context(**context, action="customer_message"):
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if locked.stage == Stage.CLOSED:
            raise NotAllowedNow(_("This ticket is closed."))
        message = TicketMessage.objects.create(
            ticket=locked, kind=MessageKind.CUSTOMER, channel=channel, body=text
        )
        fields = sla.sla_resumed(locked, at=now, actor_id=None) if locked.paused else []
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        else:
            pghistory.create_event(locked, label="acted")
        if locked.assignee_id is not None:
            escalation_services.notify_staff(
                users=[locked.assignee],
                template="ticket_customer_message",
                ticket=locked,
                context={"number": locked.number, "resumed": bool(fields)},
                dedupe_key=f"customer-message:{message.pk}",
                channels=(NotificationChannel.INBOX,),
            )
    log.info("ticket_customer_message", number=locked.number, channel=channel, resumed=bool(fields))
    return message


# --- The transition function ---------------------------------------------------------------------------


@dataclass
class ActionResult:
    """What `ticket_act` did: the ticket after the action, and any record it made."""

    ticket: Ticket
    message: TicketMessage | None = None
    escalation_id: int | None = None


STAGE_NAMES = dict(Stage.choices)
ACTION_NAMES = dict(Action.choices)


def _actor_teams(actor: AbstractBaseUser | None) -> set[int]:
    if actor is None:
        return set()
    cached = getattr(actor, "_helpdesk_team_ids", None)
    if cached is None:
        cached = set(Team.objects.filter(members__pk=actor.pk).values_list("id", flat=True))
        actor._helpdesk_team_ids = cached  # type: ignore[attr-defined]
    return cached


def action_permitted(
    *, ticket: Ticket, actor: AbstractBaseUser | None, action: Action, via: str
) -> str | None:
    """None if the actor may take `action` on `ticket` as far as roles go, else why not."""
    rule = ACTIONS[action]
    if via == Via.PORTAL:
        if action in (Action.CONFIRM, Action.REJECT):
            return None
        return _("Customers cannot do this on the portal.")
    if actor is not None and getattr(actor, "is_superuser", False):
        return None
    roles = roles_of(actor)
    allowed = roles & rule.roles
    if not allowed:
        names = ", ".join(sorted(role.value for role in rule.roles))
        return _("Your role does not allow “%(action)s”; it needs one of: %(roles)s.") % {
            "action": ACTION_NAMES[action],
            "roles": names,
        }
    if allowed <= rule.team_only and (ticket.team_id is None or ticket.team_id not in _actor_teams(actor)):
        return _("Only members of the ticket's team can do “%(action)s”.") % {"action": ACTION_NAMES[action]}
    return None


def stage_refusal(ticket: Ticket, action: Action) -> str | None:
    """None if `action` is allowed in the ticket's current stage and pause state, else why not."""
    rule = ACTIONS[action]
    if ticket.stage not in rule.sources:
        allowed = ", ".join(str(STAGE_NAMES[s]) for s in Stage if s in rule.sources)
        return _(
            "A ticket in stage “%(stage)s” cannot be given “%(action)s”; that needs stage: %(allowed)s."
        ) % {
            "stage": STAGE_NAMES[ticket.stage],
            "action": ACTION_NAMES[action],
            "allowed": allowed,
        }
    if rule.needs_paused is True and not ticket.paused:
        return _("The ticket is not waiting for the customer.")
    if rule.needs_paused is False and ticket.paused:
        return _("The ticket is waiting for the customer; resume it first.")
    return None


def allowed_actions(*, ticket: Ticket, actor: AbstractBaseUser | None) -> list[Action]:
    """The actions this person can take on this ticket now (for the console's buttons)."""
    return [
        action
        for action in ACTIONS
        if stage_refusal(ticket, action) is None
        and action_permitted(ticket=ticket, actor=actor, action=action, via=Via.STAFF) is None
    ]


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _user(value: object, *, field: str, role: Role | None = None) -> Any:
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(str(value)), is_active=True)
    except (ValueError, User.DoesNotExist) as exc:
        raise InvalidInput(_("Unknown user."), fields={field: [_("Unknown user.")]}) from exc
    if role is not None and role not in roles_of(user):
        message = _("This person is not a %(role)s.") % {"role": role.value}
        raise InvalidInput(message, fields={field: [message]})
    return user


def _team(value: object) -> Team:
    try:
        return Team.objects.get(pk=int(str(value)))
    except (ValueError, Team.DoesNotExist) as exc:
        raise InvalidInput(_("Unknown team."), fields={"team": [_("Unknown team.")]}) from exc


class _Change:
    """What an action changed, and what it must do after commit."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.message: TicketMessage | None = None
        self.escalation_id: int | None = None
        # Work that needs the new stage saved first (still inside the same transaction).
        self.after_save: list[Callable[[Ticket], None]] = []


def _do_respond(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    body = clean_text(data.get("body"), field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    channel = _choice(data.get("channel") or "", Channel, field="channel", required=False)
    # A call or visit logged by a person counts as contact; a written reply is emailed to the customer.
    kind = MessageKind.CONTACT if channel in (Channel.PHONE, Channel.WALK_IN) else MessageKind.REPLY
    change.message = TicketMessage.objects.create(
        ticket=ticket, kind=kind, author=actor, channel=channel, body=body
    )
    change.fields += sla.sla_first_response(ticket, at=now)
    if kind == MessageKind.REPLY:
        escalation_services.notify_customer(
            ticket=ticket,
            template="ticket_reply",
            context={"number": ticket.number, "body": body},
            dedupe_key=f"message:{change.message.pk}",
        )


def _do_note(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    body = clean_text(data.get("body"), field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    change.message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=actor, body=body
    )


def _do_verify(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    errors: dict[str, list[str]] = {}
    classification = category = ""
    try:
        classification = _choice(data.get("classification"), Classification, field="classification")
    except InvalidInput as exc:
        errors.update(exc.fields)
    # Verification may correct what the complaint is about (a mail's or a hurried call's category), before
    # dispatch routes it by category to a team.
    try:
        category = _choice(data.get("category"), Category, field="category", required=False)
    except InvalidInput as exc:
        errors.update(exc.fields)
    # SPEC §5: verification looks at BOTH the service status and the billing standing.
    if not _flag(data, "service_status_checked"):
        errors["service_status_checked"] = [_("Check the customer's service status before verifying.")]
    if not _flag(data, "billing_checked"):
        errors["billing_checked"] = [_("Check the customer's billing standing before verifying.")]
    note = clean_text(data.get("note"), field="note", max_length=2000, required=False)
    service = ticket.service
    if (
        service is not None
        and (service.status != ServiceStatus.ACTIVE or service.billing_status == BillingStatus.OVERDUE)
        and not note
    ):
        # A customer whose line is cut must not just be told to pay and left there: say what happens next.
        errors["note"] = [
            _(
                "The service is %(status)s and billing is %(billing)s: "
                "record what the customer was told and what happens next."
            )
            % {"status": service.get_status_display(), "billing": service.get_billing_status_display()}
        ]
    if errors:
        raise InvalidInput(_("The ticket cannot be verified yet."), fields=errors)
    old_classification = ticket.classification
    ticket.classification = classification
    if category and category != ticket.category:
        ticket.category = category
        change.fields.append("category")
    ticket.service_status_checked = True
    ticket.billing_checked = True
    ticket.verified_service_status = service.status if service else ""
    ticket.verified_billing_status = service.billing_status if service else ""
    ticket.verified_at = now
    change.fields += [
        "classification",
        "service_status_checked",
        "billing_checked",
        "verified_service_status",
        "verified_billing_status",
        "verified_at",
    ]
    if note:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
        )
    if classification != old_classification:
        change.fields += sla.sla_reclassified(ticket)


def _do_dispatch(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    if data.get("team") not in (None, ""):
        team = _team(data.get("team"))
    else:
        route = CategoryRoute.objects.filter(category=ticket.category).select_related("team").first()
        if route is None:
            message = _("No team is configured for the category “%(category)s”; choose one.") % {
                "category": ticket.get_category_display()
            }
            raise InvalidInput(message, fields={"team": [message]})
        team = route.team
    ticket.team = team
    ticket.dispatched_at = now
    change.fields += ["team", "dispatched_at"]
    if data.get("assignee") not in (None, ""):
        assignee = _user(data.get("assignee"), field="assignee", role=Role.TECHNICIAN)
        if not team.members.filter(pk=assignee.pk).exists():
            message = _("This technician is not in the team %(team)s.") % {"team": team.name}
            raise InvalidInput(message, fields={"assignee": [message]})
        ticket.assignee = assignee
        change.fields.append("assignee")
    elif ticket.assignee_id and not team.members.filter(pk=ticket.assignee_id).exists():
        # Dispatched to a team without naming a technician: the team holds it (it shows in the team's
        # unassigned queue and its warnings go to the team), not the agent who logged it.
        ticket.assignee = None
        change.fields.append("assignee")


def _do_resolve(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    # SPEC §8: every resolved complaint has a Root Cause Analysis — a new one or an existing one
    # (one RCA can cover many tickets of the same incident).
    from reports.models import RootCauseAnalysis

    rca_ref = data.get("rca")
    if isinstance(rca_ref, Mapping):
        rca = reports_services.rca_create(author=actor, data=dict(rca_ref))
    elif rca_ref not in (None, ""):
        try:
            rca = RootCauseAnalysis.objects.get(pk=int(str(rca_ref)))
        except (ValueError, RootCauseAnalysis.DoesNotExist) as exc:
            raise InvalidInput(
                _("Unknown root cause analysis."), fields={"rca": [_("Unknown root cause analysis.")]}
            ) from exc
    else:
        message = _("Resolving needs a root cause analysis: write one or choose an existing one.")
        raise InvalidInput(message, fields={"rca": [message]})
    summary = clean_text(data.get("summary"), field="summary", max_length=4000, required=False)
    ticket.rca = rca
    change.fields.append("rca")
    change.fields += sla.sla_resolved(ticket, at=now)
    if summary:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=summary
        )


def _do_confirm(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    ticket.confirmed_at = now
    change.fields.append("confirmed_at")
    if data.get("csat") not in (None, ""):
        # A rating given with the confirmation (the agent on the phone, or the portal) is kept with it.
        csat: Any = data.get("csat")  # checked by rating_record
        nps, comment = data.get("nps"), str(data.get("comment") or "")
        via = "portal" if actor is None else "agent"

        def record_rating(saved: Ticket) -> None:
            reports_services.rating_record(ticket=saved, csat=csat, nps=nps, comment=comment, via=via)

        change.after_save.append(record_rating)


def _do_reject(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    reason = clean_text(data.get("reason"), field="reason", max_length=2000, required=False)
    ticket.rejection_count += 1
    change.fields.append("rejection_count")
    change.fields += sla.sla_reopened(ticket, at=now)
    kind = MessageKind.CUSTOMER if actor is None else MessageKind.NOTE
    text = reason or _("The customer says the problem is not solved.")
    change.message = TicketMessage.objects.create(ticket=ticket, kind=kind, author=actor, body=text)
    escalation = escalation_services.escalation_for_rejection(ticket=ticket, at=now, note=text)
    change.fields.append("escalation_level")
    change.escalation_id = escalation.pk if escalation else None


def _do_close(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    stage = Stage(ticket.stage)
    allowed = CLOSE_REASONS_BY_STAGE[stage]
    given = data.get("reason") or (CloseReason.CONFIRMED if stage == Stage.CONFIRMED else "")
    reason = _choice(given, CloseReason, field="reason")
    if reason not in allowed:
        names = ", ".join(sorted(allowed))
        message = _("In stage “%(stage)s” a ticket can be closed only as: %(reasons)s.") % {
            "stage": STAGE_NAMES[stage],
            "reasons": names,
        }
        raise InvalidInput(message, fields={"reason": [message]})
    if reason == CloseReason.NO_RESPONSE:
        window = dt.timedelta(hours=settings.HELPDESK["CONFIRMATION_WINDOW_HOURS"])
        waited_since = ticket.resolved_at or now
        if now < waited_since + window:
            raise NotAllowedNow(
                _("The customer has until %(until)s to confirm; close as “no response” only after that.")
                % {"until": timezone.localtime(waited_since + window).strftime("%Y-%m-%d %H:%M %Z")},
                code="confirmation_window_open",
            )
    if reason == CloseReason.DUPLICATE:
        original = ticket_numbers.normalise(str(data.get("duplicate_of") or ""))
        target = Ticket.objects.filter(number=original).exclude(pk=ticket.pk).first() if original else None
        if target is None:
            message = _("Give the number of the ticket this one duplicates.")
            raise InvalidInput(message, fields={"duplicate_of": [message]})
        ticket.duplicate_of = target
        change.fields.append("duplicate_of")
    note = clean_text(
        data.get("note"), field="note", max_length=2000, required=reason in ("duplicate", "invalid")
    )
    ticket.close_reason = reason
    ticket.close_note = note
    ticket.closed_at = now
    if ticket.paused:
        change.fields += sla.sla_resumed(ticket, at=now, actor_id=getattr(actor, "pk", None))
    change.fields += ["close_reason", "close_note", "closed_at", *sla.sla_closed(ticket, at=now)]


def _do_escalate(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    try:
        level = int(str(data.get("level")))
    except ValueError:
        level = 0
    if level not in (1, 2, 3):
        raise InvalidInput(_("Choose level 1, 2 or 3."), fields={"level": [_("Choose level 1, 2 or 3.")]})
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000)
    escalation = escalation_services.escalation_manual(
        ticket=ticket, level=level, note=note, actor=actor, at=now
    )
    change.escalation_id = escalation.pk
    change.fields.append("escalation_level")


def _do_pause(ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change) -> None:
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000, required=False)
    change.fields += sla.sla_paused(ticket, at=now, actor_id=getattr(actor, "pk", None))
    if note:
        change.message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
        )


def _do_resume(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    change.fields += sla.sla_resumed(ticket, at=now, actor_id=getattr(actor, "pk", None))


def _do_assign(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    if data.get("team") not in (None, ""):
        ticket.team = _team(data.get("team"))
        change.fields.append("team")
    if "assignee" not in data and "team" not in data:
        raise InvalidInput(
            _("Give an assignee or a team."), fields={"assignee": [_("Give an assignee or a team.")]}
        )
    if data.get("assignee") in (None, ""):
        if "assignee" in data:
            ticket.assignee = None
            change.fields.append("assignee")
        return
    assignee = _user(data.get("assignee"), field="assignee")
    if ticket.team_id and ticket.stage == Stage.DISPATCHED and Role.TECHNICIAN in roles_of(assignee):
        if not Team.objects.filter(pk=ticket.team_id, members=assignee).exists():
            message = _("This technician is not in the ticket's team.")
            raise InvalidInput(message, fields={"assignee": [message]})
    elif not roles_of(assignee):
        message = _("This person has no staff role.")
        raise InvalidInput(message, fields={"assignee": [message]})
    ticket.assignee = assignee
    change.fields.append("assignee")


def _do_reclassify(
    ticket: Ticket, actor: Any, data: Mapping[str, Any], now: dt.datetime, change: _Change
) -> None:
    classification = _choice(data.get("classification"), Classification, field="classification")
    if classification == ticket.classification:
        message = _("The ticket already has this classification.")
        raise InvalidInput(message, fields={"classification": [message]})
    note = clean_text(data.get("reason") or data.get("note"), field="reason", max_length=2000)
    ticket.classification = classification
    change.fields.append("classification")
    change.fields += sla.sla_reclassified(ticket)
    change.message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, author=actor, body=note
    )


_HANDLERS: dict[Action, Callable[[Ticket, Any, Mapping[str, Any], dt.datetime, _Change], None]] = {
    Action.RESPOND: _do_respond,
    Action.NOTE: _do_note,
    Action.VERIFY: _do_verify,
    Action.DISPATCH: _do_dispatch,
    Action.RESOLVE: _do_resolve,
    Action.CONFIRM: _do_confirm,
    Action.REJECT: _do_reject,
    Action.CLOSE: _do_close,
    Action.ESCALATE: _do_escalate,
    Action.PAUSE: _do_pause,
    Action.RESUME: _do_resume,
    Action.ASSIGN: _do_assign,
    Action.RECLASSIFY: _do_reclassify,
}

# Stage changes the customer hears about by email.
_CUSTOMER_NOTICES = {
    Stage.RESOLVED: "ticket_resolved",
    Stage.CLOSED: "ticket_closed",
}


def ticket_act(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    action: str,
    data: Mapping[str, Any] | None = None,
    via: str = Via.STAFF,
    now: dt.datetime | None = None,
) -> ActionResult:
    """Take `action` on `ticket`: the one transition function.

    Locks the ticket row, refuses an action the table (tickets.models.ACTIONS) does not allow with a
    domain error saying why (403 for the role, 409 for the stage), applies it, tells the SLA module,
    saves once, leaves a history row with who did what, and schedules notifications after commit.
    A refused action changes nothing: everything happens in one transaction."""
    data = data or {}
    now = now or timezone.now()
    try:
        chosen = Action(action)
    except ValueError as exc:
        raise NotFound(
            _("Unknown action “%(action)s”.") % {"action": str(action)[:40]}, code="unknown_action"
        ) from exc
    rule = ACTIONS[chosen]
    context = _actor_context(actor, via)
    with transaction.atomic(), pghistory.context(**context, action=chosen.value):
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "service", "customer__region", "service__region")
            .get(pk=ticket.pk)
        )
        refusal = action_permitted(ticket=locked, actor=actor, action=chosen, via=via)
        if refusal:
            raise Forbidden(refusal)
        refusal = stage_refusal(locked, chosen)
        if refusal:
            raise NotAllowedNow(refusal)
        change = _Change()
        _HANDLERS[chosen](locked, actor, data, now, change)
        if rule.target is not None:
            locked.move_to(rule.target)
            change.fields.append("stage")
            change.fields += sla.sla_stage_entered(locked, now)
        fields = sorted(set(change.fields))
        locked.save(update_fields=[*fields, "updated_at"])
        if not set(fields) & set(HISTORY_FIELDS):
            pghistory.create_event(locked, label="acted")
        for follow_up in change.after_save:
            follow_up(locked)
        notice = _CUSTOMER_NOTICES.get(Stage(locked.stage)) if rule.target is not None else None
        if notice:
            escalation_services.notify_customer(
                ticket=locked,
                template=notice,
                context={"number": locked.number},
                dedupe_key=f"ticket:{locked.pk}:{notice}:{now.isoformat()}",
            )
    log.info("ticket_action", number=locked.number, action=chosen.value, via=via, stage=locked.stage)
    return ActionResult(ticket=locked, message=change.message, escalation_id=change.escalation_id)


# --- Attachments ----------------------------------------------------------------------------------------

# Leading bytes of the binary types we accept: a file must be what its name says.
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def attachment_add(
    *, ticket: Ticket, actor: AbstractBaseUser | None, upload: UploadedFile, is_public: bool = True
) -> Attachment:
    """Attach a file within the size and type limits (SPEC §4). The type is judged by the name's
    extension and the file's own first bytes; text files must be UTF-8 without NUL."""
    limit = settings.ATTACHMENT_MAX_BYTES
    name = clean_text(upload.name or "", field="file", max_length=200)
    if upload.size is None or upload.size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        raise InvalidInput(message, fields={"file": [message]}, code="file_too_large")
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = next(
        (ctype for ctype, exts in settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"].items() if extension in exts),
        None,
    )
    head = upload.read(2048)
    upload.seek(0)
    valid = content_type is not None
    if valid and content_type in _SIGNATURES:
        valid = head.startswith(_SIGNATURES[content_type])
    elif valid:
        try:
            # Incremental decoding tolerates a character cut in two at the end of the sample.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            valid = b"\x00" not in head
        except UnicodeDecodeError:
            valid = False
    if not valid:
        allowed = ", ".join(
            ext for exts in settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"].values() for ext in exts
        )
        message = _("This type of file is not accepted. Accepted: %(allowed)s.") % {"allowed": allowed}
        raise InvalidInput(message, fields={"file": [message]}, code="file_type_refused")
    safe_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-120:]
    with transaction.atomic(), pghistory.context(**_actor_context(actor, Via.STAFF), action="attach"):
        attachment = Attachment(
            ticket=ticket,
            original_name=name,
            content_type=content_type or "application/octet-stream",
            size=upload.size,
            is_public=is_public,
            uploaded_by=cast(Any, actor) if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(safe_name, upload, save=False)
        attachment.save()
    return attachment
