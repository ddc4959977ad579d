"""Comparison of evaluate_batch rows with evaluate Results, field by field (shared by tests)."""
from __future__ import annotations

import math

import pandas as pd

from scoring.result import Result


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def _mapping(text: str) -> dict[str, str]:
    return dict(entry.rsplit("=", 1) for entry in text.split(";")) if text else {}


def differences(r: Result, row: pd.Series) -> list[str]:
    out = []
    checks = {
        "criteria_set": (r.criteria_set, row["criteria_set"]), "form": (r.form, row["form"]),
        "level": (r.level, row["level"]), "period": (r.period, row["period"]),
        "evaluated_on": (r.evaluated_on, row["evaluated_on"]),
        "band_stars": (r.band_stars, int(row["band_stars"])), "stars": (r.stars, int(row["stars"])),
        "status": (r.status, row["status"]), "recognised_by": (r.recognised_by, _none(row["recognised_by"])),
        "escalate_to": (r.escalate_to, _none(row["escalate_to"])), "members": (len(r.members), int(row["members"])),
        "max_total": (r.max_total, int(row["max_total"])),
        "knockouts": (";".join(k["id"] for k in r.knockouts), row["knockouts"] or ""),
        "unmet_minimums": (";".join(u["requirement"] for u in r.unmet_minimums), row["unmet_minimums"] or ""),
        "warnings": (";".join(w["code"] for w in r.warnings), row["warnings"] or ""),
        # members are a set: compared as a mapping (the batch writes them in natural name order)
        "member_totals": ({m: f"{t:g}" for m, t in r.member_totals.items()}, _mapping(row["member_totals"])),
    }
    for key, (a, b) in checks.items():
        if a != b:
            out.append(f"{key}: engine {a!r} batch {b!r}")
    for key, a, b in (("total", r.total, row["total"]), ("part_A", r.parts["A"], row["part_A"]),
                      ("part_B", r.parts["B"], row["part_B"]), ("part_C", r.parts["C"], row["part_C"])):
        if abs(a - float(b)) > 1e-9:
            out.append(f"{key}: engine {a!r} batch {b!r}")
    return out
