"""helpdesk.lib.api.QuickRepresentation reads a serializer's fields more cheaply than DRF does; what it
sends must be DRF's own to the byte: the tickets of the API's list and detail in every stage, in the
zones staff read them in, and the odd sources a serializer may name (a method, a missing attribute, a
dict, a naive or UTC date-time)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from helpdesk.lib.api import QuickRepresentation
from tests.tickets.factories import make_ticket
from tests.tickets.flow import Staff, ticket_in
from tickets import selectors
from tickets.api.serializers import TicketSerializer
from tickets.models import Stage, Ticket


def as_drf_would(monkeypatch: pytest.MonkeyPatch, render: Any) -> bytes:
    """What `render()` sends with DRF's own Serializer.to_representation in place of the quick one."""
    with monkeypatch.context() as patched:
        patched.setattr(QuickRepresentation, "to_representation", serializers.Serializer.to_representation)
        return JSONRenderer().render(render())


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Asia/Makassar", "Asia/Jayapura"])
def test_the_ticket_list_and_detail_are_drfs_own(
    make_user: Any, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    staff = Staff.create(make_user)
    fresh = make_ticket(actor=staff.agent, classification="critical")
    dispatched = ticket_in(Stage.DISPATCHED, staff)
    closed = ticket_in(Stage.CLOSED, staff)
    Ticket.objects.filter(pk=closed.pk).update(duplicate_of=fresh, public_exposure=True, escalation_level=2)
    bare = make_ticket()  # no actor: nobody assigned
    Ticket.objects.filter(pk=bare.pk).update(team=None, service=None)
    now = timezone.now()
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        listed = list(selectors.ticket_list(viewer=staff.supervisor, now=now).order_by("pk"))
        assert {ticket.pk for ticket in listed} >= {fresh.pk, dispatched.pk, closed.pk, bare.pk}

        def render_list() -> Any:
            return TicketSerializer(listed, many=True).data

        quick = JSONRenderer().render(render_list())
        assert quick == as_drf_would(monkeypatch, render_list)
        sent = {row["number"]: row for row in render_list()}
        assert sent[closed.number]["duplicate_of"] == fresh.number
        assert sent[closed.number]["rca"] is not None and sent[closed.number]["closed_at"]
        assert sent[bare.number]["assignee"] is None and sent[bare.number]["team"] is None
        assert sent[bare.number]["service"] is None
        if zone == "UTC":
            assert sent[fresh.number]["created_at"].endswith("Z")
        else:
            assert sent[fresh.number]["created_at"].endswith(("+08:00", "+09:00"))

        # One ticket as the detail and the 201 read it: unannotated, the states from the stored columns.
        one = Ticket.objects.select_related("customer__region", "service__region", "team", "assignee").get(
            pk=dispatched.pk
        )
        one = selectors.with_current_sla_states(one, now=now)
        assert JSONRenderer().render(TicketSerializer(one).data) == as_drf_would(
            monkeypatch, lambda: TicketSerializer(one).data
        )


class Odd(QuickRepresentation, serializers.Serializer):
    """Sources a serializer may name that the quick reading must leave to DRF."""

    name = serializers.CharField(source="get_name")  # a method, called
    missing = serializers.CharField(read_only=True)  # not there: left out
    fallback = serializers.CharField(read_only=True, default="none given")  # not there: its default
    at = serializers.DateTimeField()
    naive = serializers.DateTimeField()
    text_at = serializers.DateTimeField(format="%d/%m/%Y %H:%M")
    count = serializers.IntegerField()
    flag = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    items = serializers.CharField()  # a dict's key that is also a dict's method


class Thing:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def get_name(self) -> str:
        return "called"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta"])
def test_odd_sources_are_read_as_drf_reads_them(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    at = dt.datetime(2026, 12, 7, 3, 4, 5, 678, tzinfo=dt.UTC)
    values = {
        "at": at,
        "naive": dt.datetime(2026, 12, 7, 10, 0),
        "text_at": at,
        "count": 7,
        "flag": 0,
        "tags": ["a", "b"],
        "items": "not the method",
    }
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        for instance in (Thing(**values), Thing(**{**values, "at": None, "flag": None, "count": None})):

            def render(instance: Any = instance) -> Any:
                return Odd(instance).data

            assert JSONRenderer().render(render()) == as_drf_would(monkeypatch, render)
        sent = Odd(Thing(**values)).data
        assert sent["name"] == "called" and "missing" not in sent and sent["fallback"] == "none given"
        assert sent["at"] == (
            "2026-12-07T03:04:05.000678Z" if zone == "UTC" else "2026-12-07T10:04:05.000678+07:00"
        )
        assert sent["text_at"] == ("07/12/2026 03:04" if zone == "UTC" else "07/12/2026 10:04")
        assert sent["flag"] is False and sent["items"] == "not the method"
        as_dict = {**values, "get_name": "from the dict"}
        assert JSONRenderer().render(Odd(as_dict).data) == as_drf_would(
            monkeypatch, lambda: Odd(as_dict).data
        )
        assert Odd(as_dict).data["items"] == "not the method"
