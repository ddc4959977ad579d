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
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula otherwise
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # shown as typed text by Excel, and kept as text if edited
    if number_format:
        cell.number_format = number_format
    return cell
