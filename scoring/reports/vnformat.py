"""Vietnamese number and date formats for documents (1.234,5; 31/12/2026), never for data exports.

Documents read by councils and district offices follow Vietnamese conventions; data exports (JSON,
the XLSX data sheets' cell values) keep machine-readable numbers and ISO dates, and only their display
format is Vietnamese.
"""
from __future__ import annotations

from datetime import date

# Excel display formats: Excel itself substitutes the reader's separators; these are the patterns
XLSX_INT = "#,##0"
XLSX_DEC = "#,##0.0"
XLSX_DATE = "dd/mm/yyyy"


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234567.5 -> '1.234.567,5' (thousands '.', decimal ',')."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def money(value: float | None) -> str:
    """VND amounts: '30.000.000 ₫'."""
    return "—" if value is None else f"{number(value)} ₫"


def percent(value: float | None, decimals: int = 0) -> str:
    return "—" if value is None else f"{number(value * 100, decimals)} %"


def day(value: date | None) -> str:
    return "—" if value is None else value.strftime("%d/%m/%Y")
