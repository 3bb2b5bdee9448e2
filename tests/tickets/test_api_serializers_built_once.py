"""The ticket's serializers build their fields from the model once per class (helpdesk.lib.api
.BuiltOnceModelSerializer) and copy them for each instance: the same fields, the same answer, and no
field shared between two instances."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from tests.tickets.factories import make_ticket
from tests.tickets.flow import Staff
from tickets import selectors
from tickets.api.serializers import CustomerSummarySerializer, ServiceSummarySerializer, TicketSerializer

BUILT_ONCE = [TicketSerializer, CustomerSummarySerializer, ServiceSummarySerializer]


def shape(fields: dict[str, Any]) -> dict[str, tuple[type, dict[str, Any]]]:
    """Each field's class and the arguments it was made with (what DRF copies a field from)."""
    return {
        name: (type(field), {k: repr(v) for k, v in field._kwargs.items()}) for name, field in fields.items()
    }


@pytest.mark.parametrize("serializer_class", BUILT_ONCE, ids=lambda cls: cls.__name__)
def test_the_fields_are_the_ones_drf_would_build(serializer_class: type[serializers.ModelSerializer]) -> None:
    serializer_class()  # the class's fields built, kept
    rebuilt = serializers.ModelSerializer.get_fields(serializer_class())
    assert list(serializer_class().fields) == list(rebuilt) == serializer_class.Meta.fields
    assert shape(dict(serializer_class().fields)) == shape(rebuilt)


@pytest.mark.django_db
def test_two_instances_share_no_field() -> None:
    ticket = make_ticket()
    first, second = TicketSerializer(ticket), TicketSerializer(ticket)
    for name in ("number", "customer", "service", "response_sla"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert first.fields["customer"].fields["email"] is not second.fields["customer"].fields["email"]


@pytest.mark.django_db
def test_the_answer_to_a_logged_complaint_has_every_documented_field(make_user: Any, api: Any) -> None:
    staff = Staff.create(make_user)
    ticket = make_ticket()
    body = {
        "customer": ticket.customer_id,
        "service": ticket.service_id,
        "category": "network",
        "channel": "phone",
        "description": "No signal",
        "incident_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
    }
    first = api(staff.agent).post("/api/tickets/", body, format="json")
    second = api(staff.agent).post("/api/tickets/", body, format="json")
    assert first.status_code == second.status_code == 201
    for answer in (first.json(), second.json()):
        assert list(answer) == TicketSerializer.Meta.fields
        assert list(answer["customer"]) == ["id", "name", "email", "phone", "tier", "region"]
        assert answer["customer"]["id"] == ticket.customer_id
        assert answer["service"]["id"] == ticket.service_id
        assert answer["team"]["name"] == selectors.FIRST_LINE_TEAM
        assert answer["assignee"]["username"] == staff.agent.username
        assert answer["stage"] == "received" and answer["response_sla"] == "ok"
    assert first.json()["number"] != second.json()["number"]
