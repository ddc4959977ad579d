"""Rule parameters from the criteria data, with what-if overrides.

Thresholds are facts of the decision (set.json), not of the rule files; a policy what-if (a
70-point gate instead of 50, other band limits) overrides them here, never by editing data.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Mapping

from ..criteria.model import STAR_LEVELS, CriteriaSet, Period
from ..errors import Issue, PolicyInvalid

MARKS = {2: "**", 3: "***", 4: "****", 5: "*****"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def _num(x: float | None) -> float | int | None:
    """Whole thresholds as int, so that sentences read "≥ 50", not "≥ 50.0"."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _refuse(code: str, vi: str, en: str, location: str, value: Any, allowed: str) -> PolicyInvalid:
    return PolicyInvalid([Issue(f"[{code}] {vi} / {en}", None, location, value, allowed)],
                         subject="chính sách / policy overrides")


def _number(value: Any, location: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not math.isfinite(number):
        raise _refuse("override-not-a-number", "ngưỡng phải là một số", "a threshold must be a number",
                      location, value, "a number of points, e.g. 70")
    return number


def _bands(cs: CriteriaSet, override: Mapping[Any, float] | None) -> list[dict[str, Any]]:
    mins = {b.stars: b.min for b in cs.bands}
    if override:
        for key, minimum in override.items():
            try:
                stars = int(key)
            except (TypeError, ValueError):
                stars = None
            if stars not in mins or stars == 1 or isinstance(key, bool):
                raise _refuse("override-band-stars", "hạng sao không có ngưỡng để thay",
                              "no band of these stars to override", f"overrides.bands.{key}", key,
                              ", ".join(str(s) for s in sorted(mins) if s != 1))
            mins[stars] = _number(minimum, f"overrides.bands.{key}")
        ordered = [mins[s] for s in sorted(mins)]
        if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
            raise _refuse("override-bands-order", "ngưỡng dưới phải tăng theo số sao",
                          "the lower limits must increase with the stars", "overrides.bands",
                          {s: _num(m) for s, m in sorted(mins.items())}, "1★ < 2★ < 3★ < 4★ < 5★ lower limits")
    out = []
    for stars in sorted(mins, reverse=True):
        below = mins.get(stars + 1)
        rng = f"[{_fmt(mins[stars])}, {_fmt(below)})" if below is not None else f"[{_fmt(mins[stars])}, {cs.total_max}]"
        out.append({"stars": stars, "min": _num(mins[stars]), "below": _num(below), "range": rng})
    return out


def minimum_levels(cs: CriteriaSet) -> list[int]:
    """The star levels that carry a per-star minimum in this set's data: the option marks'
    levels (3–5), or the levels of the QĐ 781 requirements a council can record as a finding (2–4
    today). A rule exists for each, so that a recorded requirement of any level is decided on;
    a level without data gets no rule (a finding of it is refused by validation, and a fact that no
    rule handles is an engine error)."""
    sm = cs.star_minimums
    if sm.get("mechanism") == "option_marks":
        return list(STAR_LEVELS)
    levels = {int(r["stars"]) for r in sm.get("requirements", []) or [] if r.get("finding")}
    return sorted(s for s in levels if 2 <= s <= 5)


LEVEL_ORDER = ("commune", "district", "province", "central")


def _to_min_stars(cs: CriteriaSet, period: Period, level: str) -> int:
    """The fewest stars the level a gate sends a dossier to can recognise: sending it a product
    whose stars (after the minimums) are below that would ask it for a decision it cannot take."""
    stars = period.recognition.get(level) or ()
    return min(stars) if stars else cs.recognised_min_stars


def _recognised_elsewhere(cs: CriteriaSet, period: Period) -> list[dict[str, Any]]:
    """For every level of the period and every recognisable star count it does not certify: the
    level that does, and whether it is above or below (QĐ 148 as issued: a province council that
    scores 3★ leaves the certificate to the district; QĐ 26/2026 Điều 7.4: a product the central
    council scores below 90 may be recognised 3★/4★ by the province)."""
    out = []
    for lvl in period.levels:
        own = set(period.recognition.get(lvl, ()))
        for stars in range(cs.recognised_min_stars, 6):
            if stars in own:
                continue
            by = next((other for other, st in period.recognition.items() if stars in st), None)
            if by is None:
                continue  # no level certifies these stars: no outcome rule fires, an engine error says so
            higher = LEVEL_ORDER.index(by) > LEVEL_ORDER.index(lvl)
            out.append({"key": f"{lvl}-{stars}", "level": lvl, "stars": stars, "by_level": by,
                        "direction": "higher" if higher else "lower", "direction_vi": "trên" if higher else "dưới",
                        "recognises_list": ", ".join(map(str, sorted(own))) or "—"})
    return out


def _filing(cs: CriteriaSet, sets: Mapping[str, CriteriaSet]) -> dict[str, int | None]:
    """The day counts of the filing rules (rules/15-filing.json), from the criteria data. The window of
    Điều 7.6.a is the scoring set's own (a set whose sources record none gets no window check). The
    transition of Điều 12 k3 is measured from the start of the set that succeeds another
    (scoring.filing.successor_start, the day the filing facts count from): its window's last day and
    its extension. None where the data has no such number: the rules requiring it never fire."""
    from ..filing import successor_start

    own = cs.process
    start = successor_start(sets)
    successor = next((s for s in sets.values() if start is not None and s.start == start), None)
    new = successor.process if successor is not None else None
    extension = new.extension_days if new is not None else None
    return {
        "window_opens_days": own.window_opens_days if own else None,
        "window_closes_days": own.window_closes_days if own else None,
        "transition_closes_days": new.window_closes_days if new else None,
        "extension_days": extension,
        "extension_reach_days": -extension if extension is not None else None,  # expiry ≥ this many days from the start
    }


def rule_params(cs: CriteriaSet, period: Period, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every parameter the rule files may reference, for one set and period."""
    overrides = dict(overrides or {})
    unknown = set(overrides) - {"bands", "gates", "max_spread"}
    if unknown:
        raise _refuse("override-unknown", "không có tham số chính sách này", "no such policy override",
                      "overrides", ", ".join(sorted(map(str, unknown))), "bands, gates, max_spread")
    gate_over = overrides.get("gates") or {}
    # a gate of another period (a district gate in a cohort that also holds 2026 dossiers) simply does
    # not apply to this period; a gate no period of any set has is a typo and is refused
    from ..criteria import load_all

    sets = load_all()
    known_gates = {g.id for s in sets.values() for p in s.periods for g in p.gates} | {g.id for g in period.gates}
    for gid in gate_over:
        if gid not in known_gates:
            raise _refuse("override-gate-unknown", "không bộ tiêu chí nào có ngưỡng chuyển cấp này",
                          "no criteria set has this gate", f"overrides.gates.{gid}", gid, ", ".join(sorted(known_gates)))
        _number(gate_over[gid], f"overrides.gates.{gid}")
    max_spread = overrides.get("max_spread", cs.council.get("max_spread"))
    if max_spread is not None:
        max_spread = _number(max_spread, "overrides.max_spread")
        if max_spread < 0:
            raise _refuse("override-spread-negative", "độ lệch tối đa không thể âm", "the spread cannot be negative",
                          "overrides.max_spread", max_spread, "a number of points ≥ 0, or None to turn the check off")
    return {
        "bands": _bands(cs, overrides.get("bands")),
        "minimum_levels": [{"stars": s, "cap": s - 1, "marks": MARKS[s]} for s in minimum_levels(cs)],
        "gates": [{"id": g.id, "from_level": g.from_level, "to_level": g.to_level,
                   "min_total": _num(float(gate_over.get(g.id, g.min_total))),
                   "to_min_stars": _to_min_stars(cs, period, g.to_level),
                   "to_recognises_list": ", ".join(map(str, period.recognition.get(g.to_level, ()))) or "—"}
                  for g in period.gates],
        "recognition": [{"level": lvl, "stars": list(stars), "stars_list": ", ".join(map(str, stars))}
                        for lvl, stars in period.recognition.items()],
        "recognised_elsewhere": _recognised_elsewhere(cs, period),
        "recognised_min_stars": cs.recognised_min_stars,
        "max_spread": max_spread,
        "certificate_months": cs.certificate_months,
        **_filing(cs, sets),
    }


def params_key(params: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:10]
