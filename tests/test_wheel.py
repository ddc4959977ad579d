"""`pip install .` must ship criteria/ and rules/ inside the package: build a wheel and use it."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_data_and_works_from_its_contents(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("ocop_scoring-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "scoring/_data/criteria/schema/form.schema.json" in names
    assert sum(n.startswith("scoring/_data/criteria/qd26-2026/forms/") for n in names) == 26
    assert any(n.startswith("scoring/_data/rules/") and n.endswith(".json") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("OCOP_CRITERIA_DIR", None)
    code = ("import scoring, scoring.resources as r; from scoring.criteria import load_set;"
            "assert '_data' in str(r.criteria_dir()), r.criteria_dir();"
            "print(len(load_set('qd26-2026').forms))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "26"
