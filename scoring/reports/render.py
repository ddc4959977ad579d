"""Write a report to the format its file name asks for, atomically (temp file + os.replace)."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Callable

from ..safe_files import atomic_write
from . import vnformat as vn
from .figures import ProgressReport, SupervisionReport
from .model import COUNTS

Report = ProgressReport | SupervisionReport


def gap_text(gap: dict[int, int]) -> str:
    return ", ".join(f"{v} sp ≥ {k}★" for k, v in sorted(gap.items(), reverse=True) if v) or "0"


def cost_text(amount: float, unit: str) -> str:
    return vn.money(amount) if unit == "VND" else f"{vn.number(amount, 1 if amount % 1 else 0)} bước"


def counts_text(counts: str) -> str:
    return {"year": "số sản phẩm được cấp giấy chứng nhận trong năm kế hoạch (mới, nâng hạng) đến ngày báo cáo, "
                    "không tính giấy đã bị thu hồi",
            "stock": "số giấy chứng nhận còn hiệu lực tại ngày báo cáo"}.get(counts, counts) + f" ({COUNTS.get(counts, '')})"


def document_title(report: Report) -> str:
    """The title of a report's document (HTML <title>, PDF metadata and page footer)."""
    if isinstance(report, SupervisionReport):
        return f"Giám sát sản phẩm OCOP — {vn.day(report.as_of)}"
    return f"Báo cáo tiến độ OCOP — {report.period.label}"


def _warn(note: str) -> None:
    warnings.warn(note, RuntimeWarning, stacklevel=3)


def render(report: Report, out: str | Path, *, pdf_engine: str = "auto",
           on_note: Callable[[str], None] | None = None) -> Path:
    """Write `report` to `out` in the format of its suffix. For a PDF, `pdf_engine` is `auto` (print the
    HTML with Chromium when one is found and the document is not too large, else draw it with fpdf2),
    `chromium` (ChromiumUnavailable if it cannot) or `fpdf`; `on_note` receives the bilingual note
    saying why fpdf2 was used under auto (default: a RuntimeWarning)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".json":
        text = json.dumps(report.as_dict(), ensure_ascii=False, indent=1)
        return atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    if suffix == ".html":
        from .render_html import html

        text = html(report)
        return atomic_write(out, lambda p: p.write_text(text, encoding="utf-8"))
    if suffix == ".xlsx":
        from .render_xlsx import xlsx

        return atomic_write(out, lambda p: xlsx(report, p))
    if suffix == ".pdf":
        return _pdf(report, out, pdf_engine, on_note or _warn)
    raise ValueError(f"unsupported output {out.suffix}")


def _pdf(report: Report, out: Path, engine: str, note: Callable[[str], None]) -> Path:
    from .render_chromium import FALLBACK, ChromiumUnavailable, choose_engine, print_pdf

    choice = choose_engine(report, engine)
    if choice.engine == "chromium":
        from .render_html import html

        try:
            return atomic_write(out, lambda p: print_pdf(lambda: html(report, printing=True), p,
                                                         choice.browser or "", document_title(report)))
        except ChromiumUnavailable as exc:
            if engine == "chromium":
                raise
            note(f"{exc}{FALLBACK}")
    elif choice.note:
        note(choice.note)
    from .render_pdf import pdf

    return atomic_write(out, lambda p: pdf(report, p))
