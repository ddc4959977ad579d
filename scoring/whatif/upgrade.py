"""`upgrade_plan`: the exact minimum-cost criterion upgrades that give a product its target stars.

The choice is a multiple-choice knapsack: each criterion keeps its option or moves up to one of
its better options (cost from the CostModel, gain in council points), the total must reach the
target band, and every per-star minimum up to the target must hold. A dynamic programme over
criteria with the council-point gain as state (integer: points summed over members) gives the
optimum by construction; the plan is then re-scored through the rule engine to prove it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..dossier import MISSING, Dossier, parse_dossier
from ..evaluate import evaluate
from ..result import Result
from ..rules.params import rule_params
from .costs import CostModel

ASSUMPTIONS = {
    "all_members": "an upgrade moves every member's sheet to the new option (a member who already gave more keeps it)",
}


@dataclass
class Upgrade:
    criterion: str
    label: str
    from_points: int
    to_points: int
    cost: float
    cost_label: str | None
    mean_before: float
    mean_after: float

    def as_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "criterion_label": self.label, "from_points": self.from_points,
                "to_points": self.to_points, "cost": self.cost, "label": self.cost_label,
                "mean_before": self.mean_before, "mean_after": self.mean_after}


@dataclass
class Plan:
    dossier_id: str
    target_stars: int
    feasible: bool
    cost: float
    upgrades: list[Upgrade] = field(default_factory=list)
    prerequisites: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    stars_before: int | None = None
    result_after: Result | None = None
    assumption: str = ASSUMPTIONS["all_members"]
    cost_unit: str = "step"

    def as_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        out = {
            "dossier_id": self.dossier_id, "target_stars": self.target_stars, "feasible": self.feasible,
            "cost": self.cost, "cost_unit": self.cost_unit, "stars_before": self.stars_before,
            "upgrades": [u.as_dict() for u in self.upgrades], "prerequisites": self.prerequisites,
            "reason": self.reason, "assumption": self.assumption,
        }
        if with_result:
            out["result_after"] = self.result_after.to_dict() if self.result_after else None
        return out


def dossier_from_result(result: Result) -> dict[str, Any]:
    """The dossier a Result was computed from (scores, members, findings)."""
    sheets = [{"member": m, "scores": {c["id"]: c["points"][m] for c in result.criteria}} for m in result.members]
    findings = [k["id"] for k in result.knockouts] + [u["finding"] for u in result.unmet_minimums if u.get("finding")]
    d = {"dossier_id": result.dossier_id, "criteria_set": result.criteria_set, "form": result.form,
         "level": result.level, "evaluated_on": result.evaluated_on, "product": result.product,
         "findings": findings, "sheets": sheets}
    story = [c for c in result.criteria if not c.get("applicable", True)]
    if story:
        d["story_exists"] = False
    return d


def _ladder(leaf, current: np.ndarray) -> tuple[int, ...]:
    """Points reachable on this criterion: within the alternative ladder (case) already in use."""
    if not leaf.cases:
        return leaf.points
    by_case: dict[str, set[int]] = {}
    for o in leaf.options:
        by_case.setdefault(o.case, set()).add(o.points)
    used = [pts for pts in by_case.values() if set(int(c) for c in current) <= pts]
    pool = set().union(*used) if used else {o.points for o in leaf.options}
    return tuple(sorted(pool))


def _to_dossier(source: Dossier | Result | Mapping[str, Any] | str | Path) -> tuple[Dossier, dict[str, Any]]:
    if isinstance(source, Result):
        raw = dossier_from_result(source)
        return parse_dossier(raw), raw
    if isinstance(source, Dossier):
        raise TypeError("pass the dossier dict, a path or a Result (a parsed Dossier has no JSON form)")
    if isinstance(source, (str, Path)):
        from ..text import load_json

        raw = load_json(source)
        return parse_dossier(raw, file=str(source)), raw
    raw = dict(source)
    return parse_dossier(raw), raw


def upgrade_plan(dossier_or_result: Result | Mapping[str, Any] | str | Path, target_stars: int,
                 costs: CostModel | None = None, *, assume: str = "all_members",
                 overrides: Mapping[str, Any] | None = None) -> Plan:
    """Cheapest set of upgrades (criterion → new option) for the rule engine to award `target_stars`.

    Knock-outs and QĐ 781 requirements recorded as unmet are reported as prerequisites (never bought
    with points); the plan is scored as if they were cleared. Infeasible targets say why.
    """
    if assume not in ASSUMPTIONS:
        raise ValueError(f"assume must be one of {', '.join(ASSUMPTIONS)}")
    if not 1 <= int(target_stars) <= 5:
        raise ValueError("target_stars must be 1..5")
    costs = costs or CostModel()
    d, raw = _to_dossier(dossier_or_result)
    given = isinstance(dossier_or_result, Result) and not overrides
    before = dossier_or_result if given else evaluate(d, overrides=overrides)
    cs, form = d.criteria_set, d.form
    target = int(target_stars)
    plan = Plan(d.dossier_id, target, False, 0.0, stars_before=before.stars, assumption=ASSUMPTIONS[assume],
                cost_unit=costs.unit)

    reqs = {r["finding"]: r for r in cs.star_minimums.get("requirements", []) or [] if r.get("finding")}
    for fid in d.findings:
        if fid in cs.knockouts:
            k = cs.knockouts[fid]
            plan.prerequisites.append({"id": fid, "kind": "knockout", "label": k.label, "label_en": k.label_en})
        elif reqs[fid]["stars"] <= target:
            plan.prerequisites.append({"id": fid, "kind": "minimum", "stars": reqs[fid]["stars"],
                                       "label": reqs[fid]["text"]})
    cleared = [f for f in d.findings if f not in {p["id"] for p in plan.prerequisites}]
    raw_cleared = dict(raw, findings=cleared)
    if plan.prerequisites:
        d = parse_dossier(raw_cleared)
        before_cleared = evaluate(d, overrides=overrides)
    else:
        before_cleared = before
    if before_cleared.stars >= target:
        plan.feasible, plan.result_after = True, before_cleared
        return plan

    params = rule_params(cs, d.period, overrides)
    band_min = next(b["min"] for b in params["bands"] if b["stars"] == target)
    M = len(d.members)
    pts = np.where(d.points == MISSING, 0, d.points).astype(np.int64)
    current_sum = int(pts.sum())
    need_gain = max(0, math.ceil(Fraction(str(band_min)) * M - current_sum))

    marks = form.arrays.star_min
    options: list[list[tuple[int, float, int, str | None]]] = []  # per leaf: (gain, cost, to_points, label)
    for li, leaf in enumerate(form.leaves):
        cur = pts[:, li]
        need = max([int(marks[li, k]) for k, s in enumerate((3, 4, 5)) if s <= target] + [0])
        if cs.star_minimums.get("mechanism") != "option_marks":
            need = 0
        if not d.applicable[li]:
            options.append([(0, 0.0, int(cur.min()), None)])  # not applicable: left as it is
            continue
        ladder = _ladder(leaf, cur)
        base = int(cur.min())
        if base not in ladder:
            ladder = tuple(sorted(set(ladder) | {base}))
        row = []
        for v in ladder:
            if v < base:
                continue
            new = np.maximum(cur, v)
            if need and new.sum() < need * M:
                continue  # this option leaves a minimum up to the target unmet
            price = costs.price(form.slug, leaf.number, ladder, base, v)
            if price is None:
                continue
            row.append((int(new.sum() - cur.sum()), float(price.cost), v, price.label))
        if not row:
            plan.reason = (f"criterion {leaf.number} ({leaf.label}) cannot reach its {target}★ minimum "
                           f"({need} points) with the upgrades available")
            plan.result_after = None
            return plan
        options.append(row)

    # DP: best[s] = min cost to gain at least s council points (capped at need_gain)
    S = need_gain
    INF = float("inf")
    best = np.full(S + 1, INF)
    best[0] = 0.0
    choice = np.zeros((len(options), S + 1), dtype=np.int16)
    idx = np.arange(S + 1)
    # a criterion whose no-change option is excluded (minimum unmet) must move: no "stay" baseline
    for li, row in enumerate(options):
        new_best = np.full(S + 1, INF)
        new_choice = np.zeros(S + 1, dtype=np.int16)
        for oi, (gain, cost, _, _) in enumerate(row):
            cand = best[np.maximum(0, idx - gain)] + cost
            better = cand < new_best
            new_best[better] = cand[better]
            new_choice[better] = oi
        best, choice[li] = new_best, new_choice
    # `best` is "at least s" only if monotone: reaching more also reaches less
    if not np.isfinite(best[S]):
        reachable = current_sum + sum(max(g for g, *_ in row) for row in options)
        plan.reason = (f"the best reachable total is {reachable / M:.2f} < {band_min:g} needed for {target}★"
                       if reachable < band_min * M else f"no priced upgrades reach {target}★")
        return plan

    # backtrack
    s = S
    picks: list[tuple[int, int]] = []
    for li in range(len(options) - 1, -1, -1):
        oi = int(choice[li, s])
        picks.append((li, oi))
        s = max(0, s - options[li][oi][0])
    upgrades = []
    points = d.points.copy()
    for li, oi in sorted(picks):
        gain, cost, to, label = options[li][oi]
        leaf = form.leaves[li]
        base = int(pts[:, li].min())
        if to == base and gain == 0:
            continue
        cur = pts[:, li]
        upgrades.append(Upgrade(leaf.number, leaf.label, base, to, cost, label, float(cur.mean()),
                                float(np.maximum(cur, to).mean())))
        points[:, li] = np.maximum(cur, to)  # max of two options of the ladder: an option itself
    # the validated dossier with the plan applied: no JSON round trip, the rule engine decides
    after = evaluate(replace(d, points=points), overrides=overrides)
    plan.upgrades = upgrades
    plan.cost = float(sum(u.cost for u in upgrades))
    plan.result_after = after
    plan.feasible = after.stars >= target
    if not plan.feasible:  # the model above and the rule engine disagree: say so, never guess
        plan.reason = f"the rule engine awards {after.stars}★ after the plan (see result_after.trace)"
    return plan
