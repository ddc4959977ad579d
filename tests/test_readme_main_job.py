"""The README's main-job command, run as written (after its `pip install`) in a fresh folder, twice:
README promises it works on a fresh machine and is safe to run again."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from readme_support import main_job

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_readme_main_job_runs_twice_on_the_bundled_fixtures(tmp_path):
    if shutil.which("ocop") is None:
        pytest.skip("the `ocop` command is not installed (pip install .)")
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures", target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k != "OCOP_DB"}  # the embedded SQLite default
    job = main_job()
    runs = [subprocess.run(["bash", "-c", job], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=900) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for name in ("ocop.db", "out/results.xlsx", "out/tinh.csv", "out/tien-do.html", "out/giam-sat.xlsx",
                 "out/council/documents/bien-ban.docx", "out/council/documents/bang-tong-hop.xlsx"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert list((tmp_path / "out/council/sheets").glob("*.xlsx")) and list((tmp_path / "out/council/dossiers").glob("*.json"))
    # the second run finds everything already stored and certified
    assert re.search(r"^0 giấy chứng nhận đã cấp", runs[1].stdout, re.M), runs[1].stdout[-2000:]
    assert "0 mới / new" in runs[1].stdout and " 1 mới / new" not in runs[1].stdout


def test_files_the_readme_names_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b((?:docs|benchmarks|fixtures|tools)/[\w./-]+\.(?:md|py|yaml|csv|xlsx|json))", text))
    assert named, "the README names no files?"
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, missing
    assert "../shared" not in text and "design.md" not in text  # nothing outside the repository
