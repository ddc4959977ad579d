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
