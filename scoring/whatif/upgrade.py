"""`upgrade_plan`: the exact minimum-cost criterion upgrades that give a product its target stars.

The choice is a multiple-choice knapsack: each criterion keeps its option or moves up to one of
its better options (cost from the CostModel, gain in council points), the total must reach the
target band, and every per-star minimum up to the target must hold. A dynamic programme over
criteria with the council-point gain as state (integer: points summed over members) gives the
optimum by construction; the plan is then re-scored through the rule engine to prove it.

Applicability is not frozen: a product without a story (story criteria "not applicable") is
planned twice, as it is and with a story created (the story criterion raised above its "Không có
câu chuyện" option, the story-only criteria then scored from their lowest option), and the cheaper
branch wins. Knock-outs are never bought with points: such a plan is infeasible until they are
cleared, and lists them as prerequisites.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np

from ..criteria.model import STAR_LEVELS
from ..dossier import MISSING, Dossier, parse_dossier
from ..evaluate import evaluate
from ..result import Result
from ..rules.params import rule_params
from .costs import CostModel

ASSUMPTIONS = {
    "all_members": (
        "mỗi mức nâng đưa phiếu của mọi thành viên lên mức mới, tính giá từ mức thấp nhất một thành viên đã chấm / "
        "an upgrade moves every member's sheet to the new option (a member who already gave more keeps it); "
        "it is priced from the lowest option any member gave ('from'), i.e. what the most critical member saw, "
        "so the budget never falls short"),
    "mean": (
        "mỗi mức nâng đưa phiếu của mọi thành viên lên mức mới, tính giá bằng trung bình giá từ mức của từng thành "
        "viên / an upgrade moves every member's sheet to the new option (a member who already gave more keeps it); "
        "it is priced as the mean over members of the price from each member's own option (a member already at "
        "or above it costs nothing), i.e. what the council found missing on average; 'from' is the lowest option"),
}
"""What an upgrade does to the council's sheets (`assume=`); both move the points the same way."""


class Option(NamedTuple):
    gain: int  # council points (summed over members) the option adds to the current total
    cost: float
    to: int
    label: str | None
    base: int  # 'from': the lowest option any member gave (the lowest option for a criterion not yet scored)


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
    from_by_member: dict[str, int] | None = None  # when members disagree: each member's option before

    def as_dict(self) -> dict[str, Any]:
        out = {"criterion": self.criterion, "criterion_label": self.label, "from_points": self.from_points,
               "to_points": self.to_points, "cost": self.cost, "label": self.cost_label,
               "mean_before": self.mean_before, "mean_after": self.mean_after}
        if self.from_by_member:
            out["from_by_member"] = self.from_by_member
        return out


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
    assume: str = "all_members"
    notes: list[str] = field(default_factory=list)
    story_created: bool = False
    if_cleared: "Plan | None" = None  # knocked out but fully scored: the plan once the knock-outs are cleared

    @property
    def blocked_by_knockouts(self) -> bool:
        return any(p["kind"] == "knockout" for p in self.prerequisites)

    def as_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        out = {
            "dossier_id": self.dossier_id, "target_stars": self.target_stars, "feasible": self.feasible,
            "cost": self.cost, "cost_unit": self.cost_unit, "stars_before": self.stars_before,
            "upgrades": [u.as_dict() for u in self.upgrades], "prerequisites": self.prerequisites,
            "reason": self.reason, "assume": self.assume, "assumption": self.assumption, "notes": self.notes,
            "story_created": self.story_created,
            "if_cleared": self.if_cleared.as_dict(with_result=with_result) if self.if_cleared else None,
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
    cases = {c["id"]: c["case"] for c in result.criteria if c.get("case")}
    if cases:  # the ladder each criterion with alternative cases was scored on
        d["cases"] = cases
    story = [c for c in result.criteria if not c.get("applicable", True)]
    if story:
        d["story_exists"] = False
    return d


def _ladder(leaf, current: np.ndarray, case: str | None = None) -> tuple[int, ...]:
    """Points a plan may use on this criterion: inside the alternative ladder (case) the product is on.

    The case the dossier states (or the one its points alone fit) decides. Points that fit several
    cases (QĐ 1048 3.2 = 1 is the top of ladder b and the bottom of ladder a) with no case stated do
    not tell which: the plan keeps to the options every such case offers, so it never moves a product
    onto a ladder it may not be on (state `cases` in the dossier to plan on ladder a). Steps are
    counted on that ladder, not on the merged one.
    """
    if not leaf.cases:
        return leaf.points
    by_case: dict[str, set[int]] = {}
    for o in leaf.options:
        by_case.setdefault(o.case, set()).add(o.points)
    if case in by_case:
        return tuple(sorted(by_case[case]))
    now = {int(c) for c in current}
    fitting = [pts for pts in by_case.values() if now <= pts]
    if not fitting:
        return leaf.points
    return tuple(sorted(set.intersection(*fitting)))


def _story(form) -> tuple[int, int] | None:
    """The story criterion (its index and 'no story' points), read from the form's own text.

    Every form with story-only criteria ("Chỉ áp dụng khi có câu chuyện") has, in the same group,
    a criterion whose lowest option reads "Không có câu chuyện…" (no story): raising it above that
    option is what creates a story. None when a form has no such criterion (then no story branch).
    """
    groups = {leaf.number.rsplit(".", 1)[0] for leaf in form.leaves if leaf.applies_when == "story_exists"}
    for li, leaf in enumerate(form.leaves):
        if leaf.applies_when or leaf.number.rsplit(".", 1)[0] not in groups or "." not in leaf.number:
            continue
        low = min(leaf.options, key=lambda o: o.points)
        if low.text.strip().lower().startswith("không có câu chuyện"):
            return li, low.points
    return None


def _to_dossier(source: Dossier | Result | Mapping[str, Any] | str | Path) -> Dossier:
    if isinstance(source, Dossier):
        return source
    if isinstance(source, Result):
        return parse_dossier(dossier_from_result(source))
    if isinstance(source, (str, Path)):
        return parse_dossier(source)
    return parse_dossier(dict(source))


def _cheapest(options: list[list[Option]], need_gain: int) -> tuple[float, list[int]] | None:
    """Exact multiple-choice knapsack: the cheapest pick of one option per criterion gaining ≥ need_gain.

    best[s] = least cost to gain at least s points over the criteria seen so far (s capped at
    need_gain), so reaching more always also reaches less. Each criterion's options are tried at once
    (one array per criterion); ties go to the first option listed. None when no pick gains enough.
    """
    S = need_gain
    best = np.full(S + 1, np.inf)
    best[0] = 0.0
    choice = np.zeros((len(options), S + 1), dtype=np.int16)
    idx = np.arange(S + 1)
    for li, row in enumerate(options):
        if len(row) == 1:
            o = row[0]
            if o.gain or o.cost:  # a single option that moves or costs (one that does neither changes nothing)
                best = best[np.maximum(0, idx - o.gain)] + o.cost
            continue  # choice stays 0
        gains = np.array([o.gain for o in row])
        costs = np.array([o.cost for o in row])
        cand = best[np.maximum(0, idx[None, :] - gains[:, None])] + costs[:, None]
        pick = cand.argmin(axis=0)  # the first of equal costs, as a strict "<" over the options in order
        best = cand[pick, idx]
        choice[li] = pick
    if not np.isfinite(best[S]):
        return None
    picks = [0] * len(options)
    s = S
    for li in range(len(options) - 1, -1, -1):
        oi = int(choice[li, s])
        picks[li] = oi
        s = max(0, s - options[li][oi].gain)
    return float(best[S]), picks


def _recognition_note(d: Dossier, target: int, after: Result | None) -> str | None:
    """Who recognises the target stars when this council does not (a district plans; the province or the
    central council certifies)."""
    if after is None or after.status == "recognised" or after.stars < target:
        return None
    who = next((lvl for lvl, stars in d.period.recognition.items() if target in stars), None)
    if who is None or who == d.level:
        return None
    from ..result import LEVELS_VI

    return (f"Công nhận {target}★ do Hội đồng cấp {LEVELS_VI.get(who, who)} quyết định: phương án chỉ đạt điểm và "
            f"yêu cầu tối thiểu mà hội đồng cấp {LEVELS_VI.get(d.level, d.level)} chấm (trạng thái sau phương án: "
            f"{after.status}) / recognition of {target}★ "
            f"is decided by the {who} council: this plan reaches the points and minimums the {d.level} council "
            f"scores (status after the plan: {after.status})")


def upgrade_plan(dossier_or_result: Dossier | Result | Mapping[str, Any] | str | Path, target_stars: int,
                 costs: CostModel | None = None, *, assume: str = "all_members",
                 overrides: Mapping[str, Any] | None = None) -> Plan:
    """Cheapest set of upgrades (criterion → new option) for the rule engine to award `target_stars`.

    Knock-outs are prerequisites, never bought with points: the plan is infeasible until they are
    cleared (`if_cleared` holds the plan for afterwards when the council scored every criterion).
    QĐ 781 requirements recorded as unmet are prerequisites too; the plan is priced as if they were
    met. `assume` is a key of ASSUMPTIONS. Infeasible targets say why.
    """
    d = _to_dossier(dossier_or_result)
    given = isinstance(dossier_or_result, Result) and not overrides
    return plan_for(d, dossier_or_result if given else None, target_stars, costs, assume=assume, overrides=overrides)


def plan_for(d: Dossier, before: Result | None, target_stars: int, costs: CostModel | None = None, *,
             assume: str = "all_members", overrides: Mapping[str, Any] | None = None) -> Plan:
    """`upgrade_plan` on an already validated dossier (and its Result, if known): a cohort plan parses
    each product once for all its target levels instead of once per level."""
    draft = draft_plan(d, before, target_stars, costs, assume=assume, overrides=overrides)
    if draft.after is None:
        return draft.plan
    # the validated dossier with the plan applied: the rule engine decides
    return proven(draft, evaluate(draft.after, overrides=overrides), overrides)


@dataclass
class Draft:
    """A plan before its proof. `after` is the dossier with the upgrades applied, for the rule engine
    (or the batch executor) to score; None when the plan is settled without one (infeasible, knocked
    out, or already at the target)."""

    plan: Plan
    dossier: Dossier  # the dossier planned on (QĐ 781 prerequisites cleared)
    after: Dossier | None = None


def _checked(assume: str, target_stars: int) -> int:
    if assume not in ASSUMPTIONS:
        raise ValueError(f"[assume-invalid] giả định phải là một trong / assume must be one of "
                         f"{', '.join(ASSUMPTIONS)}, got {assume!r}")
    if not 1 <= int(target_stars) <= 5:
        raise ValueError(f"[target-stars-invalid] số sao mục tiêu phải từ 1 đến 5 / target_stars must be 1..5, "
                         f"got {target_stars!r}")
    return int(target_stars)


def prerequisites(d: Dossier, target: int) -> tuple[list[str], list[dict[str, Any]]]:
    """(knock-out ids, prerequisites): what must be cleared before points can reach `target` — every
    knock-out, and the QĐ 781 requirements recorded as unmet at or below the target."""
    cs = d.criteria_set
    reqs = cs.requirement_findings
    knocked = [f for f in d.findings if f in cs.knockouts]
    out = []
    for fid in knocked:
        k = cs.knockouts[fid]
        out.append({"id": fid, "kind": "knockout", "label": k.label, "label_en": k.label_en})
    for fid in d.findings:
        if fid not in cs.knockouts and reqs[fid]["stars"] <= target:
            out.append({"id": fid, "kind": "minimum", "stars": reqs[fid]["stars"],
                        "label": reqs[fid]["text"], "label_en": reqs[fid].get("text_en", reqs[fid]["text"])})
    return knocked, out


def draft_plan(d: Dossier, before: Result | None, target_stars: int, costs: CostModel | None = None, *,
               assume: str = "all_members", overrides: Mapping[str, Any] | None = None,
               choices: "Choices | None" = None, plan_if_cleared: bool = True) -> Draft:
    """Everything `plan_for` does but the proof: the cheapest upgrades and the dossier they give.

    `choices` (the product's options, `Choices(d, costs, assume)`) is shared between the target
    levels of one product; `plan_if_cleared=False` leaves `Plan.if_cleared` unset for a knocked-out
    product (a cohort plan skips such products and never reads it)."""
    target = _checked(assume, target_stars)
    costs = costs or CostModel()
    before = before if before is not None and not overrides else evaluate(d, overrides=overrides)
    cs = d.criteria_set
    plan = Plan(d.dossier_id, target, False, 0.0, stars_before=before.stars, assumption=ASSUMPTIONS[assume],
                cost_unit=costs.unit, assume=assume)

    knocked, plan.prerequisites = prerequisites(d, target)
    if knocked:
        plan.reason = ("[plan-knocked-out] không khả thi cho đến khi khắc phục điều kiện loại (điều kiện loại không mua "
                       "được bằng điểm) / infeasible until the knock-outs are cleared (a knock-out is never bought with "
                       f"points): {', '.join(knocked)}")
        unscored = [leaf.number for li, leaf in enumerate(d.form.leaves)
                    if d.applicable[li] and (d.points[:, li] == MISSING).any()]
        if unscored:
            plan.notes.append(f"đánh giá đã dừng ở điều kiện loại: {len(unscored)} tiêu chí chưa chấm / the evaluation "
                              f"stopped at the knock-out: criteria {', '.join(unscored)} were not scored, so no upgrade "
                              "can be priced until the council scores them")
        elif plan_if_cleared:
            cleared = replace(d, findings=tuple(f for f in d.findings if f not in cs.knockouts))
            plan.if_cleared = plan_for(cleared, None, target, costs, assume=assume, overrides=overrides)
        return Draft(plan, d)

    cleared_ids = {p["id"] for p in plan.prerequisites}
    if cleared_ids:
        d = replace(d, findings=tuple(f for f in d.findings if f not in cleared_ids))
        before = evaluate(d, overrides=overrides)
        choices = None  # priced on the cleared dossier
    if before.stars >= target:
        plan.feasible, plan.result_after = True, before
        _finish(plan, d, target, overrides)
        return Draft(plan, d)

    params = rule_params(cs, d.period, overrides)
    band_min = next(b["min"] for b in params["bands"] if b["stars"] == target)
    choices = choices if choices is not None else Choices(d, costs, assume)
    M = len(d.members)
    pts = choices.pts
    need_gain = max(0, math.ceil(Fraction(str(band_min)) * M - int(pts.sum())))

    best: tuple[float, bool, list[list[Option]], list[int]] | None = None
    reasons = []
    for with_story in choices.branches:  # as it is, and with a story created when the product has none
        options = choices.options(target, with_story)
        if isinstance(options, str):
            reasons.append(options)
            continue
        found = _cheapest(options, need_gain)
        if found is None:
            reachable = int(pts.sum()) + sum(max(o.gain for o in row) for row in options)
            reasons.append(f"[plan-unreachable] tổng điểm cao nhất có thể đạt là {reachable / M:.2f} < {band_min:g} cần "
                           f"cho {target}★ / the best reachable total is {reachable / M:.2f} < {band_min:g} needed for "
                           f"{target}★" if reachable < band_min * M else
                           f"[plan-unpriced] không có mức nâng có giá nào đạt {target}★ / no priced upgrades reach {target}★")
            continue
        if best is None or found[0] < best[0]:
            best = (found[0], with_story, options, found[1])
    if best is None:
        plan.reason = "; ".join(dict.fromkeys(reasons)) + (" (dù có tạo câu chuyện sản phẩm hay không / with or "
                                                           "without a story created)" if len(choices.branches) > 1 else "")
        return Draft(plan, d)

    cost, with_story, options, picks = best
    form = d.form
    points = d.points.copy()
    applicable = d.applicable.copy()
    upgrades = []
    for li, oi in enumerate(picks):
        o = options[li][oi]
        leaf = form.leaves[li]
        newly = with_story and not d.applicable[li]
        cur = np.full(M, o.base, dtype=np.int64) if newly else pts[:, li]
        if newly:
            applicable[li] = True
            points[:, li] = np.maximum(cur, o.to)
        if o.gain == 0 and o.to == o.base:
            continue
        differ = len(set(cur.tolist())) > 1
        upgrades.append(Upgrade(leaf.number, leaf.label, o.base, o.to, o.cost, o.label, float(cur.mean()),
                                float(np.maximum(cur, o.to).mean()),
                                {m: int(p) for m, p in zip(d.members, cur)} if differ else None))
        points[:, li] = np.maximum(cur, o.to)  # max of two options of the ladder: an option itself
    if any(u.from_by_member for u in upgrades):
        plan.notes.append("thành viên chấm khác nhau: 'from' là mức thấp nhất một thành viên đã chấm (xem from_by_member) / "
                          "members disagree: 'from' is the lowest option any member gave (see from_by_member)")
    if with_story:
        plan.story_created = True
        plan.notes.append("phương án tạo câu chuyện sản phẩm: các tiêu chí chỉ áp dụng khi có câu chuyện được chấm từ mức thấp nhất / "
                          "the plan creates a product story: the story-only criteria are then scored, from their lowest option")
    plan.upgrades = upgrades
    plan.cost = float(sum(u.cost for u in upgrades))
    after = replace(d, points=points, applicable=applicable, story_exists=True if with_story else d.story_exists)
    return Draft(plan, d, after)


def proven(draft: Draft, after: Result, overrides: Mapping[str, Any] | None = None) -> Plan:
    """The draft's plan with the rule engine's Result of `draft.after`: feasible only if it awards the target."""
    plan = draft.plan
    plan.result_after = after
    plan.feasible = after.stars >= plan.target_stars
    if not plan.feasible:  # the model above and the rule engine disagree: say so, never guess
        plan.reason = (f"[plan-engine-disagrees] sau phương án, bộ quy tắc cho {after.stars}★ / the rule engine awards "
                       f"{after.stars}★ after the plan (see result_after.trace)")
    _finish(plan, draft.dossier, plan.target_stars, overrides)
    return plan


def _finish(plan: Plan, d: Dossier, target: int, overrides) -> None:
    note = _recognition_note(d, target, plan.result_after)
    if note:
        plan.notes.append(note)
    if any(p["kind"] == "minimum" for p in plan.prerequisites):
        plan.notes.append("phương án giả định các yêu cầu tối thiểu QĐ 781 đã ghi nhận là chưa đạt sẽ được đáp ứng / "
                          "the plan assumes the QĐ 781 requirements recorded as unmet (prerequisites) are met")


def _need(marks: np.ndarray, li: int, target: int, marked: bool) -> int:
    """The per-star minimum criterion `li` must meet for `target` stars (0: none)."""
    need = max([int(marks[li, k]) for k, s in enumerate(STAR_LEVELS) if s <= target] + [0]) if marked else 0
    return need


class Choices:
    """One product's options per criterion, priced once for all its target levels.

    Which options exist, their gains and their prices do not depend on the target; only the
    per-star minimums up to the target remove some (`options`). A cohort plan asks for several
    targets of each product: pricing once saves most of the work of each further target.
    """

    def __init__(self, d: Dossier, costs: CostModel, assume: str) -> None:
        self.d, self.costs, self.assume = d, costs, assume
        self.pts = np.where(d.points == MISSING, 0, d.points).astype(np.int64)
        self.story = _story(d.form) if not d.applicable.all() else None  # only a product without a story has two branches
        self.branches: tuple[bool, ...] = (False,) if self.story is None else (False, True)
        self._priced: dict[bool, list[list[tuple[Option, int]] | None]] = {}

    def _price_all(self, with_story: bool) -> list[list[tuple[Option, int]] | None]:
        """Per criterion: (option, the council's points on it after the option) for every option a plan
        may pick at any target; None for a criterion left as it is (not applicable, no story made)."""
        d, costs, assume, story = self.d, self.costs, self.assume, self.story
        cs, form = d.criteria_set, d.form
        M = len(d.members)
        rows: list[list[tuple[Option, int]] | None] = []
        for li, leaf in enumerate(form.leaves):
            if not d.applicable[li] and not with_story:
                rows.append(None)
                continue
            newly = not d.applicable[li]
            ladder = leaf.points if newly else _ladder(leaf, self.pts[:, li], d.cases.get(leaf.number))
            cur = [ladder[0]] * M if newly else self.pts[:, li].tolist()
            before = 0 if newly else sum(cur)
            base = min(cur)
            if base not in ladder:
                ladder = tuple(sorted(set(ladder) | {base}))
            row = []
            for v in ladder:
                if v < base:
                    continue
                if story is not None and li == story[0]:
                    if with_story and v <= story[1]:
                        continue  # a story is created: the story criterion leaves "Không có câu chuyện"
                    if not with_story and v > max(story[1], base):
                        continue  # without a story the story criterion cannot rise above "no story"
                if assume == "mean":
                    prices = [costs.price(form.slug, leaf.number, ladder, p, v, criteria_set=cs.id) if p < v else None
                              for p in cur]
                    if any(pr is None for p, pr in zip(cur, prices) if p < v):
                        continue
                    paid = [pr for pr in prices if pr is not None]
                    cost = float(sum(pr.cost for pr in paid)) / M
                    label = next((pr.label for pr in paid if pr.label), None)
                else:
                    price = costs.price(form.slug, leaf.number, ladder, base, v, criteria_set=cs.id)
                    if price is None:
                        continue
                    cost, label = float(price.cost), price.label
                after = sum(p if p > v else v for p in cur)
                row.append((Option(after - before, cost, v, label, base), after))
            rows.append(row)
        return rows

    def options(self, target: int, with_story: bool) -> list[list[Option]] | str:
        """Per criterion, the options a plan for `target` may pick (the first keeps it as it is, when
        allowed). A string is returned instead when some criterion cannot meet a minimum up to the target."""
        if with_story not in self._priced:
            self._priced[with_story] = self._price_all(with_story)
        d = self.d
        cs, form = d.criteria_set, d.form
        M = len(d.members)
        marks = form.arrays.star_min
        marked = cs.star_minimums.get("mechanism") == "option_marks"
        options: list[list[Option]] = []
        for li, priced in enumerate(self._priced[with_story]):
            if priced is None:
                options.append([Option(0, 0.0, 0, None, 0)])  # not applicable: scores 0, left as it is
                continue
            need = _need(marks, li, target, marked)
            # an option that leaves a minimum up to the target unmet is no option
            row = [o for o, after in priced if not need or after >= need * M]
            if not row:
                leaf = form.leaves[li]
                return (f"[plan-minimum-unreachable] tiêu chí {leaf.number} ({leaf.label}) không thể đạt mức tối thiểu "
                        f"{target}★ ({need} điểm) với các mức nâng hiện có / criterion {leaf.number} cannot reach its "
                        f"{target}★ minimum ({need} points) with the upgrades available")
            options.append(row)
        return options
