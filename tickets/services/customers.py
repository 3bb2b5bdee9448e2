"""Customers and their service subscriptions: found again by their contact details, never duplicated."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import structlog
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, IntegerField, Q, When
from django.utils.translation import gettext as _

from helpdesk.lib.cleaning import (
    clean_choice,
    clean_text,
)
from helpdesk.lib.contact import normalise_email, normalise_phone
from helpdesk.lib.errors import InvalidInput, NotAllowedNow
from tickets.models import (
    BillingStatus,
    Customer,
    CustomerTier,
    Region,
    Service,
    ServiceKind,
    ServiceStatus,
)

log = structlog.get_logger(__name__)


class CustomerMatch(NamedTuple):
    customer: Customer
    created: bool
    # A customer found by the phone alone whose email is not the one given: the complaint is not theirs
    # to receive (see customer_find_or_create); whoever files it is told, in an internal note.
    phone_holder: Customer | None = None


def customer_find_or_create(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    region: Region | None = None,
    tier: str = CustomerTier.REGULAR,
    handle: str = "",
    preferred_channel: str = "",
) -> CustomerMatch:
    """The customer with this email (else phone, else social media handle), or a new one. Contact details
    are normalised first; an existing customer's record is never overwritten from here (a portal visitor
    cannot change it). `preferred_channel` is only given to a new customer (the channel they came by).

    A phone number is shared (a family's line, a number passed on), an email address is personal: when
    an email is given and only the phone matches a customer on record under another email (or none), the
    complaint does not go to that customer — whose emails would then carry it, while the person filing
    could not track it — but to a new customer with the contacts given, and `phone_holder` names the
    other one so that staff can merge them if they are the same person."""
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
    handle = (handle or "").strip()[:120]
    if not email and not phone and not handle:
        errors["email"] = [_("Give an email address or a phone number.")]
    if errors:
        raise InvalidInput(_("The customer's details are not valid."), fields=errors)
    with transaction.atomic(savepoint=False):
        # Serialise find-or-create on the same contacts so two simultaneous complaints make one customer:
        # a lock per address, taken in one order so that two callers never wait for each other.
        keys = sorted(f"customer:{contact}" for contact in (email_n, phone_n, handle) if contact)
        with connection.cursor() as cursor:
            locks = ", ".join("pg_advisory_xact_lock(hashtext(%s))" for _key in keys)
            cursor.execute(f"SELECT {locks}", keys)
        # The one with this email, else the one with this phone: one query over both indexes.
        match = (
            (Q(email=email_n) if email_n else Q(pk__in=[]))
            | (Q(phone=phone_n) if phone_n else Q(pk__in=[]))
            | (Q(handle=handle) if handle else Q(pk__in=[]))
        )
        found = (
            Customer.objects.filter(match)
            .alias(by_email=Case(When(email=email_n or None, then=0), default=1, output_field=IntegerField()))
            .order_by("by_email", "id")
            .first()
        )
        phone_holder = None
        if found is not None and email_n and found.email != email_n:
            found, phone_holder = None, found
        if found is not None:
            return CustomerMatch(found, False)
        customer = Customer.objects.create(
            name=name,
            email=email_n,
            phone=phone_n,
            handle=handle,
            region=region,
            tier=tier,
            preferred_channel=preferred_channel,
        )
        return CustomerMatch(customer, True, phone_holder)


def customer_create(*, name: str, email: str, phone: str, tier: str, region: Region | None) -> Customer:
    """A new customer record (staff). Refuses a second customer with the same email or phone."""
    customer, created, _holder = customer_find_or_create(
        name=name, email=email, phone=phone, region=region, tier=tier
    )
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
        kind = clean_choice(kind, ServiceKind, field="kind")
        status = clean_choice(status, ServiceStatus, field="status")
        billing_status = clean_choice(billing_status, BillingStatus, field="billing_status")
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
