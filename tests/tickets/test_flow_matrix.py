"""Every (stage, action, role) combination through the API: the allowed ones succeed, leave exactly one
history row naming the action and holding the ticket as the action left it, owe exactly the messages
and escalations SPEC §5 and §7 call for and hand exactly those emails to the worker after commit; the
refused ones answer 403/404/409 and change nothing, owe nothing, schedule nothing.

The expectations below are written out from SPEC §5 and §7 by hand, not read from tickets.models.ACTIONS
or the services, so a wrong table in the code makes this test fail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from escalation.models import Escalation
from notifications.models import Notification
from reports.models import RootCauseAnalysis, SatisfactionRating
from sla.models import SlaPause
from tests.tickets.factories import RCA, ServiceFactory, make_ticket
from tests.tickets.flow import ORDER, Staff, advance
from tickets import services
from tickets.models import HISTORY_FIELDS, Stage, Ticket, TicketMessage

ROLES = ["agent", "support", "supervisor", "technician", "manager", "director", "analyst"]
ALL = set(ORDER)
OPEN = {Stage.RECEIVED, Stage.VERIFIED, Stage.DISPATCHED}
WORKING = {"agent", "support", "supervisor", "technician"}

# action: (stages it is allowed in, roles allowed, stage it leads to or None)
EXPECTED: dict[str, tuple[set[Stage], set[str], Stage | None]] = {
    "respond": (ALL - {Stage.CLOSED}, WORKING, None),
    "note": (ALL, WORKING | {"manager", "director"}, None),
    "verify": ({Stage.RECEIVED}, {"support", "supervisor"}, Stage.VERIFIED),
    "dispatch": ({Stage.VERIFIED}, {"supervisor"}, Stage.DISPATCHED),
    "resolve": ({Stage.DISPATCHED}, {"technician"}, Stage.RESOLVED),
    "confirm": ({Stage.RESOLVED}, {"agent"}, Stage.CONFIRMED),
    "reject": ({Stage.RESOLVED}, {"agent"}, Stage.DISPATCHED),
    "close": (ALL - {Stage.CLOSED}, {"agent", "supervisor"}, Stage.CLOSED),
    "escalate": (OPEN | {Stage.RESOLVED}, {"agent", "supervisor", "manager"}, None),
    "pause": (OPEN, WORKING, None),
    "resume": (OPEN, WORKING, None),
    "assign": (OPEN | {Stage.RESOLVED}, {"supervisor"}, None),
    "reclassify": ({Stage.VERIFIED, Stage.DISPATCHED}, {"support", "supervisor"}, None),
}
# What a successful action owes, in the order the rows are written: (template, channel, recipient), the
# recipient a role (the one person holding it here) or CUSTOMER (the ticket's contact email). A written
# reply goes to the customer (§4); the customer hears of the fix and of the closing (§5); the escalate
# payload asks for the director (level 3, §7); a rejection asks for a supervisor review (level 1, §7).
# Every other action owes nothing.
CUSTOMER = "customer"
OWED: dict[str, list[tuple[str, str, str]]] = {
    "respond": [("ticket_reply", "email", CUSTOMER)],
    "resolve": [("ticket_resolved", "email", CUSTOMER)],
    "close": [("ticket_closed", "email", CUSTOMER)],
    "escalate": [("escalation_raised", "email", "director"), ("escalation_raised", "inbox", "director")],
    "reject": [("escalation_raised", "email", "supervisor"), ("escalation_raised", "inbox", "supervisor")],
}
# Escalations a successful action raises: (level, reason).
RAISED: dict[str, list[tuple[int, str]]] = {"escalate": [(3, "manual")], "reject": [(1, "dissatisfaction")]}
# The history row's label: an action that changes no tracked field of the ticket (a note) is recorded
# as "acted"; every other one changes the ticket and is recorded as "changed".
LABEL = {"note": "acted"}
SEND_TASK = "notifications.tasks.notifications_send_many"

# Technicians act only on tickets of their own team, and see no ticket before it is dispatched to it.
TECHNICIAN_TEAM_ONLY = {"respond", "note", "resolve", "pause", "resume"}
BEFORE_DISPATCH = {Stage.RECEIVED, Stage.VERIFIED}


def expected_status(action: str, stage: Stage, role: str) -> int:
    stages, roles, _target = EXPECTED[action]
    if role == "technician" and stage in BEFORE_DISPATCH:
        return 404
    if role not in roles:
        return 403
    if stage not in stages:
        return 409
    return 200


def payload(action: str, stage: Stage, staff: Staff) -> dict[str, Any]:
    if action == "close":
        if stage in OPEN:
            return {"reason": "invalid", "note": "Not a complaint: a sales question."}
        if stage == Stage.RESOLVED:
            return {"reason": "no_response"}
        return {}
    return {
        "respond": {"body": "We are on it."},
        "note": {"body": "Checked the OLT; link flapping."},
        "verify": {"classification": "minor", "service_status_checked": True, "billing_checked": True},
        "dispatch": {},
        "resolve": {"rca": RCA},
        "confirm": {},
        "reject": {"reason": "Still slow."},
        "escalate": {"level": 3, "reason": "Strategic customer."},
        "pause": {"reason": "Waiting for the customer's router photo."},
        "resume": {},
        "assign": {"assignee": staff.technician.pk},
        "reclassify": {"classification": "critical", "reason": "Whole building affected."},
    }[action]


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """Everything an action could write, as ids (a row added and another removed would not keep them)."""

    def ids(queryset: Any) -> list[int]:
        return list(queryset.order_by("pk").values_list("pk", flat=True))

    history = apps.get_model("tickets", "TicketHistory")
    return {
        "row": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "history": ids(history.objects.filter(pgh_obj_id=ticket.pk)),
        "messages": ids(TicketMessage.objects.filter(ticket=ticket)),
        "escalations": ids(Escalation.objects.filter(ticket=ticket)),
        "notifications": ids(Notification.objects.all()),
        "pauses": ids(SlaPause.objects.filter(ticket=ticket)),
        "ratings": ids(SatisfactionRating.objects.all()),
        "rcas": ids(RootCauseAnalysis.objects.all()),
    }


CASES = [
    pytest.param(stage, action, role, id=f"{stage.value}-{action}-{role}")
    for stage in ORDER
    for action in EXPECTED
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(("stage", "action", "role"), CASES)
def test_every_stage_action_role_combination(
    stage: Stage,
    action: str,
    role: str,
    make_user: Any,
    api: Any,
    django_capture_on_commit_callbacks: Any,
    published: list[tuple[str, Any]],
) -> None:
    staff = Staff.create(make_user)
    # The ticket's life so far happened two days ago, so a resolved one is past its confirmation window.
    earlier = timezone.now() - dt.timedelta(days=2)
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory(), reported_at=earlier, now=earlier)
    ticket = advance(ticket, stage, staff, now=earlier)
    if action == "resume" and stage in OPEN:
        services.ticket_act(ticket=ticket, actor=staff.agent, action="pause", data={}, now=earlier)
    before = snapshot(ticket)
    want = expected_status(action, stage, role)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(staff.of(role)).post(
            f"/api/tickets/{ticket.number}/{action}/", payload(action, stage, staff), format="json"
        )

    assert response.status_code == want, response.json()
    if want != 200:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        assert body["message"]
        assert snapshot(ticket) == before
        assert callbacks == []
        assert published == []
        return

    target = EXPECTED[action][2]
    assert response.json()["stage"] == (target or stage).value
    history = apps.get_model("tickets", "TicketHistory")
    rows = list(history.objects.filter(pgh_obj_id=ticket.pk).exclude(pk__in=before["history"]))
    assert len(rows) == 1, (
        f"{len(rows)} history rows: {[(r.pgh_label, r.pgh_context.metadata) for r in rows]}"
    )
    [row] = rows
    assert (row.pgh_label, row.pgh_context.metadata["action"], row.pgh_context.metadata["user"]) == (
        LABEL.get(action, "changed"),
        action,
        staff.of(role).pk,
    )
    # The one row holds the ticket as the action left it, not a state half-way through.
    saved = Ticket.objects.get(pk=ticket.pk)
    assert {field: getattr(row, field) for field in HISTORY_FIELDS} == {
        field: getattr(saved, field) for field in HISTORY_FIELDS
    }
    assert saved.stage == (target or stage).value

    people = {getattr(staff, name).pk: name for name in ROLES}
    owed = Notification.objects.exclude(pk__in=before["notifications"]).order_by("pk")
    assert [
        (n.template, n.channel, people[n.recipient_id] if n.recipient_id else CUSTOMER) for n in owed
    ] == OWED.get(action, [])
    for notification in owed:
        # A customer is reached at the ticket's address; staff by email at theirs, in the inbox by id.
        if notification.recipient_id is None:
            address = saved.contact_email or saved.customer.email
        else:
            address = (
                staff.of(people[notification.recipient_id]).email if notification.channel == "email" else ""
            )
        assert (notification.ticket_id, notification.email) == (ticket.pk, address)
        # An email waits for the worker; an inbox row is delivered by being written.
        assert notification.sent_at == (None if notification.channel == "email" else notification.created_at)
    assert list(
        Escalation.objects.exclude(pk__in=before["escalations"]).order_by("pk").values_list("level", "reason")
    ) == RAISED.get(action, [])

    # Nothing reaches the broker before commit; after it, one task carries every email owed.
    assert published == []
    emails = [n.pk for n in owed if n.channel == "email"]
    assert len(callbacks) == (1 if emails else 0)
    for callback in callbacks:
        callback()
    assert published == ([(SEND_TASK, [emails])] if emails else [])


@pytest.mark.django_db
def test_dispatching_without_a_technician_hands_the_ticket_to_the_team_unassigned(make_user: Any) -> None:
    staff = Staff.create(make_user)
    ticket = advance(make_ticket(actor=staff.agent, service=ServiceFactory()), Stage.VERIFIED, staff)
    assert ticket.assignee == staff.agent  # the agent who logged it holds it until dispatch
    ticket = services.ticket_act(
        ticket=ticket, actor=staff.supervisor, action="dispatch", data={}, now=timezone.now()
    ).ticket
    ticket.refresh_from_db()
    assert (ticket.stage, ticket.team.name, ticket.assignee) == ("dispatched", "Network Operation", None)


@pytest.mark.django_db
def test_dispatching_to_a_named_technician_assigns_them(make_user: Any) -> None:
    staff = Staff.create(make_user)
    ticket = advance(make_ticket(actor=staff.agent, service=ServiceFactory()), Stage.VERIFIED, staff)
    ticket = services.ticket_act(
        ticket=ticket,
        actor=staff.supervisor,
        action="dispatch",
        data={"assignee": staff.technician.pk},
        now=timezone.now(),
    ).ticket
    ticket.refresh_from_db()
    assert (ticket.team.name, ticket.assignee) == ("Network Operation", staff.technician)
