"""Output files written atomically, and spreadsheet cells that never turn user text into formulas.

Issue 12 (branch `files`) may bring a shared helper for both; until it lands the council layer keeps
its own small copy here, so that a crash never leaves half a workbook where a secretary expects one.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

# text starting with one of these is read as a formula (or a DDE payload) by spreadsheet programs
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one step
    (os.replace), on failure it is removed and `target` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def put(cell: Any, value: Any) -> Any:
    """Set an openpyxl cell: numbers stay numbers, text is always text (a product named '=1+1' or
    '-' is shown as typed, never evaluated)."""
    cell.value = value
    if isinstance(value, str):
        if cell.data_type == "f" or value.startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True
    return cell


def formula(cell: Any, text: str) -> Any:
    """Set a formula we built ourselves from cell references (never from user text)."""
    cell.value = text
    return cell
