"""The ticket page's "How was this deadline reached?" (console.views.ticket_deadline): per clock, the
target, the region's calendar and zone, the days counted and skipped by name, the pauses and the
deadline the badge shows, worked out by hand; the same permissions as the ticket page; a fixed number
of queries; the Indonesian words."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sla.models import PublicHoliday, StageTarget
from tests.clients import client_for
from tests.tickets.factories import CustomerFactory, ServiceFactory, make_ticket
from tests.tickets.flow import Staff, advance
from tickets import services
from tickets.models import Region, Stage, Ticket

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC) - dt.timedelta(hours=7)


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def jakarta_ticket(staff: Staff, reported: dt.datetime, **extra: Any) -> Ticket:
    region = Region.objects.get(code="jkt")
    service = ServiceFactory(customer=CustomerFactory(region=region), region=region)
    return make_ticket(
        actor=staff.agent,
        service=service,
        classification="minor",
        reported_at=reported,
        now=reported,
        **extra,
    )


def text_of(html: str) -> str:
    return re.sub(r" ([,.:;])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


def rows_of(html: str) -> list[str]:
    return [text_of(row) for row in re.findall(r'<tr class="deadline-day.*?</tr>', html, flags=re.S)]


def fragment(client: Client, ticket: Ticket, clock: str) -> Any:
    return client.get(f"/console/tickets/{ticket.number}/deadlines/{clock}/", HTTP_HX_REQUEST="true")


def test_the_seeded_holidays_the_cases_below_stand_on() -> None:
    assert list(
        PublicHoliday.objects.filter(date__range=(dt.date(2026, 12, 24), dt.date(2026, 12, 25))).values_list(
            "date", "name", "category"
        )
    ) == [
        (dt.date(2026, 12, 24), "Christmas Joint Holiday", "government"),
        (dt.date(2026, 12, 25), "Christmas Day", "public"),
    ]


def test_the_resolution_deadline_across_cuti_bersama_christmas_and_a_weekend(staff: Staff) -> None:
    # Minor: 1 business day. Wednesday 16:00: 1 h; Thursday cuti bersama, Friday Christmas, the weekend;
    # 8 h on Monday: due Monday 28 December 16:00 WIB.
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))
    assert ticket.resolution_due == wib(2026, 12, 28, 16, 0)
    response = fragment(client_for(staff.supervisor), ticket, "resolution")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the fragment alone
    assert text_of(re.search(r'data-testid="target">(.*?)</dd>', html).group(1)) == (
        "1 business day (a business day is 9 h of working time: 9 h in all)"
    )
    calendar = text_of(re.search(r'data-testid="calendar">(.*?)</dd>', html).group(1))
    assert calendar.startswith("Asia/Jakarta (WIB)") or "Asia/Jakarta (WIB)" in calendar
    assert "Working hours: Mon–Fri 08:00–17:00" in calendar
    assert rows_of(html) == [
        "Wed 23 Dec 2026 working hours counted 16:00–17:00 1 h 1 h",
        "Thu 24 Dec 2026 skipped cuti bersama: Christmas Joint Holiday — — 1 h",
        "Fri 25 Dec 2026 skipped public holiday: Christmas Day — — 1 h",
        "Sat 26 Dec 2026 weekend: skipped — — 1 h",
        "Sun 27 Dec 2026 weekend: skipped — — 1 h",
        "Mon 28 Dec 2026 working hours counted 08:00–16:00 8 h 9 h",
    ]
    assert re.search(r'data-testid="explained-deadline">([^<]*)<', html).group(1) == "2026-12-28 16:00 WIB"
    assert 'datetime="2026-12-28T09:00:00+00:00"' in html
    assert "stored deadline" not in html


def test_the_explanation_of_the_response_clock_runs_around_the_clock_and_names_the_holiday(
    staff: Staff,
) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 24, 23, 0))  # minor: 2 h, 24x7
    html = fragment(client_for(staff.supervisor), ticket, "response").content.decode()
    assert "2 hours, around the clock" in html
    assert "24×7: every hour counts, nights, weekends and holidays included" in html
    assert rows_of(html) == [
        "Thu 24 Dec 2026 working hours counted cuti bersama: Christmas Joint Holiday 23:00–24:00 1 h 1 h",
        "Fri 25 Dec 2026 working hours counted public holiday: Christmas Day 00:00–01:00 1 h 2 h",
    ]
    assert "2026-12-25 01:00 WIB" in html


def test_a_pause_is_shown_with_what_it_held_and_where_it_moved_the_deadline(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 22, 9, 0))  # due Wednesday 23rd 09:00
    services.ticket_act(
        ticket=ticket, actor=staff.agent, action="pause", data={}, now=wib(2026, 12, 22, 15, 0)
    )
    services.ticket_act(
        ticket=ticket, actor=staff.agent, action="resume", data={}, now=wib(2026, 12, 23, 10, 0)
    )
    ticket.refresh_from_db()
    # 3 business hours left at Tuesday 15:00, counted again from Wednesday 10:00: due 13:00.
    assert ticket.resolution_due == wib(2026, 12, 23, 13, 0)
    html = fragment(client_for(staff.supervisor), ticket, "resolution").content.decode()
    pauses = text_of(re.search(r'data-testid="pauses">(.*?)</ul>', html, flags=re.S).group(1))
    assert pauses == (
        "Paused from 2026-12-22 15:00 WIB to 2026-12-23 10:00 WIB: 4 h of working time fell in the pause"
        " and was not counted; the 3 h left when it began were counted again from the resumption, moving the"
        " deadline from 2026-12-23 09:00 WIB to 2026-12-23 13:00 WIB."
    )
    assert rows_of(html) == [
        "Tue 22 Dec 2026 working hours counted 09:00–15:00, 15:00–17:00 paused 6 h 2 h paused 6 h",
        "Wed 23 Dec 2026 working hours counted 08:00–10:00 paused, 10:00–13:00 3 h 2 h paused 9 h",
    ]
    assert "Deadline: 2026-12-23 13:00 WIB" in text_of(html)


def test_a_stored_deadline_that_no_longer_follows_from_the_settings_is_pointed_out(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))
    PublicHoliday.objects.filter(date=dt.date(2026, 12, 24)).delete()  # the government cancels it
    html = fragment(client_for(staff.supervisor), ticket, "resolution").content.decode()
    assert "Deadline: 2026-12-24 16:00 WIB" in text_of(html)
    assert "The ticket's stored deadline is 2026-12-28 16:00 WIB" in text_of(html)


def test_the_stage_clock_is_explained_from_the_stage_entry_the_history_recorded(staff: Staff) -> None:
    # Timed from the history row of the stage, written by the database at the transition: a ticket
    # logged now (the other tests' tickets are logged "at" moments the database's clock never saw).
    ticket = advance(jakarta_ticket(staff, timezone.now()), Stage.VERIFIED, staff)
    target = StageTarget.objects.get(stage=Stage.DISPATCHED)
    html = fragment(client_for(staff.supervisor), ticket, "stage").content.decode()
    assert text_of(re.search(r'data-testid="target">(.*?)</dd>', html).group(1)) == (
        f"{target.amount} hours, around the clock"
    )
    assert "Stage entered" in html
    explained = re.search(r'datetime="([^"]+)" data-testid="explained-deadline"', html).group(1)
    assert abs(dt.datetime.fromisoformat(explained) - ticket.stage_due) < dt.timedelta(seconds=1)
    assert "stored deadline" not in html


def test_the_ticket_page_offers_one_closed_explanation_per_clock_loaded_on_opening(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))
    html = client_for(staff.supervisor).get(f"/console/tickets/{ticket.number}/").content.decode()
    assert re.findall(r'<details class="deadline-explanation" data-clock="(\w+)" hx-get="([^"]+)"', html) == [
        ("response", f"/console/tickets/{ticket.number}/deadlines/response/"),
        ("resolution", f"/console/tickets/{ticket.number}/deadlines/resolution/"),
        ("stage", f"/console/tickets/{ticket.number}/deadlines/stage/"),
    ]
    assert 'hx-trigger="toggle once"' in html
    assert "Christmas Day" not in html  # nothing is computed until it is opened


def test_without_javascript_the_explanation_is_a_page_of_its_own(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))
    response = client_for(staff.supervisor).get(f"/console/tickets/{ticket.number}/deadlines/resolution/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "How was this deadline reached? (Resolution)" in html
    assert "public holiday: Christmas Day" in html


def test_whoever_may_not_see_the_ticket_gets_nothing(staff: Staff, make_user: Any, client: Client) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))  # with Customer Care: not the technician's
    url = f"/console/tickets/{ticket.number}/deadlines/resolution/"
    response = client_for(staff.technician).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "Christmas" not in response.content.decode()
    assert client_for(make_user()).get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert (
        client_for(staff.supervisor).get(f"/console/tickets/{ticket.number}/deadlines/nonsense/").status_code
        == 404
    )
    assert (
        client_for(staff.supervisor).get("/console/tickets/XXXX-0000/deadlines/resolution/").status_code
        == 404
    )
    assert client_for(staff.supervisor).post(url).status_code == 405


def test_a_clock_without_a_deadline_says_so(staff: Staff) -> None:
    ticket = advance(jakarta_ticket(staff, wib(2026, 12, 23, 16, 0)), Stage.CLOSED, staff)
    html = fragment(client_for(staff.supervisor), ticket, "stage").content.decode()
    assert "This clock has no deadline." in html


@pytest.mark.parametrize("pauses", [1, 6])
def test_the_explanation_runs_the_same_queries_however_many_pauses(
    staff: Staff, pauses: int, django_assert_num_queries: Any
) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 21, 9, 0))
    for index in range(pauses):
        at = wib(2026, 12, 21, 9, 10) + dt.timedelta(minutes=10 * index)
        services.ticket_act(ticket=ticket, actor=staff.agent, action="pause", data={}, now=at)
        services.ticket_act(
            ticket=ticket, actor=staff.agent, action="resume", data={}, now=at + dt.timedelta(minutes=5)
        )
    client = client_for(staff.supervisor)
    for clock in ("response", "resolution", "stage"):
        fragment(client, ticket, clock)
        # session, user, roles, the ticket, its pauses (+ its history row for the stage clock), and the
        # navigation's unread count (the context processor runs for fragments too)
        with django_assert_num_queries(7 if clock == "stage" else 6):
            assert fragment(client, ticket, clock).status_code == 200


def test_the_explanation_in_indonesian(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 23, 16, 0))
    html = fragment(client_for(staff.supervisor, "id"), ticket, "resolution").content.decode()
    for words in (
        "jam kerja dihitung",
        "cuti bersama: Christmas Joint Holiday",  # the holiday's name as stored
        "hari libur nasional: Christmas Day",
        "akhir pekan: dilewati",
        "Tenggat",
        "Rab 23 Des 2026",
    ):
        assert words in html, words


def test_a_ticket_waiting_for_the_customer_shows_the_clock_stopped_with_what_was_left(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 22, 9, 0))  # due Wednesday 23rd 09:00
    services.ticket_act(
        ticket=ticket, actor=staff.agent, action="pause", data={}, now=wib(2026, 12, 22, 15, 0)
    )
    html = fragment(client_for(staff.supervisor), ticket, "resolution").content.decode()
    pauses = text_of(re.search(r'data-testid="pauses">(.*?)</ul>', html, flags=re.S).group(1))
    assert pauses == (
        "Paused since 2026-12-22 15:00 WIB: the clock is stopped; 3 h were left when it began, and the"
        " deadline moves on when the ticket is resumed."
    )
    assert "Deadline: 2026-12-23 09:00 WIB" in text_of(html)


def test_a_stopped_clock_says_when_it_stopped_and_how_it_ended(staff: Staff) -> None:
    ticket = jakarta_ticket(staff, wib(2026, 12, 22, 9, 0))  # first response due 11:00 (2 h, 24x7)
    services.ticket_act(
        ticket=ticket,
        actor=staff.agent,
        action="respond",
        data={"body": "We are on it.", "channel": "phone"},
        now=wib(2026, 12, 22, 10, 30),
    )
    html = fragment(client_for(staff.supervisor), ticket, "response").content.decode()
    assert "First response at 2026-12-22 10:30 WIB: Met." in text_of(html)
    assert "Deadline: 2026-12-22 11:00 WIB" in text_of(html)


def test_a_long_elapsed_target_is_shown_in_runs_of_days() -> None:
    from console.deadlines import present
    from sla import clock
    from sla.selectors import ClockExplanation

    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    start = wib(2026, 12, 23, 10, 0)
    explanation = clock.explain_deadline(
        start, clock.Target(60, clock.TargetUnit.BUSINESS_DAYS), clock.TwentyFourSeven(), zone=jakarta
    )
    shown = present(
        ClockExplanation(
            "resolution", explanation, explanation.deadline, True, False, "", None, "ok", "Asia/Jakarta"
        )
    )
    assert shown["target"] == "60 business days (1440 h around the clock)"
    assert [(day.date, day.spans, day.counted, day.total) for day in shown["days"]] == [
        ("Wed 23 Dec 2026", [{"text": "10:00–24:00", "is_paused": False}], "14 h", "14 h"),
        (
            "Thu 24 Dec 2026 – Sat 20 Feb 2027 (59 days)",
            [{"text": "00:00–24:00", "is_paused": False}],
            "1416 h",
            "1430 h",
        ),
        ("Sun 21 Feb 2027", [{"text": "00:00–10:00", "is_paused": False}], "10 h", "1440 h"),
    ]
    assert shown["deadline"].text == "2027-02-21 10:00 WIB"
