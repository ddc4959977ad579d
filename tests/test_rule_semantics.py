"""The effect and stage semantics (scoring/rules/semantics.py) are the same in both executors, and
what blocks a star is read from the cap rules by `evaluate` and the planner alike.

The synthetic rule set below uses every declared effect key (the first test fails when a key is
added without a case here); its expectations are computed by hand from the rules' text, not from
either executor.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import synthetic
from conftest import criteria_root
from scoring import EngineError
from scoring.batch.decide import decide
from scoring.batch.group import PeriodFacts
from scoring.engine.durable_backend import RuleEngine
from scoring.evaluate import evaluate
from scoring.resources import rules_dir
from scoring.rules.semantics import EFFECTS, STAGES
from scoring.rules.spec import Condition, FieldRef, Rule
from scoring.whatif import upgrade_plan

_keys = itertools.count()


def rule(rid: str, stage: str, when: list[tuple], then: dict) -> Rule:
    conditions = tuple(Condition(f, op, FieldRef(v[1:]) if isinstance(v, str) and v.startswith("&") else v)
                       for f, op, v in when)
    text = {"vi": rid, "en": rid}
    return Rule(rid, stage, conditions, then, text, text)


KO_FALSE = ("knocked_out", "==", False)
RULES = (
    rule("flag", "form", [("flag", "==", True)], {"warning": "w-flag"}),
    rule("not-applicable", "criterion", [("applicable", "==", False)], {"note": True}),
    rule("band.4", "score", [("total", ">=", 70)], {"band_stars": 4}),
    rule("band.4-again", "score", [("total", ">=", 70), ("total", "<", 80)], {"band_stars": 4}),  # agrees
    rule("band.3", "score", [("total", ">=", 50), ("total", "<", 70)], {"band_stars": 3}),
    rule("band.2", "score", [("total", "<", 50)], {"band_stars": 2}),
    rule("unmet.4", "minimum", [("stars", "==", 4), ("mean", "<", "&need")], {"cap": 3, "unmet_minimum": True}),
    rule("unmet.5", "minimum", [("stars", "==", 5), ("mean", "<", "&need")], {"cap": 4, "unmet_minimum": True}),
    rule("met", "minimum", [("mean", ">=", "&need")], {"note": True}),
    rule("knockout", "finding", [("effect", "==", "disqualify")], {"knocked_out": True, "knockout": "@finding"}),
    rule("listed-only", "finding", [("effect", "==", "soft")], {"knocked_out": False, "knockout": "@finding"}),
    rule("requirement.5", "finding", [("effect", "==", "minimum"), ("stars", "==", 5)],
         {"cap": 4, "unmet_minimum": True}),
    rule("award.out", "award", [("knocked_out", "==", True)], {"stars": 0, "status": "disqualified"}),
    rule("award.band", "award", [KO_FALSE, ("band_stars", "<=", "&cap")], {"stars": "@band_stars"}),
    rule("award.capped", "award", [KO_FALSE, ("band_stars", ">", "&cap")], {"stars": "@cap"}),
    rule("award.many", "award", [("n_knockouts", ">", 1)], {"warning": "many-knockouts"}),
    rule("out.disqualified", "outcome", [("knocked_out", "==", True)], {"status": "disqualified"}),
    rule("out.below", "outcome", [KO_FALSE, ("stars", "<", 3)], {"status": "not_recognised"}),
    rule("out.province", "outcome", [KO_FALSE, ("stars", ">=", 3), ("level", "==", "province")],
         {"status": "recognised", "recognised_by": "province"}),
    rule("out.district", "outcome", [KO_FALSE, ("stars", ">=", 3), ("level", "==", "district")],
         {"status": "not_recognised"}),
    rule("out.gate", "outcome", [KO_FALSE, ("level", "==", "district"), ("total", ">=", 70)],
         {"escalate_to": "province"}),
)
REQUIREMENTS = ["1.2 ≥ 20", "3 ≥ 20"]  # the minimum facts' requirement texts, by requirement_code


def mark(criterion: str, stars: int, need: int, mean: float) -> dict:
    return {"criterion": criterion, "stars": stars, "need": need, "mean": mean,
            "requirement_code": REQUIREMENTS.index(f"{criterion} ≥ {need}")}


# Per dossier: its facts by stage, and the decisions worked out by hand from RULES.
CASES = [
    ({"form": [{"flag": True}], "criterion": [{"criterion": "2.2", "applicable": False}],
      "score": [{"total": 75.0, "level": "province"}], "minimum": [mark("1.2", 4, 20, 15.0), mark("3", 5, 20, 25.0)]},
     # band 4 (two agreeing rules); 1.2 misses its 4★ mark → cap 3 → stars 3; the province recognises 3★
     {"band_stars": 4, "stars": 3, "status": "recognised", "recognised_by": "province", "escalate_to": None,
      "unmet_minimums": ["1.2 ≥ 20"], "knockouts": [], "warnings": ["w-flag"]}),
    ({"form": [{"flag": False}], "score": [{"total": 72.0, "level": "district"}],
      "minimum": [mark("1.2", 4, 20, 10.0), mark("3", 5, 20, 25.0)],
      "finding": [{"finding": "S1", "effect": "soft", "label": "listed"},
                  {"finding": "R5", "effect": "minimum", "stars": 5, "label": "requirement five"}]},
     # caps 3 (minimum stage) then 4 (finding stage): the minimum, 3, not the last; a listed-only finding
     # appends a knock-out but knocked_out stays false; the district escalates at ≥ 70
     {"band_stars": 4, "stars": 3, "status": "not_recognised", "recognised_by": None, "escalate_to": "province",
      "unmet_minimums": ["1.2 ≥ 20", "requirement five"], "knockouts": ["S1"], "warnings": []}),
    ({"score": [{"total": 45.0, "level": "district"}],
      "finding": [{"finding": "K1", "effect": "disqualify", "label": "k1"},
                  {"finding": "K2", "effect": "disqualify", "label": "k2"},
                  {"finding": "S1", "effect": "soft", "label": "s1"}]},
     # knocked out by any (the last finding says false); status set to the same value by the award and the outcome (agreeing); 3 knock-outs
     {"band_stars": 2, "stars": 0, "status": "disqualified", "recognised_by": None, "escalate_to": None,
      "unmet_minimums": [], "knockouts": ["K1", "K2", "S1"], "warnings": ["many-knockouts"]}),
    ({"score": [{"total": 30.0, "level": "province"}]},
     # nothing but a total: cap starts at 5, knocked_out at false
     {"band_stars": 2, "stars": 2, "status": "not_recognised", "recognised_by": None, "escalate_to": None,
      "unmet_minimums": [], "knockouts": [], "warnings": []}),
]


def scalar(rules: tuple[Rule, ...], facts: dict) -> dict:
    """One dossier through the rule engine, as the Result and the batch row name things."""
    dec = RuleEngine.shared().evaluate(f"semantics-test-{next(_keys)}", rules, facts)
    out = {k: dec.values.get(k) for k in ("band_stars", "stars", "status", "recognised_by", "escalate_to")}
    out["unmet_minimums"] = [REQUIREMENTS[f["requirement_code"]] if "requirement_code" in f else f["label"]
                             for f in dec.unmet]
    out["knockouts"] = list(dec.knockouts)
    out["warnings"] = [r.effects["warning"] for r, _ in dec.warnings]
    return out


def _column(values: list) -> np.ndarray:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return np.array(values, dtype=bool)
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=float)  # NaN never compares true
    return np.array(values, dtype=object)


def vector(rules: tuple[Rule, ...], cases: list[dict]) -> list[dict]:
    """The same dossiers as one table per stage through the vectorized executor."""
    tables = {}
    for stage in ("form", "criterion", "score", "minimum", "finding"):
        rows = [(i, f) for i, facts in enumerate(cases) for f in facts.get(stage, ())]
        if rows:
            fields = list(dict.fromkeys(k for _, f in rows for k in f))
            tables[stage] = ({k: _column([f.get(k) for _, f in rows]) for k in fields},
                             np.array([i for i, _ in rows]))
    out = decide(rules, [PeriodFacts(np.arange(len(cases)), tables, np.array(REQUIREMENTS, dtype=object))])
    return [{k: (v[i].split(";") if v[i] else []) if k in ("unmet_minimums", "knockouts", "warnings")
             else (int(v[i]) if k in ("band_stars", "stars") else v[i]) for k, v in out.items()}
            for i in range(len(cases))]


def test_the_synthetic_rules_use_every_declared_effect_and_the_schema_allows_exactly_those():
    used = {k for r in RULES for k in r.effects}
    assert used == set(EFFECTS)
    schema = json.loads((rules_dir() / "schema" / "rules.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["rule"]["properties"]["then"]["properties"]) == set(EFFECTS)
    assert tuple(schema["$defs"]["rule"]["properties"]["stage"]["enum"]) == STAGES  # in the engine's order


def test_every_effect_combines_the_same_way_in_both_executors():
    facts = [f for f, _ in CASES]
    expected = [e for _, e in CASES]
    assert [scalar(RULES, f) for f in facts] == expected
    assert vector(RULES, facts) == expected


def test_disagreeing_decisions_are_refused_by_both_executors():
    rules = RULES + (rule("band.5-wrong", "score", [("total", ">=", 75)], {"band_stars": 5}),)
    facts = CASES[0][0]  # total 75: band 4 and band 5
    with pytest.raises(EngineError, match="rules disagree on band_stars"):
        scalar(rules, facts)
    with pytest.raises(EngineError, match="rules disagree on band_stars"):
        vector(rules, [facts])


def test_an_undeclared_effect_fails_in_both_executors_even_if_its_rule_never_fires():
    rules = RULES + (rule("bonus", "score", [("total", ">", 1000)], {"bonus_points": 5}),)
    for run in (lambda: scalar(rules, CASES[3][0]), lambda: vector(rules, [CASES[3][0]])):
        with pytest.raises(EngineError, match="rule bonus: unknown effect bonus_points"):
            run()


def test_a_missing_decision_names_the_stage_in_both_executors():
    # a total below 50 is handled (a note) but gets no band
    rules = tuple(r if r.id != "band.2" else rule("band.none", "score", [("total", "<", 50)], {"note": True})
                  for r in RULES)
    with pytest.raises(EngineError, match="no band rule fired"):
        scalar(rules, CASES[3][0])
    with pytest.raises(EngineError, match="no band rule fired"):
        vector(rules, [CASES[3][0]])


# --- what blocks a star: evaluate's next_star and the planner read the engine's cap rules --------------

@pytest.fixture()
def synthetic_set(tmp_path):
    synthetic.write_set(tmp_path, [synthetic.form_doc()])
    with criteria_root(tmp_path):
        yield


def _synthetic_dossier(scores: dict) -> dict:
    return {"dossier_id": "B", "form": "mau-thu", "level": "province", "evaluated_on": "2099-03-01",
            "findings": [], "sheets": [{"member": "M0", "scores": scores}, {"member": "M1", "scores": scores}]}


def test_next_star_and_the_planner_block_on_the_marks_the_engine_caps_on(synthetic_set):
    # synthetic marks: 1.1 needs 10 for 3★, 1.2 needs 20 for 4★, 2.1 needs 5 for 3★ and 15 for 5★, 3 needs
    # 20 for 4★. Here 1.1 (3★) and 1.2 (4★) are missed; total 75 is in the 4★ band; the cap is 2★.
    d = _synthetic_dossier({"1.1": 5, "1.2": 10, "2.1": 15, "2.2": 10, "3": 35})
    r = evaluate(d)
    assert (r.band_stars, r.stars) == (4, 2)
    assert {(u["criterion"], u["stars"]) for u in r.unmet_minimums} == {("1.1", 3), ("1.2", 4)}
    # the next star is 3: only the 3★ mark of 1.1 blocks it (1.2's mark is a 4★ one), no points are missing
    ns = r.next_star
    assert (ns["stars"], ns["points_needed"]) == (3, 0)
    assert [(m["criterion"], m["stars"], m["need"], m["mean"]) for m in ns["minimums"]] == [("1.1", 3, 10, 5.0)]
    # meeting exactly what next_star lists gives the engine's next star
    assert evaluate(_synthetic_dossier({"1.1": 10, "1.2": 10, "2.1": 15, "2.2": 10, "3": 35})).stars == 3
    # the planner: 3★ needs 1.1 raised only; 4★ needs 1.1 and 1.2 (one step each, the cheapest by steps)
    plan3, plan4 = upgrade_plan(d, 3), upgrade_plan(d, 4)
    assert plan3.feasible and [(u.criterion, u.to_points) for u in plan3.upgrades] == [("1.1", 10)]
    assert plan4.feasible and [(u.criterion, u.to_points) for u in plan4.upgrades] == [("1.1", 10), ("1.2", 20)]
    assert (plan3.result_after.stars, plan4.result_after.stars) == (3, 5)  # 4★ plan: total 90 → 5★ band


def test_next_star_and_the_planner_list_the_recorded_requirements_that_cap_below_the_target():
    d = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "dossiers" /
                    "qd1048-province-89-67.json").read_text(encoding="utf-8"))
    d["findings"] = ["qd781-4-uniqueness", "qd781-3-craftsmanship"]  # QĐ 781 requirements of 4★ and 3★
    r = evaluate(d)
    assert (r.band_stars, r.stars) == (4, 2)  # the 3★ requirement caps at 2★
    # the next star is 3: only the 3★ requirement blocks it
    assert [(f["id"], f["stars"]) for f in r.next_star["findings"]] == [("qd781-3-craftsmanship", 3)]
    assert r.next_star["minimums"] == []
    assert [p["id"] for p in upgrade_plan(d, 3).prerequisites] == ["qd781-3-craftsmanship"]
    assert [p["id"] for p in upgrade_plan(d, 4).prerequisites] == ["qd781-4-uniqueness", "qd781-3-craftsmanship"]


def test_every_status_the_rules_can_set_has_its_words_in_one_table():
    from scoring.result import STATUS_TEXT, STATUS_WORDS

    schema = json.loads((rules_dir() / "schema" / "rules.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["rule"]["properties"]["then"]["properties"]["status"]["enum"]) == set(STATUS_WORDS)
    assert STATUS_TEXT["not_recognised"] == "chưa công nhận / not recognised"  # Vietnamese first
