"""Every escalation path of SPEC §7 apart from the clock (tests/sla/test_sweep.py covers that):
dissatisfaction through the portal, the manual director path, public exposure on arrival, the queue
API and acknowledgement, and editable rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Escalation, EscalationRule
from notifications import services as notification_services
from notifications.models import Notification
from notifications.rendering import render_notification
from sla.services import sla_sweep
from tests.tickets.factories import ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets.models import Stage, Ticket


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def raised(ticket: Ticket) -> list[tuple[int, str]]:
    return list(Escalation.objects.filter(ticket=ticket).order_by("id").values_list("level", "reason"))


def inbox_of(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, channel="inbox")
        .order_by("id")
        .values_list("template", flat=True)
    )


@pytest.mark.django_db
def test_first_portal_rejection_goes_to_the_supervisor_second_to_the_manager(staff: Staff, api: Any) -> None:
    ticket = advance(make_ticket(actor=staff.agent, service=ServiceFactory()), Stage.RESOLVED, staff)
    contact = ticket.customer.email

    response = api(None).post(
        f"/api/portal/tickets/{ticket.number}/reject/",
        {"contact": contact, "reason": "Still no signal."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.stage == Stage.DISPATCHED
    assert ticket.rejection_count == 1
    assert raised(ticket) == [(1, "dissatisfaction")]
    assert ticket.escalation_level == 1
    assert inbox_of(staff.supervisor) == ["escalation_raised"]
    assert inbox_of(staff.manager) == []

    ticket = advance(ticket, Stage.RESOLVED, staff)
    response = api(None).post(
        f"/api/portal/tickets/{ticket.number}/reject/",
        {"contact": contact, "reason": "Again."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.rejection_count == 2
    assert raised(ticket) == [(1, "dissatisfaction"), (2, "dissatisfaction")]
    assert ticket.escalation_level == 2
    assert inbox_of(staff.manager) == ["escalation_raised"]


@pytest.mark.django_db
def test_an_agent_or_supervisor_can_send_a_strategic_case_to_the_director(
    staff: Staff, api: Any, make_user: Any
) -> None:
    director = staff.director
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    response = api(staff.agent).post(
        f"/api/tickets/{ticket.number}/escalate/",
        {"level": 3, "reason": "Bank headquarters: losses if not fixed today."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["escalation_level"] == 3
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.level, escalation.reason, escalation.raised_by) == (3, "manual", staff.agent)
    assert escalation.note == "Bank headquarters: losses if not fixed today."
    assert list(escalation.notified.all()) == [director]
    assert inbox_of(director) == ["escalation_raised"]

    # The same level and reason again is refused and changes nothing.
    again = api(staff.supervisor).post(
        f"/api/tickets/{ticket.number}/escalate/", {"level": 3, "reason": "Again"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_escalated"
    assert Escalation.objects.filter(ticket=ticket).count() == 1

    # A supervisor may do it too; a technician may not.
    other = make_ticket(actor=staff.agent, service=ServiceFactory())
    assert (
        api(staff.supervisor)
        .post(f"/api/tickets/{other.number}/escalate/", {"level": 3, "reason": "Strategic"}, format="json")
        .status_code
        == 200
    )
    assert api(staff.technician).post(
        f"/api/tickets/{other.number}/escalate/", {"level": 2, "reason": "x"}, format="json"
    ).status_code in (403, 404)


@pytest.mark.django_db
def test_who_was_notified_is_shown_read_only_in_the_admin_and_goes_with_its_escalation(
    staff: Staff, admin_client: Any
) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory())
    escalation_services.escalation_manual(
        ticket=ticket, level=2, note="Bank HQ", actor=staff.supervisor, at=timezone.now()
    )
    escalation = Escalation.objects.get(ticket=ticket)
    assert list(escalation.notified.all()) == [staff.manager]

    page = admin_client.get(f"/admin/escalation/escalation/{escalation.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert staff.manager.username in html or staff.manager.get_full_name() in html
    assert 'name="notified"' not in html  # a record, not an editable list

    # PostgreSQL does not check these rows' keys (EscalationNotified); Django's on_delete does.
    through = Escalation.notified.through
    assert through.objects.filter(escalation_id=escalation.pk).count() == 1
    escalation.delete()
    assert through.objects.filter(escalation_id=escalation.pk).count() == 0


@pytest.mark.django_db
def test_a_public_complaint_notifies_the_manager_on_arrival(staff: Staff) -> None:
    ticket = make_ticket(actor=staff.agent, service=ServiceFactory(), channel="social", public_exposure=True)
    assert raised(ticket) == [(2, "public_exposure")]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert inbox_of(staff.manager) == ["escalation_raised"]
    emails = Notification.objects.filter(recipient=staff.manager, channel="email")
    assert emails.count() == 1
    assert emails.get().email == staff.manager.email
    quiet = make_ticket(actor=staff.agent, service=ServiceFactory(), channel="phone")
    assert raised(quiet) == []


@pytest.mark.django_db
def test_the_queue_api_filters_and_acknowledges_once(staff: Staff, api: Any) -> None:
    first = make_ticket(actor=staff.agent, service=ServiceFactory(), public_exposure=True)
    second = make_ticket(actor=staff.agent, service=ServiceFactory())
    escalation_services.escalation_manual(
        ticket=second, level=1, note="Check", actor=staff.agent, at=timezone.now()
    )

    body = api(staff.supervisor).get("/api/escalations/", {"level": 1}).json()
    assert [(row["ticket"], row["level"], row["reason"]) for row in body["results"]] == [
        (second.number, 1, "manual")
    ]
    body = api(staff.manager).get("/api/escalations/", {"reason": "public_exposure"}).json()
    assert [row["ticket"] for row in body["results"]] == [first.number]
    assert body["results"][0]["notified"] == [staff.manager.username]

    level_one = Escalation.objects.get(ticket=second)
    refused = api(staff.agent).post(f"/api/escalations/{level_one.pk}/acknowledge/")
    assert refused.status_code == 403
    assert set(refused.json()) == {"code", "message", "fields"}
    done = api(staff.supervisor).post(f"/api/escalations/{level_one.pk}/acknowledge/")
    assert done.status_code == 200
    assert done.json()["acknowledged"] is True
    assert done.json()["acknowledged_by"] == staff.supervisor.username
    again = api(staff.supervisor).post(f"/api/escalations/{level_one.pk}/acknowledge/")
    assert again.status_code == 409
    level_one.refresh_from_db()
    assert level_one.acknowledged_by == staff.supervisor

    waiting = api(staff.manager).get("/api/escalations/", {"acknowledged": "false"}).json()
    assert [row["ticket"] for row in waiting["results"]] == [first.number]
    handled = api(staff.manager).get("/api/escalations/", {"acknowledged": "true"}).json()
    assert [row["ticket"] for row in handled["results"]] == [second.number]
    assert api(None).get("/api/escalations/").status_code in (401, 403)


@pytest.mark.django_db
def test_rules_are_data_an_edited_delay_takes_effect(staff: Staff) -> None:
    t0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    ticket = make_ticket(
        actor=staff.agent, service=ServiceFactory(), classification="major", reported_at=t0, now=t0
    )
    EscalationRule.objects.filter(classification="major", trigger="response_breach", level=2).update(
        delay_minutes=10
    )
    sla_sweep(now=t0 + dt.timedelta(hours=1, minutes=9))
    assert raised(ticket) == [(1, "response_breach")]
    sla_sweep(now=t0 + dt.timedelta(hours=1, minutes=10))
    assert raised(ticket) == [(1, "response_breach"), (2, "response_breach")]
    EscalationRule.objects.filter(classification="major", trigger="response_breach", level=3).delete()
    sla_sweep(now=t0 + dt.timedelta(days=3))
    assert (3, "response_breach") not in raised(ticket)


@pytest.mark.django_db
def test_escalation_email_is_sent_once_and_rendered_in_the_recipients_language(staff: Staff) -> None:
    make_ticket(actor=staff.agent, service=ServiceFactory(), public_exposure=True)
    note = Notification.objects.get(recipient=staff.manager, channel="email")
    assert notification_services.notification_deliver(notification_id=note.pk) is True
    assert notification_services.notification_deliver(notification_id=note.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff.manager.email]
    note.refresh_from_db()
    assert note.sent_at is not None
    note.language = "en"
    subject, body = render_notification(note)
    assert note.context["number"] in subject
    assert "level 2" in body
