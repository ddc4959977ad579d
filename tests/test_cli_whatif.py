"""`ocop whatif`, `ocop plan` and `ocop policy`: JSON contracts and exit codes."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scoring.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOSSIER = ROOT / "fixtures" / "dossiers" / "qd26-2026-55-missing-3star-minimum.json"
COHORT = ROOT / "fixtures" / "cohort" / "cohort.csv"


def test_whatif_json_with_a_cost_table():
    out = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "3", "--costs",
                                   str(ROOT / "fixtures" / "costs.csv"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["feasible"] is True and data["cost"] == 15_000_000
    assert data["upgrades"] == [{**data["upgrades"][0], "criterion": "2.2", "from_points": 1, "to_points": 2,
                                 "cost": 15_000_000, "label": "thiết kế bao bì"}]
    assert data["result_after"]["stars"] >= 3


def test_whatif_unpriced_upgrade_is_infeasible_not_guessed():
    out = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "5", "--costs",
                                   str(ROOT / "fixtures" / "costs.csv"), "--json"])
    data = json.loads(out.output)
    assert out.exit_code == 0 and data["feasible"] is False and data["reason"]


def test_plan_json_respects_the_budget_and_reports_rewards():
    out = CliRunner().invoke(cli, ["plan", str(COHORT), "--targets", "4:10,3:12", "--budget", "3",
                                   "--rewards", "5:30000000,4:20000000,3:10000000", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["cost"] <= 3
    assert {"feasible", "cost", "upgrades", "rewards"} <= set(data)
    for u in data["upgrades"]:
        assert {"criterion", "from_points", "to_points", "cost", "label"} <= set(u)
    for p in data["products"]:
        assert p["result_after"]["stars"] == p["stars_after"]


def test_policy_cli_and_bad_override():
    ok = CliRunner().invoke(cli, ["policy", str(COHORT), "--gate", "district-to-province=70", "--json"])
    assert ok.exit_code == 0, ok.output
    assert "what-if" in json.loads(ok.output)["scenarios"]
    bad = CliRunner().invoke(cli, ["policy", str(COHORT), "--band", "4=abc"])
    assert bad.exit_code == 2
    for option, named in (("x=50", "overrides.bands.x"), ("7=50", "overrides.bands.7")):
        bad = CliRunner().invoke(cli, ["policy", str(COHORT), "--band", option])
        assert bad.exit_code == 2 and named in bad.output and "internal error" not in bad.output, bad.output


def _strict_json(text: str):
    """json.loads that refuses Infinity/NaN (not JSON: other tools choke on them)."""
    def bad(token):
        raise AssertionError(f"non-JSON number {token} in output")
    return json.loads(text, parse_constant=bad)


def _knocked_stopped(tmp_path: Path) -> Path:
    d = json.loads((ROOT / "fixtures" / "dossiers" / "qd1048-province-89-67.json").read_text(encoding="utf-8"))
    d.update(dossier_id="KO-STOPPED", findings=["food-safety-certificate-noncompliant"])
    for sheet in d["sheets"]:
        sheet["scores"] = {k: (v if k.startswith("1.") else None) for k, v in sheet["scores"].items()}
    path = tmp_path / "ko.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


def test_whatif_on_a_stopped_knockout_is_infeasible_not_invalid(tmp_path):
    path = _knocked_stopped(tmp_path)
    out = CliRunner().invoke(cli, ["whatif", str(path), "--target-stars", "3", "--json"])
    assert out.exit_code == 0, out.output
    data = _strict_json(out.output)
    assert data["feasible"] is False and data["if_cleared"] is None and data["upgrades"] == []
    assert [p["id"] for p in data["prerequisites"]] == ["food-safety-certificate-noncompliant"]
    human = CliRunner().invoke(cli, ["whatif", str(path), "--target-stars", "3"])
    assert human.exit_code == 0 and "knock-out" in human.output and "already reached" not in human.output


def test_plan_json_is_strict_json_and_lists_skipped_products():
    out = CliRunner().invoke(cli, ["plan", str(COHORT), "--targets", "3:40", "--json"])
    assert out.exit_code == 0, out.output
    data = _strict_json(out.output)
    assert data["feasible"] is False and data["shortfall"] is None and data["shortfall_reason"]
    assert data["skipped"] and all(s["reason"] and s["prerequisites"] for s in data["skipped"])
    # skipped products are knocked out in the cohort: the rule engine says so, independently
    from scoring.batch import dossier_dicts, read_table, to_wide
    from scoring.evaluate import evaluate

    knocked = {d["dossier_id"] for d in dossier_dicts(to_wide(read_table(COHORT))) if evaluate(d).knockouts}
    assert {s["dossier_id"] for s in data["skipped"]} == knocked


def test_plan_says_why_when_nothing_is_priced(tmp_path):
    costs = tmp_path / "costs.csv"
    costs.write_text("criteria_set,form,criterion,from_points,to_points,cost,label\n"
                     "qd26-2026,ruou-trang,2.2,1,2,15000000,thiết kế bao bì\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["plan", str(COHORT), "--targets", "4:12", "--costs", str(costs)])
    assert out.exit_code == 0, out.output
    assert "not within budget" not in out.output and "no upgrade is priced" in out.output


def test_plan_counts_stars_or_recognised_and_warns_when_they_differ():
    stars = _strict_json(CliRunner().invoke(cli, ["plan", str(COHORT), "--targets", "3:1", "--json"]).output)
    rec = _strict_json(CliRunner().invoke(cli, ["plan", str(COHORT), "--targets", "3:1", "--json", "--count",
                                                "recognised"]).output)
    from scoring.batch import dossier_dicts, read_table, to_wide
    from scoring.evaluate import evaluate

    results = [evaluate(d) for d in dossier_dicts(to_wide(read_table(COHORT)))]
    assert stars["counts_before"] == {"3": sum(r.stars >= 3 for r in results)}
    assert rec["counts_before"] == {"3": sum(r.stars >= 3 and r.status == "recognised" for r in results)}
    assert stars["counts_before"] != rec["counts_before"] and stars["warnings"] and rec["warnings"]


def test_bad_plan_options_exit_2_naming_the_option():
    for args, option in ((["--targets", "4-2"], "--targets"), (["--targets", "6:2"], "--targets"),
                         (["--targets", "4:2", "--rewards", "4=20"], "--rewards"),
                         (["--targets", "4:2", "--budget", "-5"], "--budget"),
                         (["--targets", "4:2", "--count", "all"], "--count")):
        out = CliRunner().invoke(cli, ["plan", str(COHORT), *args])
        assert out.exit_code == 2 and option in out.output, (args, out.output)


def test_plan_refuses_batch_results_with_exit_2(tmp_path):
    res = tmp_path / "res.csv"
    assert CliRunner().invoke(cli, ["batch", str(COHORT), "-o", str(res)]).exit_code == 0
    out = CliRunner().invoke(cli, ["plan", str(res), "--targets", "4:2"])
    assert out.exit_code == 2 and "ocop batch" in out.output and str(res) in out.output.replace("\n", "")


def test_cost_table_errors_name_file_row_field_value(tmp_path):
    cases = {
        "dup.csv": ("form,criterion,from_points,to_points,cost\nrau-cu-qua-hat-tuoi,2.2,1,2,5\n"
                    "rau-cu-qua-hat-tuoi,2.2,1,2,9\n", ["line 3", "duplicate", "line 2"]),
        "frac.csv": ("form,criterion,from_points,to_points,cost\nrau-cu-qua-hat-tuoi,2.2,1.5,2,5\n",
                     ["line 2", "from_points", "1.5", "whole number"]),
        "nan.csv": ("form,criterion,from_points,to_points,cost\nrau-cu-qua-hat-tuoi,2.2,1,2,nan\n",
                    ["line 2", "cost", "nan"]),
        "pts.csv": ("form,criterion,from_points,to_points,cost\nrau-cu-qua-hat-tuoi,2.2,1,7,5\n",
                    ["line 2", "to_points", "1 → 7", "0, 1, 2, 3"]),
        "unk.csv": ("form,criterion,from_points,to_points,cost\nrau-cu-qua-hat-tuoi,99.9,1,2,5\n",
                    ["line 2", "criterion", "99.9"]),
        "set.csv": ("criteria_set,form,criterion,from_points,to_points,cost\nqd2030,*,2.2,1,2,5\n",
                    ["line 2", "criteria_set", "qd2030", "qd26-2026"]),
        "nokey.json": ('{"rows": []}', ["'costs'"]),
        "broken.json": ("{bad json", ["not valid JSON"]),
        "row.json": ('{"costs": [{"criterion": "2.2", "from_points": 1, "to_points": 2, "cost": 1},'
                     ' {"criterion": "2.2", "from_points": 1, "to_points": 2}]}', ["row 2 (costs[1])", "cost"]),
    }
    for name, (text, expected) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "3", "--costs", str(path)])
        flat = " ".join(out.output.split())
        assert out.exit_code == 2, (name, out.output)
        assert str(path) in out.output.replace("\n", "") and all(e in flat for e in expected), (name, out.output)


def test_criteria_set_column_keeps_a_row_to_its_set(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("criteria_set,form,criterion,from_points,to_points,cost,label\n"
                    "qd1048-2019,*,2.2,1,2,5000000,bao bì QĐ 1048\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "3", "--costs", str(path), "--json"])
    data = _strict_json(out.output)  # a QĐ 26/2026 dossier: the QĐ 1048 row does not price its 2.2
    assert out.exit_code == 0 and data["feasible"] is False


def test_readable_plans_format_money_and_steps():
    out = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "3", "--costs",
                                   str(ROOT / "fixtures" / "costs.csv")])
    assert out.exit_code == 0 and "15,000,000 ₫" in out.output and "e+" not in out.output
    steps = CliRunner().invoke(cli, ["whatif", str(DOSSIER), "--target-stars", "3", "--assume", "mean"])
    assert steps.exit_code == 0 and "bước/steps" in steps.output and "(mean)" in steps.output


def test_score_explains_qd781_findings_and_the_plan_prerequisites(tmp_path):
    d = json.loads((ROOT / "fixtures" / "dossiers" / "qd1048-province-89-67.json").read_text(encoding="utf-8"))
    d.update(dossier_id="QD781", findings=["qd781-3-quality-declaration"])
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    data = _strict_json(CliRunner().invoke(cli, ["score", str(path), "--json"]).output)
    ns = data["next_star"]
    assert [f["id"] for f in ns["findings"]] == ["qd781-3-quality-declaration"]
    assert [p["id"] for p in ns["plan"]["prerequisites"]] == ["qd781-3-quality-declaration"]
    human = CliRunner().invoke(cli, ["score", str(path), "--brief"])
    tail = human.output[human.output.index("To reach"):]
    assert "qd781-3-quality-declaration" in tail and "QĐ 781" in tail
    assert "cost 0):\n" not in tail  # never an empty "cheapest plan" heading


def test_whatif_five_stars_at_district_level_says_who_recognises():
    d = ROOT / "fixtures" / "dossiers" / "qd1048-district-50-escalates.json"
    data = _strict_json(CliRunner().invoke(cli, ["whatif", str(d), "--target-stars", "5", "--json"]).output)
    assert data["feasible"] and any("central council" in n for n in data["notes"])
