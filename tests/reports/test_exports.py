"""Downloads of a snapshot: CSV parses, XLSX opens with its sheets and charts, the PDF renders with its
charts — and all of them show the snapshot, not figures recomputed after it was taken."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pypdfium2
import pytest

from reports import exports
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


def test_xlsx_holds_one_sheet_per_section_with_the_figures_and_two_charts(march: Any) -> None:
    report, _ = build(MARCH)
    content = exports.monthly_xlsx(report)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Summary",
        "Counts",
        "SLA",
        "Times",
        "Escalations",
        "Reopen and backlog",
        "Incidents",
        "Root causes",
        "CAPA",
        "Satisfaction",
        "Trend",
    ]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Tickets reported"] == 8
    assert summary["Response SLA compliance %"] == 62.5
    assert summary["NPS"] == 33.3
    sla = list(book["SLA"].iter_rows(min_row=2, values_only=True))
    assert sla == [("response", 5, 3, 0, 62.5), ("resolution", 3, 3, 2, 50.0)]
    counts = list(book["Counts"].iter_rows(min_row=2, max_row=5, max_col=2, values_only=True))
    assert counts == [("Network", 4), ("Billing", 2), ("Account", 1), ("Service", 1)]
    times = list(book["Times"].iter_rows(min_row=2, values_only=True))
    assert times == [("response", 4, 19.0, 15.0, 34.0), ("resolution", 3, 380.0, 420.0, 564.0)]
    charts = [
        name for name in zipfile.ZipFile(io.BytesIO(content)).namelist() if name.startswith("xl/charts/")
    ]
    assert sorted(charts) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]


def _coloured_pixels(image: Any) -> int:
    """Pixels that are clearly coloured (not white, grey or black text): the charts' bars and lines."""
    data = image.convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)


def test_pdf_opens_and_its_first_page_shows_the_category_chart(march: Any) -> None:
    report, _ = build(MARCH)
    svgs = exports.charts(report.data)
    assert set(svgs) == {"category", "sla", "trend"}
    assert all(svg.startswith("<svg") and "<path" in svg for svg in svgs.values())
    content = exports.monthly_pdf(report)
    assert content.startswith(b"%PDF-")
    pdf = pypdfium2.PdfDocument(content)
    assert len(pdf) >= 2
    first = pdf[0].render(scale=1).to_pil()
    # The KPI table is black on white; the category bar chart is the only colour on page 1.
    assert _coloured_pixels(first) > 2000
    text = pdf[0].get_textpage().get_text_range()
    assert "Monthly complaint report 2026-03" in text
    assert "62.5" in text


def test_pdf_without_charts_would_have_no_coloured_pixels(db: None) -> None:
    """The pixel check above can fail: an empty month's page (no bars: every count is zero) has far fewer."""
    report, _ = build(dt.date(2026, 1, 1), now=wib(2026, 4, 1))
    pdf = pypdfium2.PdfDocument(exports.monthly_pdf(report))
    assert _coloured_pixels(pdf[0].render(scale=1).to_pil()) < 2000
