"""Deadlines as the services store them on tickets: business calendars of the region's time zone,
public holidays and cuti bersama, reports outside working hours, pauses across nights and holidays,
reclassification, the stage-4 cap, and what counts as a first response. Values worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets import services
from tickets.models import Region, Stage

UTC = dt.UTC


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC) - dt.timedelta(hours=7)


def wit(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC) - dt.timedelta(hours=9)


def wita(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC) - dt.timedelta(hours=8)


def service_in(code: str) -> Any:
    region = Region.objects.get(code=code)
    return ServiceFactory(customer=CustomerFactory(region=region), region=region)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


CASES = [
    # region, classification, reported (local), resolution due (local), why
    ("jkt", "minor", (2026, 3, 6, 16, 0), (2026, 3, 9, 16, 0), "Friday 16:00: 1 h on Friday, 8 h on Monday"),
    ("jyp", "minor", (2026, 3, 6, 16, 0), (2026, 3, 9, 16, 0), "the same in WIT, on Jayapura's clock"),
    ("dps", "minor", (2026, 3, 6, 16, 0), (2026, 3, 9, 16, 0), "the same in WITA, on Denpasar's clock"),
    (
        "jkt",
        "minor",
        (2026, 3, 7, 10, 0),
        (2026, 3, 9, 17, 0),
        "Saturday: counted from Monday 08:00, ends at closing",
    ),
    ("jkt", "minor", (2026, 3, 9, 19, 30), (2026, 3, 10, 17, 0), "Monday evening: all of Tuesday"),
    (
        "jkt",
        "minor",
        (2026, 3, 17, 15, 0),
        (2026, 3, 25, 15, 0),
        "Nyepi, Idul Fitri and cuti bersama 18–24 March",
    ),
    ("jkt", "major", (2026, 3, 16, 9, 0), (2026, 3, 25, 9, 0), "2 business days across the same holidays"),
    ("jkt", "critical", (2026, 3, 19, 3, 0), (2026, 3, 19, 11, 0), "critical: 8 hours, 24×7, holiday or not"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "classification", "reported", "due", "why"), CASES, ids=[c[4] for c in CASES]
)
def test_resolution_deadline_on_the_region_calendar(
    staff: Staff, region: str, classification: str, reported: tuple[int, ...], due: tuple[int, ...], why: str
) -> None:
    local = {"jkt": wib, "jyp": wit, "dps": wita}[region]
    at = local(*reported)
    ticket = make_ticket(
        actor=staff.agent, service=service_in(region), classification=classification, reported_at=at, now=at
    )
    assert ticket.resolution_due == local(*due), why


@pytest.mark.django_db
def test_response_targets_run_around_the_clock(staff: Staff) -> None:
    at = wib(2026, 3, 19, 3, 0)  # Nyepi, 03:00
    ticket = make_ticket(
        actor=staff.agent, service=service_in("jkt"), classification="minor", reported_at=at, now=at
    )
    assert ticket.first_response_due == at + dt.timedelta(hours=2)
    assert ticket.first_response_risk_at == at + dt.timedelta(minutes=90)


@pytest.mark.django_db
def test_a_pause_across_a_night_and_holidays_does_not_count(staff: Staff) -> None:
    reported = wib(2026, 3, 16, 9, 0)
    ticket = make_ticket(
        actor=staff.agent,
        service=service_in("jkt"),
        classification="major",
        reported_at=reported,
        now=reported,
    )
    assert ticket.resolution_due == wib(2026, 3, 25, 9, 0)
    ticket = services.ticket_act(
        ticket=ticket, actor=staff.agent, action="pause", data={}, now=wib(2026, 3, 17, 16, 0)
    ).ticket
    # Two business hours were left (Tue 16–17, Wed 25th 08–09); the clock restarts on Wednesday 10:00.
    ticket = services.ticket_act(
        ticket=ticket, actor=staff.agent, action="resume", data={}, now=wib(2026, 3, 25, 10, 0)
    ).ticket
    ticket.refresh_from_db()
    assert ticket.resolution_due == wib(2026, 3, 25, 12, 0)
    # The 24×7 response deadline had passed before the pause began, so the pause does not move it.
    assert ticket.first_response_due == reported + dt.timedelta(hours=1)


@pytest.mark.django_db
def test_the_acknowledgement_is_not_a_first_response_a_reply_is(staff: Staff) -> None:
    at = wib(2026, 3, 9, 9, 0)
    ticket = make_ticket(
        actor=staff.agent, service=service_in("jkt"), classification="minor", reported_at=at, now=at
    )
    assert ticket.messages.filter(kind="acknowledgement").count() == 1
    ticket.refresh_from_db()
    assert (ticket.first_responded_at, ticket.response_sla) == (None, "ok")
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="note",
        data={"body": "internal"},
        now=at + dt.timedelta(minutes=5),
    )
    ticket.refresh_from_db()
    assert (ticket.first_responded_at, ticket.response_sla) == (None, "ok")
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="respond",
        data={"body": "We called you.", "channel": "phone"},
        now=at + dt.timedelta(minutes=30),
    )
    ticket.refresh_from_db()
    assert (ticket.first_responded_at, ticket.response_sla) == (at + dt.timedelta(minutes=30), "met")


@pytest.mark.django_db
def test_a_late_first_response_is_missed(staff: Staff) -> None:
    at = wib(2026, 3, 9, 9, 0)
    ticket = make_ticket(
        actor=staff.agent, service=service_in("jkt"), classification="major", reported_at=at, now=at
    )
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="respond",
        data={"body": "Sorry"},
        now=at + dt.timedelta(minutes=61),
    )
    ticket.refresh_from_db()
    assert ticket.response_sla == "missed"


@pytest.mark.django_db
def test_reclassifying_recomputes_both_deadlines_from_the_report_time(staff: Staff) -> None:
    at = wib(2026, 3, 9, 9, 0)
    ticket = make_ticket(actor=staff.agent, service=service_in("jkt"), reported_at=at, now=at)
    ticket = advance(ticket, Stage.VERIFIED, staff, now=at + dt.timedelta(minutes=10))
    assert ticket.resolution_due == wib(2026, 3, 11, 9, 0)  # verified as major: 2 business days
    ticket = services.ticket_act(
        ticket=ticket,
        actor=staff.supervisor,
        action="reclassify",
        data={"classification": "critical", "note": "Whole district down."},
        now=at + dt.timedelta(minutes=20),
    ).ticket
    ticket.refresh_from_db()
    assert ticket.classification == "critical"
    assert ticket.first_response_due == at + dt.timedelta(minutes=30)
    assert ticket.resolution_due == at + dt.timedelta(hours=8)


@pytest.mark.django_db
def test_the_resolution_stage_target_is_never_later_than_the_resolution_target(staff: Staff) -> None:
    at = wib(2026, 3, 9, 9, 0)
    ticket = make_ticket(actor=staff.agent, service=service_in("jkt"), reported_at=at, now=at)
    ticket = advance(ticket, Stage.VERIFIED, staff, now=at + dt.timedelta(minutes=10))
    ticket = services.ticket_act(
        ticket=ticket,
        actor=staff.supervisor,
        action="reclassify",
        data={"classification": "critical", "note": "Backbone."},
        now=at + dt.timedelta(minutes=15),
    ).ticket
    ticket = advance(ticket, Stage.DISPATCHED, staff, now=at + dt.timedelta(minutes=20))
    ticket.refresh_from_db()
    # 3 business days would be Thursday 12th; the critical resolution target (8 hours) comes first.
    assert ticket.stage_due == ticket.resolution_due == at + dt.timedelta(hours=8)
