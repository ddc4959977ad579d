"""Data printed by the readable CLI output keeps its brackets.

Rich reads "[...]" as markup: a product named "Trà [hoa sen]", a member "[tv1]" or an error quoting the
slug pattern "^[a-z0-9]+(-[a-z0-9]+)*$" would lose text silently unless every piece of data is escaped.
"""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scoring.cli import cli

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "dossiers" / "qd26-2026-55-missing-3star-minimum.json"


def _bracketed_copy(tmp_path: Path) -> Path:
    d = json.loads(FIXTURE.read_text(encoding="utf-8"))
    d["dossier_id"] = "HS-[nam]-01"
    d["product"]["name"] = "Trà [hoa sen] loại 1"
    d["sheets"][0]["member"] = "[tv1]"
    path = tmp_path / "bracketed.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


def test_score_explanation_keeps_bracketed_data(tmp_path):
    run = CliRunner().invoke(cli, ["score", str(_bracketed_copy(tmp_path))], terminal_width=200)
    assert run.exit_code == 0, run.output
    for text in ("HS-[nam]-01", "Trà [hoa sen] loại 1", "[tv1]"):
        assert text in run.output


def test_whatif_keeps_bracketed_data(tmp_path):
    run = CliRunner().invoke(cli, ["whatif", str(_bracketed_copy(tmp_path)), "--target-stars", "3"],
                             terminal_width=200)
    assert run.exit_code == 0, run.output
    assert "HS-[nam]-01" in run.output


def test_invalid_input_message_keeps_the_allowed_pattern(tmp_path):
    d = json.loads(FIXTURE.read_text(encoding="utf-8"))
    d["form"] = "Rau củ [tươi]"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    run = CliRunner().invoke(cli, ["score", str(path)], terminal_width=400)
    assert run.exit_code == 2
    assert "Rau củ [tươi]" in run.output
