"""PDF reports: printed from the HTML by Chromium (same document, same figures), or drawn by fpdf2 when
no browser is found or the document is too large for Chromium within the time target.

The browser test reads the PDF back with pdftotext (poppler-utils) and checks every table row of the
HTML is in it, and the figures of a hand-counted registry history (the numbers below are counted
from the stories by hand, not by any code)."""
from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import sys
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry_history import ProductStory, build, write_plan
from reports_samples import supervision_sample
from scoring.cli import cli
from scoring.registry import Registry
from scoring.reports import render_chromium
from scoring.reports.compute import progress, supervision
from scoring.reports.figures import SupervisionItem, SupervisionReport
from scoring.reports.planfile import load_plan
from scoring.reports.render import render

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def _pdf_text(path: Path) -> str:
    """The PDF's text in content-stream order (-raw): Chromium and fpdf2 both draw a table cell by cell."""
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _engine(path: Path) -> str:
    """Who made the PDF: Chromium's Skia writes Producer "Skia/PDF mNNN"; our fpdf2 document sets
    Creator "ocop-scoring" and no Producer."""
    info = _info(path)
    if info.get("Producer", "").startswith("Skia/PDF"):
        return "chromium"
    return "fpdf" if info.get("Creator") == "ocop-scoring" else "?"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _Rows(html.parser.HTMLParser):
    """The text of every table row of an HTML report, cell by cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _html_rows(path: Path) -> list[list[str]]:
    p = _Rows()
    p.feed(path.read_text(encoding="utf-8"))
    return p.rows


@pytest.fixture
def no_browser(monkeypatch):
    """A machine without Chromium: nothing on PATH, no $OCOP_CHROMIUM, no Playwright browser."""
    monkeypatch.delenv(render_chromium.ENV, raising=False)
    monkeypatch.setattr(render_chromium, "ON_PATH", ("ocop-test-no-such-browser",))
    monkeypatch.setattr(render_chromium, "playwright_browser", lambda: None)


@needs_pdftotext
def test_without_a_browser_auto_draws_with_fpdf_and_says_so(no_browser, tmp_path):
    out = tmp_path / "s.pdf"
    with pytest.warns(RuntimeWarning, match=r"\[pdf-browser-missing\]"):
        render(supervision_sample(), out)
    assert _engine(out) == "fpdf"
    assert "Nguyễn Văn A" in _pdf_text(out)
    with pytest.raises(render_chromium.ChromiumUnavailable, match=r"\[pdf-browser-missing\]"):
        render(supervision_sample(), tmp_path / "c.pdf", pdf_engine="chromium")
    assert not (tmp_path / "c.pdf").exists()


def test_a_browser_setting_that_names_nothing_is_said(monkeypatch, tmp_path):
    monkeypatch.setenv(render_chromium.ENV, str(tmp_path / "no-such-chromium"))
    choice = render_chromium.choose_engine(supervision_sample(), "auto")
    assert choice.engine == "fpdf" and "[pdf-browser-missing]" in choice.note and "no-such-chromium" in choice.note
    with pytest.raises(render_chromium.ChromiumUnavailable):
        render_chromium.choose_engine(supervision_sample(), "chromium")
    assert render_chromium.choose_engine(supervision_sample(), "fpdf").engine == "fpdf"


@needs_pdftotext
def test_a_browser_that_fails_falls_back_under_auto_and_is_an_error_when_asked_for(monkeypatch, tmp_path):
    pytest.importorskip("playwright.sync_api")
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'not a browser' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv(render_chromium.ENV, str(fake))
    notes: list[str] = []
    out = render(supervision_sample(), tmp_path / "s.pdf", on_note=notes.append)
    assert _engine(out) == "fpdf"
    assert len(notes) == 1 and notes[0].startswith("[pdf-chromium-failed]") and str(fake) in notes[0]
    with pytest.raises(render_chromium.ChromiumUnavailable, match=r"\[pdf-chromium-failed\]"):
        render(supervision_sample(), tmp_path / "c.pdf", pdf_engine="chromium")
    assert not (tmp_path / "c.pdf").exists()


def test_without_playwright_auto_draws_with_fpdf(monkeypatch, tmp_path):
    """`pip install .` without the [pdf] extra: no Playwright to import."""
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)   # import raises ImportError
    choice = render_chromium.choose_engine(supervision_sample(), "auto")
    assert choice.engine == "fpdf" and choice.note.startswith("[pdf-playwright-missing]")
    with pytest.raises(render_chromium.ChromiumUnavailable, match=r"\[pdf-playwright-missing\]"):
        render_chromium.choose_engine(supervision_sample(), "chromium")


def test_auto_takes_fpdf_for_a_document_too_large_to_print_in_time(monkeypatch):
    report = supervision_sample()               # 5 certificates in 2 communes: 7 table rows
    assert render_chromium.table_rows(report) == 7
    monkeypatch.setattr(render_chromium, "AUTO_MAX_ROWS", 6)
    monkeypatch.setattr(render_chromium, "find_browser", lambda: "/usr/bin/chromium")
    choice = render_chromium.choose_engine(report, "auto")
    assert choice.engine == "fpdf" and choice.note.startswith("[pdf-engine-fpdf] 7 dòng bảng")
    assert render_chromium.choose_engine(report, "chromium").engine == "chromium"   # asked for: printed anyway
    monkeypatch.setattr(render_chromium, "AUTO_MAX_ROWS", 7)
    assert render_chromium.choose_engine(report, "auto") == render_chromium.Choice("chromium", "/usr/bin/chromium")


@needs_pdftotext
def test_cli_says_on_stderr_when_it_falls_back_and_refuses_a_missing_chromium(no_browser, tmp_path):
    db = f"sqlite:///{tmp_path}/r.db"
    Registry(db).init()
    run = CliRunner()
    r = run.invoke(cli, ["report", "supervision", "--as-of", "2029-07-10", "-o", str(tmp_path / "a.pdf"), "--db", db])
    assert r.exit_code == 0, r.output
    assert "[pdf-browser-missing]" in r.stderr and "PDF vẽ bằng fpdf2 / PDF drawn by fpdf2 instead" in r.stderr
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    r = run.invoke(cli, ["report", "supervision", "--as-of", "2029-07-10", "-o", str(tmp_path / "b.pdf"), "--db", db,
                         "--pdf-engine", "chromium"])
    assert r.exit_code == 2 and "[pdf-browser-missing]" in r.output and not (tmp_path / "b.pdf").exists()
    r = run.invoke(cli, ["report", "supervision", "--as-of", "2029-07-10", "-o", str(tmp_path / "c.pdf"), "--db", db,
                         "--pdf-engine", "fpdf"])
    assert r.exit_code == 0 and r.stderr == "" and _engine(tmp_path / "c.pdf") == "fpdf"


@pytest.mark.browser
@needs_pdftotext
def test_chromium_pdf_has_the_htmls_figures(chromium_path, monkeypatch, tmp_path):
    if not os.environ.get("OCOP_TEST_CHROMIUM"):
        pytest.skip("OCOP_TEST_CHROMIUM not set (CI sets it)")
    monkeypatch.setenv(render_chromium.ENV, chromium_path)
    warnings.simplefilter("ignore")
    reg = Registry(f"sqlite:///{tmp_path}/r.db")
    reg.init()
    # product 0: Thanh Lâm, 3★ on 2026-10-01, upgraded to 4★ on 2027-03-01
    # product 1: Xã 1 (Thanh Hà), 3★ on 2027-02-01, revoked 2027-05-02
    # product 2: Tân Kỳ, 5★ on 2027-04-10
    # product 3: Hà Giang (outside the plan), 4★ on 2027-01-01
    # product 4: Hưng Đạo (Tứ Kỳ, not listed), 3★ on 2026-12-01; a 4★ upgrade dossier in the pipeline
    built = build(reg, [ProductStory(0, 3, 0, upgrade=(151, 4)), ProductStory(1, 3, 123, revoke_after=90),
                        ProductStory(2, 5, 191), ProductStory(6, 4, 92), ProductStory(4, 3, 61, pipeline=4)])
    for p in reg.producer_contacts():
        reg.update_producer(p["id"], phone=f"09{p['id']:08d}", representative=f"Người đại diện {p['id']}", actor="t")
    plan = load_plan(write_plan(tmp_path, 2027))
    prog = progress(plan, reg, date(2027, 6, 30), "H1", whatif_depth=-1)
    # three years on: certificates issued late 2026 / early 2027 expire late 2029 / early 2030 (36 months);
    # on 2029-10-20 the windows (180 to 120 days before expiry) of Hưng Đạo (expires 2029-12-01) and Hà Giang
    # (2030-01-01) have closed, those of Thanh Lâm's 4★ (2030-03-01) and Tân Kỳ (2030-04-10) are open; the
    # revocation of 2027 is before --since (one year back)
    sup = supervision(reg, date(2029, 10, 20), 180)
    reg.close()
    for name, report in (("progress", prog), ("supervision", sup)):
        page = render(report, tmp_path / f"{name}.html")
        pdf = render(report, tmp_path / f"{name}.pdf", pdf_engine="chromium")
        assert _engine(pdf) == "chromium"                                 # printed, not drawn by fpdf2
        assert _info(pdf)["Page size"] == "842.88 x 595.92 pts (A4)"    # A4 landscape
        text = _pdf_text(pdf)
        flat = _squash(text)
        rows = _html_rows(page)
        assert len(rows) > 5
        for cells in rows:                                            # every row of the HTML, whole
            assert _squash("".join(cells)) in flat, cells
        assert re.search(r"trang 1/\d+", text)                          # Chromium's footer
    text = _squash(_pdf_text(tmp_path / "progress.pdf"))
    # the province's row, counted by hand: achieved ≥3★ 2, ≥4★ 2, ≥5★ 1 (Thanh Lâm's 4★ upgrade, Tân Kỳ's 5★;
    # not the revoked one nor the 2026 certificate); targets places 5:1, 4:3, 3:5 → needs 1 / 4 / 9 → short 2
    # at ≥4★ and 7 at ≥3★; in H1 2027: new 2 (Xã 1, Tân Kỳ; Hà Giang is outside), upgrades 1, re-evaluations
    # 0, expired 0, revoked 1 (Xã 1); valid on 30/06/2027: 3; pipeline 0/1/0 (Hưng Đạo's 4★ dossier), which
    # would leave 1 short at ≥4★ and 6 at ≥3★; rewards 10 M (upgrade: 20 M − 10 M) + 30 M (5★) = 40 M
    assert _squash("Tỉnh Hải Dương 5★: 1, 4★: 3, 3★: 5 (số sản phẩm theo hạng) 2 2 1 2 sp ≥ 4★, 7 sp ≥ 3★ "
                   "2 1 0 0 1 3 0 / 1 / 0 1 sp ≥ 4★, 6 sp ≥ 3★ 40.000.000 ₫") in text
    text = _squash(_pdf_text(tmp_path / "supervision.pdf"))
    n = built.numbers            # P0: 3★, 4★ · P1 · P2 · P3 · P4
    for number in (n[1], n[3]):
        assert _squash(f"Trong thời hạn nộp hồ sơ đánh giá lại {number}") in text, number
    for number in (n[4], n[5]):
        assert _squash(f"Quá hạn nộp hồ sơ đánh giá lại (còn hiệu lực) {number}") in text, number
    for number in (n[0], n[2]):                                       # superseded; revoked before --since
        assert number not in text
    assert "0900000003" in text and "Ngườiđạidiện3" in text            # Tân Kỳ's producer, to call


def test_the_footer_title_is_a_css_string_that_nothing_can_end_early():
    """The page footer's title sits in the <style> element as a CSS string: quotes, backslashes and line
    breaks are escaped, and `<` / `>` / `&` too (a `</style>` in a title must not close the element;
    HTML entities would print literally there). Expected values written by hand (CSS hex escapes end
    with one space)."""
    from scoring.reports.render_html import css_string

    assert css_string("Giám sát — 30/09/2026") == '"Giám sát — 30/09/2026"'
    assert css_string('a"b\\c') == '"a\\22 b\\5c c"'
    assert css_string("x</style><script>\n&") == '"x\\3c /style\\3e \\3c script\\3e \\a \\26 "'


def _long_list(n: int) -> SupervisionReport:
    """`n` certificates in three communes, listed in the order of their numbers (area, then expiry); every
    7th row has an address that wraps over ~8 lines, marked at both ends (without `break-inside: avoid`
    on rows, Chromium cuts some of them across pages)."""
    base = date(2026, 9, 30)
    items = []
    for i in range(n):
        exp = base + timedelta(days=130 + i // 30)            # in the window: opens 180 days before expiry
        address = f"Thôn {i}" if i % 7 else f"ĐẦU{i:05d} " + "đường Nguyễn Thị Minh Khai, " * 15 + f"CUỐI{i:05d}"
        items.append(SupervisionItem(f"GCN-{i:05d}", f"Mắm tôm số {i}", "Hợp tác xã Thủy sản Đồng Tháp", 3 + i % 3,
                                     exp - timedelta(days=1096), exp, exp - timedelta(days=180),
                                     exp - timedelta(days=120), "in_window", (exp - base).days, "Hải Dương",
                                     "Thanh Hà", f"Xã {1 + 3 * i // n}", "Trần Thị Ngọc Ánh", f"09{i:08d}",
                                     f"htx{i}@example.vn", address))
    return SupervisionReport(base, 180, date(2025, 9, 30), items, database="sqlite:///ocop.db")


@pytest.mark.browser
@needs_pdftotext
def test_chromium_prints_a_long_list_with_headers_numbers_and_whole_rows_on_every_page(chromium_path, monkeypatch,
                                                                                      tmp_path):
    if not os.environ.get("OCOP_TEST_CHROMIUM"):
        pytest.skip("OCOP_TEST_CHROMIUM not set (CI sets it)")
    monkeypatch.setenv(render_chromium.ENV, chromium_path)
    n = 1200
    report = _long_list(n)
    assert render_chromium.table_rows(report) <= render_chromium.AUTO_MAX_ROWS
    notes: list[str] = []
    pdf = render(report, tmp_path / "long.pdf", on_note=notes.append)     # auto: Chromium at this size
    assert notes == [] and _engine(pdf) == "chromium"
    total = int(_info(pdf)["Pages"])
    pages = _pdf_text(pdf).split("\f")[:total]                             # pdftotext ends every page with \f
    assert len(pages) == total
    # 7 pt rows of 1-4 lines (the long addresses narrow the other columns), 10-40 pt high on 533 pt of
    # page, every 7th row ~8 lines: 8 to 40 rows a page
    assert n / 40 < total < n / 8
    header = _squash("Tình trạng Số GCN Sản phẩm Sao Cấp ngày Hết hạn Còn (ngày) Nộp đánh giá lại Chủ thể "
                     "Người đại diện Điện thoại Email Địa chỉ")
    on_page: dict[str, int] = {}
    for i, text in enumerate(pages, start=1):
        flat = _squash(text)
        assert _squash(f"Giám sát sản phẩm OCOP — 30/09/2026 — trang {i}/{total}") in flat, i   # numbered right
        numbers = re.findall(r"GCN-\d{5}", flat)                          # cells wrap: read the text squashed
        if numbers:
            assert header in flat, i                                      # the header repeated on the page
        for number in numbers:
            assert number not in on_page, number                          # every row printed once
            on_page[number] = i
        for mark in re.findall(r"ĐẦU(\d{5})", flat):                      # a wrapped row is not cut
            assert f"CUỐI{mark}" in flat, (i, mark)
        for number in numbers:
            assert f"09{int(number[4:]):08d}" in flat, (i, number)        # nor is its phone on another page
    assert sorted(on_page) == [f"GCN-{i:05d}" for i in range(n)]
    pages_in_order = [on_page[f"GCN-{i:05d}"] for i in range(n)]
    assert pages_in_order == sorted(pages_in_order)                       # first row first, last row last
    last = max(p for p, t in enumerate(pages, 1) if "GCN-" in t)
    assert on_page["GCN-00000"] < on_page[f"GCN-{n - 1:05d}"] == last
    assert _squash("Hợp tác xã Thủy sản Đồng Tháp Trần Thị Ngọc Ánh") in _squash(pages[last - 1])  # Vietnamese text


@pytest.mark.browser
def test_the_printed_copy_hides_only_its_screen_view(chromium_path, tmp_path):
    """The copy Chromium prints has no screen view (it saves two layouts of the whole document); the HTML a
    reader opens shows its body; both print the same pages."""
    pw_api = pytest.importorskip("playwright.sync_api")
    from scoring.reports.render_html import html

    report = _long_list(60)
    shown, printed = tmp_path / "shown.html", tmp_path / "printed.html"
    shown.write_text(html(report), encoding="utf-8")
    printed.write_text(html(report, printing=True), encoding="utf-8")
    with pw_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path)
        try:
            page = browser.new_page()
            heights, pdfs = [], []
            for f in (shown, printed):
                page.goto(f.as_uri())
                heights.append(page.evaluate("document.body.getBoundingClientRect().height"))
                pdfs.append(page.pdf(format="A4", landscape=True))
        finally:
            browser.close()
    assert heights[0] > 1000 and heights[1] == 0
    texts = []
    for i, data in enumerate(pdfs):
        (tmp_path / f"{i}.pdf").write_bytes(data)
        if shutil.which("pdftotext"):
            texts.append(_pdf_text(tmp_path / f"{i}.pdf"))
    assert len(texts) in (0, 2) and (not texts or texts[0] == texts[1])


def test_a_chromium_too_old_for_margin_boxes_gets_the_footer_as_its_template():
    """Chromium draws @page margin boxes (the HTML's footer) from version 131 on; an older one would print
    no footer at all, so it is given the same footer as Chromium's own header/footer template."""
    assert render_chromium.footer_options("150.0.7871.100", "x") == {"display_header_footer": False}
    assert render_chromium.footer_options("131.0.6778.85", "x") == {"display_header_footer": False}
    old = render_chromium.footer_options("130.0.6723.116", "Giám sát <b> & co")
    assert old["display_header_footer"] is True
    assert "Giám sát &lt;b&gt; &amp; co — trang" in old["footer_template"]
    assert '<span class="pageNumber"></span>/<span class="totalPages"></span>' in old["footer_template"]
