"""Reporting periods of a plan's year: quarters, halves, the year (the duty the local plans set —
Long Mỹ 2020: "định kỳ quý, sáu tháng, cả năm"; QĐ 26/2026 sets no periodic reporting, §9)."""
from __future__ import annotations

import calendar
from datetime import date

from ..errors import Issue, ValidationFailed
from .figures import Period

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PERIODS = ("Q1", "Q2", "Q3", "Q4", "H1", "H2", "year")


def period(key: str, year: int, as_of: date) -> Period:
    """The period `key` of `year`; refused when the report date falls before it begins."""
    k = key.strip()
    k = "year" if k.lower() in ("year", "nam", "năm", "y") else k.upper()
    if k not in PERIODS:
        raise ValidationFailed([Issue("[report-period-invalid] kỳ báo cáo không hợp lệ / unknown reporting period",
                                      None, "--period", key, ", ".join(PERIODS))], subject="--period")
    if k == "year":
        start, end, label = date(year, 1, 1), date(year, 12, 31), f"Năm {year}"
    elif k[0] == "Q":
        q = int(k[1])
        start = date(year, 3 * q - 2, 1)
        end = date(year, 3 * q, calendar.monthrange(year, 3 * q)[1])
        label = f"Quý {ROMAN[q]}/{year}"
    else:
        h = int(k[1])
        start, end = (date(year, 1, 1), date(year, 6, 30)) if h == 1 else (date(year, 7, 1), date(year, 12, 31))
        label = f"{'Sáu tháng đầu' if h == 1 else 'Sáu tháng cuối'} năm {year}"
    if as_of < start:
        raise ValidationFailed([Issue("[report-period-future] ngày báo cáo trước khi kỳ báo cáo bắt đầu / the report "
                                      "date is before the period begins", None, "--as-of", as_of.isoformat(),
                                      f"một ngày từ {start.isoformat()} trở đi cho {label} / a date on or after "
                                      f"{start.isoformat()} for {label}")], subject="--as-of")
    return Period(k, start, end, label)
