"""Batch tables into stored dossiers, fast: canonical JSON text built per form group, not per cell.

A table of 10^5 dossiers has millions of score cells; turning each into a Python value (as
`dossier_dicts` does for the single path's messages) costs a minute. Here the table's non-score
columns still go through `dossier_dicts` (the kernel's reading of ids, dates, findings, cases and
the product), but the score cells are read once per column into small integers, and each member
sheet's scores become JSON text with one format operation per sheet, its keys in canonical
(sorted) order. The text is exactly `canonical_json` of the sheet's scores (a test checks the two
spellings agree on the fixtures), so hashes and stored content are the same as the dict path's.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from ..batch import dossier_dicts
from ..batch.frame import criterion_columns
from ..text import nfc
from .identity import canonical_json

ROWPOS = "999999999.999999999"  # a criterion-shaped column carrying each row's position through dossier_dicts
SHEETS = "\0sheets\0"
EMPTY = -1


def _points(wide: pd.DataFrame, cols: Sequence[str]) -> dict[str, np.ndarray]:
    """Each criterion column as int16 points, EMPTY where blank (stored dossiers passed the kernel:
    their cells are whole option points; cells of rejected dossiers are never stored)."""
    out = {}
    for c in cols:
        values = pd.to_numeric(wide[c], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        arr = np.full(len(values), EMPTY, dtype=np.int16)
        ok = ~np.isnan(values)
        arr[ok] = values[ok].astype(np.int16)
        out[c] = arr
    return out


def _scores_texts(points: dict[str, np.ndarray], rows: np.ndarray) -> list[str]:
    """JSON text of each row's scores, keys sorted, blank cells left out: one format operation per
    row, with the template of the row's pattern of blank cells (a form group has a few patterns)."""
    if not len(rows):
        return []
    used = [c for c in sorted(points) if (points[c][rows] != EMPTY).any()]
    if not used:
        return ["{}"] * len(rows)
    sub = np.stack([points[c][rows] for c in used], axis=1)
    given = sub != EMPTY
    if given.all():  # the usual case: every row scores every criterion the group uses
        template = "{" + ",".join(f'"{c}":%d' for c in used) + "}"
        return [template % tuple(values) for values in sub.tolist()]
    packed = np.packbits(given, axis=1)  # a row's pattern of blank cells as bytes, one key per row
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
    _, first, which = np.unique(keys, return_index=True, return_inverse=True)
    which = which.reshape(-1)
    out: list[str] = [""] * len(rows)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(first) + 1))
    for p, row in enumerate(first.tolist()):
        at = order[bounds[p]:bounds[p + 1]]
        keep = np.flatnonzero(given[row])
        template = "{" + ",".join(f'"{used[j]}":%d' for j in keep) + "}"
        for i, values in zip(at.tolist(), sub[np.ix_(at, keep)].tolist()):
            out[i] = template % tuple(values)
    return out


def _member_text(value: Any) -> str | None:
    """A member cell as `dossier_dicts` names the sheet (NFC, trimmed; blank = no name)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        return nfc(value).strip() or None
    if isinstance(value, np.integer):
        return str(int(value))
    return str(float(value) if isinstance(value, np.floating) else value)


def _groups(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows grouped by the raw dossier id: (first row of each group, rows in group order, bounds)."""
    codes, _ = pd.factorize(wide["dossier_id"], use_na_sentinel=True)
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    bounds = np.searchsorted(codes[order], np.arange(codes.max(initial=-1) + 2))
    return order[bounds[:-1]], order, bounds


def table_dossiers(wide: pd.DataFrame, keep: set[str], forms: dict[str, tuple[str, str]]
                   ) -> Iterator[tuple[str, str, dict[str, Any], list[tuple[str, str]]]]:
    """(dossier_id, canonical content text, content without sheets, [(member, scores text)]) for the
    dossiers in `keep` (those the batch scored); `forms` maps an id to its (criteria set, form) so
    that sheets are built form group by form group.

    The dossier-level fields are read by `dossier_dicts` from one row per dossier (the first, as
    it does); members and scores per row here. Should two raw ids name one dossier for the kernel
    (12 and 12.0), the rows are regrouped by `dossier_dicts` itself (slower, same result)."""
    cols = criterion_columns(wide)
    first, order, bounds = _groups(wide)
    heads = wide.drop(columns=cols).iloc[first]
    metas = list(dossier_dicts(heads))
    if len({d["dossier_id"] for d in metas}) != len(metas):  # ids the kernel merges: group as it does
        yield from _regrouped(wide, keep, forms)
        return
    members = wide["member"].to_numpy(dtype=object) if "member" in wide.columns else np.full(len(wide), None)
    memo: dict[Any, str | None] = {}
    found = []
    for k, d in enumerate(metas):
        did = d["dossier_id"]
        if did not in keep:
            continue
        d.pop("sheets", None)
        rows = order[bounds[k]:bounds[k + 1]].tolist()
        names = []
        for r in rows:
            v = members[r]
            try:
                names.append(memo[v] if v in memo else memo.setdefault(v, _member_text(v)))
            except TypeError:  # an unhashable cell
                names.append(_member_text(v))
        found.append((did, d, rows, names))
    yield from _assemble(wide, cols, found, forms)


def _regrouped(wide: pd.DataFrame, keep: set[str], forms: dict[str, tuple[str, str]]) -> Iterator[tuple[str, str, dict[str, Any], list[tuple[str, str]]]]:
    cols = criterion_columns(wide)
    meta = wide.drop(columns=cols).assign(**{ROWPOS: np.arange(len(wide), dtype=np.float64)})
    found = []
    for d in dossier_dicts(meta):
        if d["dossier_id"] not in keep:
            continue
        sheets = d.pop("sheets")
        found.append((d["dossier_id"], d, [int(s["scores"][ROWPOS]) for s in sheets], [s.get("member") for s in sheets]))
    yield from _assemble(wide, cols, found, forms)


def _assemble(wide: pd.DataFrame, cols: list[str], found: list[tuple[str, dict[str, Any], list[int], list[Any]]],
              forms: dict[str, tuple[str, str]]) -> Iterator[tuple[str, str, dict[str, Any], list[tuple[str, str]]]]:
    points = _points(wide, cols)
    texts: list[str] = [""] * len(wide)  # by row position
    groups: dict[tuple[str, str], list[int]] = {}
    for did, _, rows, _ in found:
        groups.setdefault(forms[did], []).extend(rows)
    for rows in groups.values():
        for r, t in zip(rows, _scores_texts(points, np.array(rows, dtype=np.int64))):
            texts[r] = t
    opens: dict[Any, str] = {}  # a member's sheet up to its scores: '{"member":"TV1","scores":'
    sentinel = json.dumps(SHEETS)
    for did, d, rows, members in found:
        if "product" in d and "product" in d["product"]:  # the table's product column is design.md §3's name
            d["product"] = {("name" if k == "product" else k): v for k, v in d["product"].items()}
        sheets = sorted(zip(members, rows), key=lambda mr: str(mr[0]) if mr[0] is not None else "")
        body = {**d, "sheets": SHEETS}  # dossier_dicts' values are NFC text, ints, bools, lists: canonical already
        parts = []
        for member, row in sheets:
            head = opens.get(member)
            if head is None:
                head = opens[member] = "{" + ("" if member is None else
                                              '"member":' + json.dumps(member, ensure_ascii=False) + ",") + '"scores":'
            parts.append(head + texts[row] + "}")
        text = canonical_json(body).replace(sentinel, "[" + ",".join(parts) + "]", 1)
        yield did, text, body, [(str(m) if m is not None else f"M{k + 1}", texts[r]) for k, (m, r) in enumerate(sheets)]


def batch_result_rows(results: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The batch's results as ResultRow fields by dossier id: the queryable columns from the frame's
    arrays, the row itself as JSON text (pandas' JSON writer: NaN → null), engine version and
    criteria hash per (set, form)."""
    import scoring

    from .identity import criteria_hash
    import os

    texts = _record_texts(results)
    col = {c: results[c].to_numpy(dtype=object) for c in ("dossier_id", "criteria_set", "form", "level",
                                                           "evaluated_on", "status", "recognised_by", "escalate_to")}
    total = results["total"].to_numpy(dtype=np.float64)
    band = results["band_stars"].to_numpy(dtype=np.int64)
    stars = results["stars"].to_numpy(dtype=np.int64)
    root = os.environ.get("OCOP_CRITERIA_DIR")
    days: dict[Any, Any] = {}
    out = {}
    for i, text in enumerate(texts):
        cs, form = col["criteria_set"][i], col["form"][i]
        ev = col["evaluated_on"][i]
        if ev not in days:
            days[ev] = date.fromisoformat(str(ev)[:10])
        out[str(col["dossier_id"][i])] = {
            "dossier_pk": None, "dossier_version": 1, "criteria_set": cs, "form": form, "level": col["level"][i],
            "evaluated_on": days[ev], "total": float(total[i]), "band_stars": int(band[i]), "stars": int(stars[i]),
            "status": col["status"][i], "recognised_by": _text(col["recognised_by"][i]),
            "escalate_to": _text(col["escalate_to"][i]), "engine_version": scoring.__version__,
            "criteria_hash": criteria_hash(cs, form, root), "source": "batch", "result": text, "decided": False}
    return out


def _record_texts(results: pd.DataFrame) -> list[str]:
    """Each row of the frame as pandas' JSON record text (NaN as null, dates ISO).

    pandas writes the records as one JSON array; its line-delimited output walks that text again in
    Python-speed code (0.8 s per 10^5 rows). A record starts with '{"dossier_id":' and no JSON string
    can contain '{"' (a quote inside a string is written as \\"), so the array splits at '},{"dossier_id":'
    and nowhere else when dossier_id is the first column; the count of pieces is checked all the same
    and pandas' own line splitting is used otherwise."""
    text = results.to_json(orient="records", force_ascii=False, date_format="iso")
    head = '{"dossier_id":'
    parts = text[1:-1].split("}," + head)
    n = len(results)
    if n == 0 or results.columns[0] != "dossier_id" or len(parts) != n or not text.startswith("[" + head):
        return results.to_json(orient="records", lines=True, force_ascii=False, date_format="iso").split("\n")[:n]
    if n == 1:
        return parts
    return [parts[0] + "}", *(head + p + "}" for p in parts[1:-1]), head + parts[-1]]


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value) or None
