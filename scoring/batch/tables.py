"""Reading and writing council tables: CSV (with or without BOM), XLSX, Parquet, JSONL.

Council secretaries type sheets in Excel with Vietnamese headers; we accept those headers, keep
every value they typed (as text where it is not a score), and write outputs atomically so a crash
never leaves a half-written file where a good one stood.
"""
from __future__ import annotations

import csv
import itertools
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import Issue, ValidationFailed
from ..text import header_key

# a dossier's kind, lodging day and previous certificate (issue 13; scoring.filing)
FILING = ["kind", "lodged_on", "previous_expires_on", "previous_stars", "previous_number"]
# header as typed (NFC, lower-case, spaces folded) -> canonical column
HEADER_ALIASES = {
    "dossier_id": "dossier_id", "mã hồ sơ": "dossier_id", "ma ho so": "dossier_id", "hồ sơ": "dossier_id",
    "criteria_set": "criteria_set", "bộ tiêu chí": "criteria_set",
    "form": "form", "biểu mẫu": "form", "bộ sản phẩm": "form", "mã bộ sản phẩm": "form",
    "level": "level", "cấp": "level", "cấp đánh giá": "level",
    "evaluated_on": "evaluated_on", "ngày đánh giá": "evaluated_on", "ngày": "evaluated_on",
    "member": "member", "thành viên": "member", "thành viên hội đồng": "member", "người đánh giá": "member",
    "findings": "findings", "điều kiện loại": "findings", "phát hiện": "findings",
    "story_exists": "story_exists", "có câu chuyện": "story_exists",
    "cases": "cases", "trường hợp": "cases",
    "kind": "kind", "loại hồ sơ": "kind", "hình thức đăng ký": "kind", "loại đăng ký": "kind",
    "lodged_on": "lodged_on", "ngày nộp hồ sơ": "lodged_on", "ngày nộp": "lodged_on",
    "previous_expires_on": "previous_expires_on", "ngày hết hạn giấy chứng nhận": "previous_expires_on",
    "hạn giấy chứng nhận": "previous_expires_on",
    "previous_stars": "previous_stars", "hạng sao đã công nhận": "previous_stars", "số sao đã công nhận": "previous_stars",
    "previous_number": "previous_number", "số giấy chứng nhận": "previous_number",
    "product": "product", "sản phẩm": "product", "tên sản phẩm": "product",
    "producer": "producer", "chủ thể": "producer", "chủ thể ocop": "producer",
    "province": "province", "tỉnh": "province",
    "district": "district", "huyện": "district",
    "commune": "commune", "xã": "commune",
    "criterion": "criterion", "tiêu chí": "criterion",
    "points": "points", "điểm": "points",
}
META = ["dossier_id", "criteria_set", "form", "level", "evaluated_on", "member", "findings", "story_exists", "cases",
        *FILING,
        "product", "producer", "province", "district", "commune"]
PRODUCT = ["product", "producer", "province", "district", "commune"]
CRITERION_COLUMN = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def canonical_header(name: object) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip()
    if CRITERION_COLUMN.match(text):
        return text
    return HEADER_ALIASES.get(header_key(text), text)


def normalise_columns(frame: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    renamed = {c: canonical_header(c) for c in frame.columns}
    seen: dict[str, object] = {}
    issues = []
    for original, canon in renamed.items():
        if canon in seen:
            issues.append(Issue("two columns mean the same thing", source, f"column {original!r}", canon,
                                f"one of {seen[canon]!r} / {original!r}"))
        seen[canon] = original
    if issues:
        raise ValidationFailed(issues, subject=source)
    return frame.rename(columns=renamed)


def check_headers(frame: pd.DataFrame, source: str = "table") -> list[str]:
    """Refuse criterion columns named by their printed number (their scores would be lost; all of
    them are named at once with the numbers they stand for), and return the columns the batch does
    not use (notes and the like: reported, never silently dropped)."""
    from ..criteria import printed_numbers

    printed = printed_numbers()
    issues, unused = [], []
    for c in frame.columns:
        name = str(c)
        if name in _KNOWN or CRITERION_COLUMN.match(name):
            continue
        means = printed.get(header_key(name))
        if means:
            issues.append(Issue("a criterion column is named by the number printed on the form", source,
                                f"column {name!r}", name,
                                "the criterion number: " + ", ".join(f"{n} ({s})" for s, n in means)
                                + " (printed numbers are not renamed: '3.c' is 3.3 on some QĐ 148 forms "
                                  "and 3.6 on others, and other sets print none)"))
        else:
            unused.append(name)
    if issues:
        raise ValidationFailed(issues, subject=source)
    return unused


ROW = "row"  # index name of a table read from a file: the user's own row numbers
HEADER_SCAN = 10  # rows searched for the header row (a title or two above it is common in Excel)
OUTPUT_SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl", ".ndjson")
_KNOWN = set(HEADER_ALIASES.values())


def _header_row(rows: list[list[object]]) -> int:
    """Index of the header row among the first rows: the first one that names the dossier id column
    (the one column every table needs; a title row does not name it, a data row holds ids, not the
    header). Failing that, the row naming most known column names, and the first row when none names
    any, so that the missing-column message follows. Criterion numbers do not count: a data row of a
    results table is full of numbers ("3", "49.67") that look like criterion columns."""
    def names(row: list[object]) -> list[str]:
        return [canonical_header(_header_text(v)) for v in row if v is not None and str(v).strip()]

    scanned = [names(row) for row in rows[:HEADER_SCAN]]
    for i, row in enumerate(scanned):
        if "dossier_id" in row:
            return i
    best, best_count = 0, 0
    for i, row in enumerate(scanned):
        count = sum(1 for name in row if name in _KNOWN)
        if count > best_count:
            best, best_count = i, count
    return best


def _header_text(value: object) -> str:
    """A header cell as text; Excel keeps a criterion number typed as 7 or 1.2 as a number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(value: object) -> object:
    """An Excel cell as the table holds it: dates as YYYY-MM-DD (the time when there is one)."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _frame(rows: list[list[object]], numbers: list[int], header: list[object]) -> pd.DataFrame:
    names = [_header_text(h) if h is not None and str(h).strip() else f"Unnamed: {j}" for j, h in enumerate(header)]
    width = len(names)
    data = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(data, columns=names, index=pd.Index(numbers, name=ROW), dtype=object)
    unnamed = [n for n, h in zip(names, header) if h is None or not str(h).strip()]
    return frame.drop(columns=[n for n in unnamed if frame[n].isna().all()])


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet as typed: merged cells filled from their top-left cell (secretaries merge
    "Mã hồ sơ" over a dossier's member rows), the header found below any title rows, and rows
    numbered as Excel shows them."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)  # not read-only: merged ranges are needed
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in r] for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        value = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_col - 1 < len(rows[rng.min_row - 1]) else None
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = value
    if not rows:
        return pd.DataFrame(index=pd.Index([], name=ROW))
    h = _header_row(rows)
    return _frame(rows[h + 1:], list(range(h + 2, len(rows) + 1)), rows[h])


def _read_csv(path: Path) -> pd.DataFrame:
    """CSV (BOM or not) with every cell as text; a title row above the header is skipped; blank
    lines are kept (as empty rows, counted by the batch) so that row numbers stay the file's."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        head = list(itertools.islice(csv.reader(f), HEADER_SCAN))
    h = _header_row([list(r) for r in head])
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                        skiprows=h, skip_blank_lines=False)
    frame.index = pd.Index(np.arange(len(frame)) + h + 2, name=ROW)
    return frame


def _joined(value: object) -> object:
    """A list of findings (JSON array, Parquet list) as the ';'-separated text a sheet would hold."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ";".join(str(v).strip() for v in value)
    return value


def _read_jsonl(path: Path) -> pd.DataFrame:
    """One JSON object per line, numbered by line (a blank line is an empty row). `findings` may be
    an array; any other nested value is refused, naming the line and the key."""
    records, numbers, issues = [], [], []
    with open(path, encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, 1):
            numbers.append(lineno)
            if not line.strip():
                records.append({})
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                issues.append(Issue(f"not a JSON object: {exc}", str(path), f"line {lineno}", line.strip()[:60]))
                records.append({})
                continue
            if not isinstance(rec, dict):
                issues.append(Issue("not a JSON object", str(path), f"line {lineno}", rec, "one object per line"))
                records.append({})
                continue
            for key, value in rec.items():
                if canonical_header(key) == "findings":
                    rec[key] = _joined(value)
                elif isinstance(value, (list, dict)):
                    issues.append(Issue("nested value in a column that holds one value", str(path),
                                        f"line {lineno}, key {key!r}", value,
                                        "a number or text (only 'findings' may be an array)"))
            records.append(rec)
    if issues:
        raise ValidationFailed(issues, subject=str(path))
    return pd.DataFrame.from_records(records, index=pd.Index(numbers, name=ROW))


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frame = pd.read_parquet(path)
    schema = pq.read_schema(path)
    lists = [f.name for f in schema if str(f.type).startswith(("list", "large_list"))]
    issues = [Issue("nested value in a column that holds one value", str(path), f"column {c!r}", str(schema.field(c).type),
                    "a number or text (only 'findings' may be a list)") for c in lists if canonical_header(c) != "findings"]
    if issues:
        raise ValidationFailed(issues, subject=str(path))
    for c in lists:
        frame[c] = frame[c].map(_joined).astype(object)
    frame.index = pd.Index(np.arange(1, len(frame) + 1), name=ROW)
    return frame


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a council table; every non-score cell is kept as text, exactly as typed (NFC, trimmed).
    The index holds the user's row numbers (named "row"): spreadsheet rows (header included) for
    CSV and XLSX, line numbers for JSONL, 1-based records for Parquet; rejects cite them."""
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx, ".parquet": _read_parquet,
               ".jsonl": _read_jsonl, ".ndjson": _read_jsonl}
    if suffix not in readers:
        raise ValidationFailed([Issue("unsupported input format", str(path), None, suffix,
                                      ".csv, .xlsx, .parquet, .jsonl")], subject=str(path))
    try:
        frame = readers[suffix](path)
    except ValidationFailed:
        raise
    except (ValueError, UnicodeDecodeError, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ValidationFailed([Issue(f"cannot read table: {exc}", str(path))], subject=str(path)) from None
    frame = normalise_columns(frame, str(path))
    for col in frame.columns:
        if pd.api.types.is_object_dtype(frame[col].dtype) or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = typed_text(frame[col])
    return frame


def check_output(path: str | Path) -> Path:
    """Refuse an output format before any work is done (not after scoring a million sheets)."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValidationFailed([Issue("unsupported output format", str(path), None, path.suffix,
                                      ", ".join(OUTPUT_SUFFIXES))], subject=str(path))
    return path


def typed_text(column: pd.Series) -> pd.Series:
    """Text cells as typed, NFC and without surrounding spaces; other cells (numbers from Excel,
    empty cells) untouched. Done once per distinct value: a column of a province's round has a few
    hundred distinct values in a hundred thousand rows."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    fixed = [unicodedata.normalize("NFC", u).strip() if isinstance(u, str) else u for u in uniques]
    if all(isinstance(a, str) and a == b for a, b in zip(fixed, uniques) if isinstance(b, str)):
        return column  # already NFC and trimmed
    table = np.empty(len(fixed) + 1, dtype=object)
    for i, v in enumerate(fixed):
        table[i] = v
    table[-1] = None
    out = pd.Series(table[codes], index=column.index, dtype=object)
    return out.astype(column.dtype) if pd.api.types.is_string_dtype(column.dtype) and not \
        pd.api.types.is_object_dtype(column.dtype) else out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a results file is shared like any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel shows diacritics), XLSX or Parquet, atomically."""
    path = check_output(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _atomic(path, lambda p: frame.to_csv(p, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        _atomic(path, lambda p: frame.to_excel(p, index=False, engine="openpyxl"))
    elif suffix == ".parquet":
        _atomic(path, lambda p: frame.to_parquet(p, index=False))
    else:
        _atomic(path, lambda p: frame.to_json(p, orient="records", lines=True, force_ascii=False))
    return path
