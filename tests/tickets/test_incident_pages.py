"""The console's mass incident pages (SPEC §10, issue 16): the list (open first, by cursor), declaring
(supervisors and the network operations team only, as in the API), the incident page with its linked
count and public updates, posting an update, changing the expected restoration, resolving with its RCA;
linking a queue selection, each ticket through ticket_act; the link shown on the ticket page and the
queue. Refusals change nothing."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone

from notifications.models import Notification
from reports.models import RootCauseAnalysis
from tests.clients import client_for
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, advance
from tickets import selectors
from tickets.models import Incident, IncidentUpdate, Region, Stage, Ticket, TicketHistory
from tickets.services import incidents
from tickets.services.incidents import incident_resolve_tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def declare(
    staff: Staff, *, title: str = "Kabel laut putus", regions: tuple[str, ...] = ("mks",)
) -> Incident:
    return incidents.incident_declare(
        actor=staff.supervisor,
        title=title,
        details_id="Gangguan jaringan fiber di wilayah Makassar.",
        details_en="Fiber outage in the Makassar area.",
        regions=list(regions),
        service_kinds=["fiber"],
    )


def service_in(code: str, kind: str = "fiber") -> Any:
    customer = CustomerFactory(region=Region.objects.get(code=code))
    return ServiceFactory(customer=customer, region=customer.region, kind=kind)


WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def wall_clock_in(days: int) -> tuple[str, dt.datetime]:
    """A time `days` ahead as typed on the head office's clock, and the moment it stands for."""
    moment = timezone.now().astimezone(WIB).replace(second=0, microsecond=0) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M"), moment


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def declare_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Backbone Sulawesi down",
        "details_id": "Gangguan backbone.",
        "details_en": "Backbone outage.",
        "regions": [str(Region.objects.get(code="mks").pk)],
        "service_kinds": ["fiber", "broadband"],
        "started_at": "2026-03-02T08:15",
        "expected_restoration_at": "",
    }
    data.update(overrides)
    return data


# --- The list -------------------------------------------------------------------------------------------


def test_every_staff_member_reads_the_list_open_incidents_first_then_resolved_latest_first(
    staff: Staff,
) -> None:
    first = declare(staff, title="First")
    second = declare(staff, title="Second")
    resolved_early = declare(staff, title="Resolved early")
    resolved_late = declare(staff, title="Resolved late")
    now = timezone.now()
    incidents.incident_resolve(incident=resolved_early, actor=staff.supervisor, rca=RCA, now=now)
    incidents.incident_resolve(
        incident=resolved_late, actor=staff.supervisor, rca=RCA, now=now + dt.timedelta(minutes=5)
    )
    expected = [second.pk, first.pk, resolved_late.pk, resolved_early.pk]
    for role in ("agent", "support", "manager", "analyst"):
        response = client_for(staff.of(role)).get("/console/incidents/")
        assert response.status_code == 200, role
        assert [incident.pk for incident in response.context["incidents"]] == expected
        assert (response.context["open_count"], response.context["open_count_is_capped"]) == (2, False)
        html = response.content.decode()
        assert f'href="/console/incidents/{second.pk}/">INC-{second.pk}: Second</a>' in html
        # Only those who may declare are offered to.
        assert ('href="/console/incidents/new/"' in html) is False
    assert (
        'href="/console/incidents/new/"'
        in client_for(staff.supervisor).get("/console/incidents/").content.decode()
    )
    # Page by page by cursor: no duplicates, no gaps, across the open/resolved boundary.
    page = selectors.incident_list_page(cursor=None, size=3)
    assert [incident.pk for incident in page.rows] == expected[:3]
    rest = client_for(staff.agent).get(f"/console/incidents/?after={page.next_cursor}")
    assert [incident.pk for incident in rest.context["incidents"]] == expected[3:]
    assert rest.context["page"].next_cursor is None


def test_the_incident_navigation_link_is_there_for_every_staff_member(staff: Staff) -> None:
    for role in ("agent", "support", "supervisor", "technician", "manager", "director", "analyst"):
        html = client_for(staff.of(role)).get("/console/inbox/").content.decode()
        assert 'href="/console/incidents/"' in html, role


@pytest.mark.parametrize("incidents_count", [1, 12])
def test_the_list_runs_the_same_queries_however_many_incidents(
    staff: Staff, incidents_count: int, django_assert_num_queries: Any
) -> None:
    for index in range(incidents_count):
        declare(staff, title=f"Outage {index}")
    client = client_for(staff.agent)
    client.get("/console/incidents/")
    # session, user, roles, unread count (navigation), the page, its regions, the open count
    with django_assert_num_queries(7):
        assert client.get("/console/incidents/").status_code == 200


# --- Declaring ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "support", "manager", "director", "analyst"])
def test_who_may_not_declare_gets_403_and_nothing_is_written(staff: Staff, role: str) -> None:
    client = client_for(staff.of(role))
    assert client.get("/console/incidents/new/").status_code == 403
    assert client.post("/console/incidents/new/", declare_form()).status_code == 403
    assert Incident.objects.count() == 0


def test_a_supervisor_or_the_network_operations_team_declares_from_the_console(
    staff: Staff, make_user: Any
) -> None:
    response = client_for(staff.supervisor).post("/console/incidents/new/", declare_form())
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/incidents/{incident.pk}/"
    assert (incident.title, incident.details_en, sorted(incident.service_kinds)) == (
        "Backbone Sulawesi down",
        "Backbone outage.",
        ["broadband", "fiber"],
    )
    assert [region.code for region in incident.regions.all()] == ["mks"]
    # Typed on the head office's clock (WIB, UTC+7).
    assert incident.started_at == dt.datetime(2026, 3, 2, 1, 15, tzinfo=dt.UTC)
    assert incident.declared_by == staff.supervisor
    # The network operations team's technicians declare too; another team's do not.
    noc = make_user("technician", teams=[team("Network Operation")])
    other = make_user("technician", teams=[team("Billing & Account")])
    assert client_for(noc).post("/console/incidents/new/", declare_form(title="NOC")).status_code == 302
    assert client_for(other).post("/console/incidents/new/", declare_form(title="No")).status_code == 403
    assert sorted(Incident.objects.values_list("title", flat=True)) == ["Backbone Sulawesi down", "NOC"]


def test_declaring_with_bad_input_shows_each_field_error_and_writes_nothing(staff: Staff) -> None:
    client = client_for(staff.supervisor)
    response = client.post(
        "/console/incidents/new/", declare_form(title="", regions=[], started_at="2999-01-01T00:00")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"title", "regions"}
    # The service's own check (a start in the future) is shown on its field too.
    response = client.post("/console/incidents/new/", declare_form(started_at="2999-01-01T00:00"))
    assert response.status_code == 400
    assert "started_at" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert Incident.objects.count() == 0


# --- The incident page ------------------------------------------------------------------------------------


def test_the_page_shows_details_linked_counts_and_updates_and_its_forms_only_to_managers(
    staff: Staff,
) -> None:
    incident = declare(staff)
    make_ticket(service=service_in("mks"))
    advance(make_ticket(actor=staff.agent, service=service_in("mks")), Stage.CLOSED, staff)
    incidents.incident_update_post(
        incident=incident,
        actor=staff.supervisor,
        body_id="Kapal perbaikan berangkat.",
        body_en="Ship sailed.",
    )
    response = client_for(staff.agent).get(f"/console/incidents/{incident.pk}/")
    assert response.status_code == 200
    assert (response.context["linked"], response.context["linked_open"]) == ((2, False), (1, False))
    assert [update.body_id for update in response.context["updates"]] == ["Kapal perbaikan berangkat."]
    html = response.content.decode()
    assert "Kapal perbaikan berangkat." in html and "Fiber Optic" in html
    assert "/update/" not in html and "/resolve/" not in html
    html = client_for(staff.supervisor).get(f"/console/incidents/{incident.pk}/").content.decode()
    for action in ("update", "restoration", "resolve"):
        assert f'action="/console/incidents/{incident.pk}/{action}/"' in html
    assert client_for(staff.agent).get("/console/incidents/999999/").status_code == 404


def test_the_page_runs_the_same_queries_however_many_updates(
    staff: Staff, django_assert_num_queries: Any
) -> None:
    incident = declare(staff)
    client = client_for(staff.agent)
    counts = []
    for _round in range(2):
        for index in range(5):
            incidents.incident_update_post(
                incident=incident, actor=staff.supervisor, body_id=f"Update {index}"
            )
        with django_assert_num_queries(8) as captured:
            assert client.get(f"/console/incidents/{incident.pk}/").status_code == 200
        counts.append(len(captured))
    assert counts == [8, 8]


def test_posting_an_update_owes_it_to_every_linked_customer_and_changes_the_restoration(
    staff: Staff,
) -> None:
    incident = declare(staff)
    ticket = make_ticket(service=service_in("mks"))
    assert ticket.incident_id == incident.pk
    client = client_for(staff.supervisor)
    typed, expected = wall_clock_in(days=2)
    response = client.post(
        f"/console/incidents/{incident.pk}/update/",
        {
            "update-body_id": "Perbaikan selesai pukul 18.00.",
            "update-body_en": "",
            "update-expected_restoration_at": typed,
        },
    )
    assert response.status_code == 302
    update = IncidentUpdate.objects.get(incident=incident)
    assert update.body_id == "Perbaikan selesai pukul 18.00."
    incident.refresh_from_db()
    assert incident.expected_restoration_at == expected
    owed = Notification.objects.filter(template="incident_update")
    assert list(owed.values_list("email", flat=True)) == [ticket.contact_email or ticket.customer.email]


def test_an_empty_update_or_someone_who_may_not_post_changes_nothing(staff: Staff) -> None:
    incident = declare(staff)
    response = client_for(staff.supervisor).post(
        f"/console/incidents/{incident.pk}/update/", {"update-body_id": ""}
    )
    assert response.status_code == 400
    assert "body_id" in response.context["update_form"].errors
    forbidden = client_for(staff.agent).post(
        f"/console/incidents/{incident.pk}/update/", {"update-body_id": "Hello"}
    )
    assert forbidden.status_code == 403
    assert IncidentUpdate.objects.count() == 0
    assert Notification.objects.filter(template="incident_update").count() == 0


def test_the_expected_restoration_is_changed_and_cleared(staff: Staff) -> None:
    incident = declare(staff)
    client = client_for(staff.supervisor)
    url = f"/console/incidents/{incident.pk}/restoration/"
    typed, expected = wall_clock_in(days=1)
    assert client.post(url, {"restoration-expected_restoration_at": typed}).status_code == 302
    incident.refresh_from_db()
    assert incident.expected_restoration_at == expected
    # The form shows it again on the clock it is typed on (WIB), so sending it back unchanged keeps it.
    page = client.get(f"/console/incidents/{incident.pk}/").content.decode()
    assert f'name="restoration-expected_restoration_at" value="{typed}"' in page
    assert client.post(url, {"restoration-expected_restoration_at": ""}).status_code == 302
    incident.refresh_from_db()
    assert incident.expected_restoration_at is None
    assert (
        client_for(staff.agent).post(url, {"restoration-expected_restoration_at": typed}).status_code == 403
    )
    assert Incident.objects.get(pk=incident.pk).expected_restoration_at is None
    assert IncidentUpdate.objects.count() == 0


def test_resolving_needs_its_rca_then_its_open_tickets_follow(
    staff: Staff, django_capture_on_commit_callbacks: Any
) -> None:
    incident = declare(staff)
    ticket = make_ticket(service=service_in("mks"))
    client = client_for(staff.supervisor)
    url = f"/console/incidents/{incident.pk}/resolve/"
    refused = client.post(url, {"resolve-problem_statement": "Cable cut"})
    assert refused.status_code == 400
    assert refused.context["resolve_form"].errors  # the RCA's missing fields, on their fields
    assert Incident.objects.get(pk=incident.pk).resolved_at is None
    assert RootCauseAnalysis.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {f"resolve-{name}": value for name, value in RCA.items()})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert incident.rca.problem_statement == RCA["problem_statement"]
    incident_resolve_tickets(incident_id=incident.pk)  # what the task enqueued after commit runs
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.rca_id) == (Stage.RESOLVED, incident.rca_id)
    # Resolved: no form is offered and a second resolution is refused (409), nothing changed.
    page = client.get(f"/console/incidents/{incident.pk}/")
    assert "/resolve/" not in page.content.decode()
    again = client.post(url, {"resolve-existing_rca": str(incident.rca_id)})
    assert again.status_code == 409
    assert Incident.objects.get(pk=incident.pk).resolved_at == incident.resolved_at


def test_an_existing_rca_can_be_chosen(staff: Staff) -> None:
    earlier = advance(make_ticket(actor=staff.agent, service=ServiceFactory()), Stage.RESOLVED, staff)
    incident = declare(staff)
    response = client_for(staff.supervisor).post(
        f"/console/incidents/{incident.pk}/resolve/", {"resolve-existing_rca": str(earlier.rca_id)}
    )
    assert response.status_code == 302
    assert Incident.objects.get(pk=incident.pk).rca_id == earlier.rca_id
    assert RootCauseAnalysis.objects.count() == 1


# --- Linking from the queue and the ticket page -----------------------------------------------------------


def test_a_queue_selection_is_linked_ticket_by_ticket_and_each_refusal_is_said(staff: Staff) -> None:
    incident = declare(staff)
    first = make_ticket(actor=staff.agent, service=service_in("jkt"))
    second = make_ticket(actor=staff.agent, service=service_in("jkt"))
    closed = advance(make_ticket(actor=staff.agent, service=service_in("jkt")), Stage.CLOSED, staff)
    history_before = TicketHistory.objects.filter(pgh_obj=closed).count()
    client = client_for(staff.agent)
    queue = client.get("/console/?tab=all").content.decode()
    assert f'name="tickets" value="{first.number}" form="queue-link"' in queue
    assert f'<option value="{incident.pk}">INC-{incident.pk}: Kabel laut putus</option>' in queue
    response = client.post(
        "/console/link-incident/",
        {
            "tickets": [first.number, second.number, closed.number, "ZZZZ-ZZZZ", "YYYY-YYYY"],
            "incident": str(incident.pk),
            "next": "/console/?tab=all",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/console/?tab=all", 302)]
    said = messages_of(response)
    linked = ", ".join(sorted([first.number, second.number]))
    assert said[0] == f"2 tickets linked to INC-{incident.pk}: {linked}."
    assert len(said) == 3
    assert any(message.startswith(f"{closed.number} not linked: ") for message in said)
    # One message per reason, however many tickets it holds back.
    assert "YYYY-YYYY, ZZZZ-ZZZZ not linked: No ticket with this number." in said
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.incident_id == incident.pk
        latest = TicketHistory.objects.filter(pgh_obj=ticket).order_by("-pgh_id").first()
        assert latest.pgh_context.metadata["action"] == "link_incident"
    closed.refresh_from_db()
    assert closed.incident_id is None
    assert TicketHistory.objects.filter(pgh_obj=closed).count() == history_before


def test_a_selection_without_an_incident_or_by_a_role_that_may_not_link_links_nothing(staff: Staff) -> None:
    incident = declare(staff)
    ticket = make_ticket(actor=staff.agent, service=service_in("jkt"))
    response = client_for(staff.agent).post(
        "/console/link-incident/", {"tickets": [ticket.number], "next": "https://evil.example/"}, follow=True
    )
    assert response.redirect_chain == [("/console/", 302)]
    # Back to the queue as the browser last showed it (the HTMX filters push their address).
    filtered = client_for(staff.agent).post(
        "/console/link-incident/",
        {"tickets": [ticket.number], "next": "/console/"},
        HTTP_REFERER="http://testserver/console/?tab=all&category=network",
    )
    assert filtered["Location"] == "/console/?tab=all&category=network"
    elsewhere = client_for(staff.agent).post(
        "/console/link-incident/", {"tickets": [ticket.number]}, HTTP_REFERER="http://evil.example/console/"
    )
    assert elsewhere["Location"] == "/console/"
    assert messages_of(response) == ["Nothing was linked: Choose an open incident."]
    # A manager may tick rows (for a note on each) but is offered no incident to link them to.
    manager_queue = client_for(staff.manager).get("/console/").content.decode()
    assert 'id="link-incident"' not in manager_queue
    assert 'id="bulk-note-body"' in manager_queue
    refused = client_for(staff.manager).post(
        "/console/link-incident/", {"tickets": [ticket.number], "incident": str(incident.pk)}, follow=True
    )
    assert messages_of(refused)[0].startswith(f"{ticket.number} not linked: ")
    ticket.refresh_from_db()
    assert ticket.incident_id is None


def test_the_ticket_page_and_the_queue_row_link_to_the_incident_which_the_ticket_page_unlinks(
    staff: Staff,
) -> None:
    incident = declare(staff)
    ticket = make_ticket(actor=staff.agent, service=service_in("mks"))
    assert ticket.incident_id == incident.pk
    client = client_for(staff.agent)
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert re.search(
        rf'<a class="badge text-bg-info" data-testid="incident" href="/console/incidents/{incident.pk}/">'
        rf"Part of incident INC-{incident.pk}: Kabel laut putus</a>",
        page,
    )
    assert "action-unlink_incident" in page
    queue = client.get("/console/?tab=all").content.decode()
    assert f'<a href="/console/incidents/{incident.pk}/">Kabel laut putus</a>' in queue
    response = client.post(f"/console/tickets/{ticket.number}/act/unlink_incident/", {})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.incident_id is None
    assert "Part of incident" not in client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert Ticket.objects.filter(incident=incident).count() == 0
