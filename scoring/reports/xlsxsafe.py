"""Writing cells a spreadsheet will not execute: text that starts like a formula stays text.

A product or producer name typed as "=HYPERLINK(…)" or "+84 912…" must reach Excel as the text it
is (formula injection, CWE-1236), without changing it (no added apostrophe in the value): the cell
is written with the string type, which Excel and LibreOffice display verbatim and never evaluate.
"""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def put(ws, row: int, col: int, value: Any, number_format: str | None = None):
    """Write `value` at (row, col); strings are always stored as text, never as formulas."""
    return _protect(ws.cell(row=row, column=col), value, number_format)


def needs_cell(value: Any) -> bool:
    """Whether a value appended to a write-only sheet needs a cell of ours: openpyxl binds a bare string
    starting with "=" as a formula, and we also mark the other formula-like starts as typed text."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def write_only_cell(ws, value: Any, number_format: str | None = None):
    """A cell for `ws.append()` in openpyxl's write-only mode, with the same guarantees as `put`."""
    from openpyxl.cell import WriteOnlyCell

    return _protect(WriteOnlyCell(ws), value, number_format)


def _protect(cell, value: Any, number_format: str | None):
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula otherwise
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # shown as typed text by Excel, and kept as text if edited
    if number_format:
        cell.number_format = number_format
    return cell
