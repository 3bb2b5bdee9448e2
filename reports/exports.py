"""Downloads of a monthly snapshot: CSV, XLSX and PDF. Each is rendered from `MonthlyReport.data` only —
never recomputed from tickets — so every format shows exactly the figures that were frozen."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import structlog
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from escalation.models import Level, Reason
from reports import briefing
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


# Excel's locale codes: month names in the number format follow the reader's language, not the machine's.
XLSX_LOCALES = {"id": "[$-421]", "en": "[$-409]"}


def _xlsx_moment(text: str | None, data: dict[str, Any]) -> dt.datetime | None:
    """An ISO moment as the wall-clock time of the report's zone (Excel has no time zones)."""
    if not text:
        return None
    return dt.datetime.fromisoformat(text).astimezone(briefing.report_zone(data)).replace(tzinfo=None)


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules for a sheet's name: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title))[:31].strip() or "Sheet"
    base, index = name, 2
    while name.lower() in taken:
        suffix = f" ({index})"
        name = base[: 31 - len(suffix)] + suffix
        index += 1
    taken.add(name.lower())
    return name


def monthly_xlsx(report: MonthlyReport) -> bytes:
    """One sheet per section, with translated sheet names and headers (the active language), numbers
    stored as numbers with their formats (whole numbers, one decimal, percentages, dates and times in the
    report's zone), a column chart of tickets by category and a trend line chart."""
    import xlsxwriter

    data = report.data
    language = (translation.get_language() or "id")[:2]
    locale = XLSX_LOCALES.get(language, "")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {"title": _("Monthly complaint report — %(month)s") % {"month": briefing.month_name(data["month"])}}
    )
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F7", "bottom": 1, "text_wrap": True})
    formats = {
        "text": None,
        "int": book.add_format({"num_format": "#,##0"}),
        "dec1": book.add_format({"num_format": "#,##0.0"}),
        "dec2": book.add_format({"num_format": "0.00"}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "month": book.add_format({"num_format": f"{locale}mmmm yyyy", "align": "left"}),
        "moment": book.add_format({"num_format": f"{locale}d mmmm yyyy hh:mm", "align": "left"}),
    }
    taken: set[str] = set()

    def cell(value: Any, kind: str) -> tuple[Any, Any]:
        if value is None:
            return "", None
        if kind == "pct":
            return value / 100, formats["pct"]
        return value, formats[kind]

    def sheet(title: str, columns: list[tuple[str, str, int]], body: list[list[Any]]) -> Any:
        """`columns`: (header, kind, width); a row's value in a "row" column picks its own kind:
        (value, kind)."""
        ws = book.add_worksheet(_sheet_name(title, taken))
        ws.write_row(0, 0, [header for header, _kind, _width in columns], bold)
        ws.freeze_panes(1, 0)
        for index, (_header, _kind, width) in enumerate(columns):
            ws.set_column(index, index, width)
        for row_index, values in enumerate(body, start=1):
            for column_index, value in enumerate(values):
                kind = columns[column_index][1]
                if isinstance(value, tuple):
                    value, kind = value
                shown, style = cell(value, kind)
                ws.write(row_index, column_index, shown, style)
        return ws

    month = briefing.month_date(data["month"])
    zone = briefing.zone_label(data)
    sla, satisfaction = data["sla"], data["satisfaction"]
    incidents = data.get("incidents")  # absent from snapshots built before incidents were in the recap
    figure, value = _("Figure"), _("Value")
    sheet(
        _("Summary"),
        [(figure, "text", 40), (value, "text", 24)],
        [
            [_("Month"), (month, "month")],
            [_("Time zone"), zone],
            [_("Figures as of (%(zone)s)") % {"zone": zone}, (_xlsx_moment(data["as_of"], data), "moment")],
            [_("Tickets reported"), (data["tickets_reported"], "int")],
            [_("Backlog at month end"), (data["backlog"]["at_month_end"], "int")],
            [_("Response SLA met"), (sla["response"]["compliance_pct"], "pct")],
            [_("Resolution SLA met"), (sla["resolution"]["compliance_pct"], "pct")],
            [_("Escalations"), (data["escalations"]["total"], "int")],
            [_("Reopen rate"), (data["reopen"]["rate_pct"], "pct")],
            [_("CSAT mean (1–5)"), (satisfaction["csat_mean"], "dec2")],
            [_("NPS"), (satisfaction["nps"], "dec1")],
            [_("NPS target"), (satisfaction["nps_target"], "int")],
            *(
                []
                if incidents is None
                else [
                    [_("Mass incidents"), (incidents["count"], "int")],
                    [_("Complaints linked to an incident"), (incidents["linked_complaints"], "int")],
                ]
            ),
        ],
    )
    titles = dimension_titles()
    counts_ws = book.add_worksheet(_sheet_name(_("Counts"), taken))
    counts_ws.freeze_panes(1, 0)
    column = 0
    dimensions = [*titles, *sorted(set(data["counts"]) - set(titles))]
    for dimension in [name for name in dimensions if name in data["counts"]]:
        counts_ws.write_row(0, column, [titles.get(dimension, dimension), _("Tickets")], bold)
        for index, row in enumerate(data["counts"][dimension], start=1):
            counts_ws.write(index, column, key_label(dimension, row))
            counts_ws.write_number(index, column + 1, row["count"], formats["int"])
        counts_ws.set_column(column, column, 26)
        counts_ws.set_column(column + 1, column + 1, 10)
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
    chart.set_y_axis(
        {"major_unit": 1} if max([r["count"] for r in data["counts"]["category"]] + [0]) < 10 else {}
    )
    counts_ws.insert_chart(category_rows + 3, 0, chart)

    clock_labels = {"response": _("First response"), "resolution": _("Resolution")}
    sla_columns = [
        (_("Clock"), "text", 18),
        (_("Met"), "int", 10),
        (_("Missed"), "int", 10),
        (_("Not judged yet"), "int", 14),
        (_("Met %"), "pct", 10),
    ]
    sheet(
        _("SLA"),
        sla_columns,
        [
            [clock_labels[clock], f["met"], f["missed"], f["running"], f["compliance_pct"]]
            for clock, f in ((clock, sla[clock]) for clock in ("response", "resolution"))
        ],
    )
    by_class = data.get("sla_by_classification")  # absent from snapshots of schema 1
    if by_class is not None:
        sheet(
            _("SLA by classification"),
            [
                (_("Classification"), "text", 20),
                (_("Tickets"), "int", 10),
                (_("First response met"), "int", 14),
                (_("First response missed"), "int", 14),
                (_("First response met %"), "pct", 14),
                (_("Resolution met"), "int", 14),
                (_("Resolution missed"), "int", 14),
                (_("Resolution met %"), "pct", 14),
            ],
            [
                [
                    briefing.classification_label(key),
                    row["tickets"],
                    row["response"]["met"],
                    row["response"]["missed"],
                    row["response"]["compliance_pct"],
                    row["resolution"]["met"],
                    row["resolution"]["missed"],
                    row["resolution"]["compliance_pct"],
                ]
                for key, row in (
                    (key, by_class[key]) for key in [*Classification.values, ""] if key in by_class
                )
            ],
        )
    sheet(
        _("Times"),
        [
            (_("Clock"), "text", 18),
            (_("Tickets"), "int", 10),
            (_("Mean (minutes)"), "dec1", 14),
            (_("Median (minutes)"), "dec1", 14),
            (_("90th percentile (minutes)"), "dec1", 16),
        ],
        [
            [clock_labels[clock], f["count"], f["mean_minutes"], f["median_minutes"], f["p90_minutes"]]
            for clock, f in ((clock, data["times"][clock]) for clock in ("response", "resolution"))
        ],
    )
    reason_labels = dict(Reason.choices)
    sheet(
        _("Escalations"),
        [(_("Escalations by"), "text", 40), (_("Escalations"), "int", 12)],
        [
            *[
                [str(Level(int(level)).label), count]
                for level, count in sorted(data["escalations"]["by_level"].items())
            ],
            *[
                [str(reason_labels.get(reason, reason)), count]
                for reason, count in sorted(data["escalations"]["by_reason"].items())
            ],
            [_("All escalations"), data["escalations"]["total"]],
        ],
    )
    sheet(
        _("Reopen and backlog"),
        [(figure, "text", 30), (value, "int", 12)],
        [
            [_("Resolved"), data["reopen"]["resolved"]],
            [_("Reopened"), data["reopen"]["reopened"]],
            [_("Reopen rate"), (data["reopen"]["rate_pct"], "pct")],
            [_("Backlog at month end"), data["backlog"]["at_month_end"]],
        ],
    )
    if incidents is not None:
        sheet(
            _("Incidents"),
            [
                (_("Incident"), "text", 34),
                (_("Title"), "text", 30),
                (_("Started"), "moment", 20),
                (_("Resolved"), "moment", 20),
                (_("Duration (minutes)"), "dec1", 14),
                (_("Complaints"), "int", 12),
            ],
            [
                [
                    _("All incidents"),
                    "",
                    (incidents["count"], "int"),
                    (incidents["resolved"], "int"),
                    incidents["mean_minutes"],
                    None,
                ],
                *[
                    [
                        f"INC-{row['id']}",
                        row["title"],
                        _xlsx_moment(row["started_at"], data),
                        _xlsx_moment(row["resolved_at"], data),
                        row["minutes"],
                        row["tickets"],
                    ]
                    for row in incidents["listed"]
                ],
                [_("Complaints linked to an incident"), "", None, None, None, incidents["linked_complaints"]],
                [
                    _("Share of the month's complaints"),
                    "",
                    None,
                    None,
                    None,
                    (incidents["linked_share_pct"], "pct"),
                ],
            ],
        )
    sheet(
        _("Root causes"),
        [
            (_("Code"), "text", 22),
            (_("Root cause"), "text", 32),
            (_("Tickets"), "int", 10),
            (_("Analyses"), "int", 10),
        ],
        [[c["code"], c["name"], c["tickets"], c["analyses"]] for c in data["root_causes"]],
    )
    capa_rows = [
        [str(CapaStatus(status).label), count]
        for status, count in sorted(
            data["capa"]["by_status"].items(), key=lambda item: CapaStatus.values.index(item[0])
        )
    ]
    capa_rows += [
        [_("Overdue"), data["capa"]["overdue"]],
        [_("Done, not verified"), data["capa"]["done_unverified"]],
        [_("Verified as effective"), data["capa"]["verified"]],
        [_("All actions"), data["capa"]["total"]],
    ]
    sheet(_("CAPA"), [(_("Status"), "text", 28), (_("Actions"), "int", 10)], capa_rows)
    satisfaction_labels = [
        ("ratings", _("Ratings"), "int"),
        ("csat_mean", _("CSAT mean (1–5)"), "dec2"),
        ("nps_responses", _("NPS answers"), "int"),
        ("promoters", _("Promoters (9–10)"), "int"),
        ("passives", _("Passives (7–8)"), "int"),
        ("detractors", _("Detractors (0–6)"), "int"),
        ("nps", _("NPS"), "dec1"),
        ("nps_target", _("NPS target"), "int"),
    ]
    sheet(
        _("Satisfaction"),
        [(figure, "text", 26), (value, "text", 12)],
        [
            [label, (satisfaction.get(key), kind)]
            for key, label, kind in satisfaction_labels
            if key in satisfaction
        ]
        + (
            []
            if satisfaction.get("nps_target_met") is None
            else [[_("NPS target met"), _("Yes") if satisfaction["nps_target_met"] else _("No")]]
        ),
    )
    trend_rows = briefing.months(data)
    trend_ws = sheet(
        _("Trend"),
        [
            (_("Month"), "month", 16),
            (_("Tickets"), "int", 10),
            (_("Response SLA met"), "pct", 14),
            (_("Resolution SLA met"), "pct", 14),
            (_("Backlog at month end"), "int", 14),
            (_("CSAT mean (1–5)"), "dec2", 12),
            (_("NPS"), "dec1", 10),
        ],
        [
            [
                briefing.month_date(row["month"]),
                row.get("tickets_reported"),
                row.get("response_compliance_pct"),
                row.get("resolution_compliance_pct"),
                row.get("backlog_at_month_end"),
                row.get("csat_mean"),
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
    line.set_title({"name": _("SLA compliance, this month and the months before")})
    line.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
    line.set_x_axis({"num_format": f"{locale}mmm yyyy"})
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
    """The recap's charts as inline SVG: tickets by category and the trend of the months
    before and the report's own (tickets as bars on a whole-number axis, SLA compliance as lines)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    plt.rcParams["svg.fonttype"] = "path"  # text as shapes: the PDF needs no fonts for the charts
    result: dict[str, str] = {}

    figure, axes = plt.subplots(figsize=(6, 2.4))
    categories = data["counts"]["category"]
    axes.bar(
        [key_label("category", r) for r in categories], [r["count"] for r in categories], color=COLOURS[0]
    )
    axes.set_ylabel(_("Tickets"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # tickets come whole: no 0.5 steps
    axes.set_title(_("Tickets by category"))
    result["category"] = _svg(figure, "category")

    figure, axes = plt.subplots(figsize=(6.4, 2.6))
    months = briefing.months(data)
    names = [briefing.month_short(row["month"]) for row in months]
    positions = list(range(len(months)))
    tickets = [row.get("tickets_reported") for row in months]
    bars = axes.bar(
        positions,
        [0 if value is None else value for value in tickets],
        color=[COLOURS[0] if row["is_current"] else "#9bb7d9" for row in months],
        label=_("Tickets reported"),
    )
    axes.set_xticks(positions, names)
    axes.set_ylabel(_("Tickets"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([value or 0 for value in tickets] + [1]) * 1.15)
    percent_axes = axes.twinx()
    lines = []
    for key, label, colour in (
        ("response_compliance_pct", _("Response SLA %"), COLOURS[2]),
        ("resolution_compliance_pct", _("Resolution SLA %"), COLOURS[1]),
    ):
        points = [row.get(key) for row in months]
        (line,) = percent_axes.plot(
            positions,
            [float("nan") if p is None else p for p in points],
            marker="o",
            color=colour,
            label=label,
        )
        lines.append(line)
    percent_axes.set_ylim(0, 105)
    percent_axes.set_ylabel(_("% met"))
    axes.set_title(_("Trend: tickets and SLA compliance"))
    handles: list[Any] = [bars, *lines]
    axes.legend(
        handles,
        [str(handle.get_label()) for handle in handles],
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=3,
        frameon=False,
    )
    result["trend"] = _svg(figure, "trend")
    return result


def dimension_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    titles = dimension_titles()
    return [
        {
            "title": titles.get(dimension, dimension),
            "rows": [
                {"label": key_label(dimension, row), "count": briefing.number(row["count"])}
                for row in data["counts"][dimension]
            ],
        }
        # In a fixed order (PostgreSQL's jsonb does not keep the keys' order).
        for dimension in [*titles, *sorted(set(data["counts"]) - set(titles))]
        if dimension in data["counts"]
    ]


def pdf_context(report: MonthlyReport) -> dict[str, Any]:
    """Everything the PDF shows, formatted for the reader's language (the active one)."""
    data = report.data
    number, percent = briefing.number, briefing.percent
    incidents = data.get("incidents")
    satisfaction = data["satisfaction"]
    capa = data["capa"]
    clock_labels = {"response": _("First response"), "resolution": _("Resolution")}
    return {
        "language": translation.get_language() or "id",
        "title": _("Monthly complaint report — %(month)s") % {"month": briefing.month_name(data["month"])},
        "month_name": briefing.month_name(data["month"]),
        "as_of": briefing.as_of_label(data),
        "zone": briefing.zone_label(data),
        "tiles": briefing.summary_tiles(data),
        "highlights": briefing.highlights(data),
        "comparison": briefing.comparison(data),
        "previous": briefing.previous_month(data),
        "previous_name": (
            briefing.month_short(briefing.previous_month(data)["month"])  # type: ignore[index]
            if briefing.previous_month(data)
            else _("the previous month")
        ),
        "trend": briefing.trend_rows(data),
        "sla_classes": briefing.sla_class_rows(data),
        "sla": [
            {
                "label": clock_labels[clock],
                "met": number(data["sla"][clock]["met"]),
                "missed": number(data["sla"][clock]["missed"]),
                "running": number(data["sla"][clock]["running"]),
                "pct": percent(data["sla"][clock]["compliance_pct"]),
            }
            for clock in ("response", "resolution")
        ],
        "times": [
            {
                "label": clock_labels[clock],
                "count": number(data["times"][clock]["count"]),
                "mean": number(data["times"][clock]["mean_minutes"], 1),
                "median": number(data["times"][clock]["median_minutes"], 1),
                "p90": number(data["times"][clock]["p90_minutes"], 1),
            }
            for clock in ("response", "resolution")
        ],
        "root_causes": [
            {
                "rank": rank,
                "name": cause["name"],
                "tickets": number(cause["tickets"]),
                "analyses": number(cause["analyses"]),
            }
            for rank, cause in enumerate(data["root_causes"], start=1)
        ],
        "capa": [
            *[
                {"label": CapaStatus(status).label, "count": number(count)}
                for status, count in sorted(
                    capa["by_status"].items(), key=lambda item: CapaStatus.values.index(item[0])
                )
            ],
            {"label": _("Overdue"), "count": number(capa["overdue"]), "is_warning": bool(capa["overdue"])},
            {"label": _("Done, not verified"), "count": number(capa["done_unverified"])},
            {"label": _("Verified as effective"), "count": number(capa["verified"])},
            {"label": _("All actions"), "count": number(capa["total"]), "is_total": True},
        ],
        "dimensions": dimension_tables(data),
        "escalation_levels": [
            {"label": Level(int(level)).label, "count": number(count)}
            for level, count in sorted(data["escalations"]["by_level"].items())
        ],
        "escalations_total": number(data["escalations"]["total"]),
        "reopen": {
            "resolved": number(data["reopen"]["resolved"]),
            "reopened": number(data["reopen"]["reopened"]),
            "rate": percent(data["reopen"]["rate_pct"]),
        },
        "incidents": None
        if incidents is None
        else {
            "count": number(incidents["count"]),
            "resolved": number(incidents["resolved"]),
            "linked": number(incidents["linked_complaints"]),
            "share": percent(incidents["linked_share_pct"]),
            "median": number(incidents["median_minutes"], 1),
            "listed": [
                {
                    "name": f"INC-{row['id']}: {row['title']}",
                    "minutes": number(row["minutes"], 1),
                    "tickets": number(row["tickets"]),
                }
                for row in incidents["listed"]
            ],
        },
        "satisfaction": {
            "ratings": number(satisfaction["ratings"]),
            "csat": number(satisfaction["csat_mean"], 2),
            "promoters": number(satisfaction["promoters"]),
            "passives": number(satisfaction["passives"]),
            "detractors": number(satisfaction["detractors"]),
            "nps": number(satisfaction["nps"], 1),
            "target": number(satisfaction["nps_target"]),
        },
        "charts": {name: mark_safe(svg) for name, svg in charts(data).items()},  # noqa: S308 (our own SVG)
    }


def monthly_pdf(report: MonthlyReport) -> bytes:
    """The recap as a PDF (WeasyPrint) from templates/reports/monthly_pdf.html, charts inline as SVG:
    page 1 the executive summary, then the trend, SLA by classification, root causes and CAPA, then the
    details. In the active language."""
    from weasyprint import HTML

    html = render_to_string("reports/monthly_pdf.html", pdf_context(report))
    return HTML(string=html).write_pdf()


# A rendered PDF is kept this long. Its key names the snapshot's build time and the language, so a
# rebuilt snapshot or another language is rendered afresh; after a deploy that changes the layout, old
# PDFs are served at most this long.
PDF_CACHE_SECONDS = 24 * 3600
# Part of the key: a new layout is rendered afresh at once instead of after the old one expires.
PDF_LAYOUT = 2


def monthly_pdf_cached(report: MonthlyReport) -> bytes:
    """`monthly_pdf`, rendered once per snapshot and language (several seconds for a month of charts)
    and then served from the cache. A cache that is away only costs the rendering."""
    built = f"{report.built_at.timestamp():.6f}"
    key = f"reports:monthly-pdf:{PDF_LAYOUT}:{report.pk}:{built}:{translation.get_language()}"
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
