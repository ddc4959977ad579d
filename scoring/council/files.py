"""Council outputs: written atomically through the kernel's `scoring.safe_files` (a crash or a
signal never leaves half a workbook where a secretary expects one), with spreadsheet cells that
never turn user text into formulas (`scoring.cells`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cells import is_formula_like, xlsx_cell
from ..safe_files import atomic_path

__all__ = ["atomic_path", "formula", "is_formula_like", "put", "write_text"]


def write_text(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def put(cell: Any, value: Any) -> Any:
    """Set an openpyxl cell: numbers stay numbers, text is always text (a product named '=1+1' or
    '-' is shown as typed, never evaluated; Excel also keeps it text when the cell is edited)."""
    xlsx_cell(cell, value)
    if is_formula_like(cell.value):
        cell.quotePrefix = True
    return cell


def formula(cell: Any, text: str) -> Any:
    """Set a formula we built ourselves from cell references (never from user text)."""
    cell.value = text
    return cell
