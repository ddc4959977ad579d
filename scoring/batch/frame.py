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

from ..errors import Issue, ValidationFailed
from .tables import CRITERION_COLUMN, META, PRODUCT

REQUIRED = ["dossier_id", "form", "level", "evaluated_on", "member"]
TRUE = {"true", "1", "yes", "có", "co", "x"}
FALSE = {"false", "0", "no", "không", "khong"}


def criterion_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if CRITERION_COLUMN.match(str(c))]


def to_wide(frame: pd.DataFrame, source: str = "table") -> pd.DataFrame:
    """The wide shape; a long table is pivoted (a criterion given twice for one member is kept as text
    so that the dossier is rejected rather than one value silently dropped)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "criterion" in frame.columns or "points" in frame.columns:
        missing += [c for c in ("criterion", "points") if c not in frame.columns]
    if missing:
        raise ValidationFailed([Issue("required column missing", source, f"column {c!r}", None,
                                      "columns: " + ", ".join(REQUIRED) + " (Vietnamese headers such as "
                                      "'Mã hồ sơ', 'Thành viên' are accepted)") for c in missing], subject=source)
    if "criterion" not in frame.columns:
        return frame.reset_index(drop=True)
    meta_cols = [c for c in frame.columns if c in META]
    keys = ["dossier_id", "member"]
    crit = frame["criterion"].astype(str).str.strip()
    long = frame.assign(criterion=crit)
    dup = long.duplicated(keys + ["criterion"], keep=False)
    if dup.any():  # keep the clash visible: join the values as text, which validation rejects
        clashes = (long[dup].groupby(keys + ["criterion"], sort=False)["points"]
                   .agg(lambda s: " / ".join(map(str, s))).reset_index())
        long = pd.concat([long[~dup], clashes.merge(long[dup].drop(columns=["points"]).drop_duplicates(keys + ["criterion"]),
                                                     on=keys + ["criterion"])], ignore_index=True)
    wide = long.pivot(index=keys, columns="criterion", values="points")
    wide.columns = [str(c) for c in wide.columns]
    meta = long[meta_cols].drop_duplicates(keys).set_index(keys)
    return meta.join(wide).reset_index()


def _scalar(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        value = float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def points_value(value: Any) -> Any:
    """A score cell as the dossier JSON would hold it (int when it is a whole number)."""
    value = _scalar(value)
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
    value = _scalar(value)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return value  # kept as typed: the schema names it


def findings_value(value: Any) -> list[str]:
    value = _scalar(value)
    if value is None:
        return []
    return [f.strip() for f in str(value).split(";") if f.strip()]


def date_value(value: Any) -> Any:
    value = _scalar(value)
    if isinstance(value, str):
        return value.strip()[:10] if len(value.strip()) >= 10 and value.strip()[10:].strip("T0: ") == "" else value.strip()
    return value


def dossier_dicts(wide: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The dossiers of a wide frame, as design.md §3 JSON (rows in table order)."""
    crit_cols = criterion_columns(wide)
    for dossier_id, rows in wide.groupby("dossier_id", sort=False):
        first = rows.iloc[0]
        d: dict[str, Any] = {"dossier_id": str(dossier_id)}
        if "criteria_set" in rows and _scalar(first["criteria_set"]) is not None:
            d["criteria_set"] = str(first["criteria_set"])
        d["form"] = _scalar(first["form"])
        d["level"] = _scalar(first["level"])
        d["evaluated_on"] = date_value(first["evaluated_on"])
        product = {c: str(_scalar(first[c])) for c in PRODUCT if c in rows and _scalar(first[c]) is not None}
        if product:
            d["product"] = product
        if "story_exists" in rows and _scalar(first["story_exists"]) is not None:
            d["story_exists"] = story_value(first["story_exists"])
        if "findings" in rows:
            d["findings"] = findings_value(first["findings"])
        sheets = []
        for _, row in rows.iterrows():
            scores = {c: points_value(row[c]) for c in crit_cols}
            sheets.append({"member": str(_scalar(row["member"])),
                           "scores": {k: v for k, v in scores.items() if v is not None}})
        d["sheets"] = sheets
        yield d
