"""Mass incidents in headless Chromium (issue 16): a customer on the portal sees the outage of their
region before filing and asks to be kept informed; a supervisor declares an incident in the console,
posts an update and resolves it with its RCA; an agent links a queue selection to it. axe on the pages
on the way."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.tickets.factories import ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Incident, IncidentSubscription, IncidentUpdate, Ticket
from tickets.services import incidents

# Live-server tests commit their data; the seeded regions and role groups are restored after each.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_a_customer_sees_the_outage_before_filing_and_asks_to_be_kept_informed(
    staff: Staff, page_for: Callable[..., Any], assert_accessible: Callable[[Any], None]
) -> None:
    incident = incidents.incident_declare(
        actor=staff.supervisor,
        title="Kabel laut putus Makassar",
        details_id="Gangguan jaringan fiber di wilayah Makassar.",
        regions=["mks"],
    )
    incidents.incident_update_post(
        incident=incident, actor=staff.supervisor, body_id="Kapal perbaikan berangkat."
    )
    page = page_for("id")
    page.goto("/portal/")
    page.select_option("#incident-region", "mks")
    page.locator("#incident-region").evaluate("select => select.form.submit()")
    page.wait_for_url(re.compile(r"/portal/\?region=mks&kind=$"))
    card = page.locator(f"[data-incident='{incident.pk}']")
    expect(card).to_contain_text("Kabel laut putus Makassar")
    expect(card.locator("[data-testid=latest-update]")).to_contain_text("Kapal perbaikan berangkat.")
    assert_accessible(page)
    # "File a complaint anyway" leads to the form, the outage still shown above it.
    card.locator("a[href*='/portal/file/']").click()
    expect(page.locator(f"[data-incident='{incident.pk}']")).to_be_visible()
    expect(page.locator("#complaint-form")).to_be_visible()
    page.go_back()
    card = page.locator(f"[data-incident='{incident.pk}']")
    card.locator(f"#id_incident-{incident.pk}-email").fill("siti@example.co.id")
    card.locator("form[method=post] button[type=submit]").click()
    expect(page.locator(".portal-messages .alert-success")).to_have_count(1)
    assert list(IncidentSubscription.objects.values_list("incident_id", "email", "language")) == [
        (incident.pk, "siti@example.co.id", "id")
    ]


def test_a_supervisor_declares_updates_and_resolves_an_incident(
    staff: Staff,
    page: Any,
    login: Callable[[Any, Any], None],
    assert_accessible: Callable[[Any], None],
) -> None:
    login(page, staff.supervisor)
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name="Declare an incident").click()
    page.get_by_label("Title").fill("Backbone Sulawesi down")
    page.get_by_label("Public details (Indonesian)").fill("Gangguan backbone Sulawesi.")
    page.get_by_label("Makassar (mks)").check()
    page.get_by_label("Fiber Optic").check()
    assert_accessible(page)
    page.get_by_role("button", name="Declare the incident").click()
    incident = Incident.objects.get()
    page.wait_for_url(f"**/console/incidents/{incident.pk}/")
    expect(page.locator("[data-testid=state]")).to_have_text("open")
    expect(page.locator("[data-testid=regions]")).to_have_text("Makassar")

    page.get_by_label("Update (Indonesian)").fill("Tim sedang menuju lokasi.")
    page.get_by_role("button", name="Post the update").click()
    expect(page.locator("[data-testid=updates]")).to_contain_text("Tim sedang menuju lokasi.")
    assert list(IncidentUpdate.objects.values_list("body_id", flat=True)) == ["Tim sedang menuju lokasi."]
    assert_accessible(page)

    page.locator("#incident-resolve summary").click()
    form = page.locator("#incident-resolve form")
    form.get_by_label("Problem").fill("A backbone router failed.")
    form.get_by_label("Root-cause category").select_option("fiber_cut")
    form.get_by_label("Analysis").fill("The router's power supply failed.")
    form.get_by_label("Temporary fix").fill("Traffic moved to the standby router.")
    form.get_by_label("Permanent fix").fill("Power supply replaced.")
    form.get_by_role("button", name="Resolve the incident").click()
    expect(page.locator("[data-testid=state]")).to_have_text("resolved")
    expect(page.locator("[data-testid=rca]")).to_contain_text("A backbone router failed.")
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert incident.rca.problem_statement == "A backbone router failed."


def test_an_agent_links_a_queue_selection_to_an_incident(
    staff: Staff, page: Any, login: Callable[[Any, Any], None], assert_accessible: Callable[[Any], None]
) -> None:
    incident = incidents.incident_declare(
        actor=staff.supervisor, title="Backbone Makassar", details_id="Gangguan backbone.", regions=["mks"]
    )
    first, second, left = (make_ticket(actor=staff.agent, service=ServiceFactory()) for _ in range(3))
    login(page, staff.agent)
    page.goto("/console/?tab=all")
    assert_accessible(page)
    page.get_by_label(f"Select ticket {first.number}").check()
    page.get_by_label(f"Select ticket {second.number}").check()
    page.select_option("#link-incident", str(incident.pk))
    page.get_by_role("button", name="Link to incident").click()
    expect(page.locator(".console-messages .alert-success")).to_contain_text(
        f"2 tickets linked to INC-{incident.pk}"
    )
    expect(page.locator(f"tr[data-number='{first.number}'] [data-testid=incident]")).to_contain_text(
        "Backbone Makassar"
    )
    assert sorted(Ticket.objects.filter(incident=incident).values_list("number", flat=True)) == sorted(
        [first.number, second.number]
    )
    assert Ticket.objects.get(pk=left.pk).incident_id is None
