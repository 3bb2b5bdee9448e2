"""The staff console in headless Chromium: a phone complaint logged with the customer look-up and taken
from received to dispatched (the agent logs it, support verifies, the supervisor dispatches — the flow
table gives each step to its role), a technician resolving with an RCA, a supervisor acknowledging an
escalation without a reload, the language switch, and axe on the main pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation import services as escalation_services
from escalation.models import Escalation
from reports import services as report_services
from tests.tickets.factories import RCA, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, ticket_in
from tickets.models import Stage, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def signed_in(page_for: Callable[..., Any], login: Callable[[Any, Any], None], user: Any) -> Any:
    page = page_for("en")
    login(page, user)
    return page


def test_a_phone_complaint_is_logged_and_taken_from_received_to_dispatched(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    service = ServiceFactory(reference="SVC-BROWSER-7")
    agent = signed_in(page_for, login, staff.agent)
    agent.goto("/console/tickets/new/")
    assert_accessible(agent)
    agent.fill("#lookup-q", "SVC-BROWSER-7")
    agent.locator("[data-choose-service]").first.click()
    expect(agent.locator("#chosen-customer")).to_contain_text(service.customer.name)
    agent.select_option("#id_channel", "phone")
    agent.select_option("#id_category", "network")
    agent.fill("#id_description", "No internet since the storm last night.")
    incident = timezone.localtime(timezone.now() - dt.timedelta(hours=3))
    agent.fill("#id_incident_at", incident.strftime("%Y-%m-%dT%H:%M"))
    agent.click("button[type=submit]:has-text('Log the complaint')")
    expect(agent.locator("[data-testid=stage]")).to_have_text("Received")
    ticket = Ticket.objects.get(service=service)
    assert ticket.channel == "phone"
    assert_accessible(agent)

    support = signed_in(page_for, login, staff.support)
    support.goto(f"/console/tickets/{ticket.number}/")
    support.locator("details.action-verify summary").click()
    support.check("#verify-service")
    support.check("#verify-billing")
    support.select_option("#verify-classification", "major")
    support.click("details.action-verify button[type=submit]")
    expect(support.locator("[data-testid=stage]")).to_have_text("Verified")

    supervisor = signed_in(page_for, login, staff.supervisor)
    supervisor.goto(f"/console/tickets/{ticket.number}/")
    supervisor.locator("details.action-dispatch summary").click()
    supervisor.select_option("#dispatch-team", str(team("Network Operation").pk))
    supervisor.click("details.action-dispatch button[type=submit]")
    expect(supervisor.locator("[data-testid=stage]")).to_have_text("Dispatched")
    ticket.refresh_from_db()
    assert ticket.stage == Stage.DISPATCHED
    assert ticket.team.name == "Network Operation"


def test_a_technician_resolves_with_an_rca(staff: Staff, page_for: Callable[..., Any], login: Any) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    page = signed_in(page_for, login, staff.technician)
    page.goto(f"/console/tickets/{ticket.number}/")
    page.locator("details.action-resolve summary").click()
    page.fill("#rca-problem", RCA["problem_statement"])
    page.select_option("#rca-category", RCA["category"])
    page.fill("#rca-analysis", RCA["analysis"])
    page.fill("#rca-temporary", RCA["temporary_fix"])
    # Forgetting one field shows the error next to it and changes nothing.
    page.click("details.action-resolve button[type=submit]")
    expect(page.locator("[data-testid=action-error]")).to_be_visible()
    expect(page.locator("[data-testid=stage]")).to_have_text("Dispatched")
    page.fill("#rca-permanent", RCA["permanent_fix"])
    page.click("details.action-resolve button[type=submit]")
    expect(page.locator("[data-testid=stage]")).to_have_text("Resolved")
    ticket.refresh_from_db()
    assert ticket.rca.permanent_fix == RCA["permanent_fix"]


def test_a_supervisor_acknowledges_an_escalation_without_a_reload(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    escalation = escalation_services.escalation_manual(
        ticket=ticket, actor=staff.agent, level=1, note="Customer called three times", at=timezone.now()
    )
    page = signed_in(page_for, login, staff.supervisor)
    page.goto("/escalations/?level=1")
    assert_accessible(page)
    page.evaluate("() => { window.notReloaded = true; }")
    row = page.locator(f"#escalation-{escalation.pk}")
    row.locator("button:has-text('Acknowledge')").click()
    expect(page.locator(f"#escalation-{escalation.pk} [data-testid=ack-cell]")).to_contain_text(
        staff.supervisor.username
    )
    assert page.evaluate("() => window.notReloaded") is True
    escalation = Escalation.objects.get(pk=escalation.pk)
    assert escalation.acknowledged_by_id == staff.supervisor.pk
    page.goto("/escalations/board/")
    assert_accessible(page)


def test_the_language_switch_turns_the_console_from_indonesian_to_english(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("id")
    login(page, staff.agent)
    page.goto("/console/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert_accessible(page)
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Queue")
    page.select_option("#language-select", "id")
    expect(page.locator("html")).to_have_attribute("lang", "id")


def test_the_login_and_manager_pages_are_accessible(
    staff: Staff, page_for: Callable[..., Any], login: Any, assert_accessible: Callable[[Any], None]
) -> None:
    page = page_for("en")
    page.goto("/accounts/login/")
    assert_accessible(page)
    login(page, staff.manager)
    page.goto("/reports/")
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    drawn = "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => !!Chart.getChart(c))"
    assert page.evaluate(drawn)
    assert_accessible(page)
    page.click("a:has-text('This week')")
    expect(page.locator("a[aria-current=page]:has-text('This week')")).to_be_visible()
    assert page.url.endswith("?period=week")
    page.goto("/reports/capa/")
    assert_accessible(page)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report_services.monthly_report_build(month=last_month)
    page.goto("/reports/monthly/")
    assert_accessible(page)
    page.click(f"a:has-text('{last_month:%Y-%m}')")
    expect(page.locator("h1")).to_contain_text(f"{last_month:%Y-%m}")
    assert page.evaluate(drawn)
    assert_accessible(page)
    page.goto("/console/inbox/")
    assert_accessible(page)
