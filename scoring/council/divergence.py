"""Divergence between members and the session's quorum.

Divergence: the pairs of members whose totals differ by more than the criteria set's
`council.max_spread` (10 points; the same threshold and the same strict ">" as the kernel's
`council.spread` warning), with the criteria that make most of each gap. Such a dossier is
"to re-score": it is not decided until sheets read again no longer diverge, or the secretary
overrides with a recorded reason. The rule comes from provincial council regulations (Tây Ninh,
Đồng Tháp), not from the decisions: the decisions leave it, and the quorum, to each province.

Quorum: QĐ 26/2026 sets none (NOT IN TEXT, reference qd26-2026-process.md §13); the default share
of 75 % of the council's members present follows the Tây Ninh regulation the set's data cites, and
is configurable — that reading is ours.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any, Mapping

from .. import criteria as crit
from ..errors import Issue, ValidationFailed
from ..result import Result

DEFAULT_QUORUM = 0.75
TOP_CRITERIA = 5
DECIDED, TO_RESCORE, OVERRIDDEN = "decided", "to-rescore", "overridden"
STATUS_VI = {DECIDED: "đã quyết định", TO_RESCORE: "chấm lại", OVERRIDDEN: "quyết định theo ý kiến thư ký (có lý do)"}


@dataclass
class Gap:
    """Two members whose totals differ by more than the limit, and the criteria behind it."""

    member_a: str
    member_b: str
    total_a: float
    total_b: float
    gap: float
    limit: float
    criteria: list[dict[str, Any]] = field(default_factory=list)  # id, label, a, b, diff (a - b)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _as_dict(result: Result | Mapping[str, Any]) -> Mapping[str, Any]:
    return result.to_dict() if isinstance(result, Result) else result


def max_spread(result: Result | Mapping[str, Any]) -> float | None:
    r = _as_dict(result)
    return crit.load_set(r["criteria_set"]).council.get("max_spread")


def divergence(result: Result | Mapping[str, Any], *, limit: float | None = ..., top: int = TOP_CRITERIA) -> list[Gap]:
    """Pairs of members of a scored dossier (a kernel Result or its dict) whose totals differ by
    more than `limit` (default: the set's max_spread; None turns the check off), largest gap first.
    Each pair lists up to `top` criteria where the two members differ most in the direction of the gap."""
    r = _as_dict(result)
    if limit is ...:
        limit = max_spread(r)
    if limit is None:
        return []
    totals = r["member_totals"]
    gaps: list[Gap] = []
    for a, b in combinations(r["members"], 2):
        ta, tb = float(totals[a]), float(totals[b])
        if abs(ta - tb) <= limit:
            continue
        if ta < tb:
            a, b, ta, tb = b, a, tb, ta
        diffs = []
        for c in r["criteria"]:
            pa, pb = c["points"].get(a), c["points"].get(b)
            d = (pa or 0) - (pb or 0)
            if d > 0:
                diffs.append({"id": c["id"], "label": c["label"], "a": pa, "b": pb, "diff": d})
        diffs.sort(key=lambda x: (-x["diff"], [int(p) for p in x["id"].split(".")]))
        gaps.append(Gap(a, b, ta, tb, ta - tb, float(limit), diffs[:top]))
    gaps.sort(key=lambda g: -g.gap)
    return gaps


def status(result: Result | Mapping[str, Any], overrides: Mapping[str, Any] | None = None) -> str:
    """decided | to-rescore | overridden (a divergent dossier the secretary decided with a reason)."""
    r = _as_dict(result)
    if not divergence(r):
        return DECIDED
    return OVERRIDDEN if (overrides or {}).get(r["dossier_id"]) else TO_RESCORE


def check_quorum(members: list[str], present: list[str], *, share: float = DEFAULT_QUORUM,
                 chair: str | None = None, require_chair: bool = False, subject: str = "session") -> None:
    """Refuse a session with fewer than `share` of its council's members present (and, when
    `require_chair`, without its chair). Raises ValidationFailed naming the rule."""
    issues: list[Issue] = []
    if not 0 < share <= 1:
        issues.append(Issue("tỷ lệ túc số không hợp lệ / quorum share out of range", None, "quorum", share,
                            "a share in (0, 1], e.g. 0.75"))
    unknown = [p for p in present if p not in members]
    for p in unknown:
        issues.append(Issue("người dự họp không phải thành viên Hội đồng / present but not a council member", None,
                            "present", p, ", ".join(members)))
    need = math.ceil(share * len(members) - 1e-9)
    here = len([p for p in dict.fromkeys(present) if p in members])
    if not issues and here < need:
        issues.append(Issue(
            f"[council-quorum] không đủ túc số: {here}/{len(members)} thành viên có mặt, cần ít nhất {need} "
            f"({share:.0%}, quy chế của tỉnh — QĐ 26/2026 không quy định; mặc định 75% theo Quy chế Tây Ninh) / "
            f"no quorum: {here} of {len(members)} members present, at least {need} ({share:.0%}) needed — a "
            f"provincial rule (QĐ 26/2026 sets none; the 75 % default, after Tây Ninh's council rules, is our reading)",
            None, "present", here, f">= {need} of {len(members)}"))
    if not issues and require_chair and chair and chair not in present:
        issues.append(Issue(f"[council-quorum-chair] Chủ tịch Hội đồng vắng mặt / the chair ({chair}) is absent and "
                            "the province's rule requires the chair", None, "present", chair, "the chair present"))
    if issues:
        raise ValidationFailed(issues, subject=subject)
