"""`evaluate_batch(frame) -> (results, rejects)`: whole cohorts through the vectorized executor.

No per-row Python: the table is turned into arrays once (`prepare`), rows are put in one order in
which each (criteria set, form) group is a contiguous slice, and everything inside a group is numpy
over all its rows at once (`group`). Validation is vectorized too; only dossiers it flags are
re-checked one by one by the single path's `parse_dossier`, so a rejected dossier carries exactly
the message `ocop score` would give. Text columns (member totals, lists) are built with numpy's
string ufuncs or only for the dossiers that have entries.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..criteria.model import CriteriaSet
from ..checks import COLUMNAR
from ..dossier import FUTURE_CODE, level_code
from ..evaluate import compiled_rules
from ..result import natural_key
from ..errors import REQUIRED_EMPTY, Issue
from . import checks as _checks  # noqa: F401  (registers the columnar checks)
from .frame import blank, check_columns, criterion_columns, user_rows, wide_and_reasons
from .decide import DECISIONS, LISTS, decide, joined
from .group import PeriodFacts, group_tables, score_group
from .prepare import Prepared, codes_of, prepare, score_cells
from .printed import read_printed_columns
from .tables import ARROW_TEXT, PRODUCT, check_headers, normalise_columns
from .workers import Inline, executor

RESULT_COLUMNS = [
    "dossier_id", "criteria_set", "form", "level", "evaluated_on", "period", "kind", "lodged_on", *PRODUCT, "members",
    "member_totals",
    "part_A", "part_B", "part_C", "total", "max_total", "band_stars", "stars", "status", "recognised_by",
    "escalate_to", "unmet_minimums", "knockouts", "warnings", "rank_form", "rank_province", "rank_district",
]
# one row per problem: the user's rows it is on, `reason` (the whole sentence a person reads: file:
# field: message (got …); allowed …), then the same as data: its check's code, the field (the
# dossier's JSON path: sheets[2].scores.6.2), the value as text, what is allowed, the bilingual message
REJECT_COLUMNS = ["dossier_id", "rows", "reason", "code", "field", "value", "allowed", "message"]
_SHEET = re.compile(r"^sheets\[(\d+)\]")


def reject_rows(dossier_id: str | None, rows: np.ndarray, issues: list[Issue]) -> list[dict[str, Any]]:
    """The rejects rows of one dossier: an issue about one member's sheet names that sheet's row."""
    out = []
    for i in issues:
        m = _SHEET.match(i.location or "")
        at = rows[int(m.group(1))] if m and int(m.group(1)) < len(rows) else None
        out.append({"dossier_id": dossier_id, "rows": str(at) if at is not None else ",".join(str(r) for r in rows),
                    "code": i.code, "field": i.location, "value": None if i.value is None else str(i.value),
                    "allowed": i.allowed, "message": i.message, "reason": str(i)})
    return out
# below this many member sheets the default is one thread: a round's table splits into dozens of small form
# groups, and threads would only take turns on the GIL between their small array operations
THREADED_ROWS = 100_000
TIE_BREAK = "total desc, then Part C desc, then Part A desc, then dossier_id asc"


def _ranks(keys: dict[str, list[np.ndarray]], total: np.ndarray, part_c: np.ndarray, part_a: np.ndarray
           ) -> dict[str, np.ndarray]:
    """Ranks within groups by total desc, Part C desc, Part A desc, dossier_id asc (1 = best).
    Keys are integer codes (-1 = empty, a group of its own, like any other value); rows must be
    sorted by dossier_id: their position is the last tie-break. One sort by merit serves every
    grouping, which then only needs a stable sort by group."""
    n = len(total)
    merit = np.lexsort((np.arange(n), -part_a, -part_c, -total))
    out = {}
    for name, codes in keys.items():
        group = np.zeros(n, dtype=np.int64)
        for key in codes:
            group = group * (int(key.max(initial=0)) + 2) + key + 1
        if int(group.max(initial=0)) < 2**16:  # numpy's stable sort of 16-bit keys is a radix sort
            group = group.astype(np.uint16)
        order = merit[np.argsort(group[merit], kind="stable")]
        g = group[order]
        starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
        first = np.repeat(starts, np.diff(np.r_[starts, n]))
        out[name] = np.empty(n, dtype=np.int64)
        out[name][order] = np.arange(n) - first + 1
    return out


def _member_totals(prep: Prepared, sheet_rows: np.ndarray, sheet_totals: np.ndarray, members: np.ndarray,
                   result_order: np.ndarray) -> pa.Array:
    """'TV1=72;TV2=70' per dossier, in `result_order` (the parts' dossiers as the results sort them),
    members in natural name order: the members are a set, so the text must not depend on the order
    of the table's rows. Points are whole numbers, so totals are:
    each distinct (member, total) text is formatted once, and one join per dossier remains. The
    texts stay Arrow strings (a pandas `str` column): as Python objects they cost as much as the join."""
    names = prep.member_names
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=lambda i: natural_key(names[i]))] = np.arange(len(names))
    code = prep.member_code[sheet_rows].astype(np.int64)
    key = np.repeat(np.arange(len(members), dtype=np.int64), members) * (len(names) + 1) + rank[code]
    if len(key) > 1 and not (np.diff(key) > 0).all():  # tables are mostly typed in member order already
        by_name = np.argsort(key, kind="stable")
        code, sheet_totals = code[by_name], sheet_totals[by_name]
    totals = np.round(sheet_totals).astype(np.int64)
    base = int(totals.max()) + 1 if len(totals) else 1
    codes, uniq = pd.factorize(code * base + totals)
    texts = np.array([f"{names[u // base]}={u % base}" for u in uniq], dtype=object)
    return joined(texts, codes, members, as_arrow=True).take(pa.array(result_order))


def evaluate_batch(frame: pd.DataFrame, *, overrides: Mapping[str, Any] | None = None, progress: bool = False,
                   source: str = "table", workers: int | None = None, similar_ids: str = "refuse",
                   council_size: Mapping[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every dossier of a wide or long table; return (results, rejects).

    Every dossier ends up in exactly one of the two frames. `results` has one row per dossier
    (sorted by dossier_id) with the Result fields and three ranks (within criteria set × form,
    province, district; tie break: total desc, Part C desc, Part A desc, dossier_id asc).
    `rejects` lists each rejected dossier with the message the single path (`evaluate`) gives and
    the user's rows (`read_table`'s row numbers, else 1-based records); a row with data but no
    dossier id is a reject of its own. Rows that are entirely blank are skipped: their numbers are in
    `rejects.attrs["blank_rows"]`; columns the batch does not use (notes, …) are named in
    `rejects.attrs["unused_columns"]`. `workers`: threads for the table's columns, form groups and
    decisions (None: the machine's cores, up to 4, for tables of `THREADED_ROWS` member sheets or
    more; 1: none); the output does not depend on it.

    `similar_ids`: dossier ids that differ only by case, spaces or Unicode compatibility form
    ("HY-01" / "hy-01" / "ＨＹ-01") are a likely typo that would split one council into two
    products: "refuse" rejects every dossier of such a group naming the other spellings; "merge"
    reads them as one dossier (the first spelling in the table). `council_size`: warn about unusual
    councils ({"max": 25, "single": True}: more than 25 members; one member in a table whose other
    councils have several); None: no such warning (the decisions leave council size to each
    province's rules, so the limits are the caller's).
    """
    if similar_ids not in ("refuse", "merge"):
        raise ValueError(f"similar_ids must be 'refuse' or 'merge', not {similar_ids!r}")
    frame = read_printed_columns(normalise_columns(frame, source))
    if "level" in frame.columns:
        frame = frame.assign(level=_level_codes(frame["level"]))
    if "dossier_id" in frame.columns and similar_ids == "merge":
        frame = frame.assign(dossier_id=merge_similar_ids(frame["dossier_id"]))
    if workers is None:  # a long table has one row per criterion: its sheets count, not its rows
        sheets = len(frame) if "criterion" not in frame.columns else len(frame) // max(1, frame["criterion"].nunique())
        workers = 1 if sheets < THREADED_ROWS else None
    with executor(workers) as pool:
        results, rejects = _evaluate(frame, overrides, progress, source, pool)
    if council_size is not None:
        _council_warnings(results, council_size)
    return results, rejects


def _level_codes(values: pd.Series) -> pd.Series:
    """Levels typed in Vietnamese (tỉnh, Cấp huyện, trung ương) as the level codes, per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    fixed = [level_code(u) for u in uniques]
    if all(type(a) is type(b) and a == b for a, b in zip(fixed, uniques)):
        return values
    table = np.array(fixed + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


ID_NEAR = "id-near-duplicate"


def _id_keys(ids: np.ndarray) -> np.ndarray:
    """The key two spellings of one dossier id share: NFKC, lower case, without any whitespace."""
    arr = pa.array([str(i) for i in ids], type=pa.string())
    key = pc.replace_substring_regex(pc.utf8_lower(pc.utf8_normalize(arr, form="NFKC")), pattern=r"\s+",
                                     replacement="")
    return key.to_numpy(zero_copy_only=False).astype(object)


def similar_id_groups(ids: np.ndarray) -> list[list[str]]:
    """Groups (of two or more) of distinct dossier ids that differ only by case, spaces or Unicode
    compatibility form, each in order of first appearance."""
    if len(ids) < 2:
        return []
    keys = _id_keys(ids)
    codes, uniq = pd.factorize(pd.Series(keys, dtype=object))
    if len(uniq) == len(ids):
        return []
    counts = np.bincount(codes)
    groups: dict[int, list[str]] = {}
    for i in np.flatnonzero(counts[codes] > 1):
        groups.setdefault(int(codes[i]), []).append(str(ids[i]))
    return list(groups.values())


def merge_similar_ids(values: pd.Series) -> pd.Series:
    """Ids of one similar-id group written as its first spelling (`similar_ids="merge"`)."""
    codes, ids = codes_of(values, as_text=True)
    groups = similar_id_groups(np.asarray(ids, dtype=object))
    if not groups:
        return values
    to = {other: g[0] for g in groups for other in g[1:]}
    fixed = np.array([to.get(str(i), i) for i in ids] + [None], dtype=object)
    return pd.Series(fixed[codes], index=values.index, dtype=object)


@COLUMNAR.register("near-ids", ID_NEAR)
def _similar_reasons(ids: np.ndarray, source: str) -> dict[str, list[Issue]]:
    out = {}
    for group in similar_id_groups(ids):
        for did in group:
            others = ", ".join(repr(o) for o in group if o != did)
            out[did] = [Issue(
                f"[{ID_NEAR}] mã hồ sơ {did!r} chỉ khác {others} ở chữ hoa/thường, khoảng trắng hoặc dạng Unicode — có thể "
                f"gõ nhầm, sẽ tách một hội đồng thành hai sản phẩm / dossier id {did!r} differs from {others} only by "
                f"case, spaces or Unicode form — likely a typo that would split one council into two products",
                source, "column 'dossier_id'", did,
                "one spelling for the dossier (or --merge-similar-ids to read them as one dossier)")]
    return out


COUNCIL_SINGLE, COUNCIL_LARGE = "council-single-member", "council-large"


def _council_warnings(results: pd.DataFrame, limits: Mapping[str, Any]) -> None:
    """Councils of an unusual size, as warnings after the engine's (see `evaluate_batch`)."""
    if not len(results):
        return
    members = results["members"].to_numpy()
    large = members > int(limits.get("max", 25))
    single = (members == 1) & bool(limits.get("single", True)) & bool((members > 1).any())
    if not (large.any() or single.any()):
        return
    warnings = results["warnings"].to_numpy(dtype=object).copy()
    for i in np.flatnonzero(large | single):
        code = COUNCIL_LARGE if large[i] else COUNCIL_SINGLE
        w = warnings[i]
        warnings[i] = f"{w};{code}" if isinstance(w, str) and w else code
    results["warnings"] = pd.Series(warnings, index=results.index, dtype=object)


def _evaluate(frame: pd.DataFrame, overrides: Mapping[str, Any] | None, progress: bool, source: str,
              pool: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    check_columns(frame, source)
    unused = check_headers(frame, source)
    rownum = user_rows(frame)
    # a wide table's score cells need no dossier codes: read on a worker while the ids are coded
    cells = pool.submit(score_cells, frame, criterion_columns(frame)) if "criterion" not in frame.columns else None
    idc, ids = codes_of(frame["dossier_id"], as_text=True)
    skipped, idless = np.empty(0, np.int64), []
    if (idc < 0).any():  # rows without a dossier id: blank rows are skipped (and counted), others rejected
        lost = np.flatnonzero(idc < 0)
        empty = np.logical_and.reduce([blank(frame[c].iloc[lost]) for c in frame.columns])
        skipped = rownum[lost[empty]]
        idless = [row for r in rownum[lost[~empty]] for row in reject_rows(None, np.array([r]), [Issue(
            REQUIRED_EMPTY + ": dòng có dữ liệu nhưng thiếu mã hồ sơ / the row has data but no dossier id", source,
            f"dòng / row {r}, cột / column 'dossier_id' (Mã hồ sơ)", None,
            "mã hồ sơ trên dòng của mọi thành viên (ô gộp trong Excel được điền xuống) / the dossier's code on every "
            "member's row (merged Excel cells are filled down)")])]
        keep = idc >= 0
        frame, rownum, idc = frame[keep], rownum[keep], idc[keep]
        if cells is not None:  # read on every row: keep the rows kept
            columns, given, text_cells, odd_cells = cells.result()
            cells = Inline().submit(lambda: ({k: v[keep] for k, v in columns.items()}, given[keep],
                                             {k: v[keep] for k, v in text_cells.items()},
                                             {k: v[keep] for k, v in odd_cells.items()}))
    wide, long_reasons = COLUMNAR.run("long-table", frame, source, rownum)
    near = COLUMNAR.run("near-ids", np.asarray(ids, dtype=object), source) or {}
    if long_reasons or "criterion" in frame.columns:  # pivoted: the wide rows are not the user's rows
        prep = prepare(wide, criterion_columns(wide), source=source, pool=pool)
        src_code = pd.Index(prep.ids).get_indexer(ids)[idc]
    else:
        prep = prepare(wide, criterion_columns(wide), (idc, ids), rownum, source, pool, cells)
        src_code = prep.dcode
    code_of = {v: i for i, v in enumerate(prep.ids)} if long_reasons or near else {}
    for extra in (long_reasons, near):  # said first: they are about the table's rows, not the dossier
        for did, issues in extra.items():
            d = code_of.get(did)
            if d is not None:
                prep.found[d] = issues + prep.found.get(d, [])

    bounds = np.searchsorted(prep.group[prep.dossier_order], np.arange(len(prep.group_forms) + 1))

    def run(g: int) -> tuple[CriteriaSet, Any, dict[int, list[Issue]]] | None:
        gd = prep.dossier_order[bounds[g]:bounds[g + 1]]
        if not len(gd):
            return None
        cs, slug = prep.group_forms[g]
        rows = prep.row_order[prep.row_start[gd[0]]:prep.row_start[gd[-1]] + prep.n_members[gd[-1]]]
        scored, found = score_group(prep, cs, cs.forms[slug], gd, rows, source)
        return cs, scored, found

    for cs, slug in prep.group_forms:  # the forms' derived tables, built once before the threads share them
        group_tables(cs.forms[slug])
    # the largest groups first, so that no thread is left with a big one at the end; gathered in
    # the groups' own order
    cum = np.r_[0, np.cumsum(prep.n_members[prep.dossier_order])]
    n_rows = cum[bounds[1:]] - cum[bounds[:-1]]
    futures = {g: pool.submit(run, g) for g in sorted(range(len(prep.group_forms)), key=lambda g: -n_rows[g])}
    outs = (futures[g].result() for g in range(len(prep.group_forms)))
    if progress:
        from tqdm import tqdm

        outs = tqdm(outs, total=len(prep.group_forms), desc="scoring", unit="form", leave=False)
    parts: list[dict[str, Any]] = []
    pending: dict[tuple[str, str], list[tuple[int, PeriodFacts]]] = {}  # (set, period) -> (part, facts)
    kept = np.zeros(len(prep.ids), dtype=bool)
    found = prep.found
    for item in outs:
        if item is None:
            continue
        cs, scored_part, group_found = item
        for d, issues in group_found.items():
            found[d] = found.get(d, []) + issues
        if scored_part is None:
            continue
        cols, scored, facts = scored_part
        cols["_dossier"] = scored
        for period_id, f in facts.items():
            pending.setdefault((cs.id, period_id), []).append((len(parts), f))
        parts.append(cols)
        kept[scored] = True

    rejects = []
    lost = np.flatnonzero(~kept)
    if len(lost):
        by_dossier = np.argsort(src_code, kind="stable")
        starts = np.searchsorted(src_code[by_dossier], np.arange(len(prep.ids) + 1))
    for d in lost:
        rows = np.sort(rownum[by_dossier[starts[d]:starts[d + 1]]])
        issues = found.get(int(d)) or [Issue("[internal] hồ sơ bị loại mà không có lý do (xin báo lỗi) / the batch "
                                             "rejected a dossier without a reason (please report)", source,
                                             code="internal")]
        rejects += reject_rows(str(prep.ids[d]), rows, issues)
    rejected = pd.DataFrame(rejects + idless, columns=REJECT_COLUMNS)
    rejected.attrs["blank_rows"] = skipped.tolist()
    rejected.attrs["unused_columns"] = unused
    return _results(prep, parts, pending, overrides, pool), rejected


def _decide_all(prep: Prepared, pending: dict[tuple[str, str], list[tuple[int, PeriodFacts]]],
                overrides: Mapping[str, Any] | None, slots: list[np.ndarray], pool: Any
                ) -> Callable[[], dict[str, np.ndarray]]:
    """Run the rules once per (criteria set, period) over the facts of all its forms, as tasks of
    `pool` (the largest first) while the caller builds the other result columns; the returned
    function gathers them. The decisions of part k's i-th dossier land at slots[k][i] of the
    gathered columns (the parts' concatenated order: written there once rather than into each part
    and then concatenated, a million objects a column; written straight at the sorted position,
    the random writes cost as much again)."""
    n = sum(len(s) for s in slots)
    sets = {cs.id: cs for cs in prep.set_list}
    jobs = []
    for (set_id, period_id), items in pending.items():
        cs = sets[set_id]
        period = next(p for p in cs.periods if p.id == period_id)
        jobs.append((compiled_rules(cs, period, overrides)[1], items))  # compiled here, not in a worker
    size = [sum(len(f.sel) for _, f in items) for _, items in jobs]
    futures = {k: pool.submit(decide, jobs[k][0], [f for _, f in jobs[k][1]])
               for k in sorted(range(len(jobs)), key=lambda k: -size[k])}

    def gather() -> dict[str, np.ndarray]:
        out = {key: np.empty(n, dtype=object) for key in DECISIONS + LISTS}
        for k, (_, items) in enumerate(jobs):  # in the facts' order: the first failure is always the same
            decided = futures[k].result()
            dest = np.concatenate([slots[part_index][f.sel] for part_index, f in items])
            for key, values in decided.items():
                out[key][dest] = values
        for key in ("band_stars", "stars"):
            out[key] = out[key].astype(np.int64)
        return out

    return gather


def _results(prep: Prepared, parts: list[dict[str, Any]],
             pending: dict[tuple[str, str], list[tuple[int, PeriodFacts]]], overrides: Mapping[str, Any] | None,
             pool: Any) -> pd.DataFrame:
    """One frame from the groups' columns and their decisions, sorted by dossier_id, with member
    totals and ranks. Text columns that dossiers share few values of (form, status, lists) stay
    Python `str` in object columns, one object per distinct value; member totals, distinct per
    dossier, are built by Arrow and stay an Arrow `str` column (as Python strings they cost as
    much as the join)."""
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    starts = np.cumsum([0] + [len(p["_dossier"]) for p in parts])
    decided = _decide_all(prep, pending, overrides, [np.arange(a, b) for a, b in zip(starts[:-1], starts[1:])], pool)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    d = cols.pop("_dossier")
    try:  # ids are distinct text: Arrow sorts them by UTF-8 bytes, which is code point order (numpy's)
        order = pc.sort_indices(pa.array(prep.ids[d], type=pa.string())).to_numpy()
    except (pa.ArrowException, TypeError):
        order = np.argsort(prep.ids[d].astype(str), kind="stable")
    do = d[order]
    out: dict[str, np.ndarray] = {"dossier_id": prep.ids[do]}
    # per form group (a few dozen values), spread to the dossiers by their group code
    group = prep.group[do]
    out["criteria_set"] = np.array([cs.id for cs, _ in prep.group_forms], dtype=object)[group]
    out["form"] = np.array([slug for _, slug in prep.group_forms], dtype=object)[group]
    out["level"] = prep.meta["level"][do]
    day_of, days = pd.factorize(prep.days[do].view(np.int64))  # a round has a few days: hashed, not sorted
    out["evaluated_on"] = np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)[day_of]
    out["period"] = prep.period_id[do]
    out["kind"] = prep.kind[do]
    lodged = prep.lodged[do]
    out["lodged_on"] = np.where(np.isnat(lodged), None, np.datetime_as_string(lodged, unit="D")).astype(object)
    for c in PRODUCT:
        if c in prep.meta:
            out[c] = prep.meta[c][do]
    members = prep.n_members[d]
    out["members"] = members[order]
    out["member_totals"] = _member_totals(prep, cols["_sheet_rows"], cols["_sheet_totals"], members, order)
    for key in ("part_A", "part_B", "part_C", "total"):
        out[key] = cols[key][order]
    out["max_total"] = np.array([cs.forms[slug].max for cs, slug in prep.group_forms], dtype=np.int64)[group]
    place = {c: prep.meta_codes[c][do] for c in ("province", "district") if c in prep.meta_codes}
    keys = {"rank_form": [group]}
    if "province" in place:
        keys["rank_province"] = [place["province"]]
    if "district" in place:
        keys["rank_district"] = list(place.values())
    out.update(_ranks(keys, out["total"], out["part_C"], out["part_A"]))
    for key, values in decided().items():
        out[key] = values[order]
    _future_warnings(out, prep.days[do])
    return _frame(out, len(d))


def _future_warnings(out: dict[str, np.ndarray], days: np.ndarray) -> None:
    """`evaluated-in-future` after the rule engine's warnings, as the single path adds it."""
    from .. import dossier as dossier_module

    future = np.flatnonzero(days > np.datetime64(dossier_module.today().isoformat(), "D"))
    if not len(future):
        return
    warnings = out["warnings"].copy()
    for i in future:
        w = warnings[i]
        warnings[i] = f"{w};{FUTURE_CODE}" if isinstance(w, str) and w else FUTURE_CODE
    out["warnings"] = warnings


def _frame(out: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    """The result frame in RESULT_COLUMNS order, text as object columns (a column the table did not
    have is all pd.NA). Every array is fresh, so the frame takes them as they are: consolidating
    them into blocks copied every column once more."""
    cols = {c: out[c] if c in out else np.full(n, pd.NA, dtype=object) for c in RESULT_COLUMNS}
    return pd.DataFrame({c: pd.Series(v, dtype=ARROW_TEXT) if isinstance(v, pa.Array) else
                         pd.Series(v, dtype=object, copy=False) if v.dtype == object else v for c, v in cols.items()},
                        copy=False)



# a long table's rows without member or criterion, and a criterion given twice for one member
COLUMNAR.register("long-table", "value-missing", "criterion-twice")(wide_and_reasons)
COLUMNAR.seal()
