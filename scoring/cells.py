"""Spreadsheet cells in and out: formula-injection guards and Vietnamese-locale values.

Out: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel and LibreOffice (OWASP "CSV injection"). `csv_text` prefixes such text with a single quote
(OWASP's rule) for CSV; `xlsx_cell` tells the XLSX writer to store it as a string (openpyxl would
otherwise store "=…" as a formula). Numbers stay numbers. Every layer that writes a spreadsheet
(batch results, registry exports, council sheets, reports) uses these.

In: Vietnamese offices type `3,0` for three, `20.000.000` for twenty million đồng, `20/05/2021` for
a date, and sometimes full-width digits (`３`, an IME's output). `score_number`, `amount_number` and
`date_iso` read those deliberately (never guessing between two readings: an ambiguous cell is left
as typed so that the caller reports it).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# full-width forms an IME produces are formulas too once Excel folds them
_FULLWIDTH_FORMULA = ("＝", "＋", "－", "＠")


def is_formula_like(value: Any) -> bool:
    """Text Excel would read as a formula (or DDE command) when typed or opened from CSV."""
    return isinstance(value, str) and value.startswith(FORMULA_START + _FULLWIDTH_FORMULA)


def csv_text(value: Any) -> Any:
    """A value for a CSV cell: formula-like text gets a leading single quote (OWASP); numbers, empty
    cells and other text unchanged. The csv module quotes embedded quotes and separators."""
    if is_formula_like(value):
        return "'" + value
    return value


_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what the XLSX format cannot store


def xlsx_cell(cell: Any, value: Any) -> None:
    """Set an openpyxl cell so that text is always text: a string starting with '=' is stored as a
    string, not a formula (openpyxl infers formulas from a leading '='). Control characters the
    format cannot hold (an escape sequence typed into a member's name) become U+FFFD, visibly."""
    if isinstance(value, str) and _XLSX_ILLEGAL.search(value):
        value = _XLSX_ILLEGAL.sub("\ufffd", value)
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def unformula_frame(frame):  # pandas frame -> pandas frame (typed loosely: pandas is not imported here)
    """A copy of a frame whose text cells are safe for CSV (`csv_text` on each text cell)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith("str"):
            out[col] = out[col].map(csv_text).astype(object)
    return out


# ---------------------------------------------------------------------------------------- in

_DIGITS = re.compile(r"^[+-]?\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_DOT = re.compile(r"^[+-]?\d+\.\d+$")
_THOUSANDS_DOTS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_THOUSANDS_COMMAS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


def fold_digits(text: str) -> str:
    """Full-width digits and signs (`３`, `，`, `－`) as ASCII (NFKC), spaces (also non-breaking and
    thin spaces used as thousands separators) removed."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if not ch.isspace())


def score_number(text: str) -> float | None:
    """A score typed as text: `3`, `3.0`, `3,0` (decimal comma), `３` (full-width). None when the
    text is not such a number (the caller reports it as typed). A score has no thousands."""
    t = fold_digits(text)
    if _DIGITS.match(t) or _DECIMAL_DOT.match(t):
        return float(t)
    if _DECIMAL_COMMA.match(t):
        return float(t.replace(",", "."))
    return None


def amount_number(text: str) -> float | None:
    """A money amount typed the Vietnamese way: `20.000.000`, `1.234,5`, `20 000 000`, `20000000`,
    or the English way `20,000,000` / `1,234.5`; `3,5` is 3.5 and `3.5` is 3.5. None when unreadable.
    A dot followed by exactly three digits (`20.000`) is a thousands separator: amounts are đồng,
    and 20.000 đồng is twenty thousand in a Vietnamese sheet."""
    t = fold_digits(text).removesuffix("đ").removesuffix("VND").removesuffix("vnđ")
    if _DIGITS.match(t):
        return float(t)
    if _THOUSANDS_DOTS.match(t):
        return float(t.replace(".", "").replace(",", "."))
    if _THOUSANDS_COMMAS.match(t):
        return float(t.replace(",", ""))
    if _DECIMAL_COMMA.match(t):
        return float(t.replace(",", "."))
    if _DECIMAL_DOT.match(t):
        return float(t)
    return None


def date_iso(text: str) -> str | None:
    """`20/05/2021`, `2/5/2021`, `20.05.2021`, `20-05-2021` (day first, as Vietnam writes dates) as
    `2021-05-20`; None when the text is not such a date or not a calendar date."""
    m = _DMY.match(fold_digits(text))
    if not m:
        return None
    d, mth, y = (int(g) for g in m.groups())
    try:
        return date(y, mth, d).isoformat()
    except ValueError:
        return None
