"""Rule parameters from the criteria data, with what-if overrides.

Thresholds are facts of the decision (set.json), not of the rule files; a policy what-if (a
70-point gate instead of 50, other band limits) overrides them here, never by editing data.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from ..criteria.model import CriteriaSet, Period

MARKS = {3: "***", 4: "****", 5: "*****"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def _num(x: float | None) -> float | int | None:
    """Whole thresholds as int, so that sentences read "≥ 50", not "≥ 50.0"."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _bands(cs: CriteriaSet, override: Mapping[Any, float] | None) -> list[dict[str, Any]]:
    mins = {b.stars: b.min for b in cs.bands}
    if override:
        for stars, minimum in override.items():
            stars = int(stars)
            if stars not in mins or stars == 1:
                raise ValueError(f"band override: stars must be 2..5, got {stars}")
            mins[stars] = float(minimum)
        ordered = [mins[s] for s in sorted(mins)]
        if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
            raise ValueError(f"band override: lower limits must increase with the stars, got {mins}")
    out = []
    for stars in sorted(mins, reverse=True):
        below = mins.get(stars + 1)
        rng = f"[{_fmt(mins[stars])}, {_fmt(below)})" if below is not None else f"[{_fmt(mins[stars])}, {cs.total_max}]"
        out.append({"stars": stars, "min": _num(mins[stars]), "below": _num(below), "range": rng})
    return out


def rule_params(cs: CriteriaSet, period: Period, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter the rule files may reference, for one set and period."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - {"bands", "gates", "max_spread"}
    if unknown:
        raise ValueError(f"unknown policy override(s): {', '.join(sorted(unknown))}; allowed: bands, gates, max_spread")
    gate_over = overrides.get("gates") or {}
    # a gate of another period (a district gate in a cohort that also holds 2026 dossiers) simply does
    # not apply to this period; a gate no period of any set has is a typo and is refused
    from ..criteria import load_all

    known_gates = {g.id for s in load_all().values() for p in s.periods for g in p.gates} | {g.id for g in period.gates}
    for gid in gate_over:
        if gid not in known_gates:
            raise ValueError(f"gate override: no criteria set has a gate '{gid}'; gates: {', '.join(sorted(known_gates))}")
    max_spread = overrides.get("max_spread", cs.council.get("max_spread"))
    return {
        "bands": _bands(cs, overrides.get("bands")),
        "minimum_levels": [{"stars": s, "cap": s - 1, "marks": MARKS[s]} for s in (3, 4, 5)],
        "gates": [{"id": g.id, "from_level": g.from_level, "to_level": g.to_level,
                   "min_total": _num(float(gate_over.get(g.id, g.min_total)))} for g in period.gates],
        "recognition": [{"level": lvl, "stars": list(stars), "stars_list": ", ".join(map(str, stars))}
                        for lvl, stars in period.recognition.items()],
        "levels": [{"level": lvl, "recognises": list(period.recognition.get(lvl, ())),
                    "recognises_list": ", ".join(map(str, period.recognition.get(lvl, ()))) or "—"}
                   for lvl in period.levels],
        "recognised_min_stars": cs.recognised_min_stars,
        "max_spread": max_spread,
        "certificate_months": cs.certificate_months,
    }


def params_key(params: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:10]
