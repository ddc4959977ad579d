"""Write a report to the format its file name asks for, atomically (temp file + os.replace)."""
from __future__ import annotations

import json
from pathlib import Path

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


def render(report: Report, out: str | Path) -> Path:
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
        from .render_pdf import pdf

        return atomic_write(out, lambda p: pdf(report, p))
    raise ValueError(f"unsupported output {out.suffix}")
