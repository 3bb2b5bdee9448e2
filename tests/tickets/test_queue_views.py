"""The console queue as people who live in it use it (issue "The queue"): the tab each role lands on and
what each role tab holds, the built-in views' filters exactly, views saved, renamed and deleted by their
owner only, actions on a selection of rows (assign, internal note) with refused tickets unchanged, and a
fixed number of queries for every tab and view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.messages import get_messages

from sla.services import next_running_due
from tests.clients import client_for
from tests.tickets.factories import ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff, ticket_in
from tickets import services
from tickets.models import SavedQueueView, Stage, Ticket, TicketMessage

pytestmark = pytest.mark.django_db

# Noon in Jakarta (05:00 UTC): "today" there began seven hours ago.
NOON = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)
START_OF_TODAY = dt.datetime(2026, 3, 9, 17, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def numbers(response: Any) -> set[str]:
    return {ticket.number for ticket in response.context["tickets"]}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def row(ticket: Ticket) -> dict[str, Any]:
    return Ticket.objects.filter(pk=ticket.pk).values().get()


def history_count(ticket: Ticket) -> int:
    return apps.get_model("tickets", "TicketHistory").objects.filter(pgh_obj_id=ticket.pk).count()


def set_columns(ticket: Ticket, **columns: Any) -> Ticket:
    """`columns` written as they are, and the nearest running deadline kept in step with them as the SLA
    services keep it (unless it is one of them)."""
    Ticket.objects.filter(pk=ticket.pk).update(**columns)
    ticket = Ticket.objects.get(pk=ticket.pk)
    if "next_due" not in columns:
        Ticket.objects.filter(pk=ticket.pk).update(next_due=next_running_due(ticket))
    return Ticket.objects.get(pk=ticket.pk)


# --- Role tabs --------------------------------------------------------------------------------------------


def test_support_lands_on_the_received_tickets_that_await_verification(staff: Staff) -> None:
    received = make_ticket(actor=staff.agent)
    verified = ticket_in(Stage.VERIFIED, staff)
    dispatched = ticket_in(Stage.DISPATCHED, staff)
    response = client_for(staff.support).get("/console/")
    assert response.context["tab"] == "verify"
    assert numbers(response) == {received.number}
    assert verified.number not in numbers(response) and dispatched.number not in numbers(response)


def test_a_technician_lands_on_the_dispatched_tickets_of_their_team(staff: Staff) -> None:
    ours = ticket_in(Stage.DISPATCHED, staff, category="network")
    billing = ticket_in(Stage.DISPATCHED, staff, category="billing")  # routed to Billing & Account
    response = client_for(staff.technician).get("/console/")
    assert response.context["tab"] == "team"
    assert numbers(response) == {ours.number}
    assert billing.number not in numbers(response)


def test_an_agent_lands_on_their_own_tickets(staff: Staff) -> None:
    own = make_ticket(actor=staff.agent)
    portal = make_ticket(actor=None)
    response = client_for(staff.agent).get("/console/")
    assert response.context["tab"] == "mine"
    assert numbers(response) == {own.number}
    assert portal.number not in numbers(response)


def test_supervisors_land_on_the_unassigned_tickets_the_watcher_marked_at_risk_or_breached(
    staff: Staff,
) -> None:
    at_risk = set_columns(make_ticket(actor=None), resolution_sla="at_risk")
    breached = set_columns(make_ticket(actor=None), response_sla="breached")
    on_time = make_ticket(actor=None)
    assigned = set_columns(make_ticket(actor=staff.agent), resolution_sla="breached")
    waiting = set_columns(
        make_ticket(actor=None), resolution_sla="at_risk", paused=True, paused_at=dt.datetime.now(dt.UTC)
    )
    response = client_for(staff.supervisor).get("/console/")
    assert response.context["tab"] == "at_risk"
    assert numbers(response) == {at_risk.number, breached.number}
    for out in (on_time, assigned, waiting):
        assert out.number not in numbers(response)
    # ?tab= still wins, and "All" is still there.
    assert numbers(client_for(staff.supervisor).get("/console/?tab=all")) == {
        at_risk.number,
        breached.number,
        on_time.number,
        assigned.number,
        waiting.number,
    }


# --- Built-in views ---------------------------------------------------------------------------------------


def test_the_customer_confirmed_view_holds_exactly_the_confirmed_tickets(staff: Staff) -> None:
    confirmed = ticket_in(Stage.CONFIRMED, staff)
    resolved = ticket_in(Stage.RESOLVED, staff)
    closed = ticket_in(Stage.CLOSED, staff)
    received = make_ticket(actor=staff.agent)
    response = client_for(staff.agent).get("/console/?tab=all&view=confirmed")
    assert response.context["view"] == "confirmed"
    assert numbers(response) == {confirmed.number}
    assert not {resolved.number, closed.number, received.number} & numbers(response)


def test_the_waiting_view_holds_exactly_the_open_tickets_waiting_for_the_customer(staff: Staff) -> None:
    waiting = make_ticket(actor=staff.agent)
    services.ticket_act(ticket=waiting, actor=staff.agent, action="pause", data={})
    other = make_ticket(actor=staff.agent)
    response = client_for(staff.agent).get("/console/?tab=all&view=waiting")
    assert numbers(response) == {waiting.number}
    assert other.number not in numbers(response)


def test_the_breached_today_view_holds_running_clocks_whose_deadline_passed_today(staff: Staff) -> None:
    with time_machine.travel(NOON, tick=False):
        service = ServiceFactory()
        made = [make_ticket(actor=staff.agent, service=service) for _ in range(8)]
        early = START_OF_TODAY + dt.timedelta(minutes=1)
        # In: a response deadline passed this morning (not yet marked by the watcher), a resolution
        # deadline marked breached an hour ago.
        response_today = set_columns(made[0], first_response_due=early, response_sla="ok")
        resolution_today = set_columns(
            made[1], resolution_due=NOON - dt.timedelta(hours=1), resolution_sla="breached"
        )
        # Out: breached yesterday, due later today, stopped (missed) today, paused.
        yesterday = set_columns(
            made[2], first_response_due=START_OF_TODAY - dt.timedelta(minutes=1), response_sla="breached"
        )
        later = set_columns(made[3], first_response_due=NOON + dt.timedelta(minutes=5), response_sla="ok")
        missed = set_columns(made[4], first_response_due=early, response_sla="missed")
        paused = set_columns(
            made[5], first_response_due=early, response_sla="breached", paused=True, paused_at=early
        )
        # In too: nobody answered since yesterday (the nearest running deadline is yesterday's), and the
        # resolution deadline passed today; the first response was due this morning, and the resolution
        # (running, not yet marked) yesterday.
        unanswered = set_columns(
            made[6],
            first_response_due=START_OF_TODAY - dt.timedelta(hours=3),
            response_sla="breached",
            resolution_due=early,
            resolution_sla="at_risk",
        )
        late_fix = set_columns(
            made[7],
            first_response_due=early + dt.timedelta(minutes=1),
            response_sla="breached",
            resolution_due=START_OF_TODAY - dt.timedelta(hours=2),
            resolution_sla="ok",
        )
        response = client_for(staff.agent).get("/console/?tab=all&view=breached_today")
    found = numbers(response)
    assert found == {response_today.number, resolution_today.number, unanswered.number, late_fix.number}
    assert not {yesterday.number, later.number, missed.number, paused.number} & found
    # Most urgent first: the nearest running deadline, yesterday's before today's.
    assert [row.number for row in response.context["tickets"]] == [
        unanswered.number,
        late_fix.number,
        response_today.number,
        resolution_today.number,
    ]
    assert (response.context["count"], response.context["count_is_capped"]) == (4, False)


def test_an_unknown_view_is_no_view(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    response = client_for(staff.agent).get("/console/?tab=all&view=nonsense")
    assert response.status_code == 200
    assert response.context["view"] == ""
    assert numbers(response) == {ticket.number}


# --- Saved views ------------------------------------------------------------------------------------------


def test_a_view_saved_from_the_filters_is_listed_renamed_and_deleted_by_its_owner(staff: Staff) -> None:
    network = make_ticket(actor=staff.agent, category="network")
    billing = make_ticket(actor=staff.agent, category="billing")
    agent = client_for(staff.agent)
    shown = "http://testserver/console/?tab=all&category=billing&page=3&ordering=-reported_at"
    saved = agent.post(
        "/console/views/", {"name": "  Billing   backlog ", "query": "tab=mine"}, HTTP_REFERER=shown
    )
    view = SavedQueueView.objects.get(owner=staff.agent)
    # The filters as the browser showed them (not the page), under the name as typed (spaces tidied).
    assert (view.name, view.query) == ("Billing backlog", "tab=all&category=billing&ordering=-reported_at")
    assert saved["Location"] == "/console/?tab=all&category=billing&ordering=-reported_at"
    opened = agent.get(saved["Location"])
    assert numbers(opened) == {billing.number}
    assert network.number not in numbers(opened)
    assert opened.context["current_saved"] == view.pk
    assert f'href="?{view.query.replace("&", "&amp;")}" data-saved-view="{view.pk}">Billing backlog</a>' in (
        opened.content.decode()
    )
    # The same name twice is refused and nothing is added.
    again = agent.post("/console/views/", {"name": "Billing backlog"}, HTTP_REFERER=shown, follow=True)
    assert messages_of(again) == ["The view was not saved: You already have a view with this name."]
    assert SavedQueueView.objects.filter(owner=staff.agent).count() == 1
    empty = agent.post("/console/views/", {"name": "   "}, HTTP_REFERER=shown, follow=True)
    assert SavedQueueView.objects.filter(owner=staff.agent).count() == 1
    assert messages_of(empty)[0].startswith("The view was not saved: ")

    renamed = agent.post(f"/console/views/{view.pk}/rename/", {"name": "Bills"}, follow=True)
    assert messages_of(renamed) == ["View renamed “Bills”."]
    assert SavedQueueView.objects.get(pk=view.pk).name == "Bills"
    deleted = agent.post(f"/console/views/{view.pk}/delete/", follow=True)
    assert messages_of(deleted) == ["View “Bills” deleted."]
    assert not SavedQueueView.objects.filter(pk=view.pk).exists()


def test_a_view_saved_from_the_landing_page_keeps_its_tab_and_is_marked_when_shown(staff: Staff) -> None:
    agent = client_for(staff.agent)
    # The page as it landed (no tab in its address): the query it was rendered with names the tab.
    agent.post(
        "/console/views/",
        {"name": "Landing", "query": "tab=mine&ordering=next_due"},
        HTTP_REFERER="http://testserver/console/",
    )
    view = SavedQueueView.objects.get(owner=staff.agent)
    assert view.query == "tab=mine"  # the default sort is not kept
    for address in ("/console/", "/console/?tab=mine", "/console/?tab=mine&ordering=next_due"):
        assert agent.get(address).context["current_saved"] == view.pk, address
    assert agent.get("/console/?tab=all").context["current_saved"] is None


def test_nobody_renames_deletes_or_sees_another_persons_view(staff: Staff) -> None:
    view = services.saved_view_create(owner=staff.agent, name="Mine only", query="tab=all&category=billing")
    other = client_for(staff.support)
    assert other.post(f"/console/views/{view.pk}/rename/", {"name": "Taken"}).status_code == 404
    assert other.post(f"/console/views/{view.pk}/delete/").status_code == 404
    assert other.get(f"/console/views/{view.pk}/delete/").status_code == 405
    assert SavedQueueView.objects.filter(pk=view.pk).values_list("owner_id", "name", "query").get() == (
        staff.agent.pk,
        "Mine only",
        "tab=all&category=billing",
    )
    page = other.get("/console/").content.decode()
    assert "Mine only" not in page
    assert other.get("/console/").context["saved_views"] == []


# --- Bulk actions -----------------------------------------------------------------------------------------


def test_assigning_a_selection_assigns_those_the_person_can_hold_and_changes_nothing_else(
    staff: Staff, make_user: Any
) -> None:
    received = [make_ticket(actor=None) for _ in range(3)]
    dispatched = ticket_in(Stage.DISPATCHED, staff)  # a technician's now: support cannot hold it
    closed = ticket_in(Stage.CLOSED, staff)  # assign is not allowed once closed
    before = {ticket.pk: (row(ticket), history_count(ticket)) for ticket in (dispatched, closed)}
    response = client_for(staff.supervisor).post(
        "/console/bulk/assign/",
        {
            "tickets": [ticket.number for ticket in (*received, dispatched, closed)] + ["NOPE-0000"],
            "assignee": str(staff.support.pk),
        },
        HTTP_REFERER="http://testserver/console/?tab=at_risk",
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/console/?tab=at_risk"
    for ticket in received:
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == staff.support.pk
    for ticket in (dispatched, closed):
        assert (row(ticket), history_count(ticket)) == before[ticket.pk]
    [message] = messages_of(response)
    refusals = {
        closed.number: "A ticket in stage “Closed” cannot be given “Assign”; that needs stage: Received,"
        " Verified, Dispatched, Resolved.",
        dispatched.number: "Once dispatched a ticket is held by a technician.",
        "NOPE-0000": "No ticket with this number.",
    }
    # One line: how many were done and refused, then each refused number with its reason, by number.
    assert message == "3 done, 3 refused: " + " ".join(
        f"{number}: {refusals[number]}" for number in sorted(refusals)
    )


def test_assigning_a_dispatched_ticket_takes_a_technician_of_its_team_only(
    staff: Staff, make_user: Any
) -> None:
    ours = ticket_in(Stage.DISPATCHED, staff, category="network")
    billing_technician = make_user("technician", teams=[team("Billing & Account")])
    before = row(ours)
    refused = client_for(staff.supervisor).post(
        "/console/bulk/assign/",
        {"tickets": [ours.number], "assignee": str(billing_technician.pk)},
        follow=True,
    )
    assert messages_of(refused) == [
        f"0 done, 1 refused: {ours.number}: This technician is not in the ticket's team."
    ]
    assert row(ours) == before
    done = client_for(staff.supervisor).post(
        "/console/bulk/assign/", {"tickets": [ours.number], "assignee": str(staff.technician.pk)}, follow=True
    )
    assert messages_of(done) == ["1 done."]
    assert Ticket.objects.get(pk=ours.pk).assignee_id == staff.technician.pk


def test_a_role_that_may_not_assign_assigns_nothing(staff: Staff) -> None:
    ticket = make_ticket(actor=None)
    before = (row(ticket), history_count(ticket))
    response = client_for(staff.agent).post(
        "/console/bulk/assign/", {"tickets": [ticket.number], "assignee": str(staff.agent.pk)}, follow=True
    )
    [message] = messages_of(response)
    assert message.startswith(f"0 done, 1 refused: {ticket.number}: Your role does not allow “Assign”")
    assert (row(ticket), history_count(ticket)) == before


def test_a_note_on_a_selection_is_added_to_each_ticket_the_writer_may_note(staff: Staff) -> None:
    ours = ticket_in(Stage.DISPATCHED, staff, category="network")
    theirs = ticket_in(Stage.DISPATCHED, staff, category="billing")  # the technician cannot see it
    response = client_for(staff.technician).post(
        "/console/bulk/note/",
        {"tickets": [ours.number, theirs.number], "body": "Checked the OLT: port 4 down."},
        follow=True,
    )
    assert messages_of(response) == [f"1 done, 1 refused: {theirs.number}: No ticket with this number."]
    assert list(TicketMessage.objects.filter(ticket=ours, kind="note").values_list("body", "author_id")) == [
        ("Checked the OLT: port 4 down.", staff.technician.pk)
    ]
    assert not TicketMessage.objects.filter(ticket=theirs, kind="note").exists()


def test_a_bulk_action_without_a_selection_or_text_changes_nothing(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent)
    agent = client_for(staff.agent)
    nothing = agent.post("/console/bulk/note/", {"body": "hello"}, follow=True)
    assert messages_of(nothing) == ["Nothing was changed: Select one or more tickets in the queue."]
    empty = agent.post("/console/bulk/note/", {"tickets": [ticket.number], "body": "  "}, follow=True)
    assert messages_of(empty)[0].startswith("Nothing was changed: ")
    assert agent.post("/console/bulk/close/", {"tickets": [ticket.number]}).status_code == 404
    assert agent.get("/console/bulk/note/").status_code == 405
    assert not TicketMessage.objects.filter(ticket=ticket, kind="note").exists()


# --- Queries ------------------------------------------------------------------------------------------------

# session, user, roles, unread count, teams, count, page, open incidents, saved views, people to assign
# and their teams (tests.tickets.test_console_pages.SUPERVISOR_QUEUE_QUERIES).
SUPERVISOR_QUEUE_QUERIES = 11


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize(
    "address",
    [
        "/console/",
        "/console/?tab=verify",
        "/console/?tab=unassigned",
        "/console/?tab=mine",
        "/console/?tab=all&view=confirmed",
        "/console/?tab=all&view=waiting",
        "/console/?tab=all&view=breached_today",
        "/console/?tab=all&category=network&ordering=-reported_at",
    ],
)
def test_every_tab_and_view_runs_the_same_queries_however_many_rows(
    staff: Staff, rows: int, address: str, django_assert_num_queries: Any
) -> None:
    for index in range(rows):
        set_columns(
            make_ticket(actor=None, service=ServiceFactory()), resolution_sla="at_risk" if index % 2 else "ok"
        )
    for name in ("One", "Two", "Three"):
        services.saved_view_create(owner=staff.supervisor, name=name, query=f"tab=all&search={name}")
    client = client_for(staff.supervisor)
    client.get(address)  # warm the per-process caches
    with django_assert_num_queries(SUPERVISOR_QUEUE_QUERIES):
        response = client.get(address)
    assert response.status_code == 200
    assert len(response.context["saved_views"]) == 3


# --- Indexes ------------------------------------------------------------------------------------------------


def plan_of(queryset: Any, *, indexes: list[str], in_order: bool = False) -> str:
    """The plan of `queryset` with only `indexes` (and those behind constraints) left on the tickets.

    A table of a few rows cannot show the planner's choice at a million: on it the costs of the indexes
    that could serve a statement are all but equal, and its pick follows the statistics of the moment. So
    the test asks what the statement can be answered by: the other indexes of the tickets are dropped
    inside the test's transaction, sequential scans are off, and a condition the named indexes cannot
    answer falls back to walking the primary key, which the assertions catch. `in_order`: sorting is off
    too, so that the plan walks an index in the statement's order if one can be walked so."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index"
            " WHERE indrelid = 'tickets_ticket'::regclass"
            " AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = indrelid)"
        )
        others = [name for (name,) in cursor.fetchall() if name not in indexes]
        cursor.execute("DROP INDEX " + ", ".join(f'"{name}"' for name in others))
        cursor.execute("SET LOCAL enable_seqscan = off")
        if in_order:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("tab", "view", "part", "indexes"),
    [
        ("at_risk", "", 0, ["ticket_unassigned_at_risk"]),
        ("all", "waiting", 0, ["ticket_waiting_next_due"]),
        ("all", "confirmed", 0, ["ticket_open_stage_next_due"]),
        # Breached today, the nearest running deadline passed today: a range of the default sort's index.
        ("all", "breached_today", 0, ["ticket_open_next_due"]),
        (
            "all",
            "breached_today",
            1,
            # The other clock's: the day's range of each clock, running and breached, with `next_due`
            # before today (the SLA sweeps' partial indexes, which hold it).
            [
                "ticket_response_breach_due",
                "ticket_response_escalate_due",
                "ticket_resolution_breach_due",
                "ticket_resolution_escalate_due",
            ],
        ),
    ],
)
def test_the_supervisors_tab_and_the_built_in_views_are_answered_from_their_indexes(
    staff: Staff, tab: str, view: str, part: int, indexes: list[str]
) -> None:
    from tickets import selectors

    now = dt.datetime.now(dt.UTC)
    queryset = selectors.queue_tickets(viewer=staff.supervisor, now=now, tab=tab).exclude(stage=Stage.CLOSED)
    parts = selectors.queue_view_parts(view, now)
    if parts:
        queryset = queryset.filter(parts[part])
    walked = (view, part) == ("breached_today", 0)
    plan = plan_of(queryset.order_by("next_due", "pk")[:51], indexes=indexes, in_order=walked)
    assert "on tickets_ticket" in plan, plan
    assert "Seq Scan on tickets_ticket" not in plan, plan
    assert "using tickets_ticket_pkey" not in plan, plan
    for index in indexes:
        assert index in plan, plan
    if walked:
        # Walked in the page's order (and left at the page): nothing sorted.
        assert "Index Scan using ticket_open_next_due" in plan and "Sort" not in plan, plan
    if (view, part) == ("breached_today", 1):
        # The tickets are picked from the index entries: `next_due` is one of each scan's conditions.
        lines = [line.strip() for line in plan.splitlines()]
        scans = [n for n, line in enumerate(lines) if line.startswith("->  Bitmap Index Scan on")]
        assert len(scans) == 4, plan
        conditions = [lines[n + 1] for n in scans]
        assert all(line.startswith("Index Cond:") and "next_due <" in line for line in conditions), plan
