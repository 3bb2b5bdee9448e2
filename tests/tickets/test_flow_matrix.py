"""Every (stage, action, role) combination through the API: the allowed ones succeed and leave a history
row naming the action; the refused ones answer 403/404/409 and change nothing, enqueue nothing.

The expectations below are written out from SPEC §5 by hand, not read from tickets.models.ACTIONS, so a
wrong table in the code makes this test fail."""

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
from tickets.models import Stage, Ticket, TicketMessage

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
    history = apps.get_model("tickets", "TicketHistory")
    return {
        "row": Ticket.objects.filter(pk=ticket.pk).values().get(),
        "history": history.objects.filter(pgh_obj_id=ticket.pk).count(),
        "messages": TicketMessage.objects.filter(ticket=ticket).count(),
        "escalations": Escalation.objects.filter(ticket=ticket).count(),
        "notifications": Notification.objects.count(),
        "pauses": SlaPause.objects.filter(ticket=ticket).count(),
        "ratings": SatisfactionRating.objects.count(),
        "rcas": RootCauseAnalysis.objects.count(),
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
    stage: Stage, action: str, role: str, make_user: Any, api: Any, django_capture_on_commit_callbacks: Any
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
    if want == 200:
        after = snapshot(ticket)
        assert after["history"] > before["history"]
        history = apps.get_model("tickets", "TicketHistory")
        newest = (
            history.objects.filter(pgh_obj_id=ticket.pk).select_related("pgh_context").order_by("-pgh_id")[0]
        )
        assert newest.pgh_context.metadata["action"] == action
        assert newest.pgh_context.metadata["user"] == staff.of(role).pk
        target = EXPECTED[action][2]
        assert response.json()["stage"] == (target or stage).value
    else:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        assert body["message"]
        assert snapshot(ticket) == before
        assert callbacks == []


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
