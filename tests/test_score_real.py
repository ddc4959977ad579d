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

# The expectations below come from the reference texts, not from the criteria data or the engine:
# bands "từ … đến dưới …" (ocop-148-2023.md §1.2; 1048 read the same, ocop-1048-2019.md §1.3);
# who certifies what and the gates per period (ocop-1048-2019.md §3.1 table; ocop-148-2023.md §3.1,
# §3.2, §3.3 Điều 4/7). A gate sends a dossier up only with stars the next level certifies (QĐ 1048
# "đạt từ 50 đến 100 điểm (3–5 sao)"; for ≥ 90 our reading of "tiềm năng đạt 5 sao").
BANDS = ((90, 5), (70, 4), (50, 3), (30, 2), (0, 1))
PROCESS = {  # (set, period) -> ({level: stars it certifies}, {level: (gate points, next level)})
    ("qd1048-2019", "all"): ({"district": (), "province": (3, 4), "central": (5,)},
                             {"district": (50, "province"), "province": (90, "central")}),
    ("qd148-2023", "2023"): ({"district": (3,), "province": (4,), "central": (5,)},
                             {"district": (70, "province"), "province": (90, "central")}),
    ("qd148-2023", "1489"): ({"province": (3, 4), "central": (5,)}, {"province": (90, "central")}),
    ("qd26-2026", "all"): ({"province": (3, 4), "central": (5,)}, {"province": (90, "central")}),
}

# fixture: (member totals as designed, stars the design gives — None = the band; "ko" = knocked out,
#           warnings that must be present)
DESIGN = {
    "qd1048-district-50-escalates": ([49, 50, 51], None, ()),
    "qd1048-district-49-67-stays": ([50, 50, 49], None, ()),
    "qd1048-district-49-99-illustrative-100-members": ([50] * 99 + [49], None, ()),
    "qd1048-province-90": ([91, 90, 89], None, ()),
    "qd1048-province-89-67": ([90, 90, 89], None, ()),
    "qd1048-spread-11": ([60, 65, 71], None, ("council-spread",)),
    "qd1048-knockout-food-safety-certificate": ([79, 80, 81], "ko", ()),
    "qd1048-knockout-ip-infringement": ([74, 75, 76], "ko", ()),
    "qd1048-district-55-missing-781-3star": ([54, 55, 56], 2, ("gate-held-by-stars",)),  # QĐ 781 3★ finding
    "qd1048-province-69-67-household-handicraft": ([70, 70, 69], None, ()),
    "qd1048-province-70-cosmetics": ([69, 70, 71], None, ()),
    "qd1048-tourism-district-55": ([54, 55, 56], None, ()),
    "qd148-district-70": ([69, 70, 71], None, ()),
    "qd148-district-3star-2024": ([61, 62, 63], None, ()),
    "qd148-district-69-67": ([70, 70, 69], None, ()),
    "qd148-province-3star-2024": ([64, 65, 66], None, ()),
    "qd148-province-69": ([68, 69, 70], None, ()),
    "qd148-handicraft-province-80": ([79, 80, 81], None, ()),
    "qd148-cosmetics-province-90": ([89, 90, 91], None, ()),
    "qd148-tourism-province-75": ([74, 75, 76], None, ()),
    "qd26-2026-55-missing-3star-minimum": ([55, 55, 55], 2, ()),  # 2.2 below its *** mark
    "qd26-2026-90": ([89, 90, 91], None, ()),
    "qd26-2026-90-capped-4star": ([89, 90, 91], 4, ("gate-held-by-stars",)),  # 4.1 below its ***** mark
    "qd26-2026-89-67": ([90, 90, 89], None, ()),
    "qd26-2026-70-4star": ([70, 70, 70], None, ()),
    "qd26-2026-69-67": ([70, 70, 69], None, ()),
    "qd26-2026-50-wine": ([49, 50, 51], None, ()),
    "qd26-2026-49-67-wine": ([50, 50, 49], None, ()),
    "qd26-2026-handicraft-78": ([76, 78, 80], None, ()),
    "qd26-2026-knockout-forged-dossier": ([70, 72, 74], "ko", ()),
    "qd26-2026-knockout-foreign-matter-stops": ([40, 41, 42], "ko", ()),
    "qd26-2026-cosmetics-central-85": ([84, 85, 86], None, ()),
    "qd26-2026-tourism-province-72": ([71, 72, 73], None, ()),
}


def _expected(d: dict, totals: list[int], design) -> tuple:
    total = sum(totals) / len(totals)
    band = next(stars for edge, stars in BANDS if total >= edge)
    period = "all" if d["criteria_set"] != "qd148-2023" else ("2023" if d["evaluated_on"] < "2025-07-06" else "1489")
    certifies, gates = PROCESS[(d["criteria_set"], period)]
    if design == "ko":
        return total, band, 0, "disqualified", None, None
    stars = band if design is None else design
    by = d["level"] if stars in certifies[d["level"]] else None
    gate = gates.get(d["level"])
    up = gate[1] if gate and total >= gate[0] and stars >= min(certifies[gate[1]]) else None
    return total, band, stars, "recognised" if by else "not_recognised", by, up


def test_every_fixture_is_designed_and_asserted():
    assert {p.stem for p in FIX.glob("*.json")} == set(DESIGN)


@pytest.mark.parametrize("name", sorted(DESIGN))
def test_fixture_outcomes(name):
    totals, design, warnings = DESIGN[name]
    d = json.loads((FIX / f"{name}.json").read_text(encoding="utf-8"))
    r = evaluate(d)
    assert sorted(r.member_totals.values()) == sorted(totals)
    total, band, stars, status, by, up = _expected(d, totals, design)
    assert r.total == pytest.approx(total, abs=1e-12)
    assert (r.band_stars, r.stars, r.status, r.recognised_by, r.escalate_to) == (band, stars, status, by, up)
    assert set(warnings) <= {w["code"] for w in r.warnings}
    RESULT.validate(json.loads(json.dumps(r.to_dict())))


def test_fixtures_cover_three_forms_per_set_including_non_food():
    forms: dict[str, set[str]] = {}
    for p in FIX.glob("*.json"):
        d = json.loads(p.read_text(encoding="utf-8"))
        forms.setdefault(d["criteria_set"], set()).add(d["form"])
    non_food = ("thu-cong", "my-pham", "du-lich")
    for set_id, slugs in forms.items():
        assert len(slugs) >= 3, set_id
        assert any(any(k in s for k in non_food) for s in slugs), set_id


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


def test_a_level_that_does_not_certify_the_stars_names_the_level_that_does():
    """QĐ 148 as issued: the district certifies 3★ (ocop-148-2023.md §3.1) — a province council that
    scores 3★ in 2024 is not waiting for a *higher* level; QĐ 26/2026 Điều 7.4: a product the central
    council scores below 90 may be recognised 3★/4★ by the province."""
    r = evaluate(FIX / "qd148-province-3star-2024.json")
    (t,) = [t for t in r.trace if t["rule"] == "outcome.other-level.province-3"]
    assert "district level (a lower level)" in t["en"] and "cấp huyện (cấp dưới)" in t["vi"]
    r = evaluate(FIX / "qd26-2026-cosmetics-central-85.json")
    (t,) = [t for t in r.trace if t["rule"] == "outcome.other-level.central-4"]
    assert "province level (a lower level)" in t["en"]
    r = evaluate(FIX / "qd1048-district-50-escalates.json")
    (t,) = [t for t in r.trace if t["rule"] == "outcome.other-level.district-3"]
    assert "province level (a higher level)" in t["en"]


def test_a_capped_product_at_the_gate_stays_with_a_warning_that_says_it_is_our_reading():
    r = evaluate(FIX / "qd26-2026-90-capped-4star.json")
    (w,) = [w for w in r.warnings if w["code"] == "gate-held-by-stars"]
    assert "our reading" in w["en"] and "Hội đồng cần xác nhận" in w["vi"]
    assert (r.recognised_by, r.escalate_to) == ("province", None)
