"""The figures of the monthly recap (SPEC §9), computed by set-based SQL: aggregates and GROUP BY queries
in PostgreSQL, never a Python loop over tickets. `recap_figures` is called only by
`reports.services.monthly_report_build`, which stores its result as the month's unchanging snapshot.

Conventions that hold for every figure below:
- The month runs from 00:00 on its first day to 00:00 on the first day of the next month, Asia/Jakarta
  (the operator's head office), whatever the region of a ticket.
- "Tickets of the month" are the tickets *reported* in the month (`Ticket.reported_at`), whatever became of
  them later: duplicate and invalid complaints included (SPEC §5 keeps them in the reports).
- Facts that are states rather than events (an SLA clock still running, a CAPA action's status) are taken
  as they stand at `as_of`, the moment the snapshot is built; `as_of` is stored in the snapshot.
- Percentages have one decimal; a percentage or mean over nothing is null (shown as "—"), never 0.
- Times are elapsed wall-clock minutes (pauses and nights included), one decimal.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from escalation.models import Escalation
from helpdesk.lib import zones
from helpdesk.lib.errors import InvalidInput
from reports.models import CAPA_PENDING_STATUSES, CapaAction, CapaStatus, MonthlyReport, SatisfactionRating
from sla.selectors import clock_state_q
from tickets.models import (
    Category,
    Channel,
    Classification,
    Incident,
    Region,
    ServiceKind,
    SlaState,
    Ticket,
)

REPORT_TIME_ZONE = zones.zone(zones.head_office_zone_name())
# 2: `sla_by_classification` added. Snapshots of version 1 lack it and still render (the section says so).
SCHEMA_VERSION = 2
NPS_TARGET = 40
TREND_MONTHS = 5
TOP_ROOT_CAUSES = 10
# The month's incidents listed one by one in the recap (a month with more says how many in all).
INCIDENTS_LISTED = 50


# --- Months ---------------------------------------------------------------------------------------------


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after `month` (negative: before)."""
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month in Asia/Jakarta, as aware datetimes."""
    following = add_months(month, 1)
    start = dt.datetime(month.year, month.month, 1, tzinfo=REPORT_TIME_ZONE)
    end = dt.datetime(following.year, following.month, 1, tzinfo=REPORT_TIME_ZONE)
    return start, end


def month_key(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


# --- Small helpers ---------------------------------------------------------------------------------------


def _number(value: Decimal | float | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part * 100 / whole, 1)


def _counts(
    queryset: QuerySet[Ticket], expression: Any, known: list[str] | None = None
) -> list[dict[str, Any]]:
    """Tickets per value of `expression`, most first. With `known` (a choice list) every choice appears,
    with 0 if no ticket has it, so months can be compared side by side; a missing value is key ""."""
    rows = queryset.values(key=expression).annotate(count=Count("id")).order_by()
    found = {row["key"] or "": row["count"] for row in rows}
    for key in known or []:
        found.setdefault(key, 0)
    return [
        {"key": key, "count": count} for key, count in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


# --- The figures -----------------------------------------------------------------------------------------


def counts_by_dimension(tickets: QuerySet[Ticket]) -> dict[str, list[dict[str, Any]]]:
    """Tickets of the month by category, classification ("" = never classified, e.g. closed as a
    duplicate at stage 1), service kind ("" = no service given), channel, region (the service's region,
    else the customer's; "" = neither) and team (the team holding the ticket now; "" = none)."""
    text = CharField()
    regions = _counts(
        tickets, Coalesce("service__region__code", "customer__region__code", Value(""), output_field=text)
    )
    names = dict(Region.objects.filter(code__in=[row["key"] for row in regions]).values_list("code", "name"))
    for row in regions:
        row["name"] = names.get(row["key"], "")
    return {
        "category": _counts(tickets, F("category"), list(Category.values)),
        "classification": _counts(tickets, F("classification"), list(Classification.values)),
        "service_kind": _counts(
            tickets, Coalesce("service__kind", Value(""), output_field=text), list(ServiceKind.values)
        ),
        "channel": _counts(tickets, F("channel"), list(Channel.values)),
        "region": regions,
        "team": _counts(tickets, Coalesce("team__name", Value(""), output_field=text)),
    }


def sla_compliance(tickets: QuerySet[Ticket], as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """SLA compliance of the tickets of the month, for the first-response and the resolution clock.

    - met: the clock stopped in time (state `met`);
    - missed: the clock stopped late (state `missed`) PLUS clocks still running whose deadline had already
      passed at `as_of` (breached and not yet stopped: they can only end as missed, so leaving them out
      would flatter the month);
    - clocks still running within their deadline at `as_of` are not judged yet (`running`), and are not in
      the percentage;
    - compliance_pct = met / (met + missed) × 100.
    Which clock is breached is decided by the SLA module's one selector (`sla.selectors.clock_state_q`)."""
    result: dict[str, dict[str, Any]] = {}
    for prefix, column in (("response", "response_sla"), ("resolution", "resolution_sla")):
        met = Q(**{column: SlaState.MET})
        missed = Q(**{column: SlaState.MISSED}) | clock_state_q(prefix, SlaState.BREACHED, as_of)
        row = tickets.aggregate(
            met=Count("id", filter=met),
            missed=Count("id", filter=missed),
            total=Count("id"),
        )
        judged = row["met"] + row["missed"]
        result[prefix] = {
            "met": row["met"],
            "missed": row["missed"],
            "running": row["total"] - judged,
            "compliance_pct": _pct(row["met"], judged),
        }
    return result


def sla_by_classification(tickets: QuerySet[Ticket], as_of: dt.datetime) -> dict[str, dict[str, Any]]:
    """`sla_compliance` per classification (minor, major, critical, and "" for tickets never classified),
    every classification present with zeros if it had no ticket. One GROUP BY query."""
    aggregates: dict[str, Any] = {}
    for prefix, column in (("response", "response_sla"), ("resolution", "resolution_sla")):
        met = Q(**{column: SlaState.MET})
        missed = Q(**{column: SlaState.MISSED}) | clock_state_q(prefix, SlaState.BREACHED, as_of)
        aggregates[f"{prefix}_met"] = Count("id", filter=met)
        aggregates[f"{prefix}_missed"] = Count("id", filter=missed)
    found: dict[str, dict[str, Any]] = {
        row["classification"] or "": dict(row)
        for row in tickets.values("classification").annotate(total=Count("id"), **aggregates).order_by()
    }
    result: dict[str, dict[str, Any]] = {}
    for classification in [*Classification.values, ""]:
        row = found.get(classification, {})
        total = row.get("total", 0)
        entry: dict[str, Any] = {"tickets": total}
        for prefix in ("response", "resolution"):
            met_count = int(row.get(f"{prefix}_met", 0))
            missed_count = int(row.get(f"{prefix}_missed", 0))
            entry[prefix] = {
                "met": met_count,
                "missed": missed_count,
                "running": total - met_count - missed_count,
                "compliance_pct": _pct(met_count, met_count + missed_count),
            }
        result[classification] = entry
    return result


_TIMES_SQL = """
SELECT count(r), avg(r),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY r),
       count(s), avg(s),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
FROM (
    SELECT (EXTRACT(EPOCH FROM (first_responded_at - reported_at)) / 60.0)::double precision AS r,
           (EXTRACT(EPOCH FROM (resolved_at - reported_at)) / 60.0)::double precision AS s
    FROM {table}
    WHERE reported_at >= %s AND reported_at < %s
) AS elapsed
"""


def handling_times(start: dt.datetime, end: dt.datetime) -> dict[str, dict[str, Any]]:
    """Minutes from the report to the first response (tickets of the month with a first response by a
    person: `first_responded_at`) and to the resolution (tickets of the month resolved now: `resolved_at`,
    i.e. the last fix of a reopened ticket; a ticket reopened and not fixed again is left out).
    Mean, median and 90th percentile (PostgreSQL `percentile_cont`, linear interpolation)."""
    sql = _TIMES_SQL.format(table=connection.ops.quote_name(Ticket._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        row = cursor.fetchone()

    def block(count: int, mean: Any, median: Any, p90: Any) -> dict[str, Any]:
        return {
            "count": count,
            "mean_minutes": _number(mean),
            "median_minutes": _number(median),
            "p90_minutes": _number(p90),
        }

    return {"response": block(*row[0:4]), "resolution": block(*row[4:8])}


def escalations_by_level(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Escalations raised in the month (`Escalation.raised_at`), whatever month their ticket was reported
    in, by level (1 supervisor, 2 manager, 3 director) and by reason."""
    raised = Escalation.objects.filter(raised_at__gte=start, raised_at__lt=end)
    by_level = {str(level): 0 for level in (1, 2, 3)}
    for row in raised.values("level").annotate(count=Count("id")).order_by():
        by_level[str(row["level"])] = row["count"]
    by_reason = {
        row["reason"]: row["count"] for row in raised.values("reason").annotate(count=Count("id")).order_by()
    }
    return {"by_level": by_level, "by_reason": by_reason, "total": sum(by_level.values())}


def reopen_rate(tickets: QuerySet[Ticket]) -> dict[str, Any]:
    """Of the tickets of the month that were resolved at least once (`first_resolved_at`), the share the
    customer reopened by rejecting the fix at least once (`rejection_count > 0`)."""
    row = tickets.filter(first_resolved_at__isnull=False).aggregate(
        resolved=Count("id"), reopened=Count("id", filter=Q(rejection_count__gt=0))
    )
    return {
        "resolved": row["resolved"],
        "reopened": row["reopened"],
        "rate_pct": _pct(row["reopened"], row["resolved"]),
    }


def backlog_at(end: dt.datetime) -> dict[str, Any]:
    """Tickets reported before the end of the month and not closed by then (`closed_at` empty or later):
    the work carried into the next month. Closing is final, so `closed_at` tells it exactly."""
    open_then = Ticket.objects.filter(reported_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    return {"at_month_end": open_then.count()}


def top_root_causes(start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The root-cause categories of the tickets first resolved in the month (`first_resolved_at`; a
    reopened ticket counts once, in the month of its first fix, under its current RCA): tickets per
    category and how many distinct RCAs they share, top 10, most tickets first."""
    rows = (
        Ticket.objects.filter(first_resolved_at__gte=start, first_resolved_at__lt=end, rca__isnull=False)
        .values(code=F("rca__category__code"), name=F("rca__category__name"))
        .annotate(tickets=Count("id"), analyses=Count("rca", distinct=True))
        .order_by("-tickets", "code")[:TOP_ROOT_CAUSES]
    )
    return [dict(row) for row in rows]


_INCIDENTS_SQL = """
WITH month AS (
    SELECT i.id, i.title, i.started_at, i.resolved_at,
           (EXTRACT(EPOCH FROM (i.resolved_at - i.started_at)) / 60.0)::double precision AS minutes
    FROM {incidents} i
    WHERE i.started_at >= %(start)s AND i.started_at < %(end)s
),
linked AS (
    SELECT t.incident_id, count(*) AS tickets FROM {tickets} t
    WHERE t.incident_id IN (SELECT id FROM month) GROUP BY t.incident_id
)
SELECT (SELECT count(*) FROM month),
       (SELECT count(*) FROM month WHERE resolved_at IS NOT NULL AND resolved_at < %(as_of)s),
       (SELECT avg(minutes) FROM month WHERE resolved_at < %(as_of)s),
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) FROM month WHERE resolved_at < %(as_of)s),
       (SELECT count(*) FROM {tickets} t
        WHERE t.reported_at >= %(start)s AND t.reported_at < %(end)s AND t.incident_id IS NOT NULL),
       (SELECT COALESCE(json_agg(row_to_json(listed)), '[]'::json) FROM (
            SELECT m.id, m.title, m.started_at, m.resolved_at, round(m.minutes::numeric, 1) AS minutes,
                   COALESCE(l.tickets, 0) AS tickets
            FROM month m LEFT JOIN linked l ON l.incident_id = m.id
            ORDER BY m.started_at, m.id LIMIT %(listed)s
        ) AS listed)
"""


def incidents_of_month(
    start: dt.datetime, end: dt.datetime, tickets_reported: int, as_of: dt.datetime
) -> dict[str, Any]:
    """Mass incidents (SPEC §10) that started in the month (`Incident.started_at`): how many, how many
    were resolved by `as_of` and how long they lasted (minutes from start to resolution, mean and median
    of the resolved ones), the month's complaints linked to any incident and their share of the month's
    complaints, and each incident (the first 50 by start) with every complaint linked to it. One
    statement."""
    sql = _INCIDENTS_SQL.format(
        incidents=connection.ops.quote_name(Incident._meta.db_table),
        tickets=connection.ops.quote_name(Ticket._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start, "end": end, "as_of": as_of, "listed": INCIDENTS_LISTED})
        count, resolved, mean, median, linked, listed = cursor.fetchone()
    if isinstance(listed, str):
        listed = json.loads(listed)
    return {
        "count": count,
        "resolved": resolved,
        "mean_minutes": _number(mean),
        "median_minutes": _number(median),
        "linked_complaints": linked,
        "linked_share_pct": _pct(linked, tickets_reported),
        "listed": [
            {
                "id": row["id"],
                "title": row["title"],
                "started_at": row["started_at"],
                "resolved_at": row["resolved_at"],
                "minutes": None if row["minutes"] is None else float(row["minutes"]),
                "tickets": row["tickets"],
            }
            for row in listed
        ],
    }


def capa_status(end: dt.datetime, as_of: dt.datetime) -> dict[str, Any]:
    """CAPA actions created before the end of the month, by their status at `as_of`; `overdue` are those
    still open or in progress whose due date (a Jakarta date) had passed at `as_of`; `done_unverified`
    are done but not yet checked to have worked."""
    today = as_of.astimezone(REPORT_TIME_ZONE).date()
    actions = CapaAction.objects.filter(created_at__lt=end)
    aggregates: dict[str, Any] = {
        status: Count("id", filter=Q(status=status)) for status in CapaStatus.values
    }
    row = actions.aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(status__in=CAPA_PENDING_STATUSES, due_date__lt=today)),
        done_unverified=Count("id", filter=Q(status=CapaStatus.DONE, verified=False)),
        verified=Count("id", filter=Q(verified=True)),
        **aggregates,
    )
    return {
        "by_status": {status: row[status] for status in CapaStatus.values},
        "total": row["total"],
        "overdue": row["overdue"],
        "done_unverified": row["done_unverified"],
        "verified": row["verified"],
    }


def satisfaction(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Ratings given in the month (`SatisfactionRating.created_at`): CSAT mean (1–5, two decimals) over
    every rating; NPS over the ratings with an NPS answer = % promoters (9–10) − % detractors (0–6),
    one decimal, from −100 to 100; the operator's target is 40 (SPEC §9)."""
    row = SatisfactionRating.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        ratings=Count("id"),
        csat_mean=Avg("csat"),
        nps_responses=Count("id", filter=Q(nps__isnull=False)),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    responses = row["nps_responses"]
    nps = None if responses == 0 else round((row["promoters"] - row["detractors"]) * 100 / responses, 1)
    return {
        "ratings": row["ratings"],
        "csat_mean": _number(row["csat_mean"], 2),
        "nps_responses": responses,
        "promoters": row["promoters"],
        "passives": responses - row["promoters"] - row["detractors"],
        "detractors": row["detractors"],
        "nps": nps,
        "nps_target": NPS_TARGET,
        "nps_target_met": None if nps is None else nps >= NPS_TARGET,
    }


def headline(data: dict[str, Any]) -> dict[str, Any]:
    """The few figures compared month to month (the trend)."""
    return {
        "month": data["month"],
        "tickets_reported": data["tickets_reported"],
        "response_compliance_pct": data["sla"]["response"]["compliance_pct"],
        "resolution_compliance_pct": data["sla"]["resolution"]["compliance_pct"],
        "resolution_median_minutes": data["times"]["resolution"]["median_minutes"],
        "escalations": data["escalations"]["total"],
        "reopen_rate_pct": data["reopen"]["rate_pct"],
        "backlog_at_month_end": data["backlog"]["at_month_end"],
        "csat_mean": data["satisfaction"]["csat_mean"],
        "nps": data["satisfaction"]["nps"],
    }


def trend(month: dt.date) -> list[dict[str, Any]]:
    """The headline of each of the 5 months before, oldest first, read from their own snapshots (never
    recomputed); a month without a snapshot is listed with `present: false`."""
    months = [add_months(month, -offset) for offset in range(TREND_MONTHS, 0, -1)]
    stored = {
        report.month: report.data.get("headline")
        for report in MonthlyReport.objects.filter(month__in=months).only("month", "data")
    }
    rows = []
    for each in months:
        found = stored.get(each)
        if found:
            rows.append({**found, "month": month_key(each), "present": True})
        else:
            rows.append({"month": month_key(each), "present": False})
    return rows


def recap_figures(month: dt.date, *, as_of: dt.datetime) -> dict[str, Any]:
    """Every figure of the month's recap, as stored in `MonthlyReport.data`."""
    start, end = month_bounds(month)
    tickets = Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end)
    data: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "month": month_key(month),
        "time_zone": str(REPORT_TIME_ZONE),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(),
        "tickets_reported": tickets.count(),
        "counts": counts_by_dimension(tickets),
        "sla": sla_compliance(tickets, as_of),
        "sla_by_classification": sla_by_classification(tickets, as_of),
        "times": handling_times(start, end),
        "escalations": escalations_by_level(start, end),
        "reopen": reopen_rate(tickets),
        "backlog": backlog_at(end),
        "root_causes": top_root_causes(start, end),
        "capa": capa_status(end, as_of),
        "satisfaction": satisfaction(start, end),
    }
    data["incidents"] = incidents_of_month(start, end, data["tickets_reported"], as_of)
    data["headline"] = headline(data)
    data["trend"] = trend(month)
    return data


def parse_month(text: str) -> dt.date:
    """ "YYYY-MM" as the first day of that month; anything else is refused with a message that says so."""
    value = str(text or "").strip()
    year = month = 0
    if (
        len(value) == 7
        and value.isascii()
        and value[4] == "-"
        and value[:4].isdigit()
        and value[5:].isdigit()
    ):
        year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 9998 and 1 <= month <= 12):
        message = _("“%(value)s” is not a month; write it as YYYY-MM, e.g. 2026-03.") % {"value": value[:20]}
        raise InvalidInput(message, code="bad_month", fields={"month": [message]})
    return dt.date(year, month, 1)
