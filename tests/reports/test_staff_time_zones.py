"""Every staff page that shows times shows them in the viewer's own zone, each with its label: the same
data read by a WIB user and by a WIT user (two hours ahead), with the clock stopped, page by page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from console.models import StaffPreference
from escalation import services as escalation_services
from reports import services as report_services
from reports.models import CapaReport, RootCauseAnalysis
from tests.clients import client_for
from tests.reports.conftest import build
from tests.reports.helpers import wib
from tests.reports.test_report_pages import capa_action, make_capa, ticket_resolved_with
from tests.tickets.factories import RCA, ServiceFactory, make_ticket
from tests.tickets.flow import Staff
from tickets.models import Region
from tickets.services import incidents

pytestmark = pytest.mark.django_db

T0 = wib(2026, 3, 2, 9, 0)  # Monday: everything happens around here
SHOWN_AT = wib(2026, 4, 1, 10, 30)  # and is read a month later, with the March snapshot built
LABELS = r"(?:WIB|WITA|WIT|UTC(?:[+-]\d\d:\d\d)?)"
# A clock time in the text of a page: "09:00" or "09:00:05", and the word after it.
CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?![\d:])(\s*\S+)?")
TAG = re.compile(r"<[^>]*>")
# Lists that show the day only (in the viewer's zone too, but with no clock time to label).
DATES_ONLY = {"/reports/rca/", "/reports/capa/"}
CUSTOMER_TIME = re.compile(r'<span [^>]*data-testid="customer-time"[^>]*>[^<]*</span>')


def clock_times(html: str) -> list[tuple[int, int, str]]:
    """Every clock time in the page's text (markup and attributes taken out), with the label after it."""
    # The ticket page adds a deadline on the customer's clock, in the customer's zone (checked apart).
    html = CUSTOMER_TIME.sub(" ", html.split("<main", 1)[1])
    text = TAG.sub(" ", html)
    return [
        (int(hour), int(minute), (after or "").strip().rstrip(".,;)"))
        for hour, minute, after in CLOCK.findall(text)
    ]


@pytest.fixture
def pages(staff: Staff) -> list[str]:
    """One of everything that carries a time, and the staff pages that show them."""
    with time_machine.travel(T0, tick=False):
        waiting = make_ticket(actor=staff.agent, service=ServiceFactory())
        escalated = make_ticket(actor=staff.agent, service=ServiceFactory())
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        resolved = ticket_resolved_with(staff, {**RCA, "problem_statement": "Fibre cut"})
        first = escalation_services.escalation_manual(
            ticket=escalated, level=1, note="Strategic", actor=staff.supervisor, at=T0
        )
        escalation_services.escalation_manual(
            ticket=waiting, level=1, note="Call back", actor=staff.supervisor, at=T0
        )
        escalation_services.escalation_acknowledge(
            escalation_id=first.pk, actor=staff.supervisor, at=T0 + dt.timedelta(minutes=7)
        )
        incident = incidents.incident_declare(
            actor=staff.supervisor,
            title="Fibre cut in Jakarta",
            details_id="Gangguan",
            regions=[Region.objects.get(code="jkt")],
            started_at=T0 - dt.timedelta(hours=1),
            expected_restoration_at=T0 + dt.timedelta(hours=5),
        )
        incidents.incident_update_post(
            incident=incident,
            actor=staff.supervisor,
            body_id="Perbaikan berjalan",
            expected_restoration_at=T0 + dt.timedelta(hours=6),
        )
        rca = RootCauseAnalysis.objects.get(tickets=resolved)
        report = make_capa(staff, rca=rca, actions=[capa_action(staff, dt.date(2026, 3, 9), status="done")])
        report_services.capa_action_verify(action=report.actions.get(), actor=staff.supervisor, note="Stable")
        report_services.capa_close(
            report=CapaReport.objects.get(pk=report.pk), actor=staff.manager, reason="Done"
        )
        report_services.csi_campaign_create(
            name="CSI H1 2026", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 2, 28), now=T0
        )
    build(dt.date(2026, 3, 1), now=wib(2026, 4, 1, 10, 0))
    return [
        "/console/?tab=all",
        f"/console/tickets/{resolved.number}/",
        f"/console/tickets/{waiting.number}/",
        "/escalations/",
        "/escalations/?show=all",
        "/escalations/board/",
        "/console/inbox/",
        "/console/incidents/",
        f"/console/incidents/{incident.pk}/",
        "/reports/",
        "/reports/monthly/",
        "/reports/monthly/2026-03/",
        "/reports/rca/",
        f"/reports/rca/{rca.pk}/",
        "/reports/capa/",
        f"/reports/capa/{report.pk}/",
        "/reports/surveys/",
    ]


def render(user: Any, urls: list[str]) -> dict[str, str]:
    client = client_for(user)
    with time_machine.travel(SHOWN_AT, tick=False):
        responses = {url: client.get(url) for url in urls}
    assert {url: response.status_code for url, response in responses.items()} == dict.fromkeys(urls, 200)
    return {url: response.content.decode() for url, response in responses.items()}


def test_every_time_on_the_staff_pages_is_in_the_viewers_zone_with_its_label(
    staff: Staff, pages: list[str]
) -> None:
    as_wib = render(staff.supervisor, pages)
    StaffPreference.objects.create(user=staff.supervisor, time_zone="Asia/Jayapura")
    as_wit = render(staff.supervisor, pages)

    for url in pages:
        wib_times, wit_times = clock_times(as_wib[url]), clock_times(as_wit[url])
        if url in DATES_ONLY:
            assert wib_times == wit_times == [], url
            continue
        assert wib_times, f"{url} shows no time: the page is not checked"
        # Each time is followed by its zone's label, and by nothing else.
        assert [label for *_time, label in wib_times] == ["WIB"] * len(wib_times), url
        assert [label for *_time, label in wit_times] == ["WIT"] * len(wit_times), url
        # The same moments, two hours later on the WIT clock (Jayapura is UTC+9, Jakarta UTC+7).
        assert [((hour + 2) % 24, minute) for hour, minute, _label in wib_times] == [
            (hour, minute) for hour, minute, _label in wit_times
        ], url
        assert "a.m." not in as_wit[url] and "p.m." not in as_wit[url], url
        # The machine-readable moment carries the viewer's offset too.
        offsets = set(re.findall(r'<time datetime="[^"]+([+-]\d\d:\d\d)"', as_wit[url]))
        assert offsets <= {"+09:00"}, url


SPOTS = ["/escalations/", "/escalations/?show=all", "/escalations/board/", "/reports/monthly/2026-03/"]


def test_known_moments_read_the_same_on_both_clocks(staff: Staff, pages: list[str]) -> None:
    """Spot checks with exact values: the escalation raised at 09:00 WIB is 11:00 WIT; the live board's
    refresh time and the monthly snapshot's 'as of' carry the label."""
    as_wib = render(staff.supervisor, SPOTS)
    StaffPreference.objects.create(user=staff.supervisor, time_zone="Asia/Jayapura")
    as_wit = render(staff.supervisor, SPOTS)
    assert (
        '<time datetime="2026-03-02T09:00:00+07:00">2 Mar 2026, 09:00 WIB</time>' in as_wib["/escalations/"]
    )
    assert (
        '<time datetime="2026-03-02T11:00:00+09:00">2 Mar 2026, 11:00 WIT</time>' in as_wit["/escalations/"]
    )
    acknowledged = re.search(r'data-testid="acknowledged">(.*?)</span>', as_wit["/escalations/?show=all"])
    assert acknowledged
    assert TAG.sub("", acknowledged.group(1)) == f"By {staff.supervisor.username} at 2 Mar 2026, 11:07 WIT"
    assert (
        'Updated at <time datetime="2026-04-01T10:30:00+07:00">10:30:00 WIB</time>.'
        in as_wib["/escalations/board/"]
    )
    assert (
        'Updated at <time datetime="2026-04-01T12:30:00+09:00">12:30:00 WIT</time>.'
        in as_wit["/escalations/board/"]
    )
    assert "1 Apr 2026, 12:00 WIT" in as_wit["/reports/monthly/2026-03/"]
