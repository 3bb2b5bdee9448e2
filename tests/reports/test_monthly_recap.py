"""The monthly recap's figures, compared one by one with the values worked out by hand for the month
built in conftest.py (March 2026, Jakarta time), and the snapshot's immutability."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from reports.models import MonthlyReport
from tests.reports.conftest import AS_OF, build
from tests.reports.helpers import act, new_ticket, wib

MARCH = dt.date(2026, 3, 1)
pytestmark = pytest.mark.django_db


def counts(data: dict[str, Any], dimension: str) -> dict[str, int]:
    return {row["key"]: row["count"] for row in data["counts"][dimension]}


def test_counts_by_dimension_cover_exactly_the_tickets_reported_in_the_jakarta_month(march: Any) -> None:
    report, built = build(MARCH)
    data = report.data
    assert built is True
    # A, B, C, D, E, F, G, K. Not H (1 April 00:30 WIB, though 31 March in UTC), not I/J/L (February).
    assert data["tickets_reported"] == 8
    assert data["period"] == {"start": "2026-03-01T00:00:00+07:00", "end": "2026-04-01T00:00:00+07:00"}
    assert counts(data, "category") == {"network": 4, "billing": 2, "account": 1, "service": 1}
    assert counts(data, "classification") == {"critical": 4, "major": 1, "": 3, "minor": 0}
    assert counts(data, "service_kind") == {
        "broadband": 4,
        "fiber": 1,
        "vpn": 1,
        "cloud_hosting": 1,
        "": 1,
        "dedicated_internet": 0,
        "tower": 0,
        "wireless": 0,
        "unified_communications": 0,
        "iot": 0,
    }
    assert counts(data, "channel") == {
        "phone": 3,
        "email": 1,
        "whatsapp": 1,
        "social": 1,
        "walk_in": 1,
        "portal": 1,
        "sms": 0,
    }
    assert counts(data, "region") == {"jkt": 7, "mks": 1}
    assert {row["key"]: row["name"] for row in data["counts"]["region"]} == {
        "jkt": "Jakarta",
        "mks": "Makassar",
    }
    assert counts(data, "team") == {"Customer Care": 4, "Network Operation": 2, "Billing & Account": 2}
    # Most first, then by key.
    assert [row["key"] for row in data["counts"]["category"]] == ["network", "billing", "account", "service"]


def test_sla_compliance_counts_running_clocks_past_their_deadline_as_missed(march: Any) -> None:
    data = build(MARCH)[0].data
    # Response: met A (10 min), C (20), D (fixed before the deadline), E (closed early), F (6);
    # missed B (40 min), K (closed weeks late), G (still unanswered, due 1 April 01:30 < AS_OF).
    assert data["sla"]["response"] == {"met": 5, "missed": 3, "running": 0, "compliance_pct": 62.5}
    # Resolution: met A, C (second fix before 16:00), E; missed B, K, and D (reopened, due long passed);
    # F and G still within their deadline (1 April 17:00): not judged.
    assert data["sla"]["resolution"] == {"met": 3, "missed": 3, "running": 2, "compliance_pct": 50.0}
    assert data["as_of"] == AS_OF.isoformat()


def test_response_and_resolution_times_have_mean_median_and_p90_in_minutes(march: Any) -> None:
    data = build(MARCH)[0].data
    # First responses after 6, 10, 20 and 40 minutes (F, A, C, B): mean 19, median (10+20)/2 = 15,
    # p90 at position 0.9×3 = 2.7: 20 + 0.7×(40−20) = 34.
    assert data["times"]["response"] == {
        "count": 4,
        "mean_minutes": 19.0,
        "median_minutes": 15.0,
        "p90_minutes": 34.0,
    }
    # Resolved now: A 120, C 420 (08:00 → second fix 15:00), B 600. Mean 380, median 420,
    # p90 at position 0.9×2 = 1.8: 420 + 0.8×(600−420) = 564. D is reopened: left out.
    assert data["times"]["resolution"] == {
        "count": 3,
        "mean_minutes": 380.0,
        "median_minutes": 420.0,
        "p90_minutes": 564.0,
    }


def test_escalations_reopen_rate_backlog_and_root_causes(march: Any) -> None:
    data = build(MARCH)[0].data
    # Raised in March: B manual L3; C dissatisfaction L1; D public exposure L2, dissatisfaction L1 and L2.
    # H's level 1 on 1 April is not March.
    assert data["escalations"] == {
        "by_level": {"1": 2, "2": 2, "3": 1},
        "by_reason": {"manual": 1, "dissatisfaction": 3, "public_exposure": 1},
        "total": 5,
    }
    # Resolved at least once: A, B, C, D; reopened by the customer: C, D.
    assert data["reopen"] == {"resolved": 4, "reopened": 2, "rate_pct": 50.0}
    # Not closed at 1 April 00:00 WIB: I, L (February), C, D, F, G, and K (closed on 1 April).
    assert data["backlog"] == {"at_month_end": 7}
    # First resolved in March: L and A (fiber cut, two RCAs), C and D (one shared billing RCA), B.
    assert data["root_causes"] == [
        {"code": "billing_system_error", "name": "Billing system error", "tickets": 2, "analyses": 1},
        {"code": "fiber_cut", "name": "Fiber cut", "tickets": 2, "analyses": 2},
        {"code": "power_failure", "name": "Power failure", "tickets": 1, "analyses": 1},
    ]


def test_capa_status_and_satisfaction(march: Any) -> None:
    data = build(MARCH)[0].data
    # Five actions created in March (the April one is not counted): done ×2 (one verified), open (due
    # 30 March: overdue at AS_OF), in progress (due 15 April), cancelled (due 10 March, not overdue).
    assert data["capa"] == {
        "by_status": {"open": 1, "in_progress": 1, "done": 2, "cancelled": 1},
        "total": 5,
        "overdue": 1,
        "done_unverified": 1,
        "verified": 1,
    }
    # Ratings given in March: L (CSAT 2, no NPS), A (5, 10), B (3, 6), C (4, 9).
    # CSAT (2+5+3+4)/4 = 3.5; NPS over 3 answers: promoters A, C; detractor B: (2−1)/3 = 33.3 < 40.
    assert data["satisfaction"] == {
        "ratings": 4,
        "csat_mean": 3.5,
        "nps_responses": 3,
        "promoters": 2,
        "passives": 0,
        "detractors": 1,
        "nps": 33.3,
        "nps_target": 40,
        "nps_target_met": False,
    }


def test_trend_reads_the_previous_months_from_their_snapshots(march: Any) -> None:
    february, _ = build(dt.date(2026, 2, 1))
    assert february.data["tickets_reported"] == 3  # I, J, L
    data = build(MARCH)[0].data
    assert [row["month"] for row in data["trend"]] == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    assert [row["present"] for row in data["trend"]] == [False, False, False, False, True]
    assert data["trend"][-1] == {**february.data["headline"], "present": True}
    assert data["headline"] == {
        "month": "2026-03",
        "tickets_reported": 8,
        "response_compliance_pct": 62.5,
        "resolution_compliance_pct": 50.0,
        "resolution_median_minutes": 420.0,
        "escalations": 5,
        "reopen_rate_pct": 50.0,
        "backlog_at_month_end": 7,
        "csat_mean": 3.5,
        "nps": 33.3,
    }


def test_a_snapshot_does_not_change_when_its_tickets_change_until_it_is_rebuilt(march: Any) -> None:
    report, _ = build(MARCH)
    frozen = MonthlyReport.objects.get(pk=report.pk)
    # A late-logged March complaint, and G is finally answered.
    later = wib(2026, 4, 2, 9)
    new_ticket(wib(2026, 3, 31, 12), actor=march.staff.agent, now=later)
    act(march.tickets["G"], march.staff.agent, "respond", later, body="Sorry for the wait.")

    _unchanged, built = build(MARCH, now=later + dt.timedelta(hours=1))
    assert built is False
    stored = MonthlyReport.objects.get(pk=report.pk)
    assert (stored.data, stored.built_at) == (frozen.data, frozen.built_at)
    assert stored.data["tickets_reported"] == 8

    rebuilt, built = build(MARCH, now=later + dt.timedelta(hours=1), rebuild=True)
    assert built is True
    assert rebuilt.data["tickets_reported"] == 9
    assert rebuilt.data["counts"]["category"][0] == {"key": "network", "count": 5}
    assert MonthlyReport.objects.filter(month=MARCH).count() == 1


def test_a_month_that_has_not_ended_is_refused(db: None) -> None:
    from helpdesk.lib.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        build(dt.date(2026, 4, 1), now=wib(2026, 4, 30, 23, 59))
    assert refused.value.code == "month_not_over"
    assert not MonthlyReport.objects.exists()
