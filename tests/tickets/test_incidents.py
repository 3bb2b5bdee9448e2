"""Mass incidents (SPEC §10): declared by supervisors and the network operations team; complaints that
match join them on arrival by every channel; updates owed once to every linked customer and subscriber;
the incident escalates once per level, not its tickets one by one; resolving it resolves its open
tickets once, with its RCA."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from escalation.models import Escalation
from helpdesk.lib.errors import Forbidden, InvalidInput, NotAllowedNow
from notifications.models import Notification
from reports.models import RootCauseAnalysis
from sla.services import sla_sweep
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets import inbound, services
from tickets.models import Incident, IncidentSubscription, Region, Stage, Ticket, TicketHistory
from tickets.services import incidents
from tickets.services.incidents import incident_resolve_batch, incident_resolve_tickets

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # Monday 08:00 WIB


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def declare(
    staff: Staff, *, regions: tuple[str, ...] = ("mks",), kinds: tuple[str, ...] = ("fiber",)
) -> Incident:
    return incidents.incident_declare(
        actor=staff.supervisor,
        title="Kabel laut putus Makassar–Balikpapan",
        details_id="Gangguan jaringan fiber di wilayah Makassar.",
        details_en="Fiber outage in the Makassar area.",
        regions=list(regions),
        service_kinds=list(kinds),
        started_at=T0 - dt.timedelta(minutes=30),
        now=T0,
    )


def service_in(code: str, kind: str = "fiber") -> Any:
    customer = CustomerFactory(region=region(code))
    return ServiceFactory(customer=customer, region=customer.region, kind=kind)


def complaint(service: Any, *, at: dt.datetime = T0, **extra: Any) -> Ticket:
    return make_ticket(service=service, now=at, reported_at=at, **extra)


# --- Declaring ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_or_the_network_operations_team_declares_an_incident_nobody_else(
    staff: Staff, make_user: Any
) -> None:
    incident = declare(staff)
    assert (incident.title, [r.code for r in incident.regions.all()], incident.service_kinds) == (
        "Kabel laut putus Makassar–Balikpapan",
        ["mks"],
        ["fiber"],
    )
    assert incident.is_open and incident.declared_by == staff.supervisor
    noc = make_user("technician", teams=[services_team("Network Operation")])
    assert (
        incidents.incident_declare(
            actor=noc, title="Backbone down", details_id="Backbone putus.", regions=["jkt"], now=T0
        ).service_kinds
        == []
    )
    billing = make_user("technician", teams=[services_team("Billing & Account")])
    for outsider in (staff.agent, staff.manager, billing):
        with pytest.raises(Forbidden):
            incidents.incident_declare(actor=outsider, title="x", details_id="x", regions=["jkt"], now=T0)
    assert Incident.objects.count() == 2


def services_team(name: str) -> Any:
    from tickets.models import Team

    return Team.objects.get(name=name)


@pytest.mark.django_db
def test_declaring_refuses_bad_input_field_by_field_and_writes_nothing(staff: Staff) -> None:
    with pytest.raises(InvalidInput) as refused:
        incidents.incident_declare(
            actor=staff.supervisor,
            title="",
            details_id="x" * 20_000,
            regions=["nowhere"],
            service_kinds=["teleport"],
            started_at=T0 + dt.timedelta(days=1),
            now=T0,
        )
    assert set(refused.value.fields) == {"title", "details_id", "regions", "service_kinds", "started_at"}
    assert Incident.objects.count() == 0


# --- Linking ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_matching_complaint_joins_the_incident_on_arrival_by_every_channel(staff: Staff) -> None:
    incident = declare(staff)
    by_phone = services.ticket_log(
        actor=staff.agent,
        customer=service_in("mks").customer,
        category="network",
        channel="phone",
        description="Internet mati",
        incident_at=T0,
        now=T0,
    )
    assert by_phone.incident_id is None  # no service named: only an all-kinds incident matches it
    with_service = service_in("mks")
    by_agent = services.ticket_log(
        actor=staff.agent,
        customer=with_service.customer,
        service=with_service,
        category="network",
        channel="phone",
        description="Internet mati",
        incident_at=T0,
        now=T0,
    )
    portal_service = service_in("mks")
    by_portal = services.ticket_file_from_portal(
        name="Dewi",
        email=portal_service.customer.email,
        phone=portal_service.customer.phone,
        category="network",
        description="Tidak ada sinyal",
        incident_at=T0,
        service_ref=portal_service.reference,
        now=T0,
    )
    assert (by_agent.incident_id, by_portal.incident_id) == (incident.pk, incident.pk)
    # Email names no service: it joins an incident that affects every kind of service in the region.
    everything = incidents.incident_declare(
        actor=staff.supervisor, title="Backbone", details_id="Backbone putus.", regions=["mks"], now=T0
    )
    customer = CustomerFactory(region=region("mks"), email="warga@contoh.co.id")
    record = inbound.email_ingest(raw_mail(customer.email), now=T0)
    assert Ticket.objects.get(pk=record.ticket_id).incident_id == everything.pk


def raw_mail(sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pengaduan@nusantaratelekomindo.co.id"
    message["Subject"] = "Internet mati"
    message["Message-ID"] = "<outage-1@contoh.co.id>"
    message.set_content("Internet di rumah mati sejak pagi.")
    return message.as_bytes()


@pytest.mark.django_db
def test_complaints_of_another_region_kind_or_a_resolved_incident_stay_apart(staff: Staff) -> None:
    incident = declare(staff)
    assert complaint(service_in("jkt")).incident_id is None
    assert complaint(service_in("mks", kind="cloud_hosting")).incident_id is None
    incident.resolved_at, incident.rca = (
        T0,
        RootCauseAnalysis.objects.create(
            problem_statement="x", category_id=1, analysis="x", temporary_fix="x", permanent_fix="x"
        ),
    )
    incident.save()
    assert complaint(service_in("mks")).incident_id is None


@pytest.mark.django_db
def test_agents_link_and_unlink_by_hand_with_a_history_row_and_refusals_change_nothing(staff: Staff) -> None:
    incident = declare(staff)
    ticket = complaint(service_in("jkt"))
    linked = services.ticket_act(
        ticket=ticket, actor=staff.agent, action="link_incident", data={"incident": incident.pk}, now=T0
    ).ticket
    assert linked.incident_id == incident.pk
    latest = TicketHistory.objects.filter(pgh_obj=ticket).order_by("-pgh_id").first()
    assert (latest.incident_id, latest.pgh_context.metadata["action"]) == (incident.pk, "link_incident")
    before = TicketHistory.objects.filter(pgh_obj=ticket).count()
    with pytest.raises(Forbidden):
        services.ticket_act(ticket=ticket, actor=staff.manager, action="unlink_incident", now=T0)
    with pytest.raises(InvalidInput):
        services.ticket_act(
            ticket=ticket, actor=staff.agent, action="link_incident", data={"incident": incident.pk}, now=T0
        )
    assert TicketHistory.objects.filter(pgh_obj=ticket).count() == before
    services.ticket_act(ticket=ticket, actor=staff.support, action="unlink_incident", now=T0)
    ticket.refresh_from_db()
    assert ticket.incident_id is None


# --- Updates ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_update_is_owed_once_to_each_linked_customer_and_subscriber_in_their_language(
    staff: Staff,
) -> None:
    incident = declare(staff)
    first, second = complaint(service_in("mks")), complaint(service_in("mks"))
    unlinked = complaint(service_in("jkt"))
    incidents.incident_subscribe(incident=incident, email="tetangga@contoh.co.id", language="en")
    # A subscriber who is also a linked customer hears it once.
    incidents.incident_subscribe(incident=incident, email=first.customer.email.upper())
    incidents.incident_subscribe(incident=incident, phone="0812 7777 8888")  # no email: nothing by email yet
    update = incidents.incident_update_post(
        incident=incident,
        actor=staff.supervisor,
        body_id="Perbaikan kabel sedang berlangsung.",
        body_en="Cable repair under way.",
        expected_restoration_at=T0 + dt.timedelta(hours=6),
        now=T0 + dt.timedelta(hours=1),
    )
    owed = Notification.objects.filter(template="incident_update")
    assert sorted(owed.values_list("email", flat=True)) == sorted(
        [first.customer.email, second.customer.email, "tetangga@contoh.co.id"]
    )
    assert unlinked.customer.email not in set(owed.values_list("email", flat=True))
    from notifications.rendering import render_notification

    english = owed.get(email="tetangga@contoh.co.id")
    subject, body = render_notification(english)
    assert subject == "Service disruption update: Kabel laut putus Makassar–Balikpapan"
    assert body.startswith("Cable repair under way.\n")
    assert "Expected restoration: 2026-03-02 15:00 WITA" in body  # 07:00 UTC, the Makassar default zone
    indonesian = owed.get(email=first.customer.email)
    assert render_notification(indonesian)[1].startswith("Perbaikan kabel sedang berlangsung.")
    # Posting nothing new owes nothing new; a second update is owed again, once.
    incidents.incident_update_post(
        incident=incident,
        actor=staff.supervisor,
        body_id="Masih dalam perbaikan.",
        now=T0 + dt.timedelta(hours=2),
    )
    assert owed.count() == 6
    assert update.incident.expected_restoration_at == T0 + dt.timedelta(hours=6)


@pytest.mark.django_db
def test_subscribing_twice_keeps_one_subscription_and_a_resolved_incident_takes_none(staff: Staff) -> None:
    incident = declare(staff)
    one = incidents.incident_subscribe(incident=incident, email="a@contoh.co.id", phone="081234567890")
    again = incidents.incident_subscribe(incident=incident, phone="+6281234567890")
    assert one.pk == again.pk and IncidentSubscription.objects.count() == 1
    with pytest.raises(InvalidInput):
        incidents.incident_subscribe(incident=incident, email="not an address")
    incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=RCA, now=T0)
    with pytest.raises(NotAllowedNow):
        incidents.incident_subscribe(incident=incident, email="b@contoh.co.id")
    assert IncidentSubscription.objects.count() == 1


# --- Escalation ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_incident_escalates_once_per_level_and_its_tickets_not_one_by_one(staff: Staff) -> None:
    incident = declare(staff)
    with time_machine.travel(T0, tick=False):
        linked = [complaint(service_in("mks")) for _ in range(3)]
        alone = complaint(service_in("jkt"))
    # Minor: first response 2 h; level 1 at the breach, level 2 four hours later (seeded rules).
    sla_sweep(now=T0 + dt.timedelta(hours=2, minutes=1))
    incident.refresh_from_db()
    assert (incident.breached_at, incident.breach_trigger, incident.breach_classification) == (
        T0 + dt.timedelta(hours=2),
        "response_breach",
        "minor",
    )
    assert list(Escalation.objects.filter(ticket__in=linked)) == []
    assert list(Escalation.objects.filter(incident=incident).values_list("level", "reason")) == [
        (1, "response_breach")
    ]
    assert Escalation.objects.filter(ticket=alone, level=1).count() == 1
    mails = Notification.objects.filter(template="incident_escalation", channel="email")
    assert list(mails.values_list("recipient_id", flat=True)) == [staff.supervisor.pk]
    assert mails.get().context["count"] == 3
    # Nobody got a warning for each linked ticket.
    assert not Notification.objects.filter(ticket__in=linked).exclude(template="ticket_received").exists()
    for ticket in linked:
        ticket.refresh_from_db()
        assert (ticket.response_sla, ticket.escalation_level) == ("breached", 0)
    sla_sweep(now=T0 + dt.timedelta(hours=2, minutes=2))
    assert Escalation.objects.filter(incident=incident).count() == 1
    sla_sweep(now=T0 + dt.timedelta(hours=6, minutes=1))
    assert sorted(Escalation.objects.filter(incident=incident).values_list("level", flat=True)) == [1, 2]
    incident.refresh_from_db()
    assert incident.escalation_level == 2


# --- Resolving ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resolving_needs_an_rca_and_a_refusal_changes_nothing(staff: Staff) -> None:
    incident = declare(staff)
    ticket = complaint(service_in("mks"))
    with pytest.raises(InvalidInput):
        incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=None, now=T0)
    with pytest.raises(Forbidden):
        incidents.incident_resolve(incident=incident, actor=staff.agent, rca=RCA, now=T0)
    incident.refresh_from_db()
    ticket.refresh_from_db()
    assert (incident.resolved_at, incident.rca_id, ticket.stage) == (None, None, Stage.RECEIVED)


@pytest.mark.django_db
def test_resolving_moves_every_linked_open_ticket_once_and_leaves_the_rest_alone(
    staff: Staff, django_capture_on_commit_callbacks: Any
) -> None:
    incident = declare(staff)
    with time_machine.travel(T0, tick=False):
        received = complaint(service_in("mks"))
        dispatched = advance(complaint(service_in("mks"), actor=staff.agent), Stage.DISPATCHED, staff, now=T0)
        paused = complaint(service_in("mks"), actor=staff.agent)
        services.ticket_act(ticket=paused, actor=staff.agent, action="pause", now=T0)
        closed = complaint(service_in("mks"), actor=staff.agent)
        services.ticket_act(
            ticket=closed,
            actor=staff.agent,
            action="close",
            data={"reason": "invalid", "note": "Spam"},
            now=T0,
        )
        neighbour = complaint(service_in("mks", kind="cloud_hosting"))
    at = T0 + dt.timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=RCA, now=at)
    # The resolution task, after commit (and the memory of open incidents forgotten: sla.config).
    assert [c.__qualname__ for c in callbacks if "incident" in c.__qualname__] == [
        "incident_resolve.<locals>.<lambda>"
    ]
    assert incident_resolve_tickets(incident_id=incident.pk, batch_size=2) == 3
    assert incident_resolve_tickets(incident_id=incident.pk, batch_size=2) == 0  # again: nothing more
    rca = Incident.objects.get(pk=incident.pk).rca
    for ticket in (received, dispatched, paused):
        ticket.refresh_from_db()
        assert (ticket.stage, ticket.rca_id, ticket.resolved_at, ticket.paused) == (
            Stage.RESOLVED,
            rca.pk,
            at,
            False,
        )
        history = TicketHistory.objects.filter(pgh_obj=ticket, stage=Stage.RESOLVED).get()
        assert history.pgh_context.metadata["action"] == "incident_resolve"
        assert history.pgh_context.metadata["incident"] == incident.pk
        assert Notification.objects.filter(ticket=ticket, template="ticket_resolved").count() == 1
    closed.refresh_from_db()
    neighbour.refresh_from_db()
    assert (closed.stage, neighbour.stage, neighbour.incident_id) == (Stage.CLOSED, Stage.RECEIVED, None)
    assert Incident.objects.get(pk=incident.pk).tickets_resolved_at is not None


@pytest.mark.django_db
def test_a_ticket_resolved_with_its_incident_has_the_clocks_of_one_resolved_by_hand(staff: Staff) -> None:
    incident = declare(staff)
    at = T0 + dt.timedelta(hours=3)
    with time_machine.travel(T0, tick=False):
        by_incident = advance(
            complaint(service_in("mks"), actor=staff.agent), Stage.DISPATCHED, staff, now=T0
        )
        by_hand = advance(complaint(service_in("mks"), actor=staff.agent), Stage.DISPATCHED, staff, now=T0)
    services.ticket_act(ticket=by_hand, actor=staff.technician, action="resolve", data={"rca": RCA}, now=at)
    incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=RCA, now=at)
    incident_resolve_batch(incident_id=incident.pk)
    columns = [
        "stage",
        "resolved_at",
        "first_resolved_at",
        "response_sla",
        "resolution_sla",
        "stage_due",
        "stage_sla",
        "paused",
        "first_response_due",
        "resolution_due",
    ]
    by_hand.refresh_from_db()
    by_incident.refresh_from_db()
    assert {c: getattr(by_incident, c) for c in columns} == {c: getattr(by_hand, c) for c in columns}


@pytest.mark.django_db
def test_an_unfinished_resolution_is_finished_by_beat(staff: Staff) -> None:
    from tickets.tasks import incidents_finish

    incident = declare(staff)
    tickets = [complaint(service_in("mks")) for _ in range(3)]
    incidents.incident_resolve(incident=incident, actor=staff.supervisor, rca=RCA, now=T0)
    assert incident_resolve_batch(incident_id=incident.pk, batch_size=1) == 1  # a worker died after one
    assert incidents.incidents_unfinished() == [incident.pk]
    assert incidents_finish() == 2
    assert incidents.incidents_unfinished() == []
    assert {t.stage for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])} == {Stage.RESOLVED}
    assert timezone.now() >= Incident.objects.get(pk=incident.pk).tickets_resolved_at
