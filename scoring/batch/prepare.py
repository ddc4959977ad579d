"""A council table turned into per-row and per-dossier arrays, once, before any form is scored.

Everything here is work proportional to the table that every form group would otherwise repeat:
dossier codes, the score cells as one float32 matrix, the checks that need no criteria (rows that
disagree, bad cells, duplicate members), the criteria set and form of each dossier, and one row
order in which every form group's rows — and within it every dossier's — are contiguous. Metadata
columns are decoded per distinct value (a province has a few dozen districts, a round a few dates),
never per row.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import criteria as crit
from ..criteria.model import CriteriaSet
from ..dossier import resolve_form
from ..checks import COLUMNAR
from ..errors import Issue
from ..text import nfc
from ..filing import DEFAULT_KIND, KINDS, Problem, choose_set, filing_facts, successor_start
from .checks import SET_ID
from .frame import (id_text, cell_value, cases_value, date_value, factorize, findings_value, kind_value, points_value,
                    story_value)
from .tables import FILING, PRODUCT, is_arrow_text as _is_arrow_text
from .workers import Inline

META_COLUMNS = ("criteria_set", "form", "level", "evaluated_on", "findings", "story_exists", "cases", *FILING, *PRODUCT)
STORY_NONE, STORY_FALSE, STORY_TRUE, STORY_INVALID = -1, 0, 1, 2
LEVELS = ("commune", "district", "province", "central")
# how a cell is read as the dossier's value (as `frame.dossier_dicts` reads it for the single path)
READ = {"date": date_value, "kind": kind_value, "level": lambda v: v, "text": id_text, "story": story_value,
        "points": points_value}


@dataclass
class Prepared:
    """Arrays of one table. Row arrays have the table's length, dossier arrays one entry per dossier."""

    n_rows: int
    dcode: np.ndarray            # row -> dossier code (order of first appearance)
    ids: np.ndarray              # dossier code -> dossier_id (object)
    first_row: np.ndarray        # dossier -> its first row
    n_members: np.ndarray        # dossier -> number of rows
    member_code: np.ndarray      # row -> code into member_names (-1 = empty)
    member_names: np.ndarray     # object
    columns: dict[str, np.ndarray]  # criterion number -> float64 per row, NaN = empty or not a number
    given: np.ndarray            # row -> number of non-empty criterion cells (numbers or not)
    meta: dict[str, np.ndarray]  # per dossier, object arrays (first row's value; None = empty)
    meta_codes: dict[str, np.ndarray]  # per dossier, the same as integer codes (-1 = empty)
    found: dict[int, list[Issue]]  # dossier -> the problems found before its form group is checked
    set_idx: np.ndarray          # dossier -> index into set_list (-1 = none)
    set_list: list[CriteriaSet]
    days: np.ndarray             # dossier -> datetime64[D] (NaT = not a date)
    group: np.ndarray            # dossier -> form group (-1 = unknown set/form)
    group_forms: list[tuple[CriteriaSet, str]]
    findings: np.ndarray         # dossier -> tuple of finding ids (object; () when none)
    has_findings: np.ndarray     # dossier -> any finding at all (most have none)
    story: np.ndarray            # dossier -> STORY_* code
    dossier_order: np.ndarray    # dossiers sorted by (group, code)
    row_order: np.ndarray        # rows sorted by (group, dossier code, table order)
    row_start: np.ndarray        # dossier -> start of its rows in row_order
    period_idx: np.ndarray       # dossier -> index into its set's periods (-1 = none covers the day)
    period_id: np.ndarray        # dossier -> that period's id (object; None = none)
    level_ok: np.ndarray         # dossier -> its level is one of its period's levels
    transition: np.ndarray       # dossier -> evaluated outside its set's time in force
    minimums_gap: np.ndarray     # dossier -> its set's per-star requirements apply and have a GAP
    filing: dict[str, np.ndarray] | None = None  # dossier -> the filing facts (scoring.filing.filing_facts)
    kind: np.ndarray | None = None     # dossier -> new | upgrade | re-evaluation (object)
    lodged: np.ndarray | None = None   # dossier -> lodged_on, datetime64[D] (NaT = not given)
    text_cells: dict[str, np.ndarray] | None = None  # criterion column -> rows holding text, not a number
    odd_cells: dict[str, np.ndarray] | None = None   # criterion column -> rows with a negative or fractional number
    sheet: np.ndarray | None = None    # row -> its place among its dossier's rows (the sheet index)
    stated: np.ndarray | None = None   # dossier -> its stated cases ({criterion: case}; None)
    stated_code: np.ndarray | None = None  # dossier -> code of its distinct stated cases (-1 = none)

    def rows_of(self, d: int) -> np.ndarray:
        return self.row_order[self.row_start[d]:self.row_start[d] + self.n_members[d]]


def codes_of(values: pd.Series, as_text: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = empty) and distinct values, text as the single path reads it (`cell_value`): NFC and
    trimmed, so values that differ only in Unicode normalisation or surrounding spaces share a code,
    and text of spaces only is empty. `as_text`: every value as text (dossier ids)."""
    if _is_arrow_text(values):  # Arrow's dictionary encoding, without pandas' conversions
        return _normalised(*_arrow_codes(pa.array(values.array)), as_text)
    codes, uniques = factorize(values)
    return _normalised(codes, uniques, as_text)


def _arrow_codes(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (-1 = null) and distinct values in order of first appearance, as pd.factorize gives them."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = arr.dictionary_encode()
    return pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary


def _normalised(codes: np.ndarray, uniques: Any, as_text: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`codes_of` from a factorization (codes, distinct values in order of first appearance)."""
    if _already_normal(uniques):
        return codes, (uniques.to_numpy(zero_copy_only=False) if isinstance(uniques, pa.Array)
                       else np.asarray(uniques, dtype=object))
    uniques = (uniques.to_numpy(zero_copy_only=False) if isinstance(uniques, pa.Array)
               else np.asarray(uniques, dtype=object)).astype(object)
    normal = [id_text(u) if as_text else (cell_value(u) if isinstance(u, str) else u) for u in uniques]
    if any(n is None or (isinstance(u, str) and n != u) or (as_text and not isinstance(u, str))
           for n, u in zip(normal, uniques)):
        remap, merged = pd.factorize(pd.Series(normal, dtype=object), use_na_sentinel=True)
        codes = np.where(codes >= 0, remap[codes], -1)
        uniques = np.asarray(merged, dtype=object)
    return codes, uniques


def _already_normal(uniques: Any) -> bool:
    """Whether every distinct value is text already as the single path reads it (non-empty, trimmed,
    NFC), judged by Arrow kernels: a round has as many dossier ids as dossiers, and a Python call
    per id was a fifth of a batch."""
    if len(uniques) == 0:
        return True
    try:
        arr = uniques if isinstance(uniques, pa.Array) else pa.array(uniques, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return False
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or arr.null_count:
        return False
    if not pc.all(pc.equal(pc.utf8_trim_whitespace(arr), arr)).as_py() or pc.min(pc.utf8_length(arr)).as_py() == 0:
        return False
    other = pc.filter(arr, pc.invert(pc.string_is_ascii(arr))).to_pylist()  # ASCII text is NFC
    return all(unicodedata.is_normalized("NFC", u) for u in other)


def _decode(codes: np.ndarray, uniques: np.ndarray, fn: Callable[[Any], Any], dtype: Any = object,
            missing: Any = None) -> np.ndarray:
    """fn applied once per distinct value, spread back to every position (code -1 = empty cell)."""
    table = np.empty(len(uniques) + 1, dtype=dtype)
    for i, u in enumerate(uniques):  # element-wise: tuples must stay objects, not become rows
        table[i] = fn(u)
    table[-1] = missing
    return table[codes]


def score_cells(wide: pd.DataFrame, cols: list[str]
                ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each criterion column as float64 (NaN = empty or not a number; a view of the table's own
    column when it is numeric already, so no matrix of the whole table is ever built), the number of
    non-empty cells per row, and per column the rows whose cell is text rather than a number and
    those whose number is negative or a fraction (a JSON schema refuses both whatever the form; the
    form groups check the options of their own criteria). A non-empty cell outside a row's form is
    found through the count."""
    n = len(wide)
    columns: dict[str, np.ndarray] = {}
    given = np.zeros(n, dtype=np.int16)
    text_cells: dict[str, np.ndarray] = {}
    odd_cells: dict[str, np.ndarray] = {}
    empty, missing, n_float = np.empty(n, dtype=bool), np.zeros(n, dtype=np.int16), 0
    for c in cols:
        raw = wide[c]
        if raw.dtype == np.float64:  # the table's own array, no copy (read-only from here on)
            columns[c] = raw.to_numpy()
            missing += np.isnan(columns[c], out=empty)  # empty cells counted, the given ones follow
            n_float += 1
            _odd(columns[c], c, odd_cells)
            continue
        elif pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            num = raw.to_numpy(dtype=np.float64, na_value=np.nan)
            present = ~np.isnan(num)
        else:  # text cells (CSV read as typed, Excel): converted once per distinct value
            codes, uniques = factorize(raw)
            distinct = pd.Series(uniques, dtype=object)
            u_num = pd.to_numeric(distinct, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            u_present = (distinct.astype(str).str.strip() != "").to_numpy(dtype=bool)
            num = np.r_[u_num, np.nan][codes]
            present = np.r_[u_present, False][codes]
            if (u_present & np.isnan(u_num)).any():
                text_cells[c] = present & np.isnan(num)
        given += present
        columns[c] = num
        _odd(num, c, odd_cells)
    given += n_float - missing
    return columns, given, text_cells, odd_cells


def _odd(num: np.ndarray, c: str, out: dict[str, np.ndarray]) -> None:
    """Rows of a score column holding a negative, fractional or infinite number (one pass; rare)."""
    with np.errstate(invalid="ignore"):
        odd = (num < 0) | (np.floor(num) != num) | np.isinf(num)
    odd &= ~np.isnan(num)
    if odd.any():
        out[c] = odd


def _equal_to_previous(values: pd.Series) -> np.ndarray:
    """Row i + 1 holds the same value as row i (two empty cells are the same), in C: Arrow
    kernels for Arrow text, numpy otherwise."""
    if _is_arrow_text(values):
        arr = pa.array(values.array)  # the column's own Arrow data (no copy for Arrow-backed text)
        a, b = arr.slice(1), arr.slice(0, len(arr) - 1)
        if not arr.null_count:  # most columns: no null to pair up
            return pc.equal(a, b).to_numpy(zero_copy_only=False).astype(bool)
        eq = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        return pc.or_(eq, both_null).to_numpy(zero_copy_only=False).astype(bool)
    a = values.to_numpy()
    with np.errstate(invalid="ignore"):
        eq = np.asarray(a[1:] == a[:-1], dtype=bool)
    na = pd.isna(a)
    return eq | (na[1:] & na[:-1])


def _per_dossier(wide: pd.DataFrame, cols: list[str], dcode: np.ndarray, first_row: np.ndarray, pool: Any
                 ) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]], dict[str, np.ndarray]]:
    """Per-dossier columns (the first row's value), their codes, and the dossiers whose rows disagree
    on one of them (form, level, date, product, ...). When every dossier's rows are contiguous (as
    typed), rows that equal their predecessor prove agreement and only the first rows are coded;
    otherwise one factorization per column serves all three. Columns are independent: one task each."""
    first_of_row = first_row[dcode]
    inner = dcode[1:] == dcode[:-1]
    contiguous = len(dcode) > 0 and int((~inner).sum()) + 1 == len(first_row)

    def one(col: str) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
        if contiguous and not (inner & ~_equal_to_previous(wide[col])).any():
            coded = _first_codes(wide[col], first_row)
            disagree = np.empty(0, dtype=np.int64)
        else:
            codes, uniques = codes_of(wide[col])
            disagree = np.unique(dcode[codes != codes[first_of_row]])
            coded = (codes[first_row], uniques)
        return coded, np.append(coded[1], None).astype(object)[coded[0]], disagree

    meta: dict[str, np.ndarray] = {}
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    bad: dict[str, np.ndarray] = {}
    for col, (c, m, disagree) in zip(cols, pool.map(one, cols)):
        coded[col], meta[col] = c, m
        if len(disagree):
            bad[col] = disagree
    return meta, coded, bad


def _members(values: pd.Series, dcode: np.ndarray, nd: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Member codes and names (NFC, trimmed; -1 = blank) and the rows whose member appears twice in
    its dossier (judged on the text the single path sees)."""
    member_code, member_names = codes_of(values)
    member_names = np.array([nfc(str(m)) for m in member_names], dtype=object)
    text_code, _ = codes_of(pd.Series(member_names, dtype=object))
    width = len(text_code) + 1
    key = dcode.astype(np.int64) * width
    key += np.append(text_code, -1)[member_code] + 1
    if nd * width <= 4 * len(key) + 1_000_000:  # (dossier, member) pairs counted in place, no hashing
        repeated = np.bincount(key, minlength=nd * width)[key] > 1
    else:
        repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    repeated &= member_code >= 0
    return member_code, member_names, repeated


def _sheet_of_row(dcode: np.ndarray, nd: int) -> np.ndarray:
    """Each row's place among its dossier's rows in table order: the index of its sheet in the dossier."""
    order = np.argsort(dcode, kind="stable")
    starts = np.zeros(nd + 1, dtype=np.int64)
    np.cumsum(np.bincount(dcode, minlength=nd), out=starts[1:])
    out = np.empty(len(dcode), dtype=np.int64)
    out[order] = np.arange(len(dcode)) - starts[dcode[order]]
    return out


def _first_codes(values: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`codes_of` of the values at `rows`: for Arrow text taken and dictionary-encoded by Arrow
    kernels: a pandas take of an Arrow column and its factorization, a dozen columns a batch, were a
    visible share of a round of a thousand dossiers."""
    if _is_arrow_text(values):
        return _normalised(*_arrow_codes(pa.array(values.array).take(pa.array(rows))))
    return codes_of(values.iloc[rows])


def _days(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """datetime64[D] per position (NaT where the cell is not a YYYY-MM-DD date), parsed per distinct value."""
    text = pd.Series([str(u)[:10] for u in uniques], dtype=object)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").to_numpy().astype("datetime64[D]")
    return np.r_[parsed, np.array(["NaT"], dtype="datetime64[D]")][codes]


def _dates_of(coded: dict[str, tuple[np.ndarray, np.ndarray]], col: str, nd: int) -> tuple[np.ndarray, np.ndarray]:
    """datetime64[D] per dossier of a date column (NaT = empty or not a date) and whether a cell was given."""
    if col not in coded:
        return np.full(nd, np.datetime64("NaT"), dtype="datetime64[D]"), np.zeros(nd, dtype=bool)
    codes, uniques = coded[col]
    uniques = np.asarray([date_value(u) for u in uniques], dtype=object)
    return _days(codes, uniques), codes >= 0


def _resolve_sets(meta: dict[str, np.ndarray], coded: dict[str, tuple[np.ndarray, np.ndarray]], nd: int,
                  unusable: dict[str, np.ndarray], found: dict[int, list[Issue]], source: str
                  ) -> tuple[np.ndarray, list[CriteriaSet], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Set index and evaluation day per dossier (-1 / NaT where they cannot be resolved), chosen by
    `scoring.filing.choose_set` — the single path's function — once per distinct (set given, day, kind,
    lodging day), and the kind, lodging and expiry days. As in the single path, a dossier whose dates
    or kind cannot be read is checked further under the set it names, if any (`unusable`: the date
    fields the checks refused)."""
    days = _days(*coded["evaluated_on"])
    sets = list(crit.load_all().values())
    by_id = {cs.id: cs for cs in sets}
    position = {cs.id: i for i, cs in enumerate(sets)}
    given = meta.get("criteria_set", np.full(nd, None, dtype=object))
    kind = (_decode(*coded["kind"], kind_value, missing=DEFAULT_KIND) if "kind" in coded
            else np.full(nd, DEFAULT_KIND, dtype=object))
    lodged, _ = _dates_of(coded, "lodged_on", nd)
    expires, _ = _dates_of(coded, "previous_expires_on", nd)
    days[unusable["evaluated_on"]] = np.datetime64("NaT")
    lodged[unusable["lodged_on"]] = np.datetime64("NaT")
    expires[unusable["previous_certificate.expires_on"]] = np.datetime64("NaT")
    dates_ok = ~np.isnat(days) & ~unusable["lodged_on"] & np.isin(kind, KINDS)
    combos = pd.DataFrame({"set": given, "day": days, "kind": kind, "lodged": lodged, "ok": dates_ok})
    group = combos.groupby(["set", "day", "kind", "lodged", "ok"], dropna=False, sort=False).ngroup().to_numpy()
    firsts = np.unique(group, return_index=True)[1]
    # decided once per distinct combination, spread to the dossiers by one lookup (a round has
    # thousands of evaluation days: a pass over every dossier per combination was a tenth of a batch)
    chosen_idx = np.full(len(firsts) + 1, -1, dtype=np.int64)
    problems: list[tuple[int, Problem]] = []
    for g, i in enumerate(firsts):
        set_id = str(given[i]) if given[i] is not None else None
        if set_id is not None and not SET_ID.match(set_id):
            continue  # refused by the field checks; the set cannot be chosen
        if not dates_ok[i]:
            if set_id is not None and set_id in by_id:
                chosen_idx[g] = position[set_id]
            elif set_id is not None:
                problems.append((g, Problem("bộ tiêu chí không có / unknown criteria set", "criteria_set", set_id,
                                            ", ".join(by_id), "set-unknown")))
            continue
        chosen = choose_set(set_id, days[i].astype(object), kind[i],
                            None if np.isnat(lodged[i]) else lodged[i].astype(object), by_id)
        if isinstance(chosen, Problem):
            problems.append((g, chosen))
        else:
            chosen_idx[g] = position[chosen.id]
    set_idx = chosen_idx[group]
    if problems:  # in the order the combinations first appear, as before
        by_group = np.argsort(group, kind="stable")
        starts = np.searchsorted(group[by_group], np.arange(len(firsts) + 1))
        for g, problem in problems:
            COLUMNAR.run("criteria-set", found, by_group[starts[g]:starts[g + 1]], problem, source)
    return set_idx, sets, days, kind, lodged, expires


def _form_groups(forms_given: np.ndarray, set_idx: np.ndarray, sets: list[CriteriaSet]
                 ) -> tuple[np.ndarray, list[tuple[CriteriaSet, str]]]:
    """Form group per dossier: one per (set, form slug) present; -1 for unknown or missing forms."""
    fcode, funiq = pd.factorize(pd.Series(forms_given, dtype=object), use_na_sentinel=True)
    table = np.full((len(sets) + 1, len(funiq) + 1), -1, dtype=np.int64)  # last row/col: unresolved
    groups: list[tuple[CriteriaSet, str]] = []
    index: dict[tuple[str, str], int] = {}
    for si, cs in enumerate(sets):
        for fi, name in enumerate(funiq):
            slug = resolve_form(cs, name)  # a slug, number, code or Vietnamese name
            if slug is not None and cs.form(slug).status != "missing":
                key = (cs.id, slug)  # warned once, just above
                if key not in index:
                    index[key] = len(groups)
                    groups.append((cs, key[1]))
                table[si, fi] = index[key]
    return table[set_idx, fcode], groups


def prepare(wide: pd.DataFrame, crit_cols: list[str], dossiers: tuple[np.ndarray, np.ndarray] | None = None,
            row_numbers: np.ndarray | None = None, source: str = "table", pool: Any = None,
            cells: Future | None = None) -> Prepared:
    """`dossiers`: the id codes when the caller has them already (every row must have an id);
    `row_numbers`: the user's number of each row, for messages the single path cannot give;
    `pool`: the batch's executor (`workers`), for the independent column tasks; `cells`: `score_cells`
    of this table, when the caller has it under way already."""
    pool = Inline() if pool is None else pool
    n = len(wide)
    dcode, ids = dossiers if dossiers is not None else codes_of(wide["dossier_id"], as_text=True)
    nd = len(ids)
    first_row = np.empty(nd, dtype=np.int64)
    first_row[dcode[::-1]] = np.arange(n - 1, -1, -1)  # the last write is each dossier's first row
    n_members = np.bincount(dcode, minlength=nd)

    meta_cols = [c for c in META_COLUMNS if c in wide.columns]
    if cells is None:
        cells = pool.submit(score_cells, wide, crit_cols)  # beside the per-dossier columns
    people = pool.submit(_members, wide["member"], dcode, nd)
    meta, coded, disagree = _per_dossier(wide, meta_cols, dcode, first_row, pool)
    columns, given, text_cells, odd_cells = cells.result()
    member_code, member_names, repeated = people.result()
    sheet = _sheet_of_row(dcode, nd)

    # the checks that need no criteria set (scoring.batch.checks), in the single path's order
    found: dict[int, list[Issue]] = {}
    run = COLUMNAR.run
    unusable = run("fields", found, coded, nd, source, KINDS, LEVELS, READ) or {
        k: np.zeros(nd, dtype=bool) for k in ("evaluated_on", "lodged_on", "previous_certificate.expires_on")}
    run("cells-any-form", found, columns, text_cells, odd_cells, dcode, sheet, source,
        lambda c, r: points_value(wide[c].iat[r]))
    run("rows-agree", found, disagree, source)
    stated = np.full(nd, None, dtype=object)
    stated_code = np.full(nd, -1, dtype=np.int64)
    if "cases" in coded:  # stated cases (TH a / TH b): read once per distinct cell
        codes, uniques = coded["cases"]
        stated = _decode(codes, uniques, cases_value)
        read = [cases_value(u) for u in uniques]
        unreadable = np.array([isinstance(v, str) for v in read] + [False], dtype=bool)[codes]
        is_stated = np.array([isinstance(v, dict) and bool(v) for v in read] + [False], dtype=bool)[codes]
        stated_code = np.where(is_stated, codes, -1)
        run("cases-cell", found, unreadable, meta["cases"], source)

    if "findings" in coded:
        run("findings-cell", found, coded["findings"][0], [tuple(findings_value(u)) for u in coded["findings"][1]],
            source)
    set_idx, sets, days, kind, lodged, expires = _resolve_sets(meta, coded, nd, unusable, found, source)
    group, group_forms = _form_groups(meta["form"], set_idx, sets)
    for si, cs in enumerate(sets):  # a set but no form of it: the form is unknown or missing from our sources
        lost = np.flatnonzero((set_idx == si) & (group < 0) & (coded["form"][0] >= 0 if "form" in coded else False))
        for value, ds in _by_value(meta["form"], lost):
            run("form", found, cs, value, ds, source)
    # what the single path checks only once it has a form (it stops at the set and form)
    run("members", found, member_code, member_names, repeated & (group[dcode] >= 0), dcode, sheet, source)

    if "findings" in meta:
        findings = _decode(*coded["findings"], lambda v: tuple(findings_value(v)), missing=())
        has_findings = _decode(*coded["findings"], lambda v: bool(findings_value(v)), dtype=bool, missing=False)
    else:
        findings = _decode(np.full(nd, -1), np.array([]), str, missing=())
        has_findings = np.zeros(nd, dtype=bool)
    if "story_exists" in meta:
        story = _decode(*coded["story_exists"], _story_code, dtype=np.int8, missing=STORY_NONE)
    else:
        story = np.full(nd, STORY_NONE, dtype=np.int8)

    dossier_order = np.argsort(group, kind="stable")
    dpos = np.empty(nd, dtype=np.int64)
    dpos[dossier_order] = np.arange(nd)
    row_order = np.argsort(dpos[dcode], kind="stable")
    row_start = np.empty(nd, dtype=np.int64)
    row_start[dossier_order] = np.r_[0, np.cumsum(n_members[dossier_order])[:-1]]
    per_set = _set_facts(set_idx, sets, days, coded.get("level", (np.full(nd, -1), np.array([], dtype=object))))
    filing = filing_facts(kind, lodged, expires, days, successor_start({cs.id: cs for cs in sets}))
    return Prepared(n, dcode, ids, first_row, n_members, member_code, member_names, columns, given, meta,
                    {c: codes for c, (codes, _) in coded.items()}, found, set_idx, sets, days,
                    group, group_forms, findings, has_findings, story, dossier_order, row_order, row_start, *per_set,
                    filing=filing, kind=kind, lodged=lodged, text_cells=text_cells, odd_cells=odd_cells, sheet=sheet,
                    stated=stated, stated_code=stated_code)


def _by_value(values: np.ndarray, dossiers: np.ndarray) -> list[tuple[Any, np.ndarray]]:
    """(value, dossiers) per distinct value among `dossiers`."""
    out: dict[Any, list[int]] = {}
    for d in dossiers.tolist():
        out.setdefault(values[d], []).append(d)
    return [(v, np.asarray(ds, dtype=np.int64)) for v, ds in out.items()]


def _set_facts(set_idx: np.ndarray, sets: list[CriteriaSet], days: np.ndarray, level: tuple[np.ndarray, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What depends only on a dossier's set and day (and level): its period (the last that covers the
    day, as the single path's checks read them), whether its level is one of the period's, whether
    it is scored in transition and whether its set's per-star requirements have a gap. Computed once
    per set over all dossiers: per form group these were a dozen array passes each, 78 times."""
    nd = len(set_idx)
    codes, uniques = level
    period_idx = np.full(nd, -1, dtype=np.int64)
    period_id = np.full(nd, None, dtype=object)
    level_ok = np.zeros(nd, dtype=bool)
    transition = np.zeros(nd, dtype=bool)
    minimums_gap = np.zeros(nd, dtype=bool)
    for si, cs in enumerate(sets):
        sel = np.flatnonzero(set_idx == si)
        if not len(sel):
            continue
        sdays = days[sel]
        pidx = np.full(len(sel), -1, dtype=np.int64)
        for pi, period in enumerate(cs.periods):
            end_ok = (sdays <= np.datetime64(period.end)) if period.end else True
            pidx[(sdays >= np.datetime64(period.start)) & end_ok] = pi
        period_idx[sel] = pidx
        period_id[sel] = np.array([p.id for p in cs.periods] + [None], dtype=object)[pidx]
        # allowed[p, code]: level code (last column: empty) is one of period p's levels
        allowed = np.zeros((len(cs.periods) + 1, len(uniques) + 1), dtype=bool)
        for pi, period in enumerate(cs.periods):
            allowed[pi, :-1] = [isinstance(u, str) and u in period.levels for u in uniques]
        level_ok[sel] = allowed[pidx, codes[sel]]
        transition[sel] = ~((sdays >= np.datetime64(cs.start)) & ((sdays <= np.datetime64(cs.end)) if cs.end else True))
        sm = cs.star_minimums
        gap = any(r.get("tag") == "GAP" for r in sm.get("requirements", []) or []) and sm.get("mechanism") == "findings"
        if gap:
            minimums_gap[sel] = (sdays >= np.datetime64(sm["from"])) if sm.get("from") else True
    return period_idx, period_id, level_ok, transition, minimums_gap


def _story_code(value: Any) -> int:
    v = story_value(value)
    if v is None:
        return STORY_NONE
    if v is True:
        return STORY_TRUE
    if v is False:
        return STORY_FALSE
    return STORY_INVALID
