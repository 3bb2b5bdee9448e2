"""The agent console in headless Chromium: a phone complaint logged for a customer found by the look-up and
taken from received to dispatched (the agent logs it, support verifies, the supervisor dispatches — the
flow table gives each step to its role), a technician of the dispatched-to team resolving it with an
RCA, the queue's filters swapping the table in place, the language switch, and axe on the pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.tickets.factories import RCA, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Stage, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def in_language(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def signed_in(page_for: Callable[..., Any], login: Callable[[Any, Any], None], user: Any) -> Any:
    page = page_for("en")
    login(page, user)
    return page


def test_a_phone_complaint_is_logged_with_the_lookup_and_taken_from_received_to_dispatched(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    service = ServiceFactory(reference="SVC-BROWSER-7")
    agent = signed_in(page_for, login, staff.agent)
    agent.goto("/console/tickets/new/")
    assert_accessible(agent)
    agent.fill("#lookup-q", "SVC-BROWSER")
    results = agent.locator("[data-testid=lookup-results]")
    expect(results).to_contain_text(service.customer.name)
    assert_accessible(agent)  # with the look-up's results shown
    agent.locator(f"[data-choose-service='{service.pk}']").click()
    expect(agent.locator("#chosen-customer")).to_have_text(
        f"Chosen: {service.customer.name}, service SVC-BROWSER-7"
    )
    expect(agent.locator("#incident-zone")).to_have_text("Read as local time in WIB (Asia/Jakarta).")
    agent.select_option("#id_channel", "phone")
    agent.select_option("#id_category", "network")
    agent.fill("#id_description", "No internet since the storm last night.")
    incident = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    agent.fill("#id_incident_at", incident.strftime("%Y-%m-%dT%H:%M"))
    agent.click("button[type=submit]:has-text('Log the complaint')")
    expect(agent.locator("[data-testid=stage]")).to_have_text("Received")
    ticket = Ticket.objects.get(service=service)
    expect(agent.locator(".console-messages")).to_have_text(f"Complaint logged as ticket {ticket.number}.")
    assert (ticket.channel, ticket.customer_id, ticket.assignee_id) == (
        "phone",
        service.customer.pk,
        staff.agent.pk,
    )
    assert_accessible(agent)

    support = signed_in(page_for, login, staff.support)
    support.goto(f"/console/tickets/{ticket.number}/")
    support.locator("#action-verify summary").click()
    # Verifying without checking billing is refused next to the box, and nothing changes.
    support.check("#id_verify-service_status_checked")
    support.select_option("#id_verify-classification", "major")
    support.click("#action-verify button[type=submit]")
    expect(support.locator("#id_verify-billing_checked-errors")).to_contain_text("billing standing")
    expect(support.locator("[data-testid=stage]")).to_have_text("Received")
    assert_accessible(support)
    support.check("#id_verify-service_status_checked")
    support.check("#id_verify-billing_checked")
    support.select_option("#id_verify-classification", "major")
    support.click("#action-verify button[type=submit]")
    expect(support.locator("[data-testid=stage]")).to_have_text("Verified")
    expect(support.locator("[data-testid=classification]")).to_have_text("Major")

    supervisor = signed_in(page_for, login, staff.supervisor)
    supervisor.goto(f"/console/tickets/{ticket.number}/")
    supervisor.locator("#action-dispatch summary").click()
    supervisor.select_option("#id_dispatch-team", str(team("Network Operation").pk))
    supervisor.select_option("#id_dispatch-assignee", str(staff.technician.pk))
    supervisor.click("#action-dispatch button[type=submit]")
    expect(supervisor.locator("[data-testid=stage]")).to_have_text("Dispatched")
    expect(supervisor.locator("[data-testid=team]")).to_have_text("Network Operation")
    expect(supervisor.locator("[data-testid=history]")).to_contain_text(
        "Team: Customer Care → Network Operation"
    )
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.team.name, ticket.assignee_id) == (
        "dispatched",
        "Network Operation",
        staff.technician.pk,
    )


def test_a_technician_of_the_team_resolves_it_with_an_rca(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    page = signed_in(page_for, login, staff.technician)
    page.goto("/console/")
    expect(page.locator(f"tr[data-number='{ticket.number}']")).to_be_visible()  # on "My team"
    page.click(f"a:has-text('{ticket.number}')")
    page.locator("#action-resolve summary").click()
    page.fill("#id_resolve-problem_statement", RCA["problem_statement"])
    page.select_option("#id_resolve-category", RCA["category"])
    page.fill("#id_resolve-analysis", RCA["analysis"])
    page.fill("#id_resolve-temporary_fix", RCA["temporary_fix"])
    # Forgetting one field shows the error next to it, keeps what was typed and changes nothing.
    page.click("#action-resolve button[type=submit]")
    expect(page.locator("[data-testid=action-error]")).to_be_visible()
    expect(page.locator("#id_resolve-permanent_fix-errors")).to_have_text("This field is required.")
    expect(page.locator("#id_resolve-analysis")).to_have_value(RCA["analysis"])
    expect(page.locator("[data-testid=stage]")).to_have_text("Dispatched")
    assert_accessible(page)
    page.fill("#id_resolve-permanent_fix", RCA["permanent_fix"])
    page.click("#action-resolve button[type=submit]")
    expect(page.locator("[data-testid=stage]")).to_have_text("Resolved")
    expect(page.locator(".console-messages")).to_contain_text("“Resolve” done")
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED
    assert (ticket.rca.problem_statement, ticket.rca.permanent_fix) == (
        RCA["problem_statement"],
        RCA["permanent_fix"],
    )


def test_the_queue_filters_swap_the_table_in_place_and_keep_the_url(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    billing = make_ticket(actor=staff.agent, category="billing")
    network = make_ticket(actor=staff.agent, category="network")
    page = signed_in(page_for, login, staff.agent)
    page.goto("/console/")
    assert_accessible(page)
    expect(page.locator("tbody tr")).to_have_count(2)
    page.evaluate("() => { window.notReloaded = true; }")
    page.select_option("#f-category", "billing")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-number='{billing.number}']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"category=billing"))
    assert page.evaluate("() => window.notReloaded") is True
    page.select_option("#f-category", "")
    page.fill("#f-search", network.number.lower().replace("-", ""))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator(f"tr[data-number='{network.number}']")).to_be_visible()


def test_the_language_switch_turns_indonesian_navigation_into_english_and_back(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("id")
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, staff.agent)
    page.goto("/console/")
    nav = page.locator("nav[aria-label] .navbar-nav")
    names = ("Queue", "Log a complaint", "Inbox")
    indonesian = [in_language(name, "id") for name in names]
    assert indonesian != list(names)  # the catalogue translates them
    expect(page.locator("html")).to_have_attribute("lang", "id")
    for name in indonesian:
        expect(nav).to_contain_text(name)
    assert_accessible(page)
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for name in names:
        expect(nav).to_contain_text(name)
    expect(nav).not_to_contain_text(indonesian[0])
    expect(page.locator("h1")).to_have_text("Queue")
    assert page.url.endswith("/console/")
    page.select_option("#language-select", "id")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    for name in indonesian:
        expect(nav).to_contain_text(name)
    expect(nav).not_to_contain_text("Log a complaint")


def test_the_login_queue_ticket_new_complaint_and_inbox_pages_pass_axe(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = ticket_in(Stage.RESOLVED, staff, description="Line 1\nLine 2")
    page = page_for("en")
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, staff.supervisor)
    for url in (
        "/console/",
        f"/console/tickets/{ticket.number}/",
        "/console/tickets/new/",
        "/console/inbox/",
    ):
        page.goto(url)
        expect(page.locator("h1")).to_have_count(1)
        assert_accessible(page)
    # Every action form of the ticket page open at once: all labelled, nothing hidden from axe.
    page.goto(f"/console/tickets/{ticket.number}/")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    assert_accessible(page)
    # A phone-sized screen: the queue scrolls inside its table, not the page.
    phone = page_for("en", viewport={"width": 390, "height": 844})
    login(phone, staff.agent)
    phone.goto("/console/")
    assert not phone.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
