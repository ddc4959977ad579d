"""`evaluate(dossier) -> Result`: one dossier through the rule engine, explained point by point."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Mapping

from .criteria.model import CriteriaSet, Period
from . import dossier as dossier_module
from .dossier import MISSING, Dossier, future_warning, parse_dossier
from .engine.durable_backend import RuleEngine
from .engine.effects import Decisions
from .facts import aggregate, build_facts
from .result import Result, trace_entries, warning_entries
from .rules.params import params_key, rule_params
from .rules.semantics import binding_minimums
from .rules.spec import Rule, instantiate, load_declarations

_compiled: dict[str, tuple[Rule, ...]] = {}
_compiled_lock = threading.Lock()


def compiled_rules(cs: CriteriaSet, period: Period, overrides: Mapping[str, Any] | None = None
                   ) -> tuple[str, tuple[Rule, ...]]:
    """The concrete rules for a set, period and overrides, and the key that names their ruleset."""
    params = rule_params(cs, period, overrides)
    _, decl_hash = load_declarations()
    key = f"{cs.id}-{period.id}-{decl_hash}-{params_key(params)}"
    with _compiled_lock:
        if key not in _compiled:
            _compiled[key] = instantiate(params)
        return key, _compiled[key]


# why a criterion does not apply, by its data flag `applies_when` (criteria/schema/form.schema.json)
NOT_APPLICABLE = {"story_exists": "không áp dụng (chỉ khi có câu chuyện) / not applicable (only when a story exists): 0"}


def _criteria_detail(d: Dossier, means) -> list[dict[str, Any]]:
    out = []
    for li, leaf in enumerate(d.form.leaves):
        col = d.points[:, li]
        entry = {
            "id": leaf.number, "label": leaf.label, "gloss": leaf.gloss, "part": leaf.part,
            "points": {m: (None if p == MISSING else int(p)) for m, p in zip(d.members, col)},
            "mean": float(means[li]), "max": leaf.max, "applicable": bool(d.applicable[li]),
        }
        if leaf.cases:  # the alternative ladder scored (None: the points fit every case alike)
            entry["case"] = d.cases.get(leaf.number)
            entry["case_label"] = dict(leaf.cases).get(entry["case"])
        if not d.applicable[li]:
            entry["note"] = NOT_APPLICABLE.get(leaf.applies_when, "không áp dụng / not applicable: 0")
        elif (col == MISSING).any():
            entry["note"] = "không chấm sau điều kiện loại / not scored after a knock-out: 0"
        out.append(entry)
    return out


def _next_star(d: Dossier, result_total: float, decisions: Decisions, rules: tuple[Rule, ...],
               params: Mapping[str, Any]) -> dict[str, Any] | None:
    """What blocks the next star: the points to the next band, and the minimums the rule engine
    found unmet whose rules cap the stars below that star (`binding_minimums`, which the planner
    reads too): marked options, and the QĐ 781 requirements the council recorded as unmet (a
    finding caps the stars whatever the points, so a plan of points alone would be misleading
    without it)."""
    cs = d.criteria_set
    if decisions.knocked_out:
        ids = [f for f in d.findings if f in cs.knockouts]
        return {"stars": None, "blocked_by": "knockouts", "knockouts": ids,
                "vi": f"Hồ sơ bị loại ({', '.join(ids)}): cần khắc phục điều kiện loại trước.",
                "en": f"The dossier is knocked out ({', '.join(ids)}): clear the knock-outs first."}
    target = decisions.values["stars"] + 1
    band = next((b for b in params["bands"] if b["stars"] == target), None)
    if band is None:  # already at the top band
        return None
    gap = max(0.0, band["min"] - result_total)
    binding = {b.rule_id for b in binding_minimums(rules, target)}
    lacking, findings = [], []
    for f in decisions.fired:
        if f.rule.id not in binding:
            continue
        fact = f.fact
        if f.rule.stage == "minimum":
            lacking.append({"criterion": fact["criterion"], "label": d.form.leaf(fact["criterion"]).label,
                            "stars": fact["stars"], "need": fact["need"], "mean": fact["mean"]})
        else:
            findings.append({"id": fact["finding"], "stars": fact["stars"], "label": fact["label"],
                             "label_en": fact["label_en"]})
    return {"stars": target, "points_needed": gap, "band_min": band["min"], "minimums": lacking, "findings": findings}


def evaluate(dossier: Dossier | Mapping[str, Any] | str | Path, *, overrides: Mapping[str, Any] | None = None
             ) -> Result:
    """Score one dossier with the rule engine.

    `dossier` is a dict following criteria/schema/dossier.schema.json, a path to such a JSON file,
    or an already parsed `Dossier`. `overrides` changes thresholds for a policy what-if
    (`{"bands": {4: 75}, "gates": {"district-to-province": 70}, "max_spread": 8}`).
    Raises DossierInvalid (with every problem) for invalid input, EngineError if the engine fails.
    """
    d = dossier if isinstance(dossier, Dossier) else parse_dossier(dossier)
    cs, form = d.criteria_set, d.form
    agg = aggregate(d)
    key, rules = compiled_rules(cs, d.period, overrides)
    facts = build_facts(d, agg)
    decisions = RuleEngine.shared().evaluate(key, rules, facts)
    params = rule_params(cs, d.period, overrides)

    stars = decisions.values["stars"]
    knockouts = [{"id": k, "effect": cs.knockouts[k].effect, "label": cs.knockouts[k].label,
                  "label_en": cs.knockouts[k].label_en} for k in decisions.knockouts]
    unmet = []
    for fact in decisions.unmet:
        if "criterion" in fact:
            leaf = form.leaf(fact["criterion"])
            unmet.append({"stars": fact["stars"], "criterion": fact["criterion"],
                          "requirement": f"{fact['criterion']} {leaf.label} ≥ {fact['need']} ({fact['marks']})",
                          "need": fact["need"], "mean": fact["mean"]})
        else:
            unmet.append({"stars": fact["stars"], "criterion": None, "requirement": fact["label"], "need": None,
                          "mean": None, "finding": fact["finding"]})
    return Result(
        dossier_id=d.dossier_id, criteria_set=cs.id, form=form.slug, form_name=form.name, level=d.level,
        evaluated_on=d.evaluated_on.isoformat(), period=d.period.id, product=dict(d.product),
        members=list(d.members),
        member_totals={m: float(t) for m, t in zip(d.members, agg.member_totals)},
        parts=agg.part_means, part_max=form.part_max, total=agg.total, max_total=form.max,
        band_stars=decisions.values["band_stars"], stars=stars, status=decisions.values["status"],
        recognised_by=decisions.values.get("recognised_by"), escalate_to=decisions.values.get("escalate_to"),
        unmet_minimums=unmet, knockouts=knockouts,
        warnings=warning_entries(decisions) + ([future_warning(d.evaluated_on)]
                                               if d.evaluated_on > dossier_module.today() else []),
        trace=trace_entries(decisions), criteria=_criteria_detail(d, agg.criterion_means),
        next_star=_next_star(d, agg.total, decisions, rules, params),
        kind=d.kind, lodged_on=d.lodged_on.isoformat() if d.lodged_on else None,
    )
