"""Known incidents on the customer portal (SPEC §10, issue 16): the home page and the filing form show
the open incidents of the region the customer names (or all, with their regions), with the latest update
and expected restoration; "I am affected — keep me informed" subscribes (email or phone) instead of
filing; tracking a linked ticket shows the incident's updates. Rate-limited like filing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Incident, IncidentSubscription, Region, Ticket
from tickets.services import incidents

pytestmark = pytest.mark.django_db


def declare(staff: Staff, *, title: str, regions: list[str], expected: dt.datetime | None = None) -> Incident:
    return incidents.incident_declare(
        actor=staff.supervisor,
        title=title,
        details_id=f"Gangguan: {title}.",
        details_en=f"Outage: {title}.",
        regions=regions,
        expected_restoration_at=expected,
    )


def shown(response: Any) -> list[str]:
    return [incident["title"] for incident in response.context["incidents"]]


def test_the_home_page_shows_every_open_incident_with_its_regions_latest_update_and_restoration(
    english: Client, staff: Staff
) -> None:
    expected = timezone.now().replace(microsecond=0) + dt.timedelta(hours=5)
    makassar = declare(staff, title="Makassar cable", regions=["mks"], expected=expected)
    declare(staff, title="Jakarta backbone", regions=["jkt"])
    over = declare(staff, title="Over already", regions=["jkt"])
    incidents.incident_resolve(
        incident=over,
        actor=staff.supervisor,
        rca={
            "problem_statement": "x",
            "category": "fiber_cut",
            "analysis": "a",
            "temporary_fix": "t",
            "permanent_fix": "p",
        },
    )
    incidents.incident_update_post(
        incident=makassar,
        actor=staff.supervisor,
        body_id="Kapal berangkat.",
        body_en="The repair ship sailed.",
    )
    incidents.incident_update_post(
        incident=makassar, actor=staff.supervisor, body_id="Kabel disambung.", body_en="Cable spliced."
    )
    response = english.get("/portal/")
    assert response.status_code == 200
    assert shown(response) == ["Jakarta backbone", "Makassar cable"]
    html = response.content.decode()
    card = html[html.index(f'data-incident="{makassar.pk}"') :]
    assert "Outage: Makassar cable." in card
    assert "Cable spliced." in card and "The repair ship sailed." not in html  # the latest only
    region_name = Region.objects.get(code="mks").name
    assert f"<strong>Regions:</strong> {region_name}</p>" in card
    # Shown by the head office's clock when no region is named.
    local = timezone.localtime(expected, dt.timezone(dt.timedelta(hours=7)))
    assert f"{local:%-d %B %Y, %H:%M} WIB" in card
    assert f'action="/portal/incidents/{makassar.pk}/subscribe/"' in card
    assert 'href="/portal/file/#complaint-form">File a complaint anyway</a>' in card


def test_naming_a_region_shows_its_incidents_only_in_its_time_zone_and_indonesian_by_default(
    staff: Staff,
) -> None:
    expected = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    declare(staff, title="Makassar cable", regions=["mks"], expected=expected)
    declare(staff, title="Jakarta backbone", regions=["jkt"])
    response = Client().get("/portal/?region=mks")
    assert shown(response) == ["Makassar cable"]
    html = response.content.decode()
    assert "Gangguan: Makassar cable." in html
    assert "1 Desember 2026, 14:00 WITA" in html  # 06:00 UTC in Makassar (UTC+8)
    assert '<option value="mks" selected>' in html
    empty = Client().get("/portal/file/?region=jyp")
    assert shown(empty) == []
    assert 'data-testid="no-incidents"' in empty.content.decode()
    # Nonsense is every region, never an error.
    assert len(shown(Client().get("/portal/file/?region=%3Cscript%3E"))) == 2


def test_the_filing_form_shows_the_region_s_incidents_above_the_form(english: Client, staff: Staff) -> None:
    declare(staff, title="Makassar cable", regions=["mks"])
    html = english.get("/portal/file/?region=mks").content.decode()
    assert html.index("Makassar cable") < html.index('id="complaint-form"')
    assert 'href="/portal/file/?region=mks#complaint-form">File a complaint anyway</a>' in html


def test_keep_me_informed_subscribes_once_by_email_or_phone(english: Client, staff: Staff) -> None:
    incident = declare(staff, title="Makassar cable", regions=["mks"])
    url = f"/portal/incidents/{incident.pk}/subscribe/?region=mks"
    response = english.post(url, {f"incident-{incident.pk}-email": "Siti@Example.co.id"}, follow=True)
    assert response.redirect_chain == [("/portal/?region=mks", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Thank you. We will send you every update on this disruption until service is back."
    ]
    english.post(url, {f"incident-{incident.pk}-email": "siti@example.co.id"})
    english.post(url, {f"incident-{incident.pk}-phone": "0812-3456-7890"})
    rows = list(
        IncidentSubscription.objects.filter(incident=incident)
        .order_by("id")
        .values_list("email", "phone", "language", "time_zone")
    )
    assert rows == [
        ("siti@example.co.id", "", "en", "Asia/Makassar"),
        ("", "+6281234567890", "en", "Asia/Makassar"),
    ]
    assert Ticket.objects.count() == 0  # cheaper than a ticket


def test_keep_me_informed_without_a_contact_or_for_an_incident_over_subscribes_nobody(
    english: Client, staff: Staff
) -> None:
    incident = declare(staff, title="Makassar cable", regions=["mks"])
    prefix = f"incident-{incident.pk}"
    response = english.post(f"/portal/incidents/{incident.pk}/subscribe/", {f"{prefix}-email": ""})
    assert response.status_code == 400
    assert response.context["incidents"][0]["form"].errors == {
        "email": ["Give an email address or a phone number."]
    }
    assert 'id="incident-errors"' in response.content.decode()
    bad = english.post(f"/portal/incidents/{incident.pk}/subscribe/", {f"{prefix}-phone": "12"})
    assert bad.status_code == 400
    assert "phone" in bad.context["incidents"][0]["form"].errors
    incidents.incident_resolve(
        incident=incident,
        actor=staff.supervisor,
        rca={
            "problem_statement": "x",
            "category": "fiber_cut",
            "analysis": "a",
            "temporary_fix": "t",
            "permanent_fix": "p",
        },
    )
    over = english.post(
        f"/portal/incidents/{incident.pk}/subscribe/", {f"{prefix}-email": "a@example.co.id"}, follow=True
    )
    assert [str(m) for m in over.context["messages"]] == ["This disruption is over: service is back."]
    unknown = english.post(
        "/portal/incidents/999999/subscribe/", {"incident-999999-email": "a@example.co.id"}
    )
    assert unknown.status_code == 302
    assert IncidentSubscription.objects.count() == 0


def test_keep_me_informed_is_rate_limited_like_filing(english: Client, staff: Staff) -> None:
    incident = declare(staff, title="Makassar cable", regions=["mks"])
    with time_machine.travel(timezone.now().replace(second=1, microsecond=0), tick=False):
        for _ in range(30):
            assert english.post(f"/portal/incidents/{incident.pk}/subscribe/", {}).status_code == 400
        limited = english.post(
            f"/portal/incidents/{incident.pk}/subscribe/",
            {f"incident-{incident.pk}-email": "a@example.co.id"},
        )
    assert limited.status_code == 429
    assert IncidentSubscription.objects.count() == 0


def test_tracking_a_linked_ticket_shows_the_incident_s_updates_newest_first(
    english: Client, staff: Staff
) -> None:
    incident = declare(staff, title="Makassar cable", regions=["mks"])
    customer = CustomerFactory(email="budi@example.co.id", region=Region.objects.get(code="mks"))
    ticket = make_ticket(service=ServiceFactory(customer=customer, region=customer.region), customer=customer)
    assert ticket.incident_id == incident.pk
    incidents.incident_update_post(
        incident=incident, actor=staff.supervisor, body_id="Satu.", body_en="First."
    )
    incidents.incident_update_post(
        incident=incident, actor=staff.supervisor, body_id="Dua.", body_en="Second."
    )
    english.post("/portal/track/", {"number": ticket.number, "contact": "budi@example.co.id"})
    html = english.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "Part of a known disruption: Makassar cable" in html
    updates = html[html.index('data-testid="incident-updates"') :]
    assert re.search(r"Second\.</div>.*First\.</div>", updates, re.S)
    # An unlinked ticket shows no incident.
    other = make_ticket(customer=CustomerFactory(email="ani@example.co.id"))
    english.post("/portal/track/", {"number": other.number, "contact": "ani@example.co.id"})
    assert 'data-testid="incident"' not in english.get(f"/portal/tickets/{other.number}/").content.decode()


def test_naming_a_kind_of_service_shows_the_incidents_of_that_kind_or_of_every_kind(staff: Staff) -> None:
    fiber = incidents.incident_declare(
        actor=staff.supervisor,
        title="Fiber cut",
        details_id="Fiber.",
        regions=["mks"],
        service_kinds=["fiber"],
    )
    incidents.incident_declare(
        actor=staff.supervisor,
        title="Cloud down",
        details_id="Cloud.",
        regions=["mks"],
        service_kinds=["cloud_hosting"],
    )
    incidents.incident_declare(
        actor=staff.supervisor, title="Everything", details_id="Semua.", regions=["jkt"]
    )
    assert shown(Client().get("/portal/?kind=fiber")) == ["Everything", "Fiber cut"]
    assert shown(Client().get("/portal/file/?region=mks&kind=fiber")) == ["Fiber cut"]
    assert len(shown(Client().get("/portal/?kind=nonsense"))) == 3
    html = Client().get("/portal/?region=mks&kind=fiber").content.decode()
    assert '<option value="fiber" selected>' in html
    assert f'action="/portal/incidents/{fiber.pk}/subscribe/?region=mks&amp;kind=fiber"' in html
