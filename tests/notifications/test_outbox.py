"""The outbox (notifications app): one way in for every writer, messages in the recipient's own zone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group

from helpdesk.lib.roles import Role
from notifications import outbox
from notifications import services as notification_services
from notifications.models import Notification
from notifications.rendering import render_notification
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets.models import Region, Stage

ROOT = Path(__file__).resolve().parents[2]
APPS = ("helpdesk", "tickets", "sla", "escalation", "notifications", "reports", "portal", "console")
# 09:00 WIB on a Monday: 10:00 WITA, 11:00 WIT.
T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


def customer_in(region_code: str) -> Any:
    customer = CustomerFactory(region=Region.objects.get(code=region_code))
    return ServiceFactory(customer=customer, region=customer.region)


def received(ticket: Any) -> Notification:
    return Notification.objects.get(ticket=ticket, template="ticket_received")


def test_every_writer_goes_through_one_outbox_insert() -> None:
    """`grep` finds one INSERT into the outbox in the code: the builder the sweeps and services share."""
    pattern = re.compile(r"INSERT\s+INTO\s+" + re.escape(outbox.TABLE), re.IGNORECASE)
    found = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text())
    ]
    assert found == ["notifications/outbox.py"]
    assert len(pattern.findall((ROOT / "notifications" / "outbox.py").read_text())) == 1
    assert Notification._meta.db_table == outbox.TABLE
    # Nor does any app write the rows through the ORM.
    orm = re.compile(
        r"(?<!class )\bNotification(\.objects\.(create|bulk_create|get_or_create|update_or_create)|\()"
    )
    assert [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and orm.search(path.read_text())
    ] == []


def test_the_digest_size_is_defined_once() -> None:
    definitions = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"^DIGEST_LIST\s*=", path.read_text(), re.MULTILINE)
    ]
    assert definitions == ["notifications/outbox.py"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "zone", "respond_by"),
    [
        # A Minor ticket's first response is due 2 hours (24x7) after the report.
        ("jkt", "Asia/Jakarta", "2026-03-02 11:00 WIB"),
        ("mks", "Asia/Makassar", "2026-03-02 12:00 WITA"),
        ("jyp", "Asia/Jayapura", "2026-03-02 13:00 WIT"),
    ],
)
def test_a_customer_reads_the_deadline_in_their_own_zone(region: str, zone: str, respond_by: str) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(service=customer_in(region), now=T0)
    notification = received(ticket)
    assert (ticket.time_zone, notification.time_zone) == (zone, zone)
    _subject, body = render_notification(notification)  # customers read Indonesian (the portal's)
    assert f"Kami akan menghubungi Anda paling lambat {respond_by}." in body


@pytest.mark.django_db
def test_a_wit_customer_is_asked_to_confirm_the_fix_by_a_time_in_wit(make_user: Any) -> None:
    staff = Staff.create(make_user)
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent, service=customer_in("jyp"), now=T0)
        ticket = advance(ticket, Stage.RESOLVED, staff, now=T0)
    notification = Notification.objects.get(ticket=ticket, template="ticket_resolved")
    assert notification.context["confirm_by"] == (T0 + dt.timedelta(hours=24)).isoformat()
    _subject, body = render_notification(notification)
    # 24 hours after the fix at 11:00 WIT.
    assert "Mohon jawab paling lambat 2026-03-03 11:00 WIT." in body


@pytest.mark.django_db
def test_a_customer_whose_region_is_unknown_reads_jakarta_time() -> None:
    customer = CustomerFactory(region=None)
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(customer=customer, now=T0)
    assert ticket.time_zone == "Asia/Jakarta"
    assert "2026-03-02 11:00 WIB" in render_notification(received(ticket))[1]


@pytest.mark.django_db
def test_staff_are_owed_once_per_person_and_channel_and_inactive_people_not_at_all(make_user: Any) -> None:
    active, gone = make_user("supervisor"), make_user("supervisor", is_active=False)
    for _ in range(2):  # owed twice: written once
        notification_services.notify_staff(
            users=[active, gone], template="sla_warning", ticket=None, context={}, dedupe_key="k:1"
        )
    rows = Notification.objects.filter(dedupe_key__startswith="k:1:")
    assert sorted(rows.values_list("recipient_id", "channel", "dedupe_key")) == [
        (active.pk, "email", f"k:1:{active.pk}:email"),
        (active.pk, "inbox", f"k:1:{active.pk}:inbox"),
    ]
    inbox = rows.get(channel="inbox")
    assert (inbox.sent_at is not None, rows.get(channel="email").sent_at) == (True, None)
    assert (inbox.language, inbox.time_zone) == ("id", "Asia/Jakarta")


@pytest.mark.django_db
def test_the_sweeps_owe_staff_in_the_same_language_and_zone_as_the_services(make_user: Any) -> None:
    """A warning the SLA watcher owes and one a service owes read alike (the decision is made once,
    in notifications.outbox)."""
    from sla.services import sla_sweep

    agent = make_user("agent")
    Group.objects.get(name=Role.SUPERVISOR.value)
    with time_machine.travel(T0, tick=False):
        make_ticket(actor=agent, now=T0)
    sla_sweep(now=T0 + dt.timedelta(hours=3))
    swept = Notification.objects.filter(recipient=agent, template="sla_warning", channel="inbox").first()
    assert swept is not None
    assert (swept.language, swept.time_zone) == ("id", "Asia/Jakarta")
