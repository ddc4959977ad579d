"""`ocop criteria list/show/validate` print the data as it is: nothing eaten as markup, no slug cut."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import criteria_root
from scoring import criteria
from scoring.cli import cli
from scoring.resources import criteria_dir

ROOT = Path(__file__).resolve().parents[1]
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"  # as criteria/schema/form.schema.json states it


def _copy(tmp_path: Path, set_id: str = "qd26-2026") -> Path:
    shutil.copytree(criteria_dir() / set_id, tmp_path / set_id)
    return tmp_path / set_id


def _form_file(folder: Path, slug: str) -> Path:
    return next((folder / "forms").glob(f"*-{slug}.json"))


def test_validate_prints_bracketed_text_as_is(tmp_path):
    folder = _copy(tmp_path)
    path = _form_file(folder, "do-an-nhanh")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["slug"] = "Đồ-ăn-nhanh"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["criteria", "validate", str(folder)])
    assert result.exit_code == 2
    assert SLUG_PATTERN in result.output, result.output  # Rich markup would print "^+(-+)*$"
    assert "1 problem(s)" in result.output  # and only the real one (no dangling classification row)


def test_show_prints_bracketed_data_as_is(tmp_path):
    folder = _copy(tmp_path)
    path = _form_file(folder, "rau-cu-qua-hat-tuoi")
    doc = json.loads(path.read_text(encoding="utf-8"))
    leaf = doc["parts"][0]["children"][0]["children"][0]
    leaf["label"] = "Nguồn gốc [bold]sản phẩm[/bold]"
    leaf["options"][0]["text"] = "Tỷ lệ [a-z] < 50% [red]"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    with criteria_root(tmp_path):
        result = CliRunner().invoke(cli, ["criteria", "show", "qd26-2026", "rau-cu-qua-hat-tuoi"])
    assert result.exit_code == 0, result.output
    assert "Nguồn gốc [bold]sản phẩm[/bold]" in result.output
    assert "Tỷ lệ [a-z] < 50% [red]" in result.output
    cases = CliRunner().invoke(cli, ["criteria", "show", "qd1048-2019", "rau-cu-qua-hat-tuoi"]).output
    assert "[a] Có < 50% số thành viên" in cases and "[b] " in cases  # the alternative ladders' labels


def _list_at(width: int) -> str:
    env = dict(os.environ, COLUMNS=str(width))
    env.pop("OCOP_CRITERIA_DIR", None)
    done = subprocess.run([sys.executable, "-m", "scoring.cli", "criteria", "list"], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", check=True)
    return done.stdout


@pytest.mark.parametrize("width", [60, 200])
def test_list_never_cuts_a_slug(width):
    text = _list_at(width)
    tokens = set(text.split())
    slugs = [f.slug for sid in criteria.available_sets() for f in criteria.load_set(sid).forms.values()]
    assert len(slugs) == 78
    assert [s for s in slugs if s not in tokens] == []
    assert all("in force" in line for line in text.splitlines() if "…" in line)  # only "→ …" (no end date)


def test_show_gives_printed_numbers_and_valid_from():
    runner = CliRunner()
    data = json.loads(runner.invoke(cli, ["criteria", "show", "qd148-2023", "gao-ngu-coc-hat-so-che-khac",
                                          "--json"]).output)
    first = data["parts"][0]["children"][0]["children"][0]
    assert (first["number"], first["printed"]) == ("1.1", "1.a")
    text = runner.invoke(cli, ["criteria", "show", "qd148-2023", "gao-ngu-coc-hat-so-che-khac"]).output
    assert "printed" in text and any(line.split()[:2] == ["1.5", "1.đ"] for line in text.splitlines() if line.split())
    data = json.loads(runner.invoke(cli, ["criteria", "show", "qd1048-2019", "dich-vu-du-lich-truyen-thong-le-hoi",
                                          "--json"]).output)
    assert data["valid_from"] == "2020-06-08" and data["slug"] == "dich-vu-du-lich-cong-dong-va-diem-du-lich"
    text = runner.invoke(cli, ["criteria", "show", "qd1048-2019", "dich-vu-du-lich-cong-dong-va-diem-du-lich"]).output
    assert "from 2020-06-08" in text
    other = json.loads(runner.invoke(cli, ["criteria", "show", "qd26-2026", "hoa", "--json"]).output)
    assert other["valid_from"] is None


def test_show_says_what_a_partial_form_lacks():
    """`criteria show` once said "scores on its real maximum 100" for QĐ 148 form 17, whose maximum
    is intact: it now gives the same sentence as the warning and the rule engine's explanation."""
    runner = CliRunner()
    lacking_option = runner.invoke(cli, ["criteria", "show", "qd148-2023", "do-uong-khong-con-khac"]).output
    assert "real maximum" not in lacking_option
    assert "points are missing at criterion 1.4; the maximum of 100 is intact" in " ".join(lacking_option.split())
    lacking_points = runner.invoke(cli, ["criteria", "show", "qd148-2023", "che-tuoi-che-che-bien"]).output
    assert "real maximum 97 instead of 100" in " ".join(lacking_points.split())
