"""`manage.py monthly_report` and the Celery tasks, called directly and twice (idempotent)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from notifications.models import Notification
from reports import services, tasks
from reports.models import MonthlyReport, SurveyCampaign
from tests.reports.helpers import new_ticket, wib
from tests.tickets.flow import Staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def test_command_builds_then_rebuilds_the_month(staff: Staff) -> None:
    new_ticket(wib(2026, 3, 10, 9), actor=staff.agent)
    out = StringIO()
    with time_machine.travel(wib(2026, 4, 2, 9), tick=False):
        call_command("monthly_report", "2026-03", stdout=out)
    assert "2026-03: 1 tickets" in out.getvalue()
    first = MonthlyReport.objects.get(month=dt.date(2026, 3, 1))
    new_ticket(wib(2026, 3, 11, 9), actor=staff.agent, now=wib(2026, 4, 3, 9))
    with time_machine.travel(wib(2026, 4, 3, 10), tick=False):
        call_command("monthly_report", "2026-03", stdout=StringIO())
    again = MonthlyReport.objects.get(month=dt.date(2026, 3, 1))
    assert again.data["tickets_reported"] == 2
    assert again.built_at > first.built_at


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "is not a month; write it as YYYY-MM"),
        ("March", "is not a month; write it as YYYY-MM"),
        ("2026-04", "2026-04 has not ended yet"),
        ("2099-01", "2099-01 has not ended yet"),
    ],
)
def test_command_refuses_a_bad_or_unfinished_month(db: None, month: str, message: str) -> None:
    with time_machine.travel(wib(2026, 4, 20, 9), tick=False), pytest.raises(CommandError, match=message):
        call_command("monthly_report", month, stdout=StringIO())
    assert not MonthlyReport.objects.exists()


def test_monthly_task_builds_the_month_just_ended_and_mails_management_once(
    staff: Staff, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_user("manager", email="")  # no address: not mailed
    new_ticket(wib(2026, 3, 31, 23, 59), actor=staff.agent)
    # 1 April 01:00 in Jakarta is still 31 March in UTC: the month just ended is March.
    with time_machine.travel(wib(2026, 4, 1, 1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.monthly_report_previous_month() == "2026-03"
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.monthly_report_previous_month() == "2026-03"
    assert MonthlyReport.objects.count() == 1
    report = MonthlyReport.objects.get()
    assert report.data["tickets_reported"] == 1
    assert report.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([staff.manager.email, staff.director.email, staff.analyst.email])
    assert "2026-03" in message.subject
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("monthly-report-2026-03.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")


def test_monthly_task_does_not_rebuild_an_existing_snapshot(staff: Staff) -> None:
    existing, _ = services.monthly_report_build(month=dt.date(2026, 3, 1), now=wib(2026, 4, 1, 0, 30))
    new_ticket(wib(2026, 3, 15, 9), actor=staff.agent, now=wib(2026, 4, 1, 0, 45))
    with time_machine.travel(wib(2026, 4, 1, 1), tick=False):
        tasks.monthly_report_previous_month()
    assert MonthlyReport.objects.get().data == existing.data


def test_capa_reminder_task_twice_reminds_once(staff: Staff) -> None:
    services.capa_create(
        author=staff.technician,
        title="T",
        actions=[{"kind": "preventive", "description": "x", "owner": staff.technician, "due": "2026-11-01"}],
    )
    with time_machine.travel(wib(2026, 11, 5, 8), tick=False):
        assert tasks.capa_remind_overdue() == 1
        assert tasks.capa_remind_overdue() == 0
    assert Notification.objects.filter(template="capa_action_overdue").count() == 2


def test_half_year_csi_task_starts_one_campaign_per_half_year(db: None) -> None:
    with time_machine.travel(wib(2027, 1, 1, 2), tick=False):
        first = tasks.csi_campaign_half_year()
        assert tasks.csi_campaign_half_year() is None
    campaign = SurveyCampaign.objects.get()
    assert campaign.pk == first
    assert (campaign.period_start, campaign.period_end) == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
