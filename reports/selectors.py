"""Reads of the reports module, for the API and the web pages: the monthly snapshots, the managers'
daily and weekly overview, CAPA lists and CSI survey results. Permission scoping is by role: every
function here is for management and the people who own RCA/CAPA records (the callers check roles with
`can_read_reports` / `can_write_capa`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from escalation.models import Escalation
from helpdesk.lib import keyset
from helpdesk.lib.access import Capability, can, roles_that
from helpdesk.lib.sql import count_of
from reports import recap
from reports.models import (
    CAPA_PENDING_STATUSES,
    CSI_QUESTIONS,
    CapaAction,
    CapaReport,
    CapaStatus,
    DashboardFigures,
    MonthlyReport,
    RootCauseAnalysis,
    RootCauseCategory,
    SatisfactionRating,
    SurveyCampaign,
)
from sla.selectors import clock_state_q
from tickets.models import Incident, SlaState, Stage, Ticket

# Who reads the recap and the overview (SPEC §1, §9).
REPORT_READERS = roles_that(Capability.READ_REPORTS)
# Who writes RCAs and CAPA reports; the director reads them.
CAPA_WRITERS = roles_that(Capability.WRITE_CAPA)
CAPA_READERS = roles_that(Capability.READ_CAPA)


def _is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False))


def can_read_reports(user: Any) -> bool:
    return can(user, Capability.READ_REPORTS)


def can_read_capa(user: Any) -> bool:
    return can(user, Capability.READ_CAPA)


def can_write_capa(user: Any) -> bool:
    return can(user, Capability.WRITE_CAPA)


# --- Monthly recap -----------------------------------------------------------------------------------------


def monthly_report_get(month: dt.date) -> MonthlyReport | None:
    """The stored snapshot of `month` (any day of it), or None."""
    return MonthlyReport.objects.filter(month=month.replace(day=1)).first()


def monthly_report_list() -> QuerySet[MonthlyReport]:
    """Every snapshot, newest month first, without their figures (for a list page)."""
    return MonthlyReport.objects.defer("data").order_by("-month")


# --- The managers' daily and weekly overview (SPEC §9) -------------------------------------------------

PERIODS = ("day", "week", "month")


def period_bounds(period: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """`day`: since 00:00 today; `week`: since 00:00 on Monday of this week; `month`: since 00:00 on the
    first of this month — Asia/Jakarta — until now."""
    local = now.astimezone(recap.REPORT_TIME_ZONE)
    if period == "day":
        start_day = local.date()
    elif period == "month":
        start_day = local.date().replace(day=1)
    else:
        start_day = local.date() - dt.timedelta(days=local.weekday())
    return dt.datetime.combine(start_day, dt.time(), tzinfo=recap.REPORT_TIME_ZONE), now


def overview_exact(period: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """`overview` counted from the tickets themselves as of `now`, without the stored figures: what the
    rollup (`DashboardFigures`) must always agree with, kept for the tests that prove it and for
    checking a rollup by hand. Never on a request: it counts every row of the period."""
    if period not in PERIODS:
        raise ValueError(period)
    now = now or timezone.now()
    start, end = period_bounds(period, now)
    open_tickets = Ticket.objects.exclude(stage=Stage.CLOSED)
    breached_now = clock_state_q("response", SlaState.BREACHED, now) | clock_state_q(
        "resolution", SlaState.BREACHED, now
    )
    by_stage: dict[str, int] = {}
    by_classification: dict[str, int] = {}
    for stage, classification, n in (
        open_tickets.values_list("stage", "classification").annotate(n=Count("id")).order_by()
    ):
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_classification[classification] = by_classification.get(classification, 0) + n
    flow = keyset.exact_counts(
        {
            "reported": Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end),
            "first_resolved": Ticket.objects.filter(first_resolved_at__gte=start, first_resolved_at__lt=end),
            "closed": Ticket.objects.filter(closed_at__gte=start, closed_at__lt=end),
            "open_breached": open_tickets.filter(breached_now),
            "response_breaches": Ticket.objects.filter(
                Q(first_response_due__gte=start, first_response_due__lt=end)
                & (Q(response_sla=SlaState.MISSED) | clock_state_q("response", SlaState.BREACHED, now))
            ),
            "resolution_breaches": Ticket.objects.filter(
                Q(resolution_due__gte=start, resolution_due__lt=end)
                & (Q(resolution_sla=SlaState.MISSED) | clock_state_q("resolution", SlaState.BREACHED, now))
            ),
        }
    )
    escalations = Escalation.objects.filter(raised_at__gte=start, raised_at__lt=end)
    by_level = {str(level): 0 for level in (1, 2, 3)}
    for level, count in escalations.values_list("level").annotate(n=Count("id")).order_by():
        by_level[str(level)] = count
    ratings = recap.satisfaction(start, end)
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": now.astimezone(recap.REPORT_TIME_ZONE).isoformat(),
        "backlog": {
            "open": sum(by_stage.values()),
            "by_stage": by_stage,
            "by_classification": by_classification,
            "breached_now": flow["open_breached"],
        },
        "tickets": {
            "reported": flow["reported"],
            "first_resolved": flow["first_resolved"],
            "closed": flow["closed"],
        },
        "breaches": {
            "response": flow["response_breaches"],
            "resolution": flow["resolution_breaches"],
            "total": flow["response_breaches"] + flow["resolution_breaches"],
        },
        "escalations": {
            "by_level": by_level,
            "total": sum(by_level.values()),
            "unacknowledged": escalations.filter(acknowledged_at__isnull=True).count(),
        },
        "satisfaction": _satisfaction_block(ratings),
    }


def _satisfaction_block(ratings: dict[str, Any]) -> dict[str, Any]:
    return {
        "ratings": ratings["ratings"],
        "csat_mean": ratings["csat_mean"],
        "nps": ratings["nps"],
        "nps_target": ratings["nps_target"],
        "nps_target_met": ratings["nps_target_met"],
    }


# The stored figures (`DashboardFigures`) cover this many Jakarta days up to today: the longest trend
# (the month's, 31 days) and every period (a month began at most 30 days ago).
DASHBOARD_DAYS = 31
# Beat rebuilds them every minute; a read that finds them older (beat stopped, or a fresh database)
# rebuilds them itself first.
DASHBOARD_MAX_AGE = dt.timedelta(minutes=2)
DASHBOARD_KEY = "overview"
_DAY_COUNTS = (
    "reported",
    "first_resolved",
    "closed",
    "response_met",
    "response_missed",
    "resolution_met",
    "resolution_missed",
    "unacknowledged",
    "ratings",
    "csat_sum",
    "csat_count",
    "nps_responses",
    "promoters",
    "detractors",
)


def _per_day(queryset: QuerySet[Any], column: str, start: dt.datetime, **counts: Any) -> dict[str, dict]:
    from django.db.models.functions import TruncDate

    rows = (
        queryset.filter(**{f"{column}__gte": start})
        .annotate(day=TruncDate(column, tzinfo=recap.REPORT_TIME_ZONE))
        .values("day")
        .annotate(**counts)
        .order_by()
    )
    return {row.pop("day").isoformat(): row for row in rows}


def dashboard_figures_compute(now: dt.datetime) -> dict[str, Any]:
    """What `DashboardFigures` holds, counted from the tickets, escalations and ratings as of `now`
    (one aggregate statement per subject, each over an index range of the last `DASHBOARD_DAYS` days,
    or over the partial index of open tickets): {"as_of", "days": {iso day: counts}, "backlog"}."""
    from django.db.models import Sum

    local_today = now.astimezone(recap.REPORT_TIME_ZONE).date()
    first_day = local_today - dt.timedelta(days=DASHBOARD_DAYS - 1)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=recap.REPORT_TIME_ZONE)
    end_of_today = dt.datetime.combine(
        local_today + dt.timedelta(days=1), dt.time(), tzinfo=recap.REPORT_TIME_ZONE
    )
    # Nothing reported, resolved, closed, raised or rated after `now` counts (a rebuild as of a past
    # moment must not see the future).
    tickets = Ticket.objects.all()
    parts: list[dict[str, dict]] = [
        _per_day(tickets.filter(reported_at__lt=now), "reported_at", start, reported=Count("id")),
        _per_day(
            tickets.filter(first_resolved_at__lt=now), "first_resolved_at", start, first_resolved=Count("id")
        ),
        _per_day(tickets.filter(closed_at__lt=now), "closed_at", start, closed=Count("id")),
    ]
    for prefix, due, column in (
        ("response", "first_response_due", "response_sla"),
        ("resolution", "resolution_due", "resolution_sla"),
    ):
        parts.append(
            _per_day(
                tickets.filter(**{f"{due}__lt": end_of_today}),
                due,
                start,
                **{
                    f"{prefix}_met": Count("id", filter=Q(**{column: SlaState.MET})),
                    f"{prefix}_missed": Count(
                        "id",
                        filter=Q(**{column: SlaState.MISSED}) | clock_state_q(prefix, SlaState.BREACHED, now),
                    ),
                },
            )
        )
    escalation_rows = _per_day(
        Escalation.objects.filter(raised_at__lt=now),
        "raised_at",
        start,
        level_1=Count("id", filter=Q(level=1)),
        level_2=Count("id", filter=Q(level=2)),
        level_3=Count("id", filter=Q(level=3)),
        unacknowledged=Count("id", filter=Q(acknowledged_at__isnull=True)),
    )
    parts.append(escalation_rows)
    parts.append(
        _per_day(
            SatisfactionRating.objects.filter(created_at__lt=now),
            "created_at",
            start,
            ratings=Count("id"),
            csat_sum=Coalesce(Sum("csat"), 0),
            csat_count=Count("csat"),
            nps_responses=Count("id", filter=Q(nps__isnull=False)),
            promoters=Count("id", filter=Q(nps__gte=9)),
            detractors=Count("id", filter=Q(nps__lte=6)),
        )
    )
    days: dict[str, dict[str, Any]] = {}
    for offset in range(DASHBOARD_DAYS):
        day = (first_day + dt.timedelta(days=offset)).isoformat()
        entry: dict[str, Any] = dict.fromkeys(_DAY_COUNTS, 0)
        entry["escalations"] = {"1": 0, "2": 0, "3": 0}
        for part in parts:
            row = part.get(day)
            if not row:
                continue
            for name, value in row.items():
                if name.startswith("level_"):
                    entry["escalations"][name.removeprefix("level_")] = int(value)
                else:
                    entry[name] = int(value)
        days[day] = entry
    breached_now = clock_state_q("response", SlaState.BREACHED, now) | clock_state_q(
        "resolution", SlaState.BREACHED, now
    )
    backlog = [
        [stage, classification, n, breached]
        for stage, classification, n, breached in Ticket.objects.exclude(stage=Stage.CLOSED)
        .values_list("stage", "classification")
        .annotate(n=Count("id"), breached=Count("id", filter=breached_now))
        .order_by("stage", "classification")
    ]
    return {"as_of": now, "days": days, "backlog": backlog}


def dashboard_figures_is_fresh(figures: DashboardFigures | None, now: dt.datetime) -> bool:
    """Whether the stored figures may answer for `now`: taken at most DASHBOARD_MAX_AGE before it, on
    the same Jakarta day, and not after it."""
    if figures is None or figures.as_of > now or now - figures.as_of > DASHBOARD_MAX_AGE:
        return False
    zone = recap.REPORT_TIME_ZONE
    return bool(figures.as_of.astimezone(zone).date() == now.astimezone(zone).date())


def dashboard_figures(now: dt.datetime) -> DashboardFigures:
    """The stored figures for `now` (one query), rebuilt first when they are not fresh — a read-through
    rollup: beat keeps them fresh, so a request rebuilds them only when beat has stopped or the
    database is new. (A read that writes: derived data only, never the domain's; see
    `reports.services.dashboard_figures_refresh`.)"""
    figures = DashboardFigures.objects.filter(key=DASHBOARD_KEY).first()
    if figures is not None and dashboard_figures_is_fresh(figures, now):
        return figures
    from reports.services import dashboard_figures_refresh

    return dashboard_figures_refresh(now=now)


def _period_days(figures: DashboardFigures, start: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    zone = recap.REPORT_TIME_ZONE
    first, last = start.astimezone(zone).date().isoformat(), now.astimezone(zone).date().isoformat()
    return [entry for day, entry in figures.days.items() if first <= day <= last]


def overview(
    period: str, now: dt.datetime | None = None, *, figures: DashboardFigures | None = None
) -> dict[str, Any]:
    """What a manager looks at every day or week, as of `now` — read from the stored figures
    (`DashboardFigures`, at most DASHBOARD_MAX_AGE old; their moment is `as_of`):
    - open backlog: tickets not closed, by stage and by classification, and how many of them have a
      breached clock (the SLA module's selector decides);
    - new, resolved and closed: tickets reported / first resolved / closed in the period;
    - breaches: response and resolution deadlines that fell in the period and were not met (the clock
      stopped late, or is still running past it);
    - escalations raised in the period by level, and how many of those are not acknowledged yet;
    - NPS and CSAT of the ratings given in the period against the target of 40.
    `overview_exact` counts the same from the tickets."""
    if period not in PERIODS:
        raise ValueError(period)
    now = now or timezone.now()
    figures = figures or dashboard_figures(now)
    start, end = period_bounds(period, now)
    days = _period_days(figures, start, now)

    def total(name: str) -> int:
        return sum(entry[name] for entry in days)

    by_stage: dict[str, int] = {}
    by_classification: dict[str, int] = {}
    breached = 0
    for stage, classification, n, breached_here in figures.backlog:
        by_stage[stage] = by_stage.get(stage, 0) + n
        by_classification[classification] = by_classification.get(classification, 0) + n
        breached += breached_here
    by_level = {level: sum(entry["escalations"][level] for entry in days) for level in ("1", "2", "3")}
    responses, promoters, detractors = total("nps_responses"), total("promoters"), total("detractors")
    csat_count = total("csat_count")
    nps = None if responses == 0 else round((promoters - detractors) * 100 / responses, 1)
    ratings = {
        "ratings": total("ratings"),
        "csat_mean": None if csat_count == 0 else round(total("csat_sum") / csat_count, 2),
        "nps": nps,
        "nps_target": recap.NPS_TARGET,
        "nps_target_met": None if nps is None else nps >= recap.NPS_TARGET,
    }
    response, resolution = total("response_missed"), total("resolution_missed")
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": figures.as_of.astimezone(recap.REPORT_TIME_ZONE).isoformat(),
        "backlog": {
            "open": sum(by_stage.values()),
            "by_stage": by_stage,
            "by_classification": by_classification,
            "breached_now": breached,
        },
        "tickets": {
            "reported": total("reported"),
            "first_resolved": total("first_resolved"),
            "closed": total("closed"),
        },
        "breaches": {"response": response, "resolution": resolution, "total": response + resolution},
        "escalations": {
            "by_level": by_level,
            "total": sum(by_level.values()),
            "unacknowledged": total("unacknowledged"),
        },
        "satisfaction": _satisfaction_block(ratings),
    }


def dashboard_trends(
    *, days: int, now: dt.datetime, figures: DashboardFigures | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`daily_trend` and `daily_sla_compliance` of the last `days` days (at most DASHBOARD_DAYS), read
    from the stored figures instead of counted."""
    figures = figures or dashboard_figures(now)
    local_today = now.astimezone(recap.REPORT_TIME_ZONE).date()
    trend, sla_days = [], []
    for offset in range(days - 1, -1, -1):
        day = (local_today - dt.timedelta(days=offset)).isoformat()
        entry = figures.days.get(day) or dict.fromkeys(_DAY_COUNTS, 0)
        trend.append({"day": day, "reported": entry["reported"], "resolved": entry["first_resolved"]})
        row: dict[str, Any] = {"day": day}
        for prefix in ("response", "resolution"):
            met, missed = entry[f"{prefix}_met"], entry[f"{prefix}_missed"]
            row[f"{prefix}_met"] = met
            row[f"{prefix}_missed"] = missed
            row[f"{prefix}_pct"] = recap._pct(met, met + missed)
        sla_days.append(row)
    return trend, sla_days


DASHBOARD_INCIDENTS = 10


def open_incidents_summary(limit: int = DASHBOARD_INCIDENTS) -> dict[str, Any]:
    """The mass incidents open now (SPEC §10) for the dashboard: how many, and the latest started of
    them (at most `limit`), each with how many complaints it holds — counted up to helpdesk.lib.keyset's
    cap (`linked_is_capped` past it: a mass outage links tens of thousands; the incident's page has the
    rest). One query: the count is a window over the open ones (a handful, from the partial index of
    open incidents), the linked count a subquery that stops at the cap (the index on `incident`)."""
    ticket_table, incident_table = Ticket._meta.db_table, Incident._meta.db_table
    # Table and column names come from the models, the cap is a parameter.
    linked = RawSQL(  # noqa: S611
        f"(SELECT count(*) FROM (SELECT 1 FROM {ticket_table} linked "  # noqa: S608
        f"WHERE linked.incident_id = {incident_table}.id LIMIT %s) capped)",
        [keyset.COUNT_CAP + 1],
        output_field=IntegerField(),
    )
    rows = list(
        Incident.objects.filter(resolved_at__isnull=True)
        .annotate(open_total=Window(expression=Count("id")), linked_found=linked)
        .order_by("-started_at", "-id")
        .values("id", "title", "started_at", "expected_restoration_at", "open_total", "linked_found")[:limit]
    )
    for row in rows:
        found = row.pop("linked_found")
        row["linked_tickets"] = min(found, keyset.COUNT_CAP)
        row["linked_is_capped"] = found > keyset.COUNT_CAP
    return {"count": rows[0]["open_total"] if rows else 0, "incidents": rows}


# --- RCA and CAPA ---------------------------------------------------------------------------------------


# The API's RCA records list the numbers of the first tickets each covers (an RCA of a mass outage covers
# tens of thousands); `/api/tickets/?rca=<id>` lists them all.
RCA_TICKETS_LISTED = 100


def rca_list() -> QuerySet[RootCauseAnalysis]:
    """RCAs with their category and author, for the API (`with_ticket_numbers` adds the numbers)."""
    return RootCauseAnalysis.objects.select_related("category", "author")


def with_ticket_numbers(analyses: Sequence[RootCauseAnalysis]) -> Sequence[RootCauseAnalysis]:
    """Sets `ticket_numbers` (the first RCA_TICKETS_LISTED, by number) and `tickets_more` on each RCA, in
    one query for all of them: a window per RCA over the index of its tickets, read as plain values (a
    page of 50 RCAs of a hundred tickets each built 5,000 ticket objects to print their numbers)."""
    by_rca: dict[int, list[str]] = {analysis.pk: [] for analysis in analyses}
    if by_rca:
        rows = (
            Ticket.objects.filter(rca_id__in=list(by_rca))
            .annotate(position=Window(RowNumber(), partition_by=F("rca_id"), order_by=(F("number").asc(),)))
            .filter(position__lte=RCA_TICKETS_LISTED + 1)
            .order_by("rca_id", "position")
            .values_list("rca_id", "number")
        )
        for rca_id, number in rows:
            by_rca[rca_id].append(number)
    for analysis in analyses:
        numbers = by_rca[analysis.pk]
        analysis.ticket_numbers = numbers[:RCA_TICKETS_LISTED]  # type: ignore[attr-defined]
        analysis.tickets_more = len(numbers) > RCA_TICKETS_LISTED  # type: ignore[attr-defined]
    return analyses


def capa_report_list() -> QuerySet[CapaReport]:
    """CAPA reports, newest first, with their actions and owners."""
    return CapaReport.objects.select_related("author", "rca").prefetch_related(
        Prefetch(
            "actions",
            queryset=CapaAction.objects.select_related("owner", "verified_by").order_by("due_date", "id"),
        )
    )


def capa_action_list(
    *, status: str | None = None, owner: Any = None, overdue_on: dt.date | None = None
) -> QuerySet[CapaAction]:
    """CAPA actions, soonest due first; filtered by status, owner, or overdue on a date (pending and due
    before it)."""
    actions = CapaAction.objects.select_related("report", "owner", "verified_by").order_by("due_date", "id")
    if status:
        actions = actions.filter(status=status)
    if owner is not None:
        actions = actions.filter(owner=owner)
    if overdue_on is not None:
        actions = actions.filter(status__in=CAPA_PENDING_STATUSES, due_date__lt=overdue_on)
    return actions


def capa_actions_overdue(now: dt.datetime) -> QuerySet[CapaAction]:
    """Open or in-progress actions whose due date (Jakarta) is before today."""
    return capa_action_list(overdue_on=now.astimezone(recap.REPORT_TIME_ZONE).date())


def capa_actions_awaiting_verification() -> QuerySet[CapaAction]:
    """Done, but nobody has yet checked that they worked."""
    return capa_action_list(status=CapaStatus.DONE).filter(verified=False)


# --- Satisfaction -----------------------------------------------------------------------------------------


def csi_campaign_list() -> QuerySet[SurveyCampaign]:
    """The campaigns, newest first, with `invited` and `answered` (the counts each campaign keeps)."""
    return SurveyCampaign.objects.annotate(invited=F("invited_count"), answered=F("answered_count")).order_by(
        "-period_start", "-id"
    )


def csi_results(campaign: SurveyCampaign) -> dict[str, Any]:
    """A CSI campaign's results: invited customers, answers, response rate (answers / invitations, %),
    the CSI (mean over the answers of each answer's mean score, 1–5, two decimals) and the mean of each
    question; from the counts and totals the campaign keeps, read afresh."""
    return _campaign_results(SurveyCampaign.objects.get(pk=campaign.pk))


def ratings_in(start: dt.datetime, end: dt.datetime) -> QuerySet[SatisfactionRating]:
    return SatisfactionRating.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
        "ticket"
    )


# --- Pages -------------------------------------------------------------------------------------------------


def daily_trend(*, days: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Tickets reported and first resolved per Jakarta day over the last `days` days (two aggregate
    queries), oldest first, with days without tickets as zeros."""
    from django.db.models.functions import TruncDate

    local_today = now.astimezone(recap.REPORT_TIME_ZONE).date()
    first_day = local_today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=recap.REPORT_TIME_ZONE)
    reported = dict(
        Ticket.objects.filter(reported_at__gte=start)
        .annotate(day=TruncDate("reported_at", tzinfo=recap.REPORT_TIME_ZONE))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    resolved = dict(
        Ticket.objects.filter(first_resolved_at__gte=start)
        .annotate(day=TruncDate("first_resolved_at", tzinfo=recap.REPORT_TIME_ZONE))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        {
            "day": (first_day + dt.timedelta(days=offset)).isoformat(),
            "reported": reported.get(first_day + dt.timedelta(days=offset), 0),
            "resolved": resolved.get(first_day + dt.timedelta(days=offset), 0),
        }
        for offset in range(days)
    ]


def daily_sla_compliance(*, days: int, now: dt.datetime) -> list[dict[str, Any]]:
    """SLA compliance per Jakarta day over the last `days` days, oldest first, by the day each deadline
    fell on (two aggregate queries, one per clock). As in the monthly recap: `met` clocks stopped in
    time; `missed` clocks stopped late or are still running past their deadline as of `now`; clocks
    still running within their deadline are not judged; `*_pct` = met / (met + missed) × 100, one
    decimal, None on a day with nothing judged."""
    from django.db.models.functions import TruncDate

    local_today = now.astimezone(recap.REPORT_TIME_ZONE).date()
    first_day = local_today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=recap.REPORT_TIME_ZONE)
    end = dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(), tzinfo=recap.REPORT_TIME_ZONE)
    per_clock: dict[str, dict[dt.date, tuple[int, int]]] = {}
    for prefix, due, column in (
        ("response", "first_response_due", "response_sla"),
        ("resolution", "resolution_due", "resolution_sla"),
    ):
        rows = (
            Ticket.objects.filter(**{f"{due}__gte": start, f"{due}__lt": end})
            .annotate(day=TruncDate(due, tzinfo=recap.REPORT_TIME_ZONE))
            .values("day")
            .annotate(
                met=Count("id", filter=Q(**{column: SlaState.MET})),
                missed=Count(
                    "id",
                    filter=Q(**{column: SlaState.MISSED}) | clock_state_q(prefix, SlaState.BREACHED, now),
                ),
            )
            .order_by()
        )
        per_clock[prefix] = {row["day"]: (row["met"], row["missed"]) for row in rows}
    result = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        entry: dict[str, Any] = {"day": day.isoformat()}
        for prefix in ("response", "resolution"):
            met, missed = per_clock[prefix].get(day, (0, 0))
            entry[f"{prefix}_met"] = met
            entry[f"{prefix}_missed"] = missed
            entry[f"{prefix}_pct"] = recap._pct(met, met + missed)
        result.append(entry)
    return result


def monthly_report_rows() -> list[dict[str, Any]]:
    """The list page's rows: every snapshot, newest month first, with a few headline figures read out
    of the stored JSON by PostgreSQL (one query, without loading the whole snapshots)."""
    rows = MonthlyReport.objects.order_by("-month").values(
        "month",
        "built_at",
        "emailed_at",
        built_by_name=F("built_by__username"),
        tickets_reported=F("data__tickets_reported"),
        backlog=F("data__backlog__at_month_end"),
        response_pct=F("data__sla__response__compliance_pct"),
        resolution_pct=F("data__sla__resolution__compliance_pct"),
        nps=F("data__satisfaction__nps"),
    )
    return [dict(row) for row in rows]


def _capa_action_filter(*, status: str | None, overdue_on: dt.date | None) -> Q:
    condition = Q()
    if status:
        condition &= Q(status=status)
    if overdue_on is not None:
        condition &= Q(status__in=CAPA_PENDING_STATUSES, due_date__lt=overdue_on)
    return condition


def _capa_actions(today: dt.date, condition: Q = Q()) -> QuerySet[CapaAction]:  # noqa: B008 (Q() is immutable)
    """Actions with their owner and verifier, each marked `is_overdue` (pending and due before `today`)."""
    overdue = Q(status__in=CAPA_PENDING_STATUSES, due_date__lt=today)
    return (
        CapaAction.objects.filter(condition)
        .select_related("owner", "verified_by")
        .annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
        .order_by("due_date", "id")
    )


def capa_report_page(
    *, today: dt.date, status: str | None = None, overdue: bool = False
) -> QuerySet[CapaReport]:
    """CAPA reports for the list page, newest first, with their RCA and author, the count of their
    actions and of the overdue ones, and their actions (owner, verifier, `is_overdue`) prefetched. With
    `status` or `overdue`, only the reports that have such actions, showing only those actions."""
    condition = _capa_action_filter(status=status, overdue_on=today if overdue else None)
    reports = CapaReport.objects.select_related("author", "rca", "rca__category")
    if condition:
        reports = reports.filter(Exists(CapaAction.objects.filter(condition, report=OuterRef("pk"))))
    # The counts as subqueries of each report, not a join grouped by report: PostgreSQL works them out for
    # the page's rows only, after sorting and cutting (grouped, it joined and counted every report's
    # actions to keep a page: 16 ms for the 2,000 reports of the 1,000,000-ticket set).
    actions = CapaAction.objects.filter(report=OuterRef("pk"))
    overdue_actions = actions.filter(status__in=CAPA_PENDING_STATUSES, due_date__lt=today)
    return (
        reports.annotate(actions_total=count_of(actions), actions_overdue=count_of(overdue_actions))
        .prefetch_related(Prefetch("actions", queryset=_capa_actions(today, condition)))
        .order_by("-created_at", "-id")
    )


def capa_report_get(pk: int, *, today: dt.date) -> CapaReport | None:
    """One CAPA report with its RCA, author and actions (owner, verifier, `is_overdue`), or None."""
    return (
        CapaReport.objects.select_related("author", "rca", "rca__category")
        .prefetch_related(Prefetch("actions", queryset=_capa_actions(today)))
        .filter(pk=pk)
        .first()
    )


def capa_action_of(report_pk: int, action_pk: int) -> CapaAction | None:
    return CapaAction.objects.filter(pk=action_pk, report_id=report_pk).first()


# The RCA list shows the first numbers of the tickets each RCA covers (the RCA's page has them all): an
# RCA of a mass outage covers thousands.
RCA_TICKETS_SHOWN = 10


def rca_page(*, category: str | None = None) -> QuerySet[RootCauseAnalysis]:
    """RCAs for the list page, newest first, with category and author, how many CAPA reports each has,
    and in `tickets_shown` the numbers of its first RCA_TICKETS_SHOWN + 1 tickets (one more tells the
    page there are more; one query for the page, a window per RCA); optionally of one root-cause
    category (its code)."""
    first_tickets = Ticket.objects.only("id", "number", "rca_id", "stage").order_by("number")
    analyses = (
        RootCauseAnalysis.objects.select_related("category", "author")
        .prefetch_related(
            Prefetch("tickets", queryset=first_tickets[: RCA_TICKETS_SHOWN + 1], to_attr="tickets_shown")
        )
        # A subquery per row shown, not a GROUP BY of every RCA with its reports before the page is cut.
        .annotate(capa_count=count_of(CapaReport.objects.filter(rca=OuterRef("pk"))))
        .order_by("-created_at", "-id")
    )
    if category:
        analyses = analyses.filter(category__code=category)
    return analyses


def rca_get(pk: int) -> RootCauseAnalysis | None:
    """One RCA with its category and author, the tickets it covers (newest first, with their customer
    and team) and its CAPA reports, or None."""
    return (
        RootCauseAnalysis.objects.select_related("category", "author")
        .prefetch_related(
            Prefetch(
                "tickets",
                queryset=Ticket.objects.select_related("customer", "team").order_by("-reported_at", "-id"),
            ),
            Prefetch("capa_reports", queryset=CapaReport.objects.order_by("-created_at", "-id")),
        )
        .filter(pk=pk)
        .first()
    )


def _mean(total: int, count: int) -> float | None:
    return None if not count else round(total / count, 2)


def _campaign_results(campaign: SurveyCampaign) -> dict[str, Any]:
    invited, answered = campaign.invited_count, campaign.answered_count
    totals = {question: getattr(campaign, f"total_{question}") for question in CSI_QUESTIONS}
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "period_start": campaign.period_start.isoformat(),
        "period_end": campaign.period_end.isoformat(),
        "closes_at": campaign.closes_at.isoformat(),
        "invited": invited,
        "answered": answered,
        "response_rate_pct": None if not invited else round(answered * 100 / invited, 1),
        "csi_mean": _mean(sum(totals.values()), answered * len(CSI_QUESTIONS)),
        "questions": {question: _mean(total, answered) for question, total in totals.items()},
    }


def csi_campaign_results() -> list[dict[str, Any]]:
    """`csi_results` of every campaign, newest period first, from the counts and score totals each
    campaign keeps (reports.services.surveys): no invitation is read. The CSI is the mean of the answers'
    mean scores, i.e. the sum of every score over four times the answers."""
    return [
        _campaign_results(campaign) for campaign in SurveyCampaign.objects.order_by("-period_start", "-id")
    ]


def rca_categories(*, active_only: bool = False) -> list[RootCauseCategory]:
    """The root-cause categories by name: every one for the RCA filter (old RCAs keep theirs), only the
    active ones for a new RCA."""
    categories = RootCauseCategory.objects.order_by("name")
    return list(categories.filter(is_active=True) if active_only else categories)


def recent_rcas(*, now: dt.datetime, days: int = 30, limit: int = 20) -> list[RootCauseAnalysis]:
    """Root cause analyses written lately, newest first: a ticket of the same incident can share one."""
    since = now - dt.timedelta(days=days)
    return list(
        RootCauseAnalysis.objects.filter(created_at__gte=since).order_by("-created_at", "-id")[:limit]
    )
