"""`plan`: which products to support, with which upgrades, to meet a plan's star targets at least cost.

Targets are cumulative, as plans count them: "4:2,3:3" means at least 2 products with 4 stars or
more, and at least 3 further products with 3 stars or more (so ≥ 5 products with ≥ 3★). That is
the same as filling 2 "4★ places" and 3 "3★ places" with distinct products, a product filling a
place if it reaches at least that level. Each product's options are "as it is" or its exact
cheapest plan to each higher level (`upgrade_plan`), so product i fills a k★ place at cost c_i(k)
(the cheapest option reaching k). Choosing who fills which place is then a min-cost flow
(products → star levels, capacities = places): successive shortest paths find the exact optimum
one place at a time, and the cost of filling j places never decreases in j, so the best partial
plan within a budget (most places filled, then least cost) is an exact prefix of the same run.
Memory is O(products × levels) whatever the targets (the earlier DP over count vectors needed
the product of the target counts per product: ~17 GB for 5:20,4:100,3:300 over 1,000 products).

How the options are found at scale: from `BATCH_FROM` products below the top target, each product's
dossier is read off its Result, its upgrade options are priced once for all its target levels, the
knapsacks of all products on one form are solved together (`upgrade.solve`), and every candidate
plan is scored by the batch executor (`evaluate_batch`) in one run per `CHUNK` products, with the
products as they are: a product the batch rejects, or scores otherwise than its Result says, is
planned the one-by-one way (validated by `parse_dossier`, each plan proven by the rule engine).
Only the plans finally chosen are planned again that way, and must be what the batch proved. Both
ways give the same plan (tests/test_whatif_fast_paths.py); only the time differs.

What counts is a documented choice (`count=`): "stars" (default) counts the stars a product's
council awarded, which is what a district plans for when it sends products up to the province;
"recognised" counts only products whose status is recognised (a certificate issued). Output warns
when the two differ.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping

from ..cells import amount_number

import numpy as np

from .. import criteria as crit
from ..dossier import MISSING, Dossier
from ..gc_pause import collector_paused
from ..result import Result
from .costs import CostModel
from .upgrade import Choices, Plan, draft_plan, plan_for, prerequisites, solve, to_dossier

COUNTS = {
    "stars": "the stars the council awarded, recognised or not yet (a district's products sent up to the province "
             "count at the stars they carry)",
    "recognised": "only products whose status is recognised (certificate issued at this level)",
}


def _pairs(text: str | Mapping[int, Any]) -> list[tuple[Any, Any]]:
    """'4:2,3:3' (or a mapping) as (stars, value) pairs, unparsed: a part without ':' keeps None as its
    value, so the caller's message can quote what was typed."""
    if isinstance(text, Mapping):
        return list(text.items())
    return [tuple(p.split(":", 1)) if ":" in p else (p, None) for p in str(text).split(",") if p.strip()]


def parse_targets(text: str | Mapping[int, int]) -> dict[int, int]:
    """'4:2,3:3' -> {4: 2, 3: 3}; ValueError naming the bad part and the allowed form."""
    form = ('các cặp SAO:SỐ LƯỢNG cách nhau bởi dấu phẩy, sao 1..5, số lượng nguyên ≥ 0 / STARS:COUNT pairs '
            'separated by commas, stars 1..5 and count a whole number ≥ 0, e.g. "4:2,3:3"')
    items: dict[int, int] = {}
    pairs = _pairs(text)
    if not pairs:
        raise ValueError(f"[targets-invalid] chưa có mục tiêu / no target given; cần / expected {form}")
    for stars, count in pairs:
        try:
            s, c = int(str(stars).strip()), int(str(count).strip())
        except (TypeError, ValueError):
            given = f"{stars}:{count}" if count is not None else str(stars)
            raise ValueError(f"[targets-invalid] mục tiêu / target {given.strip()!r}: cần / expected {form}") from None
        if not 1 <= s <= 5 or c < 0:
            raise ValueError(f"[targets-invalid] mục tiêu / target {s}:{c}: cần / expected {form}")
        if s in items:
            raise ValueError(f"[targets-invalid] mục tiêu {s}★ được cho hai lần / target for {s}★ given twice; "
                             f"cần / expected {form}")
        items[s] = c
    return dict(sorted(items.items(), reverse=True))


def parse_rewards(text: str | Mapping[int, float] | None) -> dict[int, float]:
    """'5:30000000,4:20000000' (or '5:30.000.000', Vietnamese thousands dots) -> {5: 3e7, 4: 2e7};
    ValueError naming the bad part."""
    form = ('các cặp SAO:SỐ TIỀN cách nhau bởi dấu phẩy, sao 1..5, số tiền ≥ 0 / STARS:AMOUNT pairs separated by '
            'commas, stars 1..5 and a finite amount ≥ 0, e.g. "5:30000000,4:20000000" or "5:30.000.000,4:20.000.000"')
    if text is None:
        return {}
    pairs = _pairs(text)
    out: dict[int, float] = {}
    for stars, amount in pairs:
        try:
            s = int(str(stars).strip())
            a = amount_number(str(amount)) if isinstance(amount, str) else float(amount)
            if a is None:
                raise ValueError(amount)
        except (TypeError, ValueError):
            raise ValueError(f"[rewards-invalid] {stars!r}" + (f":{amount!r}" if amount is not None else "")
                             + f": cần / expected {form}") from None
        if not 1 <= s <= 5 or not math.isfinite(a) or a < 0 or s in out:
            raise ValueError(f"[rewards-invalid] mức thưởng / reward {stars}:{amount}: cần / expected {form}")
        out[s] = a
    return out


def counted(result: Result, count: str) -> int:
    """The level a Result counts at toward a target under `count` (see COUNTS)."""
    return result.stars if count == "stars" or result.status == "recognised" else 0


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
                "notes": self.plan.notes if self.plan else [],
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
    shortfall: float | None = 0.0  # None: the targets cannot be met at any cost (see shortfall_reason)
    shortfall_reason: str | None = None
    unmet_targets: dict[int, int] = field(default_factory=dict)
    reward_before: float = 0.0
    reward_after: float = 0.0
    note: str = ""
    count: str = "stars"
    cost_unit: str = "step"
    full_cost: float | None = None  # the cheapest plan meeting every target, budget aside (None: none exists)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    priced_upgrades: int = 0  # product × level options priced at all

    def as_dict(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible, "cost": self.cost, "cost_unit": self.cost_unit, "budget": self.budget,
            "count": self.count, "count_meaning": COUNTS[self.count],
            "targets": self.targets, "counts_before": self.counts_before, "counts_after": self.counts_after,
            "full_cost": self.full_cost, "shortfall": self.shortfall, "shortfall_reason": self.shortfall_reason,
            "unmet_targets": self.unmet_targets,
            "upgrades": [u for c in self.supported for u in
                         ({**up, "dossier_id": c.dossier_id} for up in c.as_dict()["upgrades"])],
            "products": [c.as_dict() for c in self.supported],
            "skipped": self.skipped, "warnings": self.warnings,
            "rewards": {"before": self.reward_before, "after": self.reward_after,
                        "increase": self.reward_after - self.reward_before, "counted_as": self.count},
            "note": self.note,
        }


def _counts(levels_of: Iterable[int], levels: list[int]) -> dict[int, int]:
    s = list(levels_of)
    return {lvl: sum(1 for x in s if x >= lvl) for lvl in levels}


def _fill(C: np.ndarray, need: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Successive shortest paths on products → levels: (assignment within `limit`, full assignment, costs).

    C[i, l] is product i's cost to fill a place of level l (inf: it cannot). Each augmentation fills
    one more place along a cheapest path (a new product enters, possibly moving assigned products
    between levels); path costs never decrease, so cost[j] is the least cost of filling j places.
    """
    n, k = C.shape
    assign = np.full(n, -1, dtype=np.int64)
    filled = np.zeros(k, dtype=np.int64)
    history = [0.0]
    within = assign.copy()
    total = 0.0
    rows = np.arange(n)
    while filled.sum() < need.sum():
        free = assign == -1
        masked = np.where(free[:, None], C, np.inf)
        dist = masked.min(axis=0) if n else np.full(k, np.inf)
        pred: list[tuple[str, int, int]] = [("src", int(masked[:, l].argmin()) if n else -1, -1) for l in range(k)]
        # moving an assigned product j from level a to level b costs C[j, b] - C[j, a]
        move = np.full((k, k), np.inf)
        who = np.full((k, k), -1, dtype=np.int64)
        for a in range(k):
            at = rows[assign == a]
            if not len(at):
                continue
            delta = C[at] - C[at, a][:, None]
            best = delta.argmin(axis=0)
            move[a] = delta[best, np.arange(k)]
            who[a] = at[best]
        for _ in range(k):  # Bellman-Ford over the k level nodes (no negative cycles: SSP invariant)
            changed = False
            for a in range(k):
                for b in range(k):
                    if a != b and dist[a] + move[a, b] < dist[b] - 1e-9:
                        dist[b] = dist[a] + move[a, b]
                        pred[b] = ("move", int(who[a, b]), a)
                        changed = True
            if not changed:
                break
        open_ = np.flatnonzero(filled < need)
        end = int(open_[dist[open_].argmin()])
        if not np.isfinite(dist[end]):
            break
        level, seen = end, set()
        while True:  # apply the path backwards: the entering product or the moved ones
            kind, j, src = pred[level]
            if level in seen:
                raise AssertionError("cycle in the shortest-path tree")
            seen.add(level)
            assign[j] = level
            if kind == "src":
                break
            level = src
        filled[end] += 1
        total += float(dist[end])
        history.append(total)
        if total <= limit + 1e-9:
            within = assign.copy()
    return within, assign, history


BATCH_FROM = 50
"""Products below the top target from which their candidate plans are proven by the batch executor
(one vectorized run over every candidate) instead of one rule-engine run each: below it the batch's
fixed costs (tens of ms a run) outweigh what it saves. Both ways give the same plan (tests)."""
CHUNK = 2_000  # products drafted and proven together: bounds the candidates held at once


def _needs_781(r: Result, t: int, prereqs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"dossier_id": r.dossier_id, "target_stars": t, "reason":
            "[plan-needs-781] cần đáp ứng yêu cầu QĐ 781 trước (không tính bằng điểm) / needs "
            "QĐ 781 requirements met first (not priced in points)",
            "prerequisites": [x["id"] for x in prereqs]}


def _compact(r: Result) -> Dossier | None:
    """The dossier a Result was scored from, read off its fields (the dossier `dossier_from_result`
    gives, without validating it again). None when the fields do not fit their form; such a product
    takes the validated way. Whether the Result and its sheets agree is then asked of the batch
    executor (`_outcomes`): only products it scores exactly as their Result says are planned fast."""
    try:
        cs = crit.load_set(r.criteria_set)
        form = cs.form(r.form, warn=False)
        day = date.fromisoformat(r.evaluated_on)
        period = cs.period_on(day)
        leaves = form.leaves
        if period is None or period.id != r.period or [c["id"] for c in r.criteria] != [lf.number for lf in leaves]:
            return None
        members = tuple(r.members)
        points = np.array([[MISSING if c["points"][m] is None else c["points"][m] for c in r.criteria]
                           for m in members], dtype=np.int16).reshape(len(members), len(leaves))
        applicable = np.array([bool(c.get("applicable", True)) for c in r.criteria], dtype=bool)
        findings = tuple(k["id"] for k in r.knockouts) + tuple(u["finding"] for u in r.unmet_minimums
                                                              if u.get("finding"))
        cases = {c["id"]: c["case"] for c, leaf in zip(r.criteria, leaves) if leaf.cases and c.get("case")}
        for li, leaf in enumerate(leaves):  # a case its points leave: the validated way says so
            if leaf.number in cases and not {int(p) for p in points[:, li] if p != MISSING} <= {
                    o.points for o in leaf.options if o.case == cases[leaf.number]}:
                return None
        return Dossier(dossier_id=r.dossier_id, criteria_set=cs, form=form, period=period, level=r.level,
                       evaluated_on=day, members=members, points=points, applicable=applicable, findings=findings,
                       story_exists=None if applicable.all() else False, cases=cases, product=dict(r.product),
                       transition=not cs.in_force_on(day))
    except Exception:  # anything unexpected in a hand-made Result: the validated way reports it
        return None


def _outcomes(items: list[tuple[str, Dossier]]) -> dict[str, tuple[int, str, float]]:
    """(stars, status, total) of each dossier by the batch executor, keyed as given; a dossier the
    batch rejects is absent. One wide table of member sheets, as `ocop batch` reads it. Alternative
    cases are left for the batch to infer: a stated case sends a dossier to the single path's check,
    and which case a criterion is on only adds a note (rules/20-applicability.json), never a point
    or a star; the plans keep to the product's case (`upgrade._ladder`)."""
    if not items:
        return {}
    import pandas as pd

    from ..batch import evaluate_batch

    numbers = sorted({n for _, d in items for n in d.form.leaf_numbers})
    col = {n: k for k, n in enumerate(numbers)}
    where: dict[tuple[str, str], np.ndarray] = {}  # (set, form) -> the form's criteria among the columns
    sizes = np.array([len(d.members) for _, d in items], dtype=np.int64)
    cells = np.full((int(sizes.sum()), len(numbers)), np.nan)
    meta: dict[str, list[Any]] = {c: [] for c in ("dossier_id", "criteria_set", "form", "level", "evaluated_on",
                                                  "findings", "story_exists")}
    members: list[str] = []
    row = 0
    for key, d in items:
        form = d.form
        at = (d.criteria_set.id, form.slug)
        if at not in where:
            where[at] = np.array([col[n] for n in form.leaf_numbers], dtype=np.int64)
        m = len(d.members)
        block = d.points.astype(np.float64)
        block[d.points == MISSING] = np.nan
        cells[row:row + m, where[at]] = block
        row += m
        members += d.members
        for c, v in (("dossier_id", key), ("criteria_set", d.criteria_set.id), ("form", form.slug),
                     ("level", d.level), ("evaluated_on", d.evaluated_on.isoformat()),
                     ("findings", ";".join(d.findings) or None), ("story_exists", d.story_exists)):
            meta[c].append(v)
    data: dict[str, Any] = {c: np.repeat(np.array(v, dtype=object), sizes) for c, v in meta.items()}
    data["member"] = np.array(members, dtype=object)
    data.update({n: cells[:, k] for n, k in col.items()})
    results, _ = evaluate_batch(pd.DataFrame(data))
    return dict(zip(results["dossier_id"].astype(str), zip(results["stars"].astype(int).tolist(),
                                                            results["status"].astype(str).tolist(),
                                                            results["total"].astype(float).tolist())))


def _drafted(rows: list[int], results: list[Result], top: int, costs: CostModel, assume: str
             ) -> dict[int, tuple[list[tuple[int, float, int, str]], list[dict[str, Any]]]]:
    """For each product below `top` whose Result the batch executor reproduces: its candidate plans
    proven by the batch, as (target, cost, stars, status), and its skipped entries. Each product's
    options are priced once for all its targets; the plans are proven by one batch run over every
    candidate sheet set (with the products as they are, which checks them)."""
    drafts: dict[int, tuple[list[tuple[int, float, str]], list[dict[str, Any]]]] = {}
    items: list[tuple[str, Dossier]] = []
    shared: dict[Any, Any] = {}  # per-star minimums and rule parameters, shared by the products
    todo: list[tuple[int, Dossier, Choices]] = []
    for i in rows:
        r = results[i]
        d = _compact(r)
        if d is None:
            continue
        items.append((f"o{i}", d))
        skips: list[dict[str, Any]] = []
        targets = []
        for t in range(r.stars + 1, top + 1):
            knocked, pre = prerequisites(d, t)
            if knocked:
                reason = draft_plan(d, r, t, costs, assume=assume, plan_if_cleared=False).plan.reason
                skips.append({"dossier_id": r.dossier_id, "reason": reason, "prerequisites": [x["id"] for x in pre]})
                break
            if pre:
                skips.append(_needs_781(r, t, pre))
                continue
            targets.append(t)
        drafts[i] = ([], skips)
        todo.append((i, d, Choices(d, costs, assume, shared, targets=targets)))
    solve([c for _, _, c in todo])  # every knapsack of the chunk, a form's together
    for i, d, choices in todo:
        for t in choices.targets:
            draft = draft_plan(d, results[i], t, costs, assume=assume, choices=choices)
            if draft.after is not None and draft.plan.upgrades:
                key = f"c{i}-{t}"
                items.append((key, draft.after))
                drafts[i][0].append((t, draft.plan.cost, key))
    seen = _outcomes(items)
    out = {}
    for i, (found, skips) in drafts.items():
        r = results[i]
        mine = seen.get(f"o{i}")
        if mine is None or mine[:2] != (r.stars, r.status) or not math.isclose(mine[2], r.total, abs_tol=1e-9):
            continue  # rejected, or scored otherwise than its Result says: planned the validated way
        proven_ = []
        for t, cost, key in found:
            if key not in seen:  # the batch refused a candidate it should score: planned the validated way
                break
            stars, status, _ = seen[key]
            if stars >= t:
                proven_.append((t, cost, stars, status))
        else:
            out[i] = (proven_, skips)
    return out


def _exact_plan(r: Result, target: int, level: int, cost: float, costs: CostModel, assume: str, count: str) -> Plan:
    """The chosen plan of a product planned fast, validated and proven by the rule engine exactly as
    `upgrade_plan` does; it must be the plan that was priced and proven by the batch."""
    p = plan_for(to_dossier(r), r, target, costs, assume=assume)
    if not (p.feasible and p.cost == cost and counted(p.result_after, count) == level):
        raise AssertionError(f"[plan-internal] {r.dossier_id}: the rule engine's plan to {target}★ (feasible "
                             f"{p.feasible}, cost {p.cost}) is not the one the batch proved (cost {cost}, level {level})")
    return p


def plan(results: Iterable[Result], targets: str | Mapping[int, int], budget: float | None = None,
         costs: CostModel | None = None, rewards: str | Mapping[int, float] | None = None, *,
         count: str = "stars", assume: str = "all_members") -> CohortPlan:
    """Cheapest support plan meeting `targets` within `budget` (None = unlimited).

    Knocked-out products are never bought back with points: they are left as they are and listed
    in `skipped` with the reason; so are upgrades that need a QĐ 781 requirement met first.
    """
    results = list(results)
    with collector_paused():
        return _plan(results, targets, budget, costs, rewards, count=count, assume=assume)


def _plan(results: list[Result], targets: str | Mapping[int, int], budget: float | None, costs: CostModel | None,
          rewards: str | Mapping[int, float] | None, *, count: str, assume: str) -> CohortPlan:
    if count not in COUNTS:
        raise ValueError(f"[count-invalid] cách đếm phải là một trong / count must be one of {', '.join(COUNTS)}, "
                         f"got {count!r}")
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        raise ValueError(f"[budget-invalid] ngân sách phải là số tiền hữu hạn ≥ 0 / budget must be a finite amount ≥ 0, "
                         f"got {budget!r}")
    tg = parse_targets(targets)
    levels = list(tg)  # descending
    rw = parse_rewards(rewards)
    costs = costs or CostModel()
    top = max(levels, default=0)

    n = len(results)
    C = np.full((n, len(levels)), np.inf)
    chosen: list[dict[int, tuple[float, Any]]] = []  # level -> (cost, the plan, or (target, level) to plan it)
    skipped: list[dict[str, Any]] = []
    priced = 0
    below = [i for i, r in enumerate(results) if r.stars < top]
    fast = len(below) >= BATCH_FROM
    for start in range(0, n, CHUNK if fast else max(n, 1)):
        part = range(start, min(n, start + CHUNK if fast else n))
        drafted = _drafted([i for i in part if results[i].stars < top], results, top, costs, assume) if fast else {}
        for i in part:
            r = results[i]
            opts: list[tuple[int, float, Any]] = [(counted(r, count), 0.0, None)]
            if i in drafted:  # proven by the batch executor: (level, cost, target)
                found, skips = drafted.pop(i)
                skipped += skips
                for t, cost, stars, status in found:
                    priced += 1
                    level = stars if count == "stars" or status == "recognised" else 0  # as `counted`
                    opts.append((level, cost, (t, level)))
            else:
                d = to_dossier(r) if r.stars < top else None  # validated once for all its target levels
                for t in range(r.stars + 1, top + 1):
                    p = plan_for(d, r, t, costs, assume=assume)
                    if p.blocked_by_knockouts:
                        skipped.append({"dossier_id": r.dossier_id, "reason": p.reason,
                                        "prerequisites": [x["id"] for x in p.prerequisites]})
                        break
                    if p.prerequisites:
                        skipped.append(_needs_781(r, t, p.prerequisites))
                        continue
                    if p.feasible and p.result_after is not None and p.upgrades:
                        priced += 1
                        opts.append((counted(p.result_after, count), p.cost, p))
            best: dict[int, tuple[float, Any]] = {}
            for j, lvl in enumerate(levels):
                reach = [(c, p) for s, c, p in opts if s >= lvl]
                if reach:
                    best[lvl] = min(reach, key=lambda x: x[0])
                    C[i, j] = best[lvl][0]
            chosen.append(best)

    need = np.array([tg[lvl] for lvl in levels], dtype=np.int64)
    limit = math.inf if budget is None else float(budget)
    within, full_assign, history = _fill(C, need, limit)
    complete = len(history) - 1 == int(need.sum())
    full_cost = history[-1] if complete else None
    feasible = complete and full_cost <= limit + 1e-9
    assign = full_assign if feasible else within

    supported, after_levels, after_stars = [], [], []
    for i, r in enumerate(results):
        a = int(assign[i])
        p = chosen[i][levels[a]][1] if a >= 0 else None
        if isinstance(p, tuple):  # drafted and proven by the batch: the plan itself, through the rule engine
            p = _exact_plan(r, *p, chosen[i][levels[a]][0], costs, assume, count)
        if p is not None:
            s_after = p.result_after.stars
            supported.append(ProductChoice(r.dossier_id, r.stars, s_after, p.cost, p))
            after_levels.append(counted(p.result_after, count))
            after_stars.append(s_after)
        else:
            after_levels.append(counted(r, count))
            after_stars.append(r.stars)
    cost = float(sum(c.cost for c in supported))
    req = {lvl: int(v) for lvl, v in zip(levels, np.cumsum(need))}
    before_counts = _counts((counted(r, count) for r in results), levels)
    after_counts = _counts(after_levels, levels)
    unmet = {lvl: req[lvl] - after_counts[lvl] for lvl in levels if after_counts[lvl] < req[lvl]}

    shortfall: float | None = 0.0
    reason = None
    if not complete:
        shortfall = None
        missing = int(need.sum()) - (len(history) - 1)
        n_skipped = len({s["dossier_id"] for s in skipped})
        filled = len(history) - 1
        over = history[-1] > limit + 1e-9
        vi = (f"[plan-targets-unreachable] {missing} chỗ trong mục tiêu không thể đạt với bất kỳ chi phí nào: không sản "
              "phẩm nào đạt tới với các mức nâng hiện có"
              + ("" if priced else " (không mức nâng nào của nhóm sản phẩm này có giá: đối chiếu biểu mẫu và tiêu chí "
                                   "của bảng chi phí với nhóm sản phẩm)")
              + (f"; {n_skipped} sản phẩm bị bỏ qua (điều kiện loại hoặc yêu cầu QĐ 781)" if skipped else "")
              + (f"; lấp {filled} chỗ có thể lấp tốn {history[-1]:,.0f} {costs.unit}, vượt ngân sách" if over else ""))
        en = (f"{missing} target place(s) cannot be filled at any cost: no product reaches them with the upgrades "
              "available" + ("" if priced else " (no upgrade is priced for any product in this cohort: check the "
                             "cost table's forms and criteria against the cohort)")
              + (f"; {n_skipped} product(s) skipped (knock-outs or QĐ 781 prerequisites)" if skipped else "")
              + (f"; filling the {filled} places that can be filled costs {history[-1]:,.0f} {costs.unit}, "
                 "over the budget" if over else ""))
        reason = f"{vi} / {en}"
    elif budget is not None and full_cost > limit:
        shortfall = full_cost - limit
        reason = (f"[plan-over-budget] phương án rẻ nhất đạt mọi mục tiêu tốn {full_cost:,.0f} {costs.unit}, vượt ngân "
                  f"sách / the cheapest plan meeting every target costs {full_cost:,.0f} {costs.unit}, over the budget")

    warnings = []
    other = "recognised" if count == "stars" else "stars"
    alt_before = _counts((counted(r, other) for r in results), levels)
    if alt_before != before_counts:
        def shown(counts: Mapping[int, int]) -> str:
            return ", ".join(f"≥ {k}★: {v}" for k, v in sorted(counts.items(), reverse=True))

        warnings.append(f"đếm theo '{count}', khác với đếm theo '{other}' ({shown(alt_before)} thay vì "
                        f"{shown(before_counts)}) / counting {count!r} ({COUNTS[count]}); counted as {other!r} the "
                        f"cohort has {shown(alt_before)} instead of {shown(before_counts)}")
    note = ("[targets-cumulative] mục tiêu cộng dồn: sản phẩm nhiều sao hơn cũng được tính cho mục tiêu thấp hơn / targets are cumulative: "
            "a product with more stars also counts toward lower targets; needed counts of products with at least k "
            f"stars: {req}")
    return CohortPlan(
        feasible=bool(feasible), cost=cost, budget=budget, targets=tg, counts_before=before_counts,
        counts_after=after_counts, supported=supported, shortfall=shortfall, shortfall_reason=reason,
        unmet_targets=unmet, reward_before=sum(rw.get(counted(r, count), 0.0) for r in results),
        reward_after=sum(rw.get(s, 0.0) for s in after_levels), note=note, count=count, cost_unit=costs.unit,
        full_cost=full_cost, skipped=skipped, warnings=warnings, priced_upgrades=priced,
    )
