"""The monthly snapshot told to a director: numbers and dates in the reader's language (the language active
when this runs: Indonesian 1.234,5 and "Maret 2026", English 1,234.5 and "March 2026"), moments in the
report's zone with its short name (WIB), and the executive summary with a few plain-language highlights
worked out from the figures. Read from `MonthlyReport.data` only; used by the PDF and the XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from helpdesk.lib import zones
from reports import recap
from tickets.models import Category, Classification

DASH = "—"
# At most this many highlights on the summary page.
HIGHLIGHTS_MAX = 5


# --- Numbers, months and moments in the reader's language ------------------------------------------------


def number(value: float | int | None, places: int = 0) -> str:
    """1.234,5 in Indonesian, 1,234.5 in English; "—" for a figure over nothing (None)."""
    if value is None:
        return DASH
    return formats.number_format(round(value, places), places, use_l10n=True, force_grouping=True)


def percent(value: float | None, places: int = 1) -> str:
    return DASH if value is None else _("%(number)s%%") % {"number": number(value, places)}


def month_date(key: str) -> dt.date:
    """The first day of a snapshot's "YYYY-MM"."""
    return dt.date(int(key[:4]), int(key[5:7]), 1)


def month_name(key: str) -> str:
    """ "Maret 2026" / "March 2026"."""
    return formats.date_format(month_date(key), "F Y", use_l10n=True)


def month_short(key: str) -> str:
    """ "Mar 2026" (a chart's or a table's month)."""
    return formats.date_format(month_date(key), "M Y", use_l10n=True)


def report_zone(data: dict[str, Any]) -> Any:
    return zones.zone(data.get("time_zone"))


def moment(text: str | None, data: dict[str, Any]) -> str:
    """An ISO moment of the snapshot in the report's zone, with the zone's short name:
    "3 Desember 2026, 10.15 WIB" / "3 December 2026, 10:15 WIB"."""
    if not text:
        return DASH
    tz = report_zone(data)
    local = dt.datetime.fromisoformat(text).astimezone(tz)
    # The time's separator is the language's (Indonesian writes 10.15).
    clock = local.strftime(pgettext("time of day, strftime", "%H:%M"))
    return _("%(date)s, %(time)s %(zone)s") % {
        "date": formats.date_format(local, "j F Y", use_l10n=True),
        "time": clock,
        "zone": zones.zone_label(local, tz),
    }


def as_of_label(data: dict[str, Any]) -> str:
    """ "Figures as of 1 April 2026, 10:00 WIB"."""
    return _("Figures as of %(moment)s") % {"moment": moment(data.get("as_of"), data)}


def zone_label(data: dict[str, Any]) -> str:
    """ "Asia/Jakarta, WIB"."""
    tz = report_zone(data)
    start = (data.get("period") or {}).get("start")
    at = dt.datetime.fromisoformat(start) if start else dt.datetime.now(tz)
    return f"{tz.key}, {zones.zone_label(at, tz)}"


# --- The months compared -----------------------------------------------------------------------------------


def months(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend's months, oldest first, ending with the report's own month (marked `is_current`)."""
    rows = [{**row, "is_current": False} for row in data.get("trend", [])]
    rows.append({**data["headline"], "present": True, "is_current": True})
    return rows


def previous_month(data: dict[str, Any]) -> dict[str, Any] | None:
    """The headline of the month just before the report's, if its snapshot existed when this was built."""
    wanted = recap.month_key(recap.add_months(month_date(data["month"]), -1))
    for row in data.get("trend", []):
        if row.get("month") == wanted and row.get("present"):
            return row
    return None


def change(current: float | int | None, before: float | int | None) -> float | None:
    """Relative change in % (None when there is nothing to compare)."""
    if current is None or before is None or before == 0:
        return None
    return round((current - before) * 100 / before, 1)


def points(current: float | None, before: float | None) -> float | None:
    """Change in percentage points."""
    if current is None or before is None:
        return None
    return round(current - before, 1)


def signed(value: float | None, *, unit: str = "%") -> str:
    """+12,5% / −3,0 pts, for the comparison column."""
    if value is None:
        return DASH
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    magnitude = number(abs(value), 1)
    if unit == "pts":
        return _("%(sign)s%(number)s pts") % {"sign": sign, "number": magnitude}
    return _("%(sign)s%(number)s%%") % {"sign": sign, "number": magnitude}


# --- The executive summary --------------------------------------------------------------------------------


def summary_tiles(data: dict[str, Any]) -> list[dict[str, str]]:
    """The summary page's key figures, each with a line under it."""
    before = previous_month(data)
    tickets = data["tickets_reported"]
    if before is None:
        versus = _("No snapshot of the previous month")
    else:
        versus = _("%(change)s vs %(month)s (%(count)s)") % {
            "change": signed(change(tickets, before.get("tickets_reported"))),
            "month": month_short(before["month"]),
            "count": number(before.get("tickets_reported")),
        }
    sla = data["sla"]
    satisfaction = data["satisfaction"]
    incidents = data.get("incidents")
    tiles = [
        {"label": _("Complaints"), "value": number(tickets), "note": versus},
        {
            "label": _("Response SLA met"),
            "value": percent(sla["response"]["compliance_pct"]),
            "note": _("%(met)s met, %(missed)s missed")
            % {"met": number(sla["response"]["met"]), "missed": number(sla["response"]["missed"])},
        },
        {
            "label": _("Resolution SLA met"),
            "value": percent(sla["resolution"]["compliance_pct"]),
            "note": _("%(met)s met, %(missed)s missed")
            % {"met": number(sla["resolution"]["met"]), "missed": number(sla["resolution"]["missed"])},
        },
        {
            "label": _("CSAT (1–5)"),
            "value": number(satisfaction["csat_mean"], 2),
            "note": ngettext("%(count)s rating", "%(count)s ratings", satisfaction["ratings"])
            % {"count": number(satisfaction["ratings"])},
        },
        {
            "label": _("NPS"),
            "value": number(satisfaction["nps"], 1),
            "note": _("Target %(target)s") % {"target": number(satisfaction["nps_target"])},
        },
        {
            "label": _("Mass incidents"),
            "value": DASH if incidents is None else number(incidents["count"]),
            "note": DASH
            if incidents is None
            else ngettext(
                "%(count)s linked complaint", "%(count)s linked complaints", incidents["linked_complaints"]
            )
            % {"count": number(incidents["linked_complaints"])},
        },
        {
            "label": _("Backlog at month end"),
            "value": number(data["backlog"]["at_month_end"]),
            "note": _("Open tickets carried into the next month"),
        },
        {
            "label": _("Escalations"),
            "value": number(data["escalations"]["total"]),
            "note": _("Reopen rate %(rate)s") % {"rate": percent(data["reopen"]["rate_pct"])},
        },
    ]
    return tiles


def comparison(data: dict[str, Any]) -> list[dict[str, str]]:
    """This month against the one before, figure by figure."""
    current = data["headline"]
    before = previous_month(data) or {}
    rows = []
    for key, label, kind in (
        ("tickets_reported", _("Complaints"), "count"),
        ("response_compliance_pct", _("Response SLA met"), "pct"),
        ("resolution_compliance_pct", _("Resolution SLA met"), "pct"),
        ("resolution_median_minutes", _("Resolution time, median (minutes)"), "minutes"),
        ("escalations", _("Escalations"), "count"),
        ("reopen_rate_pct", _("Reopen rate"), "pct"),
        ("backlog_at_month_end", _("Backlog at month end"), "count"),
        ("csat_mean", _("CSAT (1–5)"), "csat"),
        ("nps", _("NPS"), "nps"),
    ):
        now_value, then_value = current.get(key), before.get(key)
        if kind == "pct":
            shown = (
                percent(now_value),
                percent(then_value),
                signed(points(now_value, then_value), unit="pts"),
            )
        elif kind == "nps":
            shown = (
                number(now_value, 1),
                number(then_value, 1),
                signed(points(now_value, then_value), unit="pts"),
            )
        elif kind == "csat":
            shown = (number(now_value, 2), number(then_value, 2), signed(change(now_value, then_value)))
        else:
            places = 1 if kind == "minutes" else 0
            shown = (
                number(now_value, places),
                number(then_value, places),
                signed(change(now_value, then_value)),
            )
        rows.append({"label": label, "current": shown[0], "previous": shown[1], "change": shown[2]})
    return rows


def _category_label(key: str) -> str:
    return str(Category(key).label) if key in Category.values else key


def highlights(data: dict[str, Any]) -> list[str]:
    """3–5 sentences a director reads first, each worked out from the month's figures, most telling
    first: the volume against last month, the weaker SLA clock, the incidents, NPS against its target,
    the leading root cause, overdue corrective actions, the weakest classification, the largest category."""
    found: list[str] = []
    tickets = data["tickets_reported"]
    before = previous_month(data)
    month = month_name(data["month"])

    # Volume.
    if before is None:
        found.append(
            ngettext(
                "%(count)s complaint was reported in %(month)s; the month before has no snapshot to "
                "compare with.",
                "%(count)s complaints were reported in %(month)s; the month before has no snapshot to "
                "compare with.",
                tickets,
            )
            % {"count": number(tickets), "month": month}
        )
    else:
        then = before.get("tickets_reported") or 0
        values = {
            "count": number(tickets),
            "before": number(then),
            "previous": month_name(before["month"]),
            "change": number(abs(change(tickets, then) or 0), 1),
        }
        if tickets > then:
            found.append(
                _("Complaints rose by %(change)s%% to %(count)s (%(before)s in %(previous)s).") % values
                if then
                else _("Complaints rose to %(count)s (none in %(previous)s).") % values
            )
        elif tickets < then:
            found.append(
                _("Complaints fell by %(change)s%% to %(count)s (%(before)s in %(previous)s).") % values
            )
        else:
            found.append(_("Complaints were unchanged at %(count)s (as in %(previous)s).") % values)

    # The weaker SLA clock.
    sla = data["sla"]
    judged = [
        (clock, sla[clock])
        for clock in ("response", "resolution")
        if sla[clock]["compliance_pct"] is not None
    ]
    if judged:
        clock, figures = min(judged, key=lambda item: item[1]["compliance_pct"])
        values = {"pct": percent(figures["compliance_pct"]), "missed": number(figures["missed"])}
        if clock == "response":
            sentence = ngettext(
                "The first-response target was met for %(pct)s of judged tickets; "
                "%(missed)s ticket missed it.",
                "The first-response target was met for %(pct)s of judged tickets; "
                "%(missed)s tickets missed it.",
                figures["missed"],
            )
        else:
            sentence = ngettext(
                "The resolution target was met for %(pct)s of judged tickets; %(missed)s ticket missed it.",
                "The resolution target was met for %(pct)s of judged tickets; %(missed)s tickets missed it.",
                figures["missed"],
            )
        sentence %= values
        key = f"{clock}_compliance_pct"
        moved = points(figures["compliance_pct"], (before or {}).get(key))
        if moved:
            sentence += " " + (
                _("Up %(points)s points on %(previous)s.")
                if moved > 0
                else _("Down %(points)s points on %(previous)s.")
            ) % {"points": number(abs(moved), 1), "previous": month_name(before["month"])}  # type: ignore[index]
        found.append(sentence)
    elif tickets:
        found.append(_("No SLA deadline of the month's tickets could be judged yet."))

    # Incidents.
    incidents = data.get("incidents")
    if incidents and incidents["count"]:
        found.append(
            ngettext(
                "%(count)s mass incident brought %(linked)s complaints (%(share)s of the month's).",
                "%(count)s mass incidents brought %(linked)s complaints (%(share)s of the month's).",
                incidents["count"],
            )
            % {
                "count": number(incidents["count"]),
                "linked": number(incidents["linked_complaints"]),
                "share": percent(incidents["linked_share_pct"]),
            }
        )

    # NPS against the target.
    satisfaction = data["satisfaction"]
    nps, target = satisfaction["nps"], satisfaction["nps_target"]
    if nps is None:
        found.append(_("No customer answered the NPS question this month."))
    elif nps >= target:
        found.append(
            _("NPS was %(nps)s, on or above the target of %(target)s.")
            % {"nps": number(nps, 1), "target": number(target)}
        )
    else:
        found.append(
            _("NPS was %(nps)s, %(gap)s points below the target of %(target)s.")
            % {"nps": number(nps, 1), "gap": number(target - nps, 1), "target": number(target)}
        )

    # The leading root cause.
    causes = data.get("root_causes") or []
    if causes:
        top = causes[0]
        found.append(
            ngettext(
                "The leading root cause was %(cause)s (%(count)s ticket).",
                "The leading root cause was %(cause)s (%(count)s tickets).",
                top["tickets"],
            )
            % {"cause": top["name"], "count": number(top["tickets"])}
        )

    # Overdue corrective actions.
    overdue = data["capa"]["overdue"]
    if overdue:
        found.append(
            ngettext(
                "%(count)s corrective or preventive action is overdue.",
                "%(count)s corrective or preventive actions are overdue.",
                overdue,
            )
            % {"count": number(overdue)}
        )

    # The weakest classification on resolution.
    by_class = data.get("sla_by_classification") or {}
    judged_classes = [
        (key, row["resolution"]["compliance_pct"])
        for key, row in by_class.items()
        if key and row["resolution"]["compliance_pct"] is not None
    ]
    if len(judged_classes) > 1:
        key, pct = min(judged_classes, key=lambda item: item[1])
        found.append(
            _("%(classification)s tickets had the lowest resolution compliance: %(pct)s.")
            % {"classification": Classification(key).label, "pct": percent(pct)}
        )

    # The largest category.
    categories = [row for row in data["counts"]["category"] if row["count"]]
    if categories and tickets:
        top_category = max(categories, key=lambda row: row["count"])
        found.append(
            _("%(category)s was the largest category: %(count)s of %(total)s complaints (%(share)s).")
            % {
                "category": _category_label(top_category["key"]),
                "count": number(top_category["count"]),
                "total": number(tickets),
                "share": percent(top_category["count"] * 100 / tickets),
            }
        )
    return found[:HIGHLIGHTS_MAX]


# --- The sections after the summary ------------------------------------------------------------------------


def trend_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The trend table: the months before and the report's own, oldest first."""
    return [
        {
            "month": month_short(row["month"]),
            "is_current": row["is_current"],
            "present": row.get("present", False),
            "tickets": number(row.get("tickets_reported")),
            "response": percent(row.get("response_compliance_pct")),
            "resolution": percent(row.get("resolution_compliance_pct")),
            "backlog": number(row.get("backlog_at_month_end")),
            "csat": number(row.get("csat_mean"), 2),
            "nps": number(row.get("nps"), 1),
        }
        for row in months(data)
    ]


def classification_label(key: str) -> str:
    return str(Classification(key).label) if key in Classification.values else _("Not classified")


def sla_class_rows(data: dict[str, Any]) -> list[dict[str, str]] | None:
    """SLA compliance per classification, or None for a snapshot built before it was recorded."""
    by_class = data.get("sla_by_classification")
    if by_class is None:
        return None
    rows = []
    for key in [*Classification.values, ""]:
        row = by_class.get(key)
        if row is None or (key == "" and not row["tickets"]):
            continue
        rows.append(
            {
                "label": classification_label(key),
                "tickets": number(row["tickets"]),
                "response_met": number(row["response"]["met"]),
                "response_missed": number(row["response"]["missed"]),
                "response_pct": percent(row["response"]["compliance_pct"]),
                "resolution_met": number(row["resolution"]["met"]),
                "resolution_missed": number(row["resolution"]["missed"]),
                "resolution_pct": percent(row["resolution"]["compliance_pct"]),
            }
        )
    return rows
