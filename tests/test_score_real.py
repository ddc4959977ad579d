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
