"""The council's arithmetic and the facts the rules decide on.

Arithmetic (means of members' points) is not a decision, so it is plain numpy here; every
decision (band, caps, knock-outs, recognition, escalation, warnings) is taken by the rules from
the facts built below. The batch scorer builds the same facts as columns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .criteria.model import STAR_LEVELS
from .dossier import MISSING, Dossier
from .rules.params import MARKS


@dataclass(frozen=True)
class Aggregates:
    member_totals: np.ndarray  # float [members]
    criterion_means: np.ndarray  # float [leaves]
    part_means: dict[str, float]
    total: float
    spread: float


def aggregate(d: Dossier) -> Aggregates:
    pts = np.where(d.points == MISSING, 0, d.points).astype(np.float64)
    member_totals = pts.sum(axis=1)
    means = pts.mean(axis=0)
    part_index = d.form.arrays.part_index
    per_part = {p: float(pts[:, part_index == i].sum(axis=1).mean()) for i, p in enumerate("ABC")}
    return Aggregates(
        member_totals=member_totals, criterion_means=means, part_means=per_part,
        total=float(member_totals.mean()), spread=float(member_totals.max() - member_totals.min()),
    )


def doubtful_criteria(d: Dossier) -> list[str]:
    """Criteria whose given points are a value flagged as a suspected misprint."""
    doubtful = d.form.arrays.doubtful
    out = []
    for li, leaf in enumerate(d.form.leaves):
        col = d.points[:, li]
        if any(p != MISSING and p < doubtful.shape[1] and doubtful[li, p] for p in col):
            out.append(leaf.number)
    return out


def minimums_gap(d: Dossier) -> bool:
    sm = d.criteria_set.star_minimums
    if sm.get("mechanism") != "findings":
        return False
    start = sm.get("from")
    if start and d.evaluated_on.isoformat() < start:
        return False
    return any(r.get("tag") == "GAP" for r in sm.get("requirements", []) or [])


def _filing(d: Dossier) -> dict[str, Any]:
    """The filing facts (kind, day counts to and from the previous certificate's expiry) of one dossier,
    computed by the function the batch uses, on arrays of one."""
    from . import criteria as crit
    from .filing import filing_facts, successor_start

    def day(value: Any) -> np.ndarray:
        return np.array([value if value is not None else "NaT"], dtype="datetime64[D]")

    facts = filing_facts(np.array([d.kind], dtype=object), day(d.lodged_on),
                         day(d.previous_certificate.get("expires_on")), day(d.evaluated_on),
                         successor_start(crit.load_all()))
    out = {k: v[0].item() if hasattr(v[0], "item") else v[0] for k, v in facts.items()}
    expires = d.previous_certificate.get("expires_on")
    out["expires_on"] = expires.isoformat() if expires else ""
    out["lodged_on"] = d.lodged_on.isoformat() if d.lodged_on else ""
    out["expires_on_vi"] = expires.strftime("%d/%m/%Y") if expires else ""  # Vietnamese date for the vi sentence
    out["lodged_on_vi"] = d.lodged_on.strftime("%d/%m/%Y") if d.lodged_on else ""
    return out


def build_facts(d: Dossier, agg: Aggregates) -> dict[str, list[dict[str, Any]]]:
    """Facts per stage (award and outcome facts are built from the earlier stages' decisions)."""
    cs, form = d.criteria_set, d.form
    doubtful = doubtful_criteria(d)
    facts: dict[str, list[dict[str, Any]]] = {
        "form": [{
            "form": form.slug, "status": form.status, "provenance": form.provenance.get("tag", "GAP"),
            "uses_doubtful": bool(doubtful), "doubtful": ", ".join(doubtful), "transition": d.transition,
            "minimums_gap": minimums_gap(d), "criteria_set": cs.id, "evaluated_on": d.evaluated_on.isoformat(),
            "max_total": form.max, "set_max": cs.total_max, **form.partial_detail(cs.total_max),
            **_filing(d),
        }],
        "criterion": [
            {"criterion": leaf.number, "applies_when": leaf.applies_when, "applicable": False}
            for li, leaf in enumerate(form.leaves) if not d.applicable[li]
        ] + [
            {"criterion": number, "kind": "case", "case": case or "", "case_label": dict(form.leaf(number).cases).get(case, ""),
             "how": "stated" if number in d.cases_stated else "inferred" if case else "either"}
            for number, case in d.cases.items()
        ],
        "score": [{"total": agg.total, "spread": agg.spread, "level": d.level, "members": len(d.members)}],
        "minimum": [],
        "finding": [],
    }
    if cs.star_minimums.get("mechanism") == "option_marks":
        star_min = form.arrays.star_min
        # a criterion some member did not score (only possible after a knock-out stopped the evaluation)
        # has no council mean to hold against its mark: no minimum fact, so the knocked-out dossier's
        # unmet minimums are the ones actually found, not every mark after the stop
        scored = (d.points != MISSING).all(axis=0)
        for li, leaf in enumerate(form.leaves):
            if not d.applicable[li] or not scored[li]:
                continue
            for k, stars in enumerate(STAR_LEVELS):
                need = int(star_min[li, k])
                if need:
                    facts["minimum"].append({"criterion": leaf.number, "stars": stars, "need": need,
                                             "mean": float(agg.criterion_means[li]), "marks": MARKS[stars]})
    requirements = cs.requirement_findings
    for fid in d.findings:
        if fid in cs.knockouts:
            k = cs.knockouts[fid]
            facts["finding"].append({"finding": fid, "effect": k.effect, "label": k.label, "label_en": k.label_en})
        else:
            r = requirements[fid]
            facts["finding"].append({"finding": fid, "effect": "minimum", "stars": r["stars"], "label": r["text"],
                                     "label_en": r.get("text_en", r["text"])})
    return facts
