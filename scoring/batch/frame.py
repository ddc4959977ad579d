"""Council tables in wide or long shape, and the dossier dicts they hold.

Wide: one row per dossier × member, one column per criterion number. Long: `criterion` and
`points` columns instead. Both become the same wide frame; `dossier_dicts` turns rows back into the
JSON dossiers of design.md §3 so that the single path can re-check (and word) any rejected dossier.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
import pandas as pd

from ..errors import REQUIRED_EMPTY, Issue, ValidationFailed
from ..filing import KIND_ALIASES
from ..text import nfc
from .tables import CRITERION_COLUMN, FILING, META, PRODUCT, REQUIRED, ROW


TRUE = {"true", "1", "yes", "có", "co", "x"}
FALSE = {"false", "0", "no", "không", "khong"}


def criterion_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if CRITERION_COLUMN.match(str(c))]


def check_columns(frame: pd.DataFrame, source: str = "table") -> None:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "criterion" in frame.columns or "points" in frame.columns:
        missing += [c for c in ("criterion", "points") if c not in frame.columns]
    if missing:
        issues = [Issue("[column-missing] thiếu cột bắt buộc / required column missing", source, f"column {c!r}", None,
                        "columns: " + ", ".join(REQUIRED) + " (Vietnamese headers such as "
                        "'Mã hồ sơ', 'Thành viên' are accepted; the header row must be within "
                        "the first rows of the sheet)") for c in missing]
        for sheet, lacks in frame.attrs.get("sheets_lacking", {}).items():
            issues.append(Issue("[sheet-lacks-columns] trang tính này thiếu cột / this sheet lacks columns", source,
                                f"sheet {sheet!r}", ", ".join(lacks), "choose a sheet with --sheet NAME"))
        raise ValidationFailed(issues, subject=source)


def blank(values: pd.Series) -> np.ndarray:
    """Cells that hold nothing: empty, NaN, or only spaces (judged once per distinct value)."""
    codes, uniques = factorize(values)
    table = np.r_[np.array([isinstance(u, str) and not u.strip() for u in uniques], dtype=bool), True]
    return table[codes]


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize that does not fail on list cells (an in-memory frame may hold them): lists count
    as the ';'-joined text a sheet would show, other unhashable values as their text."""
    try:
        return pd.factorize(values, use_na_sentinel=True)
    except TypeError:
        fixed = [";".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray)) else
                 (str(v) if isinstance(v, (dict, set)) else v) for v in values]
        return pd.factorize(pd.Series(fixed, dtype=object, index=values.index), use_na_sentinel=True)


def user_rows(frame: pd.DataFrame) -> np.ndarray:
    """The row numbers the user knows: those `read_table` put in the index, else 1-based records."""
    if frame.index.name == ROW and pd.api.types.is_integer_dtype(frame.index.dtype):
        return frame.index.to_numpy(dtype=np.int64)
    if frame.index.name == ROW and len(frame.index) and all(isinstance(r, int) for r in frame.index[:1]):
        return frame.index.to_numpy(dtype=object)  # rows of several sheets (SheetRow: 'Sheet!12')
    return np.arange(1, len(frame) + 1, dtype=np.int64)


def _rows_text(rows: np.ndarray) -> str:
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(str(r) for r in rows)


def to_wide(frame: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """The wide shape (a long table pivoted; see `wide_and_reasons`)."""
    return wide_and_reasons(frame, source)[0]


def wide_and_reasons(frame: pd.DataFrame, source: str = "table", rows: np.ndarray | None = None
                     ) -> tuple[pd.DataFrame, dict[str, list[Issue]]]:
    """The wide shape, and the reasons (by dossier id) that only the long table shows: a criterion
    given twice for one member, a row without member or criterion. Such a dossier is rejected with
    its rows named; its first value is kept in the wide frame only so that the dossier is counted."""
    check_columns(frame, source)
    if "criterion" not in frame.columns:
        return frame.reset_index(drop=True), {}
    rows = user_rows(frame) if rows is None else rows
    meta_cols = [c for c in frame.columns if c in META]
    keys = ["dossier_id", "member"]
    ids, crit, member = (_distinct_map(frame[c], id_text) for c in ("dossier_id", "criterion", "member"))
    issues: dict[str, list[Issue]] = {}
    for col, values in (("member", member), ("criterion", crit)):
        for k in np.flatnonzero(values.isna().to_numpy()):
            issues.setdefault(ids[k], []).append(Issue(
                REQUIRED_EMPTY, source, f"dòng / row {rows[k]}, cột / column {col!r}", None,
                "tên hoặc mã thành viên trên mọi dòng / the member's name or code on every row" if col == "member"
                else "số tiêu chí, ví dụ / a criterion number such as 1.1"))
    member = member.where(member.notna(), pd.Series([f"<row {r}>" for r in rows], dtype=object))
    crit = crit.where(crit.notna(), pd.Series([f"<row {r}>" for r in rows], dtype=object))
    long = frame.reset_index(drop=True).assign(dossier_id=ids, member=member, criterion=crit)
    dup = long.duplicated(keys + ["criterion"], keep=False).to_numpy()
    if dup.any():
        for (did, m, c), pos in long[dup].groupby(keys + ["criterion"], sort=False).indices.items():
            at = np.flatnonzero(dup)[pos]
            issues.setdefault(did, []).append(Issue(
                f"[criterion-twice] tiêu chí {c} của thành viên {m} bị nhập hai lần / criterion {c} of member {m} is "
                "given twice", source, _rows_text(rows[at]),
                " / ".join(str(points_value(v)) for v in long["points"].to_numpy()[at]),
                "mỗi thành viên và tiêu chí một dòng / one row per member and criterion"))
        long = long[~long.duplicated(keys + ["criterion"], keep="first")]
    wide = long.pivot(index=keys, columns="criterion", values="points")
    wide.columns = [str(c) for c in wide.columns]
    wide = wide[[c for c in wide.columns if not c.startswith("<row ")]]
    meta = long[meta_cols].drop_duplicates(keys).set_index(keys)
    return meta.join(wide).reset_index(), issues


def _distinct_map(values: pd.Series, fn: Any) -> pd.Series:
    """fn per distinct value (a long table repeats each id and criterion many times)."""
    codes, uniques = factorize(values)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        table[i] = fn(u)
    table[-1] = None
    return pd.Series(table[codes], dtype=object)


def id_text(value: Any) -> Any:
    """A dossier id as text (Excel keeps 1024 as a number; a float column as 1024.0)."""
    value = cell_value(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def cell_value(value: Any) -> Any:
    """A cell as the dossier JSON holds it: text NFC and trimmed, blank text = missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        value = nfc(value).strip()
        return value or None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        value = float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def points_value(value: Any) -> Any:
    """A score cell as the dossier JSON would hold it (int when it is a whole number)."""
    value = cell_value(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        try:
            num = float(text)
        except ValueError:
            return text
        value = num
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def story_value(value: Any) -> Any:
    value = cell_value(value)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return value  # kept as typed: the schema names it


def cases_value(value: Any) -> Any:
    """'3.2=a; 8=TH1' as the dossier's {"3.2": "a", "8": "TH1"}. A cell that is not such a list (or
    names a criterion twice) is passed on as typed, and the single path says what is allowed."""
    value = cell_value(value)
    if not isinstance(value, str):
        return value
    out: dict[str, str] = {}
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        number, sep, case = (p.strip() for p in entry.partition("="))
        if not sep or not number or not case or number in out:
            return value
        out[number] = case
    return out or None


def findings_value(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        value = ";".join(map(str, value))
    value = cell_value(value)
    if value is None:
        return []
    return [f.strip() for f in str(value).split(";") if f.strip()]


def date_value(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, str):
        return value.strip()[:10] if len(value.strip()) >= 10 and value.strip()[10:].strip("T0: ") == "" else value.strip()
    return value


def kind_value(value: Any) -> Any:
    """'Phân hạng lại', 'nâng hạng', 're-evaluation' … as the dossier's kind; anything else as typed (the
    schema names what is allowed)."""
    value = cell_value(value)
    if not isinstance(value, str):
        return value
    return KIND_ALIASES.get(" ".join(value.lower().split()), value)


def filing_values(row: dict[str, Any]) -> dict[str, Any]:
    """The dossier fields of the filing columns (kind, lodged_on, previous_certificate), only those given."""
    out: dict[str, Any] = {}
    if row.get("kind") is not None:
        out["kind"] = kind_value(row["kind"])
    if row.get("lodged_on") is not None:
        out["lodged_on"] = date_value(row["lodged_on"])
    prev = {}
    if row.get("previous_expires_on") is not None:
        prev["expires_on"] = date_value(row["previous_expires_on"])
    if row.get("previous_stars") is not None:
        stars = points_value(row["previous_stars"])
        prev["stars"] = stars
    if row.get("previous_number") is not None:
        prev["number"] = id_text(row["previous_number"])
    if prev:
        out["previous_certificate"] = prev
    return out


def _cells(values: pd.Series, fn: Any) -> np.ndarray:
    """fn of each cell, computed once per distinct value when every value is text (a product's or
    producer's name repeats across a round); per cell otherwise (1, 1.0 and True are one value to
    factorize but not to fn). Lists and dicts fn returns are copied per cell, never shared."""
    out = np.empty(len(values), dtype=object)
    codes, uniques = factorize(values)
    if all(isinstance(u, str) for u in uniques):
        values = [fn(u) for u in uniques] + [fn(None)]
        if any(isinstance(v, (list, dict)) for v in values):
            for i, c in enumerate(codes.tolist()):
                v = values[c]
                out[i] = v.copy() if isinstance(v, (list, dict)) else v
            return out
        table = np.empty(len(values), dtype=object)
        table[:] = values
        return table[codes]  # codes of missing cells are -1: the last entry, fn(None)
    for i, v in enumerate(values.to_numpy(dtype=object).tolist()):
        out[i] = fn(v)
    return out


def dossier_dicts(wide: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The dossiers of a wide frame, as design.md §3 JSON (dossiers in order of first appearance,
    rows in table order). Columns are read once as numpy arrays: slicing a frame per dossier would
    take every (Arrow) column again for each one; the dossier-level cells (those of each dossier's
    first row) are read once per distinct text (`_cells`)."""
    crit_cols = criterion_columns(wide)
    id_texts = _distinct_map(wide["dossier_id"], id_text).to_numpy(dtype=object)
    codes, _ = pd.factorize(id_texts, use_na_sentinel=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(codes.max(initial=-1) + 2))
    cols = {c: wide[c].to_numpy(dtype=object) for c in wide.columns}
    heads = wide.drop(columns=crit_cols).iloc[order[bounds[:-1]]] if len(bounds) > 1 else wide.iloc[:0]
    crit_set = set(crit_cols)
    readers = {"evaluated_on": date_value, "story_exists": story_value, "cases": cases_value,
               "findings": findings_value}
    scalar = {c: _cells(heads[c], cell_value) for c in heads.columns if c not in crit_set}
    read = {c: _cells(heads[c], fn) for c, fn in readers.items() if c in heads.columns}
    for k in range(len(bounds) - 1):
        rows = order[bounds[k]:bounds[k + 1]]
        first = rows[0]

        def get(c: str) -> Any:
            return scalar[c][k] if c in scalar else None

        d: dict[str, Any] = {"dossier_id": id_texts[first]}
        if get("criteria_set") is not None:
            d["criteria_set"] = str(get("criteria_set"))
        d["form"] = get("form")
        d["level"] = get("level")
        d["evaluated_on"] = read["evaluated_on"][k]
        product = {c: str(get(c)) for c in PRODUCT if get(c) is not None}
        if product:
            d["product"] = product
        if get("story_exists") is not None:
            d["story_exists"] = read["story_exists"][k]
        cases = read["cases"][k] if "cases" in read else None
        if cases is not None:
            d["cases"] = cases
        if "findings" in read:
            d["findings"] = read["findings"][k]
        d.update(filing_values({c: get(c) for c in FILING}))
        sheets = []
        for r in rows:
            scores = {c: points_value(cols[c][r]) for c in crit_cols}
            sheet: dict[str, Any] = {"scores": {k: v for k, v in scores.items() if v is not None}}
            member = cell_value(cols["member"][r])
            if member is not None:  # a blank member is missing, not the name "None"
                sheet = {"member": str(member), **sheet}
            sheets.append(sheet)
        d["sheets"] = sheets
        yield d
