"""The README's reports on the bundled fixtures: the registry filled and certified by the README's own
commands, then `ocop report progress` and `ocop report supervision` — charts present, figures equal to
counts taken straight from the registry's tables."""
from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from readme_support import main_job
from scoring.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "fixtures" / "plans" / "hai-duong.yaml"


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> str:
    warnings.simplefilter("ignore")
    db = f"sqlite:///{tmp_path_factory.mktemp('readme')}/ocop.db"
    run = CliRunner()
    dossiers = sorted(str(p) for p in (ROOT / "fixtures" / "dossiers").glob("*.json"))
    for args in (["registry", "init"],
                 ["registry", "import", *dossiers, str(ROOT / "fixtures/cohort/cohort.csv"),
                  str(ROOT / "fixtures/cohort/hoi-dong-tinh-2026.xlsx"), "--no-progress"],
                 ["registry", "certify", "--issued-on", "2026-12-31"]):
        r = run.invoke(cli, [*args, "--db", db])
        assert r.exit_code == 0, (args, r.output)
    return db


def test_readme_runs_both_reports_in_the_main_job():
    job = main_job()
    for step in ("ocop registry init", "ocop registry import", "ocop registry certify --issued-on 2026-12-31",
                 "ocop plan-file validate fixtures/plans/hai-duong.yaml",
                 "ocop report progress --plan fixtures/plans/hai-duong.yaml --as-of 2026-12-31",
                 "ocop report supervision --as-of 2029-07-10"):
        assert step in job, step


def test_progress_on_the_fixtures_equals_the_registry(registry, tmp_path):
    with create_engine(registry).connect() as conn:
        rows = conn.execute(text(
            "SELECT p.province, p.district, p.commune, c.stars FROM certificates c JOIN products p "
            "ON p.id = c.product_id WHERE c.status = 'valid'")).all()
    in_plan = Counter(r.commune for r in rows if r.province == "Hải Dương")
    outside = sum(1 for r in rows if r.province != "Hải Dương")
    assert sum(in_plan.values()) > 0 and outside > 0        # the fixtures reach the plan and beyond it
    out = tmp_path / "p.json"
    r = CliRunner().invoke(cli, ["report", "progress", "--plan", str(PLAN), "--as-of", "2026-12-31", "-o", str(out),
                                 "--db", registry, "--whatif-depth", "-1"])
    assert r.exit_code == 0, r.output
    import json

    data = json.loads(out.read_text(encoding="utf-8"))
    areas = {a["name"]: a for a in data["areas"] if a["level"] == "commune" and a["parent"] == "294"}
    others = {a["code"]: a for a in data["areas"] if a["code"] == "294-khac"}  # communes the plan does not name
    unnamed = 0
    for commune, n in in_plan.items():
        if commune in areas:
            assert sum(areas[commune]["achieved"].values()) == n, commune   # all issued in 2026, none revoked
        else:
            unnamed += n
    if unnamed:
        assert sum(others["294-khac"]["achieved"].values()) == unnamed
    assert data["areas"][0]["achieved_at_least"]["3"] == sum(in_plan.values())
    assert data["outside_plan"] == outside
    for fmt in ("html", "xlsx", "pdf"):
        r = CliRunner().invoke(cli, ["report", "progress", "--plan", str(PLAN), "--as-of", "2026-12-31",
                                     "-o", str(tmp_path / f"p.{fmt}"), "--db", registry])
        assert r.exit_code == 0, r.output
    assert (tmp_path / "p.html").read_text(encoding="utf-8").count("<svg") == 4
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert sum(len(ws._charts) for ws in wb.worksheets) == 3
    assert (tmp_path / "p.pdf").read_bytes()[:5] == b"%PDF-"


def test_supervision_on_the_fixtures_lists_the_due_certificates(registry, tmp_path):
    with create_engine(registry).connect() as conn:
        valid = conn.execute(text("SELECT count(*) FROM certificates WHERE status = 'valid'")).scalar()
    out = tmp_path / "s.xlsx"
    r = CliRunner().invoke(cli, ["report", "supervision", "--as-of", "2029-07-10", "-o", str(out), "--db", registry])
    assert r.exit_code == 0, r.output
    # issued 2026-12-31, they expire 2029-12-31: the window opens 2029-07-04 (180 days before), so on
    # 2029-07-10 every valid certificate is in its window
    ws = openpyxl.load_workbook(out)["Danh sách"]
    header = [c.value for c in ws[1]]
    cats = [row[header.index("Mã tình trạng")] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert cats == ["in_window"] * valid
    assert len(openpyxl.load_workbook(out)["Hết hạn theo tháng"]._charts) == 1
