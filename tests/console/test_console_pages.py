"""The agent console's pages: who may see them, what the queue shows, a fixed number of queries however
long the lists, every action through its form, refusals that change nothing, bad input, escaped text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Notification
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, ticket_in
from tickets import services
from tickets.models import Stage, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'
XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    # The factory sets the password after saving; sign in with the row as stored (its session hash).
    user = type(user).objects.get(pk=user.pk)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def history_count(ticket: Ticket) -> int:
    from django.apps import apps

    return apps.get_model("tickets", "TicketHistory").objects.filter(pgh_obj_id=ticket.pk).count()


def test_anonymous_people_are_sent_to_sign_in(client: Client) -> None:
    for url in (
        "/console/",
        "/console/tickets/new/",
        "/console/inbox/",
        "/escalations/",
        "/escalations/board/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_a_signed_in_person_without_a_role_gets_403(make_user: Any) -> None:
    client = client_for(make_user())
    for url in ("/console/", "/console/tickets/new/", "/console/inbox/", "/escalations/"):
        assert client.get(url).status_code == 403, url


def test_the_queue_lists_open_tickets_with_their_sla_badges(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    closed = ticket_in(Stage.CLOSED, staff)
    response = client_for(staff.agent).get("/console/")
    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in html
    assert closed.number not in html
    assert 'class="badge sla-badge sla-ok"' in html
    assert f'data-due="{timezone.localtime(ticket.resolution_due).isoformat()}"' in html


def test_the_queue_filters_searches_and_sorts(staff: Staff) -> None:
    now = timezone.now()
    older = make_ticket(
        actor=staff.agent, category="billing", reported_at=now - dt.timedelta(hours=3), now=now
    )
    newer = make_ticket(
        actor=staff.agent, category="network", reported_at=now - dt.timedelta(hours=1), now=now
    )
    client = client_for(staff.agent)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/console/?tab=all&{query}")
        assert response.status_code == 200
        return [t.number for t in response.context["tickets"]]

    assert numbers("category=billing") == [older.number]
    assert numbers(f"search={newer.number.lower()}") == [newer.number]
    assert numbers(f"search={older.customer.name}") == [older.number]
    assert numbers("ordering=-reported_at") == [newer.number, older.number]
    assert numbers("ordering=reported_at") == [older.number, newer.number]
    assert numbers("stage=closed") == []
    # A filter that makes no sense is reported, not a 500.
    response = client.get("/console/?tab=all&stage=nonsense")
    assert response.status_code == 200
    assert response.context["tickets"] == []


def test_the_queue_tabs_split_mine_team_and_unassigned(staff: Staff) -> None:
    dispatched = ticket_in(Stage.DISPATCHED, staff)
    services.ticket_act(
        ticket=dispatched, actor=staff.supervisor, action="assign", data={"assignee": staff.technician.pk}
    )
    received = make_ticket(actor=staff.agent)
    Ticket.objects.filter(pk=received.pk).update(assignee=None)
    technician = client_for(staff.technician)
    assert [t.number for t in technician.get("/console/?tab=mine").context["tickets"]] == [dispatched.number]
    assert [t.number for t in technician.get("/console/?tab=team").context["tickets"]] == [dispatched.number]
    agent = client_for(staff.agent)
    assert [t.number for t in agent.get("/console/?tab=unassigned").context["tickets"]] == [received.number]


def test_the_htmx_filter_answers_with_only_the_table(staff: Staff) -> None:
    make_ticket(actor=staff.agent)
    response = client_for(staff.agent).get("/console/?tab=all", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-table"')
    assert "<html" not in html


@pytest.mark.parametrize("rows", [10, 100])
def test_the_queue_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    service = ServiceFactory()
    for _ in range(rows):
        make_ticket(actor=staff.agent, service=service)
    client = client_for(staff.agent)
    client.get("/console/?tab=all")  # warm the per-process caches (calendars, policies)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/console/?tab=all&ordering=resolution_due")
    assert len(response.context["tickets"]) == min(rows, 50)


# session, user, roles (nav + view), unread count, teams, count, page
QUEUE_QUERIES = 7


@pytest.mark.parametrize("messages", [3, 30])
def test_the_ticket_page_runs_the_same_queries_however_many_messages(
    staff: Staff, messages: int, django_assert_num_queries: Any
) -> None:
    ticket = make_ticket(actor=staff.agent)
    for index in range(messages):
        services.ticket_act(ticket=ticket, actor=staff.agent, action="note", data={"body": f"note {index}"})
    client = client_for(staff.agent)
    client.get(f"/console/tickets/{ticket.number}/")
    with django_assert_num_queries(TICKET_QUERIES):
        response = client.get(f"/console/tickets/{ticket.number}/")
    assert response.status_code == 200
    notes = [
        entry for entry in response.context["timeline"] if entry.is_message and entry.item.kind == "note"
    ]
    assert len(notes) == messages


TICKET_QUERIES = 8


def test_an_agent_takes_a_ticket_from_received_to_dispatched_through_the_forms(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    agent, support, supervisor = (
        client_for(staff.agent),
        client_for(staff.support),
        client_for(staff.supervisor),
    )
    url = f"/console/tickets/{ticket.number}/act"

    response = agent.post(f"{url}/respond/", {"body": "We are looking into it."})
    assert response.status_code == 302
    assert TicketMessage.objects.filter(ticket=ticket, kind="reply").count() == 1

    response = support.post(
        f"{url}/verify/",
        {"service_status_checked": "true", "billing_checked": "true", "classification": "major"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.stage == Stage.VERIFIED
    assert ticket.classification == "major"

    response = supervisor.post(f"{url}/dispatch/", {"team": team("Network Operation").pk, "assignee": ""})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.stage == Stage.DISPATCHED
    assert ticket.team.name == "Network Operation"


def test_a_technician_resolves_with_an_rca_from_the_form(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    form = {f"rca.{key}": value for key, value in RCA.items()}
    response = client_for(staff.technician).post(f"/console/tickets/{ticket.number}/act/resolve/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RESOLVED
    assert ticket.rca.problem_statement == RCA["problem_statement"]


def test_an_incomplete_rca_shows_field_errors_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    before = history_count(ticket)
    response = client_for(staff.technician).post(
        f"/console/tickets/{ticket.number}/act/resolve/", {"rca.problem_statement": "Cut fibre"}
    )
    assert response.status_code == 400
    assert "rca_analysis" in response.context["errors"]
    ticket.refresh_from_db()
    assert ticket.stage == Stage.DISPATCHED
    assert history_count(ticket) == before


def test_a_refused_action_says_why_and_changes_nothing(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    before = history_count(ticket)
    response = client_for(staff.technician).post(f"/console/tickets/{ticket.number}/act/resolve/", {})
    assert response.status_code in (403, 404)  # a technician outside the team may not even see it
    response = client_for(staff.supervisor).post(f"/console/tickets/{ticket.number}/act/dispatch/", {})
    assert response.status_code == 409
    assert "cannot be given" in response.context["error_message"]
    ticket.refresh_from_db()
    assert ticket.stage == Stage.RECEIVED
    assert history_count(ticket) == before


def test_bad_input_never_ends_in_a_server_error(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    client = client_for(staff.agent)
    url = f"/console/tickets/{ticket.number}/act"
    assert client.post(f"{url}/respond/", {"body": ""}).status_code == 400
    assert client.post(f"{url}/respond/", {"body": "x" * 2_000_000}).status_code == 400
    assert client.post(f"{url}/nonsense/", {}).status_code == 404
    assert client.get("/console/tickets/XXXX-XXXX/").status_code == 404
    assert client.get(f"{url}/respond/").status_code == 405
    assert TicketMessage.objects.filter(ticket=ticket, kind="reply").count() == 0


def test_an_agent_logs_a_phone_complaint_for_a_customer_found_by_lookup(staff: Staff) -> None:
    service = ServiceFactory(reference="SVC-LOOKUP-1")
    client = client_for(staff.agent)
    response = client.get("/console/customers/lookup/", {"q": "SVC-LOOKUP-1"})
    assert service.customer.name in response.content.decode()
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "customer": service.customer.pk,
            "service": service.pk,
            "tier": "regular",
            "category": "network",
            "description": "No signal since this morning.",
            "incident_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(service=service)
    assert response["Location"] == f"/console/tickets/{ticket.number}/"
    assert ticket.channel == "phone"
    assert ticket.stage == Stage.RECEIVED


def test_logging_a_complaint_with_bad_input_shows_field_errors(staff: Staff) -> None:
    client = client_for(staff.agent)
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/console/tickets/new/",
        {"channel": "portal", "tier": "regular", "category": "x", "description": "", "incident_at": future},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"channel", "category", "description", "name", "phone"}
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "name": "Budi",
            "phone": "12",
            "tier": "regular",
            "category": "network",
            "description": "No signal",
            "incident_at": future,
        },
    )
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_the_inbox_lists_notifications_and_marks_them_read(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    escalation_services.escalation_manual(
        ticket=ticket, actor=staff.agent, level=3, note="VIP", at=timezone.now()
    )
    client = client_for(staff.director)
    response = client.get("/console/inbox/")
    assert response.status_code == 200
    assert ticket.number in response.content.decode()
    row = Notification.objects.get(recipient=staff.director, channel="inbox")
    assert client.post(f"/console/inbox/{row.pk}/read/").status_code == 302
    row.refresh_from_db()
    assert row.read_at is not None
    # Someone else's notification is not theirs to mark.
    other = client_for(staff.agent)
    row.read_at = None
    row.save(update_fields=["read_at"])
    other.post(f"/console/inbox/{row.pk}/read/")
    row.refresh_from_db()
    assert row.read_at is None


def test_html_in_a_complaint_shows_as_text_on_every_console_page(staff: Staff) -> None:
    customer = CustomerFactory(name=XSS_NAME)
    service = ServiceFactory(customer=customer, reference="SVC-XSS-1")
    ticket = make_ticket(actor=staff.agent, service=service, description=XSS)
    escalation_services.escalation_manual(
        ticket=ticket, actor=staff.agent, level=3, note=XSS, at=timezone.now()
    )
    pages = {
        "queue": client_for(staff.agent).get("/console/?tab=all"),
        "ticket": client_for(staff.agent).get(f"/console/tickets/{ticket.number}/"),
        "lookup": client_for(staff.agent).get("/console/customers/lookup/", {"q": "SVC-XSS-1"}),
        "escalations": client_for(staff.director).get("/escalations/?level=3"),
        "board": client_for(staff.supervisor).get("/escalations/board/"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages["ticket"].content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["queue"].content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["lookup"].content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages["escalations"].content.decode()
