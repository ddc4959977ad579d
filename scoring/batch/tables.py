"""Reading and writing council tables: CSV (with or without BOM), XLSX, Parquet, JSONL.

Council secretaries type sheets in Excel with Vietnamese headers; we accept those headers, keep
every value they typed (as text where it is not a score), and write outputs atomically so a crash
never leaves a half-written file where a good one stood.
"""
from __future__ import annotations

import csv
import itertools
import re
import unicodedata
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Issue, ValidationFailed
from ..text import header_key, parse_json

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
REQUIRED = ["dossier_id", "form", "level", "evaluated_on", "member"]
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell; a longer CSV field is a quote left open
MAX_INPUT_BYTES = 2 * 1024 ** 3  # 2 GiB: larger tables are split (or given as Parquet)


def canonical_header(name: object) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip()
    if CRITERION_COLUMN.match(text):
        return text
    return HEADER_ALIASES.get(header_key(text), text)


def normalise_columns(frame: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    renamed = {c: canonical_header(c) for c in frame.columns}
    seen: dict[str, object] = {}
    issues = []
    for original in frame.columns:  # not the dict: two columns may carry one header
        canon = renamed[original]
        if canon in seen:
            issues.append(Issue("[columns-duplicate] hai cột cùng một nghĩa / two columns mean the same thing", source, f"column {original!r}", canon,
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
            issues.append(Issue("cột tiêu chí mang số in trên biểu mẫu giấy / a criterion column is named by the number printed on the form", source,
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


def _read_xlsx(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Every sheet whose header names the required columns (or `sheet`), read as typed, with bounded
    memory (openpyxl's read-only parser: rows stream, a stray far cell costs one row, long empty runs
    are skipped); merged cells down a column filled from their top-left cell (secretaries merge "Mã hồ
    sơ" over a dossier's member rows); the header found below any title rows; rows numbered as Excel
    shows them (prefixed by the sheet's name when several sheets are read)."""
    from .xlsx_read import read_workbook

    return read_workbook(path, sheet, header_row=_header_row, frame=_frame, cell=_cell, required=REQUIRED,
                         canonical=lambda v: canonical_header(_header_text(v)))


def _sniff_delimiter(path: Path) -> str:
    """The separator of a CSV: ',' or, as Excel in a Vietnamese locale writes, ';' (or tab). The one
    whose header row names most known columns wins; ',' on a tie."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        sample = f.read(64 * 1024)
    lines = sample.splitlines()[:HEADER_SCAN]
    best, best_score = ",", -1
    for delim in (",", ";", "\t"):
        try:
            rows = [list(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not rows:
            continue
        h = _header_row(rows)
        names = [canonical_header(v) for v in rows[h]]
        score = sum(1 for n in names if n in _KNOWN or CRITERION_COLUMN.match(n)) * 1000 + len(rows[h])
        if len(rows[h]) > 1 and score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """CSV (BOM or not; ',' ';' or tab separated, sniffed) with every cell as text; a title row above
    the header is skipped; blank lines are kept (as empty rows, counted by the batch) so that row
    numbers stay the file's."""
    delim = _sniff_delimiter(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            head = list(itertools.islice(csv.reader(f, delimiter=delim), HEADER_SCAN))
    except csv.Error as exc:
        raise ValidationFailed([_too_large(path, f"{exc}")], subject=str(path)) from None
    h = _header_row([list(r) for r in head])
    frame = _read_csv_arrow(path, h, head[h] if h < len(head) else [], delim)
    if frame is None:  # a file Arrow reads otherwise than pandas would (or not at all): pandas reads it
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                            skiprows=h, skip_blank_lines=False, sep=delim, engine="c")
    frame.index = pd.Index(np.arange(len(frame)) + h + 2, name=ROW)
    frame.attrs["delimiter"] = delim
    return frame


def _read_csv_arrow(path: Path, h: int, header: list[str], delim: str) -> pd.DataFrame | None:
    """The CSV below its header row read by Arrow's parser (every cell as text, empty cells null),
    as the Arrow-backed `str` columns pandas' own reader gives; about five times faster and without
    Python objects per cell. None when the file is one whose reading could differ from
    `pd.read_csv`'s: a header with duplicate or blank names (pandas renames them), a row of another
    width or a blank line (pandas pads them, Arrow refuses), bytes that are not UTF-8 (pandas names
    the byte) — those files are read by pandas, as before."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = list(header)
    if not names or len(set(names)) != len(names) or any(not n.strip() for n in names):
        return None
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(skip_rows=h + 1, column_names=names, block_size=16 << 20),
            parse_options=pcsv.ParseOptions(delimiter=delim, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, null_values=[""],
                                                strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (pa.ArrowException, OSError):
        return None
    return pd.DataFrame({n: pd.Series(table.column(i), dtype=ARROW_TEXT) for i, n in enumerate(names)}, copy=False)


def _too_large(path: Path, detail: str) -> Issue:
    return Issue(f"[cell-too-large] một ô quá dài (quá {MAX_CELL_CHARS:,} ký tự) — có thể thiếu dấu ngoặc kép đóng / a "
                 f"cell is too long (over {MAX_CELL_CHARS:,} characters) — perhaps a quote is not closed ({detail})",
                 str(path), None, None, f"cells of at most {MAX_CELL_CHARS:,} characters (Excel's own limit)")


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
                rec = parse_json(line)
            except ValueError as exc:
                issues.append(Issue(f"không phải đối tượng JSON / not a JSON object: {exc}", str(path), f"line {lineno}", line.strip()[:60]))
                records.append({})
                continue
            if not isinstance(rec, dict):
                issues.append(Issue("không phải đối tượng JSON / not a JSON object", str(path), f"line {lineno}", rec, "one object per line"))
                records.append({})
                continue
            for key, value in rec.items():
                if canonical_header(key) == "findings":
                    rec[key] = _joined(value)
                elif isinstance(value, (list, dict)):
                    issues.append(Issue("giá trị lồng trong cột chỉ chứa một giá trị / nested value in a column that holds one value", str(path),
                                        f"line {lineno}, key {key!r}", value,
                                        "a number or text (only 'findings' may be an array)"))
            records.append(rec)
    if issues:
        raise ValidationFailed(issues, subject=str(path))
    return pd.DataFrame.from_records(records, index=pd.Index(numbers, name=ROW))


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    frame = _parquet_frame(pq.read_table(path))
    schema = pq.read_schema(path)
    lists = [f.name for f in schema if str(f.type).startswith(("list", "large_list"))]
    issues = [Issue("giá trị lồng trong cột chỉ chứa một giá trị / nested value in a column that holds one value", str(path), f"column {c!r}", str(schema.field(c).type),
                    "a number or text (only 'findings' may be a list)") for c in lists if canonical_header(c) != "findings"]
    if issues:
        raise ValidationFailed(issues, subject=str(path))
    for c in lists:
        frame[c] = frame[c].map(_joined).astype(object)
    frame.index = pd.Index(np.arange(1, len(frame) + 1), name=ROW)
    return frame


def _parquet_frame(table: "pa.Table") -> pd.DataFrame:
    """`pd.read_parquet`'s frame, column by column: text as Arrow `str` columns, other columns as
    pandas converts them (with the file's pandas metadata), an index pandas stored dropped (the rows
    are numbered by the reader). Never consolidated into one block: copying sixty score columns
    into a matrix was most of reading a Parquet table."""
    import pyarrow as pa

    stored_index = {c for c in (table.schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    cols: dict[str, pd.Series] = {}
    for i, name in enumerate(table.column_names):
        if name in stored_index:
            continue
        col = table.column(i)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            cols[name] = pd.Series(col, dtype=ARROW_TEXT)
        else:
            cols[name] = table.select([i]).to_pandas().iloc[:, 0]
    return pd.DataFrame(cols, copy=False).reset_index(drop=True)


def read_table(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a council table; every non-score cell is kept as text, exactly as typed (NFC, trimmed).
    The index holds the user's row numbers (named "row"): spreadsheet rows (header included) for
    CSV and XLSX ('Sheet!row' when several sheets are read), line numbers for JSONL, 1-based records
    for Parquet; rejects cite them. Vietnamese-locale cells are read deliberately (`locale_cells`).
    `sheet`: the XLSX sheet to read (default: every sheet whose header names the required columns)."""
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".tsv": _read_csv, ".txt": _read_csv, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx,
               ".parquet": _read_parquet, ".jsonl": _read_jsonl, ".ndjson": _read_jsonl}
    if suffix in (".xls", ".ods", ".numbers"):
        raise ValidationFailed([Issue(
            f"[format-old-excel] định dạng {suffix} không được hỗ trợ: mở tệp và lưu thành .xlsx (File › Save As › Excel "
            f"Workbook) / the {suffix} format is not supported: open the file and save it as .xlsx", str(path), None,
            suffix, ".xlsx, .csv, .parquet, .jsonl")], subject=str(path))
    if suffix not in readers:
        raise ValidationFailed([Issue("[format-unsupported] định dạng không được hỗ trợ / unsupported input format",
                                      str(path), None, suffix, ".csv, .xlsx, .parquet, .jsonl")], subject=str(path))
    if sheet is not None and suffix not in (".xlsx", ".xlsm"):
        raise ValidationFailed([Issue("[sheet-not-workbook] --sheet chỉ dùng cho tệp .xlsx / --sheet applies to .xlsx "
                                      "files only", str(path), "--sheet", sheet, "an .xlsx input")], subject=str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ValidationFailed([Issue(f"[file-unreadable] không đọc được tệp / cannot read the file: {exc.strerror}",
                                      str(path))], subject=str(path)) from None
    if size > MAX_INPUT_BYTES:
        raise ValidationFailed([Issue(f"[file-too-large] tệp quá lớn / the file is too large ({size:,} bytes)",
                                      str(path), None, None, f"at most {MAX_INPUT_BYTES:,} bytes: split the table")],
                               subject=str(path))
    try:
        frame = readers[suffix](path, sheet) if suffix in (".xlsx", ".xlsm", ".csv", ".tsv", ".txt") else readers[suffix](path)
    except ValidationFailed:
        raise
    except (csv.Error, OverflowError) as exc:
        raise ValidationFailed([_too_large(path, str(exc))], subject=str(path)) from None
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Issue(
            "[encoding] tệp không phải văn bản UTF-8 — lưu lại dưới dạng CSV UTF-8 / the file is not UTF-8 text — save it "
            f"as 'CSV UTF-8' ({exc.reason} at byte {exc.start})", str(path), None, None, "UTF-8 (with or without BOM)")],
            subject=str(path)) from None
    except (ValueError, OSError, KeyError, IndexError, TypeError, EOFError, RecursionError, zipfile.BadZipFile) as exc:
        raise ValidationFailed([Issue(f"[table-unreadable] không đọc được bảng / cannot read table: "
                                      f"{type(exc).__name__}: {str(exc)[:300]}", str(path))], subject=str(path)) from None
    except Exception as exc:  # a corrupt workbook raises whatever its parser meets (openpyxl, lxml, zip)
        if type(exc).__module__.split(".")[0] in ("openpyxl", "xml", "lxml", "zipfile", "pyarrow", "pandas"):
            raise ValidationFailed([Issue(f"[table-unreadable] không đọc được bảng / cannot read table: "
                                          f"{type(exc).__name__}: {str(exc)[:300]}", str(path))], subject=str(path)) from None
        raise
    attrs = dict(frame.attrs)
    frame = normalise_columns(frame, str(path))
    if suffix not in (".csv", ".tsv", ".txt"):  # CSV cells are all text: no TRUE/FALSE cell there
        _excel_booleans(frame)
    # Arrow text columns (CSV, Parquet): typed text, cell sizes and Vietnamese-locale cells in one
    # pass over each column's distinct values, by Arrow kernels (three pandas factorizations per
    # column were most of reading a table); other text columns (Excel, JSONL) as typed text here,
    # their sizes and locale cells below
    done: set[object] = set()
    out: dict[object, pd.Series] = {}
    for col in frame.columns:
        values = frame[col]
        if is_arrow_text(values):
            out[col] = _typed_arrow(values, str(col), path)
            done.add(col)
        elif pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype):
            out[col] = typed_text(values)
        else:
            out[col] = values
    frame = pd.DataFrame(out, index=frame.index, copy=False)
    if done:  # the text of score columns read as numbers is free now: give it back before the batch runs
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    _check_cell_sizes(frame, path, skip=done)
    frame = locale_cells(frame, skip=done)
    frame.attrs.update(attrs)
    return frame


ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' own `str` dtype


def is_arrow_text(values: pd.Series) -> bool:
    """A text column held by Arrow (pandas' `str`), not Python objects."""
    return pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype)


def _typed_arrow(values: pd.Series, name: str, path: Path) -> pd.Series:
    """`typed_text`, `_check_cell_sizes` and `locale_cells` of one Arrow text column, done once per
    distinct value of one Arrow dictionary encoding, with the same results: text NFC and trimmed,
    a cell over MAX_CELL_CHARS refused naming its first row, score cells typed as numbers read as
    numbers (a float column when every non-empty cell is one; mixed with the text as typed
    otherwise), day-first dates as YYYY-MM-DD."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..cells import date_iso, score_number

    arr = pa.array(values.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = arr.dictionary_encode()
    raw = enc.dictionary.to_pylist()
    # NFC and trimming can change only text that is not ASCII or that starts or ends with a space
    # (Python's str.strip: ASCII whitespace and \x1c-\x1f); Arrow finds those, Python fixes them
    # (a round's dossier ids are a hundred thousand distinct ASCII values: none is looked at)
    suspect = pc.or_(pc.invert(pc.string_is_ascii(enc.dictionary)),
                     pc.match_substring_regex(enc.dictionary, r"^[\t\n\x0b\x0c\r \x1c-\x1f]|[\t\n\x0b\x0c\r \x1c-\x1f]$"))
    fixed = list(raw)
    for i in np.flatnonzero(suspect.to_numpy(zero_copy_only=False)).tolist():
        fixed[i] = unicodedata.normalize("NFC", raw[i]).strip()
    if fixed:
        sizes = np.fromiter(map(len, fixed), dtype=np.int64, count=len(fixed))
        if int(sizes.max()) > MAX_CELL_CHARS:
            codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
            row = values.index[int(np.flatnonzero(codes == int(sizes.argmax()))[0])]
            raise ValidationFailed([_too_large(path, f"row {row}, column {name!r}")], subject=str(path))
    if CRITERION_COLUMN.match(name) or name == "points":
        numbers = [score_number(u) for u in fixed]
        if any(n is not None for n in numbers):  # as locale_cells: numbers as numbers, other text as typed
            codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
            if all(n is not None for n in numbers):
                return pd.Series(np.array(numbers + [np.nan], dtype=np.float64)[codes], index=values.index, copy=False)
            table = np.empty(len(fixed) + 1, dtype=object)
            for i, (n, u) in enumerate(zip(numbers, fixed)):
                table[i] = u if n is None else n
            table[-1] = None
            return pd.Series(table[codes], index=values.index, dtype=object, copy=False)
    elif name == "evaluated_on":
        fixed = [date_iso(u) or u for u in fixed]
    if fixed == raw:
        return values
    return pd.Series(pc.take(pa.array(fixed, type=pa.string()), enc.indices), index=values.index, dtype=ARROW_TEXT)


def _excel_booleans(frame: pd.DataFrame) -> None:
    """Excel TRUE/FALSE (and JSON true/false) in score columns as text saying what they are, before
    any factorization: Python counts True equal to 1, and pandas would merge the two."""
    for col in frame.columns:
        name = str(col)
        if not (CRITERION_COLUMN.match(name) or name == "points"):
            continue
        values = frame[col]
        if pd.api.types.is_bool_dtype(values.dtype):
            frame[col] = values.map(lambda v: EXCEL_BOOLEAN.format("TRUE" if v else "FALSE")).astype(object)
        elif values.dtype == object:
            mask = values.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
            if mask.any():
                fixed = values.copy()
                fixed[mask] = [EXCEL_BOOLEAN.format("TRUE" if v else "FALSE") for v in values[mask]]
                frame[col] = fixed


def _check_cell_sizes(frame: pd.DataFrame, path: Path, skip: set[object] = frozenset()) -> None:
    """Refuse a text cell longer than MAX_CELL_CHARS, naming its row. Lengths are taken once per
    distinct value (a column of 10^6 rows holds a few thousand), not once per cell. `skip`:
    columns checked already (`_typed_arrow`)."""
    for col in frame.columns:
        if col in skip:
            continue
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)
            sizes = np.fromiter((len(v) if isinstance(v, str) else 0 for v in uniques), dtype=np.int64,
                                count=len(uniques))
            if len(sizes) and int(sizes.max()) > MAX_CELL_CHARS:
                row = frame.index[int(np.flatnonzero(codes == int(sizes.argmax()))[0])]
                raise ValidationFailed([_too_large(path, f"row {row}, column {col!r}")], subject=str(path))


EXCEL_BOOLEAN = "{} (ô đúng/sai của Excel, không phải điểm / an Excel TRUE/FALSE cell, not a score)"


def locale_cells(frame: pd.DataFrame, skip: set[object] = frozenset()) -> pd.DataFrame:
    """Cells typed the Vietnamese way, read deliberately (`scoring.cells`): score cells `3,0` and
    full-width `３` as numbers; dates `20/05/2021` (day first) as 2021-05-20. An Excel TRUE/FALSE
    in a score cell is never 1/0: it is kept as text saying what it is, so that its dossier is
    rejected naming it. Converted once per distinct value. `skip`: columns read already
    (`_typed_arrow`)."""
    from ..cells import date_iso, score_number

    def score(v: object) -> object:
        if isinstance(v, (bool, np.bool_)):
            return EXCEL_BOOLEAN.format("TRUE" if v else "FALSE")
        if isinstance(v, str):
            n = score_number(v)
            return v if n is None else n
        return v

    def day(v: object) -> object:
        if isinstance(v, str):
            return date_iso(v) or v
        return v

    for col in frame.columns:
        name = str(col)
        fn = score if (CRITERION_COLUMN.match(name) or name == "points") else day if name == "evaluated_on" else None
        if fn is None or col in skip:
            continue
        values = frame[col]
        if pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype(object)
        elif not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        fixed = [fn(u) for u in uniques]
        if all(type(a) is type(b) and a == b for a, b in zip(fixed, uniques)):
            continue
        table = np.empty(len(fixed) + 1, dtype=object)
        for i, v in enumerate(fixed):
            table[i] = v
        table[-1] = None
        frame[col] = pd.Series(table[codes], index=frame.index, dtype=object)
    return frame


def check_output(path: str | Path) -> Path:
    """Refuse an output format before any work is done (not after scoring a million sheets)."""
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValidationFailed([Issue("định dạng tệp kết quả không được hỗ trợ / unsupported output format", str(path), None, path.suffix,
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


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel shows diacritics), XLSX, Parquet or JSONL, atomically
    (`scoring.safe_files.atomic_write`). Spreadsheet text that Excel would run as a formula is
    written as text (XLSX) or with OWASP's leading quote (CSV); numbers stay numbers."""
    from ..cells import unformula_frame
    from ..safe_files import atomic_write
    from .workbook import write_plain_xlsx

    path = check_output(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write(path, lambda p: unformula_frame(frame).to_csv(p, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        atomic_write(path, lambda p: write_plain_xlsx(frame, p))
    elif suffix == ".parquet":
        atomic_write(path, lambda p: frame.to_parquet(p, index=False))
    else:
        atomic_write(path, lambda p: frame.to_json(p, orient="records", lines=True, force_ascii=False))
    return path
