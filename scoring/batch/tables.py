"""Reading and writing council tables: CSV (with or without BOM), XLSX, Parquet, JSONL.

Council secretaries type sheets in Excel with Vietnamese headers; we accept those headers, keep
every value they typed (as text where it is not a score), and write outputs atomically so a crash
never leaves a half-written file where a good one stood.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import Issue, ValidationFailed

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
    "product": "product", "sản phẩm": "product", "tên sản phẩm": "product",
    "producer": "producer", "chủ thể": "producer", "chủ thể ocop": "producer",
    "province": "province", "tỉnh": "province",
    "district": "district", "huyện": "district",
    "commune": "commune", "xã": "commune",
    "criterion": "criterion", "tiêu chí": "criterion",
    "points": "points", "điểm": "points",
}
META = ["dossier_id", "criteria_set", "form", "level", "evaluated_on", "member", "findings", "story_exists",
        "product", "producer", "province", "district", "commune"]
PRODUCT = ["product", "producer", "province", "district", "commune"]
CRITERION_COLUMN = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def canonical_header(name: object) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip()
    key = re.sub(r"\s+", " ", text).lower()
    if CRITERION_COLUMN.match(text):
        return text
    return HEADER_ALIASES.get(key, text)


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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a council table; every non-score cell is kept as text, exactly as typed (NFC)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object, sheet_name=0)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False, encoding="utf-8-sig")
        else:
            raise ValidationFailed([Issue("unsupported input format", str(path), None, suffix,
                                          ".csv, .xlsx, .parquet, .jsonl")], subject=str(path))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        if isinstance(exc, ValidationFailed):
            raise
        raise ValidationFailed([Issue(f"cannot read table: {exc}", str(path))], subject=str(path)) from None
    frame = normalise_columns(frame, str(path))
    for col in frame.columns:
        if pd.api.types.is_object_dtype(frame[col].dtype) or pd.api.types.is_string_dtype(frame[col].dtype):
            frame[col] = typed_text(frame[col])
    return frame


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


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (UTF-8 with BOM, so Excel shows diacritics), XLSX or Parquet, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _atomic(path, lambda p: frame.to_csv(p, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        _atomic(path, lambda p: frame.to_excel(p, index=False, engine="openpyxl"))
    elif suffix == ".parquet":
        _atomic(path, lambda p: frame.to_parquet(p, index=False))
    elif suffix in (".jsonl", ".ndjson"):
        _atomic(path, lambda p: frame.to_json(p, orient="records", lines=True, force_ascii=False))
    else:
        raise ValidationFailed([Issue("unsupported output format", str(path), None, suffix,
                                      ".csv, .xlsx, .parquet, .jsonl")], subject=str(path))
    return path
