"""`plan`: which products to support, with which upgrades, to meet a plan's star targets at least cost.

Targets are cumulative, as plans count them: "4:2,3:3" means at least 2 products with 4 stars or
more, and at least 3 further products with 3 stars or more (so ≥ 5 products with ≥ 3★). Each
product's options are "as it is" or its exact cheapest plan to each higher star level
(`upgrade_plan`); a dynamic programme over products, whose state is the capped count reached at each
target level, picks the cheapest combination. When the cheapest exceeds the budget, the best
partial plan within it (most target places filled, then least cost) and the shortfall are reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np

from ..result import Result
from .costs import CostModel
from .upgrade import Plan, upgrade_plan


def parse_targets(text: str | Mapping[int, int]) -> dict[int, int]:
    """'4:2,3:3' -> {4: 2, 3: 3}."""
    if isinstance(text, Mapping):
        items = {int(k): int(v) for k, v in text.items()}
    else:
        items = {}
        for part in str(text).split(","):
            if not part.strip():
                continue
            stars, _, count = part.partition(":")
            items[int(stars)] = int(count)
    for stars, count in items.items():
        if not 1 <= stars <= 5 or count < 0:
            raise ValueError(f"target {stars}:{count}: stars must be 1..5 and the count ≥ 0")
    return dict(sorted(items.items(), reverse=True))


def parse_rewards(text: str | Mapping[int, float] | None) -> dict[int, float]:
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return {int(k): float(v) for k, v in text.items()}
    out = {}
    for part in str(text).split(","):
        if part.strip():
            stars, _, amount = part.partition(":")
            out[int(stars)] = float(amount)
    return out


@dataclass
class ProductChoice:
    dossier_id: str
    stars_before: int
    stars_after: int
    cost: float
    plan: Plan | None

    def as_dict(self) -> dict[str, Any]:
        return {"dossier_id": self.dossier_id, "stars_before": self.stars_before, "stars_after": self.stars_after,
                "cost": self.cost, "upgrades": [u.as_dict() for u in self.plan.upgrades] if self.plan else [],
                "prerequisites": self.plan.prerequisites if self.plan else [],
                "result_after": self.plan.result_after.to_dict() if self.plan and self.plan.result_after else None}


@dataclass
class CohortPlan:
    feasible: bool
    cost: float
    budget: float | None
    targets: dict[int, int]
    counts_before: dict[int, int]
    counts_after: dict[int, int]
    supported: list[ProductChoice] = field(default_factory=list)
    shortfall: float = 0.0
    unmet_targets: dict[int, int] = field(default_factory=dict)
    reward_before: float = 0.0
    reward_after: float = 0.0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible, "cost": self.cost, "budget": self.budget,
            "targets": self.targets, "counts_before": self.counts_before, "counts_after": self.counts_after,
            "shortfall": self.shortfall, "unmet_targets": self.unmet_targets,
            "upgrades": [u for c in self.supported for u in
                         ({**up, "dossier_id": c.dossier_id} for up in c.as_dict()["upgrades"])],
            "products": [c.as_dict() for c in self.supported],
            "rewards": {"before": self.reward_before, "after": self.reward_after,
                        "increase": self.reward_after - self.reward_before},
            "note": self.note,
        }


def _counts(stars: Iterable[int], levels: list[int]) -> dict[int, int]:
    s = list(stars)
    return {lvl: sum(1 for x in s if x >= lvl) for lvl in levels}


def plan(results: Iterable[Result], targets: str | Mapping[int, int], budget: float | None = None,
         costs: CostModel | None = None, rewards: str | Mapping[int, float] | None = None) -> CohortPlan:
    """Cheapest support plan meeting `targets` within `budget` (None = unlimited)."""
    results = list(results)
    tg = parse_targets(targets)
    levels = list(tg)  # descending
    req = np.cumsum([tg[lvl] for lvl in levels]).astype(np.int64)  # cumulative requirement per level
    rw = parse_rewards(rewards)

    # options per product: (stars, cost, plan)
    options: list[list[tuple[int, float, Plan | None]]] = []
    for r in results:
        row: list[tuple[int, float, Plan | None]] = [(r.stars, 0.0, None)]
        for t in range(r.stars + 1, max(levels, default=0) + 1):
            p = upgrade_plan(r, t, costs)
            # a knocked-out product cannot be bought back with points: it is not an option
            if p.feasible and not p.prerequisites and p.result_after is not None:
                row.append((p.result_after.stars, p.cost, p))
        options.append(row)

    radix = (req + 1).astype(np.int64)
    n_states = int(np.prod(radix)) if len(radix) else 1
    # decode state index -> counts per level
    counts = np.zeros((n_states, len(levels)), dtype=np.int64)
    rem = np.arange(n_states)
    for j in range(len(levels) - 1, -1, -1):
        counts[:, j] = rem % radix[j]
        rem //= radix[j]
    mult = np.ones(len(levels), dtype=np.int64)
    for j in range(len(levels) - 2, -1, -1):
        mult[j] = mult[j + 1] * radix[j + 1]

    # increment pattern for final stars s: +1 at every level ≤ s
    def successor(s: int) -> np.ndarray:
        inc = np.array([1 if s >= lvl else 0 for lvl in levels], dtype=np.int64)
        new = np.minimum(counts + inc, req)
        return (new * mult).sum(axis=1) if len(levels) else np.zeros(n_states, dtype=np.int64)

    INF = np.inf
    dp = np.full(n_states, INF)
    dp[0] = 0.0
    back_prev: list[np.ndarray] = []
    back_opt: list[np.ndarray] = []
    succ_cache: dict[int, np.ndarray] = {}
    for row in options:
        cand_state, cand_cost, cand_prev, cand_opt = [], [], [], []
        for oi, (s, c, _) in enumerate(row):
            succ = succ_cache.setdefault(s, successor(s))
            ok = np.isfinite(dp)
            cand_state.append(succ[ok])
            cand_cost.append(dp[ok] + c)
            cand_prev.append(np.flatnonzero(ok))
            cand_opt.append(np.full(int(ok.sum()), oi))
        st = np.concatenate(cand_state)
        co = np.concatenate(cand_cost)
        pv = np.concatenate(cand_prev)
        op = np.concatenate(cand_opt)
        order = np.lexsort((op, co, st))
        st, co, pv, op = st[order], co[order], pv[order], op[order]
        first = np.r_[True, st[1:] != st[:-1]]
        new_dp = np.full(n_states, INF)
        prev = np.full(n_states, -1, dtype=np.int64)
        opt = np.full(n_states, -1, dtype=np.int64)
        new_dp[st[first]] = co[first]
        prev[st[first]] = pv[first]
        opt[st[first]] = op[first]
        dp = new_dp
        back_prev.append(prev)
        back_opt.append(opt)

    full = n_states - 1 if len(levels) else 0
    limit = np.inf if budget is None else float(budget)
    if np.isfinite(dp[full]) and dp[full] <= limit:
        final, feasible = full, True
    else:
        within = np.flatnonzero(dp <= limit)
        coverage = counts[within].sum(axis=1) if len(levels) else np.zeros(len(within))
        pick = np.lexsort((dp[within], -coverage))[0]
        final, feasible = int(within[pick]), False

    chosen: list[int] = [0] * len(options)
    state = final
    for i in range(len(options) - 1, -1, -1):
        chosen[i] = int(back_opt[i][state])
        state = int(back_prev[i][state])

    supported = []
    after_stars = []
    for r, row, oi in zip(results, options, chosen):
        s, c, p = row[oi]
        after_stars.append(s)
        if p is not None:
            supported.append(ProductChoice(r.dossier_id, r.stars, s, c, p))
    cost = float(sum(c.cost for c in supported))
    before_counts = _counts((r.stars for r in results), levels)
    after_counts = _counts(after_stars, levels)
    need = {lvl: int(req[j]) for j, lvl in enumerate(levels)}
    unmet = {lvl: need[lvl] - after_counts[lvl] for lvl in levels if after_counts[lvl] < need[lvl]}
    note = ("targets are cumulative: a product with more stars also counts toward lower targets; "
            f"needed counts of products with at least k stars: {need}")
    return CohortPlan(
        feasible=feasible, cost=cost, budget=budget, targets=tg, counts_before=before_counts,
        counts_after=after_counts, supported=supported,
        shortfall=float(max(0.0, dp[full] - limit)) if np.isfinite(dp[full]) and budget is not None else (
            0.0 if feasible else float("inf")),
        unmet_targets=unmet, reward_before=sum(rw.get(r.stars, 0.0) for r in results),
        reward_after=sum(rw.get(s, 0.0) for s in after_stars), note=note,
    )
