"""The agent console's pages (SPEC §11): who may see them, what each role is offered, what the queue
returns for each filter, search and sort, a fixed number of queries however long the lists, every action
through its form, refusals and bad input that change nothing, and text that stays text."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from escalation import services as escalation_services
from notifications.models import Notification
from notifications.rendering import render_notification
from reports.models import RootCauseAnalysis, SatisfactionRating
from tests.clients import client_for
from tests.html import by_testid
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, advance, ticket_in
from tickets import services
from tickets.models import (
    NO_RUNNING_CLOCK,
    Customer,
    Incident,
    Region,
    Service,
    Stage,
    Ticket,
    TicketMessage,
)

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_NAME_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def history_count(ticket: Ticket) -> int:
    return apps.get_model("tickets", "TicketHistory").objects.filter(pgh_obj_id=ticket.pk).count()


def row(ticket: Ticket) -> dict[str, Any]:
    """Every column of the ticket as stored."""
    return Ticket.objects.filter(pk=ticket.pk).values().get()


def numbers_in(response: Any) -> list[str]:
    return [ticket.number for ticket in response.context["tickets"]]


def action_forms_in(html: str) -> set[str]:
    return set(re.findall(r'<details class="card mb-2 action-form action-(\w+)"', html))


def act(client: Client, ticket: Ticket, action: str, fields: dict[str, Any]) -> Any:
    """POST one action form, its fields prefixed with the action as the page renders them."""
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(f"/console/tickets/{ticket.number}/act/{action}/", data)


# --- Who may see the console --------------------------------------------------------------------------


CONSOLE_GETS = ("/console/", "/console/tickets/new/", "/console/inbox/", "/console/customers/lookup/?q=abc")


def test_anonymous_people_are_sent_to_sign_in(client: Client, staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    for url in (*CONSOLE_GETS, f"/console/tickets/{ticket.number}/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url
    response = client.post(f"/console/tickets/{ticket.number}/act/note/", {"note-body": "hello"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert TicketMessage.objects.filter(ticket=ticket, kind="note").count() == 0


def test_a_signed_in_person_without_a_staff_role_gets_403(make_user: Any, staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    client = client_for(make_user())
    for url in (*CONSOLE_GETS, f"/console/tickets/{ticket.number}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/console/tickets/{ticket.number}/act/note/", {"note-body": "x"}).status_code == 403
    assert client.post("/console/inbox/read-all/").status_code == 403
    assert TicketMessage.objects.filter(ticket=ticket, kind="note").count() == 0


@pytest.mark.parametrize(
    ("role", "tabs", "default"),
    [
        # Each role lands where it works: agents on their own tickets, support on what awaits
        # verification, supervisors on the unassigned tickets at risk, technicians on their team's.
        ("agent", ["mine", "unassigned", "all"], "mine"),
        ("support", ["mine", "verify", "unassigned", "all"], "verify"),
        ("supervisor", ["mine", "verify", "unassigned", "at_risk", "all"], "at_risk"),
        ("technician", ["mine", "team", "unassigned", "all"], "team"),
        ("manager", ["all"], "all"),
        ("director", ["all"], "all"),
        ("analyst", ["all"], "all"),
    ],
)
def test_each_role_gets_its_queue_tabs(staff: Staff, role: str, tabs: list[str], default: str) -> None:
    response = client_for(staff.of(role)).get("/console/")
    html = response.content.decode()
    assert re.findall(r'data-tab="(\w+)"', html) == tabs
    assert response.context["tab"] == default
    # A tab the role does not have falls back to its default; ?tab= wins over the landing tab.
    assert client_for(staff.of(role)).get("/console/?tab=nonsense").context["tab"] == default
    assert client_for(staff.of(role)).get("/console/?tab=all").context["tab"] == "all"


def test_the_tabs_split_mine_team_and_unassigned(staff: Staff) -> None:
    dispatched = ticket_in(Stage.DISPATCHED, staff)
    services.ticket_act(
        ticket=dispatched, actor=staff.supervisor, action="assign", data={"assignee": staff.technician.pk}
    )
    team_only = advance(make_ticket(actor=None), Stage.DISPATCHED, staff)  # filed on the portal: nobody's
    received = make_ticket(actor=staff.agent)  # held by the agent who logged it
    portal = make_ticket(actor=None)
    technician = client_for(staff.technician)
    assert numbers_in(technician.get("/console/?tab=mine")) == [dispatched.number]
    assert sorted(numbers_in(technician.get("/console/?tab=team"))) == sorted(
        [dispatched.number, team_only.number]
    )
    assert numbers_in(technician.get("/console/?tab=unassigned")) == [team_only.number]
    agent = client_for(staff.agent)
    assert numbers_in(agent.get("/console/?tab=mine")) == [received.number]
    assert sorted(numbers_in(agent.get("/console/?tab=unassigned"))) == sorted(
        [portal.number, team_only.number]
    )


def test_a_technician_sees_only_what_visible_tickets_allows(staff: Staff, make_user: Any) -> None:
    ours = ticket_in(Stage.DISPATCHED, staff)
    billing = ticket_in(Stage.DISPATCHED, staff, category="billing")  # goes to Billing & Account
    received = make_ticket(actor=staff.agent)  # still with Customer Care
    client = client_for(staff.technician)
    assert numbers_in(client.get("/console/?tab=all")) == [ours.number]
    assert numbers_in(client.get(f"/console/?tab=all&search={billing.number}")) == []
    assert client.get(f"/console/tickets/{billing.number}/").status_code == 404
    assert client.get(f"/console/tickets/{received.number}/").status_code == 404
    assert client.get(f"/console/tickets/{ours.number}/").status_code == 200


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        ("agent", {"respond", "note", "close", "escalate", "pause", "link_incident"}),
        ("support", {"respond", "note", "verify", "pause", "link_incident"}),
        (
            "supervisor",
            {"respond", "note", "verify", "close", "escalate", "pause", "assign", "link_incident"},
        ),
        ("manager", {"note", "escalate"}),
        ("director", {"note"}),
        ("analyst", set()),
    ],
)
def test_each_role_is_offered_the_actions_the_flow_table_gives_it(
    staff: Staff, role: str, actions: set[str]
) -> None:
    ticket = make_ticket(actor=staff.agent)
    response = client_for(staff.of(role)).get(f"/console/tickets/{ticket.number}/")
    assert response.status_code == 200
    assert action_forms_in(response.content.decode()) == actions


def test_the_technician_of_the_team_is_offered_resolve_on_a_dispatched_ticket(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    html = client_for(staff.technician).get(f"/console/tickets/{ticket.number}/").content.decode()
    assert action_forms_in(html) == {"respond", "note", "resolve", "pause"}
    for name in ("problem_statement", "category", "analysis", "temporary_fix", "permanent_fix"):
        assert f'id="id_resolve-{name}"' in html
    assert '<option value="fiber_cut">' in html


# --- The queue ------------------------------------------------------------------------------------------


def test_the_queue_lists_open_tickets_with_their_columns_and_sla_badges(staff: Staff) -> None:
    description = (
        "\n  Fibre cut near the tower, no internet since 09:00 in the whole housing estate\nSecond line"
    )
    ticket = ticket_in(Stage.DISPATCHED, staff, description=description)
    closed = ticket_in(Stage.CLOSED, staff)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - dt.timedelta(hours=3, minutes=5))
    response = client_for(staff.agent).get("/console/?tab=all")
    html = response.content.decode()
    assert response.status_code == 200
    assert numbers_in(response) == [ticket.number]
    assert closed.number not in html
    row_html = html[html.index(f'<tr data-number="{ticket.number}" class="queue-row">') :]
    row_html = row_html[: row_html.index("</tr>")]
    assert (
        f'<a class="queue-open ticket-number" href="/console/tickets/{ticket.number}/">{ticket.number}</a>'
        in row_html
    )
    for text in (ticket.customer.name, "Network", "Major", "Dispatched", "Network Operation"):
        assert re.search(rf"<td[^>]*>{re.escape(text)}", row_html), text
    # The subject: the first line of the description, cut at a word within 70 characters; the whole text
    # in the title.
    subject = re.search(r'data-testid="subject"><span title="([^"]*)">([^<]*)</span>', row_html)
    assert subject is not None
    assert subject.group(2) == "Fibre cut near the tower, no internet since 09:00 in the whole…"
    assert subject.group(1) == escape(description.strip())  # as stored
    # The last update as an age, the exact time in the title.
    updated = Ticket.objects.get(pk=ticket.pk).updated_at
    # In the viewer's zone (the head office's, WIB, for a user without a team region), labelled.
    exact = updated.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%-d %b %Y, %H:%M") + " WIB"
    assert f'data-testid="updated"><span title="{exact}">3 h ago</span>' in row_html
    assert row_html.count('class="badge sla-badge sla-') == 2
    assert f'data-due="{timezone.localtime(ticket.resolution_due).isoformat()}"' in row_html
    assert f'data-due="{timezone.localtime(ticket.first_response_due).isoformat()}"' in row_html
    # Asked for, closed tickets are listed too.
    assert numbers_in(client_for(staff.agent).get("/console/?tab=all&stage=closed")) == [closed.number]


def test_a_queue_row_shows_escalation_exposure_incident_tier_pause_and_assignee(staff: Staff) -> None:
    """The row's badges and links (console.queue_rows makes their words), in Indonesian as in English."""
    customer = CustomerFactory(tier="high_value")
    ticket = ticket_in(Stage.DISPATCHED, staff, service=ServiceFactory(customer=customer))
    incident = Incident.objects.create(
        title="Fibre cut on the Makassar–Gowa backbone, all services down in Gowa and Takalar",
        details_id="Gangguan",
        started_at=timezone.now(),
    )
    staff.technician.first_name, staff.technician.last_name = "Budi", "Santoso"
    staff.technician.save()
    Ticket.objects.filter(pk=ticket.pk).update(
        escalation_level=2,
        public_exposure=True,
        incident=incident,
        paused=True,
        paused_at=timezone.now(),
        assignee=staff.technician,
    )

    def row_of(language: str) -> str:
        client = client_for(staff.supervisor)
        html = client.get("/console/?tab=all", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        row = html[html.index(f'<tr data-number="{ticket.number}" class="queue-row">') :]
        return row[: row.index("</tr>")]

    row = row_of("en")
    assert f'aria-label="Select ticket {ticket.number}"' in row  # a supervisor may select rows
    assert '<span class="badge text-bg-danger">L2</span>' in row
    assert '<span class="badge text-bg-warning">public</span>' in row
    assert (
        f'<span class="badge text-bg-info" title="Part of a mass incident">INC-{incident.pk}</span> '
        f'<a href="/console/incidents/{incident.pk}/">Fibre cut on the Makassar–Gowa backbone…</a>'
    ) in row
    assert '<span class="badge text-bg-info">High value</span>' in row
    assert '<span class="badge text-bg-secondary">waiting</span>' in row
    assert '<td class="q-wide">Budi Santoso</td>' in row
    assert row.count('class="badge sla-badge sla-paused"') == 2
    row = row_of("id")
    assert f'aria-label="Pilih tiket {ticket.number}"' in row
    assert '<span class="badge text-bg-secondary">menunggu</span>' in row


def test_the_queue_filters_by_stage_classification_category_channel_and_team(staff: Staff) -> None:
    received = make_ticket(actor=staff.agent, category="billing", channel="email")
    dispatched = ticket_in(Stage.DISPATCHED, staff, channel="walk_in")  # network, major
    verified = ticket_in(Stage.VERIFIED, staff, category="account", channel="social")
    client = client_for(staff.supervisor)

    def listed(query: str) -> list[str]:
        response = client.get(f"/console/?tab=all&{query}")
        assert response.status_code == 200
        return sorted(numbers_in(response))

    assert listed("stage=received") == [received.number]
    assert listed("stage=verified") == [verified.number]
    assert listed("classification=major") == sorted([dispatched.number, verified.number])
    assert listed("classification=minor") == []
    assert listed("category=billing") == [received.number]
    assert listed("category=account") == [verified.number]
    assert listed("channel=walk_in") == [dispatched.number]
    assert listed(f"team={team('Network Operation').pk}") == [dispatched.number]
    assert listed(f"team={team('Customer Care').pk}") == sorted([received.number, verified.number])
    assert listed("category=billing&channel=email") == [received.number]
    assert listed("category=billing&channel=phone") == []


def test_the_queue_filters_by_sla_state_on_either_or_one_clock(staff: Staff) -> None:
    now = timezone.now()

    def critical(minutes_ago: int) -> Ticket:
        return make_ticket(
            actor=staff.agent, classification="critical", reported_at=now - dt.timedelta(minutes=minutes_ago)
        )

    # Critical: first response in 30 minutes (at risk from 22.5), resolution in 8 hours (at risk from 6).
    fresh = critical(5)  # both clocks on time
    response_at_risk = critical(25)
    response_breached = critical(60)
    resolution_at_risk = critical(7 * 60)  # and its response breached
    client = client_for(staff.agent)

    def listed(query: str) -> list[str]:
        return sorted(numbers_in(client.get(f"/console/?tab=all&{query}")))

    def numbers(*tickets: Ticket) -> list[str]:
        return sorted(ticket.number for ticket in tickets)

    assert listed("sla_state=ok") == numbers(fresh)
    assert listed("sla_state=at_risk") == numbers(response_at_risk)
    assert listed("sla_state=breached") == numbers(response_breached, resolution_at_risk)
    assert listed("sla_clock=response&sla_state=ok") == numbers(fresh)
    assert listed("sla_clock=response&sla_state=at_risk") == numbers(response_at_risk)
    assert listed("sla_clock=response&sla_state=breached") == numbers(response_breached, resolution_at_risk)
    assert listed("sla_clock=resolution&sla_state=ok") == numbers(fresh, response_at_risk, response_breached)
    assert listed("sla_clock=resolution&sla_state=at_risk") == numbers(resolution_at_risk)
    assert listed("sla_clock=resolution&sla_state=breached") == []


def test_the_queue_search_finds_numbers_names_phones_emails_references_and_words(staff: Staff) -> None:
    dewi = CustomerFactory(name="Dewi Sarirasa", email="dewi.s@contoh.co.id", phone="+6281398765432")
    by_dewi = make_ticket(actor=staff.agent, service=ServiceFactory(customer=dewi, reference="SVC-SRCH-77"))
    other = make_ticket(actor=staff.agent, description="Gangguan jaringan di Bekasi sejak pagi")
    client = client_for(staff.agent)

    def found(text: str) -> list[str]:
        return numbers_in(client.get("/console/", {"tab": "all", "search": text}))

    assert found(by_dewi.number) == [by_dewi.number]
    assert found(by_dewi.number.replace("-", "").lower()) == [by_dewi.number]  # typed any way
    assert found("sarirasa") == [by_dewi.number]
    assert found("0813-9876-5432") == [by_dewi.number]
    assert found("+62 813 9876 5432") == [by_dewi.number]
    assert found("dewi.s@contoh") == [by_dewi.number]
    assert found("svc-srch-77") == [by_dewi.number]
    assert found("SVC-SRCH") == [by_dewi.number]
    assert found("bekasi") == [other.number]
    assert found("nothing like this") == []
    assert sorted(found("  ")) == sorted([by_dewi.number, other.number])


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("en", "Type at least 3 characters to search."),
        ("id", "Ketik paling sedikit 3 karakter untuk mencari."),
    ],
)
def test_a_search_of_fewer_than_three_characters_finds_nothing_and_says_why(
    staff: Staff, language: str, notice: str
) -> None:
    """One or two letters have no trigrams to look up: their search would read every ticket and every
    customer (4.3 s at 1,000,000 tickets), so it is not run."""
    make_ticket(actor=staff.agent, service=ServiceFactory(customer=CustomerFactory(name="Ade Suryani")))
    client = client_for(staff.agent, language)
    with CaptureQueriesContext(connection) as unsearched:
        assert len(numbers_in(client.get("/console/", {"tab": "all"}))) == 1
    for text in ("a", "Ad", " A d ", "де"):
        with CaptureQueriesContext(connection) as searched:
            response = client.get("/console/", {"tab": "all", "search": text})
        assert numbers_in(response) == []
        assert by_testid(response.content.decode(), "search-too-short"), text
        assert notice in response.content.decode()
        # Nothing was looked up: no more statements than the page without a search.
        assert len(searched.captured_queries) <= len(unsearched.captured_queries)
    # Three are enough, and the notice goes.
    response = client.get("/console/", {"tab": "all", "search": "Ade"})
    assert len(numbers_in(response)) == 1
    assert not by_testid(response.content.decode(), "search-too-short")


def test_the_search_finds_the_contact_given_with_a_ticket_and_its_text_follows_the_ticket(
    staff: Staff, api: Any
) -> None:
    from django.db import connection

    from tickets.models import TicketSearch

    ticket = make_ticket(
        actor=staff.agent,
        description="Lampu LOS merah di ruko",
        contact_email="pic.lapangan@ruko-contoh.id",
        contact_phone="+6285711223344",
    )
    other = make_ticket(actor=staff.agent, description="Tagihan ganda")
    client = client_for(staff.agent)

    def found(text: str) -> list[str]:
        return numbers_in(client.get("/console/", {"tab": "all", "search": text}))

    def api_found(text: str) -> list[str]:
        response = api(staff.agent).get("/api/tickets/", {"search": text})
        assert response.status_code == 200
        return [row["number"] for row in response.json()["results"]]

    assert found("pic.lapangan@ruko") == [ticket.number]
    assert found("0857 1122 3344") == [ticket.number]
    assert found("los merah") == [ticket.number]
    assert api_found("LOS MERAH") == api_found("pic.lapangan") == [ticket.number]
    assert found("ganda") == [other.number]

    def xmin() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT xmin::text FROM tickets_ticketsearch WHERE ticket_id = %s", [ticket.pk])
            return cursor.fetchone()[0]

    # Written with the ticket; a save that leaves the copied columns alone leaves the row alone.
    before = xmin()
    Ticket.objects.get(pk=ticket.pk).save()
    assert xmin() == before
    # A change of contact is followed, even one made by a bulk update that no Django signal sees.
    Ticket.objects.filter(pk=ticket.pk).update(contact_email="baru@ruko-contoh.id")
    assert (
        TicketSearch.objects.get(ticket=ticket).text
        == "Lampu LOS merah di ruko baru@ruko-contoh.id +6285711223344"
    )
    assert found("pic.lapangan") == []
    assert found("baru@ruko") == [ticket.number]


def test_the_search_text_leaves_out_the_customers_own_email_and_finds_the_same_tickets(
    staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer's own email, matched on the customer, is not copied onto their tickets' texts (a
    common name's trigrams in every one of them made the index walk them all: SEARCH_TEXT_SQL). What is
    found does not change: by the customer's email, by the contact's, and after the customer's email
    changes, by the old one the ticket was given with."""
    import importlib

    from django.db import connection

    from tickets.models import TicketSearch

    def text(ticket: Ticket) -> str:
        return TicketSearch.objects.get(ticket=ticket).text

    client = client_for(staff.agent)

    def found(query: str) -> list[str]:
        return sorted(numbers_in(client.get("/console/", {"tab": "all", "search": query})))

    putri = CustomerFactory(name="Putri Hidayat", email="putri.hidayat@contoh.co.id")
    own = make_ticket(
        actor=staff.agent,
        customer=putri,
        description="Modem mati",
        contact_email="Putri.Hidayat@contoh.co.id",  # the customer's own, written another way
        contact_phone="+6281311112222",
    )
    given = make_ticket(
        actor=staff.agent, customer=putri, description="Modem mati", contact_email="pic@kantor-contoh.id"
    )
    assert text(own) == "Modem mati +6281311112222"
    assert text(given).startswith("Modem mati pic@kantor-contoh.id")
    assert found("putri.hidayat@contoh") == sorted([own.number, given.number])
    assert found("Putri Hidayat") == sorted([own.number, given.number])
    assert found("pic@kantor") == [given.number]

    # The customer's email changes: the old one is now only the ticket's contact email, and is copied.
    putri.email = "putri.baru@contoh.co.id"
    putri.save()
    assert text(own) == "Modem mati Putri.Hidayat@contoh.co.id +6281311112222"
    assert found("putri.hidayat@contoh") == [own.number]
    assert found("putri.baru@contoh") == sorted([own.number, given.number])

    # A ticket moved to the customer whose email it was given with loses it again.
    other = CustomerFactory(name="Dewi", email="pic@kantor-contoh.id")
    Ticket.objects.filter(pk=given.pk).update(customer=other)
    assert "pic@kantor" not in text(given)
    assert found("pic@kantor") == [given.number]

    # Texts written by the earlier rule are rewritten by migration 0027 (in batches), and only those;
    # backwards, they get the email again.
    migration = importlib.import_module("tickets.migrations.0027_rewrite_search_texts")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches, one of them past the ids
    before = text(own)
    with connection.cursor() as cursor:
        migration.rewrite(cursor, keep_email=True)
        assert text(given).startswith("Modem mati pic@kantor-contoh.id")
        migration.rewrite(cursor, keep_email=False)
    assert "pic@kantor" not in text(given)
    assert text(own) == before


def test_the_queue_sorts_by_urgency_resolution_due_first_response_due_or_reported_time(staff: Staff) -> None:
    now = timezone.now()
    # Critical, 5 minutes ago: response due in 25 min, resolution in under 8 hours.
    critical = make_ticket(
        actor=staff.agent, classification="critical", reported_at=now - dt.timedelta(minutes=5)
    )
    # Major, 50 minutes ago: response due in 10 min, resolution in two business days.
    major = make_ticket(actor=staff.agent, classification="major", reported_at=now - dt.timedelta(minutes=50))
    client = client_for(staff.agent)

    def order(ordering: str) -> list[str]:
        return numbers_in(client.get("/console/", {"tab": "all", "ordering": ordering}))

    # The default: the nearest running deadline first (the major's reply is due sooner).
    assert numbers_in(client.get("/console/?tab=all")) == [major.number, critical.number]
    assert order("next_due") == [major.number, critical.number]
    assert order("resolution_due") == [critical.number, major.number]
    assert order("first_response_due") == [major.number, critical.number]
    assert order("reported_at") == [major.number, critical.number]
    assert order("-reported_at") == [critical.number, major.number]
    assert order("nonsense") == [major.number, critical.number]


def test_filters_that_make_no_sense_are_ignored_and_said(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    closed = ticket_in(Stage.CLOSED, staff)
    response = client_for(staff.agent).get("/console/?tab=all&stage=nonsense&team=abc&page=999")
    assert response.status_code == 200
    assert numbers_in(response) == [ticket.number]  # still open tickets only
    assert closed.number not in response.content.decode()
    assert set(response.context["ignored"]) == {"stage", "team"}
    assert "Some filters were not understood and were ignored" in response.content.decode()


def test_the_htmx_filter_swaps_only_the_table_which_refreshes_itself(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, category="billing")
    client = client_for(staff.agent)
    page = client.get("/console/").content.decode()
    assert 'hx-get="/console/" hx-target="#queue-table" hx-swap="outerHTML" hx-push-url="true"' in page
    response = client.get("/console/?tab=all&category=billing", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-table"')
    assert "<html" not in html and "queue-filters" not in html
    assert ticket.number in html
    # The refresh waits while rows are ticked for linking to an incident (static/js/console.js).
    assert 'hx-trigger="every 60s" data-pause-while-checked="tickets"' in html
    assert "category=billing" in re.search(r'<div id="queue-table" hx-get="([^"]+)"', html).group(1)


@pytest.mark.parametrize("rows", [10, 100])
def test_the_queue_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    for index in range(rows):
        make_ticket(actor=staff.agent if index % 2 else None, service=ServiceFactory())
    client = client_for(staff.agent)
    client.get("/console/?tab=all")  # warm the per-process caches (calendars, policies)
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/console/?tab=all&ordering=resolution_due")
    assert len(response.context["tickets"]) == min(rows, 50)
    assert (response.context["count"], response.context["count_is_capped"]) == (rows, False)
    if rows > 50:
        cursor = response.context["page"].next_cursor
        with django_assert_num_queries(QUEUE_QUERIES):
            second = client.get(f"/console/?tab=all&ordering=resolution_due&after={cursor}")
        assert len(second.context["tickets"]) == rows - 50
        assert not set(numbers_in(second)) & set(numbers_in(response))
        assert second.context["page"].next_cursor is None


# session, user, roles, unread count (navigation), teams with membership, count, page, the open
# incidents the selection can be linked to (issue 16; the agent may link), and the viewer's saved views
QUEUE_QUERIES = 9
# A supervisor's queue also lists the people a selection can be assigned to (people, their teams).
SUPERVISOR_QUEUE_QUERIES = QUEUE_QUERIES + 2


# --- The ticket page --------------------------------------------------------------------------------------


def test_the_ticket_page_shows_the_record_and_a_merged_timeline(staff: Staff) -> None:
    service = ServiceFactory()
    ticket = ticket_in(Stage.DISPATCHED, staff, service=service)
    # The line was cut for an unpaid bill after dispatch: the page shows the service as it is now.
    Service.objects.filter(pk=service.pk).update(
        status="suspended", billing_status="overdue", overdue_amount=250000
    )
    services.ticket_act(ticket=ticket, actor=staff.agent, action="respond", data={"body": "We are on it."})
    services.ticket_act(
        ticket=ticket, actor=staff.technician, action="note", data={"body": "Checking the OLT."}
    )
    html = client_for(staff.agent).get(f"/console/tickets/{ticket.number}/").content.decode()
    for text in (
        f"Ticket {ticket.number}",
        service.customer.name,
        service.customer.email,
        service.reference,
        "Suspended",
        "Overdue",
        "250,000",
        "Network Operation",
        "Major",
        "Phone",
    ):
        assert text in html, text
    assert html.count('class="badge sla-badge') == 3  # response, resolution, stage
    history = html[html.index('data-testid="history"') :]
    assert history.index("Complaint recorded") < history.index("Verify") < history.index("Dispatch")
    assert "Stage: Verified → Dispatched" in history
    assert "Team: Customer Care → Network Operation" in history
    conversation = html[html.index('data-testid="conversation"') : html.index('data-testid="history"')]
    assert "We are on it." in conversation
    note = conversation[conversation.index('data-kind="note"') :]
    assert note.index("Internal note — not shown to the customer") < note.index("Checking the OLT.")
    assert 'class="ticket-description' in html
    assert 'id="action-respond" open' in html


@pytest.mark.parametrize("messages", [3, 30])
def test_the_ticket_page_runs_the_same_queries_however_many_messages(
    staff: Staff, messages: int, django_assert_num_queries: Any
) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    for index in range(messages):
        kind = "note" if index % 2 else "respond"
        services.ticket_act(
            ticket=ticket, actor=staff.supervisor, action=kind, data={"body": f"message {index}"}
        )
    client = client_for(staff.supervisor)
    client.get(f"/console/tickets/{ticket.number}/")
    with django_assert_num_queries(TICKET_QUERIES):
        response = client.get(f"/console/tickets/{ticket.number}/")
    assert response.status_code == 200
    written = [entry for entry in response.context["timeline"] if entry.is_message and entry.item.author_id]
    assert len(written) == messages


# session, user, roles, ticket, history, users named in it, messages, their attachments, the ticket's
# attachments, the viewer's teams (team-only actions), teams and assignable people with their teams (assign
# form), open incidents (link form), unread, the replies' deliveries (channel and status, issue 19), the
# canned replies offered in the reply box, and the side panel's two reads: the customer's other tickets
# and their services
TICKET_QUERIES = 19


def test_every_action_posts_through_its_form_and_writes_history(staff: Staff) -> None:
    """The whole flow and every side action, each by the role that owns it, through the console's forms."""
    agent, support, supervisor, technician, manager = (
        client_for(staff.agent),
        client_for(staff.support),
        client_for(staff.supervisor),
        client_for(staff.technician),
        client_for(staff.manager),
    )
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())

    def posts(client: Client, action: str, fields: dict[str, Any]) -> Ticket:
        before = history_count(ticket)
        response = act(client, ticket, action, fields)
        assert response.status_code == 302, (action, response.content.decode()[:3000])
        assert response["Location"] == f"/console/tickets/{ticket.number}/"
        assert history_count(ticket) == before + 1, action
        follow = client.get(response["Location"])
        assert "done." in follow.content.decode(), action
        return Ticket.objects.get(pk=ticket.pk)

    current = posts(agent, "respond", {"body": "We are looking into it.", "channel": "phone"})
    assert current.first_responded_at is not None
    assert TicketMessage.objects.get(ticket=ticket, kind="contact").body == "We are looking into it."
    current = posts(agent, "note", {"body": "Customer sounds upset."})
    assert TicketMessage.objects.filter(ticket=ticket, kind="note").count() == 1
    current = posts(agent, "pause", {"reason": "Waiting for the modem's serial number."})
    assert current.paused is True
    current = posts(agent, "resume", {})
    assert current.paused is False
    current = posts(supervisor, "assign", {"assignee": staff.support.pk})
    assert current.assignee_id == staff.support.pk
    current = posts(
        support,
        "verify",
        {"service_status_checked": "on", "billing_checked": "on", "classification": "minor", "note": ""},
    )
    assert (current.stage, current.classification, current.billing_checked) == ("verified", "minor", True)
    current = posts(support, "reclassify", {"classification": "major", "reason": "Whole street is down."})
    assert current.classification == "major"
    current = posts(manager, "escalate", {"reason": "Strategic customer."})
    assert current.escalation_level == 3
    current = posts(
        supervisor, "dispatch", {"team": team("Network Operation").pk, "assignee": staff.technician.pk}
    )
    assert (current.stage, current.team.name, current.assignee_id) == (
        "dispatched",
        "Network Operation",
        staff.technician.pk,
    )
    current = posts(
        technician,
        "resolve",
        {**RCA, "summary": "Spliced.", "customer_message": "Fixed: the fibre is spliced."},
    )
    assert current.stage == "resolved"
    assert current.rca.problem_statement == RCA["problem_statement"]
    current = posts(agent, "reject", {"reason": "Still slow in the evening."})
    assert (current.stage, current.rejection_count) == ("dispatched", 1)
    current = posts(
        technician, "resolve", {"existing_rca": current.rca_id, "customer_message": "Fixed again."}
    )
    assert current.stage == "resolved"
    assert RootCauseAnalysis.objects.count() == 1
    current = posts(agent, "confirm", {"csat": "4", "nps": "9", "comment": "Thanks"})
    assert current.stage == "confirmed"
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps, rating.comment, rating.via) == (4, 9, "Thanks", "agent")
    current = posts(agent, "close", {"reason": "confirmed", "note": ""})
    assert (current.stage, current.close_reason) == ("closed", "confirmed")


def test_a_duplicate_is_closed_with_the_original_number(staff: Staff) -> None:
    original = make_ticket(actor=staff.agent)
    duplicate = make_ticket(actor=staff.agent)
    response = act(
        client_for(staff.agent),
        duplicate,
        "close",
        {"reason": "duplicate", "duplicate_of": original.number.lower(), "note": "Called twice."},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.stage, duplicate.duplicate_of_id, duplicate.close_note) == (
        "closed",
        original.pk,
        "Called twice.",
    )


@pytest.mark.parametrize(
    ("role", "action", "fields", "status", "message"),
    [
        ("supervisor", "dispatch", {"team": ""}, 409, "cannot be given “Dispatch”"),
        ("agent", "verify", {"classification": "minor"}, 403, "Your role does not allow “Verify”"),
        ("director", "respond", {"body": "hello"}, 403, "Your role does not allow “Reply to the customer”"),
        ("support", "resume", {}, 409, "The ticket is not waiting for the customer."),
    ],
)
def test_a_refused_action_says_why_and_changes_nothing(
    staff: Staff, role: str, action: str, fields: dict[str, Any], status: int, message: str
) -> None:
    ticket = make_ticket(actor=staff.agent)
    before_row, before_history = row(ticket), history_count(ticket)
    before_messages = TicketMessage.objects.filter(ticket=ticket).count()
    response = act(client_for(staff.of(role)), ticket, action, fields)
    assert response.status_code == status
    assert message in response.context["error_message"]
    assert message in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert row(ticket) == before_row
    assert history_count(ticket) == before_history
    assert TicketMessage.objects.filter(ticket=ticket).count() == before_messages


def test_a_domain_refusal_from_the_service_changes_nothing(staff: Staff) -> None:
    """Allowed by role and stage, refused by the service's own rule: closing as "no response" before the
    customer's confirmation window has passed."""
    ticket = ticket_in(Stage.RESOLVED, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    response = act(client_for(staff.agent), ticket, "close", {"reason": "no_response", "note": ""})
    assert response.status_code == 409
    assert "has until" in response.context["error_message"]
    assert row(ticket) == before_row
    assert history_count(ticket) == before_history


def test_an_incomplete_rca_shows_field_errors_and_changes_nothing(staff: Staff) -> None:
    ticket = ticket_in(Stage.DISPATCHED, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    response = act(
        client_for(staff.technician),
        ticket,
        "resolve",
        {"problem_statement": "Cut fibre", "customer_message": "Fixed."},
    )
    assert response.status_code == 400
    form = response.context["action_forms"][
        [f.action for f in response.context["action_forms"]].index("resolve")
    ]
    assert set(form.errors) == {"category", "analysis", "temporary_fix", "permanent_fix"}
    html = response.content.decode()
    assert 'id="action-resolve" open' in html
    assert "Cut fibre</textarea>" in html  # what was typed is kept
    assert 'aria-invalid="true"' in html
    assert row(ticket) == before_row
    assert history_count(ticket) == before_history
    assert RootCauseAnalysis.objects.count() == 0


@pytest.mark.parametrize(
    ("action", "stage", "role", "fields", "field"),
    [
        ("respond", Stage.RECEIVED, "agent", {"body": "   "}, "body"),
        ("note", Stage.RECEIVED, "agent", {"body": "x" * 10_001}, "body"),
        ("respond", Stage.RECEIVED, "agent", {"body": "hi", "channel": "carrier-pigeon"}, "channel"),
        ("verify", Stage.RECEIVED, "support", {"classification": "minor"}, "service_status_checked"),
        (
            "verify",
            Stage.RECEIVED,
            "support",
            {"classification": "huge", "billing_checked": "on"},
            "classification",
        ),
        ("dispatch", Stage.VERIFIED, "supervisor", {"team": "abc"}, "team"),
        ("dispatch", Stage.VERIFIED, "supervisor", {"team": "999999"}, "team"),
        ("confirm", Stage.RESOLVED, "agent", {"csat": "9"}, "csat"),
        ("confirm", Stage.RESOLVED, "agent", {"nps": "8"}, "csat"),
        ("close", Stage.RECEIVED, "agent", {"reason": "confirmed"}, "reason"),
        (
            "close",
            Stage.RECEIVED,
            "agent",
            {"reason": "duplicate", "duplicate_of": "NOPE", "note": "x"},
            "duplicate_of",
        ),
        ("escalate", Stage.RECEIVED, "agent", {"reason": ""}, "reason"),
        ("assign", Stage.RECEIVED, "supervisor", {"assignee": "12345678"}, "assignee"),
        ("reclassify", Stage.VERIFIED, "support", {"classification": "critical", "reason": ""}, "reason"),
    ],
)
def test_bad_action_input_shows_a_field_error_and_changes_nothing(
    staff: Staff, action: str, stage: Stage, role: str, fields: dict[str, Any], field: str
) -> None:
    ticket = ticket_in(stage, staff)
    before_row, before_history = row(ticket), history_count(ticket)
    response = act(client_for(staff.of(role)), ticket, action, fields)
    assert response.status_code == 400
    forms = response.context["action_forms"] + response.context["conversation_forms"]
    form = next(form for form in forms if form.action == action)
    assert field in form.errors
    assert f'id="id_{action}-{field}-errors"' in response.content.decode()
    assert row(ticket) == before_row
    assert history_count(ticket) == before_history


def test_bad_requests_never_end_in_a_server_error(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    client = client_for(staff.agent)
    url = f"/console/tickets/{ticket.number}/act"
    assert client.post(f"{url}/nonsense/", {}).status_code == 404
    assert client.post("/console/tickets/XXXX-XXXX/act/note/", {"note-body": "x"}).status_code == 404
    assert client.get("/console/tickets/XXXX-XXXX/").status_code == 404
    assert client.get("/console/tickets/%3Cscript%3E/").status_code == 404
    assert client.get(f"{url}/respond/").status_code == 405
    response = client.post(f"{url}/respond/", {"respond-body": "x" * 2_000_000})  # 2 MB
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert client.post("/console/inbox/999999/read/").status_code == 302
    # A NUL (which PostgreSQL refuses) or an overlong string in a search is not an error.
    assert client.get("/console/", {"search": "ab\x00c"}).status_code == 200
    assert client.get("/console/", {"search": "x" * 5000, "stage": "\x00"}).status_code == 200
    assert client.get("/console/customers/lookup/", {"q": "ab\x00c"}).status_code == 200
    assert TicketMessage.objects.filter(ticket=ticket).exclude(kind="acknowledgement").count() == 0


# --- Logging a complaint ------------------------------------------------------------------------------------


def test_only_customer_care_logs_complaints(staff: Staff) -> None:
    for role in ("agent", "support", "supervisor"):
        assert client_for(staff.of(role)).get("/console/tickets/new/").status_code == 200, role
    for role in ("technician", "manager", "director", "analyst"):
        assert client_for(staff.of(role)).get("/console/tickets/new/").status_code == 403, role
        assert client_for(staff.of(role)).get("/console/customers/lookup/?q=ab").status_code == 403, role


def test_the_complaint_form_offers_every_channel_but_the_portal(staff: Staff) -> None:
    html = client_for(staff.agent).get("/console/tickets/new/").content.decode()
    select = html[html.index('name="channel"') : html.index("</select>", html.index('name="channel"'))]
    assert re.findall(r'<option value="(\w+)"', select) == [
        "phone",
        "email",
        "walk_in",
        "social",
        "whatsapp",
        "sms",
    ]
    assert 'hx-get="/console/customers/lookup/"' in html
    assert "local time of the service&#x27;s region" in html


def test_the_lookup_finds_customers_by_name_phone_email_and_service_reference(staff: Staff) -> None:
    rina = CustomerFactory(name="Rina Wulandari", email="rina@contoh.co.id", phone="+6285712345678")
    ServiceFactory(customer=rina, reference="DIA-JKT-0042")
    CustomerFactory(name="Someone Else", email="else@contoh.co.id", phone="+6281100000000")
    client = client_for(staff.agent)

    def found(text: str) -> list[str]:
        response = client.get("/console/customers/lookup/", {"q": text})
        assert response.status_code == 200
        return [customer.name for customer in response.context["customers"]]

    assert found("wulan") == ["Rina Wulandari"]
    assert found("0857-1234") == ["Rina Wulandari"]
    assert found("+62 857 1234 5678") == ["Rina Wulandari"]
    assert found("rina@contoh") == ["Rina Wulandari"]
    assert found("dia-jkt") == ["Rina Wulandari"]
    assert found("nobody at all") == []
    for short in ("r", "ri", " r i "):
        response = client.get("/console/customers/lookup/", {"q": short})
        assert response.context["customers"] == []
        assert "Type at least three characters." in response.content.decode()
    assert found("rin") == ["Rina Wulandari"]
    html = client.get("/console/customers/lookup/", {"q": "wulan"}).content.decode()
    assert "<html" not in html
    assert f'data-choose-customer="{rina.pk}" data-choose-service="{rina.services.get().pk}"' in html


@pytest.mark.parametrize("customers", [3, 12])
def test_the_lookup_runs_the_same_queries_however_many_match(
    staff: Staff, customers: int, django_assert_num_queries: Any
) -> None:
    for index in range(customers):
        customer = CustomerFactory(name=f"Pelanggan {index}")
        ServiceFactory(customer=customer)
        ServiceFactory(customer=customer)
    client = client_for(staff.agent)
    # session, user, roles, unread count (the navigation context), customers, their services with regions
    with django_assert_num_queries(6):
        response = client.get("/console/customers/lookup/", {"q": "pelanggan"})
    assert len(response.context["customers"]) == min(customers, 10)
    assert response.content.decode().count("data-choose-service=") == 2 * min(customers, 10)


def test_an_agent_logs_a_phone_complaint_for_a_customer_found_by_the_lookup(staff: Staff) -> None:
    service = ServiceFactory(reference="SVC-LOOKUP-1", region=Region.objects.get(code="jyp"))
    client = client_for(staff.agent)
    assert (
        service.customer.name
        in client.get("/console/customers/lookup/", {"q": "SVC-LOOKUP"}).content.decode()
    )
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "customer": service.customer.pk,
            "service": service.pk,
            "tier": "regular",
            "category": "network",
            "description": "No signal since this morning.",
            "incident_at": "2026-01-05T10:30",
            "public_exposure": "",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(service=service)
    assert response["Location"] == f"/console/tickets/{ticket.number}/"
    assert (ticket.channel, ticket.stage, ticket.customer_id, ticket.assignee_id) == (
        "phone",
        "received",
        service.customer.pk,
        staff.agent.pk,
    )
    # Read in the service's region: Jayapura (WIT, UTC+9).
    assert ticket.incident_at == dt.datetime(2026, 1, 5, 10, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Jayapura"))
    page = client.get(response["Location"]).content.decode()
    assert f"Complaint logged as ticket {ticket.number}." in page


def test_a_walk_in_complaint_for_a_new_customer_creates_the_customer(staff: Staff) -> None:
    client = client_for(staff.support)
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "walk_in",
            "name": "Agus Salim",
            "phone": "0812 7777 8888",
            "email": "",
            "tier": "high_value",
            "region": Region.objects.get(code="mks").pk,
            "category": "billing",
            "description": "Charged twice this month.",
            "incident_at": "2026-01-05T08:00",
            "public_exposure": "on",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="Agus Salim")
    assert (customer.phone, customer.tier, customer.region.code) == ("+6281277778888", "high_value", "mks")
    ticket = Ticket.objects.get(customer=customer)
    assert (ticket.channel, ticket.public_exposure, ticket.service_id) == ("walk_in", True, None)
    assert ticket.incident_at == dt.datetime(2026, 1, 5, 8, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Makassar"))


@pytest.mark.parametrize(
    ("incident_at", "message"),
    [
        ("2999-01-01T10:00", "This time is in the future."),
        ("1900-01-01T10:00", "This time is too far in the past."),
        ("yesterday", "Give a date and time we can read, such as 31-12-2026 09:30."),
        ("2026-02-30T10:00", "Give a date and time we can read, such as 31-12-2026 09:30."),
        ("", "This field is required."),
    ],
)
def test_bad_incident_times_are_shown_next_to_the_field(staff: Staff, incident_at: str, message: str) -> None:
    service = ServiceFactory()
    response = client_for(staff.agent).post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "customer": service.customer.pk,
            "service": service.pk,
            "tier": "regular",
            "category": "network",
            "description": "No signal.",
            "incident_at": incident_at,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["incident_at"] == [message]
    assert 'id="id_incident_at-errors"' in response.content.decode()
    assert service.customer.name in response.content.decode()  # the chosen customer is still chosen
    assert Ticket.objects.count() == 0


def test_logging_a_complaint_with_bad_input_shows_field_errors_and_saves_nothing(staff: Staff) -> None:
    client = client_for(staff.agent)
    response = client.post(
        "/console/tickets/new/",
        {"channel": "portal", "tier": "regular", "category": "x", "description": "", "incident_at": ""},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"channel", "category", "description", "name", "phone"}
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "name": "Budi",
            "phone": "12",
            "email": "not-an-email",
            "tier": "regular",
            "category": "network",
            "description": "No signal",
            "incident_at": "2026-01-05T10:30",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["phone"] == ["Enter a valid phone number."]
    assert errors["email"] == ["Enter a valid email address."]
    other = ServiceFactory()
    customer = CustomerFactory()
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "customer": customer.pk,
            "service": other.pk,
            "tier": "regular",
            "category": "network",
            "description": "No signal",
            "incident_at": "2026-01-05T10:30",
        },
    )
    assert response.status_code == 400
    assert "The chosen service does not belong to the chosen customer." in response.content.decode()
    response = client.post("/console/tickets/new/", {"description": "x" * 2_000_000})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0
    assert not Customer.objects.filter(name="Budi").exists()


# --- The inbox ----------------------------------------------------------------------------------------------


def test_a_digest_in_the_inbox_lists_its_tickets_and_links_to_the_escalation_queue(staff: Staff) -> None:
    from sla.services import sla_sweep

    reported = timezone.now() - dt.timedelta(hours=3)
    held = [make_ticket(actor=staff.agent, reported_at=reported, now=reported) for _ in range(2)]
    sla_sweep(now=timezone.now())  # both first responses breached: level 1 for both in one statement
    digest = Notification.objects.get(recipient=staff.supervisor, channel="inbox")
    assert digest.template == "escalation_digest"
    html = client_for(staff.supervisor).get("/console/inbox/").content.decode()
    assert escape(render_notification(digest, language="en")[0]) in html  # the page's language
    for ticket in held:
        assert f"- {ticket.number}" in html
    assert 'href="/escalations/?level=1"' in html


def test_the_inbox_lists_notifications_unread_first_and_marks_them_read(staff: Staff) -> None:
    first = make_ticket(actor=staff.agent)
    second = make_ticket(actor=staff.agent)
    now = timezone.now()
    escalation_services.escalation_manual(ticket=first, actor=staff.agent, level=3, note="VIP one", at=now)
    escalation_services.escalation_manual(ticket=second, actor=staff.agent, level=3, note="VIP two", at=now)
    older, newer = Notification.objects.filter(recipient=staff.director, channel="inbox").order_by(
        "created_at", "id"
    )
    client = client_for(staff.director)
    response = client.get("/console/inbox/")
    assert [item.notification.pk for item in response.context["items"]] == [newer.pk, older.pk]
    html = response.content.decode()
    # The navigation marks the inbox, and only the inbox, as the current page.
    assert re.findall(r'href="(/[^"]*)"\s+aria-current="page"', html) == ["/console/inbox/"]
    assert f'href="/console/tickets/{first.number}/"' in html
    # Rendered when read, in the reader's language (the page's), not the one recorded when it was owed.
    assert escape(render_notification(newer, language="en")[0]) in html

    assert client.post(f"/console/inbox/{newer.pk}/read/").status_code == 302
    newer.refresh_from_db()
    assert newer.read_at is not None
    # Unread first, even when older.
    assert [item.notification.pk for item in client.get("/console/inbox/").context["items"]] == [
        older.pk,
        newer.pk,
    ]
    # Someone else's notification is not theirs to mark.
    client_for(staff.agent).post(f"/console/inbox/{older.pk}/read/")
    older.refresh_from_db()
    assert older.read_at is None
    response = client.post("/console/inbox/read-all/")
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.read_at is not None
    assert "1 notification marked read." in client.get("/console/inbox/").content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_runs_the_same_queries_however_many_notifications(
    staff: Staff, count: int, django_assert_num_queries: Any
) -> None:
    now = timezone.now()
    for _ in range(count):
        ticket = make_ticket(actor=staff.agent)
        escalation_services.escalation_manual(ticket=ticket, actor=staff.agent, level=3, note="VIP", at=now)
    client = client_for(staff.director)
    with django_assert_num_queries(5):  # session, user, roles, unread count, notifications with tickets
        response = client.get("/console/inbox/")
    assert len(response.context["items"]) == count


# --- Text stays text -------------------------------------------------------------------------------------


def test_html_typed_into_a_complaint_shows_as_text_on_every_console_page(staff: Staff) -> None:
    customer = CustomerFactory(name=XSS_NAME)
    service = ServiceFactory(customer=customer, reference="SVC-XSS-1")
    ticket = make_ticket(actor=staff.agent, service=service, description=XSS)
    services.ticket_act(ticket=ticket, actor=staff.agent, action="note", data={"body": XSS})
    escalation_services.escalation_manual(
        ticket=ticket, actor=staff.agent, level=3, note=XSS, at=timezone.now()
    )
    pages = {
        "queue": client_for(staff.agent).get("/console/?tab=all"),
        "queue fragment": client_for(staff.agent).get("/console/?tab=all", HTTP_HX_REQUEST="true"),
        "ticket": client_for(staff.agent).get(f"/console/tickets/{ticket.number}/"),
        "lookup": client_for(staff.agent).get("/console/customers/lookup/", {"q": "SVC-XSS"}),
        "inbox": client_for(staff.director).get("/console/inbox/"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
    assert XSS_NAME_ESCAPED in pages["queue"].content.decode()
    assert XSS_NAME_ESCAPED in pages["queue fragment"].content.decode()
    assert XSS_NAME_ESCAPED in pages["ticket"].content.decode()
    assert XSS_ESCAPED in pages["ticket"].content.decode()
    assert pages["ticket"].content.decode().count(XSS_ESCAPED) >= 2  # the description and the note
    assert XSS_NAME_ESCAPED in pages["lookup"].content.decode()
    assert XSS_ESCAPED in pages["inbox"].content.decode()


# --- The queue at scale (issue 15): the nearest running deadline first, pages by cursor -------------------


def test_most_urgent_first_is_the_nearest_running_deadline_not_a_stopped_or_paused_clock(
    staff: Staff,
) -> None:
    now = timezone.now()
    # A resolved ticket whose deadlines were near (its clocks stopped at the fix) and a paused one whose
    # response would be due in a minute: neither sorts above a ticket whose reply is due in 20 minutes.
    resolved = ticket_in(
        Stage.RESOLVED, staff, classification="critical", reported_at=now - dt.timedelta(minutes=29)
    )
    paused = make_ticket(
        actor=staff.agent, classification="critical", reported_at=now - dt.timedelta(minutes=29)
    )
    services.ticket_act(ticket=paused, actor=staff.agent, action="pause", data={"reason": "Router photo"})
    soon = make_ticket(
        actor=staff.agent, classification="critical", reported_at=now - dt.timedelta(minutes=10)
    )
    later = make_ticket(actor=staff.agent, reported_at=now)  # minor: reply due in two hours
    resolved.refresh_from_db()
    paused.refresh_from_db()
    assert (resolved.next_due, paused.next_due) == (NO_RUNNING_CLOCK, NO_RUNNING_CLOCK)
    assert soon.next_due == soon.first_response_due == soon.reported_at + dt.timedelta(minutes=30)
    listed = numbers_in(client_for(staff.agent).get("/console/?tab=all"))
    assert listed[:2] == [soon.number, later.number]
    assert set(listed[2:]) == {resolved.number, paused.number}
    # Resuming gives the paused ticket its deadline back (moved on by the pause).
    services.ticket_act(ticket=paused, actor=staff.agent, action="resume")
    paused.refresh_from_db()
    assert paused.next_due == paused.first_response_due < later.next_due


def test_the_next_page_by_cursor_has_no_duplicates_and_no_gaps_while_tickets_arrive(staff: Staff) -> None:
    now = timezone.now()
    first_batch = [
        make_ticket(actor=staff.agent, reported_at=now - dt.timedelta(minutes=100 - index))
        for index in range(60)
    ]
    client = client_for(staff.agent)
    page_one = client.get("/console/?tab=all&ordering=reported_at")
    # Complaints keep arriving between the two pages: newer than everything listed, and some the same minute.
    arriving = [make_ticket(actor=staff.agent, reported_at=now) for _ in range(5)]
    cursor = page_one.context["page"].next_cursor
    page_two = client.get(f"/console/?tab=all&ordering=reported_at&after={cursor}")
    one, two = numbers_in(page_one), numbers_in(page_two)
    assert len(one) == 50 and not set(one) & set(two)
    assert one + two == [t.number for t in first_batch] + [
        t.number for t in sorted(arriving, key=lambda t: t.pk)
    ]
    # A cursor that is not ours starts from the first page instead of failing.
    assert numbers_in(client.get("/console/?tab=all&ordering=reported_at&after=%%%garbage")) == one


def test_the_count_stops_at_ten_thousand(staff: Staff, monkeypatch: Any) -> None:
    from helpdesk.lib import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 3)
    for _ in range(5):
        make_ticket(actor=staff.agent)
    html = client_for(staff.agent).get("/console/?tab=all").content.decode()
    assert "More than 3 tickets" in html
