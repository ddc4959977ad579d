"""XLSX reports: data sheets with real numbers and dates (Vietnamese display formats), native Excel
charts (openpyxl.chart) drawn from those sheets, and a commune grid as coloured cells."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import vnformat as vn
from .figures import CATEGORIES, STARS, ProgressReport, SupervisionReport
from .render import counts_text, gap_text
from .xlsxsafe import put

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="EEF2F5")


def _header(ws, row: int, names: list[str]) -> None:
    for c, n in enumerate(names, start=1):
        cell = put(ws, row, c, n)
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


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


def _row(ws, r: int, values: list) -> None:
    for c, v in enumerate(values, start=1):
        put(ws, r, c, v, _fmt(v))


def _bar(title: str, ylabel: str, *, stacked: bool = False, horizontal: bool = False) -> BarChart:
    ch = BarChart()
    ch.type = "bar" if horizontal else "col"
    ch.title, ch.y_axis.title = title, ylabel
    if stacked:
        ch.grouping, ch.overlap = "stacked", 100
    ch.height, ch.width = 9, 18
    return ch


def xlsx(report: ProgressReport | SupervisionReport, out: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    if isinstance(report, SupervisionReport):
        _supervision(wb, report)
    else:
        _progress(wb, report)
    wb.save(out)


def _progress(wb: Workbook, r: ProgressReport) -> None:
    ws = wb.create_sheet("Tổng hợp")
    put(ws, 1, 1, f"Báo cáo tiến độ OCOP — {r.period.label} — {r.plan_title}").font = Font(bold=True, size=13)
    put(ws, 2, 1, "Số liệu đến ngày")
    put(ws, 2, 2, r.as_of, vn.XLSX_DATE)
    put(ws, 3, 1, "Cách tính chỉ tiêu")
    put(ws, 3, 2, counts_text(r.counts))
    head = ["Mã", "Địa bàn", "Cấp", "Mã cấp trên", "Chỉ tiêu", "Chỉ tiêu ≥3★", "Chỉ tiêu ≥4★", "Chỉ tiêu ≥5★",
            "Đạt ≥3★", "Đạt ≥4★", "Đạt ≥5★", "Còn thiếu", "Mới trong kỳ", "Nâng hạng trong kỳ", "Đánh giá lại trong kỳ",
            "Hết hạn trong kỳ", "Thu hồi trong kỳ", "Còn hiệu lực", "Đang xét 3★", "Đang xét 4★", "Đang xét 5★",
            "Còn thiếu nếu công nhận hết", "Thưởng phải trả (VND)", "Tiến độ"]
    _header(ws, 5, head)
    for i, a in enumerate(r.areas, start=6):
        al = a.achieved_at_least
        _row(ws, i, [a.code, ("  " * a.depth) + a.label, a.level, a.parent, a.target_text or None,
                     *(a.required.get(k) for k in STARS), *(al[k] for k in STARS),
                     gap_text(a.gap) if a.required else None, sum(a.new_in_period.values()),
                     sum(a.upgrades_in_period.values()), sum(a.reevaluations_in_period.values()),
                     sum(a.expired_in_period.values()), sum(a.revoked_in_period.values()), sum(a.valid.values()),
                     *(a.pipeline[k] for k in STARS), gap_text(a.gap_after_pipeline) if a.required else None,
                     a.reward_owed, a.progress])
        if a.progress is not None:
            ws.cell(row=i, column=len(head)).number_format = "0%"
        if a.depth == 0:
            for c in range(1, len(head) + 1):
                ws.cell(row=i, column=c).font = BOLD
    last = 5 + len(r.areas)
    _widths(ws, [9, 34, 10, 10, 18] + [9] * 18 + [10])
    ws.freeze_panes = "C6"
    # chart: targets vs achieved at ≥3★ for areas with a target (a chart sheet of its own data block)
    cs = wb.create_sheet("Biểu đồ chỉ tiêu")
    _header(cs, 1, ["Địa bàn", "Chỉ tiêu (mức thấp nhất)", "Đạt được"])
    rows = [a for a in r.areas if a.required and not a.synthetic]
    for i, a in enumerate(rows, start=2):
        k = min(a.required)
        _row(cs, i, [a.label, a.required[k], a.achieved_at_least[k]])
    _widths(cs, [34, 14, 12])
    if rows:
        ch = _bar("Chỉ tiêu và kết quả theo địa bàn", "Số sản phẩm", horizontal=True)
        ch.add_data(Reference(cs, min_col=2, max_col=3, min_row=1, max_row=1 + len(rows)), titles_from_data=True)
        ch.set_categories(Reference(cs, min_col=1, min_row=2, max_row=1 + len(rows)))
        ch.height = max(9, 0.6 * len(rows))
        cs.add_chart(ch, "E2")
    # stars over time (stacked)
    ts = wb.create_sheet("Theo thời gian")
    _header(ts, 1, ["Ngày", "3 sao", "4 sao", "5 sao"])
    for i, (t, c) in enumerate(r.stars_over_time, start=2):
        _row(ts, i, [t, c.get(3, 0), c.get(4, 0), c.get(5, 0)])
    _widths(ts, [12, 8, 8, 8])
    if r.stars_over_time:
        n = len(r.stars_over_time)
        ch = _bar("Giấy chứng nhận còn hiệu lực theo số sao", "Số giấy", stacked=True)
        ch.add_data(Reference(ts, min_col=2, max_col=4, min_row=1, max_row=1 + n), titles_from_data=True)
        ch.set_categories(Reference(ts, min_col=1, min_row=2, max_row=1 + n))
        ts.add_chart(ch, "F2")
    _expiring_sheet(wb, r.expiring_by_month)
    _grid_sheet(wb, r)
    wi = wb.create_sheet("Đề xuất nâng hạng")
    _header(wi, 1, ["Địa bàn", "Khả thi", "Tổng chi phí", "Đơn vị", "Hồ sơ", "Sản phẩm", "Sao trước", "Sao sau",
                    "Tiêu chí", "Từ điểm", "Đến điểm", "Chi phí", "Nội dung", "Ghi chú"])
    row = 2
    for a in r.areas:
        if a.whatif is None:
            continue
        w = a.whatif
        if not w.proposals:
            _row(wi, row, [a.label, w.feasible, w.cost, w.cost_unit, None, None, None, None, None, None, None, None,
                           None, w.note])
            row += 1
        for p in w.proposals:
            for s in p.steps or [{}]:
                _row(wi, row, [a.label, w.feasible, w.cost, w.cost_unit, p.dossier_id, p.product, p.stars_before,
                               p.stars_after, s.get("criterion"), s.get("from_points"), s.get("to_points"),
                               s.get("cost"), s.get("label"), w.note])
                row += 1
    _widths(wi, [30, 8, 14, 7, 26, 28, 8, 8, 8, 8, 8, 12, 30, 40])
    _notes(wb, r.readings)
    _ = last


def _expiring_sheet(wb: Workbook, months: list[tuple[str, int]]) -> None:
    es = wb.create_sheet("Hết hạn theo tháng")
    _header(es, 1, ["Tháng", "Số giấy chứng nhận hết hạn"])
    for i, (m, n) in enumerate(months, start=2):
        _row(es, i, [f"{m[5:]}/{m[:4]}", n])
    _widths(es, [10, 14])
    if months:
        ch = _bar("Giấy chứng nhận hết hạn theo tháng", "Số giấy")
        ch.add_data(Reference(es, min_col=2, min_row=1, max_row=1 + len(months)), titles_from_data=True)
        ch.set_categories(Reference(es, min_col=1, min_row=2, max_row=1 + len(months)))
        es.add_chart(ch, "D2")


def _grid_sheet(wb: Workbook, r: ProgressReport) -> None:
    """Communes as coloured tiles, one row per district (red → green by progress; grey: no target)."""
    gs = wb.create_sheet("Bản đồ tiến độ xã")
    put(gs, 1, 1, "Tiến độ các xã (% chỉ tiêu ở mức sao thấp nhất; xám: không có chỉ tiêu)").font = BOLD
    labels = {a.code: a.label for a in r.areas}
    groups: dict[str, list] = {}
    for a in r.areas:
        if a.level == "commune" and not a.synthetic:
            groups.setdefault(a.parent or "", []).append(a)
    row = 3
    for parent, items in groups.items():
        put(gs, row, 1, labels.get(parent, parent)).font = BOLD
        for j, a in enumerate(items, start=2):
            p = a.progress
            cell = put(gs, row, j, f"{a.name}\n{'—' if p is None else f'{round(p * 100)} %'}")
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            cell.fill = PatternFill("solid", fgColor=_tile(p))
        gs.row_dimensions[row].height = 36
        row += 1
    gs.column_dimensions["A"].width = 26
    for j in range(2, 2 + max((len(v) for v in groups.values()), default=0)):
        gs.column_dimensions[get_column_letter(j)].width = 16


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
    _header(ns, 1, ["Cách đọc số liệu / readings"])
    for i, n in enumerate(readings, start=2):
        put(ns, i, 1, n).alignment = Alignment(wrap_text=True)
    ns.column_dimensions["A"].width = 140


def _supervision(wb: Workbook, r: SupervisionReport) -> None:
    ws = wb.create_sheet("Tổng hợp")
    put(ws, 1, 1, "Danh sách giám sát sản phẩm OCOP").font = Font(bold=True, size=13)
    put(ws, 2, 1, "Đến ngày")
    put(ws, 2, 2, r.as_of, vn.XLSX_DATE)
    _header(ws, 4, ["Tỉnh", "Huyện", "Xã", *(v[0] for v in CATEGORIES.values())])
    for i, ((p, d, c), row) in enumerate(r.by_area().items(), start=5):
        _row(ws, i, [p, d or None, c or None, *(row[k] for k in CATEGORIES)])
    _widths(ws, [16, 16, 16] + [16] * len(CATEGORIES))
    ls = wb.create_sheet("Danh sách")
    head = ["Tình trạng", "Mã tình trạng", "Số GCN", "Sản phẩm", "Sao", "Cấp ngày", "Hết hạn", "Còn (ngày)",
            "Mở nộp đánh giá lại", "Hạn nộp đánh giá lại", "Đã nộp đánh giá lại", "Thu hồi ngày", "Căn cứ thu hồi",
            "Tỉnh", "Huyện", "Xã", "Chủ thể", "Người đại diện", "Điện thoại", "Email", "Địa chỉ"]
    _header(ls, 1, head)
    order = list(CATEGORIES)
    items = sorted(r.items, key=lambda i: (i.area_key, order.index(i.category), i.expires_on))
    for i, it in enumerate(items, start=2):
        _row(ls, i, [CATEGORIES[it.category][0], it.category, it.certificate_no, it.product, it.stars, it.issued_on,
                     it.expires_on, it.days_to_expiry, it.window_opens, it.window_closes, it.reevaluation_filed,
                     it.revoked_on, it.revocation_ground, it.province, it.district, it.commune, it.producer,
                     it.representative, it.phone, it.email, it.address])
    _widths(ls, [26, 12, 18, 28, 5, 11, 11, 8, 11, 11, 8, 11, 14, 14, 14, 14, 28, 20, 14, 24, 30])
    ls.freeze_panes = "D2"
    ls.auto_filter.ref = f"A1:{get_column_letter(len(head))}{max(1, len(items)) + 1}"
    _expiring_sheet(wb, r.expiring_by_month)
    _notes(wb, r.readings)
