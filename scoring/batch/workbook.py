"""Batch results as a workbook a council can read (declarations first, then the writer).

Sheets: "Kết quả" (one row per dossier: Vietnamese headers in row 1, the English column codes in
row 2, frozen header, filters, widths, means shown with 2 decimals — the cell keeps the exact
value —, status and warnings in plain Vietnamese and English), "Tổng hợp" (counts per criteria set
× form: dossiers, stars, status), "Lý do loại" (rejects with their rows and reasons). Every text
cell goes through `scoring.cells.xlsx_cell`, so text that looks like a formula stays text.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..cells import xlsx_cell
from ..result import LEVEL_TEXT, STATUS_TEXT

# result column -> Vietnamese header (the English code goes in the second header row)
HEADERS_VI = {
    "dossier_id": "Mã hồ sơ", "criteria_set": "Bộ tiêu chí", "form": "Bộ sản phẩm", "level": "Cấp đánh giá",
    "evaluated_on": "Ngày đánh giá", "period": "Giai đoạn", "product": "Tên sản phẩm", "producer": "Chủ thể",
    "province": "Tỉnh", "district": "Huyện", "commune": "Xã", "members": "Số thành viên",
    "member_totals": "Tổng điểm từng thành viên", "part_A": "Phần A (TB)", "part_B": "Phần B (TB)",
    "part_C": "Phần C (TB)", "total": "Tổng điểm (TB)", "max_total": "Điểm tối đa", "band_stars": "Hạng theo điểm",
    "stars": "Số sao", "status": "Trạng thái", "recognised_by": "Cấp công nhận", "escalate_to": "Chuyển lên cấp",
    "unmet_minimums": "Yêu cầu tối thiểu chưa đạt", "knockouts": "Điều kiện loại", "warnings": "Cảnh báo",
    "rank_form": "Xếp hạng trong bộ sản phẩm", "rank_province": "Xếp hạng trong tỉnh",
    "rank_district": "Xếp hạng trong huyện",
    "rows": "Dòng", "reason": "Lý do", "dossiers": "Số hồ sơ",
}
MEANS = ("part_A", "part_B", "part_C", "total")
WARNINGS = {  # short labels of the warning codes (the full sentences are in `ocop score`)
    "partial-form": "biểu mẫu chưa đầy đủ trong nguồn / form partial in our sources",
    "provenance-unconfirmed": "điểm lấy từ bản chép lại, chưa đối chiếu / points from an unchecked transcription",
    "suspected-typo": "phụ thuộc giá trị nghi lỗi in / depends on a suspected misprint",
    "transition": "đánh giá sau khi bộ tiêu chí hết hiệu lực / evaluated after the set stopped being in force",
    "minimums-gap": "yêu cầu tối thiểu thiếu trong nguồn: kiểm tra thủ công / per-star minimums incomplete: check by hand",
    "council-spread": "điểm các thành viên chênh lệch lớn / members' totals far apart",
    "gate-held-by-stars": "đủ điểm nhưng không chuyển cấp vì hạng sao / enough points, held back by stars",
    "evaluated-in-future": "ngày đánh giá sau hôm nay / evaluation date after today",
    "council-single-member": "hội đồng chỉ có một thành viên / a council of one member",
    "council-large": "hội đồng đông bất thường / an unusually large council",
}
SHEET_RESULTS, SHEET_SUMMARY, SHEET_REJECTS = "Kết quả", "Tổng hợp", "Lý do loại"


def _label(code: str, table: dict[str, str]) -> str:
    return table.get(code, code)


def _plain(value: Any) -> Any:
    """A cell as it is (numbers stay numbers, missing values empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ";".join(map(str, value))
    if isinstance(value, (pd.Timestamp,)):
        return value.to_pydatetime()
    return value


def _display(col: str, value: Any) -> Any:
    """A result cell as the council reads it (codes in plain words; lists one item per line)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if col == "status":
        return _label(str(value), STATUS_TEXT)
    if col in ("level", "recognised_by", "escalate_to"):
        return _label(str(value), LEVEL_TEXT)
    if col == "warnings":
        return "\n".join(_label(w, WARNINGS) for w in str(value).split(";") if w)
    if col in ("unmet_minimums", "knockouts", "member_totals"):
        return "\n".join(p for p in str(value).split(";") if p) if col != "member_totals" else str(value)
    return value


def _sheet(ws: Any, frame: pd.DataFrame, *, codes: bool = True, plain: bool = False) -> None:
    """A table with a Vietnamese header row (and the English codes under it), frozen, filtered,
    with readable widths and 2-decimal means."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = [str(c) for c in frame.columns]
    names = {} if plain else HEADERS_VI
    ws.append([None] * len(cols))
    for j, c in enumerate(cols):
        xlsx_cell(ws.cell(1, j + 1), names.get(c, c))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    top = 1
    if codes and not plain:
        ws.append([None] * len(cols))
        for j, c in enumerate(cols):
            xlsx_cell(ws.cell(2, j + 1), c)
        for cell in ws[2]:
            cell.font = Font(italic=True, color="666666")
        top = 2
    arrays = [frame[c].to_numpy(dtype=object) for c in cols]
    widths = [max(len(names.get(c, c)), len(c)) for c in cols]
    for r in range(len(frame)):
        ws.append([None] * len(cols))
        row = ws.max_row
        for j, c in enumerate(cols):
            v = _plain(arrays[j][r]) if plain else _display(c, arrays[j][r])
            cell = ws.cell(row, j + 1)
            xlsx_cell(cell, v)
            if c in MEANS and isinstance(v, float) and not plain:
                cell.number_format = "0.00"
            if isinstance(v, str) and "\n" in v:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            text = max((len(s) for s in str(v).split("\n")), default=0) if v is not None else 0
            widths[j] = max(widths[j], min(text, 60))
    for j, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, w + 2)
    ws.freeze_panes = ws.cell(top + 1, 2 if cols and cols[0] == "dossier_id" else 1)
    if cols:
        ws.auto_filter.ref = f"A{top}:{get_column_letter(len(cols))}{max(top, ws.max_row)}"


def summary_counts(results: pd.DataFrame) -> pd.DataFrame:
    """Dossiers per criteria set × form, by stars and status (the "Tổng hợp" sheet)."""
    if not len(results):
        return pd.DataFrame(columns=["criteria_set", "form", "dossiers"])
    keys = ["criteria_set", "form"]
    base = results.groupby(keys, sort=True).size().rename("dossiers")
    stars = pd.crosstab([results[k] for k in keys], results["stars"]).rename(columns=lambda s: f"{s}★")
    status = pd.crosstab([results[k] for k in keys], results["status"]).rename(columns=lambda s: _label(s, STATUS_TEXT))
    return pd.concat([base, stars, status], axis=1).fillna(0).astype(int).reset_index()


def write_results_xlsx(results: pd.DataFrame, rejects: pd.DataFrame | None, path: Path) -> None:
    """The council workbook (see the module docstring); `path` is a temporary file of
    `scoring.safe_files.atomic_write`."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET_RESULTS
    _sheet(ws, results)
    _sheet(wb.create_sheet(SHEET_SUMMARY), summary_counts(results), codes=False)
    if rejects is not None and len(rejects):
        _sheet(wb.create_sheet(SHEET_REJECTS), rejects)
    wb.save(path)


def write_plain_xlsx(frame: pd.DataFrame, path: Path, title: str = "Sheet") -> None:
    """Any table as one sheet: its own column names as the header (so `read_table` reads it back),
    values as they are, frozen header, filters, widths; text never a formula."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    _sheet(ws, frame, plain=True)
    wb.save(path)
