"""Downloads of a snapshot: CSV parses, XLSX opens with its sheets and charts, the PDF renders with its
charts — and all of them show the snapshot, not figures recomputed after it was taken."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from typing import Any

import openpyxl
import pypdfium2
import pytest
from django.utils import translation

from reports import briefing, exports
from tests.reports.conftest import build
from tests.reports.helpers import new_ticket, wib

MARCH = dt.date(2026, 3, 1)
pytestmark = pytest.mark.django_db


def test_csv_has_every_section_as_rows_and_ignores_changes_after_the_snapshot(march: Any) -> None:
    report, _ = build(MARCH)
    # A March complaint logged after the snapshot: the download must not see it.
    new_ticket(wib(2026, 3, 31, 12), actor=march.staff.agent, now=wib(2026, 4, 2, 9))
    text = exports.monthly_csv(report).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["report", "tickets_reported", "", "8"] in rows
    assert ["counts.category", "network", "tickets", "4"] in rows
    assert ["sla.response", "response", "compliance_pct", "62.5"] in rows
    assert ["times.resolution", "resolution", "p90_minutes", "564.0"] in rows
    assert ["escalations.by_level", "2", "escalations", "2"] in rows
    assert ["backlog", "at_month_end", "tickets", "7"] in rows
    assert ["satisfaction", "ratings", "nps", "33.3"] in rows
    assert ["root_causes", "billing_system_error", "rank", "1"] in rows
    sections = {row[0] for row in rows[1:]}
    assert {"counts.region", "counts.team", "reopen", "capa.by_status", "trend"} <= sections


def test_xlsx_holds_one_sheet_per_section_with_readable_headers_formats_and_two_charts(march: Any) -> None:
    build(dt.date(2026, 2, 1))  # February's snapshot: the trend's month before
    report, _ = build(MARCH)
    content = exports.monthly_xlsx(report)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Summary",
        "Counts",
        "SLA",
        "SLA by classification",
        "Times",
        "Escalations",
        "Reopen and backlog",
        "Incidents",
        "Root causes",
        "CAPA",
        "Satisfaction",
        "Trend",
    ]
    summary_sheet = book["Summary"]
    summary = {row[0].value: row[1] for row in summary_sheet.iter_rows(min_row=2)}
    assert summary["Month"].value == dt.datetime(2026, 3, 1)
    assert summary["Month"].number_format == "[$-409]mmmm yyyy"
    assert summary["Time zone"].value == "Asia/Jakarta, WIB"
    # 1 April 2026 10:00 in Jakarta, as Jakarta's wall-clock time.
    as_of = summary["Figures as of (Asia/Jakarta, WIB)"]
    assert as_of.value == dt.datetime(2026, 4, 1, 10, 0)
    assert as_of.number_format == "[$-409]d mmmm yyyy hh:mm"
    assert (summary["Tickets reported"].value, summary["Tickets reported"].number_format) == (8, "#,##0")
    response = summary["Response SLA met"]
    assert (response.value, response.number_format) == (0.625, "0.0%")
    assert (summary["NPS"].value, summary["NPS"].number_format) == (33.3, "#,##0.0")
    assert (summary["CSAT mean (1–5)"].value, summary["CSAT mean (1–5)"].number_format) == (3.5, "0.00")
    sla = list(book["SLA"].iter_rows(values_only=True))
    assert sla == [
        ("Clock", "Met", "Missed", "Not judged yet", "Met %"),
        ("First response", 5, 3, 0, 0.625),
        ("Resolution", 3, 3, 2, 0.5),
    ]
    assert book["SLA"]["E2"].number_format == "0.0%"
    assert list(book["SLA by classification"].iter_rows(min_row=2, values_only=True)) == [
        ("Minor", 0, 0, 0, None, 0, 0, None),
        ("Major", 1, 1, 0, 1.0, 0, 0, None),
        ("Critical", 4, 3, 1, 0.75, 2, 2, 0.5),
        ("Not classified", 3, 1, 2, 0.333, 1, 1, 0.5),
    ]
    counts = list(book["Counts"].iter_rows(min_row=2, max_row=5, max_col=2, values_only=True))
    assert counts == [("Network", 4), ("Billing", 2), ("Account", 1), ("Service", 1)]
    times = list(book["Times"].iter_rows(values_only=True))
    assert times == [
        ("Clock", "Tickets", "Mean (minutes)", "Median (minutes)", "90th percentile (minutes)"),
        ("First response", 4, 19.0, 15.0, 34.0),
        ("Resolution", 3, 380.0, 420.0, 564.0),
    ]
    satisfaction = list(book["Satisfaction"].iter_rows(values_only=True))
    assert satisfaction == [
        ("Figure", "Value"),
        ("Ratings", 4),
        ("CSAT mean (1–5)", 3.5),
        ("NPS answers", 3),
        ("Promoters (9–10)", 2),
        ("Passives (7–8)", 0),
        ("Detractors (0–6)", 1),
        ("NPS", 33.3),
        ("NPS target", 40),
        ("NPS target met", "No"),
    ]
    # The trend ends with the report's own month.
    trend = list(book["Trend"].iter_rows(values_only=True))
    assert trend[0] == (
        "Month",
        "Tickets",
        "Response SLA met",
        "Resolution SLA met",
        "Backlog at month end",
        "CSAT mean (1–5)",
        "NPS",
    )
    assert [row[0] for row in trend[1:]] == [dt.datetime(2025, month, 1) for month in (10, 11, 12)] + [
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 2, 1),
        dt.datetime(2026, 3, 1),
    ]
    assert trend[-1] == (dt.datetime(2026, 3, 1), 8, 0.625, 0.5, 7, 3.5, 33.3)
    assert trend[-2][1] == 3  # February: I, J and L
    no_raw_key = {"csat_mean", "promoters", "compliance_pct", "response", "resolution", "nps_target"}
    for ws in book.worksheets:
        headers = {cell.value for cell in ws[1]}
        assert not headers & no_raw_key, ws.title
    charts = [
        name for name in zipfile.ZipFile(io.BytesIO(content)).namelist() if name.startswith("xl/charts/")
    ]
    assert sorted(charts) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]


def test_xlsx_in_indonesian_has_indonesian_sheet_names_headers_and_month_format(march: Any) -> None:
    report, _ = build(MARCH)
    with translation.override("id"):
        content = exports.monthly_xlsx(report)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Ringkasan",
        "Jumlah",
        "SLA",
        "SLA per klasifikasi",
        "Waktu",
        "Eskalasi",
        "Pembukaan ulang dan backlog",
        "Insiden",
        "Akar masalah",
        "CAPA",
        "Kepuasan",
        "Tren",
    ]
    summary = {row[0].value: row[1] for row in book["Ringkasan"].iter_rows(min_row=2)}
    assert summary["Bulan"].number_format == "[$-421]mmmm yyyy"
    assert summary["Angka per (Asia/Jakarta, WIB)"].value == dt.datetime(2026, 4, 1, 10, 0)
    assert summary["Tiket dilaporkan"].value == 8
    assert summary["SLA respons terpenuhi"].value == 0.625
    assert list(book["SLA"].iter_rows(values_only=True))[:2] == [
        ("Jam SLA", "Terpenuhi", "Tidak terpenuhi", "Belum dinilai", "% terpenuhi"),
        ("Respons awal", 5, 3, 0, 0.625),
    ]
    assert [row[0] for row in book["Kepuasan"].iter_rows(min_row=2, max_row=3, values_only=True)] == [
        "Penilaian",
        "Rata-rata CSAT (1–5)",
    ]


def test_xlsx_and_pdf_of_a_snapshot_of_schema_1_still_render(march: Any) -> None:
    report, _ = build(MARCH)
    report.data.pop("sla_by_classification")
    report.data["schema"] = 1
    report.save(update_fields=["data"])
    report.refresh_from_db()
    book = openpyxl.load_workbook(io.BytesIO(exports.monthly_xlsx(report)))
    assert "SLA by classification" not in book.sheetnames
    assert book["SLA"]["E2"].value == 0.625
    pdf = pypdfium2.PdfDocument(exports.monthly_pdf(report))
    text = " ".join(" ".join(pdf[index].get_textpage().get_text_range().split()) for index in range(len(pdf)))
    assert (
        "This snapshot was built before SLA compliance by classification was recorded; rebuild the month "
        "to add it." in text
    )
    assert "Executive summary" in text


def _coloured_pixels(image: Any) -> int:
    """Pixels that are clearly coloured (not white, grey or black text): the charts' bars and lines."""
    data = image.convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)


def _pages(content: bytes) -> list[str]:
    """Each page's text with its whitespace collapsed."""
    pdf = pypdfium2.PdfDocument(content)
    return [" ".join(pdf[index].get_textpage().get_text_range().split()) for index in range(len(pdf))]


ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def test_pdf_page_one_is_the_executive_summary_and_the_trend_table_holds_the_month(march: Any) -> None:
    build(dt.date(2026, 2, 1))  # February's snapshot: the month before, to compare with
    report, _ = build(MARCH)
    svgs = exports.charts(report.data)
    assert set(svgs) == {"category", "trend"}
    assert all(svg.startswith("<svg") and "<path" in svg for svg in svgs.values())
    content = exports.monthly_pdf(report)
    assert content.startswith(b"%PDF-")
    pages = _pages(content)
    first = pages[0]
    assert first.startswith(
        "Monthly complaint report — March 2026 Complaints reported in March 2026 (Asia/Jakarta, WIB). "
        "Figures as of 1 April 2026, 10:00 WIB. Executive summary"
    )
    for tile in (
        "Complaints 8 +166.7% vs Feb 2026 (3)",
        "Response SLA met 62.5% 5 met, 3 missed",
        "Resolution SLA met 50.0% 3 met, 3 missed",
        "CSAT (1–5) 3.50 4 ratings",
        "NPS 33.3 Target 40",
        "Mass incidents 0 0 linked complaints",
        "Backlog at month end 7",
        "Escalations 5 Reopen rate 50.0%",
    ):
        assert tile in first, tile
    # The highlights, worked out from the figures (five at most, the most telling first).
    for line in (
        "Complaints rose by 166.7% to 8 (3 in February 2026).",
        "The resolution target was met for 50.0% of judged tickets; 3 tickets missed it.",
        "NPS was 33.3, 6.7 points below the target of 40.",
        "The leading root cause was Billing system error (2 tickets).",
        "1 corrective or preventive action is overdue.",
    ):
        assert line in first, line
    assert "This month against Feb 2026" in first
    assert "Trend of the last months" not in first
    # The trend table ends with the report's own month, whole on one page.
    trend_page = next(page for page in pages if "Trend of the last months" in page)
    table = trend_page[trend_page.index("Month Complaints") :]
    assert "Oct 2025 No snapshot of this month" in table
    assert "Feb 2026 3 " in table
    assert "Mar 2026 ★ 8 62.5% 50.0% 7 3.50 33.3" in table
    # SLA by classification, root causes and CAPA come next.
    text = " ".join(pages)
    assert "SLA by classification" in text
    assert "Critical 4 3 1 75.0% 2 2 50.0%" in text
    assert "1 Billing system error 2 1" in text
    assert "Overdue 1" in text
    assert text.index("Trend of the last months") < text.index("SLA by classification")
    assert text.index("SLA by classification") < text.index("Top root causes") < text.index("(CAPA)")
    assert not ISO_MOMENT.search(text)
    assert "+00:00" not in text


def test_pdf_in_indonesian_formats_numbers_months_and_the_moment_in_indonesian(march: Any) -> None:
    build(dt.date(2026, 2, 1))
    report, _ = build(MARCH)
    with translation.override("id"):
        pages = _pages(exports.monthly_pdf(report))
    first = pages[0]
    assert first.startswith("Laporan komplain bulanan — Maret 2026")
    assert "Angka per 1 April 2026, 10.00 WIB." in first
    assert "Ringkasan eksekutif" in first
    assert "SLA respons terpenuhi 62,5%" in first
    assert "Komplain naik 166,7% menjadi 8 (3 pada Februari 2026)." in first
    assert "NPS 33,3, 6,7 poin di bawah target 40." in first
    text = " ".join(pages)
    assert "Mar 2026 ★ 8 62,5% 50,0% 7 3,50 33,3" in text
    assert "Okt 2025" in text
    assert not ISO_MOMENT.search(text)


def test_the_summary_compares_with_nothing_when_the_month_before_has_no_snapshot(march: Any) -> None:
    report, _ = build(MARCH)
    first = _pages(exports.monthly_pdf(report))[0]
    assert (
        "8 complaints were reported in March 2026; the month before has no snapshot to compare with." in first
    )
    assert "Complaints 8 No snapshot of the previous month" in first
    assert "The month before has no snapshot, so there is nothing to compare with." in first


def test_the_highlights_say_a_fall_incidents_and_a_met_target() -> None:
    data = {
        "month": "2026-05",
        "tickets_reported": 1500,
        "trend": [
            {"month": "2026-04", "present": True, "tickets_reported": 2000, "resolution_compliance_pct": 80.0}
        ],
        "sla": {
            "response": {"met": 900, "missed": 100, "running": 0, "compliance_pct": 90.0},
            "resolution": {"met": 850, "missed": 150, "running": 500, "compliance_pct": 85.0},
        },
        "incidents": {"count": 2, "linked_complaints": 600, "linked_share_pct": 40.0},
        "satisfaction": {"nps": 45.0, "nps_target": 40},
        "root_causes": [],
        "capa": {"overdue": 0},
        "counts": {"category": [{"key": "network", "count": 1200}, {"key": "billing", "count": 300}]},
    }
    assert briefing.highlights(data) == [
        "Complaints fell by 25.0% to 1,500 (2,000 in April 2026).",
        "The resolution target was met for 85.0% of judged tickets; 150 tickets missed it. "
        "Up 5.0 points on April 2026.",
        "2 mass incidents brought 600 complaints (40.0% of the month's).",
        "NPS was 45.0, on or above the target of 40.",
        "Network was the largest category: 1,200 of 1,500 complaints (80.0%).",
    ]
    with translation.override("id"):
        assert briefing.highlights(data)[0] == "Komplain turun 25,0% menjadi 1.500 (2.000 pada April 2026)."


def test_pdf_without_charts_would_have_no_coloured_pixels(db: None) -> None:
    """The pixel check above can fail: an empty month's page (no bars: every count is zero) has far fewer."""
    report, _ = build(dt.date(2026, 1, 1), now=wib(2026, 4, 1))
    pdf = pypdfium2.PdfDocument(exports.monthly_pdf(report))
    assert _coloured_pixels(pdf[0].render(scale=1).to_pil()) < 2000


def test_the_ticket_axes_of_the_pdf_charts_step_in_whole_tickets(
    march: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month of a few tickets: matplotlib's default axis would step in 0.5; tickets come whole."""
    report, _ = build(MARCH)
    ticks: dict[str, list[float]] = {}
    drawn = exports._svg

    def keep_ticks(figure: Any, name: str) -> str:
        ticks[name] = list(figure.axes[0].get_yticks())
        return drawn(figure, name)

    monkeypatch.setattr(exports, "_svg", keep_ticks)
    data = report.data
    # Two tickets at most: matplotlib's own axis would step in 0.25.
    data["counts"]["category"] = [{"key": "network", "count": 2}, {"key": "billing", "count": 1}]
    data["headline"]["tickets_reported"] = 2
    exports.charts(data)
    assert set(ticks) == {"category", "trend"}
    for name, values in ticks.items():
        assert values and all(float(value).is_integer() for value in values), (name, values)
    # The trend's bars end with the report's own month (2 tickets), the axis reaching past it.
    assert max(ticks["trend"]) >= 2
