"""The supervisor pages: the escalation queue of each level and the live board — who may see them,
exact rows per level and filter, a fixed number of queries at 10 and 100 rows, acknowledging once,
reassigning (and refusing bad input without changing anything), and escaping what people typed.

Every test runs with the clock stopped at T0 (the autouse `clock` fixture): SLA badges, the order of
the queue, acknowledgement times and the board's columns are then the same whenever the suite runs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from console import selectors
from escalation import services as escalation_services
from escalation.models import Escalation
from helpdesk.lib.vocabulary import NO_RUNNING_CLOCK
from tests.clients import client_for
from tests.html import attribute, by_id, by_testid, cells, find_all, text
from tests.tickets.factories import ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff
from tickets.models import Ticket
from tickets.selectors import ticket_history

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'
XSS_ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
# Monday 2 March 2026, 09:00 WIB — a working day.
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
# T0 as the pages show it (the test settings' zone is UTC, Django's English DATETIME_FORMAT).
T0_SHOWN = "2 Mar 2026, 09:00 WIB"  # 02:00 UTC on the head office's clock, the default


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    """The clock stands still at T0 for the whole test; a test that needs time to pass moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def shown_name(user: Any) -> str:
    return user.get_full_name() or user.username


def escalate(
    staff: Staff,
    level: int,
    count: int = 1,
    *,
    at: dt.datetime | None = None,
    note: str = "Strategic",
    **ticket: Any,
) -> list[Escalation]:
    service = ServiceFactory()
    return [
        escalation_services.escalation_manual(
            ticket=make_ticket(actor=staff.agent, service=service, **ticket),
            actor=staff.supervisor,
            level=level,
            note=note,
            at=at or timezone.now(),
        )
        for _ in range(count)
    ]


def pks(response: Any) -> list[int]:
    return [row.pk for row in response.context["escalations"]]


# --- Who may see them ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = Client()
    for response in (
        client.get("/escalations/"),
        client.get("/escalations/board/"),
        client.post(f"/escalations/{escalation.pk}/acknowledge/"),
        client.post(f"/escalations/{escalation.pk}/reassign/", {"assignee": staff.agent.pk}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/escalations/")
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_agents_may_not_open_the_supervisor_pages_or_acknowledge(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.agent)
    assert client.get("/escalations/").status_code == 403
    assert client.get("/escalations/board/").status_code == 403
    assert client.post(f"/escalations/{escalation.pk}/acknowledge/").status_code == 403
    assert (
        client.post(f"/escalations/{escalation.pk}/reassign/", {"assignee": staff.agent.pk}).status_code
        == 403
    )
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


@pytest.mark.parametrize(("role", "level"), [("supervisor", 1), ("manager", 2), ("director", 3)])
def test_each_role_lands_on_its_own_level(staff: Staff, role: str, level: int) -> None:
    cases = {lvl: escalate(staff, lvl)[0] for lvl in (1, 2, 3)}
    escalate(staff, 1)  # a second open one at level 1
    response = client_for(staff.of(role)).get("/escalations/")
    assert response.status_code == 200
    assert response.context["level"] == level
    expected = (
        [cases[level].pk]
        if level != 1
        else sorted(Escalation.objects.filter(level=1).values_list("pk", flat=True))
    )
    assert pks(response) == expected
    assert [(tab["value"], tab["count"]) for tab in response.context["tabs"]] == [(1, 2), (2, 1), (3, 1)]
    page = response.content.decode()
    assert [text(by_id(page, f"open-count-{tab}")) for tab in (1, 2, 3)] == ["2", "1", "1"]


def test_nonsense_in_the_level_or_filter_falls_back_to_the_defaults(staff: Staff) -> None:
    [case] = escalate(staff, 1)
    client = client_for(staff.supervisor)
    for query in ("?level=abc", "?level=9", "?show=everything", "?level=1&show=%3Cx%3E"):
        response = client.get("/escalations/" + query)
        assert response.status_code == 200
        assert (response.context["level"], response.context["show"]) == (1, "open")
        assert pks(response) == [case.pk]


def test_the_queue_lists_open_escalations_oldest_first_and_filters_acknowledged_ones(staff: Staff) -> None:
    now = timezone.now()
    [newest] = escalate(staff, 1, at=now - dt.timedelta(minutes=5))
    [oldest] = escalate(staff, 1, at=now - dt.timedelta(hours=3))
    [middle] = escalate(staff, 1, at=now - dt.timedelta(hours=1))
    [done_first] = escalate(staff, 1, at=now - dt.timedelta(hours=4))
    [done_later] = escalate(staff, 1, at=now - dt.timedelta(hours=2))
    [other_level] = escalate(staff, 2, at=now - dt.timedelta(hours=5))
    escalation_services.escalation_acknowledge(
        escalation_id=done_first.pk, actor=staff.supervisor, at=now - dt.timedelta(minutes=30)
    )
    escalation_services.escalation_acknowledge(
        escalation_id=done_later.pk, actor=staff.supervisor, at=now - dt.timedelta(minutes=10)
    )
    client = client_for(staff.supervisor)

    assert pks(client.get("/escalations/?level=1")) == [oldest.pk, middle.pk, newest.pk]
    assert pks(client.get("/escalations/?level=1&show=acknowledged")) == [done_later.pk, done_first.pk]
    # Everything of the level, latest raised first (a page of an index, however many there are).
    assert pks(client.get("/escalations/?level=1&show=all")) == [
        newest.pk,
        middle.pk,
        done_later.pk,
        oldest.pk,
        done_first.pk,
    ]
    assert pks(client.get("/escalations/?level=2")) == [other_level.pk]
    assert pks(client.get("/escalations/?level=3")) == []


def test_a_row_shows_the_ticket_the_reason_and_who_was_told(staff: Staff) -> None:
    [escalation] = escalate(staff, 1, classification="major")
    # A second row on the same page, different in every column the first is checked on: what the first
    # row is asserted to show must come from the first row.
    [other] = escalate(staff, 1, classification="minor", note="Call back at noon", category="billing")
    ticket = escalation.ticket
    page = client_for(staff.supervisor).get("/escalations/").content.decode()

    row = by_id(page, f"escalation-{escalation.pk}")
    row_cells = cells(row)
    assert len(row_cells) == 10
    assert row_cells[:9] == [
        f"{ticket.number} {ticket.description}",
        f"{ticket.customer.name} Regular",
        "Major Network",
        "Requested by staff Strategic",
        T0_SHOWN,
        shown_name(staff.supervisor),  # the level's supervisors: the only one there is
        f"Received Customer Care · {shown_name(staff.agent)}",
        # Major: resolution within 2 business days of Monday 09:00 WIB, i.e. Wednesday 09:00 WIB.
        "On time · due 04 Mar 09:00 WIB",
        f"Acknowledge {ticket.number}",
    ]
    [link] = find_all(row, lambda element: element.name == "a")
    assert (
        attribute(link, "href") == selectors.ticket_url(ticket.number) == f"/console/tickets/{ticket.number}/"
    )
    [badge] = find_all(row, lambda element: "sla-badge" in (attribute(element, "class") or "").split())
    # At risk after 75 % of its 18 business hours: 8 on Monday, then 5.5 on Tuesday (13:30 WIB).
    assert (attribute(badge, "class"), attribute(badge, "data-due"), attribute(badge, "data-risk-at")) == (
        "badge sla-badge sla-ok",
        "2026-03-04T02:00:00+00:00",
        "2026-03-03T06:30:00+00:00",
    )
    assert cells(by_id(page, f"escalation-{other.pk}"))[2:4] == [
        "Minor Billing",
        "Requested by staff Call back at noon",
    ]


# --- A fixed number of queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 100])
def test_the_escalation_queue_runs_the_same_queries_at_10_and_100_rows(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    escalate(staff, 1, rows)
    client = client_for(staff.supervisor)
    client.get("/escalations/?level=1&show=all")
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/escalations/?level=1&show=all")
    assert len(response.context["escalations"]) == min(rows, 50)


# ... and the reassign picker's people with their teams (one query for the teams of them all).
QUEUE_QUERIES = 11


def test_a_queue_of_200_open_escalations_shows_one_page_and_the_next_follows_on(staff: Staff) -> None:
    raised = escalate(staff, 1, 200)
    client = client_for(staff.supervisor)
    first = client.get("/escalations/?level=1")
    html = first.content.decode()
    assert len(first.context["escalations"]) == 50
    assert (first.context["tabs"][0]["count"], first.context["tabs"][0]["count_is_capped"]) == (200, False)
    seen = pks(first)
    cursor = first.context["page"].next_cursor
    assert f'href="/escalations/?level=1&amp;after={cursor}" rel="next"' in html
    while cursor:
        page = client.get(f"/escalations/?level=1&after={cursor}")
        seen += pks(page)
        cursor = page.context["page"].next_cursor
    # Every open escalation once, oldest first, in four pages.
    assert seen == [e.pk for e in sorted(raised, key=lambda e: (e.raised_at, e.pk))]


@pytest.mark.parametrize("rows", [10, 100])
def test_the_live_board_runs_the_same_queries_at_10_and_100_tickets(
    staff: Staff, rows: int, django_assert_num_queries: Any
) -> None:
    service = ServiceFactory()
    long_ago = timezone.now() - dt.timedelta(days=10)
    for _ in range(rows):
        make_ticket(actor=staff.agent, service=service, reported_at=long_ago, now=long_ago)
    client = client_for(staff.supervisor)
    client.get("/escalations/board/")
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get("/escalations/board/")
    assert response.context["breached"].total == rows
    # At most BOARD_LIMIT (50) shown, the most urgent; the count says how many there are.
    assert len(response.context["breached"].tickets) == min(rows, 50)
    assert response.context["at_risk"].total == 0


BOARD_QUERIES = 6


# --- Acknowledging -------------------------------------------------------------------------------------


def test_acknowledging_is_recorded_once_and_a_second_attempt_says_so(
    staff: Staff, make_user: Any, clock: time_machine.Traveller
) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.supervisor)
    clock.shift(dt.timedelta(minutes=7))
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="escalation-{escalation.pk}"')
    assert "<html" not in body
    [acknowledged] = by_testid(by_id(body, f"escalation-{escalation.pk}"), "acknowledged")
    assert text(acknowledged) == f"By {shown_name(staff.supervisor)} at 2 Mar 2026, 09:07 WIB"
    # The tabs' open counts come along, swapped in out of band: nothing open is left at level 1.
    assert re.findall(r'id="open-count-(\d)"[^>]*hx-swap-oob="true">(\d+)<', body) == [
        ("1", "0"),
        ("2", "0"),
        ("3", "0"),
    ]
    escalation.refresh_from_db()
    assert (escalation.acknowledged_at, escalation.acknowledged_by_id) == (
        T0 + dt.timedelta(minutes=7),
        staff.supervisor.pk,
    )

    other = make_user("supervisor")
    clock.shift(dt.timedelta(hours=1))
    response = client_for(other).post(f"/escalations/{escalation.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = by_id(response.content.decode(), f"escalation-{escalation.pk}")
    assert [text(error) for error in by_testid(row, "row-error")] == [
        "This escalation was already acknowledged."
    ]
    [acknowledged] = by_testid(row, "acknowledged")
    assert text(acknowledged) == f"By {shown_name(staff.supervisor)} at 2 Mar 2026, 09:07 WIB"
    escalation.refresh_from_db()
    assert (escalation.acknowledged_at, escalation.acknowledged_by_id) == (
        T0 + dt.timedelta(minutes=7),
        staff.supervisor.pk,
    )


def test_acknowledging_without_htmx_redirects_to_the_level_with_a_message(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.supervisor)
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", follow=True)
    assert response.redirect_chain == [("/escalations/?level=1", 302)]
    assert "Escalation acknowledged." in response.content.decode()
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", follow=True)
    assert "This escalation was already acknowledged." in response.content.decode()


def test_a_manager_cannot_acknowledge_for_the_supervisor_level(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    client = client_for(staff.manager)
    page = client.get("/escalations/?level=1").content.decode()
    assert f'/escalations/{escalation.pk}/acknowledge/"' not in page
    response = client.post(f"/escalations/{escalation.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert "Only a supervisor can acknowledge a level 1 escalation." in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_an_unknown_escalation_is_not_found(staff: Staff) -> None:
    client = client_for(staff.supervisor)
    assert client.post("/escalations/999999/acknowledge/").status_code == 404
    assert client.post("/escalations/999999/reassign/", {"assignee": staff.agent.pk}).status_code == 404


# --- Reassigning ---------------------------------------------------------------------------------------


def test_reassigning_changes_the_assignee_and_team_and_writes_history(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    billing = team("Billing & Account")
    client = client_for(staff.supervisor)
    response = client.post(
        f"/escalations/{escalation.pk}/reassign/",
        {"assignee": staff.support.pk, "team": billing.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert (
        f"assigned to {staff.support.get_full_name() or staff.support.username}" in response.content.decode()
    )
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    assert (ticket.assignee_id, ticket.team_id) == (staff.support.pk, billing.pk)
    last = ticket_history(ticket=ticket)[-1]
    assert (last.action, last.actor_id) == ("assign", staff.supervisor.pk)
    assert last.changes["assignee"]["after"] == staff.support.pk
    assert last.changes["team"]["after"] == billing.pk


def test_reassigning_without_htmx_redirects_with_a_message(staff: Staff) -> None:
    [escalation] = escalate(staff, 1)
    response = client_for(staff.supervisor).post(
        f"/escalations/{escalation.pk}/reassign/", {"assignee": staff.agent.pk}, follow=True
    )
    assert response.redirect_chain == [("/escalations/?level=1", 302)]
    assert Ticket.objects.get(pk=escalation.ticket_id).assignee_id == staff.agent.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"assignee": "abc"}, "Choose a person from the list."),
        ({}, "Choose a person to assign the ticket to."),
        ({"assignee": 999_999}, "Unknown user."),
        ({"assignee": "nobody"}, "This person has no staff role."),
        ({"assignee": "agent", "team": 999_999}, "Unknown team."),
        ({"assignee": "agent", "team": "x"}, "Choose a team from the list."),
    ],
)
def test_reassigning_with_bad_input_says_why_and_changes_nothing(
    staff: Staff, make_user: Any, data: dict[str, Any], message: str
) -> None:
    [escalation] = escalate(staff, 1)
    people = {"nobody": make_user().pk, "agent": staff.agent.pk}
    data = {key: people.get(value, value) if isinstance(value, str) else value for key, value in data.items()}
    ticket = Ticket.objects.get(pk=escalation.ticket_id)
    before = (ticket.assignee_id, ticket.team_id, len(ticket_history(ticket=ticket)))
    client = client_for(staff.supervisor)
    response = client.post(f"/escalations/{escalation.pk}/reassign/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'data-testid="row-error"' in response.content.decode()
    response = client.post(f"/escalations/{escalation.pk}/reassign/", data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.team_id, len(ticket_history(ticket=ticket))) == before


def test_a_director_may_not_reassign_and_is_told_so(staff: Staff) -> None:
    [escalation] = escalate(staff, 3)
    assignee_before = Ticket.objects.get(pk=escalation.ticket_id).assignee_id
    client = client_for(staff.director)
    assert f"/escalations/{escalation.pk}/reassign/" not in client.get("/escalations/").content.decode()
    response = client.post(
        f"/escalations/{escalation.pk}/reassign/", {"assignee": staff.support.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Your role does not allow “Assign”; it needs one of: supervisor." in response.content.decode()
    assert Ticket.objects.get(pk=escalation.ticket_id).assignee_id == assignee_before != staff.support.pk


# --- The live board ------------------------------------------------------------------------------------


def test_the_board_puts_breached_and_at_risk_tickets_in_their_columns_by_due_time(
    staff: Staff, clock: time_machine.Traveller
) -> None:
    service = ServiceFactory()
    very_late = make_ticket(actor=staff.agent, service=service, now=T0 - dt.timedelta(days=20))
    late = make_ticket(actor=staff.agent, service=service, now=T0 - dt.timedelta(days=10))
    risky = make_ticket(actor=staff.agent, service=service, now=T0)
    assert risky.first_response_risk_at < risky.first_response_due
    clock.move_to(risky.first_response_risk_at + dt.timedelta(seconds=1))
    fresh = make_ticket(actor=staff.agent, service=service, now=timezone.now())
    response = client_for(staff.supervisor).get("/escalations/board/")
    breached, at_risk = response.context["breached"], response.context["at_risk"]
    assert [t.number for t in breached.tickets] == [very_late.number, late.number]
    assert [t.number for t in at_risk.tickets] == [risky.number]
    assert (breached.total, at_risk.total) == (2, 1)
    page = response.content.decode()
    assert fresh.number not in page
    assert [text(count) for count in by_testid(page, "breached-count")] == ["2"]
    assert [text(count) for count in by_testid(page, "at-risk-count")] == ["1"]
    assert f'href="/console/tickets/{risky.number}/"' in page
    assert 'hx-trigger="every 30s"' in page


def test_both_columns_are_read_in_one_statement_each_up_to_its_limit(
    staff: Staff, clock: time_machine.Traveller, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = ServiceFactory()
    late = [
        make_ticket(actor=staff.agent, service=service, now=T0 - dt.timedelta(days=d)) for d in (20, 10, 5)
    ]
    # Waiting for the customer since its response was breached: its clock stopped (no running deadline,
    # so it sorts last), the state it had kept.
    waiting = make_ticket(actor=staff.agent, service=service, now=T0 - dt.timedelta(days=30))
    Ticket.objects.filter(pk=waiting.pk).update(
        paused=True, paused_at=T0, response_sla="breached", next_due=NO_RUNNING_CLOCK
    )
    risky = [
        make_ticket(actor=staff.agent, service=service, now=T0 + dt.timedelta(seconds=s)) for s in (0, 1, 2)
    ]
    clock.move_to(risky[-1].first_response_risk_at + dt.timedelta(seconds=1))
    assert risky[0].first_response_due > timezone.now()
    client = client_for(staff.supervisor)
    monkeypatch.setattr(selectors, "BOARD_LIMIT", 5)
    response = client.get("/escalations/board/")
    breached, at_risk = response.context["breached"], response.context["at_risk"]
    assert [t.number for t in breached.tickets] == [t.number for t in (*late, waiting)]
    assert [t.number for t in at_risk.tickets] == [t.number for t in risky]
    monkeypatch.setattr(selectors, "BOARD_LIMIT", 2)
    response = client.get("/escalations/board/")
    breached, at_risk = response.context["breached"], response.context["at_risk"]
    assert [t.number for t in breached.tickets] == [t.number for t in late[:2]]
    assert [t.number for t in at_risk.tickets] == [t.number for t in risky[:2]]
    assert (breached.total, at_risk.total) == (4, 3)


def test_the_board_is_bounded_and_says_how_many_more(staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "BOARD_LIMIT", 3)
    service = ServiceFactory()
    long_ago = timezone.now() - dt.timedelta(days=10)
    for _ in range(5):
        make_ticket(actor=staff.agent, service=service, now=long_ago)
    response = client_for(staff.supervisor).get("/escalations/board/")
    assert len(response.context["breached"].tickets) == 3
    assert response.context["breached"].total == 5
    assert "2 more not shown." in response.content.decode()


def test_the_board_counts_each_column_up_to_its_cap(staff: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "BOARD_LIMIT", 2)
    monkeypatch.setattr(selectors, "BOARD_COUNT_CAP", 3)
    service = ServiceFactory()
    long_ago = timezone.now() - dt.timedelta(days=10)
    for _ in range(5):
        make_ticket(actor=staff.agent, service=service, now=long_ago)
    response = client_for(staff.supervisor).get("/escalations/board/")
    column = response.context["breached"]
    assert (len(column.tickets), column.total, column.total_is_capped) == (2, 3, True)
    html = response.content.decode()
    assert '<span class="badge text-bg-danger" data-testid="breached-count">3+</span>' in html
    assert "More than 1 more not shown: the queue has them all." in html


def test_the_board_refresh_returns_only_the_board(staff: Staff) -> None:
    make_ticket(actor=staff.agent, service=ServiceFactory(), now=timezone.now() - dt.timedelta(days=10))
    response = client_for(staff.supervisor).get("/escalations/board/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="board"')
    assert "<html" not in body
    assert 'data-testid="breached-count">1<' in body


# --- What people typed is escaped ----------------------------------------------------------------------


def test_notes_and_descriptions_are_escaped_on_both_pages(staff: Staff) -> None:
    escalate(staff, 1, note=XSS, description=XSS, now=timezone.now() - dt.timedelta(days=10))
    client = client_for(staff.supervisor)
    queue = client.get("/escalations/").content.decode()
    board = client.get("/escalations/board/").content.decode()
    assert XSS not in queue
    assert queue.count(XSS_ESCAPED) == 2  # the note and the description
    assert XSS not in board
    assert XSS_ESCAPED in board


def test_each_queue_row_picks_its_own_assignee_from_the_people_rendered_once(staff: Staff) -> None:
    [held] = escalate(staff, 1)
    Ticket.objects.filter(pk=held.ticket_id).update(assignee=staff.agent)
    [unheld] = escalate(staff, 1)
    Ticket.objects.filter(pk=unheld.ticket_id).update(assignee=None)
    html = client_for(staff.supervisor).get("/escalations/?level=1").content.decode()
    people = selectors.reassign_choices()["people"]
    for escalation, chosen in ((held, staff.agent.pk), (unheld, None)):
        picker = re.search(rf'<select[^>]*id="reassign-{escalation.pk}".*?</select>', html, re.S)
        assert picker
        options = re.findall(r'<option value="(\d+)"( selected)?>', picker.group(0))
        assert [int(value) for value, _selected in options] == [person.pk for person in people]
        assert [int(value) for value, selected in options if selected] == ([chosen] if chosen else [])
        assert f'action="/escalations/{escalation.pk}/acknowledge/"' in html
        assert f'action="/escalations/{escalation.pk}/reassign/"' in html
