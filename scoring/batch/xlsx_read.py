"""Reading council workbooks (.xlsx) with memory bounded by the data, not by the used range.

Workbooks from offices carry stray far cells (a space typed at XFD1048576 makes the "used range" a
million rows by sixteen thousand columns), several sheets (one per product group, a notes sheet),
merged cells and formulas saved without values (files written by scripts or by LibreOffice without
recalculation). openpyxl's read-only parser streams the rows; one extra streaming pass over the
sheet's XML finds the merged ranges and the formulas without a saved value, which read-only mode
does not expose.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any, Callable
from xml.etree import ElementTree

import pandas as pd

from ..errors import Issue, ValidationFailed
from ..text import header_key

EMPTY_RUN = 1_000  # a longer run of empty rows is one gap: its rows are not listed as blank rows
MAX_ROWS = 1_048_576  # Excel's own sheet limit
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _parse_ref(ref: str) -> tuple[int, int]:
    m = _REF.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), col_index(m.group(1))


def _sheet_extras(path: Path, member: str | None) -> tuple[list[tuple[int, int, int, int]], list[str]]:
    """Merged ranges (min_row, min_col, max_row, max_col) and cells holding a formula with no saved
    value, read by streaming the sheet's XML (elements are cleared as they are passed)."""
    merges: list[tuple[int, int, int, int]] = []
    formulas: list[str] = []
    if not member:
        return merges, formulas
    with zipfile.ZipFile(path) as zf:
        name = member.lstrip("/")
        if name not in zf.namelist():
            return merges, formulas
        with zf.open(name) as f:
            root = None
            for event, elem in ElementTree.iterparse(f, events=("start", "end")):
                if root is None:
                    root = elem
                if event != "end":
                    continue
                tag = elem.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    has_f = any(ch.tag.endswith("}f") or ch.tag == "f" for ch in elem)
                    v = next((ch for ch in elem if ch.tag.endswith("}v") or ch.tag == "v"), None)
                    if has_f and (v is None or not (v.text or "").strip()) and len(formulas) < 1000:
                        formulas.append(elem.get("r", "?"))
                elif tag == "row":
                    elem.clear()
                    root.clear()  # rows already read: keep the tree's memory flat
                elif tag == "mergeCell":
                    a, _, b = (elem.get("ref") or "").partition(":")
                    try:
                        r1, c1 = _parse_ref(a)
                        r2, c2 = _parse_ref(b or a)
                    except ValueError:
                        continue
                    merges.append((r1, c1, r2, c2))
    return merges, formulas


def _sheet_rows(ws: Any, cell: Callable[[Any], Any]) -> tuple[list[list[Any]], list[int]]:
    """The sheet's rows that matter, with their Excel row numbers: rows holding a value (trailing
    empty cells dropped), and empty rows only inside runs of at most EMPTY_RUN rows followed by data
    or ending the sheet (so blank rows between records are still counted, and a stray cell a million
    rows below costs nothing)."""
    ws.reset_dimensions()  # the stored used range may be inflated: stream what is there
    rows: list[list[Any]] = []
    numbers: list[int] = []
    gap_start, n = 1, 0  # the current run of empty rows is gap_start .. n
    for values in ws.iter_rows(values_only=True):
        n += 1
        if not values:  # a row missing from the file: the common case of a long gap, kept cheap
            continue
        last = len(values)
        while last and (values[last - 1] is None or values[last - 1] == ""):
            last -= 1
        if not last:
            continue
        if n - gap_start <= EMPTY_RUN:
            for k in range(gap_start, n):
                rows.append([])
                numbers.append(k)
        rows.append([cell(v) for v in values[:last]])
        numbers.append(n)
        gap_start = n + 1
    if rows and n + 1 - gap_start <= EMPTY_RUN:
        for k in range(gap_start, n + 1):
            rows.append([])
            numbers.append(k)
    return rows, numbers


def read_workbook(path: Path, sheet: str | None, *, header_row: Callable[[list[list[Any]]], int],
                  frame: Callable[..., pd.DataFrame], cell: Callable[[Any], Any], required: list[str],
                  canonical: Callable[[Any], str]) -> pd.DataFrame:
    """The table of a workbook: the sheet named `sheet`, else every sheet whose header names the
    required columns (concatenated, rows labelled `Sheet!row`), else the first sheet (whose missing
    columns the caller reports, with `attrs["sheets_lacking"]` saying what each sheet lacks)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = [ws.title for ws in wb.worksheets]
        if sheet is not None and sheet not in names:
            matches = [n for n in names if header_key(n) == header_key(sheet)]
            if len(matches) != 1:
                raise ValidationFailed([Issue(
                    f"[sheet-unknown] không có trang tính {sheet!r} / no sheet named {sheet!r}", str(path), "--sheet",
                    sheet, "the workbook's sheets: " + ", ".join(repr(n) for n in names))], subject=str(path))
            sheet = matches[0]
        frames: list[tuple[str, pd.DataFrame]] = []
        lacking: dict[str, list[str]] = {}
        issues: list[Issue] = []
        for ws in wb.worksheets:
            if sheet is not None and ws.title != sheet:
                continue
            rows, numbers = _sheet_rows(ws, cell)
            if not rows:
                lacking[ws.title] = ["(trang trống / empty sheet)"]
                continue
            h = header_row(rows)
            header = rows[h]
            names_here = {canonical(v) for v in header if v is not None}
            missing = [c for c in required if c not in names_here]
            if missing and sheet is None:
                lacking[ws.title] = missing
                continue
            merges, formulas = _sheet_extras(path, getattr(ws, "_worksheet_path", None))
            issues += _check_extras(path, ws.title, merges, formulas, numbers[h], len(header))
            _fill_merges(rows, numbers, merges)
            f = frame(rows[h + 1:], numbers[h + 1:], header)
            outside = [f"{col_letters(j + 1)}{n}" for r, n in zip(rows[h + 1:], numbers[h + 1:])
                       for j in range(len(header), len(r)) if r[j] is not None and str(r[j]).strip()]
            f.attrs["outside_cells"] = [f"{ws.title}!{c}" for c in outside[:20]]
            f.attrs["outside_count"] = len(outside)
            frames.append((ws.title, f))
        if issues:
            raise ValidationFailed(issues, subject=str(path))
        if not frames:
            first = wb.worksheets[0] if sheet is None else wb[sheet]
            rows, numbers = _sheet_rows(first, cell)
            if not rows:
                out = pd.DataFrame(index=pd.Index([], name="row"))
            else:
                h = header_row(rows)
                out = frame(rows[h + 1:], numbers[h + 1:], rows[h])
            out.attrs["sheets_lacking"] = lacking
            out.attrs["sheets"] = []
            return out
    finally:
        wb.close()
    if len(frames) == 1:
        out = frames[0][1]
    else:
        labels = [SheetRow(title, k, int(n)) for k, (title, f) in enumerate(frames) for n in f.index]
        out = pd.concat([f for _, f in frames], ignore_index=True)  # concat would make the labels int64
        out.index = pd.Index(labels, dtype=object, name="row")
        out.attrs["outside_cells"] = [c for _, f in frames for c in f.attrs.get("outside_cells", [])][:20]
        out.attrs["outside_count"] = sum(f.attrs.get("outside_count", 0) for _, f in frames)
    out.attrs["sheets"] = [t for t, _ in frames]
    out.attrs["sheets_skipped"] = lacking
    return out


class SheetRow(int):
    """A row number of a table read from several sheets: orders sheet by sheet (the int value), and
    prints as Excel names a row of a sheet ('Huyện A'!12 reads as Huyện A!12)."""

    sheet: str
    row: int

    def __new__(cls, sheet: str, k: int, row: int) -> "SheetRow":
        obj = super().__new__(cls, k * (MAX_ROWS + 1) + row)
        obj.sheet, obj.row = sheet, row
        return obj

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row}"

    __repr__ = __str__


def _check_extras(path: Path, title: str, merges: list[tuple[int, int, int, int]], formulas: list[str],
                  header_at: int, width: int) -> list[Issue]:
    """Formulas without a saved value anywhere in the table, and cells merged across columns below
    the header (a merge copies one score into several criteria): named, never guessed."""
    issues = []
    table_formulas = []
    for ref in formulas:
        try:
            r, c = _parse_ref(ref)
        except ValueError:
            continue
        if r >= header_at and c <= max(width, 1):
            table_formulas.append(ref)
    if table_formulas:
        shown = ", ".join(table_formulas[:10]) + (", …" if len(table_formulas) > 10 else "")
        issues.append(Issue(
            f"[formula-no-value] công thức chưa có giá trị đã lưu ({len(table_formulas)} ô) — mở tệp trong Excel rồi lưu "
            f"lại / formula with no saved value ({len(table_formulas)} cells) — open and save the file in Excel",
            str(path), f"sheet {title!r}, cells {shown}", None, "cells with values (Excel saves a formula's value)"))
    across = [(r1, c1, r2, c2) for r1, c1, r2, c2 in merges if c2 > c1 and r2 > header_at]
    for r1, c1, r2, c2 in across[:20]:
        ref = f"{col_letters(c1)}{r1}:{col_letters(c2)}{r2}"
        issues.append(Issue(
            f"[merged-across-columns] ô gộp qua nhiều cột {ref}: một giá trị không thể là điểm của nhiều cột / cells "
            f"merged across columns {ref}: one value cannot stand for several columns", str(path),
            f"sheet {title!r}, merged range {ref}", None, "unmerge the cells and type each column's value"))
    return issues


def _fill_merges(rows: list[list[Any]], numbers: list[int], merges: list[tuple[int, int, int, int]]) -> None:
    """Merged ranges down one column take their top-left cell's value on every row they cover."""
    if not merges:
        return
    pos = {n: i for i, n in enumerate(numbers)}
    for r1, c1, r2, c2 in merges:
        if r1 not in pos:
            continue
        top = rows[pos[r1]]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        for n in range(r1, r2 + 1):
            i = pos.get(n)
            if i is None:
                continue
            row = rows[i]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            for c in range(c1 - 1, c2):
                row[c] = value
