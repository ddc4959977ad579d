"""`evaluate_batch(frame) -> (results, rejects)`: whole cohorts through the vectorized executor.

No per-row Python: rows are grouped by (criteria set, form) and (set, period) — a handful of
groups — and everything inside a group is numpy over all its rows at once. Validation is
vectorized too; only dossiers it flags are re-checked one by one by the single path's
`parse_dossier`, so a rejected dossier carries exactly the message `ocop score` would give.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .. import criteria as crit
from ..criteria.model import STAR_LEVELS, CriteriaSet, Form
from ..dossier import parse_dossier
from ..engine.effects import SET_ONCE
from ..engine.vector_backend import VecDecisions, run_stage
from ..errors import DossierInvalid, EngineError
from ..evaluate import compiled_rules
from ..rules.params import MARKS
from ..rules.spec import STAGES
from .frame import criterion_columns, dossier_dicts, findings_value, to_wide
from .tables import PRODUCT, normalise_columns

RESULT_COLUMNS = [
    "dossier_id", "criteria_set", "form", "level", "evaluated_on", "period", *PRODUCT, "members", "member_totals",
    "part_A", "part_B", "part_C", "total", "max_total", "band_stars", "stars", "status", "recognised_by",
    "escalate_to", "unmet_minimums", "knockouts", "warnings", "rank_form", "rank_province", "rank_district",
]
REJECT_COLUMNS = ["dossier_id", "rows", "reason"]
TIE_BREAK = "total desc, then Part C desc, then Part A desc, then dossier_id asc"


@dataclass
class _Dossiers:
    """Dossier-level columns (index = dossier code)."""

    ids: np.ndarray
    first_row: np.ndarray
    n_members: np.ndarray
    meta: pd.DataFrame  # first row's meta per dossier


def _codes(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return codes


def _inconsistent(wide: pd.DataFrame, dcode: np.ndarray, first_row: np.ndarray, cols: Iterable[str]) -> dict[int, str]:
    """Dossiers whose rows disagree on a per-dossier column (form, level, date, product, ...)."""
    bad: dict[int, str] = {}
    for col in cols:
        codes = _codes(wide[col])
        differ = codes != codes[first_row[dcode]]
        for d in np.unique(dcode[differ]):
            bad.setdefault(int(d), f"the rows of this dossier disagree on column '{col}' "
                                   f"(one value per dossier expected); allowed: the same {col} on every member's row")
    return bad


def _numeric(wide: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Score cells as float (NaN = empty) and a mask of cells that are not whole non-negative numbers."""
    n = len(wide)
    values = np.full((n, len(cols)), np.nan)
    bad = np.zeros((n, len(cols)), dtype=bool)
    for j, col in enumerate(cols):
        raw = wide[col]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            num = raw.to_numpy(dtype=float, na_value=np.nan)
            present = ~np.isnan(num)
        else:
            num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            present = raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
        values[:, j] = num
        with np.errstate(invalid="ignore"):
            bad[:, j] = present & (np.isnan(num) | (num != np.floor(num)) | (num < 0))
    return values, bad


def _resolve_sets(meta: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Set id and evaluation date per dossier (None / NaT where they cannot be resolved)."""
    nd = len(meta)
    days = pd.to_datetime(meta["evaluated_on"].astype(str).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    set_ids = np.full(nd, None, dtype=object)
    given = meta["criteria_set"] if "criteria_set" in meta else pd.Series([None] * nd)
    given = given.where(given.notna(), None).to_numpy(dtype=object)
    sets = crit.load_all()
    d64 = days.to_numpy()
    for sid, cs in sets.items():
        start = np.datetime64(cs.start)
        last = cs.lapses or cs.end
        accepts = (d64 >= start) & ((d64 <= np.datetime64(last)) if last else True)
        in_force = (d64 >= start) & ((d64 <= np.datetime64(cs.end)) if cs.end else True)
        set_ids[(given == sid) & accepts] = sid
        set_ids[pd.isna(given) & in_force] = sid
    return set_ids, d64


def _rank(results: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Rank within groups by total desc, Part C desc, Part A desc, dossier_id asc (1 = best)."""
    keyed = results[by].astype(str).fillna("")
    order = results.assign(**{f"_k{i}": keyed[c] for i, c in enumerate(by)}).sort_values(
        [f"_k{i}" for i in range(len(by))] + ["total", "part_C", "part_A", "dossier_id"],
        ascending=[True] * len(by) + [False, False, False, True], kind="stable")
    ranks = order.groupby([f"_k{i}" for i in range(len(by))], sort=False).cumcount().to_numpy() + 1
    out = np.empty(len(results), dtype=np.int64)
    out[results.index.get_indexer(order.index)] = ranks
    return out


def evaluate_batch(frame: pd.DataFrame, *, overrides: Mapping[str, Any] | None = None, progress: bool = False,
                   source: str = "table") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every dossier of a wide or long table; return (results, rejects).

    Every dossier ends up in exactly one of the two frames. `results` has one row per dossier
    with the Result fields and three ranks (within criteria set × form, province, district; tie
    break: total desc, Part C desc, Part A desc, dossier_id asc). `rejects` lists each rejected
    dossier with the message the single path (`evaluate`) gives for it.
    """
    wide = to_wide(normalise_columns(frame, source), source)
    crit_cols = criterion_columns(wide)
    dcode, ids = pd.factorize(wide["dossier_id"].astype(str), sort=False)
    row_arrays = (wide["dossier_id"].astype(str).to_numpy(dtype=object),
                  wide["member"].astype(str).to_numpy(dtype=object))
    nd = len(ids)
    first_row = np.unique(dcode, return_index=True)[1]
    n_members = np.bincount(dcode, minlength=nd)
    meta_cols = [c for c in ("criteria_set", "form", "level", "evaluated_on", "findings", "story_exists", *PRODUCT)
                 if c in wide.columns]
    meta = wide.iloc[first_row][meta_cols].reset_index(drop=True)
    reasons: dict[int, str] = _inconsistent(wide, dcode, first_row, meta_cols)
    suspicious = np.zeros(nd, dtype=bool)
    hard = np.zeros(nd, dtype=bool)  # table-level problems the single path cannot see: never rescued
    hard[list(reasons)] = True

    values, badcell = _numeric(wide, crit_cols)
    col_index = {c: j for j, c in enumerate(crit_cols)}
    suspicious |= np.bincount(dcode, weights=badcell.any(axis=1), minlength=nd) > 0

    dup_member = pd.Series(list(zip(dcode, _codes(wide["member"].astype(str))))).duplicated().to_numpy()
    suspicious |= np.bincount(dcode, weights=dup_member, minlength=nd) > 0
    suspicious |= np.bincount(dcode, weights=wide["member"].isna().to_numpy(), minlength=nd) > 0

    set_ids, days = _resolve_sets(meta)
    suspicious |= pd.isna(set_ids) | pd.isna(days)

    findings = np.empty(nd, dtype=object)
    findings[:] = [findings_value(v) for v in meta["findings"].tolist()] if "findings" in meta else [[]] * nd
    story = (np.array([_story(v) for v in meta["story_exists"].tolist()], dtype=object) if "story_exists" in meta
             else np.full(nd, None, dtype=object))
    meta_np = {c: meta[c].to_numpy(dtype=object) for c in meta.columns}

    # group dossiers by (set, form); unknown forms are suspicious
    form_slug = np.full(nd, None, dtype=object)
    sets = crit.load_all()
    forms_given = meta["form"].to_numpy(dtype=object)
    for sid, cs in sets.items():
        in_set = set_ids == sid
        for alias_or_slug in pd.unique(forms_given[in_set]):
            if isinstance(alias_or_slug, str) and cs.has_form(alias_or_slug) and cs.form(alias_or_slug).status != "missing":
                form_slug[in_set & (forms_given == alias_or_slug)] = cs.form(alias_or_slug).slug
    suspicious |= pd.isna(form_slug)

    # per-dossier knock-outs, findings, levels
    group_key = np.array([f"{s}|{f}" for s, f in zip(set_ids, form_slug)], dtype=object)
    result_parts: list[pd.DataFrame] = []
    kept_mask = np.zeros(nd, dtype=bool)
    groups = [g for g in pd.unique(group_key) if "None" not in g.split("|")]
    iterator = groups
    if progress:
        from tqdm import tqdm

        iterator = tqdm(groups, desc="scoring", unit="form", leave=False)
    owner_rows = np.argsort(dcode, kind="stable")  # rows grouped by dossier code
    starts = np.searchsorted(dcode[owner_rows], np.arange(nd))
    for gkey in iterator:
        sid, slug = gkey.split("|")
        cs = sets[sid]
        form = cs.forms[slug]
        gdossiers = np.flatnonzero(group_key == gkey)
        out = _score_group(cs, form, gdossiers, wide, dcode, owner_rows, starts, n_members, values, col_index,
                           crit_cols, meta_np, days, findings, story, suspicious | hard, hard, row_arrays, overrides)
        if out is not None:
            frame_g, scored = out
            result_parts.append(frame_g)
            kept_mask[scored] = True

    # everything not scored is re-checked by the single path, which words the reason
    rejects = []
    for d in np.flatnonzero(~kept_mask):
        rows = np.flatnonzero(dcode == d)
        reason = reasons.get(int(d))
        if reason is None:
            dossier = next(dossier_dicts(wide.iloc[rows]))
            try:
                parse_dossier(dossier)
                reason = "internal: the batch checks rejected a dossier the single path accepts (please report)"
            except DossierInvalid as exc:
                reason = "; ".join(str(i) for i in exc.issues)
        rejects.append({"dossier_id": str(ids[d]), "rows": ",".join(str(r + 2) for r in rows), "reason": reason})
    results = pd.concat(result_parts, ignore_index=True) if result_parts else pd.DataFrame(columns=RESULT_COLUMNS)
    if len(results):
        results = results.sort_values("dossier_id", kind="stable").reset_index(drop=True)
        results["rank_form"] = _rank(results, ["criteria_set", "form"])
        results["rank_province"] = _rank(results, ["province"]) if "province" in results else pd.NA
        results["rank_district"] = _rank(results, ["province", "district"]) if "district" in results else pd.NA
    for col in RESULT_COLUMNS:
        if col not in results:
            results[col] = pd.NA
    return results[RESULT_COLUMNS], pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def _score_group(cs: CriteriaSet, form: Form, gd: np.ndarray, wide: pd.DataFrame, dcode: np.ndarray,
                 owner_rows: np.ndarray, starts: np.ndarray, n_members: np.ndarray, values: np.ndarray,
                 col_index: Mapping[str, int], crit_cols: list[str], meta_np: Mapping[str, np.ndarray],
                 days: np.ndarray, findings: np.ndarray, story: np.ndarray, suspicious: np.ndarray, hard: np.ndarray,
                 row_arrays: tuple[np.ndarray, np.ndarray], overrides: Mapping[str, Any] | None) -> tuple[pd.DataFrame, np.ndarray] | None:
    arrays = form.arrays
    leaves = form.leaves
    nl = len(leaves)
    # rows of the group's dossiers, contiguous per dossier
    counts = n_members[gd]
    rows = np.concatenate([owner_rows[starts[d]:starts[d] + n_members[d]] for d in gd]) if len(gd) else np.array([], int)
    local = np.repeat(np.arange(len(gd)), counts)  # dossier position within the group, per row
    bounds = np.r_[0, np.cumsum(counts)[:-1]]

    leaf_cols = [col_index.get(leaf.number, -1) for leaf in leaves]
    P = np.full((len(rows), nl), np.nan)
    for li, j in enumerate(leaf_cols):
        if j >= 0:
            P[:, li] = values[rows, j]
    foreign = [j for c, j in col_index.items() if c not in set(form.leaf_numbers)]
    bad = np.zeros(len(gd), dtype=bool)
    if foreign:
        bad |= np.bincount(local, weights=(~np.isnan(values[np.ix_(rows, foreign)])).any(axis=1), minlength=len(gd)) > 0

    present = ~np.isnan(P)
    pint = np.where(present, P, 0).astype(np.int64)
    out_of_range = present & ((pint > arrays.valid.shape[1] - 1) | (pint < 0))
    pint_c = np.clip(pint, 0, arrays.valid.shape[1] - 1)
    valid = arrays.valid[np.arange(nl)[None, :], pint_c]
    invalid_cell = present & (~valid | out_of_range)
    bad |= np.bincount(local, weights=invalid_cell.any(axis=1), minlength=len(gd)) > 0

    # applicability (story) and completeness
    fl = findings[gd]
    knocked_given = np.array([any(f in cs.knockouts for f in fs) for fs in fl], dtype=bool)
    known = set(cs.knockouts) | {r["finding"] for r in cs.star_minimums.get("requirements", []) or [] if r.get("finding")}
    bad |= np.array([any(f not in known for f in fs) for fs in fl], dtype=bool)
    st = story[gd]
    bad |= np.array([v not in (None, True, False) for v in st], dtype=bool)
    scored_any = np.add.reduceat(present.astype(np.int64), bounds, axis=0) > 0 if len(rows) else np.zeros((0, nl), bool)
    scored_all = np.add.reduceat(present.astype(np.int64), bounds, axis=0) == counts[:, None] if len(rows) else scored_any
    story_leaf = arrays.story
    st_true = np.array([v is True for v in st])
    st_false = np.array([v is False for v in st])
    st_none = np.array([v is None for v in st])
    applicable = np.ones((len(gd), nl), dtype=bool)
    applicable[:, story_leaf] = (st_true[:, None] | (st_none[:, None] & scored_any[:, story_leaf]))
    bad |= (st_false[:, None] & scored_any & story_leaf[None, :]).any(axis=1)
    incomplete = (applicable & ~scored_all).any(axis=1) & ~knocked_given
    bad |= incomplete

    # levels and periods
    gdays = days[gd]
    period_ids = np.full(len(gd), None, dtype=object)
    for period in cs.periods:
        end_ok = (gdays <= np.datetime64(period.end)) if period.end else np.ones(len(gd), bool)
        period_ids[(gdays >= np.datetime64(period.start)) & end_ok] = period.id
    levels = meta_np["level"][gd]
    for period in cs.periods:
        in_p = period_ids == period.id
        bad |= in_p & ~np.isin(levels, list(period.levels))
    bad |= pd.isna(period_ids)
    bad |= suspicious[gd]

    # re-check flagged dossiers with the single path; those it accepts are scored here after all
    flagged = np.flatnonzero(bad)
    if len(flagged):
        ok_after_all = []
        for k in flagged:
            d = gd[k]
            if hard[d]:
                continue
            dossier = next(dossier_dicts(wide.iloc[np.sort(owner_rows[starts[d]:starts[d] + n_members[d]])]))
            try:
                parse_dossier(dossier)
                ok_after_all.append(k)
            except DossierInvalid:
                pass
        bad[ok_after_all] = False
    keep = ~bad
    if not keep.any():
        return None

    # aggregation over kept dossiers
    kd = np.flatnonzero(keep)
    row_keep = keep[local]
    Pk = np.where(present[row_keep], P[row_keep], 0.0)
    cnt = counts[kd].astype(np.float64)
    kbounds = np.r_[0, np.cumsum(counts[kd])[:-1]]
    member_totals = Pk.sum(axis=1)
    crit_sums = np.add.reduceat(Pk, kbounds, axis=0)
    crit_means = crit_sums / cnt[:, None]
    total = np.add.reduceat(member_totals, kbounds) / cnt
    spread = np.maximum.reduceat(member_totals, kbounds) - np.minimum.reduceat(member_totals, kbounds)
    part_sums = {p: np.add.reduceat(Pk[:, arrays.part_index == i].sum(axis=1), kbounds) / cnt
                 for i, p in enumerate("ABC")}
    app_k = applicable[kd]
    n = len(kd)
    owner = np.arange(n)

    doubtful_hit = present[row_keep] & arrays.doubtful[np.arange(nl)[None, :], np.clip(pint[row_keep], 0, arrays.doubtful.shape[1] - 1)]
    doubtful_any = np.add.reduceat(doubtful_hit.astype(np.int64), kbounds, axis=0) > 0
    doubtful_text = np.array([", ".join(leaves[i].number for i in np.flatnonzero(r)) for r in doubtful_any], dtype=object) \
        if doubtful_any.any() else np.full(n, "", dtype=object)

    kdays = gdays[kd]
    transition = ~((kdays >= np.datetime64(cs.start)) & ((kdays <= np.datetime64(cs.end)) if cs.end else True))
    sm = cs.star_minimums
    gap = any(r.get("tag") == "GAP" for r in sm.get("requirements", []) or []) and sm.get("mechanism") == "findings"
    minimums_gap = gap & ((kdays >= np.datetime64(sm["from"])) if sm.get("from") else np.ones(n, bool))

    klevels = levels[kd]
    kperiods = period_ids[kd]
    out = {
        "dossier_id": None, "criteria_set": cs.id, "form": form.slug, "level": klevels, "period": kperiods,
        "members": counts[kd], "total": total, "max_total": form.max,
        "part_A": part_sums["A"], "part_B": part_sums["B"], "part_C": part_sums["C"],
    }
    res_cols = {k: np.empty(n, dtype=object) for k in ("band_stars", "stars", "status", "recognised_by", "escalate_to",
                                                          "unmet_minimums", "knockouts", "warnings")}
    for period in cs.periods:
        sel = np.flatnonzero(kperiods == period.id)
        if not len(sel):
            continue
        _, rules = compiled_rules(cs, period, overrides)
        dec = VecDecisions(len(sel))
        own = np.arange(len(sel))
        run_stage(rules, "form", {
            "status": np.full(len(sel), form.status, dtype=object),
            "provenance": np.full(len(sel), form.provenance.get("tag", "GAP"), dtype=object),
            "uses_doubtful": doubtful_any[sel].any(axis=1), "transition": transition[sel],
            "minimums_gap": np.asarray(minimums_gap)[sel] if np.ndim(minimums_gap) else np.full(len(sel), bool(minimums_gap)),
        }, own, dec)
        na_d, na_l = np.nonzero(~app_k[sel])
        run_stage(rules, "criterion", {
            "criterion": np.array([leaves[i].number for i in na_l], dtype=object),
            "applies_when": np.array([leaves[i].applies_when for i in na_l], dtype=object),
            "applicable": np.zeros(len(na_l), dtype=bool),
        }, na_d, dec)
        run_stage(rules, "score", {"total": total[sel], "spread": spread[sel], "level": klevels[sel],
                                   "members": counts[kd][sel]}, own, dec)
        m_rows = None
        if sm.get("mechanism") == "option_marks":
            mark_leaf, mark_k = np.nonzero(arrays.star_min)
            need = arrays.star_min[mark_leaf, mark_k].astype(np.int64)
            stars = np.asarray(STAR_LEVELS)[mark_k]
            nm = len(mark_leaf)
            m_owner = np.repeat(np.arange(len(sel)), nm)
            m_leaf = np.tile(mark_leaf, len(sel))
            m_app = app_k[sel][m_owner, m_leaf]
            m_rows = {
                "criterion": np.tile(np.array([leaves[i].number for i in mark_leaf], dtype=object), len(sel))[m_app],
                "stars": np.tile(stars, len(sel))[m_app], "need": np.tile(need, len(sel))[m_app],
                "mean": crit_means[sel][m_owner, m_leaf][m_app],
                "marks": np.tile(np.array([MARKS[s] for s in stars], dtype=object), len(sel))[m_app],
                "requirement": np.tile(np.array([f"{leaves[i].number} {leaves[i].label} ≥ {int(nd_)} ({MARKS[s]})"
                                                 for i, nd_, s in zip(mark_leaf, need, stars)], dtype=object),
                                       len(sel))[m_app],
            }
            run_stage(rules, "minimum", m_rows, m_owner[m_app], dec)
        f_owner, f_rows = [], {"finding": [], "effect": [], "stars": [], "label": [], "label_en": []}
        reqs = {r["finding"]: r for r in sm.get("requirements", []) or [] if r.get("finding")}
        for i, fs in enumerate(fl[kd][sel]):
            for fid in fs:
                f_owner.append(i)
                if fid in cs.knockouts:
                    k = cs.knockouts[fid]
                    vals = (fid, k.effect, np.nan, k.label, k.label_en)
                else:
                    r = reqs[fid]
                    vals = (fid, "minimum", float(r["stars"]), r["text"], r.get("text_en", r["text"]))
                for key, v in zip(f_rows, vals):
                    f_rows[key].append(v)
        f_table = {k: np.array(v, dtype=float if k == "stars" else object) for k, v in f_rows.items()}
        run_stage(rules, "finding", f_table, np.asarray(f_owner, dtype=np.int64), dec)
        if not dec.assigned["band_stars"].all():
            raise EngineError("no band rule fired for some dossiers: the bands do not cover the total")
        n_ko = np.bincount(np.concatenate([w for _, w, _ in dec.knockouts]) if dec.knockouts else np.array([], int),
                           minlength=len(sel))
        run_stage(rules, "award", {"band_stars": dec.values["band_stars"].astype(np.int64), "cap": dec.cap.astype(np.int64),
                                   "knocked_out": dec.knocked_out, "n_knockouts": n_ko}, own, dec)
        if not dec.assigned["stars"].all():
            raise EngineError("no award rule fired for some dossiers")
        run_stage(rules, "outcome", {"stars": dec.values["stars"].astype(np.int64), "level": klevels[sel],
                                     "total": total[sel], "knocked_out": dec.knocked_out}, own, dec)
        if not dec.assigned["status"].all():
            raise EngineError("no outcome rule fired for some dossiers")
        for key in ("band_stars", "stars", "status", "recognised_by", "escalate_to"):
            res_cols[key][sel] = dec.values[key]
        res_cols["knockouts"][sel] = _lists(len(sel), dec.knockouts, lambda r, rows: f_table["finding"][rows])
        res_cols["unmet_minimums"][sel] = _lists(
            len(sel), dec.unmet,
            lambda r, rows: m_rows["requirement"][rows] if r.stage == "minimum" else f_table["label"][rows])
        res_cols["warnings"][sel] = _lists(len(sel), dec.warnings,
                                           lambda r, rows: np.full(len(rows), r.effects["warning"], dtype=object))

    frame = pd.DataFrame({k: v for k, v in out.items() if v is not None})
    ids_all, members_all = row_arrays
    frame.insert(0, "dossier_id", ids_all[owner_rows[starts[gd[kd]]]])
    for k, v in res_cols.items():
        frame[k] = v
    frame["evaluated_on"] = pd.to_datetime(kdays).strftime("%Y-%m-%d")
    for c in PRODUCT:
        if c in meta_np:
            frame[c] = meta_np[c][gd[kd]]
    pairs = [f"{m}={t:g}" for m, t in zip(members_all[rows[row_keep]], member_totals.tolist())]
    frame["member_totals"] = [";".join(pairs[b:b + c]) for b, c in zip(kbounds.tolist(), counts[kd].tolist())]
    for c in ("band_stars", "stars"):
        frame[c] = frame[c].astype(np.int64)
    return frame, gd[kd]


def _story(v: Any) -> Any:
    from .frame import story_value

    return story_value(v)


def _lists(n: int, items: list, text) -> np.ndarray:
    """Per-dossier ';'-joined lists from (rule, owners, fact rows), ordered as the rule engine orders
    them (stage, fact row, rule); `text(rule, rows)` gives the entries' texts as an array."""
    out = np.full(n, "", dtype=object)
    if not items:
        return out
    who = np.concatenate([w for _, w, _ in items])
    stage = np.concatenate([np.full(len(w), STAGES.index(r.stage)) for r, w, _ in items])
    row = np.concatenate([rows for _, _, rows in items])
    order = np.concatenate([np.full(len(w), k) for k, (_, w, _) in enumerate(items)])
    texts = np.concatenate([np.asarray(text(r, rows), dtype=object) for r, _, rows in items])
    idx = np.lexsort((order, row, stage, who))
    w = who[idx]
    t = texts[idx].tolist()
    cuts = np.r_[0, np.flatnonzero(np.diff(w)) + 1, len(w)]
    out[w[cuts[:-1]]] = [";".join(t[a:b]) for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist())]
    return out
