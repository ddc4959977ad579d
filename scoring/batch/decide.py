"""The decisions of a batch, taken once per (criteria set, period) for the dossiers of every form.

The facts of all form groups of one set and period are stacked and run through the vectorized
executor stage by stage, in the order `rules/semantics.py` declares for the rule engine too (the
dossier's stages, then the award and outcome facts built from the decisions), the same concrete
rules; per-dossier lists (unmet minimums, knock-outs, warnings) come out in the engine's order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..engine.vector_backend import LazyTable, VecDecisions, run_stage
from ..errors import EngineError
from ..rules.semantics import APPEND, DECISIONS, EFFECTS, FINAL, LISTS, PLAN, STAGES, check_effects, missing, needs
from ..rules.spec import Rule
from .group import PeriodFacts

__all__ = ["DECISIONS", "LISTS", "decide", "joined"]
_FACT_STAGES = tuple(s.name for s in PLAN if s.derived is None)


def _stack(facts: list[PeriodFacts]) -> tuple[int, dict[str, tuple[LazyTable, np.ndarray]], np.ndarray]:
    """One table per stage over all parts; owners and requirement codes shifted to the stacked numbering."""
    sizes = [len(f.sel) for f in facts]
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    req_offsets = np.r_[0, np.cumsum([len(f.requirements) for f in facts])[:-1]]
    stacked = {}
    for stage in _FACT_STAGES:
        present = [(f, o, ro) for f, o, ro in zip(facts, offsets, req_offsets) if stage in f.tables]
        if not present:
            continue
        def column(k: str, present=present, stage=stage) -> np.ndarray:  # bound now, built later
            cols = [f.tables[stage][0][k] for f, _, _ in present]
            if k == "requirement_code":
                cols = [c + ro for c, (_, _, ro) in zip(cols, present)]
            out = np.concatenate(cols) if len(cols) > 1 else cols[0]
            # the rules only compare the level (==): numpy text compares in C, three times faster
            # than Python str objects, and the outcome stage compares it once per recognition rule
            return out.astype(str) if stage == "score" and k == "level" else out

        table = LazyTable({k: (lambda k=k, column=column: column(k)) for k in present[0][0].tables[stage][0]})
        owner = np.concatenate([f.tables[stage][1] + o for f, o, _ in present])
        stacked[stage] = (table, owner)
    requirements = np.concatenate([f.requirements for f in facts]) if facts else np.empty(0, dtype=object)
    return int(sum(sizes)), stacked, requirements


def decide(rules: tuple[Rule, ...], facts: list[PeriodFacts]) -> dict[str, np.ndarray]:
    """Decisions and lists for the stacked dossiers of `facts` (in their order)."""
    check_effects(rules)
    n, tables, requirements = _stack(facts)
    dec = VecDecisions(n)
    own = np.arange(n)
    for stage in PLAN:
        if stage.derived is None:
            if stage.name in tables:
                run_stage(rules, stage.name, tables[stage.name][0], tables[stage.name][1], dec)
            continue
        _require(dec, needs(stage))
        tables[stage.name] = (_derived_table(stage, dec, tables), own)
        run_stage(rules, stage.name, tables[stage.name][0], own, dec)
    _require(dec, FINAL)
    out = {key: dec.values[key] for key in DECISIONS}
    finding = tables.get("finding", ({"finding": np.empty(0, object), "label": np.empty(0, object)}, None))[0]
    minimum = tables.get("minimum", ({"requirement_code": np.empty(0, np.int64)}, None))[0]

    def entry(r: Rule, rows: np.ndarray, target: str) -> tuple[np.ndarray | list, np.ndarray]:
        """An entry that is the effect's value: the matched facts' field, or the constant."""
        raw = next(v for k, v in r.effects.items() if EFFECTS[k].target == target)
        if isinstance(raw, str) and raw.startswith("@"):
            return tables[r.stage][0][raw[1:]], rows
        return [raw], np.zeros(len(rows), int)

    facts_text = {  # how a list whose entries are facts reads in a batch row
        "unmet_minimums": lambda r, rows: (requirements, minimum["requirement_code"][rows]) if r.stage == "minimum"
        else (finding["label"], rows),
    }
    for key, eff in EFFECTS.items():
        if eff.combine != APPEND or eff.target in out:
            continue
        if eff.entry == "fact" and eff.target not in facts_text:  # a new list must say how it reads
            raise EngineError(f"effect {key}: the batch has no text for the facts of list {eff.target}")
        text = facts_text[eff.target] if eff.entry == "fact" else (lambda r, rows, t=eff.target: entry(r, rows, t))
        out[eff.target] = _lists(n, dec.lists[eff.target], text)
    return out


def _require(dec: VecDecisions, names: tuple[str, ...]) -> None:
    for name in names:
        if not dec.assigned[name].all():
            raise EngineError(f"{missing(name)} (for some dossiers)")


def _derived_table(stage, dec: VecDecisions, tables) -> dict[str, np.ndarray]:
    """The fact columns of a derived stage (award, outcome), one row per dossier, as `stage.derived` declares."""
    out = {}
    for fld, (source, name) in stage.derived.items():
        if source == "decision":
            col = dec.values[name]
            # the rules compare numbers: a column of Python ints as int64, compared in C
            out[fld] = col.astype(np.int64) if len(col) and isinstance(col[0], (int, np.integer)) else col
        elif source == "combined":
            col = dec.combined[name]
            out[fld] = col.astype(np.int64) if col.dtype != bool else col
        elif source == "count":
            owners = [w for _, w, _ in dec.lists[name]]
            out[fld] = np.bincount(np.concatenate(owners) if owners else np.array([], int), minlength=dec.n)
        elif source == "score":
            out[fld] = tables["score"][0][name]
        else:  # pragma: no cover - semantics.py declares only these sources
            raise EngineError(f"stage {stage.name}: unknown fact source {source}")
    return out


def joined(texts: np.ndarray, codes: np.ndarray, counts: np.ndarray, as_arrow: bool = False) -> np.ndarray | pa.Array:
    """';'-joined text per owner: owner k's entries are texts[codes[...]] for the next counts[k]
    codes (codes grouped by owner, in order), taken and joined by Arrow kernels. For lists that
    every owner has (member totals); `_lists` joins each distinct list once instead, which is
    cheaper when owners share lists (then building one Python string per owner dominates).
    `as_arrow`: the Arrow array itself, no Python strings built."""
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    flat = pa.array(texts, type=pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat)
    out = pc.binary_join(lists, ";")
    return out if as_arrow else out.to_numpy(zero_copy_only=False)


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
    row = np.concatenate([rows for _, _, rows in items])
    rank = np.repeat(np.arange(len(items), dtype=np.int64), [len(w) for _, w, _ in items])
    stage = np.array([STAGES.index(r.stage) for r, _, _ in items], dtype=np.int64)[rank]
    idx = _entry_order(who, stage, row, rank)
    w, code = who[idx], np.concatenate(codes)[idx]
    starts = np.r_[0, np.flatnonzero(np.diff(w)) + 1]
    length = np.diff(np.r_[starts, len(w)])
    slot = np.repeat(np.arange(len(starts)), length)
    matrix = np.full((len(starts), int(length.max())), -1, dtype=np.int64)
    matrix[slot, np.arange(len(w)) - starts[slot]] = code
    first, inverse = _equal_rows(matrix)
    # each distinct list's entries joined once: by Arrow in one call when there are many (an Arrow
    # call costs a few hundred µs, a Python join a few µs)
    n_first = length[first]
    if len(first) > _ARROW_JOIN:
        within = np.arange(int(n_first.sum())) - np.repeat(np.cumsum(n_first) - n_first, n_first)
        texts = joined(every, code[np.repeat(starts[first], n_first) + within], n_first).astype(object)
    else:
        texts = np.array([";".join(every[code[starts[f]:starts[f] + length[f]]].tolist()) for f in first.tolist()],
                         dtype=object)
    out[w[starts]] = texts[inverse]
    return out


_ARROW_JOIN = 100  # distinct lists above which one Arrow join beats Python's


def _entry_order(who: np.ndarray, stage: np.ndarray, row: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Entries ordered by (owner, stage, fact row, rule): one sort of a packed int64 key (each entry's
    is distinct) when the ranges fit in 62 bits, a four-key lexsort (several times slower) if not."""
    sizes = [int(a.max(initial=0)) + 1 for a in (stage, row, rank)]
    if (int(who.max(initial=0)) + 1) * sizes[0] * sizes[1] * sizes[2] < 2**62:
        return np.argsort(((who * sizes[0] + stage) * sizes[1] + row) * sizes[2] + rank, kind="stable")
    return np.lexsort((rank, row, stage, who))


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
