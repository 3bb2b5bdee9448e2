"""How the manager pages lay out their figures: tables and charts built from what `reports.selectors`
and the monthly snapshots hold, so that the views only fetch and render. A chart is a dict for
templates/reports/pages/_chart.html: its `spec` is drawn by static/js/charts.js and its `rows` are the
same numbers as a table (the chart's text alternative)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from escalation.models import Level, Reason
from reports import exports
from reports.models import CapaStatus
from tickets.models import Classification, SlaState, Stage


def chart(
    chart_id: str,
    title: str,
    kind: str,
    labels: Sequence[Any],
    series: Sequence[tuple[Any, Sequence[Any]]],
    *,
    label_header: str = "",
    percent: bool = False,
) -> dict[str, Any]:
    """A chart for templates/reports/pages/_chart.html: `spec` goes to the page with json_script and is
    drawn by static/js/charts.js; `headers` and `rows` are the same numbers as a table (the chart's text
    alternative)."""
    labels = [str(label) for label in labels]
    named = [{"label": str(name), "data": list(data)} for name, data in series]
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "spec": {"type": kind, "labels": labels, "series": named, "percent": percent},
        "label_header": label_header or _("Item"),
        "headers": [entry["label"] for entry in named],
        "rows": [
            {"label": label, "values": [entry["data"][index] for entry in named]}
            for index, label in enumerate(labels)
        ],
    }


def queue_url(**filters: Any) -> str:
    """The staff queue's "All" tab narrowed by `filters` (tickets.filters.TicketFilter's names; a list
    gives the name several times; a moment is sent in ISO form)."""
    query: list[tuple[str, str]] = [("tab", "all")]
    for name, value in filters.items():
        for each in value if isinstance(value, list | tuple) else [value]:
            query.append((name, each.isoformat() if isinstance(each, dt.datetime) else str(each)))
    return f"{reverse('console:queue')}?{urlencode(query)}"


def dashboard_links(*, start: dt.datetime, end: dt.datetime, levels: Sequence[str]) -> dict[str, Any]:
    """Where each of the dashboard's figures is listed ticket by ticket: the queue with the filters that
    select exactly the tickets the figure counts (reports.selectors.overview), over the same
    [start, end). What happened in a period includes closed tickets (`with_closed`); the open backlog is
    the queue's default (every stage but closed)."""
    period = {"with_closed": 1}
    return {
        "backlog": queue_url(),
        "backlog_breached": queue_url(sla_state=SlaState.BREACHED),
        "response_breaches": queue_url(
            **period, breached="response", response_due_after=start, response_due_before=end
        ),
        "resolution_breaches": queue_url(
            **period, breached="resolution", resolution_due_after=start, resolution_due_before=end
        ),
        "reported": queue_url(**period, reported_after=start, reported_before=end),
        "resolved": queue_url(**period, resolved_after=start, resolved_before=end),
        "closed": queue_url(**period, closed_after=start, closed_before=end),
        "escalated": queue_url(**period, escalated_after=start, escalated_before=end),
        "escalated_unacknowledged": queue_url(
            **period, escalated_after=start, escalated_before=end, escalation_unacknowledged="true"
        ),
        "escalated_levels": {
            level: queue_url(**period, escalated_after=start, escalated_before=end, escalated_level=level)
            for level in levels
        },
        "rated": queue_url(**period, rated_after=start, rated_before=end),
        "classification": {
            **{value: queue_url(classification=value) for value in Classification.values},
            "": queue_url(classified="false"),
        },
    }


def with_queue_links(incidents: dict[str, Any]) -> dict[str, Any]:
    """`reports.selectors.open_incidents_summary` with, on each incident, the queue of every complaint
    linked to it, closed ones included (the count shown beside it)."""
    rows = [
        {**row, "queue_url": queue_url(with_closed=1, incident=row["id"])} for row in incidents["incidents"]
    ]
    return {**incidents, "incidents": rows}


def dashboard_layout(
    *,
    figures: dict[str, Any],
    trend: list[dict[str, Any]],
    sla_days: list[dict[str, Any]],
    days: int,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, Any]:
    """The dashboard's tables and charts from `reports.selectors`' figures (backlog by stage and by
    classification, escalations by level, the daily trends), and the queue links of its figures over the
    period [start, end)."""
    links = dashboard_links(start=start, end=end, levels=list(figures["escalations"]["by_level"]))
    stage_labels = dict(Stage.choices)
    backlog = [
        {"label": str(stage_labels[stage]), "count": figures["backlog"]["by_stage"].get(stage, 0)}
        for stage in Stage
        if stage != Stage.CLOSED
    ]
    classification_labels = dict(Classification.choices)
    by_classification = figures["backlog"]["by_classification"]
    backlog_classes = [
        {
            "key": value,
            "label": str(classification_labels[value]),
            "count": by_classification.get(value, 0),
            "url": links["classification"][value],
        }
        for value in Classification.values
    ] + [
        {
            "key": "none",
            "label": _("Not classified"),
            "count": by_classification.get("", 0),
            "url": links["classification"][""],
        }
    ]
    levels = [
        {
            "key": level,
            "label": str(Level(int(level)).label),
            "short": _("Level %(level)s") % {"level": level},
            "count": count,
            "url": links["escalated_levels"][level],
        }
        for level, count in sorted(figures["escalations"]["by_level"].items())
    ]
    day = _("Day")
    charts = {
        "backlog": chart(
            "chart-backlog",
            _("Open tickets by stage (now)"),
            "bar",
            [row["label"] for row in backlog],
            [(_("Open tickets"), [row["count"] for row in backlog])],
            label_header=_("Stage"),
        ),
        "escalations": chart(
            "chart-escalations",
            _("Escalations raised in the period, by level"),
            "bar",
            [row["short"] for row in levels],
            [(_("Escalations"), [row["count"] for row in levels])],
            label_header=_("Level"),
        ),
        "trend": chart(
            "chart-trend",
            _("Tickets received and resolved per day (last %(days)s days)") % {"days": days},
            "line",
            [row["day"] for row in trend],
            [
                (_("Received"), [row["reported"] for row in trend]),
                (_("Resolved"), [row["resolved"] for row in trend]),
            ],
            label_header=day,
        ),
        "sla": chart(
            "chart-sla",
            _("SLA compliance per day, %% of deadlines met (last %(days)s days)") % {"days": days},
            "line",
            [row["day"] for row in sla_days],
            [
                (_("First response %"), [row["response_pct"] for row in sla_days]),
                (_("Resolution %"), [row["resolution_pct"] for row in sla_days]),
            ],
            label_header=day,
            percent=True,
        ),
    }
    return {
        "links": links,
        "backlog": backlog,
        "backlog_classes": backlog_classes,
        "levels": levels,
        "charts": charts,
    }


def monthly_layout(data: dict[str, Any]) -> dict[str, Any]:
    """Every figure of a monthly snapshot (`MonthlyReport.data`), laid out for the page: the counts per
    dimension with their charts, SLA compliance and times, escalations, CAPA, the trend."""
    titles = exports.dimension_titles()
    dimensions = []
    # In the order of the PDF and XLSX (PostgreSQL's jsonb does not keep the keys' order).
    for name in [*titles, *sorted(set(data["counts"]) - set(titles))]:
        counts = data["counts"].get(name)
        if counts is None:
            continue
        labels = [exports.key_label(name, row) for row in counts]
        dimensions.append(
            {
                "name": name,
                "title": titles.get(name, name),
                "rows": [
                    {"label": label, "count": row["count"]} for label, row in zip(labels, counts, strict=True)
                ],
                "chart": chart(
                    f"chart-{name.replace('_', '-')}",
                    _("Tickets by %(dimension)s") % {"dimension": str(titles.get(name, name)).lower()},
                    "bar",
                    labels,
                    [(_("Tickets"), [row["count"] for row in counts])],
                    label_header=titles.get(name, name),
                ),
            }
        )
    clock_labels = {"response": _("First response"), "resolution": _("Resolution")}
    sla = [{"clock": clock_labels[clock], **figures} for clock, figures in data["sla"].items()]
    times = [{"clock": clock_labels[clock], **figures} for clock, figures in data["times"].items()]
    levels = [
        {
            "label": str(Level(int(level)).label),
            "short": _("Level %(level)s") % {"level": level},
            "count": count,
        }
        for level, count in sorted(data["escalations"]["by_level"].items())
    ]
    reason_labels = dict(Reason.choices)
    reasons = [
        {"label": str(reason_labels.get(reason, reason)), "count": count}
        for reason, count in sorted(data["escalations"]["by_reason"].items())
    ]
    capa = data["capa"]
    capa_statuses = [
        {"label": str(CapaStatus(status).label), "count": count}
        for status, count in capa["by_status"].items()
    ]
    months = [*data.get("trend", []), {**data["headline"], "present": True}]
    charts = {
        "sla": chart(
            "chart-sla",
            _("SLA compliance"),
            "bar",
            [row["clock"] for row in sla],
            [
                (_("Met"), [row["met"] for row in sla]),
                (_("Missed"), [row["missed"] for row in sla]),
                (_("Not judged yet"), [row["running"] for row in sla]),
            ],
            label_header=_("Clock"),
        ),
        "escalations": chart(
            "chart-escalations",
            _("Escalations by level"),
            "bar",
            [row["short"] for row in levels],
            [(_("Escalations"), [row["count"] for row in levels])],
            label_header=_("Level"),
        ),
        "capa": chart(
            "chart-capa",
            _("CAPA actions by status"),
            "bar",
            [row["label"] for row in capa_statuses],
            [(_("Actions"), [row["count"] for row in capa_statuses])],
            label_header=_("Status"),
        ),
        "trend": chart(
            "chart-trend",
            _("Trend: SLA compliance and NPS, this month and the five before"),
            "line",
            [row["month"] for row in months],
            [
                (_("First response SLA %"), [row.get("response_compliance_pct") for row in months]),
                (_("Resolution SLA %"), [row.get("resolution_compliance_pct") for row in months]),
                (_("NPS"), [row.get("nps") for row in months]),
            ],
            label_header=_("Month"),
        ),
        "trend_tickets": chart(
            "chart-trend-tickets",
            _("Trend: tickets reported and backlog at month end"),
            "bar",
            [row["month"] for row in months],
            [
                (_("Tickets reported"), [row.get("tickets_reported") for row in months]),
                (_("Backlog at month end"), [row.get("backlog_at_month_end") for row in months]),
            ],
            label_header=_("Month"),
        ),
    }
    return {
        "incidents": _incidents_layout(data.get("incidents")),
        "dimensions": dimensions,
        "sla": sla,
        "times": times,
        "levels": levels,
        "reasons": reasons,
        "capa": capa,
        "capa_statuses": capa_statuses,
        "months": months,
        "charts": charts,
    }


def _incidents_layout(figures: dict[str, Any] | None) -> dict[str, Any] | None:
    """The month's incidents with their times read back as times (None: a snapshot built before
    incidents were in the recap)."""
    if figures is None:
        return None

    def moment(text: str | None) -> dt.datetime | None:
        return parse_datetime(text) if text else None

    rows = [
        {**row, "started_at": moment(row["started_at"]), "resolved_at": moment(row["resolved_at"])}
        for row in figures["listed"]
    ]
    return {**figures, "listed": rows, "more": figures["count"] - len(rows)}


def csi_chart(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The CSI mean per campaign, oldest first."""
    oldest_first = list(reversed(results))
    return chart(
        "chart-csi",
        _("Customer Satisfaction Index (1–5) per campaign"),
        "bar",
        [result["name"] for result in oldest_first],
        [(_("CSI"), [result["csi_mean"] for result in oldest_first])],
        label_header=_("Campaign"),
    )
