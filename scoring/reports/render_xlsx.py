"""XLSX reports: data sheets with real numbers and dates (Vietnamese display formats), native Excel
charts (openpyxl.chart) drawn from those sheets, and a commune grid as coloured cells.

Written in openpyxl's write-only mode: rows are streamed to the file instead of kept as one Cell
object each (a supervision list of 10,000 certificates is ~210,000 cells: 3.4 s in the normal mode,
benchmarks/README.md). Rows are therefore appended top to bottom; column widths, row heights, frozen
panes, filters and charts are set on the sheet before it is saved, which write-only mode allows."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import vnformat as vn
from .figures import CATEGORIES, STARS, ProgressReport, SupervisionReport
from .render import counts_text, gap_text
from .xlsxsafe import needs_cell, write_only_cell

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="EEF2F5")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def _cell(ws, value: Any, number_format: str | None = None, *, font: Font | None = None,
          fill: PatternFill | None = None, alignment: Alignment | None = None):
    c = write_only_cell(ws, value, number_format)
    if font is not None:
        c.font = font
    if fill is not None:
        c.fill = fill
    if alignment is not None:
        c.alignment = alignment
    return c


def _header(ws, names: list[str]) -> None:
    ws.append([_cell(ws, n, font=BOLD, fill=HEAD_FILL, alignment=WRAP_TOP) for n in names])


def _widths(ws, widths: list[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _fmt(v) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, date):
        return vn.XLSX_DATE
    if isinstance(v, float) and not v.is_integer():
        return vn.XLSX_DEC
    if isinstance(v, (int, float)):
        return vn.XLSX_INT
    return None


def _row(ws, values: list, *, font: Font | None = None, formats: dict[int, str] | None = None) -> None:
    """Append one data row: numbers and dates with their display format, formula-like text as text.
    A plain value (text, None, a boolean) goes in bare, which write-only mode stores as it is."""
    out = []
    for i, v in enumerate(values):
        fmt = formats[i] if formats and i in formats and v is not None else _fmt(v)
        out.append(_cell(ws, v, fmt, font=font) if fmt or font or needs_cell(v) else v)
    ws.append(out)


def _bar(title: str, ylabel: str, *, stacked: bool = False, horizontal: bool = False) -> BarChart:
    ch = BarChart()
    ch.type = "bar" if horizontal else "col"
    ch.title, ch.y_axis.title = title, ylabel
    if stacked:
        ch.grouping, ch.overlap = "stacked", 100
    ch.height, ch.width = 9, 18
    return ch


def xlsx(report: ProgressReport | SupervisionReport, out: Path) -> None:
    wb = Workbook(write_only=True)
    if isinstance(report, SupervisionReport):
        _supervision(wb, report)
    else:
        _progress(wb, report)
    wb.save(out)


def _progress(wb: Workbook, r: ProgressReport) -> None:
    ws = wb.create_sheet("Tổng hợp")
    head = ["Mã", "Địa bàn", "Cấp", "Mã cấp trên", "Chỉ tiêu", "Chỉ tiêu ≥3★", "Chỉ tiêu ≥4★", "Chỉ tiêu ≥5★",
            "Đạt ≥3★", "Đạt ≥4★", "Đạt ≥5★", "Còn thiếu", "Mới trong kỳ", "Nâng hạng trong kỳ", "Đánh giá lại trong kỳ",
            "Hết hạn trong kỳ", "Thu hồi trong kỳ", "Còn hiệu lực", "Đang xét 3★", "Đang xét 4★", "Đang xét 5★",
            "Còn thiếu nếu công nhận hết", "Thưởng phải trả (VND)", "Tiến độ"]
    _widths(ws, [9, 34, 10, 10, 18] + [9] * 18 + [10])
    ws.freeze_panes = "C6"
    ws.append([_cell(ws, f"Báo cáo tiến độ OCOP — {r.period.label} — {r.plan_title}", font=TITLE)])
    _row(ws, ["Số liệu đến ngày", r.as_of])
    _row(ws, ["Cách tính chỉ tiêu", counts_text(r.counts)])
    ws.append([])
    _header(ws, head)
    for a in r.areas:
        al = a.achieved_at_least
        _row(ws, [a.code, ("  " * a.depth) + a.label, a.level, a.parent, a.target_text or None,
                  *(a.required.get(k) for k in STARS), *(al[k] for k in STARS),
                  gap_text(a.gap) if a.required else None, sum(a.new_in_period.values()),
                  sum(a.upgrades_in_period.values()), sum(a.reevaluations_in_period.values()),
                  sum(a.expired_in_period.values()), sum(a.revoked_in_period.values()), sum(a.valid.values()),
                  *(a.pipeline[k] for k in STARS), gap_text(a.gap_after_pipeline) if a.required else None,
                  a.reward_owed, a.progress],
             font=BOLD if a.depth == 0 else None, formats={len(head) - 1: "0%"})
    # chart: targets vs achieved at ≥3★ for areas with a target (a chart sheet of its own data block)
    cs = wb.create_sheet("Biểu đồ chỉ tiêu")
    _widths(cs, [34, 14, 12])
    _header(cs, ["Địa bàn", "Chỉ tiêu (mức thấp nhất)", "Đạt được"])
    rows = [a for a in r.areas if a.required and not a.synthetic]
    for a in rows:
        k = min(a.required)
        _row(cs, [a.label, a.required[k], a.achieved_at_least[k]])
    if rows:
        ch = _bar("Chỉ tiêu và kết quả theo địa bàn", "Số sản phẩm", horizontal=True)
        ch.add_data(Reference(cs, min_col=2, max_col=3, min_row=1, max_row=1 + len(rows)), titles_from_data=True)
        ch.set_categories(Reference(cs, min_col=1, min_row=2, max_row=1 + len(rows)))
        ch.height = max(9, 0.6 * len(rows))
        cs.add_chart(ch, "E2")
    # stars over time (stacked)
    ts = wb.create_sheet("Theo thời gian")
    _widths(ts, [12, 8, 8, 8])
    _header(ts, ["Ngày", "3 sao", "4 sao", "5 sao"])
    for t, c in r.stars_over_time:
        _row(ts, [t, c.get(3, 0), c.get(4, 0), c.get(5, 0)])
    if r.stars_over_time:
        n = len(r.stars_over_time)
        ch = _bar("Giấy chứng nhận còn hiệu lực theo số sao", "Số giấy", stacked=True)
        ch.add_data(Reference(ts, min_col=2, max_col=4, min_row=1, max_row=1 + n), titles_from_data=True)
        ch.set_categories(Reference(ts, min_col=1, min_row=2, max_row=1 + n))
        ts.add_chart(ch, "F2")
    _expiring_sheet(wb, r.expiring_by_month)
    _grid_sheet(wb, r)
    wi = wb.create_sheet("Đề xuất nâng hạng")
    _widths(wi, [30, 8, 14, 7, 26, 28, 8, 8, 8, 8, 8, 12, 30, 40])
    _header(wi, ["Địa bàn", "Khả thi", "Tổng chi phí", "Đơn vị", "Hồ sơ", "Sản phẩm", "Sao trước", "Sao sau",
                 "Tiêu chí", "Từ điểm", "Đến điểm", "Chi phí", "Nội dung", "Ghi chú"])
    for a in r.areas:
        if a.whatif is None:
            continue
        w = a.whatif
        if not w.proposals:
            _row(wi, [a.label, w.feasible, w.cost, w.cost_unit, None, None, None, None, None, None, None, None,
                      None, w.note])
        for p in w.proposals:
            for s in p.steps or [{}]:
                _row(wi, [a.label, w.feasible, w.cost, w.cost_unit, p.dossier_id, p.product, p.stars_before,
                          p.stars_after, s.get("criterion"), s.get("from_points"), s.get("to_points"),
                          s.get("cost"), s.get("label"), w.note])
    _notes(wb, r.readings)


def _expiring_sheet(wb: Workbook, months: list[tuple[str, int]]) -> None:
    es = wb.create_sheet("Hết hạn theo tháng")
    _widths(es, [10, 14])
    _header(es, ["Tháng", "Số giấy chứng nhận hết hạn"])
    for m, n in months:
        _row(es, [f"{m[5:]}/{m[:4]}", n])
    if months:
        ch = _bar("Giấy chứng nhận hết hạn theo tháng", "Số giấy")
        ch.add_data(Reference(es, min_col=2, min_row=1, max_row=1 + len(months)), titles_from_data=True)
        ch.set_categories(Reference(es, min_col=1, min_row=2, max_row=1 + len(months)))
        es.add_chart(ch, "D2")


def _grid_sheet(wb: Workbook, r: ProgressReport) -> None:
    """Communes as coloured tiles, one row per district (red → green by progress; grey: no target)."""
    gs = wb.create_sheet("Bản đồ tiến độ xã")
    labels = {a.code: a.label for a in r.areas}
    groups: dict[str, list] = {}
    for a in r.areas:
        if a.level == "commune" and not a.synthetic:
            groups.setdefault(a.parent or "", []).append(a)
    gs.column_dimensions["A"].width = 26
    for j in range(2, 2 + max((len(v) for v in groups.values()), default=0)):
        gs.column_dimensions[get_column_letter(j)].width = 16
    gs.append([_cell(gs, "Tiến độ các xã (% chỉ tiêu ở mức sao thấp nhất; xám: không có chỉ tiêu)", font=BOLD)])
    gs.append([])
    tile = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for row, (parent, items) in enumerate(groups.items(), start=3):
        gs.row_dimensions[row].height = 36
        gs.append([_cell(gs, labels.get(parent, parent), font=BOLD),
                   *(_cell(gs, f"{a.name}\n{'—' if a.progress is None else f'{round(a.progress * 100)} %'}",
                           alignment=tile, fill=PatternFill("solid", fgColor=_tile(a.progress))) for a in items)])


def _tile(p: float | None) -> str:
    if p is None:
        return "DDDDDD"
    # red (0) → yellow (0.5) → green (1)
    if p < 0.5:
        r_, g = 230, int(90 + 2 * p * 130)
    else:
        r_, g = int(230 - (p - 0.5) * 2 * 150), 200
    return f"{r_:02X}{g:02X}70"


def _notes(wb: Workbook, readings: list[str]) -> None:
    ns = wb.create_sheet("Ghi chú")
    ns.column_dimensions["A"].width = 140
    _header(ns, ["Cách đọc số liệu / readings"])
    wrap = Alignment(wrap_text=True)
    for n in readings:
        ns.append([_cell(ns, n, alignment=wrap)])


def _supervision(wb: Workbook, r: SupervisionReport) -> None:
    ws = wb.create_sheet("Tổng hợp")
    _widths(ws, [16, 16, 16] + [16] * len(CATEGORIES))
    ws.append([_cell(ws, "Danh sách giám sát sản phẩm OCOP", font=TITLE)])
    _row(ws, ["Đến ngày", r.as_of])
    ws.append([])
    _header(ws, ["Tỉnh", "Huyện", "Xã", *(v[0] for v in CATEGORIES.values())])
    for (p, d, c), row in r.by_area().items():
        _row(ws, [p, d or None, c or None, *(row[k] for k in CATEGORIES)])
    ls = wb.create_sheet("Danh sách")
    head = ["Tình trạng", "Mã tình trạng", "Số GCN", "Sản phẩm", "Sao", "Cấp ngày", "Hết hạn", "Còn (ngày)",
            "Mở nộp đánh giá lại", "Hạn nộp đánh giá lại", "Đã nộp đánh giá lại", "Thu hồi ngày", "Căn cứ thu hồi",
            "Tỉnh", "Huyện", "Xã", "Chủ thể", "Người đại diện", "Điện thoại", "Email", "Địa chỉ"]
    order = list(CATEGORIES)
    items = sorted(r.items, key=lambda i: (i.area_key, order.index(i.category), i.expires_on))
    _widths(ls, [26, 12, 18, 28, 5, 11, 11, 8, 11, 11, 8, 11, 14, 14, 14, 14, 28, 20, 14, 24, 30])
    ls.freeze_panes = "D2"
    ls.auto_filter.ref = f"A1:{get_column_letter(len(head))}{max(1, len(items)) + 1}"
    _header(ls, head)
    for it in items:
        _row(ls, [CATEGORIES[it.category][0], it.category, it.certificate_no, it.product, it.stars, it.issued_on,
                  it.expires_on, it.days_to_expiry, it.window_opens, it.window_closes, it.reevaluation_filed,
                  it.revoked_on, it.revocation_ground, it.province, it.district, it.commune, it.producer,
                  it.representative, it.phone, it.email, it.address])
    _expiring_sheet(wb, r.expiring_by_month)
    _notes(wb, r.readings)
