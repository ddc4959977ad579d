"""Scoring real forms: the bundled fixtures' intended situations and the `ocop score` contract."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from scoring.cli import cli
from scoring.evaluate import evaluate
from scoring.resources import schema_path

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers"
RESULT = Draft202012Validator(json.loads(schema_path("result").read_text(encoding="utf-8")))

# (fixture, total, band, stars, status, recognised_by, escalate_to) — from the decisions' thresholds:
# 1048 district → province at 50, province recognises 3–4★, ≥ 90 → central; 148 (2023) district
# recognises 3★ and sends ≥ 70 up; after 2025-07-06 the province recognises 3–4★; 26/2026 marks.
CASES = [
    ("qd1048-district-50-escalates", 50.0, 3, 3, "not_recognised", None, "province"),
    ("qd1048-district-49-67-stays", 149 / 3, 2, 2, "not_recognised", None, None),
    ("qd1048-province-90", 90.0, 5, 5, "not_recognised", None, "central"),
    ("qd1048-province-89-67", 269 / 3, 4, 4, "recognised", "province", None),
    ("qd1048-knockout-forged-origin", 80.0, 4, 0, "disqualified", None, None),
    ("qd26-2026-55-missing-3star-minimum", 55.0, 3, 2, "not_recognised", None, None),
]


@pytest.mark.parametrize("name, total, band, stars, status, by, up", CASES)
def test_fixture_outcomes(name, total, band, stars, status, by, up):
    r = evaluate(FIX / f"{name}.json")
    assert r.total == pytest.approx(total, abs=1e-12)
    assert (r.band_stars, r.stars, r.status, r.recognised_by, r.escalate_to) == (band, stars, status, by, up)
    RESULT.validate(json.loads(json.dumps(r.to_dict())))


def test_missed_3star_minimum_is_explained():
    r = evaluate(FIX / "qd26-2026-55-missing-3star-minimum.json")
    assert [u["criterion"] for u in r.unmet_minimums if u["stars"] == 3] == ["2.2"]
    assert any(t["rule"] == "minimum.unmet.3" and "2.2" in t["vi"] for t in r.trace)
    assert any(t["rule"] == "award.capped" for t in r.trace)


def test_eleven_point_spread_warns_and_all_fixtures_validate():
    r = evaluate(FIX / "qd1048-spread-11.json")
    assert max(r.member_totals.values()) - min(r.member_totals.values()) == 11
    assert "council-spread" in [w["code"] for w in r.warnings]
    for path in FIX.glob("*.json"):
        RESULT.validate(json.loads(json.dumps(evaluate(path).to_dict())))


def test_1048_after_781_warns_about_the_minimums_gap_and_148_forms_warn_about_provenance():
    assert "minimums-gap" in [w["code"] for w in evaluate(FIX / "qd1048-spread-11.json").warnings]
    assert "provenance-unconfirmed" in [w["code"] for w in evaluate(FIX / "qd148-district-70.json").warnings]


def test_district_level_after_1489_is_refused(tmp_path):
    d = json.loads((FIX / "qd148-province-69.json").read_text(encoding="utf-8"))
    d["level"] = "district"
    p = tmp_path / "d.json"
    p.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli, ["score", str(p)])
    assert out.exit_code == 2
    assert "level" in out.output and "province" in out.output


def test_score_cli_readable_json_and_exit_codes(tmp_path):
    runner = CliRunner()
    path = FIX / "qd26-2026-55-missing-3star-minimum.json"
    text = runner.invoke(cli, ["score", str(path)])
    assert text.exit_code == 0, text.output
    assert "minimum.unmet.3" in text.output and "2.2" in text.output
    assert "To reach 3 stars" in text.output  # what blocks the next star, with its cheapest plan
    js = runner.invoke(cli, ["score", str(path), "--json"])
    data = json.loads(js.output)
    assert data["stars"] == 2 and data["next_star"]["plan"]["feasible"] is True
    assert [u["criterion"] for u in data["next_star"]["plan"]["upgrades"]] == ["2.2"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"dossier_id": "x", "form": "rau-cu-qua-hat-tuoi", "level": "province", "evaluated_on": "2026-07-01", '
                   '"scores": {"1.1": 9}}', encoding="utf-8")
    out = runner.invoke(cli, ["score", str(bad)])
    assert out.exit_code == 2 and "1.1" in out.output and "allowed" in out.output
    notjson = tmp_path / "x.json"
    notjson.write_text("{", encoding="utf-8")
    assert runner.invoke(cli, ["score", str(notjson)]).exit_code == 2


def test_qd781_requirement_recorded_as_unmet_caps_below_its_level():
    d = json.loads((FIX / "qd1048-province-89-67.json").read_text(encoding="utf-8"))
    assert evaluate(d).stars == 4
    d["findings"] = ["qd781-3-quality-declaration"]
    r = evaluate(d)
    assert (r.band_stars, r.stars, r.status) == (4, 2, "not_recognised")
    assert r.unmet_minimums[0]["finding"] == "qd781-3-quality-declaration"
    d["evaluated_on"] = "2020-06-01"  # before QĐ 781: no per-star minimum, no gap warning
    d["findings"] = []
    assert "minimums-gap" not in [w["code"] for w in evaluate(d).warnings]


def _fixture(name: str) -> dict:
    return json.loads((FIX / f"{name}.json").read_text(encoding="utf-8"))


def test_a_recorded_2_star_requirement_caps_below_2_stars():
    """QĐ 781 has 2★ requirements (quality declaration, groups 4–5): missing one caps at 1★."""
    d = _fixture("qd1048-province-89-67")
    d["findings"] = ["qd781-2-quality-declaration"]
    r = evaluate(d)
    assert (r.band_stars, r.stars, r.status) == (4, 1, "not_recognised")
    assert [(u["stars"], u["finding"]) for u in r.unmet_minimums] == [(2, "qd781-2-quality-declaration")]
    assert "minimum.finding.2" in [t["rule"] for t in r.trace]


def test_a_finding_no_rule_handles_is_an_engine_error_in_both_executors(monkeypatch):
    """Before the fix no 2★ rule existed and the fact was dropped silently: now a missing rule is loud."""
    import numpy as np

    from scoring import EngineError
    from scoring.engine.vector_backend import VecDecisions, run_stage
    from scoring.evaluate import compiled_rules
    from scoring.rules import params

    monkeypatch.setattr(params, "minimum_levels", lambda cs: [3, 4])
    d = _fixture("qd1048-province-89-67")
    d["findings"] = ["qd781-2-quality-declaration"]
    with pytest.raises(EngineError, match="no rule handles this finding fact"):
        evaluate(d)
    from scoring.dossier import parse_dossier

    parsed = parse_dossier(d)
    _, rules = compiled_rules(parsed.criteria_set, parsed.period)
    table = {k: np.array([v], dtype=object) for k, v in
             {"finding": "qd781-2-quality-declaration", "effect": "minimum", "stars": 2}.items()}
    with pytest.raises(EngineError, match="no rule handles 1 finding fact"):
        run_stage(rules, "finding", table, np.array([0]), VecDecisions(1))


def test_qd781_findings_before_qd781_was_in_force_are_refused():
    from scoring import DossierInvalid

    d = _fixture("qd1048-province-89-67")
    d["evaluated_on"] = "2019-10-01"
    d["findings"] = ["qd781-3-quality-declaration"]
    with pytest.raises(DossierInvalid) as exc:
        evaluate(d)
    (issue,) = exc.value.issues
    assert issue.location == "findings[0]" and issue.value == "qd781-3-quality-declaration"
    assert "2020-06-08" in issue.message and "2019-10-01" in issue.message and issue.allowed
    d["findings"] = ["raw-material-imported-or-unknown"]  # a knock-out applies before QĐ 781 too
    assert evaluate(d).status == "disqualified"
