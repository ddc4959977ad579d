"""The vectorized executor: the same concrete rules, compiled to numpy masks over fact columns.

Facts of a stage are a table (dict of equal-length arrays) whose rows belong to dossiers
(`owner`); each rule becomes a boolean mask and its effects are combined as `rules/semantics.py`
declares for the rule engine too (set-once values must agree, caps take the minimum, knock-outs
any, lists append), so that the batch path cannot drift from the rule engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from ..errors import EngineError
from ..rules.semantics import ANY, APPEND, COMBINED, DECISIONS, LISTS, MIN, NOTE, OPTIONAL_STAGES, SET_ONCE, effect_of
from ..rules.spec import FieldRef, Rule

_CMP = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}


class LazyTable(Mapping[str, np.ndarray]):
    """Fact columns built on first use. A rule set reads a few fields of a stage's facts (the others
    serve the rule engine's explanations), so a batch need not build, say, a requirement text per
    fact row unless a rule asks for it. A column is an array or a function returning one."""

    def __init__(self, columns: Mapping[str, np.ndarray | Callable[[], np.ndarray]]) -> None:
        self._source = dict(columns)
        self._built: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._built:
            value = self._source[key]
            self._built[key] = value() if callable(value) else value
        return self._built[key]

    def __contains__(self, key: object) -> bool:  # Mapping's default would build the column
        return key in self._source

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)


def condition_mask(table: Mapping[str, np.ndarray], fld: str, op: str, value: Any, n: int) -> np.ndarray:
    if fld not in table:
        return np.zeros(n, dtype=bool)  # a fact without the field never matches (as in durable-rules)
    col = table[fld]
    if op in ("in", "not in"):
        hit = np.isin(col, np.asarray(list(value), dtype=col.dtype if col.dtype != object else object))
        return hit if op == "in" else ~hit
    rhs = table[value.field] if isinstance(value, FieldRef) else value
    if col.dtype == object or (isinstance(rhs, np.ndarray) and rhs.dtype == object):
        return np.asarray(_CMP[op](col, rhs), dtype=bool)
    return _CMP[op](col, rhs)


def rule_mask(rule: Rule, table: Mapping[str, np.ndarray], n: int,
              memo: dict[tuple, np.ndarray] | None = None) -> np.ndarray:
    """Rows that meet every condition of the rule. The result may be an array of `memo` (callers
    only read it). `memo` holds the condition masks of one stage's table: the rules of a stage
    share conditions (`knocked_out == False` opens 16 outcome rules, a level test 6), each is
    computed once. The conditions are a conjunction without side effects, so once no row is left
    the remaining ones are not evaluated."""
    if rule.never:
        return np.zeros(n, dtype=bool)
    m = None
    for c in rule.conditions:
        key = (c.field, c.op, type(c.value), c.value)  # the type too: True == 1 as a dict key
        try:
            cm = memo.get(key) if memo is not None else None
        except TypeError:  # an unhashable value: not shared
            key, cm = None, None
        if cm is None:
            cm = condition_mask(table, c.field, c.op, c.value, n)
            if memo is not None and key is not None:
                memo[key] = cm
        m = cm if m is None else m & cm
        if not m.any():
            break
    return np.ones(n, dtype=bool) if m is None else m


@dataclass
class VecDecisions:
    """Decisions for n dossiers, filled stage by stage: SET_ONCE decisions in `values` (with
    `assigned` saying which dossiers have one), MIN/ANY targets in `combined`, and for each APPEND
    list the (rule, owner indices, fact row indices) of its entries, turned into per-dossier lists
    later."""

    n: int
    values: dict[str, np.ndarray] = field(default_factory=dict)
    assigned: dict[str, np.ndarray] = field(default_factory=dict)
    combined: dict[str, np.ndarray] = field(default_factory=dict)
    lists: dict[str, list[tuple[Rule, np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in DECISIONS:
            self.values[key] = np.full(self.n, None, dtype=object)
            self.assigned[key] = np.zeros(self.n, dtype=bool)
        for target, eff in COMBINED.items():
            self.combined[target] = np.full(self.n, eff.initial, dtype=np.int16 if eff.combine == MIN else bool)
        self.lists = {target: [] for target in LISTS}

    @property
    def cap(self) -> np.ndarray:
        return self.combined["cap"]

    @property
    def knocked_out(self) -> np.ndarray:
        return self.combined["knocked_out"]


def run_stage(rules: tuple[Rule, ...], stage: str, table: Mapping[str, np.ndarray], owner: np.ndarray,
              dec: VecDecisions, stage_tables: dict[str, tuple[Mapping[str, np.ndarray], np.ndarray]] | None = None
              ) -> None:
    """Apply every rule of `stage` to the fact rows in `table` (row i belongs to dossier owner[i])."""
    n = len(owner)
    if stage_tables is not None:
        stage_tables[stage] = (table, owner)
    if n == 0:
        return
    handled = np.zeros(n, dtype=bool) if stage not in OPTIONAL_STAGES else None
    memo: dict[tuple, np.ndarray] = {}
    for rule in rules:
        if rule.stage != stage:
            continue
        m = rule_mask(rule, table, n, memo)
        if handled is not None:
            handled |= m
        effects = [(effect_of(rule.id, key), raw) for key, raw in rule.effects.items()]
        if all(eff.combine == NOTE for eff, _ in effects) or not m.any():  # a note decides nothing
            continue
        rows = np.flatnonzero(m)
        who = owner[rows]
        for eff, raw in effects:
            if eff.combine in (NOTE, APPEND):
                if eff.combine == APPEND:
                    dec.lists[eff.target].append((rule, who, rows))
                continue
            if isinstance(raw, str) and raw.startswith("@"):
                val = table[raw[1:]][rows]
            else:
                val = raw
            if eff.combine == SET_ONCE:
                key = eff.target
                vals = np.asarray(val, dtype=object) if np.ndim(val) else val  # a constant is assigned as one
                prior = np.flatnonzero(dec.assigned[key][who])  # most dossiers get each decision once
                if len(prior):
                    earlier = dec.values[key][who[prior]]
                    if (earlier != (vals[prior] if np.ndim(vals) else vals)).any():
                        raise EngineError(f"rules disagree on {key} (rule {rule.id}); the rule files overlap")
                dec.values[key][who] = vals
                dec.assigned[key][who] = True
            elif eff.combine == MIN:
                np.minimum.at(dec.combined[eff.target], who, np.asarray(val, dtype=np.int16))
            elif eff.combine == ANY:
                hit = np.broadcast_to(np.asarray(val, dtype=bool), who.shape)
                dec.combined[eff.target][who[hit]] = True
            else:  # pragma: no cover - semantics.py declares only the combinations above
                raise EngineError(f"rule {rule.id}: effect combines as {eff.combine!r}, which no executor knows")
    if handled is not None and not handled.all():
        row = int(np.flatnonzero(~handled)[0])
        raise EngineError(f"no rule handles {int((~handled).sum())} {stage} fact(s) (first: dossier {int(owner[row])}, "
                          f"{ {k: table[k][row] for k in ('finding', 'effect', 'stars', 'criterion') if k in table} }); "
                          "the rule files do not cover this case")
