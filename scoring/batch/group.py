"""One form group of a batch (dossiers of one criteria set and form): checks, scores and facts.

The checks are the columnar backend's (`scoring.batch.checks`), the same declared checks as
`parse_dossier`'s, run here over the group's cells at once; a dossier with any issue is rejected
with them (the conformance kit, `scoring.testing`, proves both backends agree). The group's output
is numbers and the facts the rule engine would be given; the decisions are taken in `decide`, once
per criteria set and period for all forms.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..checks import COLUMNAR
from ..criteria.model import STAR_LEVELS, CriteriaSet, Form
from ..engine.vector_backend import LazyTable
from ..rules.params import MARKS
from .checks import GroupCells
from .prepare import STORY_FALSE, STORY_INVALID, STORY_NONE, STORY_TRUE, Prepared


@dataclass
class PeriodFacts:
    """The facts of a form group's dossiers in one period, as the rule engine is given them: per
    stage a table (dict of equal-length columns) and the owner (position in `sel`) of each row.
    Unmet minimums name their requirement by a code into `requirements`."""

    sel: np.ndarray                 # positions, among the group's scored dossiers, of this period's
    tables: dict[str, tuple[Mapping[str, np.ndarray], np.ndarray]]
    requirements: np.ndarray        # texts of the form's star-marked requirements (object)


def _starts(counts: np.ndarray) -> np.ndarray:
    """Start of each run of `counts` consecutive items (without np.r_'s per-call overhead: a form
    group makes several)."""
    out = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=out[1:])
    return out


def score_group(prep: Prepared, cs: CriteriaSet, form: Form, gd: np.ndarray, rows: np.ndarray, source: str
                ) -> tuple[tuple[dict[str, Any], np.ndarray, dict[str, PeriodFacts]] | None, dict[int, list]]:
    """Columns of the scored dossiers of `gd` (dossier codes whose rows, grouped per dossier, are
    `rows`), the codes of those dossiers and their facts per period; None when none could be scored.
    What depends only on the set and day (period, level, transition) is computed once per batch in
    `prepare`; what depends only on the form, once per form (`_tables`)."""
    arrays = form.arrays
    tables = _tables(form)
    nl = len(form.leaves)
    ng = len(gd)
    counts = prep.n_members[gd]
    local = np.repeat(np.arange(ng), counts)
    bounds = _starts(counts)

    # leaf-major cells (one row per criterion): each criterion's cells are contiguous, which makes
    # the per-dossier reductions along axis 1 several times faster than over a row-major table.
    # A group holds tens of millions of cells: every pass over them counts, so each is made once.
    P = np.empty((nl, len(rows)))
    # a form's rows are often one block of the table (sheets grouped by product set): copied, not gathered
    block = len(rows) > 0 and rows[-1] - rows[0] + 1 == len(rows) and bool((np.diff(rows) == 1).all())
    lo, hi = (int(rows[0]), int(rows[-1]) + 1) if len(rows) else (0, 0)
    for li, number in enumerate(tables.numbers):
        col = prep.columns.get(number)
        if col is None:
            P[li] = np.nan
        elif block:
            P[li] = col[lo:hi]
        else:
            np.take(col, rows, out=P[li])
    absent = np.isnan(P)
    present = ~absent
    # points clipped to the criterion's lowest and highest option: a fraction, a negative or too
    # large number changes under the clip, and only criteria whose options have a gap (0, 1, 3, 5)
    # need a lookup of the points in between. From here on the cells are these int16 points (empty
    # cells 0): a quarter of the float cells' bytes for every later pass.
    pint = np.empty(P.shape, dtype=np.int16)
    with np.errstate(invalid="ignore"):  # empty (NaN) cells: any value, zeroed just below
        np.clip(P, tables.low, tables.high, out=pint, casting="unsafe")
        cell_bad = (pint != P)
    np.copyto(pint, 0, where=absent)
    if len(tables.gapped):
        at = pint[tables.gapped]
        at += tables.validity_offset[tables.gapped]
        cell_bad[tables.gapped] |= np.take(tables.invalid, at)
    cell_bad &= present
    # the checks of scoring.batch.checks, in the single path's order; a dossier with any issue is rejected
    values = P
    text = np.zeros_like(present)
    odd = np.zeros_like(present)
    for li, number in enumerate(tables.numbers):
        if number in prep.text_cells:
            text[li] = prep.text_cells[number][rows]
        if number in prep.odd_cells:
            odd[li] = prep.odd_cells[number][rows]
    g = GroupCells(cs, form, gd, present, pint, cell_bad, text, odd, values, local, prep.sheet[rows], source)
    run = COLUMNAR.run
    found: dict[int, list] = {}
    days = prep.days[gd]
    early = run("valid-from", found, cs, form, gd, days, source)
    run("level", found, cs, gd, prep.period_idx[gd], prep.level_ok[gd], prep.meta["level"][gd], days, source)
    fl = prep.findings[gd]
    fcodes = prep.meta_codes["findings"][gd] if "findings" in prep.meta_codes else np.full(ng, -1)
    has = prep.has_findings[gd]
    run("findings", found, cs, gd, fl, has, days, source)
    knocked_given = np.zeros(ng, dtype=bool)
    for k in np.flatnonzero(has):  # few dossiers record a finding: only those are looked at
        knocked_given[k] = any(f in cs.knockouts for f in fl[k])
    reported = run("cells", found, g)
    reported = text | cell_bad if reported is None else reported
    # cells outside this form's criteria: rows with more non-empty cells than the form's account for
    n_present = present.sum(axis=0) + text.sum(axis=0)
    run("foreign", found, g, rows, prep.columns, prep.text_cells, prep.given[rows] != n_present, reported)
    st = prep.story[gd]
    story_leaf = tables.story_leaf
    told = run("story", found, g, story_leaf, (st == STORY_FALSE)[local])
    if told is not None:
        reported |= told
    accepted = present & ~reported
    applicable = np.ones((ng, nl), dtype=bool)
    if len(story_leaf):
        scored_any = np.logical_or.reduceat(accepted[story_leaf], bounds, axis=1).T
        unknown = (st == STORY_NONE) | (st == STORY_INVALID)
        applicable[:, story_leaf] = (st == STORY_TRUE)[:, None] | (unknown[:, None] & scored_any)
    missing = ~accepted & ~reported & applicable[local].T & ~knocked_given[local][None, :]
    run("left-out", found, g, missing)
    if early is not None and early.any():  # the single path stops at the form: nothing else is said
        for k in np.flatnonzero(early):
            d = int(gd[k])
            found[d] = [i for i in found.get(d, []) if i.code == "form-not-yet-valid"]
            if d in prep.found:
                prep.found[d] = [i for i in prep.found[d] if i.code != "member-duplicate"]
    bad = np.isin(gd, np.fromiter(itertools.chain(found, prep.found), dtype=np.int64)) if (found or prep.found) \
        else np.zeros(ng, dtype=bool)
    cases_bad = run("cases", found, g, _case_ladders(form), bounds, prep.stated[gd], prep.stated_code[gd], ~bad)
    if cases_bad is not None:
        bad |= cases_bad
    row_bad = cell_bad.any(axis=0)
    keep = ~bad
    if not keep.any():
        return None, found

    every = bool(keep.all())
    kd = np.flatnonzero(keep) if not every else np.arange(ng)
    n = len(kd)
    row_keep = keep[local]
    if (row_bad & row_keep).any():  # a cell the single path accepted after all: score its own value
        cells, acc = np.where(absent, 0.0, P), np.float64
    else:  # every kept cell is one of its criterion's options: the int16 points are the points
        cells, acc = pint, np.int32
    del P
    Pk = cells if every else cells[:, row_keep]
    members = counts if every else counts[kd]
    cnt = members.astype(np.float64)
    kbounds = bounds if every else _starts(members)
    # parts are contiguous runs of leaves: each sheet's part totals are sums of row slices (views),
    # its total their sum; points are whole numbers, so every sum is exact in any order and type
    sheet_parts = [Pk[a:b].sum(axis=0, dtype=acc) for a, b in tables.part_slices]
    member_totals = sheet_parts[0] + sheet_parts[1]
    member_totals += sheet_parts[2]
    member_totals = member_totals.astype(np.float64)
    total = np.add.reduceat(member_totals, kbounds) / cnt
    spread = np.maximum.reduceat(member_totals, kbounds) - np.minimum.reduceat(member_totals, kbounds)
    parts = {p: np.add.reduceat(sheet_parts[i], kbounds).astype(np.float64) / cnt for i, p in enumerate("ABC")}
    # criterion means only where a star mark needs them
    marked = tables.marked
    marked_means = (np.add.reduceat(Pk[marked], kbounds, axis=1, dtype=acc) / cnt if len(marked)
                    else np.empty((0, n)))
    app_k = applicable if every else applicable[kd]
    # a criterion some member did not score (only after a knock-out stopped the evaluation) has no
    # council mean to hold against its mark: no minimum fact for it, as in the rule engine
    held = app_k
    knocked_k = np.flatnonzero(knocked_given[kd])
    if len(knocked_k):
        held = app_k.copy()
        starts, lens = bounds[kd[knocked_k]], counts[kd[knocked_k]]
        kb = _starts(lens)
        cols = np.repeat(starts - kb, lens) + np.arange(int(lens.sum()))
        held[knocked_k] &= np.logical_and.reduceat(present[:, cols], kb, axis=1).T

    # a score that rests on a value flagged as a suspected typo (only forms that have one)
    doubtful_any = np.zeros(n, dtype=bool)
    for li in tables.doubtful_leaves:
        points = pint[li, row_keep]
        hit = arrays.doubtful[li, np.clip(points, 0, arrays.doubtful.shape[1] - 1)] & present[li, row_keep]
        doubtful_any |= np.logical_or.reduceat(hit, kbounds)

    kg = gd[kd]
    transition = prep.transition[kg]
    minimums_gap = prep.minimums_gap[kg]
    klevels = prep.meta["level"][kg]
    kpidx = prep.period_idx[kg]
    kfl = fl[kd]
    kfc = fcodes[kd]
    khas = prep.has_findings[kg]
    option_marks = cs.star_minimums.get("mechanism") == "option_marks"
    facts: dict[str, PeriodFacts] = {}
    for pi, period in enumerate(cs.periods):
        sel = np.arange(n) if len(cs.periods) == 1 else np.flatnonzero(kpidx == pi)
        if not len(sel):
            continue
        m = len(sel)
        own = np.arange(m)
        na_d, na_l = np.nonzero(~app_k[sel]) if len(story_leaf) else (np.empty(0, np.int64), np.empty(0, np.int64))
        stage_tables = {
            "form": ({"status": np.full(m, form.status, dtype=object),
                      "provenance": np.full(m, form.provenance.get("tag", "GAP"), dtype=object),
                      "uses_doubtful": doubtful_any[sel], "transition": transition[sel],
                      "minimums_gap": minimums_gap[sel], **{k: v[kg[sel]] for k, v in prep.filing.items()}}, own),
            "criterion": ({"criterion": tables.numbers[na_l], "applies_when": tables.applies_when[na_l],
                           "applicable": np.zeros(len(na_l), dtype=bool)}, na_d),
            "score": ({"total": total[sel], "spread": spread[sel], "level": klevels[sel], "members": members[sel]}, own),
            "finding": _finding_facts(cs, kfl[sel], khas[sel], kfc[sel]),
        }
        requirements = np.empty(0, dtype=object)
        if option_marks:
            m_table, m_owner, requirements = _minimum_facts(form, held[sel], marked_means[:, sel])
            stage_tables["minimum"] = (m_table, m_owner)
        facts[period.id] = PeriodFacts(sel, stage_tables, requirements)

    cols = {
        "total": total, "part_A": parts["A"], "part_B": parts["B"], "part_C": parts["C"],
        "_sheet_totals": member_totals, "_sheet_rows": rows if every else rows[row_keep],
    }
    return (cols, kg, facts), found


@dataclass(frozen=True)
class _FormTables:
    """What the batch derives from a form once: its star marks as fact columns (one entry per
    (criterion, star level) mark) and its option table framed for one-lookup cell checks."""

    mark_leaf: np.ndarray
    stars: np.ndarray
    need: np.ndarray
    criterion: np.ndarray
    marks: np.ndarray
    requirement: np.ndarray
    invalid: np.ndarray  # flat: leaf i's entry for points p (clipped to -1..top+1) at validity_offset[i] + p
    validity_offset: np.ndarray  # (leaves, 1) int16; -1 and top + 1 are invalid points
    low: np.ndarray  # (leaves, 1) int16: the leaf's lowest option (-1 for a leaf without options)
    high: np.ndarray  # (leaves, 1) int16: its highest option (-1 likewise)
    gapped: np.ndarray  # leaves whose options are not a run of consecutive points (or are none)
    not_story: np.ndarray  # leaves that apply whether or not a story exists
    story_leaf: np.ndarray  # leaves that apply only when a story exists
    part_slices: tuple[tuple[int, int], ...]  # leaves of parts A, B, C (contiguous runs)
    doubtful_leaves: np.ndarray  # leaves with an option flagged as a suspected typo
    numbers: np.ndarray  # criterion number per leaf (object)
    applies_when: np.ndarray  # applicability condition per leaf (object)
    marked: np.ndarray  # leaves with a star mark, ascending
    marked_row: np.ndarray  # leaf -> its row in `marked` (-1 when unmarked)


_TABLES: dict[tuple[str, str, int], tuple[Form, _FormTables]] = {}


def _tables(form: Form) -> _FormTables:
    key = (form.criteria_set, form.slug, id(form))
    if key not in _TABLES:  # the form is kept with its entry, so its id cannot be reused
        leaves = form.leaves
        mark_leaf, mark_k = np.nonzero(form.arrays.star_min)
        # small types: a round's minimum facts are millions of rows, one per dossier and mark
        need = form.arrays.star_min[mark_leaf, mark_k].astype(np.int16)
        stars = np.asarray(STAR_LEVELS, dtype=np.int8)[mark_k]
        valid = form.arrays.valid
        marked = np.unique(mark_leaf)
        marked_row = np.full(len(leaves), -1, dtype=np.int64)
        marked_row[marked] = np.arange(len(marked))
        width = valid.shape[1] + 2  # points -1, 0..top, top + 1
        framed = np.zeros((valid.shape[0], width), dtype=bool)
        framed[:, 1:-1] = valid
        offset = (np.arange(valid.shape[0], dtype=np.int16) * width + 1)[:, None]
        has = valid.any(axis=1)
        low = np.where(has, valid.argmax(axis=1), -1).astype(np.int16)
        high = np.where(has, valid.shape[1] - 1 - valid[:, ::-1].argmax(axis=1), -1).astype(np.int16)
        gapped = np.flatnonzero(~has | (valid.sum(axis=1) != high - low + 1))
        part_of = form.arrays.part_index
        part_slices = tuple((int(np.searchsorted(part_of, i)), int(np.searchsorted(part_of, i, side="right")))
                            for i in range(3))
        _TABLES[key] = (form, _FormTables(
            mark_leaf, stars, need, np.array([leaves[i].number for i in mark_leaf], dtype=object),
            np.array([MARKS[s] for s in stars], dtype=object),
            np.array([f"{leaves[i].number} {leaves[i].label} ≥ {int(n)} ({MARKS[s]})"
                      for i, n, s in zip(mark_leaf, need, stars)], dtype=object),
            ~framed.ravel(), offset, low[:, None], high[:, None], gapped,
            np.flatnonzero(~form.arrays.story), np.flatnonzero(form.arrays.story),
            part_slices, np.flatnonzero(form.arrays.doubtful.any(axis=1)),
            np.array([leaf.number for leaf in leaves], dtype=object),
            np.array([leaf.applies_when for leaf in leaves], dtype=object), marked, marked_row))
    return _TABLES[key][1]


def group_tables(form: Form) -> None:
    """Build (and cache) what the batch derives from a form, before worker threads share it."""
    _tables(form)
    _case_ladders(form)


_CASES: dict[tuple[str, str, int], tuple[Form, list[tuple[int, np.ndarray]]]] = {}


def _case_ladders(form: Form) -> list[tuple[int, np.ndarray]]:
    """Per criterion with alternative cases: fits[case, p + 1] = p is an option of that case, for
    p from -1 to the form's top points + 1 (the range of the clipped cells)."""
    key = (form.criteria_set, form.slug, id(form))
    if key not in _CASES:
        top = form.arrays.valid.shape[1] - 1
        out = []
        for li, leaf in enumerate(form.leaves):
            if getattr(leaf, "cases", ()):
                fits = np.zeros((len(leaf.cases), top + 3), dtype=bool)
                for k, (cid, _) in enumerate(leaf.cases):
                    fits[k, [o.points + 1 for o in leaf.options if o.case == cid]] = True
                out.append((li, fits))
        _CASES[key] = (form, out)
    return _CASES[key][1]


def _minimum_facts(form: Form, applicable: np.ndarray, means: np.ndarray) -> tuple[LazyTable, np.ndarray, np.ndarray]:
    """One fact per (dossier, applicable star-marked criterion, star level), as the engine asserts
    them; returns the table, its owners and the form's requirement texts (which `requirement_code`
    indexes). `means`: the council's mean per marked criterion (rows: `marked`) and dossier."""
    mk = _tables(form)
    # (dossier, mark) pairs whose criterion applies, dossier-major and marks in order, as the engine
    # asserts them
    n, k = len(applicable), len(mk.mark_leaf)
    if applicable[:, mk.mark_leaf].all():  # most groups: every mark of every dossier, a full grid
        owner, code = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
        stars, need = np.tile(mk.stars, n), np.tile(mk.need, n)
        mean = means[mk.marked_row[mk.mark_leaf]].T.ravel()
    else:
        owner, code = np.nonzero(applicable[:, mk.mark_leaf])
        stars, need = mk.stars[code], mk.need[code]
        mean = means[mk.marked_row[mk.mark_leaf[code]], owner]
    table = LazyTable({
        "stars": stars, "need": need, "mean": mean,
        "requirement_code": code,
        "criterion": lambda: mk.criterion[code], "marks": lambda: mk.marks[code],
        "requirement": lambda: mk.requirement[code],
    })
    return table, owner, mk.requirement


_NO_FINDINGS: tuple[dict[str, np.ndarray], np.ndarray] = (
    {k: np.empty(0, dtype=float if k == "stars" else object) for k in ("finding", "effect", "stars", "label", "label_en")},
    np.empty(0, dtype=np.int64))


def _finding_facts(cs: CriteriaSet, findings: np.ndarray, has: np.ndarray, codes: np.ndarray
                   ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One fact per finding a council recorded: knock-outs with their effect, QĐ 781 requirements
    not met (recorded as findings) with their star level. Dossiers in order, each one's findings
    in its order; the facts of each distinct list of findings (`codes`) are built once."""
    idx = np.flatnonzero(has)
    if not len(idx):  # most form groups of a round: no finding recorded at all
        return _NO_FINDINGS
    reqs = cs.requirement_findings
    _, first, inv = np.unique(codes[idx], return_index=True, return_inverse=True)
    rows: dict[str, list] = {"finding": [], "effect": [], "stars": [], "label": [], "label_en": []}
    sizes = []
    for i in first:
        sizes.append(len(findings[idx[i]]))
        for fid in findings[idx[i]]:
            if fid in cs.knockouts:
                k = cs.knockouts[fid]
                vals = (fid, k.effect, np.nan, k.label, k.label_en)
            else:
                r = reqs[fid]
                vals = (fid, "minimum", float(r["stars"]), r["text"], r.get("text_en", r["text"]))
            for key, v in zip(rows, vals):
                rows[key].append(v)
    size = np.asarray(sizes, dtype=np.int64)
    flat_start = np.zeros(len(size), dtype=np.int64)
    np.cumsum(size[:-1], out=flat_start[1:])
    count = size[inv]
    pos = np.repeat(flat_start[inv] - _starts(count), count) + np.arange(int(count.sum()))
    table = {k: np.array(v, dtype=float if k == "stars" else object)[pos] for k, v in rows.items()}
    return table, np.repeat(idx, count).astype(np.int64)
