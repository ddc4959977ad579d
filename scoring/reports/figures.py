"""The reports' figures as plain data: what the renderers draw and the tests check.

A progress report is one `AreaProgress` per area of the plan, parents before children; additive
figures of a parent are the sum of its children's (certificates in a district outside the plan's
communes go to a synthetic child "các xã khác", so that the sum holds exactly). A supervision report
is one `SupervisionItem` per certificate that needs a call. Dates are `date`, amounts VND floats;
`as_dict()` gives the machine-readable export (ISO dates, plain numbers).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

STARS = (3, 4, 5)
# additive per-area figures: a parent's value is the sum of its children's (tests check this)
ADDITIVE = ("achieved", "valid", "new_in_period", "upgrades_in_period", "reevaluations_in_period",
            "expired_in_period", "revoked_in_period", "pipeline", "pipeline_delta", "reward_owed", "new_products",
            "upgrade_pairs")


def _zero() -> dict[int, int]:
    return {k: 0 for k in STARS}


def at_least(counts: dict[int, int]) -> dict[int, int]:
    """Exact counts by stars -> counts of at least k stars."""
    return {k: sum(v for s, v in counts.items() if s >= k) for k in STARS}


@dataclass
class UpgradeProposal:
    """One product's cheapest upgrade found by the kernel's planner (scoring.whatif.plan)."""

    dossier_id: str
    product: str
    stars_before: int
    stars_after: int
    cost: float
    steps: list[dict[str, Any]]  # criterion, from_points, to_points, cost, label


@dataclass
class WhatIf:
    feasible: bool
    cost: float
    cost_unit: str
    proposals: list[UpgradeProposal] = field(default_factory=list)
    unmet: dict[int, int] = field(default_factory=dict)
    note: str = ""
    candidates: int = 0
    candidates_total: int = 0


@dataclass
class AreaProgress:
    code: str
    name: str
    level: str
    depth: int
    parent: str | None
    synthetic: bool = False                   # "các xã khác": certificates of the area outside the plan's sub-areas
    required: dict[int, int] = field(default_factory=dict)   # cumulative targets (own), {} = no target
    stretch: dict[int, int] = field(default_factory=dict)
    target_text: str = ""
    achieved: dict[int, int] = field(default_factory=_zero)  # products counted toward targets, by exact stars
    valid: dict[int, int] = field(default_factory=_zero)     # certificates valid on the date, by stars
    new_in_period: dict[int, int] = field(default_factory=_zero)
    upgrades_in_period: dict[int, int] = field(default_factory=_zero)   # by the new stars
    reevaluations_in_period: dict[int, int] = field(default_factory=_zero)
    expired_in_period: dict[int, int] = field(default_factory=_zero)
    revoked_in_period: dict[int, int] = field(default_factory=_zero)
    pipeline: dict[int, int] = field(default_factory=_zero)  # scored, not certified, by the stars they carry
    pipeline_delta: dict[int, int] = field(default_factory=_zero)  # change in `achieved` if all were certified
    reward_owed: float = 0.0
    new_products: int = 0                      # first certificates in the plan's year (new-product target)
    upgrade_pairs: dict[str, int] = field(default_factory=dict)  # upgrades in the plan's year, "3-4": count
    upgrade_targets: list[dict[str, Any]] = field(default_factory=list)  # from, to, target, achieved
    new_products_target: str | None = None
    whatif: WhatIf | None = None

    @property
    def achieved_at_least(self) -> dict[int, int]:
        return at_least(self.achieved)

    @property
    def gap(self) -> dict[int, int]:
        a = self.achieved_at_least
        return {k: max(0, v - a[k]) for k, v in self.required.items()}

    @property
    def gap_after_pipeline(self) -> dict[int, int]:
        a = at_least({k: self.achieved[k] + self.pipeline_delta[k] for k in STARS})
        return {k: max(0, v - a[k]) for k, v in self.required.items()}

    @property
    def progress(self) -> float | None:
        """Share of the lowest-star target met (the commune grid's colour); None without targets."""
        if not self.required:
            return None
        k = min(self.required)
        need = self.required[k]
        return 1.0 if need == 0 else min(1.0, self.achieved_at_least[k] / need)

    @property
    def label(self) -> str:
        from .model import LEVELS_VI

        return self.name if self.synthetic else f"{LEVELS_VI.get(self.level, self.level).capitalize()} {self.name}"


@dataclass
class Period:
    key: str         # Q1..Q4, H1, H2, year
    start: date
    end: date        # last day of the period
    label: str       # "Quý III/2026"


@dataclass
class ProgressReport:
    plan_id: str
    plan_title: str
    plan_year: int
    counts: str
    as_of: date
    period: Period
    areas: list[AreaProgress]
    stars_over_time: list[tuple[date, dict[int, int]]] = field(default_factory=list)
    expiring_by_month: list[tuple[str, int]] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    outside_plan: int = 0      # certificates of the registry outside the plan's root area (not counted)
    database: str = ""

    def area(self, code: str) -> AreaProgress:
        return next(a for a in self.areas if a.code == code)

    def children(self, code: str) -> list[AreaProgress]:
        return [a for a in self.areas if a.parent == code]

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for a, src in zip(d["areas"], self.areas):
            a["achieved_at_least"], a["gap"] = src.achieved_at_least, src.gap
            a["gap_after_pipeline"], a["progress"] = src.gap_after_pipeline, src.progress
        d["stars_over_time"] = [{"date": t.isoformat(), "counts": c} for t, c in self.stars_over_time]
        d["expiring_by_month"] = [{"month": m, "count": n} for m, n in self.expiring_by_month]
        return _iso(d)


CATEGORIES = {
    # key: (Vietnamese, English) — exclusive, in this order of precedence
    "revoked": ("Bị thu hồi", "revoked"),
    "expired": ("Đã hết hạn", "expired"),
    "past_window": ("Quá hạn nộp hồ sơ đánh giá lại (còn hiệu lực)", "re-evaluation window passed, still valid"),
    "in_window": ("Trong thời hạn nộp hồ sơ đánh giá lại", "in the re-evaluation window"),
    "expiring": ("Sắp hết hạn (chưa đến thời hạn nộp)", "expiring, window not yet open"),
}


@dataclass
class SupervisionItem:
    certificate_no: str
    product: str
    producer: str
    stars: int
    issued_on: date
    expires_on: date
    window_opens: date
    window_closes: date
    category: str
    days_to_expiry: int
    province: str | None = None
    district: str | None = None
    commune: str | None = None
    representative: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    revoked_on: date | None = None
    revocation_ground: str | None = None
    reevaluation_filed: bool | None = None

    @property
    def area_key(self) -> tuple[str, str, str]:
        return (self.province or "", self.district or "", self.commune or "")


@dataclass
class SupervisionReport:
    as_of: date
    within: int
    since: date
    items: list[SupervisionItem]
    window: tuple[int, int] = (180, 120)
    expiring_by_month: list[tuple[str, int]] = field(default_factory=list)
    database: str = ""
    readings: list[str] = field(default_factory=list)

    def by_area(self) -> dict[tuple[str, str, str], dict[str, int]]:
        out: dict[tuple[str, str, str], dict[str, int]] = {}
        for it in self.items:
            row = out.setdefault(it.area_key, {k: 0 for k in CATEGORIES})
            row[it.category] += 1
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["expiring_by_month"] = [{"month": m, "count": n} for m, n in self.expiring_by_month]
        d["by_area"] = [{"province": p, "district": di, "commune": c, **v} for (p, di, c), v in self.by_area().items()]
        return _iso(d)


def _iso(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {(str(k) if not isinstance(k, str) else k): _iso(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_iso(v) for v in value]
    return value
