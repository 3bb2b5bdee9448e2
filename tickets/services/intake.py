"""Complaints coming in (SPEC §5 stage 1): logged by staff, filed on the portal, written again by the
customer. A ticket number is issued, the clocks start and the customer is told."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pghistory
import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import services as escalation_services
from helpdesk.lib import ticket_numbers, zones
from helpdesk.lib.cleaning import (
    clean_choice,
    clean_past_time,
    clean_text,
)
from helpdesk.lib.contact import normalise_email, normalise_phone
from helpdesk.lib.errors import InvalidInput, NotAllowedNow
from helpdesk.lib.roles import Role, has_role
from notifications import services as notifications
from notifications.models import NotificationChannel
from sla import selectors as sla_selectors
from sla import services as sla
from tickets import selectors
from tickets.models import (
    Category,
    Channel,
    Classification,
    Customer,
    MessageKind,
    MessagePurpose,
    Service,
    Stage,
    Ticket,
    TicketMessage,
)
from tickets.services.actors import Via, recorded_as
from tickets.services.attachments import attachment_add, attachment_check
from tickets.services.customers import customer_find_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = structlog.get_logger(__name__)


FIRST_LINE_TEAM = selectors.FIRST_LINE_TEAM


# Sequence values are taken from PostgreSQL this many at a time per process (one query for a block of
# complaints, not one each): numbers stay unique (every value is taken once), only denser or sparser.
NUMBER_BLOCK = 20


class _NumberBlock:
    """The numbers this process has taken ahead, and the key they were made with."""

    lock = threading.Lock()
    key = ""
    numbers: list[str] = []

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.key, cls.numbers = "", []


number_block = _NumberBlock


def _next_ticket_number() -> str:
    """The number of the next sequence value. Under one TICKET_NUMBER_KEY every value has its own number;
    after the key is changed a new number can repeat one issued under the old key (rarely: see
    helpdesk.lib.ticket_numbers), and that sequence value is skipped rather than fail the complaint —
    checked for a whole block at once."""
    key = str(settings.TICKET_NUMBER_KEY)
    with number_block.lock:
        if number_block.key != key:
            number_block.key, number_block.numbers = key, []
        while not number_block.numbers:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval('ticket_number_seq') FROM generate_series(1, %s)", [NUMBER_BLOCK]
                )
                values = [int(value) for (value,) in cursor.fetchall()]
            numbers = [ticket_numbers.encode(value) for value in values]
            taken = set(Ticket.objects.filter(number__in=numbers).values_list("number", flat=True))
            for value, number in zip(values, numbers, strict=True):
                if number in taken:
                    log.warning("ticket_number_taken_after_key_change", sequence_value=value)
            number_block.numbers = [number for number in numbers if number not in taken]
        return number_block.numbers.pop(0)


def ticket_create(
    *,
    actor: User | None,
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

    category = check(lambda: clean_choice(category, Category, field="category"))
    channel = check(lambda: clean_choice(channel, Channel, field="channel"))
    classification = check(
        lambda: clean_choice(classification, Classification, field="classification", required=False)
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

    with transaction.atomic(savepoint=False), recorded_as(actor, via, action="create"):
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
            team=selectors.first_line_team(),
            assignee=actor if has_role(actor, Role.AGENT) else None,
        )
        sla.sla_start(ticket, now=now)
        # SPEC §10: a complaint that matches an open mass incident joins it on arrival, by any channel.
        ticket.incident_id = selectors.incident_for_complaint(
            region_id=sla_selectors.ticket_region_id(ticket), service_kind=service.kind if service else ""
        )
        ticket.save()
        TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.ACKNOWLEDGEMENT,
            channel=channel,
            # The stored text is the record as sent; each reader sees it rendered again in their own
            # language from the purpose and parameters (tickets.messages).
            body=_("We have received your complaint. Your ticket number is %(number)s.")
            % {"number": ticket.number},
            purpose=MessagePurpose.ACKNOWLEDGEMENT,
            params={"number": ticket.number},
        )
        notifications.notify_customer(
            ticket=ticket,
            template="ticket_received",
            context={
                "number": ticket.number,
                "respond_by": ticket.first_response_due.isoformat() if ticket.first_response_due else None,
            },
            dedupe_key=f"ticket:{ticket.pk}:received",
        )
        if ticket.public_exposure:
            escalation_services.escalation_for_public_exposure(ticket=ticket, at=now)
    log.info("ticket_created", number=ticket.number, channel=channel, via=via)
    return ticket


def ticket_log(
    *,
    actor: User | None,
    customer: Customer | Mapping[str, Any],
    category: str,
    channel: str,
    description: str,
    incident_at: dt.datetime | None,
    service: Service | None = None,
    classification: str = "",
    reported_at: dt.datetime | None = None,
    public_exposure: bool = False,
    customer_field_prefix: str = "",
    via: str = Via.STAFF,
    now: dt.datetime | None = None,
) -> Ticket:
    """Staff log a complaint with its customer: an existing one, or one found or created from
    `{name, email, phone, region, tier}` — together or not at all, so a complaint refused for its own
    fields leaves no new customer behind. The customer's field errors are named with
    `customer_field_prefix` (the API nests them as "customer.email").

    An incident time without a UTC offset (typed into the console) is read on the wall clock of the
    zone the complaint lives in (sla.selectors.time_zone_of)."""
    with transaction.atomic():
        phone_holder = None
        if isinstance(customer, Mapping):
            details = dict(customer)
            try:
                customer, _created, phone_holder = customer_find_or_create(**details)
            except InvalidInput as exc:
                if not customer_field_prefix:
                    raise
                fields = {f"{customer_field_prefix}{name}": messages for name, messages in exc.fields.items()}
                raise InvalidInput(exc.message, code=exc.code, fields=fields) from exc
        if incident_at is not None and timezone.is_naive(incident_at):
            zone = zones.zone(sla_selectors.time_zone_of(service=service, customer=customer))
            incident_at = incident_at.replace(tzinfo=zone)
        ticket = ticket_create(
            actor=actor,
            customer=customer,
            service=service,
            category=category,
            channel=channel,
            description=description,
            incident_at=incident_at,
            classification=classification,
            reported_at=reported_at,
            public_exposure=public_exposure,
            via=via,
            now=now,
        )
        _note_phone_holder(ticket, phone_holder)
        return ticket


def _note_phone_holder(ticket: Ticket, phone_holder: Customer | None) -> None:
    """Tell staff, on the ticket, that its phone number is on record for another customer."""
    if phone_holder is None:
        return
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        body=_(
            "The phone number %(phone)s is also on record for customer %(name)s (id %(id)s) under another "
            "email address. This complaint was filed under a new customer record with the email given "
            "(%(email)s), so that its messages reach the person who filed it. If they are the same person, "
            "merge the records."
        )
        % {
            "phone": phone_holder.phone,
            "name": phone_holder.name,
            "id": phone_holder.pk,
            "email": ticket.customer.email,
        },
    )


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
    customer can track the ticket with either. The service reference is optional: one that is not among
    the customer's services (unknown, or someone else's: the same outcome) does not block the complaint,
    which is filed without a service (`ticket.service` is then None; the portal says so)."""
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
        customer, _created, phone_holder = customer_find_or_create(name=name, email=email_n, phone=phone_n)
        service = None
        reference = (service_ref or "").strip()
        if reference:
            # Verification links the right service; a mistyped reference must not cost the complaint.
            service = Service.objects.filter(reference=reference[:64], customer=customer).first()
        ticket = ticket_create(
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
        _note_phone_holder(ticket, phone_holder)
        return ticket


def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    channel: str = Channel.EMAIL,
    uploads: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> TicketMessage:
    """The customer writes again about their ticket (an email reply, a reply on the portal's tracking
    page): the text joins the ticket's thread with the files sent with it (`uploads`, each within the
    attachment limits, all checked before anything is written), a clock paused to wait for the customer
    runs again, and whoever holds the ticket is told in their inbox. Any stage but closed (a closed
    ticket is answered with a new complaint).

    Not an action of `ticket_act`: the stage does not move and the writer is the customer, not a staff role
    of the ACTIONS table; the row lock, the history row and the SLA call are the same."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    text = ""
    try:
        text = clean_text(body, field="body", max_length=settings.HELPDESK["MESSAGE_MAX_LENGTH"])
    except InvalidInput as exc:
        errors.update(exc.fields)
    for upload in uploads:
        try:
            attachment_check(upload)
        except InvalidInput as exc:
            errors.setdefault("attachments", []).append(f"{upload.name}: {exc.message}")
    if errors:
        raise InvalidInput(_("The message cannot be sent; see the messages for each field."), fields=errors)
    via = {Channel.PORTAL: Via.PORTAL, Channel.EMAIL: Via.EMAIL}.get(Channel(channel), Via.MESSAGING)
    with transaction.atomic(), recorded_as(None, via, action="customer_message"):
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
        if locked.assignee is not None:
            notifications.notify_staff(
                users=[locked.assignee],
                template="ticket_customer_message",
                ticket=locked,
                context={"number": locked.number, "resumed": bool(fields)},
                dedupe_key=f"customer-message:{message.pk}",
                channels=(NotificationChannel.INBOX,),
            )
        for upload in uploads:
            # Last: each file's history context is its own ("attach"), as for staff's uploads.
            attachment_add(ticket=locked, actor=None, upload=upload, message=message, via=via)
    log.info("ticket_customer_message", number=locked.number, channel=channel, resumed=bool(fields))
    return message
