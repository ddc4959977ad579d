"""PDF reports printed from the HTML report by headless Chromium (Playwright), the same document a
reader opens in a browser: the `@media print` rules of templates/base.html.j2 repeat table headers,
keep rows whole and lay the page out as A4 landscape; the page footer (title, page N/M) is its @page
margin box, so a browser's own Print gives the same pages.

Chromium is an optional system program: a provincial office's server may have none. The browser is
looked for in this order — `$OCOP_CHROMIUM`, then `chromium`, `chromium-browser`, `google-chrome` on
PATH, then the browser Playwright installed itself (`playwright install chromium`) — and when none is
found (or the Playwright package is not installed), `choose_engine` falls back to the fpdf2 renderer
(render_pdf) and says why. Large documents also go to fpdf2 under `auto`: Chromium's print time grows
with every table row, and the supervision list of 10,000 certificates of the benchmark still misses the
< 5 s target of issue 16 where fpdf2 meets it. Our trade-off: AUTO_MAX_ROWS is where Chromium's total,
computing the report included, stays under 5 s on the benchmark machine with some margin (the
measurements: benchmarks/README.md, "Reports").
"""
from __future__ import annotations

import html as _html
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import vnformat as vn
from .figures import ProgressReport, SupervisionReport

ENV = "OCOP_CHROMIUM"
ON_PATH = ("chromium", "chromium-browser", "google-chrome")
ENGINES = ("auto", "chromium", "fpdf")
# auto prints with Chromium up to this many table rows; above it fpdf2 draws the PDF (speed, above)
AUTO_MAX_ROWS = 4_000
# Chromium's switches for an offline one-shot print (the HTML loads nothing: its CSP is default-src 'none')
ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-extensions"]
MARGIN = {"top": "10mm", "right": "8mm", "bottom": "12mm", "left": "8mm"}  # as @page in base.html.j2
# the first Chromium that draws @page margin boxes (the HTML's footer); older ones ignore them
MARGIN_BOXES_SINCE = 131


class ChromiumUnavailable(RuntimeError):
    """No Chromium to print with, or it failed; the message is bilingual (Vietnamese, then English)."""


@dataclass(frozen=True)
class Choice:
    engine: str                 # "chromium" or "fpdf"
    browser: str | None = None  # the Chromium executable to run (found on the system or Playwright's own)
    note: str | None = None     # why fpdf2 was taken under auto (bilingual), for stderr


def table_rows(report: ProgressReport | SupervisionReport) -> int:
    """Rows in the document's tables: what Chromium's print time grows with."""
    if isinstance(report, SupervisionReport):
        return len(report.items) + len(report.by_area())
    return len(report.areas) + sum(len(a.whatif.proposals) for a in report.areas if a.whatif is not None)


def _playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def system_browser() -> str | None:
    """`$OCOP_CHROMIUM` (a path or a command name), else the first of ON_PATH found; None if neither.
    Raises ChromiumUnavailable when `$OCOP_CHROMIUM` names nothing: a setting that is wrong is said,
    not silently replaced by another browser."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted:
        found = shutil.which(wanted) or (wanted if Path(wanted).is_file() else None)
        if found is None:
            raise ChromiumUnavailable(f"[pdf-browser-missing] ${ENV}={wanted!r}: không tìm thấy trình duyệt / no browser "
                                      "there")
        return found
    for name in ON_PATH:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_browser() -> str | None:
    """The Chromium Playwright downloaded (`playwright install chromium`), if it is there."""
    if not _playwright_installed():
        return None
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            path = pw.chromium.executable_path
    except Exception:  # noqa: BLE001 - no driver or no browser registry: simply none
        return None
    return path if path and Path(path).is_file() else None


def find_browser() -> str:
    """The Chromium to print with (ON_PATH order above), or ChromiumUnavailable saying what is missing."""
    if not _playwright_installed():
        raise ChromiumUnavailable("[pdf-playwright-missing] chưa cài gói Playwright (pip install "
                                  "'ocop-scoring[pdf]') / the Playwright package is not installed (pip install "
                                  "'ocop-scoring[pdf]')")
    browser = system_browser() or playwright_browser()
    if browser is None:
        raise ChromiumUnavailable(f"[pdf-browser-missing] không tìm thấy Chromium (${ENV}, {', '.join(ON_PATH)} "
                                  f"trên PATH, hay trình duyệt của Playwright) / no Chromium found (${ENV}, "
                                  f"{', '.join(ON_PATH)} on PATH, or Playwright's own browser)")
    return browser


FALLBACK = "; PDF vẽ bằng fpdf2 / PDF drawn by fpdf2 instead"


def choose_engine(report: ProgressReport | SupervisionReport, requested: str = "auto") -> Choice:
    """The PDF engine for this report. `fpdf`: always fpdf2. `chromium`: Chromium or ChromiumUnavailable.
    `auto`: Chromium when one is found and the document has at most AUTO_MAX_ROWS table rows, else fpdf2
    with a note saying why."""
    if requested not in ENGINES:
        raise ValueError(f"pdf engine {requested!r} not in {ENGINES}")
    if requested == "fpdf":
        return Choice("fpdf")
    if requested == "chromium":
        return Choice("chromium", find_browser())
    rows = table_rows(report)
    if rows > AUTO_MAX_ROWS:
        return Choice("fpdf", note=(
            f"[pdf-engine-fpdf] {vn.number(rows)} dòng bảng: PDF vẽ bằng fpdf2 thay vì in HTML bằng Chromium "
            f"(trên {vn.number(AUTO_MAX_ROWS)} dòng, in bằng Chromium vượt chỉ tiêu 5 giây); --pdf-engine "
            f"chromium để vẫn in bằng Chromium / {rows:,} table rows: PDF drawn by fpdf2 instead of printing the "
            f"HTML with Chromium (over {AUTO_MAX_ROWS:,} rows it misses the 5 s target); --pdf-engine chromium "
            f"prints it anyway"))
    try:
        return Choice("chromium", find_browser())
    except ChromiumUnavailable as exc:
        return Choice("fpdf", note=f"{exc}{FALLBACK}")


def print_pdf(make_html: Callable[[], str], out: Path, browser: str, title: str) -> None:
    """Print the HTML `make_html()` returns to `out` with the Chromium at `browser`: A4 landscape,
    backgrounds printed; the page footer (`title`, "trang N/M") is the document's own @page margin box
    (footer_options: Chromium's footer template on a browser too old for margin boxes).

    Playwright's driver and the browser start in a worker thread while this thread renders the HTML
    (the charts; both take about as long, benchmarks/README.md), so the wait is the longer of the
    two, not their sum. The HTML is loaded from a temporary file (file:// is faster than pushing
    megabytes through set_content). It should be the `printing` copy of render_html.html, which the
    headless tab does not lay out for its screen."""
    html_ready: Future[str] = Future()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocop-pdf") as pool:
        printed = pool.submit(_print, html_ready, out, browser, title)
        try:
            html_ready.set_result(make_html())
        except BaseException as exc:
            html_ready.set_exception(exc)
            raise
        finally:
            error = printed.exception()  # waits for the worker (and its browser) to finish
    if error is not None:
        raise error


def footer_options(version: str, title: str) -> dict[str, object]:
    """page.pdf's header/footer options for the Chromium of `version` ("150.0.7871.100"). From Chromium
    131 the footer is the HTML's @page margin box and Chromium's own header/footer is off: that one is a
    small document laid out and painted again for every page (benchmarks/README.md, "Reports"). An older
    Chromium ignores margin boxes, so it gets the same footer as a template (title, "trang N/M")."""
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = 0
    if major >= MARGIN_BOXES_SINCE:
        return {"display_header_footer": False}
    footer = ('<div style="font-family: \'DejaVu Sans\', Arial, sans-serif; font-size: 7px; width: 100%; '
              f'text-align: center; color: #444;">{_html.escape(title)} — trang <span class="pageNumber"></span>/'
              '<span class="totalPages"></span></div>')
    return {"display_header_footer": True, "header_template": "<span></span>", "footer_template": footer}


def _print(html_ready: Future[str], out: Path, browser: str, title: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ocop-pdf-") as tmp:
        page_file = Path(tmp) / "report.html"
        try:
            with sync_playwright() as pw:
                b = pw.chromium.launch(executable_path=browser or None, args=ARGS)
                try:
                    page = b.new_page()
                    page_file.write_text(html_ready.result(), encoding="utf-8")
                    page.goto(page_file.as_uri(), wait_until="load")
                    # tagged=False and outline=False are Playwright's defaults, said here because a
                    # tagged PDF (accessibility tree) is much slower to print and 15x larger (benchmarks).
                    page.pdf(path=str(out), format="A4", landscape=True, print_background=True, tagged=False,
                             outline=False, margin=MARGIN, **footer_options(b.version, title))
                finally:
                    b.close()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ChromiumUnavailable(f"[pdf-chromium-failed] Chromium không in được / Chromium failed to print "
                                      f"({browser or 'Playwright'}): {first}") from exc
