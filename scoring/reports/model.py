"""A plan (kế hoạch OCOP) as data: the area tree with its star targets, rewards and support lines.

Shaped after the four real plans in `reference/plans/` (Hải Dương 4435/KH-UBND for 2021, Thanh Hà
2021, Tứ Kỳ 36/KH-UBND for 2023, Long Mỹ 2020). Plan files are read into these frozen objects by
`planfile` (YAML) and `planxlsx` (XLSX); the reports only read them.

Targets are **cumulative**, read the way the kernel's support planner (`scoring.whatif.plan`) reads
them. A plan states counts by stars in one of two ways, and the file says which (`reading`):

- `places` (default): "ít nhất 01 sản phẩm đạt 5 sao, 20 sản phẩm đạt 4 sao và 30 sản phẩm đạt 3
  sao" are 1 + 20 + 30 = 51 distinct products (the same plan supports "ít nhất 51 sản phẩm"); a
  product with more stars fills a lower place too. So at least 1 product at ≥ 5★, 21 at ≥ 4★ and
  51 at ≥ 3★.
- `at_least`: "10–12 sản phẩm … đạt tiêu chuẩn 3 sao trở lên" (Tứ Kỳ) gives the count at ≥ k★
  directly.

`required` always holds the cumulative form: products needed with at least k stars.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

LEVELS = ("province", "district", "commune")
LEVELS_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
STAR_LEVELS = (5, 4, 3)  # only 3★ and above are recognised and certified
READINGS = {
    "places": "counts per star level are distinct products; a product with more stars also fills a lower place "
              "(targets 5:1, 4:20, 3:30 need ≥ 1 at 5★, ≥ 21 at ≥ 4★, ≥ 51 at ≥ 3★)",
    "at_least": "each count is the number of products with at least that many stars",
}
COUNTS = {
    "year": "certificates issued in the plan's year up to the report date (new products and upgrades; "
            "re-evaluations only if the plan says so), not revoked by then",
    "stock": "certificates valid on the report date, whenever issued",
}
PURPOSES = {
    "packaging": "bao bì, đóng gói / packaging",
    "labels": "nhãn mác, nhãn hàng hóa / labels",
    "traceability": "tem truy xuất, mã số mã vạch / traceability stamps, barcodes",
    "ip": "sở hữu trí tuệ, nhãn hiệu / intellectual property, trademarks",
    "quality": "công bố chất lượng, kiểm nghiệm / quality declarations, tests",
    "promotion": "xúc tiến thương mại, quảng bá / trade promotion",
    "story": "câu chuyện sản phẩm / product story",
    "equipment": "máy móc, thiết bị, hạ tầng / machinery, equipment, infrastructure",
    "training": "đào tạo, tập huấn / training",
    "dossier": "tư vấn hoàn thiện hồ sơ / dossier consulting",
    "reward": "thưởng sản phẩm đạt sao / star rewards",
    "other": "khác / other",
}
REPORTING = {"quarter": "quý", "half-year": "sáu tháng", "year": "cả năm"}
UPGRADE_REWARD = {
    "difference": "an upgrade is rewarded with the difference between the new and the old star's rate",
    "full": "an upgrade is rewarded at the new star's full rate",
    "none": "upgrades earn no reward",
}
REEVALUATION_REWARD = {
    "none": "a re-evaluation keeping or changing the stars earns no reward",
    "full": "a re-evaluation is rewarded at its star's full rate",
}


@dataclass(frozen=True)
class Range:
    """A count a plan gives as a number or a range ("10–12"): `low` is the target, `high` the stretch."""

    low: int
    high: int

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


@dataclass(frozen=True)
class UpgradeTarget:
    from_stars: int
    to_stars: int
    count: Range


@dataclass(frozen=True)
class Targets:
    stars: dict[int, Range]          # as written in the plan
    reading: str                     # key of READINGS
    upgrades: tuple[UpgradeTarget, ...] = ()
    new_products: Range | None = None
    source: str | None = None

    @property
    def required(self) -> dict[int, int]:
        """Products needed with at least k stars, for k = 5, 4, 3 (only levels the plan names or implies)."""
        return _cumulative({k: r.low for k, r in self.stars.items()}, self.reading)

    @property
    def stretch(self) -> dict[int, int]:
        return _cumulative({k: r.high for k, r in self.stars.items()}, self.reading)

    @property
    def places(self) -> dict[int, int]:
        """The same targets as places (what `scoring.whatif.plan` takes): needed at exactly level k or above,
        beyond the places of higher levels."""
        req = self.required
        out, above = {}, 0
        for k in sorted(req, reverse=True):
            out[k] = req[k] - above
            above = req[k]
        return out


def _cumulative(counts: dict[int, int], reading: str) -> dict[int, int]:
    if not counts:
        return {}
    lowest = min(counts)
    out: dict[int, int] = {}
    running = 0
    for k in STAR_LEVELS:
        if k < lowest:
            break
        if reading == "places":
            running += counts.get(k, 0)
            out[k] = running
        else:
            running = max(running, counts.get(k, 0))
            out[k] = running
    return {k: v for k, v in out.items() if k <= max(counts) or v}


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name: str
    targets: Targets | None = None
    children: tuple["Area", ...] = ()
    source: str | None = None

    def walk(self, depth: int = 0) -> Iterator[tuple[int, "Area"]]:
        """(depth, area) pairs, parents before their children (the report's row order)."""
        yield depth, self
        for c in self.children:
            yield from c.walk(depth + 1)

    @property
    def label(self) -> str:
        return f"{LEVELS_VI[self.level].capitalize()} {self.name}"


@dataclass(frozen=True)
class Rewards:
    per_star: dict[int, float]
    upgrade: str = "difference"
    reevaluation: str = "none"
    source: str | None = None

    def owed(self, kind: str, stars: int, previous_stars: int | None = None) -> float:
        """The reward a certificate of `kind` (new / upgrade / re-evaluation) earns under the plan's reading."""
        rate = self.per_star.get(stars, 0.0)
        if kind == "upgrade":
            if self.upgrade == "none":
                return 0.0
            if self.upgrade == "difference" and previous_stars is not None:
                return max(0.0, rate - self.per_star.get(previous_stars, 0.0))
            return rate
        if kind == "re-evaluation":
            return rate if self.reevaluation == "full" else 0.0
        return rate


@dataclass(frozen=True)
class BudgetLine:
    id: str
    name: str
    purpose: str
    amount: float | None
    area_code: str | None = None
    criteria: tuple[str, ...] = ()          # "SET:CRITERION" links, e.g. "qd26-2026:2.3"
    cost_rows: tuple[dict[str, Any], ...] = ()  # rows in the cost-table format of scoring.whatif.costs
    cost_table: Path | None = None
    source: str | None = None


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    year: int
    area: Area
    rewards: Rewards | None = None
    budget: tuple[BudgetLine, ...] = ()
    number: str | None = None
    issued_by: str | None = None
    issued_on: date | None = None
    reporting: tuple[str, ...] = ()
    counts: str = "year"
    notes: tuple[str, ...] = ()
    file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def areas(self) -> Iterator[tuple[int, Area]]:
        return self.area.walk()

    def find(self, code: str) -> Area | None:
        return next((a for _, a in self.areas() if a.code == code), None)

    def cost_model(self, *, default_step_cost: float | None = None):
        """The support lines' criterion costs as one kernel CostModel (scoring.whatif.load_costs checks every
        row against the criteria data); no cost rows at all: the kernel's one-step-per-option default."""
        from ..whatif import CostModel, load_costs

        from ..errors import Issue, ValidationFailed

        rows: list[tuple[str, dict[str, Any]]] = []  # (where the row comes from, row)
        for i, line in enumerate(self.budget):
            rows += [(f"budget[{i}] ({line.id}).costs[{j}]", dict(r)) for j, r in enumerate(line.cost_rows)]
            if line.cost_table is not None:
                model = load_costs(line.cost_table)
                for (s, f, c), prices in model.table.items():
                    rows += [(f"budget[{i}] ({line.id}).cost_table {line.cost_table.name}",
                              {"criteria_set": s, "form": f, "criterion": c, "from_points": a, "to_points": b,
                               "cost": p.cost, "label": p.label}) for (a, b), p in prices.items()]
        if not rows:
            return CostModel(default_step_cost=default_step_cost)
        seen: dict[tuple, tuple[str, float]] = {}
        unique, issues = [], []
        for where, r in rows:  # the same step priced alike twice (two lines, a line and its table) is one price
            try:
                key = (str(r.get("criteria_set") or "*"), str(r.get("form") or "*"), str(r.get("criterion")).strip(),
                       int(r.get("from_points")), int(r.get("to_points")))
                cost = float(r.get("cost"))
            except (TypeError, ValueError):
                unique.append(r)  # malformed: load_costs names the problem
                continue
            if key in seen:
                if seen[key][1] != cost:
                    issues.append(Issue("[budget-cost-conflict] một bước nâng cấp có hai mức chi phí / one upgrade step "
                                        "has two prices", self.file, where, cost,
                                        f"{seen[key][1]:.0f} như ở / as in {seen[key][0]}"))
                continue
            seen[key] = (where, cost)
            unique.append(r)
        if issues:
            raise ValidationFailed(issues, subject=self.file or "plan")
        return load_costs(unique, default_step_cost=default_step_cost)
