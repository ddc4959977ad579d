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
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

import numpy as np

from ..criteria.model import STAR_LEVELS
from ..dossier import MISSING, Dossier, parse_dossier
from ..evaluate import compiled_rules, evaluate
from ..result import Result
from ..rules.params import rule_params
from ..rules.semantics import binding_minimums
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
    # story_exists false only when no story-only criterion applied: when some did (the dossier left
    # it to the scores, and a knock-out stopped the evaluation before the others), the scores say it
    # again, whereas `false` would refuse the criteria that were scored
    from .. import criteria as crit

    form = crit.load_set(result.criteria_set).form(result.form, warn=False)
    story_only = {leaf.number for leaf in form.leaves if leaf.applies_when == "story_exists"}
    applies = [c.get("applicable", True) for c in result.criteria if c["id"] in story_only]
    if applies and not any(applies):
        d["story_exists"] = False
    return d


def _ladder(leaf, current: np.ndarray, case: str | None = None, points: tuple[int, ...] | None = None
            ) -> tuple[int, ...]:
    """Points a plan may use on this criterion: inside the alternative ladder (case) the product is on.

    The case the dossier states (or the one its points alone fit) decides. Points that fit several
    cases (QĐ 1048 3.2 = 1 is the top of ladder b and the bottom of ladder a) with no case stated do
    not tell which: the plan keeps to the options every such case offers, so it never moves a product
    onto a ladder it may not be on (state `cases` in the dossier to plan on ladder a). Steps are
    counted on that ladder, not on the merged one.
    """
    if not leaf.cases:
        return leaf.points if points is None else points
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
    """The story criterion (its index and 'no story' points): the criterion whose option the data
    flags `means: no_story` (the option printed "Không có câu chuyện…"; raising the criterion above
    it is what creates a story). None when a form has none (then no story branch)."""
    for li, leaf in enumerate(form.leaves):
        for option in leaf.options:
            if option.means == "no_story":
                return li, option.points
    return None


def to_dossier(source: Dossier | Result | Mapping[str, Any] | str | Path) -> Dossier:
    """The validated dossier behind what a caller plans from: a Dossier, a Result (its dossier
    rebuilt, `dossier_from_result`), a dict or a JSON file. Public: the cohort planner uses it."""
    if isinstance(source, Dossier):
        return source
    if isinstance(source, Result):
        return parse_dossier(dossier_from_result(source))
    if isinstance(source, (str, Path)):
        return parse_dossier(source)
    return parse_dossier(dict(source))


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
    d = to_dossier(dossier_or_result)
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
    knock-out, and the QĐ 781 requirements recorded as unmet whose rules cap the stars below the
    target (`binding_minimums`: the finding-stage cap rules the engine fires, as `next_star` reads them)."""
    cs = d.criteria_set
    reqs = cs.requirement_findings
    knocked = [f for f in d.findings if f in cs.knockouts]
    out = []
    for fid in knocked:
        k = cs.knockouts[fid]
        out.append({"id": fid, "kind": "knockout", "label": k.label, "label_en": k.label_en})
    binding = ({b.stars for b in binding_minimums(compiled_rules(cs, d.period)[1], target) if b.stage == "finding"}
               if any(f in reqs for f in d.findings) else set())
    for fid in d.findings:
        if fid not in cs.knockouts and reqs[fid]["stars"] in binding:
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

    choices = choices if choices is not None else Choices(d, costs, assume, overrides=overrides)
    band_min = choices.band_min(target)
    M = len(d.members)
    pts = choices.pts

    best: tuple[float, bool, list[Option]] | None = None
    reasons = []
    for with_story in choices.branches:  # as it is, and with a story created when the product has none
        found = choices.cheapest(target, with_story)
        if isinstance(found, str):
            reasons.append(found)
            continue
        if found is None:
            options = choices.options(target, with_story)
            reachable = int(pts.sum()) + sum(max(o.gain for o in row) for row in options)
            reasons.append(f"[plan-unreachable] tổng điểm cao nhất có thể đạt là {reachable / M:.2f} < {band_min:g} cần "
                           f"cho {target}★ / the best reachable total is {reachable / M:.2f} < {band_min:g} needed for "
                           f"{target}★" if reachable < band_min * M else
                           f"[plan-unpriced] không có mức nâng có giá nào đạt {target}★ / no priced upgrades reach {target}★")
            continue
        if best is None or found[0] < best[0]:
            best = (found[0], with_story, found[1])
    if best is None:
        plan.reason = "; ".join(dict.fromkeys(reasons)) + (" (dù có tạo câu chuyện sản phẩm hay không / with or "
                                                           "without a story created)" if len(choices.branches) > 1 else "")
        return Draft(plan, d)

    cost, with_story, picked = best
    form = d.form
    points = d.points.copy()
    applicable = d.applicable.copy()
    upgrades = []
    for li, o in enumerate(picked):  # plain ints: a plan has a few dozen criteria of a few members
        newly = with_story and not d.applicable[li]
        if newly:
            applicable[li] = True
        elif o.gain == 0 and o.to == o.base:
            continue  # kept as it is
        cur = [o.base] * M if newly else pts[:, li].tolist()
        new = [p if p > o.to else o.to for p in cur]  # max of two options of the ladder: an option itself
        points[:, li] = new
        if o.gain == 0 and o.to == o.base:
            continue
        leaf = form.leaves[li]
        upgrades.append(Upgrade(leaf.number, leaf.label, o.base, o.to, o.cost, o.label, sum(cur) / M, sum(new) / M,
                                dict(zip(d.members, cur)) if len(set(cur)) > 1 else None))
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


def _need(marks: np.ndarray, li: int, binding: set[int], marked: bool) -> int:
    """The per-star minimum criterion `li` must meet: its marks at the star levels whose rules cap the
    stars below the target (`binding`; 0: none)."""
    need = max([int(marks[li, k]) for k, s in enumerate(STAR_LEVELS) if s in binding] + [0]) if marked else 0
    return need


class Choices:
    """One product's options per criterion, priced once for all its target levels.

    Which options exist, their gains and their prices do not depend on the target; only the
    per-star minimums up to the target remove some (`options`). A cohort plan asks for several
    targets of each product: pricing once saves most of the work of each further target.
    """

    def __init__(self, d: Dossier, costs: CostModel, assume: str, shared: dict[Any, Any] | None = None, *,
                 targets: Iterable[int] = (), overrides: Mapping[str, Any] | None = None) -> None:
        self.d, self.costs, self.assume, self.overrides = d, costs, assume, overrides
        self.targets = tuple(targets)  # the targets one knapsack run solves together (more are added when asked)
        self._solved: dict[tuple[int, bool], str | tuple[float, list[Option]] | None] = {}
        # what depends only on the criteria (per-star minimums by target, rule parameters by set and
        # period): `shared` lets a cohort's products share it during one plan (keys hold object ids,
        # so it must not outlive the call)
        self._shared = shared if shared is not None else {}
        self.pts = np.where(d.points == MISSING, 0, d.points).astype(np.int64)
        self.story = _story(d.form) if not d.applicable.all() else None  # only a product without a story has two branches
        self.branches: tuple[bool, ...] = (False,) if self.story is None else (False, True)
        self._priced: dict[Any, Any] = {}  # per story branch: the priced options (as lists, and as arrays)

    def _price_all(self, with_story: bool) -> list[list[tuple[Option, int]] | None]:
        """Per criterion: (option, the council's points on it after the option) for every option a plan
        may pick at any target; None for a criterion left as it is (not applicable, no story made)."""
        d, costs, assume, story = self.d, self.costs, self.assume, self.story
        cs, form = d.criteria_set, d.form
        M = len(d.members)
        rows: list[list[tuple[Option, int]] | None] = []
        ladders = self.memo(("points", id(form)), lambda: [leaf.points for leaf in form.leaves])
        known = self._shared

        def price(number: str, ladder: tuple[int, ...], start: int, to: int) -> Any:
            """The cost model's price, asked once per distinct step for all the products sharing `known`."""
            key = ("price", cs.id, form.slug, number, ladder, start, to)
            if key not in known:
                known[key] = costs.price(form.slug, number, ladder, start, to, criteria_set=cs.id)
            return known[key]

        def steps(number: str, ladder: tuple[int, ...], base: int) -> list[tuple[int, Any]]:
            """(option, price from `base`) up the ladder, once per (criterion, ladder, base) for all the
            products sharing `known` ("all_members" prices from the lowest member's option)."""
            key = ("steps", cs.id, form.slug, number, ladder, base)
            if key not in known:
                known[key] = [(v, price(number, ladder, base, v)) for v in ladder if v >= base]
            return known[key]

        columns = self.pts.T.tolist()
        for li, leaf in enumerate(form.leaves):
            if not d.applicable[li] and not with_story:
                rows.append(None)
                continue
            newly = not d.applicable[li]
            ladder = ladders[li] if newly else _ladder(leaf, self.pts[:, li], d.cases.get(leaf.number), ladders[li])
            cur = [ladder[0]] * M if newly else columns[li]
            before = 0 if newly else sum(cur)
            base = min(cur)
            if base not in ladder:
                ladder = tuple(sorted(set(ladder) | {base}))
            row = []
            ranked = sorted(cur)
            above = [0] * (M + 1)  # above[k]: the points of the members ranked k and higher
            for k in range(M - 1, -1, -1):
                above[k] = above[k + 1] + ranked[k]
            for v, found in steps(leaf.number, ladder, base):
                if story is not None and li == story[0]:
                    if with_story and v <= story[1]:
                        continue  # a story is created: the story criterion leaves "Không có câu chuyện"
                    if not with_story and v > max(story[1], base):
                        continue  # without a story the story criterion cannot rise above "no story"
                if assume == "mean":
                    prices = [price(leaf.number, ladder, p, v) if p < v else None for p in cur]
                    if any(pr is None for p, pr in zip(cur, prices) if p < v):
                        continue
                    paid = [pr for pr in prices if pr is not None]
                    cost = float(sum(pr.cost for pr in paid)) / M
                    label = next((pr.label for pr in paid if pr.label), None)
                else:
                    if found is None:
                        continue
                    cost, label = float(found.cost), found.label
                k = bisect_right(ranked, v)
                after = v * k + above[k]  # the sum over members of max(their points, v)
                row.append((Option(after - before, cost, v, label, base), after))
            rows.append(row)
        return rows

    def band_min(self, target: int) -> float:
        """The lowest total of the target's band (the set's and period's rule parameters)."""
        d = self.d
        cs = d.criteria_set
        params = rule_params(cs, d.period, self.overrides) if self.overrides else \
            self.memo(("params", id(cs), id(d.period)), lambda: rule_params(cs, d.period, None))
        return next(b["min"] for b in params["bands"] if b["stars"] == target)

    def need_gain(self, target: int) -> int:
        """Council points (summed over members) the plan must add to reach the target's band."""
        M = len(self.d.members)
        return max(0, math.ceil(Fraction(str(self.band_min(target))) * M - int(self.pts.sum())))

    def cheapest(self, target: int, with_story: bool) -> str | tuple[float, list[Option]] | None:
        """The cheapest options gaining the target's points, one per criterion: (cost, options); None
        when no pick gains enough; a string when some criterion cannot meet a minimum up to the target."""
        if (target, with_story) not in self._solved:
            self.targets = tuple(dict.fromkeys(self.targets + (target,)))
            solve([self])
        return self._solved[(target, with_story)]

    def needs(self, target: int) -> list[int]:
        """Per criterion, the per-star minimum up to the target (0: none)."""
        cs, form = self.d.criteria_set, self.d.form
        marks = form.arrays.star_min
        marked = cs.star_minimums.get("mechanism") == "option_marks"
        period = self.d.period

        def make() -> list[int]:
            # the marks whose rules cap the stars below the target, read from the rules the engine decides
            # with (policy overrides change bands, gates and spread, never these rules: the default ones are read)
            binding = {b.stars for b in binding_minimums(compiled_rules(cs, period)[1], target) if b.stage == "minimum"}
            return [_need(marks, li, binding, marked) for li in range(len(form.leaves))]

        return self.memo(("need", id(form), id(period), target), make)

    def memo(self, key: Any, make: Any) -> Any:
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    def options(self, target: int, with_story: bool) -> list[list[Option]] | str:
        """Per criterion, the options a plan for `target` may pick (the first keeps it as it is, when
        allowed). A string is returned instead when some criterion cannot meet a minimum up to the target."""
        d = self.d
        form = d.form
        M = len(d.members)
        needs = self.needs(target)
        options: list[list[Option]] = []
        for li, priced in enumerate(_priced(self, with_story)):
            if priced is None:
                options.append([_KEEP])  # not applicable: scores 0, left as it is
                continue
            need = needs[li]
            # an option that leaves a minimum up to the target unmet is no option
            row = [o for o, after in priced if not need or after >= need * M]
            if not row:
                leaf = form.leaves[li]
                return (f"[plan-minimum-unreachable] tiêu chí {leaf.number} ({leaf.label}) không thể đạt mức tối thiểu "
                        f"{target}★ ({need} điểm) với các mức nâng hiện có / criterion {leaf.number} cannot reach its "
                        f"{target}★ minimum ({need} points) with the upgrades available")
            options.append(row)
        return options


KNAPSACK_ROWS = 64  # knapsack rows solved in one array pass: its (rows × options × states) arrays stay in cache
_KEEP = Option(0, 0.0, 0, None, 0)  # a criterion left as it is (not applicable, no story made): scores 0
_EXEMPT = 2 ** 62  # the points "after" a criterion left as it is: no minimum concerns it


def _priced(c: Choices, with_story: bool) -> list[list[tuple[Option, int]] | None]:
    if with_story not in c._priced:
        c._priced[with_story] = c._price_all(with_story)
    return c._priced[with_story]


def _arrays(c: Choices, with_story: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A product's priced options as (criteria × options) arrays, in the order listed: gains, costs
    (inf past the last option) and the council's points after each (huge for a criterion left as it
    is, which no minimum concerns)."""
    key = ("arrays", with_story)
    if key not in c._priced:
        form = c.d.form
        priced = _priced(c, with_story)
        K = c.memo(("width", id(form)), lambda: max(len(leaf.points) for leaf in form.leaves) + 1)
        gains: list[int] = []
        costs: list[float] = []
        after: list[int] = []
        for row in priced:  # flat lists, one array each: a few dozen criteria of a few options
            if row is None:
                gains += [0] * K
                costs += [0.0] + [np.inf] * (K - 1)
                after += [_EXEMPT] + [0] * (K - 1)
                continue
            pad = K - len(row)
            gains += [o.gain for o, _ in row] + [0] * pad
            costs += [o.cost for o, _ in row] + [np.inf] * pad
            after += [a for _, a in row] + [0] * pad
        shape = (len(priced), K)
        c._priced[key] = (np.array(gains, dtype=np.int64).reshape(shape), np.array(costs).reshape(shape),
                          np.array(after, dtype=np.int64).reshape(shape))
    return c._priced[key]


def solve(products: list[Choices]) -> None:
    """Solve the knapsack of every target (and story branch) of these products not solved yet.

    A target's options are the product's priced options less those leaving a per-star minimum up to
    the target unmet (`Choices.options`), here as costs set to inf. Rows of products on the same form
    (same criteria) are solved together, in one array pass per criterion (`_knapsack`): a cohort's
    thousands of plans cost a few hundred array operations per form instead of a few dozen per plan."""
    groups: dict[int, list[tuple[Choices, tuple[int, bool], np.ndarray, np.ndarray, int]]] = {}
    for c in products:
        form = c.d.form
        M = len(c.d.members)
        for with_story in c.branches:
            gains, costs, after = _arrays(c, with_story)
            for t in c.targets:
                if (t, with_story) in c._solved:
                    continue
                needs = c.memo(("needs", id(form), id(c.d.period), t), lambda: np.array(c.needs(t), dtype=np.int64))[:, None]
                allowed = np.where((needs == 0) | (after >= needs * M), costs, np.inf)
                if not np.isfinite(allowed).any(axis=1).all():
                    c._solved[(t, with_story)] = c.options(t, with_story)  # the criterion that cannot, worded
                    continue
                groups.setdefault(id(form), []).append((c, (t, with_story), gains, allowed, c.need_gain(t)))
    for rows in groups.values():
        rows.sort(key=lambda row: row[4])  # a pass is as wide as its largest need: neighbours in need share one
        for start in range(0, len(rows), KNAPSACK_ROWS):
            part = rows[start:start + KNAPSACK_ROWS]
            found = _knapsack(np.stack([r[2] for r in part]), np.stack([r[3] for r in part]),
                              np.array([r[4] for r in part], dtype=np.int64))
            for (c, key, _, _, _), answer in zip(part, found):
                if answer is not None:
                    priced = _priced(c, key[1])
                    answer = (answer[0], [_KEEP if priced[li] is None else priced[li][k][0]
                                          for li, k in enumerate(answer[1])])
                c._solved[key] = answer


def _knapsack(gains: np.ndarray, costs: np.ndarray, needs: np.ndarray) -> list[tuple[float, list[int]] | None]:
    """Exact multiple-choice knapsack for several rows at once: gains and costs are (rows × criteria ×
    options), a cost of inf an option the row does not have; needs the points each row must gain.

    best[r, s] = least cost to gain at least s points over the criteria seen so far, so reaching
    more always also reaches less; a row's answer is best[r, its need], and rows sharing the pass
    change nothing for one another. Each criterion's options are tried at once; ties go to the
    first option listed (argmin), as a strict "<" over the options in order. Per row: (cost, the
    option picked for each criterion), or None when no pick gains enough."""
    N, L, _ = gains.shape
    S = int(needs.max())
    width = S + 1
    idx = np.arange(width, dtype=np.int32)
    best = np.full((N, width), np.inf)
    best[:, 0] = 0.0
    offset = (np.arange(N, dtype=np.int32) * width)[:, None, None]
    finite = np.isfinite(costs)
    used = finite.any(axis=0)  # (criteria × options): options some row has
    choice = np.zeros((L, N, width), dtype=np.int8)
    widths = used.shape[1] - used[:, ::-1].argmax(axis=1)  # per criterion: up to the last option some row has
    for li in range(L):
        K = int(widths[li])
        g, c = gains[:, li, :K], costs[:, li, :K]
        if K == 1 and not g.any() and not c.any():
            continue  # every row keeps its only option, which neither moves nor costs
        at = idx[None, None, :] - g.astype(np.int32)[:, :, None]  # (rows, options, states): the state before
        np.maximum(at, 0, out=at)
        at += offset
        cand = np.take(best, at)
        cand += c[:, :, None]
        # the least over the options, and the first option reaching it (a strict "<" in order)
        new = cand[:, 0, :].copy()
        pick = choice[li]
        for k in range(1, K):
            better = cand[:, k, :] < new
            np.minimum(new, cand[:, k, :], out=new)
            pick[better] = k
        best = new
    out: list[tuple[float, list[int]] | None] = []
    rows = np.arange(N)
    s = needs.copy()
    picks = np.zeros((N, L), dtype=np.int64)
    for li in range(L - 1, -1, -1):  # back from each row's need: the options that made its best
        k = choice[li, rows, s].astype(np.int64)
        picks[:, li] = k
        s = np.maximum(0, s - gains[rows, li, k])
    total = best[rows, needs]
    for r in range(N):
        out.append((float(total[r]), picks[r].tolist()) if np.isfinite(total[r]) else None)
    return out
