"""The record of SPEC §4 cannot be rewritten: history rows, messages and attachments refuse every update
and delete in the database itself (ORM or raw SQL alike), and every allowed action leaves a history row
saying who did it, when, and each field's value before and after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InternalError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from tests.tickets.factories import RCA, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets import services
from tickets.models import Attachment, TicketMessage


def _refused(attempt: Callable[[], Any]) -> None:
    """The attempt raises the trigger's error (inside a savepoint, so the test can carry on)."""
    with pytest.raises(InternalError, match="Cannot"), transaction.atomic():
        attempt()


def _raw(sql: str, params: list[Any]) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def _assert_cannot_change(model: type[Model], row: Model, field: str, new_value: Any) -> None:
    table = model._meta.db_table
    pk_name = model._meta.pk.attname
    column = model._meta.get_field(field).column
    pk = getattr(row, pk_name)
    before = model.objects.filter(pk=pk).values().get()

    _refused(lambda: model.objects.filter(pk=pk).update(**{field: new_value}))
    _refused(lambda: model.objects.filter(pk=pk).delete())

    def save_changed() -> None:
        instance = model.objects.get(pk=pk)
        setattr(instance, field, new_value)
        instance.save()

    _refused(save_changed)
    _refused(lambda: model.objects.get(pk=pk).delete())
    _refused(_raw(f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk_name}" = %s', [new_value, pk]))  # noqa: S608
    _refused(_raw(f'DELETE FROM "{table}" WHERE "{pk_name}" = %s', [pk]))  # noqa: S608

    assert model.objects.filter(pk=pk).values().get() == before


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.mark.django_db
def test_history_rows_cannot_be_updated_or_deleted(staff: Staff) -> None:
    history = apps.get_model("tickets", "TicketHistory")
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory(), description="Original text")
    row = history.objects.get(pgh_obj_id=ticket.pk)

    _assert_cannot_change(history, row, "description", "Rewritten text")

    assert list(history.objects.filter(pgh_obj_id=ticket.pk).values_list("description", flat=True)) == [
        "Original text"
    ]


@pytest.mark.django_db
def test_messages_cannot_be_updated_or_deleted(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    note = services.ticket_act(
        ticket=ticket, actor=staff.agent, action="note", data={"body": "Called the customer."}
    ).message
    assert note is not None

    _assert_cannot_change(TicketMessage, note, "body", "Never called.")

    assert TicketMessage.objects.get(pk=note.pk).body == "Called the customer."


@pytest.mark.django_db
def test_attachments_cannot_be_updated_or_deleted(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    attachment = services.attachment_add(
        ticket=ticket,
        actor=staff.agent,
        upload=SimpleUploadedFile("log.txt", b"ping 8.8.8.8: timeout\n", content_type="text/plain"),
    )

    _assert_cannot_change(Attachment, attachment, "original_name", "other.txt")

    assert Attachment.objects.get(pk=attachment.pk).original_name == "log.txt"


def _history(api: Any, user: Any, number: str) -> list[dict[str, Any]]:
    response = api(user).get(f"/api/tickets/{number}/history/")
    assert response.status_code == 200
    return response.json()


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


@pytest.mark.django_db
def test_every_allowed_action_leaves_history_with_who_when_and_before_after(staff: Staff, api: Any) -> None:
    started = timezone.now()
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    steps: list[tuple[Any, str, dict[str, Any]]] = [
        (staff.agent, "respond", {"body": "We are looking into it."}),
        (staff.agent, "note", {"body": "Customer sounded upset."}),
        (
            staff.support,
            "verify",
            {"classification": "major", "service_status_checked": True, "billing_checked": True},
        ),
        (staff.support, "reclassify", {"classification": "critical", "reason": "Whole building is down."}),
        (staff.agent, "pause", {"reason": "Waiting for a photo of the router."}),
        (staff.agent, "resume", {}),
        (staff.supervisor, "dispatch", {}),
        (staff.supervisor, "assign", {"assignee": staff.technician.pk}),
        (staff.agent, "escalate", {"level": 3, "reason": "Strategic customer."}),
        (staff.technician, "resolve", {"rca": RCA}),
        (staff.agent, "reject", {"reason": "Still down."}),
        (staff.technician, "resolve", {"rca": RCA}),
        (staff.agent, "confirm", {}),
        (staff.agent, "close", {}),
    ]
    created = _history(api, staff.agent, ticket.number)
    assert len(created) == 1
    assert created[0]["event"] == "created"
    assert created[0]["action"] == "create"
    assert created[0]["actor_id"] == staff.agent.pk
    assert created[0]["actor"] == staff.agent.username
    assert created[0]["changes"]["stage"] == {"before": None, "after": "received"}
    assert created[0]["changes"]["number"] == {"before": None, "after": ticket.number}

    shown: dict[str, Any] = {}
    for actor, action, data in steps:
        shown[f"before {action}"] = api(actor).get(f"/api/tickets/{ticket.number}/").json()
        before = _history(api, staff.supervisor, ticket.number)
        stage_before = before[-1]["changes"].get("stage", {}).get("after") or next(
            entry["changes"]["stage"]["after"] for entry in reversed(before) if "stage" in entry["changes"]
        )
        response = api(actor).post(f"/api/tickets/{ticket.number}/{action}/", data, format="json")
        assert response.status_code == 200, (action, response.json())
        after = _history(api, staff.supervisor, ticket.number)

        new = after[len(before) :]
        assert len(new) == 1, action
        entry = new[0]
        assert entry["action"] == action
        assert entry["actor_id"] == actor.pk
        assert entry["actor"] == actor.username
        assert entry["via"] == "staff"
        # Rows written by the database trigger carry the transaction's start time, and this whole test
        # is one transaction: so "when" is checked against the test's own clock, not between rows.
        assert started - dt.timedelta(seconds=1) <= _parse(entry["at"]) <= timezone.now()
        assert after[: len(before)] == before  # earlier entries never change
        stage_after = response.json()["stage"]
        if stage_after != stage_before:
            assert entry["changes"]["stage"] == {"before": stage_before, "after": stage_after}
        else:
            assert "stage" not in entry["changes"]

    entries = _history(api, staff.agent, ticket.number)
    by_action = {entry["action"]: entry for entry in entries}
    assert by_action["verify"]["changes"]["classification"] == {"before": "", "after": "major"}
    assert by_action["reclassify"]["changes"]["classification"] == {"before": "major", "after": "critical"}
    assert by_action["pause"]["changes"]["paused"] == {"before": False, "after": True}
    assert by_action["resume"]["changes"]["paused"] == {"before": True, "after": False}
    assignee_before = (shown["before assign"]["assignee"] or {}).get("id")
    assert assignee_before != staff.technician.pk
    assert by_action["assign"]["changes"]["assignee"] == {
        "before": assignee_before,
        "after": staff.technician.pk,
    }
    assert by_action["escalate"]["changes"]["escalation_level"] == {"before": 0, "after": 3}
    assert by_action["reject"]["changes"]["rejection_count"] == {"before": 0, "after": 1}
    assert by_action["close"]["changes"]["close_reason"] == {"before": "", "after": "confirmed"}
    # An action that changes no tracked field still leaves its own row.
    assert by_action["note"]["event"] == "acted"
    assert by_action["note"]["changes"] == {}
    assert [entry["action"] for entry in entries] == ["create", *[action for _a, action, _d in steps]]
