"""Factories for the tickets app. Tickets are made through `tickets.services` so their SLA columns,
number and history are what production would have."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from tickets import services
from tickets.models import Customer, Region, Service, Team, Ticket


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example")
    password = factory.PostGenerationMethodCall("set_password", "pass12345")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.co.id")
    phone = factory.Sequence(lambda n: f"+62812{n:07d}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="jkt"))


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    customer = factory.SubFactory(CustomerFactory)
    kind = "broadband"
    region = factory.LazyAttribute(lambda s: s.customer.region or Region.objects.get(code="jkt"))
    reference = factory.Sequence(lambda n: f"SVC-{n:06d}")


def team(name: str) -> Team:
    return Team.objects.get(name=name)


def make_ticket(
    *,
    actor: Any = None,
    customer: Customer | None = None,
    service: Service | None = None,
    category: str = "network",
    channel: str = "phone",
    description: str = "Internet is down",
    classification: str = "",
    reported_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    **extra: Any,
) -> Ticket:
    """A new ticket in stage `received`, made by the creation service."""
    now = now or timezone.now()
    if service is None and customer is None:
        service = ServiceFactory()
    customer = customer or service.customer  # type: ignore[union-attr]
    reported = reported_at or now
    return services.ticket_create(
        actor=actor,
        customer=customer,
        service=service,
        category=category,
        channel=channel,
        description=description,
        incident_at=reported - dt.timedelta(minutes=5),
        classification=classification,
        reported_at=reported,
        now=now,
        **extra,
    )


RCA = {
    "problem_statement": "Fiber cut",
    "category": "fiber_cut",
    "analysis": "Road works cut the cable.",
    "temporary_fix": "Rerouted traffic.",
    "permanent_fix": "Spliced the cable.",
}


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (attachments are opened by Pillow, so a signature alone is refused)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (attachments are opened by PDFium, so a `%PDF-` line alone is refused)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PDF")
    return buffer.getvalue()


def jpeg_bytes(width: int = 4, height: int = 4) -> bytes:
    """A real JPEG image (see png_bytes)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, "JPEG")
    return buffer.getvalue()
