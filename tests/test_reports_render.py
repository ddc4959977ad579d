"""Renderers on hand-made figures: read back with other tools (openpyxl, pdftotext, a browser)."""
from __future__ import annotations

import json
import shutil
import subprocess

import openpyxl
import pytest

from reports_samples import EVIL, progress_sample, supervision_sample
from scoring.reports import vnformat as vn
from scoring.reports.render import render


def test_vietnamese_formats():
    assert vn.number(1234567.5, 1) == "1.234.567,5"
    assert vn.money(30_000_000) == "30.000.000 ₫"
    from datetime import date

    assert vn.day(date(2026, 9, 3)) == "03/09/2026"


def test_html_is_self_contained_and_escaped(tmp_path):
    out = render(progress_sample(), tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg") == 4                     # four charts inline
    assert "<script" not in text.replace("&lt;script", "")  # the evil name is escaped, no script of ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    for remote in ('src="http', "src='http", 'href="http', "<link", "url(http", "@import"):
        assert remote not in text
    assert "30/09/2026" in text and "70.000.000 ₫" in text and "Quý III/2026" in text


def test_xlsx_has_native_charts_numbers_and_no_formulas(tmp_path):
    out = render(progress_sample(), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    charts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    assert charts["Biểu đồ chỉ tiêu"] == 1 and charts["Theo thời gian"] == 1 and charts["Hết hạn theo tháng"] == 1
    ws = wb["Tổng hợp"]
    header = [c.value for c in ws[5]]
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    assert rows["30"][header.index("Thưởng phải trả (VND)")] == 70_000_000
    assert rows["30"][header.index("Đạt ≥3★")] == 10   # 7 + 3 + 0, a number, not text
    assert ws["B2"].number_format == "dd/mm/yyyy"
    evil = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("  " * 2 + "Xã =")]
    assert evil and all(c.data_type == "s" for c in evil)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


def test_supervision_xlsx_keeps_phone_numbers_as_text(tmp_path):
    out = render(supervision_sample(), tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(out)["Danh sách"]
    header = [c.value for c in ws[1]]
    phones = [r[header.index("Điện thoại")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert phones == ["+84 912 345 678"] * 5
    cats = [r[header.index("Mã tình trạng")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(cats) == sorted(["revoked", "expired", "past_window", "in_window", "expiring"])
    # streamed in write-only mode: the sheet still has its frozen header, filter and date formats
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref == "A1:U6"
    assert ws.cell(row=2, column=header.index("Hết hạn") + 1).number_format == "dd/mm/yyyy"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_renders_vietnamese(tmp_path):
    out = render(progress_sample(), tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Báo cáo tiến độ thực hiện kế hoạch OCOP" in text
    assert "Tỉnh Hải Dương" in text and "70.000.000 ₫" in text
    out = render(supervision_sample(), tmp_path / "s.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Danh sách giám sát" in text and "Nguyễn Văn A" in text


def test_json_export_is_machine_readable(tmp_path):
    out = render(progress_sample(), tmp_path / "r.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["as_of"] == "2026-09-30"
    root = data["areas"][0]
    assert root["reward_owed"] == 70_000_000.0 and root["achieved_at_least"]["3"] == 10
    assert data["areas"][3]["name"] == EVIL


@pytest.mark.browser
def test_html_opens_in_chromium_without_console_errors(tmp_path, chromium_path):
    from playwright.sync_api import sync_playwright

    html = render(progress_sample(), tmp_path / "r.html")
    sup = render(supervision_sample(), tmp_path / "s.html")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        try:
            for path in (html, sup):
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                requests: list[str] = []
                page.on("request", lambda r: requests.append(r.url))
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                shot = tmp_path / (path.stem + ".png")
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                assert errors == []
                assert all(u.startswith("file://") for u in requests), requests
                assert page.locator("svg").count() >= 1
                assert page.locator("script").count() == 0
        finally:
            browser.close()
