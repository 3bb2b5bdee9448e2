"""Downloads of a monthly snapshot: CSV, XLSX and PDF. Each is rendered from `MonthlyReport.data` only —
never recomputed from tickets — so every format shows exactly the figures that were frozen."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import structlog
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reports.models import CapaStatus, MonthlyReport
from tickets.models import TEAM_LABELS, Category, Channel, Classification, ServiceKind

log = structlog.get_logger(__name__)

COLOURS = ["#1f5fa8", "#e07b1a", "#2a9d5b", "#c23b3b", "#7a4fb0", "#8c6d31"]


def dimension_titles() -> dict[str, str]:
    return {
        "category": _("Category"),
        "classification": _("Classification"),
        "service_kind": _("Service"),
        "channel": _("Channel"),
        "region": _("Region"),
        "team": _("Team"),
    }


def key_label(dimension: str, row: dict[str, Any]) -> str:
    """The display name of a count row's key (translated choice label, region name, team name)."""
    key = row.get("key", "")
    choices = {
        "category": Category,
        "classification": Classification,
        "service_kind": ServiceKind,
        "channel": Channel,
    }.get(dimension)
    if choices is not None and key in choices.values:
        return str(choices(key).label)
    if dimension == "region" and row.get("name"):
        return f"{row['name']} ({key})"
    if dimension == "team" and key in TEAM_LABELS:
        return str(TEAM_LABELS[key])
    if not key:
        return {
            "classification": _("Not classified"),
            "service_kind": _("No service given"),
            "region": _("No region"),
            "team": _("No team"),
        }.get(dimension, _("None"))
    return str(key)


def _blank(value: Any) -> Any:
    return "" if value is None else value


def rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    """The snapshot as (section, item, measure, value) rows: the shape of the CSV and the XLSX summary."""
    yield ["report", "month", "", data["month"]]
    yield ["report", "time_zone", "", data["time_zone"]]
    yield ["report", "as_of", "", data["as_of"]]
    yield ["report", "tickets_reported", "", data["tickets_reported"]]
    for dimension, counts in data["counts"].items():
        for row in counts:
            yield [f"counts.{dimension}", row["key"] or "-", "tickets", row["count"]]
    for clock, figures in data["sla"].items():
        for measure in ("met", "missed", "running", "compliance_pct"):
            yield [f"sla.{clock}", clock, measure, _blank(figures[measure])]
    for clock, figures in data["times"].items():
        for measure in ("count", "mean_minutes", "median_minutes", "p90_minutes"):
            yield [f"times.{clock}", clock, measure, _blank(figures[measure])]
    for level, count in sorted(data["escalations"]["by_level"].items()):
        yield ["escalations.by_level", level, "escalations", count]
    for reason, count in sorted(data["escalations"]["by_reason"].items()):
        yield ["escalations.by_reason", reason, "escalations", count]
    for measure in ("resolved", "reopened", "rate_pct"):
        yield ["reopen", "reopen", measure, _blank(data["reopen"][measure])]
    yield ["backlog", "at_month_end", "tickets", data["backlog"]["at_month_end"]]
    for rank, cause in enumerate(data["root_causes"], start=1):
        yield ["root_causes", cause["code"], "tickets", cause["tickets"]]
        yield ["root_causes", cause["code"], "analyses", cause["analyses"]]
        yield ["root_causes", cause["code"], "rank", rank]
    for status, count in data["capa"]["by_status"].items():
        yield ["capa.by_status", status, "actions", count]
    for measure in ("total", "overdue", "done_unverified", "verified"):
        yield ["capa", measure, "actions", data["capa"][measure]]
    for measure, value in data["satisfaction"].items():
        yield ["satisfaction", "ratings", measure, _blank(value)]
    incidents = data.get("incidents")  # absent from snapshots built before incidents were in the recap
    if incidents is not None:
        for measure in ("count", "resolved", "mean_minutes", "median_minutes", "linked_complaints"):
            yield ["incidents", "incidents", measure, _blank(incidents[measure])]
        yield ["incidents", "incidents", "linked_share_pct", _blank(incidents["linked_share_pct"])]
        for incident in incidents["listed"]:
            yield ["incidents.listed", f"INC-{incident['id']}", "minutes", _blank(incident["minutes"])]
            yield ["incidents.listed", f"INC-{incident['id']}", "tickets", incident["tickets"]]
    for month in data["trend"]:
        for measure, value in month.items():
            if measure != "month":
                yield ["trend", month["month"], measure, _blank(value)]


def monthly_csv(report: MonthlyReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "item", "measure", "value"])
    writer.writerows(rows(report.data))
    # A byte-order mark so that spreadsheet programs read the UTF-8 as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------------------


def monthly_xlsx(report: MonthlyReport) -> bytes:
    """One sheet per section, with a column chart of tickets by category and a trend line chart."""
    import xlsxwriter

    data = report.data
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})

    def sheet(name: str, header: list[str], body: list[list[Any]]) -> Any:
        ws = book.add_worksheet(name[:31])
        ws.write_row(0, 0, header, bold)
        for index, values in enumerate(body, start=1):
            ws.write_row(index, 0, [_blank(value) for value in values])
        ws.set_column(0, max(len(header) - 1, 0), 22)
        return ws

    sheet(
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Month"), data["month"]],
            [_("Time zone"), data["time_zone"]],
            [_("Figures as of"), data["as_of"]],
            [_("Tickets reported"), data["tickets_reported"]],
            [_("Backlog at month end"), data["backlog"]["at_month_end"]],
            [_("Response SLA compliance %"), data["sla"]["response"]["compliance_pct"]],
            [_("Resolution SLA compliance %"), data["sla"]["resolution"]["compliance_pct"]],
            [_("Reopen rate %"), data["reopen"]["rate_pct"]],
            [_("CSAT mean"), data["satisfaction"]["csat_mean"]],
            [_("NPS"), data["satisfaction"]["nps"]],
        ],
    )
    titles = dimension_titles()
    counts_ws = book.add_worksheet(_("Counts")[:31])
    column = 0
    for dimension, counts in data["counts"].items():
        counts_ws.write_row(0, column, [titles[dimension], _("Tickets")], bold)
        for index, row in enumerate(counts, start=1):
            counts_ws.write_row(index, column, [key_label(dimension, row), row["count"]])
        counts_ws.set_column(column, column, 24)
        column += 3
    category_rows = len(data["counts"]["category"])
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": _("Tickets by category"),
            "categories": [counts_ws.name, 1, 0, category_rows, 0],
            "values": [counts_ws.name, 1, 1, category_rows, 1],
            "fill": {"color": COLOURS[0]},
        }
    )
    chart.set_title({"name": _("Tickets by category")})
    chart.set_legend({"none": True})
    counts_ws.insert_chart(category_rows + 3, 0, chart)

    sheet(
        _("SLA"),
        [_("Clock"), _("Met"), _("Missed"), _("Not judged yet"), _("Compliance %")],
        [
            [clock, f["met"], f["missed"], f["running"], f["compliance_pct"]]
            for clock, f in data["sla"].items()
        ],
    )
    sheet(
        _("Times"),
        [_("Clock"), _("Tickets"), _("Mean (min)"), _("Median (min)"), _("90th percentile (min)")],
        [
            [clock, f["count"], f["mean_minutes"], f["median_minutes"], f["p90_minutes"]]
            for clock, f in data["times"].items()
        ],
    )
    sheet(
        _("Escalations"),
        [_("Level"), _("Escalations")],
        sorted([level, count] for level, count in data["escalations"]["by_level"].items()),
    )
    sheet(
        _("Reopen and backlog"),
        [_("Figure"), _("Value")],
        [
            [_("Resolved"), data["reopen"]["resolved"]],
            [_("Reopened"), data["reopen"]["reopened"]],
            [_("Reopen rate %"), data["reopen"]["rate_pct"]],
            [_("Backlog at month end"), data["backlog"]["at_month_end"]],
        ],
    )
    incidents = data.get("incidents")  # absent from snapshots built before incidents were in the recap
    if incidents is not None:
        sheet(
            _("Incidents"),
            [
                _("Incident"),
                _("Title"),
                _("Started"),
                _("Resolved"),
                _("Duration (minutes)"),
                _("Complaints"),
            ],
            [
                [
                    _("All incidents"),
                    "",
                    incidents["count"],
                    incidents["resolved"],
                    incidents["mean_minutes"],
                    None,
                ],
                *[
                    [
                        f"INC-{row['id']}",
                        row["title"],
                        row["started_at"],
                        row["resolved_at"] or "",
                        row["minutes"],
                        row["tickets"],
                    ]
                    for row in incidents["listed"]
                ],
                [_("Complaints linked to an incident"), "", None, None, None, incidents["linked_complaints"]],
                [_("Share of the month's complaints %"), "", None, None, None, incidents["linked_share_pct"]],
            ],
        )
    sheet(
        _("Root causes"),
        [_("Code"), _("Root cause"), _("Tickets"), _("Analyses")],
        [[c["code"], c["name"], c["tickets"], c["analyses"]] for c in data["root_causes"]],
    )
    capa_rows = [
        [str(CapaStatus(status).label), count] for status, count in data["capa"]["by_status"].items()
    ]
    capa_rows += [
        [_("Overdue"), data["capa"]["overdue"]],
        [_("Done, not verified"), data["capa"]["done_unverified"]],
        [_("Verified"), data["capa"]["verified"]],
    ]
    sheet(_("CAPA"), [_("Status"), _("Actions")], capa_rows)
    sheet(
        _("Satisfaction"),
        [_("Figure"), _("Value")],
        [[measure, value] for measure, value in data["satisfaction"].items()],
    )
    trend_rows = [*data["trend"], {**data["headline"], "present": True}]
    trend_ws = sheet(
        _("Trend"),
        [_("Month"), _("Tickets"), _("Response SLA %"), _("Resolution SLA %"), _("Backlog"), _("NPS")],
        [
            [
                row["month"],
                row.get("tickets_reported"),
                row.get("response_compliance_pct"),
                row.get("resolution_compliance_pct"),
                row.get("backlog_at_month_end"),
                row.get("nps"),
            ]
            for row in trend_rows
        ],
    )
    line = book.add_chart({"type": "line"})
    for offset, colour in ((2, COLOURS[0]), (3, COLOURS[1])):
        line.add_series(
            {
                "name": [trend_ws.name, 0, offset],
                "categories": [trend_ws.name, 1, 0, len(trend_rows), 0],
                "values": [trend_ws.name, 1, offset, len(trend_rows), offset],
                "line": {"color": colour},
                "marker": {"type": "circle"},
            }
        )
    line.set_title({"name": _("SLA compliance, last six months")})
    trend_ws.insert_chart(len(trend_rows) + 3, 0, line)
    book.close()
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------------------


def _svg(figure: Any, name: str) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    # Inline in HTML: drop the XML prolog and DOCTYPE that precede <svg>.
    text = text[text.index("<svg") :]
    # Several SVGs share one HTML document: give each its own element ids (glyphs, clip paths).
    return (
        text.replace('id="', f'id="{name}-')
        .replace('href="#', f'href="#{name}-')
        .replace("url(#", f"url(#{name}-")
    )


def charts(data: dict[str, Any]) -> dict[str, str]:
    """The recap's charts as inline SVG: tickets by category, SLA compliance, and the six-month trend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "path"  # text as shapes: the PDF needs no fonts for the charts
    result: dict[str, str] = {}

    figure, axes = plt.subplots(figsize=(6, 2.6))
    categories = data["counts"]["category"]
    axes.bar(
        [key_label("category", r) for r in categories], [r["count"] for r in categories], color=COLOURS[0]
    )
    axes.set_ylabel(_("Tickets"))
    axes.set_title(_("Tickets by category"))
    result["category"] = _svg(figure, "category")

    figure, axes = plt.subplots(figsize=(6, 2.4))
    labels = [_("First response"), _("Resolution")]
    values = [data["sla"][clock]["compliance_pct"] or 0 for clock in ("response", "resolution")]
    axes.barh(labels, values, color=[COLOURS[2], COLOURS[1]])
    axes.set_xlim(0, 100)
    axes.set_xlabel(_("% met"))
    axes.set_title(_("SLA compliance"))
    result["sla"] = _svg(figure, "sla")

    figure, axes = plt.subplots(figsize=(6, 2.6))
    months = [*data["trend"], {**data["headline"], "present": True}]
    names = [row["month"] for row in months]
    for key, label, colour in (
        ("response_compliance_pct", _("Response SLA %"), COLOURS[0]),
        ("resolution_compliance_pct", _("Resolution SLA %"), COLOURS[1]),
        ("nps", _("NPS"), COLOURS[2]),
    ):
        points = [row.get(key) for row in months]
        axes.plot(
            names, [float("nan") if p is None else p for p in points], marker="o", color=colour, label=label
        )
    axes.axhline(data["satisfaction"]["nps_target"], color=COLOURS[2], linestyle=":", linewidth=1)
    axes.set_title(_("Trend, last six months"))
    axes.legend(fontsize="small", loc="best")
    result["trend"] = _svg(figure, "trend")
    return result


def monthly_pdf(report: MonthlyReport) -> bytes:
    """The recap as a PDF (WeasyPrint) from templates/reports/monthly_pdf.html, charts inline as SVG."""
    from weasyprint import HTML

    data = report.data
    titles = dimension_titles()
    dimensions = [
        {
            "title": titles[dimension],
            "rows": [{"label": key_label(dimension, row), "count": row["count"]} for row in counts],
        }
        for dimension, counts in data["counts"].items()
    ]
    context = {
        "report": report,
        "data": data,
        "dimensions": dimensions,
        "capa_statuses": [
            {"label": CapaStatus(status).label, "count": count}
            for status, count in data["capa"]["by_status"].items()
        ],
        "escalation_levels": sorted(data["escalations"]["by_level"].items()),
        "charts": {name: mark_safe(svg) for name, svg in charts(data).items()},  # noqa: S308 (our own SVG)
    }
    html = render_to_string("reports/monthly_pdf.html", context)
    return HTML(string=html).write_pdf()


# A rendered PDF is kept this long. Its key names the snapshot's build time and the language, so a
# rebuilt snapshot or another language is rendered afresh; after a deploy that changes the layout, old
# PDFs are served at most this long.
PDF_CACHE_SECONDS = 24 * 3600


def monthly_pdf_cached(report: MonthlyReport) -> bytes:
    """`monthly_pdf`, rendered once per snapshot and language (several seconds for a month of charts)
    and then served from the cache. A cache that is away only costs the rendering."""
    key = f"reports:monthly-pdf:{report.pk}:{report.built_at.timestamp():.6f}:{translation.get_language()}"
    try:
        pdf = cache.get(key)
    except Exception:  # the cache's server is away: render, as without a cache
        log.warning("monthly_pdf_cache_unavailable", report=str(report))
        pdf = None
    if isinstance(pdf, bytes):
        return pdf
    pdf = monthly_pdf(report)
    try:
        cache.set(key, pdf, timeout=PDF_CACHE_SECONDS)
    except Exception:
        log.warning("monthly_pdf_cache_unavailable", report=str(report))
    return pdf
