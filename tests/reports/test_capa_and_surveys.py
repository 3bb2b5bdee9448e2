"""CAPA actions (done is not verified; overdue owners reminded once a day) and CSI survey campaigns
(who is invited, answering once, results)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from helpdesk.lib.errors import InvalidInput, NotAllowedNow, NotFound
from notifications.models import Notification
from notifications.rendering import render_notification
from reports import selectors, services
from reports.models import CapaAction, SurveyCampaign, SurveyInvitation
from tests.reports.helpers import act, new_ticket, wib
from tests.tickets.factories import CustomerFactory, ServiceFactory
from tests.tickets.flow import Staff, advance
from tickets.models import Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def capa(staff: Staff, *actions: dict[str, Any]) -> Any:
    return services.capa_create(author=staff.technician, title="Power", actions=list(actions))


def action(staff: Staff, due: str, status: str = "open", description: str = "Fix") -> dict[str, Any]:
    return {
        "kind": "corrective",
        "description": description,
        "owner": staff.technician,
        "due": due,
        "status": status,
    }


def test_a_done_action_is_not_verified_until_someone_checks_it(staff: Staff) -> None:
    report = capa(staff, action(staff, "2026-11-30"))
    item = report.actions.get()
    with pytest.raises(NotAllowedNow) as refused:
        services.capa_action_verify(action=item, actor=staff.manager, note="works")
    assert refused.value.code == "capa_action_not_done"
    item.refresh_from_db()
    assert (item.verified, item.verified_at, item.verification_note) == (False, None, "")

    done_at = wib(2026, 11, 20, 9)
    item = services.capa_action_update(action=item, data={"status": "done"}, now=done_at)
    assert (item.status, item.completed_at, item.verified) == ("done", done_at, False)
    assert list(selectors.capa_actions_awaiting_verification()) == [item]

    checked_at = wib(2026, 11, 27, 9)
    item = services.capa_action_verify(
        action=item, actor=staff.manager, note="No trips in a week", now=checked_at
    )
    assert (item.verified, item.verified_by, item.verified_at) == (True, staff.manager, checked_at)
    assert list(selectors.capa_actions_awaiting_verification()) == []
    with pytest.raises(NotAllowedNow):
        services.capa_action_update(action=item, data={"status": "open"})
    assert CapaAction.objects.get(pk=item.pk).status == "done"


def test_overdue_owners_are_reminded_once_per_action_per_day(staff: Staff) -> None:
    capa(
        staff,
        action(staff, "2026-11-19", description="Overdue"),
        action(staff, "2026-11-18", "in_progress", description="Also overdue"),
        action(staff, "2026-11-20", description="Due today"),
        action(staff, "2026-11-01", "done", description="Done"),
        action(staff, "2026-11-01", "cancelled", description="Cancelled"),
    )
    morning = wib(2026, 11, 20, 8)
    assert services.capa_remind_overdue(now=morning) == 2
    assert services.capa_remind_overdue(now=wib(2026, 11, 20, 16)) == 0
    sent = Notification.objects.filter(template="capa_action_overdue")
    # Two actions × (email + inbox), all to the owner.
    assert sent.count() == 4
    assert set(sent.values_list("recipient", flat=True)) == {staff.technician.pk}
    assert sorted(sent.filter(channel="email").values_list("context__description", flat=True)) == [
        "Also overdue",
        "Overdue",
    ]
    subject, body = render_notification(sent.filter(channel="email").first())
    assert "Power" in subject
    assert "2026-11-1" in body

    # The next day (Jakarta): the two again, plus the one that was due on the 20th.
    assert services.capa_remind_overdue(now=wib(2026, 11, 21, 8)) == 3
    assert sent.count() == 10
    assert set(CapaAction.objects.filter(status="open").values_list("last_reminded_on", flat=True)) == {
        dt.date(2026, 11, 21)
    }


def _closed_ticket(staff: Staff, at: dt.datetime, **kwargs: Any) -> Any:
    with time_machine.travel(at, tick=False):
        return advance(new_ticket(at, actor=staff.agent, **kwargs), Stage.CLOSED, staff, now=at)


def test_csi_campaign_invites_customers_with_tickets_closed_in_the_period_once(staff: Staff) -> None:
    first = _closed_ticket(staff, wib(2026, 7, 10, 9))
    second = _closed_ticket(staff, wib(2026, 9, 1, 9))
    _closed_ticket(
        staff, wib(2026, 9, 2, 9), service=ServiceFactory(customer=first.customer)
    )  # same customer
    _closed_ticket(staff, wib(2026, 6, 30, 9))  # closed before the period
    duplicate = new_ticket(wib(2026, 8, 1, 9), actor=staff.agent)
    act(
        duplicate,
        staff.agent,
        "close",
        wib(2026, 8, 1, 10),
        reason="duplicate",
        duplicate_of=first.number,
        note="d",
    )
    phone_only = CustomerFactory(email="")
    _closed_ticket(staff, wib(2026, 8, 2, 9), service=ServiceFactory(customer=phone_only))  # nobody to email

    now = wib(2027, 1, 1, 9)
    campaign = services.csi_campaign_create(
        name="CSI H2 2026", period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31), now=now
    )
    invitations = SurveyInvitation.objects.filter(campaign=campaign)
    assert set(invitations.values_list("customer", flat=True)) == {first.customer_id, second.customer_id}
    assert all(invitation.sent_at == now for invitation in invitations)
    emails = Notification.objects.filter(template="csi_invitation")
    assert sorted(emails.values_list("email", flat=True)) == sorted(
        [first.customer.email, second.customer.email]
    )
    _subject, body = render_notification(emails.first())
    token = invitations.get(email=emails.first().email).token
    assert f"/api/portal/surveys/{token}/" in body

    with pytest.raises(NotAllowedNow):
        services.csi_campaign_create(
            name="Again", period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31), now=now
        )
    assert SurveyCampaign.objects.count() == 1


def test_csi_answer_is_recorded_once_and_results_give_response_rate_and_mean(staff: Staff, api: Any) -> None:
    first = _closed_ticket(staff, wib(2026, 7, 10, 9))
    second = _closed_ticket(staff, wib(2026, 8, 10, 9))
    now = wib(2027, 1, 1, 9)
    campaign = services.csi_campaign_create(
        name="CSI", period_start=dt.date(2026, 7, 1), period_end=dt.date(2026, 12, 31), now=now
    )
    token = SurveyInvitation.objects.get(customer=first.customer).token
    scores = {"overall": 5, "speed": 4, "quality": 4, "communication": 3}

    with pytest.raises(InvalidInput) as invalid:
        services.csi_answer(token=token, scores={**scores, "speed": 6}, now=now)
    assert set(invalid.value.fields) == {"speed"}
    answered = services.csi_answer(token=token, scores=scores, comment="Good", now=now + dt.timedelta(days=1))
    assert (answered.score_overall, answered.score_communication, answered.comment) == (5, 3, "Good")
    with pytest.raises(NotAllowedNow) as again:
        services.csi_answer(token=token, scores={k: 1 for k in scores}, now=now + dt.timedelta(days=2))
    assert again.value.code == "already_answered"
    assert SurveyInvitation.objects.get(token=token).score_overall == 5
    with pytest.raises(NotFound):
        services.csi_answer(token="nope", scores=scores, now=now)

    # The list of campaigns reads the counts each campaign keeps: a refused answer counted nothing.
    listed = selectors.csi_campaign_list().get(pk=campaign.pk)
    assert (listed.invited, listed.answered) == (2, 1)  # type: ignore[attr-defined]

    results = selectors.csi_results(campaign)
    # One of two answered; its CSI is (5 + 4 + 4 + 3) / 4 = 4.0.
    assert {k: results[k] for k in ("invited", "answered", "response_rate_pct", "csi_mean")} == {
        "invited": 2,
        "answered": 1,
        "response_rate_pct": 50.0,
        "csi_mean": 4.0,
    }
    assert results["questions"] == {"overall": 5.0, "speed": 4.0, "quality": 4.0, "communication": 3.0}

    # The customer's side through the public API: a closed survey refuses the answer.
    other = SurveyInvitation.objects.get(customer=second.customer).token
    assert api().get(f"/api/portal/surveys/{other}/").json()["answered"] is False
    with time_machine.travel(campaign.closes_at + dt.timedelta(minutes=1)):
        late = api().post(f"/api/portal/surveys/{other}/", {"scores": scores}, format="json")
    assert late.status_code == 409
    assert late.json()["code"] == "survey_closed"
    with time_machine.travel(now + dt.timedelta(days=3)):
        ok = api().post(f"/api/portal/surveys/{other}/", {"scores": scores}, format="json")
    assert ok.status_code == 204
    assert selectors.csi_results(campaign)["response_rate_pct"] == 100.0
    assert api(staff.analyst).get(f"/api/surveys/{campaign.pk}/results/").json()["answered"] == 2
    listed = selectors.csi_campaign_list().get(pk=campaign.pk)
    assert (listed.invited, listed.answered) == (2, 2)  # type: ignore[attr-defined]
