"""One form group of a batch (dossiers of one criteria set and form), scored with numpy.

The checks mirror `parse_dossier`; a dossier they flag is handed back to the single path
(`accepts`), which either words the rejection or accepts it after all, so the two paths can never
disagree on what is valid. The decisions are taken by the same concrete rules as the rule engine,
run by the vectorized executor stage by stage.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from ..criteria.model import STAR_LEVELS, CriteriaSet, Form, Period
from ..engine.vector_backend import VecDecisions, run_stage
from ..errors import EngineError
from ..rules.params import MARKS
from ..rules.spec import STAGES, Rule
from .prepare import STORY_FALSE, STORY_INVALID, STORY_NONE, STORY_TRUE, Prepared

DECISIONS = ("band_stars", "stars", "status", "recognised_by", "escalate_to")
LISTS = ("unmet_minimums", "knockouts", "warnings")


def score_group(prep: Prepared, cs: CriteriaSet, form: Form, gd: np.ndarray, rows: np.ndarray,
                accepts: Callable[[int], bool], rules_for: Callable[[CriteriaSet, Period], tuple[Rule, ...]]
                ) -> tuple[dict[str, Any], np.ndarray] | None:
    """Columns of the scored dossiers of `gd` (dossier codes whose rows, grouped per dossier, are
    `rows`) and the codes of those dossiers; None when none could be scored."""
    arrays = form.arrays
    leaves = form.leaves
    nl = len(leaves)
    ng = len(gd)
    counts = prep.n_members[gd]
    local = np.repeat(np.arange(ng), counts)
    bounds = np.r_[0, np.cumsum(counts)[:-1]]

    # leaf-major cells (one row per criterion): each criterion's cells are contiguous, which makes
    # the per-dossier reductions along axis 1 several times faster than over a row-major table
    P = np.full((nl, len(rows)), np.nan)
    for li, leaf in enumerate(leaves):
        col = prep.columns.get(leaf.number)
        if col is not None:
            np.take(col, rows, out=P[li])
    present = ~np.isnan(P)
    P0 = np.where(present, P, 0.0)
    pint = np.clip(P0, -1, 10_001).astype(np.int64)
    top = arrays.valid.shape[1] - 1
    valid = arrays.valid.ravel()[np.clip(pint, 0, top) + (np.arange(nl) * (top + 1))[:, None]]
    # a fraction, a negative or too large number, or points that are no option of the criterion
    cell_bad = present & ((pint != P0) | (pint > top) | (pint < 0) | ~valid)
    # cells outside this form's criteria: any non-empty cell the leaves do not account for
    foreign = prep.given[rows] != present.sum(axis=0)
    bad = np.bincount(local, weights=foreign | cell_bad.any(axis=0), minlength=ng) > 0

    # findings (few dossiers have any): knock-outs given, unknown ids
    fl = prep.findings[gd]
    with_findings = np.flatnonzero(prep.has_findings[gd])
    known = set(cs.knockouts) | {r["finding"] for r in cs.star_minimums.get("requirements", []) or [] if r.get("finding")}
    knocked_given = np.zeros(ng, dtype=bool)
    for i in with_findings:
        knocked_given[i] = any(f in cs.knockouts for f in fl[i])
        bad[i] |= any(f not in known for f in fl[i])

    # applicability (story) and completeness
    st = prep.story[gd]
    bad |= st == STORY_INVALID
    scored_any = np.logical_or.reduceat(present, bounds, axis=1).T
    scored_all = np.logical_and.reduceat(present, bounds, axis=1).T
    story_leaf = arrays.story
    applicable = np.ones((ng, nl), dtype=bool)
    applicable[:, story_leaf] = ((st == STORY_TRUE)[:, None] | ((st == STORY_NONE)[:, None] & scored_any[:, story_leaf]))
    bad |= ((st == STORY_FALSE)[:, None] & scored_any & story_leaf[None, :]).any(axis=1)
    bad |= (applicable & ~scored_all).any(axis=1) & ~knocked_given

    # levels and periods
    gdays = prep.days[gd]
    period_ids = np.full(ng, None, dtype=object)
    for period in cs.periods:
        end_ok = (gdays <= np.datetime64(period.end)) if period.end else np.ones(ng, bool)
        period_ids[(gdays >= np.datetime64(period.start)) & end_ok] = period.id
    levels = prep.meta["level"][gd]
    for period in cs.periods:
        bad |= (period_ids == period.id) & ~np.isin(levels, list(period.levels))
    bad |= period_ids == None  # noqa: E711 (element-wise)
    bad |= prep.suspicious[gd]

    # flagged dossiers go to the single path; those it accepts are scored here after all
    for k in np.flatnonzero(bad):
        if int(gd[k]) not in prep.reasons and accepts(int(gd[k])):
            bad[k] = False
    keep = ~bad
    if not keep.any():
        return None

    kd = np.flatnonzero(keep)
    n = len(kd)
    row_keep = keep[local]
    Pk = P0 if keep.all() else P0[:, row_keep]
    cnt = counts[kd].astype(np.float64)
    kbounds = np.r_[0, np.cumsum(counts[kd])[:-1]]
    member_totals = Pk.sum(axis=0)
    total = np.add.reduceat(member_totals, kbounds) / cnt
    spread = np.maximum.reduceat(member_totals, kbounds) - np.minimum.reduceat(member_totals, kbounds)
    crit_sums = np.add.reduceat(Pk, kbounds, axis=1).T
    crit_means = crit_sums / cnt[:, None]
    parts = {p: crit_sums[:, arrays.part_index == i].sum(axis=1) / cnt for i, p in enumerate("ABC")}
    app_k = applicable[kd]

    # a score that rests on a value flagged as a suspected typo (only forms that have one)
    doubtful_any = np.zeros(n, dtype=bool)
    for li in np.flatnonzero(arrays.doubtful.any(axis=1)):
        hit = arrays.doubtful[li, np.clip(pint[li, row_keep], 0, arrays.doubtful.shape[1] - 1)] & present[li, row_keep]
        doubtful_any |= np.logical_or.reduceat(hit, kbounds)

    kdays = gdays[kd]
    transition = ~((kdays >= np.datetime64(cs.start)) & ((kdays <= np.datetime64(cs.end)) if cs.end else True))
    sm = cs.star_minimums
    gap = any(r.get("tag") == "GAP" for r in sm.get("requirements", []) or []) and sm.get("mechanism") == "findings"
    minimums_gap = np.full(n, gap) & ((kdays >= np.datetime64(sm["from"])) if sm.get("from") else True)

    klevels = levels[kd]
    kperiods = period_ids[kd]
    kfl = fl[kd]
    members = counts[kd]
    cols: dict[str, Any] = {k: np.empty(n, dtype=object) for k in DECISIONS + LISTS}
    for period in cs.periods:
        sel = np.flatnonzero(kperiods == period.id)
        if not len(sel):
            continue
        rules = rules_for(cs, period)
        m = len(sel)
        dec = VecDecisions(m)
        own = np.arange(m)
        run_stage(rules, "form", {
            "status": np.full(m, form.status, dtype=object),
            "provenance": np.full(m, form.provenance.get("tag", "GAP"), dtype=object),
            "uses_doubtful": doubtful_any[sel], "transition": transition[sel], "minimums_gap": minimums_gap[sel],
        }, own, dec)
        na_d, na_l = np.nonzero(~app_k[sel])
        numbers = np.array([leaf.number for leaf in leaves], dtype=object)
        run_stage(rules, "criterion", {
            "criterion": numbers[na_l],
            "applies_when": np.array([leaf.applies_when for leaf in leaves], dtype=object)[na_l],
            "applicable": np.zeros(len(na_l), dtype=bool),
        }, na_d, dec)
        run_stage(rules, "score", {"total": total[sel], "spread": spread[sel], "level": klevels[sel],
                                   "members": members[sel]}, own, dec)
        m_rows = _minimum_facts(arrays, leaves, app_k[sel], crit_means[sel]) if sm.get("mechanism") == "option_marks" else None
        if m_rows is not None:
            run_stage(rules, "minimum", {k: v for k, v in m_rows.items() if not k.startswith("_")}, m_rows["_owner"], dec)
        f_table, f_owner = _finding_facts(cs, kfl[sel], prep.has_findings[gd[kd[sel]]])
        run_stage(rules, "finding", f_table, f_owner, dec)
        if not dec.assigned["band_stars"].all():
            raise EngineError("no band rule fired for some dossiers: the bands do not cover the total")
        n_ko = np.bincount(np.concatenate([w for _, w, _ in dec.knockouts]) if dec.knockouts else np.array([], int),
                           minlength=m)
        run_stage(rules, "award", {"band_stars": dec.values["band_stars"].astype(np.int64), "cap": dec.cap.astype(np.int64),
                                   "knocked_out": dec.knocked_out, "n_knockouts": n_ko}, own, dec)
        if not dec.assigned["stars"].all():
            raise EngineError("no award rule fired for some dossiers")
        run_stage(rules, "outcome", {"stars": dec.values["stars"].astype(np.int64), "level": klevels[sel],
                                     "total": total[sel], "knocked_out": dec.knocked_out}, own, dec)
        if not dec.assigned["status"].all():
            raise EngineError("no outcome rule fired for some dossiers")
        for key in DECISIONS:
            cols[key][sel] = dec.values[key]
        cols["knockouts"][sel] = _lists(m, dec.knockouts, lambda r, rows: (f_table["finding"], rows))
        cols["unmet_minimums"][sel] = _lists(
            m, dec.unmet, lambda r, rows: (m_rows["_requirements"], m_rows["_requirement"][rows]) if r.stage == "minimum"
            else (f_table["label"], rows))
        cols["warnings"][sel] = _lists(m, dec.warnings, lambda r, rows: ([r.effects["warning"]], np.zeros(len(rows), int)))

    cols.update({
        "criteria_set": np.full(n, cs.id, dtype=object), "form": np.full(n, form.slug, dtype=object),
        "level": klevels, "period": kperiods, "members": members, "total": total,
        "max_total": np.full(n, form.max, dtype=np.int64),
        "part_A": parts["A"], "part_B": parts["B"], "part_C": parts["C"],
        "band_stars": cols["band_stars"].astype(np.int64), "stars": cols["stars"].astype(np.int64),
        "_sheet_totals": member_totals, "_sheet_rows": rows[row_keep],
    })
    return cols, gd[kd]


def _minimum_facts(arrays, leaves, applicable: np.ndarray, means: np.ndarray) -> dict[str, np.ndarray]:
    """One fact per (dossier, applicable star-marked criterion, star level), as the engine asserts them."""
    mark_leaf, mark_k = np.nonzero(arrays.star_min)
    need = arrays.star_min[mark_leaf, mark_k].astype(np.int64)
    stars = np.asarray(STAR_LEVELS)[mark_k]
    m = len(applicable)
    nm = len(mark_leaf)
    owner = np.repeat(np.arange(m), nm)
    leaf = np.tile(mark_leaf, m)
    app = applicable[owner, leaf]
    requirement = np.array([f"{leaves[i].number} {leaves[i].label} ≥ {int(n)} ({MARKS[s]})"
                            for i, n, s in zip(mark_leaf, need, stars)], dtype=object)
    return {
        "criterion": np.tile(np.array([leaves[i].number for i in mark_leaf], dtype=object), m)[app],
        "stars": np.tile(stars, m)[app], "need": np.tile(need, m)[app], "mean": means[owner, leaf][app],
        "marks": np.tile(np.array([MARKS[s] for s in stars], dtype=object), m)[app],
        "requirement": np.tile(requirement, m)[app], "_owner": owner[app],
        "_requirements": requirement, "_requirement": np.tile(np.arange(nm), m)[app],
    }


def _finding_facts(cs: CriteriaSet, findings: np.ndarray, has: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One fact per finding a council recorded: knock-outs with their effect, QĐ 781 requirements
    not met (recorded as findings) with their star level."""
    reqs = {r["finding"]: r for r in cs.star_minimums.get("requirements", []) or [] if r.get("finding")}
    owner: list[int] = []
    rows: dict[str, list] = {"finding": [], "effect": [], "stars": [], "label": [], "label_en": []}
    for i in np.flatnonzero(has):
        for fid in findings[i]:
            owner.append(int(i))
            if fid in cs.knockouts:
                k = cs.knockouts[fid]
                vals = (fid, k.effect, np.nan, k.label, k.label_en)
            else:
                r = reqs[fid]
                vals = (fid, "minimum", float(r["stars"]), r["text"], r.get("text_en", r["text"]))
            for key, v in zip(rows, vals):
                rows[key].append(v)
    table = {k: np.array(v, dtype=float if k == "stars" else object) for k, v in rows.items()}
    return table, np.asarray(owner, dtype=np.int64)


def _lists(n: int, items: list, text) -> np.ndarray:
    """Per-dossier ';'-joined lists from (rule, owners, fact rows), ordered as the rule engine orders
    them (stage, fact row, rule). `text(rule, rows)` gives the entries as (table, index): the texts
    are table[index].

    Dossiers share few distinct lists (the same warnings, the same unmet marks): each dossier's list
    becomes a row of entry codes, equal rows are found by one sort, and each distinct list is joined
    once."""
    out = np.full(n, "", dtype=object)
    if not items:
        return out
    tables, codes, offset = [], [], 0
    for r, _, rows in items:
        table, index = text(r, rows)
        tables.append(np.asarray(table, dtype=object))
        codes.append(np.asarray(index, dtype=np.int64) + offset)
        offset += len(table)
    every = np.concatenate(tables)
    who = np.concatenate([w for _, w, _ in items])
    stage = np.concatenate([np.full(len(w), STAGES.index(r.stage)) for r, w, _ in items])
    row = np.concatenate([rows for _, _, rows in items])
    order = np.concatenate([np.full(len(w), k) for k, (_, w, _) in enumerate(items)])
    idx = np.lexsort((order, row, stage, who))
    w, code = who[idx], np.concatenate(codes)[idx]
    starts = np.r_[0, np.flatnonzero(np.diff(w)) + 1]
    length = np.diff(np.r_[starts, len(w)])
    slot = np.repeat(np.arange(len(starts)), length)
    matrix = np.full((len(starts), int(length.max())), -1, dtype=np.int64)
    matrix[slot, np.arange(len(w)) - starts[slot]] = code
    first, inverse = _equal_rows(matrix)
    joined = np.array([";".join(every[code[starts[f]:starts[f] + length[f]]].tolist()) for f in first.tolist()],
                      dtype=object)
    out[w[starts]] = joined[inverse]
    return out


_ROW_HASH = np.random.default_rng(20260706).integers(1, 2**62, size=4096, dtype=np.int64) | 1


def _equal_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct row, distinct index of every row). Rows are hashed with a fixed
    random linear form (wrapping int64) and the grouping is verified cell by cell; on a collision,
    np.unique's exact (slower) row sort decides."""
    if matrix.shape[1] <= len(_ROW_HASH):
        inverse, _ = pd.factorize(matrix @ _ROW_HASH[:matrix.shape[1]])
        first = np.empty(inverse.max() + 1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(matrix) - 1, -1, -1)  # the last write is the first row
        if np.array_equal(matrix, matrix[first[inverse]]):
            return first, inverse
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return first, inverse.ravel()
