"""A member of staff's display zone (console.preferences): the My settings page, its default from the
team's region, refused values that change nothing; the SLA badge's words with the clock frozen; times
typed on the incident forms read in the stated zone and shown back in the viewer's; no added queries."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.template import Context, Template
from django.test import Client
from django.utils import dateformat, timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from console.models import StaffPreference
from console.queue_rows import queue_rows
from console.templatetags.console import badge_wording, lateness_label
from helpdesk.lib import zones
from tests.clients import client_for
from tests.tickets.factories import ServiceFactory, make_ticket, team
from tests.tickets.flow import Staff
from tests.tickets.test_console_pages import SUPERVISOR_QUEUE_QUERIES, TICKET_QUERIES
from tickets import selectors, services
from tickets.models import Incident, Region

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
WITA = zoneinfo.ZoneInfo("Asia/Makassar")
WIT = zoneinfo.ZoneInfo("Asia/Jayapura")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=WIB)  # Monday


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


def zone_in_force(client: Client) -> str:
    page = client.get("/console/settings/").content.decode()
    found = re.search(r'data-testid="zone-in-force">Times on the desk\'s pages are shown in ([^.]+)\.', page)
    assert found
    return found.group(1)


# --- The settings page -------------------------------------------------------------------------------


def test_the_header_links_to_my_settings_and_the_default_is_the_head_offices(staff: Staff) -> None:
    client = client_for(staff.agent)
    page = client.get("/console/").content.decode()
    assert '<a class="dropdown-item" href="/console/settings/" data-testid="my-settings">' in page
    assert zone_in_force(client) == "WIB (Asia/Jakarta)"
    settings_page = client.get("/console/settings/").content.decode()
    assert '<option value="" selected>Automatic: WIB (Asia/Jakarta) (your team' in settings_page


def test_the_default_is_the_teams_region_when_the_team_has_one(staff: Staff, make_user: Any) -> None:
    care = team("Customer Care")
    care.region = Region.objects.get(code="mks")
    care.save()
    client = client_for(make_user("agent", teams=[care]))
    assert zone_in_force(client) == "WITA (Asia/Makassar)"
    # A team without a region gives the head office's zone.
    assert zone_in_force(client_for(make_user("technician", teams=[team("Billing & Account")]))) == (
        "WIB (Asia/Jakarta)"
    )
    # The ticket page reads in WITA (its "reported" time: 09:00 WIB is 10:00 WITA).
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent)
    page = client_for(staff.supervisor).get(f"/console/tickets/{ticket.number}/").content.decode()
    assert '<time datetime="2026-03-02T09:00:00+07:00">2 Mar 2026, 09:00 WIB</time>' in page
    page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert '<time datetime="2026-03-02T10:00:00+08:00">2 Mar 2026, 10:00 WITA</time>' in page


def test_changing_the_zone_is_kept_and_applies_at_once_and_can_go_back_to_automatic(staff: Staff) -> None:
    client = client_for(staff.agent)
    response = client.post("/console/settings/", {"time_zone": "Asia/Jayapura"}, follow=True)
    assert response.redirect_chain == [("/console/settings/", 302)]
    assert "Times are now shown in WIT (Asia/Jayapura)." in response.content.decode()
    assert StaffPreference.objects.get(user=staff.agent).time_zone == "Asia/Jayapura"
    assert client.session[zones.SESSION_KEY] == "Asia/Jayapura"
    assert zone_in_force(client) == "WIT (Asia/Jayapura)"
    # A new sign-in finds the choice again.
    assert zone_in_force(client_for(staff.agent)) == "WIT (Asia/Jayapura)"
    assert client.post("/console/settings/", {"time_zone": ""}).status_code == 302
    assert StaffPreference.objects.get(user=staff.agent).time_zone == ""
    assert zone_in_force(client) == "WIB (Asia/Jakarta)"


@pytest.mark.parametrize("value", ["Europe/Paris", "Not/AZone", "x" * 300])
def test_a_zone_not_on_offer_is_refused_with_a_clear_error_and_changes_nothing(
    staff: Staff, value: str
) -> None:
    client = client_for(staff.agent)
    client.post("/console/settings/", {"time_zone": "Asia/Makassar"})
    response = client.post("/console/settings/", {"time_zone": value})
    assert response.status_code == 400
    errors = response.context["form"].errors["time_zone"]
    assert errors == [f"{value} is not one of the time zones on offer: choose one from the list."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert StaffPreference.objects.get(user=staff.agent).time_zone == "Asia/Makassar"
    assert client.session[zones.SESSION_KEY] == "Asia/Makassar"


def test_the_choices_are_the_operators_three_zones_and_any_region_zone(staff: Staff) -> None:
    Region.objects.create(code="sin", name="Singapore POP", timezone="Asia/Singapore")
    form = client_for(staff.agent).get("/console/settings/").context["form"]
    assert [value for value, _label in form.fields["time_zone"].choices] == [
        "",
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
        "Asia/Singapore",
    ]
    response = client_for(staff.agent).post("/console/settings/", {"time_zone": "Asia/Singapore"})
    assert response.status_code == 302
    # A zone with no Indonesian name is labelled by its offset ("+08" is no abbreviation).
    assert zones.moment_text(T0, "short", zoneinfo.ZoneInfo("Asia/Singapore")) == "02 Mar 10:00 UTC+08:00"


def test_people_without_a_staff_role_get_403_and_nothing_is_written(make_user: Any) -> None:
    customer_like = make_user()
    client = client_for(customer_like)
    assert client.get("/console/settings/").status_code == 403
    assert client.post("/console/settings/", {"time_zone": "Asia/Jayapura"}).status_code == 403
    assert not StaffPreference.objects.exists()
    assert Client().get("/console/settings/").status_code == 302


def test_a_session_from_before_the_setting_gets_its_zone_once(staff: Staff) -> None:
    StaffPreference.objects.create(user=staff.agent, time_zone="Asia/Jayapura")
    client = client_for(staff.agent)
    session = client.session
    del session[zones.SESSION_KEY]
    session.save()
    assert zone_in_force(client) == "WIT (Asia/Jayapura)"
    assert client.session[zones.SESSION_KEY] == "Asia/Jayapura"


# --- No added queries -----------------------------------------------------------------------------------


def test_a_wit_viewer_pays_the_same_queries_as_before(staff: Staff, django_assert_num_queries: Any) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent)
    StaffPreference.objects.create(user=staff.supervisor, time_zone="Asia/Jayapura")
    client = client_for(staff.supervisor)
    client.get("/console/")  # warm the configuration memo, as the pinned tests do
    with django_assert_num_queries(SUPERVISOR_QUEUE_QUERIES):
        assert client.get("/console/").status_code == 200
    client.get(f"/console/tickets/{ticket.number}/")
    with django_assert_num_queries(TICKET_QUERIES):
        page = client.get(f"/console/tickets/{ticket.number}/").content.decode()
    assert "WIT</time>" in page


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31), timezones=st.just(dt.UTC)
    ),
    form=st.sampled_from(sorted(zones.FORMS)),
    zone_name=st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC", "Asia/Kathmandu"]),
    language=st.sampled_from(["en", "id"]),
)
@settings(max_examples=300, deadline=None)
def test_a_moment_reads_as_djangos_date_format_would_print_it(
    moment: dt.datetime, form: str, zone_name: str, language: str
) -> None:
    """moment_text prints each form without django.utils.dateformat (for speed); what it prints is
    what that would, month names in the page's language included."""
    tz = zoneinfo.ZoneInfo(zone_name)
    with translation.override(language):
        expected = (
            f"{dateformat.format(moment.astimezone(tz), zones.FORMS[form])} {zones.zone_label(moment, tz)}"
        )
        assert zones.moment_text(moment, form, tz) == expected
        # An SLA badge's deadline, short and long at once, prints the same.
        assert zones.moment_texts(moment, (form, "long"), tz) == (
            expected,
            zones.moment_text(moment, "long", tz),
        )


def test_the_month_follows_the_pages_language() -> None:
    moment = dt.datetime(2026, 8, 17, 3, 5, tzinfo=dt.UTC)
    with translation.override("id"):
        assert zones.moment_text(moment, "long", WIB) == "17 Agu 2026, 10:05 WIB"
    with translation.override("en"):
        assert zones.moment_text(moment, "short", WIT) == "17 Aug 12:05 WIT"


# --- The SLA badge's words ------------------------------------------------------------------------------


def badge(ticket: Any, clock: str = "response", **context: Any) -> str:
    return Template("{% load console %}{% sla_badge ticket clock %}").render(
        Context({"ticket": ticket, "clock": clock, **context})
    )


def stand_in(**fields: Any) -> SimpleNamespace:
    base = {
        "response_sla": "ok",
        "first_response_due": T0 + dt.timedelta(hours=2),
        "first_response_risk_at": T0 + dt.timedelta(hours=1, minutes=30),
        "first_responded_at": None,
        "paused": False,
        "time_zone": "Asia/Jakarta",
    }
    return SimpleNamespace(**{**base, **fields})


def test_the_badge_says_due_met_at_missed_by_and_paused() -> None:
    with timezone.override(WIB), translation.override("en"), time_machine.travel(T0, tick=False):
        running = badge(stand_in())
        late = badge(stand_in(response_sla="breached"), now=T0 + dt.timedelta(days=2, hours=6))
        met = badge(stand_in(response_sla="met", first_responded_at=T0 + dt.timedelta(minutes=33)))
        missed = badge(stand_in(response_sla="missed", first_responded_at=T0 + dt.timedelta(hours=5)))
        paused = badge(stand_in(paused=True))
    assert (
        '<span class="sla-state">On time</span> · <span class="sla-time">due 02 Mar 11:00 WIB</span>'
        in running
    )
    assert 'data-due="2026-03-02T04:00:00+00:00" data-risk-at="2026-03-02T03:30:00+00:00"' in running
    assert 'data-due-label="02 Mar 11:00 WIB" title="First response due: 2 Mar 2026, 11:00 WIB"' in running
    # Still running two days and four hours past its deadline (the request's now).
    assert '<span class="sla-state">Breached</span> · <span class="sla-time">missed by 2 d 4 h</span>' in late
    # Met: the time of the reply, not the deadline.
    assert '<span class="sla-state">Met</span> · <span class="sla-time">met at 02 Mar 09:33 WIB</span>' in met
    # Stopped late: the reply at 14:00 against 11:00.
    assert '<span class="sla-state">Missed</span> · <span class="sla-time">missed by 3 h</span>' in missed
    assert 'data-state="paused"' in paused
    assert '<span class="sla-state">paused</span></span>' in paused


def test_the_badge_follows_the_viewers_zone_and_speaks_indonesian() -> None:
    with timezone.override(WIT), translation.override("id"), time_machine.travel(T0, tick=False):
        running = badge(stand_in())
        met = badge(stand_in(response_sla="met", first_responded_at=T0 + dt.timedelta(minutes=33)))
        missed = badge(stand_in(response_sla="missed", first_responded_at=T0 + dt.timedelta(hours=5)))
    assert '<span class="sla-time">tenggat 02 Mar 13:00 WIT</span>' in running
    assert '<span class="sla-time">terpenuhi pukul 02 Mar 11:33 WIT</span>' in met
    assert '<span class="sla-time">terlambat 3 jam</span>' in missed


@pytest.mark.parametrize(
    ("late", "english", "indonesian"),
    [
        (dt.timedelta(hours=3), "3 h", "3 jam"),
        (dt.timedelta(days=2, hours=4, minutes=10), "2 d 4 h", "2 hari 4 jam"),
        (dt.timedelta(hours=1, minutes=20), "1 h 20 min", "1 jam 20 menit"),
        (dt.timedelta(minutes=25), "25 min", "25 menit"),
        (dt.timedelta(seconds=20), "0 min", "0 menit"),
        (dt.timedelta(days=1), "1 d", "1 hari"),
    ],
)
def test_lateness_is_said_in_days_hours_and_minutes(
    late: dt.timedelta, english: str, indonesian: str
) -> None:
    with translation.override("en"):
        assert lateness_label(late) == english
    with translation.override("id"):
        assert lateness_label(late) == indonesian


def test_a_queue_rows_words_follow_the_language_of_each_page(staff: Staff) -> None:
    """The rows' labels and badges are translated once per language (console.queue_rows, badge_words,
    ChoiceLabels, the month names): a page in one language after a page in the other speaks its own."""
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent)
    row_ticket = selectors.row_tickets(viewer=staff.agent, now=T0).get(pk=ticket.pk)
    seen = {}
    for language in ("en", "id", "en", "id"):
        with timezone.override(WIB), translation.override(language):
            (row,) = queue_rows([row_ticket], now=T0)
            seen.setdefault(language, set()).add(
                (row.stage, row.category, row.response_badge, row.updated_title)
            )
    assert all(len(rows) == 1 for rows in seen.values())  # the same words each time
    (english,), (indonesian,) = seen["en"], seen["id"]
    assert english[:2] == ("Received", "Network") and indonesian[:2] == ("Diterima", "Jaringan")
    assert "due 02 Mar" in english[2] and "On time" in english[2] and "First response due" in english[2]
    assert "tenggat 02 Mar" in indonesian[2] and "Tenggat respons awal" in indonesian[2]
    assert english[3] == "2 Mar 2026, 09:00 WIB" == indonesian[3]


def test_a_met_clock_with_no_recorded_stop_says_met() -> None:
    with translation.override("en"):
        assert badge_wording(state="met", due=T0, stopped_at=None, now=T0) == ("Met", "met")


def test_the_ticket_page_badges_tell_met_at_from_the_real_reply(staff: Staff) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent)
    with time_machine.travel(T0 + dt.timedelta(minutes=33), tick=False):
        services.ticket_act(ticket=ticket, actor=staff.agent, action="respond", data={"body": "On it"})
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        page = client_for(staff.agent).get(f"/console/tickets/{ticket.number}/").content.decode()
    assert '<span class="sla-time">met at 02 Mar 09:33 WIB</span>' in page


def test_the_ticket_page_shows_each_running_deadline_on_the_customers_clock_too(staff: Staff) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(actor=staff.agent, service=ServiceFactory(region=Region.objects.get(code="mks")))
    assert ticket.time_zone == "Asia/Makassar"
    due = ticket.first_response_due.astimezone(WIB)
    with time_machine.travel(T0, tick=False):
        page = client_for(staff.agent).get(f"/console/tickets/{ticket.number}/").content.decode()
        as_wita = client_for(staff.supervisor)
        as_wita.post("/console/settings/", {"time_zone": "Asia/Makassar"})
        page_wita = as_wita.get(f"/console/tickets/{ticket.number}/").content.decode()
    expected = f"({due.astimezone(WITA):%H:%M} WITA, customer&#x27;s time)"
    assert f'<span class="sla-time">due {due:%d %b %H:%M} WIB</span></span> <span' in page
    assert expected in page
    # A viewer already on the customer's clock is not told twice.
    assert 'data-testid="customer-time"' not in page_wita


# --- Typed times -------------------------------------------------------------------------------------------


def declare(client: Client, started: str) -> Incident:
    response = client.post(
        "/console/incidents/new/",
        {
            "title": "Backbone down",
            "details_id": "Gangguan.",
            "regions": [str(Region.objects.get(code="jkt").pk)],
            "started_at": started,
            "expected_restoration_at": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Incident.objects.get(title="Backbone down")


def test_a_time_typed_as_01_00_wib_is_shown_as_01_00_wib_not_6_pm(staff: Staff) -> None:
    client = client_for(staff.supervisor)
    form_page = client.get("/console/incidents/new/").content.decode()
    assert "Started (WIB (Asia/Jakarta); empty: now)" in form_page
    with time_machine.travel(T0, tick=False):
        incident = declare(client, "2026-03-02T01:00")
    assert incident.started_at == dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)
    page = client.get(f"/console/incidents/{incident.pk}/").content.decode()
    assert '<time datetime="2026-03-02T01:00:00+07:00">2 Mar 2026, 01:00 WIB</time>' in page
    assert "6 p.m." not in page and "18:00" not in page


def test_a_wit_viewer_types_and_reads_on_the_wit_clock(staff: Staff) -> None:
    StaffPreference.objects.create(user=staff.supervisor, time_zone="Asia/Jayapura")
    client = client_for(staff.supervisor)
    assert (
        "Started (WIT (Asia/Jayapura); empty: now)" in client.get("/console/incidents/new/").content.decode()
    )
    with time_machine.travel(T0, tick=False):
        incident = declare(client, "2026-03-02T01:00")
    assert incident.started_at == dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)
    url = f"/console/incidents/{incident.pk}/restoration/"
    assert client.post(url, {"restoration-expected_restoration_at": "2026-03-02T10:30"}).status_code == 302
    incident.refresh_from_db()
    assert incident.expected_restoration_at == dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    page = client.get(f"/console/incidents/{incident.pk}/").content.decode()
    # Shown back on the clock it was typed on, so sending the form unchanged keeps it.
    assert 'name="restoration-expected_restoration_at" value="2026-03-02T10:30"' in page
    assert "Expected restoration (WIT (Asia/Jayapura); empty: not known)" in page
    assert '<time datetime="2026-03-02T10:30:00+09:00">2 Mar 2026, 10:30 WIT</time>' in page
    # The head office reads the same moments on its own clock.
    wib_page = client_for(staff.manager).get(f"/console/incidents/{incident.pk}/").content.decode()
    assert "2 Mar 2026, 08:30 WIB" in wib_page and "1 Mar 2026, 23:00 WIB" in wib_page


def test_the_incident_time_of_a_new_complaint_is_read_in_the_customers_zone_and_shown_in_the_viewers(
    staff: Staff,
) -> None:
    service = ServiceFactory(region=Region.objects.get(code="amb"))
    client = client_for(staff.agent)
    lookup = client.get("/console/customers/lookup/", {"q": service.reference}).content.decode()
    assert 'data-zone-hint="Read as local time in WIT (Asia/Jayapura)."' in lookup
    response = client.post(
        "/console/tickets/new/",
        {
            "channel": "phone",
            "customer": service.customer.pk,
            "service": service.pk,
            "tier": "regular",
            "category": "network",
            "description": "No signal since this morning.",
            "incident_at": "2026-01-05T10:30",
            "public_exposure": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # 10:30 in Ambon (WIT) is 08:30 in Jakarta, where this agent reads.
    assert '<time datetime="2026-01-05T08:30:00+07:00">5 Jan 2026, 08:30 WIB</time>' in page
    client.post("/console/settings/", {"time_zone": "Asia/Jayapura"})
    page = client.get(response["Location"]).content.decode()
    assert '<time datetime="2026-01-05T10:30:00+09:00">5 Jan 2026, 10:30 WIT</time>' in page
