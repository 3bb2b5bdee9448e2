"""The hand-built month of the recap tests: March 2026 (Jakarta), with the neighbouring days of February
and April that must stay out of it. Every figure the tests expect is worked out by hand in the comments
of `march` below.

Staff: the flow's one person per role, plus a technician of Billing & Account (billing and account
tickets are dispatched there)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from reports import services as report_services
from reports.models import RootCauseAnalysis
from tests.reports.helpers import act, new_ticket, verify, wib
from tests.tickets.factories import RCA, CustomerFactory, ServiceFactory, team
from tests.tickets.flow import Staff
from tickets.models import Region, Ticket

# The moment the March snapshot is built in these tests: 1 April 2026, 10:00 WIB.
AS_OF = wib(2026, 4, 1, 10, 0)


def rca(category: str) -> dict[str, str]:
    return {**RCA, "category": category}


@dataclass
class Month:
    staff: Any
    billing_technician: Any
    tickets: dict[str, Ticket]


@pytest.fixture
def staff(make_user: Any) -> Staff:
    return Staff.create(make_user)


@pytest.fixture
def march(staff: Staff, make_user: Any) -> Month:
    billing_tech = make_user("technician", teams=[team("Billing & Account")])
    network_tech = staff.technician
    agent, supervisor = staff.agent, staff.supervisor
    t: dict[str, Ticket] = {}

    # February: I stays open (backlog), J is closed in March (not backlog), L is reported in February and
    # first resolved on 1 March (its root cause counts in March; its other figures do not).
    t["I"] = new_ticket(wib(2026, 2, 27, 10), actor=agent)
    t["J"] = new_ticket(wib(2026, 2, 26, 10), actor=agent)
    act(t["J"], agent, "close", wib(2026, 3, 15, 9), reason="invalid", note="Not our service")
    t["L"] = new_ticket(wib(2026, 2, 27, 11), actor=agent)
    verify(t["L"], staff, wib(2026, 2, 27, 11, 10))
    act(t["L"], supervisor, "dispatch", wib(2026, 2, 27, 11, 20))
    act(t["L"], network_tech, "resolve", wib(2026, 3, 1, 10), rca=rca("fiber_cut"))
    # L's rating: CSAT 2, no NPS answer, given in March.
    act(t["L"], agent, "confirm", wib(2026, 3, 2, 8), csat=2)

    # A: network / phone / broadband, critical (response 30 min, resolution 8 h, 24×7).
    # Responded after 10 min (met), resolved after 120 min (met). Rated CSAT 5, NPS 10. Closed.
    a = new_ticket(wib(2026, 3, 2, 9), actor=agent, category="network", channel="phone")
    act(a, agent, "respond", wib(2026, 3, 2, 9, 10), body="We are on it.")
    verify(a, staff, wib(2026, 3, 2, 9, 20))
    act(a, supervisor, "dispatch", wib(2026, 3, 2, 9, 30))
    act(a, network_tech, "resolve", wib(2026, 3, 2, 11), rca=rca("fiber_cut"))
    act(a, agent, "confirm", wib(2026, 3, 2, 12), csat=5, nps=10)
    t["A"] = act(a, agent, "close", wib(2026, 3, 2, 12, 30))

    # B: network / email / fiber. Responded after 40 min (missed), resolved after 600 min (missed).
    # Escalated by the supervisor to level 3 at 10:50. Rated CSAT 3, NPS 6 (a detractor). Closed.
    b = new_ticket(
        wib(2026, 3, 3, 10),
        actor=agent,
        category="network",
        channel="email",
        service=ServiceFactory(kind="fiber"),
    )
    # Classified Critical first (20 min), so the 30-minute response target applies to the reply at 40.
    verify(b, staff, wib(2026, 3, 3, 10, 20))
    act(b, agent, "respond", wib(2026, 3, 3, 10, 40), body="Looking into it.")
    act(b, supervisor, "escalate", wib(2026, 3, 3, 10, 50), level=3, reason="Large customer at risk")
    act(b, supervisor, "dispatch", wib(2026, 3, 3, 11, 10))
    act(b, network_tech, "resolve", wib(2026, 3, 3, 20), rca=rca("power_failure"))
    act(b, agent, "confirm", wib(2026, 3, 3, 21), csat=3, nps=6)
    t["B"] = act(b, agent, "close", wib(2026, 3, 3, 21, 30))

    # C: billing / WhatsApp / VPN in Makassar. Responded after 20 min (met). Resolved at 12:00, rejected at
    # 13:00 (level 1 escalation, reopened), resolved again at 15:00: 420 min, before the 16:00 deadline
    # (met). Rated CSAT 4, NPS 9 (a promoter). Left confirmed, not closed (backlog).
    mks = Region.objects.get(code="mks")
    c = new_ticket(
        wib(2026, 3, 4, 8),
        actor=agent,
        category="billing",
        channel="whatsapp",
        service=ServiceFactory(kind="vpn", region=mks, customer=CustomerFactory(region=mks)),
    )
    act(c, agent, "respond", wib(2026, 3, 4, 8, 20), body="Checking your bill.")
    verify(c, staff, wib(2026, 3, 4, 8, 30))
    act(c, supervisor, "dispatch", wib(2026, 3, 4, 8, 40))
    act(c, billing_tech, "resolve", wib(2026, 3, 4, 12), rca=rca("billing_system_error"))
    act(c, agent, "reject", wib(2026, 3, 4, 13), reason="Still billed twice")
    c_rca = Ticket.objects.get(pk=c.pk).rca_id
    act(c, billing_tech, "resolve", wib(2026, 3, 4, 15), rca=c_rca)
    t["C"] = act(c, agent, "confirm", wib(2026, 3, 4, 16), csat=4, nps=9)

    # D: account / social media (public exposure: level 2 at arrival) / cloud hosting. Nobody replied;
    # fixed at 14:25 under C's RCA, before the 14:30 response deadline (response met by the fix), then
    # rejected twice (levels 1 and 2), so it is open again with its 22:00 resolution deadline long
    # passed at AS_OF (resolution missed). No resolution time (not resolved now).
    d = new_ticket(
        wib(2026, 3, 5, 14),
        actor=agent,
        category="account",
        channel="social",
        public_exposure=True,
        service=ServiceFactory(kind="cloud_hosting"),
    )
    verify(d, staff, wib(2026, 3, 5, 14, 10))
    act(d, supervisor, "dispatch", wib(2026, 3, 5, 14, 20))
    act(d, billing_tech, "resolve", wib(2026, 3, 5, 14, 25), rca=c_rca)
    act(d, agent, "reject", wib(2026, 3, 5, 15))
    act(d, billing_tech, "resolve", wib(2026, 3, 5, 16), rca=c_rca)
    t["D"] = act(d, agent, "reject", wib(2026, 3, 5, 17))

    # E: service / walk-in / no service, never classified; closed at 09:30 as a duplicate of A. Closing
    # stops both clocks before their (Minor) deadlines: response and resolution met.
    e = new_ticket(
        wib(2026, 3, 10, 9),
        actor=agent,
        category="service",
        channel="walk_in",
        service=None,
        customer=CustomerFactory(),
    )
    t["E"] = act(
        e,
        agent,
        "close",
        wib(2026, 3, 10, 9, 30),
        reason="duplicate",
        duplicate_of=t["A"].number,
        note="Same outage as A",
    )

    # K: billing / portal / broadband, never classified, closed as invalid on 1 April 09:00 (after the
    # month: backlog). Both clocks stopped long after their deadlines: missed, missed.
    k = new_ticket(wib(2026, 3, 12, 10), actor=agent, category="billing", channel="portal")
    t["K"] = act(k, agent, "close", wib(2026, 4, 1, 9), reason="invalid", note="Test message")

    # F: network / phone / broadband on Monday 30 March 20:00. Responded after 6 min (met), verified Major:
    # resolution due Wednesday 1 April 17:00 (two business days from Tuesday 08:00): still running.
    f = new_ticket(wib(2026, 3, 30, 20), actor=agent)
    act(f, agent, "respond", wib(2026, 3, 30, 20, 6), body="Noted.")
    t["F"] = verify(f, staff, wib(2026, 3, 30, 20, 10), classification="major")

    # G: reported 31 March 23:30 WIB (16:30 UTC), untouched: response due 1 April 01:30 has passed at
    # AS_OF (missed); resolution due 1 April 17:00 (running).
    t["G"] = new_ticket(wib(2026, 3, 31, 23, 30), actor=agent)

    # H: reported 1 April 00:30 WIB — still 31 March in UTC, but April in Jakarta: not in the month.
    # A level 1 escalation in April does not count either.
    t["H"] = new_ticket(wib(2026, 4, 1, 0, 30), actor=agent)
    act(t["H"], supervisor, "escalate", wib(2026, 4, 1, 1), level=1, reason="Checking April")

    # CAPA: five actions created in March, one in April (not counted).
    with time_machine.travel(wib(2026, 3, 20, 9), tick=False):
        report = report_services.capa_create(
            author=network_tech,
            title="Fiber route hardening",
            rca=RootCauseAnalysis.objects.filter(category__code="fiber_cut").first(),
            actions=[
                {
                    "kind": "corrective",
                    "description": "Splice",
                    "owner": network_tech,
                    "due": "2026-03-25",
                    "status": "done",
                },
                {
                    "kind": "corrective",
                    "description": "Reroute",
                    "owner": network_tech,
                    "due": "2026-03-28",
                    "status": "done",
                },
                {"kind": "preventive", "description": "Markers", "owner": network_tech, "due": "2026-03-30"},
                {
                    "kind": "preventive",
                    "description": "Duct",
                    "owner": network_tech,
                    "due": "2026-04-15",
                    "status": "in_progress",
                },
                {
                    "kind": "preventive",
                    "description": "Survey",
                    "owner": network_tech,
                    "due": "2026-03-10",
                    "status": "cancelled",
                },
            ],
        )
    first = report.actions.get(description="Splice")
    report_services.capa_action_verify(
        action=first, actor=staff.supervisor, note="No drop for a week", now=wib(2026, 3, 27, 9)
    )
    with time_machine.travel(wib(2026, 4, 1, 9), tick=False):
        report_services.capa_action_add(
            report=report,
            data={
                "kind": "corrective",
                "description": "April",
                "owner": network_tech.pk,
                "due": "2026-03-31",
            },
        )
    return Month(staff=staff, billing_technician=billing_tech, tickets=t)


def build(month: dt.date, *, now: dt.datetime = AS_OF, rebuild: bool = False) -> Any:
    return report_services.monthly_report_build(month=month, rebuild=rebuild, now=now)
