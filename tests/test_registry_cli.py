"""`ocop registry …` through click's runner: exit codes, JSON output, files read back by other libraries."""
from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys

import openpyxl
import pytest
from click.testing import CliRunner

from registry_support import FIXTURES, ROOT, variant
from scoring.cli import cli

FIXTURE_FILES = sorted(str(p) for p in (FIXTURES / "dossiers").glob("*.json")) + [
    str(FIXTURES / "cohort" / "cohort.csv"), str(FIXTURES / "cohort" / "hoi-dong-tinh-2026.xlsx")]


def run(*args: str, code: int = 0, stdin: str | None = None):
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'ocop.db'}"
    run("registry", "init", "--db", url)
    return url


def test_main_job_on_the_fixtures(db):
    out = json.loads(run("registry", "import", *FIXTURE_FILES, "--db", db, "--json").output)
    files = {f["source"]: f for f in out["files"]}
    assert sum(f["inserted"] for f in files.values()) == 33 + 40 + 12  # 33 JSON dossiers, 40 + 12 table dossiers
    assert not out["refused"] and all(not f["rejected"] for f in files.values())
    again = json.loads(run("registry", "import", *FIXTURE_FILES, "--db", db, "--json").output)
    assert sum(f["unchanged"] for f in again["files"]) == 85 and sum(f["inserted"] for f in again["files"]) == 0
    issued = json.loads(run("registry", "certify", "--issued-on", "2026-12-31", "--db", db, "--json").output)["issued"]
    assert issued and all(c["expires_on"] == "2029-12-31" for c in issued)
    due = json.loads(run("registry", "certificates", "--as-of", "2029-07-10", "--due-within", "90", "--db", db,
                         "--json").output)["certificates"]
    # 2029-12-31 − 180 days = 2029-07-04: every certificate's window is open on 2029-07-10
    assert {c["number"] for c in due} == {c["number"] for c in issued}
    assert {c["due"] for c in due} == {"window-open"}
    number = issued[0]["number"]
    run("registry", "revoke", number, "--ground", "dd", "--on", "2027-01-05", "--db", db)
    res = run("registry", "revoke", number, "--ground", "a", "--on", "2027-01-06", "--db", db, code=2)
    assert "already-revoked" in res.output
    shown = json.loads(run("registry", "show", issued[0]["dossier_id"], "--db", db, "--json").output)
    assert shown["entity"] == "dossier" and shown["kind"] == "new" and shown["certificate"] == number
    grounds = json.loads(run("registry", "grounds", "--json").output)["grounds"]
    assert [g["code"] for g in grounds] == ["a", "b", "c", "d", "đ", "e"]


def test_open_a_round_and_import_and_certify_into_it(db):
    opened = json.loads(run("registry", "round-open", "--level", "tỉnh", "--year", "2026", "--number", "2",
                            "--name", "Đợt 2 năm 2026", "--db", db, "--json").output)
    # QĐ 26/2026 Điều 5: a province's second round takes files proposed before 30/10, finishes by 30/12
    assert (opened["level"], opened["proposals_by"], opened["finish_by"]) == ("province", "2026-10-30", "2026-12-30")
    res = run("registry", "round-open", "--level", "province", "--year", "2026", "--number", "2", "--db", db, code=2)
    assert "round-exists" in res.output
    res = run("registry", "round-open", "--level", "thôn", "--year", "2026", "--number", "1", "--db", db, code=2)
    assert "bad-level" in res.output and "province" in res.output
    rid = str(opened["id"])
    run("registry", "import", str(FIXTURES / "dossiers" / "qd26-2026-handicraft-78.json"), "--round", rid, "--db", db)
    run("registry", "import", str(FIXTURES / "dossiers" / "qd26-2026-70-4star.json"), "--db", db)
    issued = json.loads(run("registry", "certify", "--issued-on", "2026-12-20", "--round", rid, "--db", db,
                            "--json").output)["issued"]
    assert [c["dossier_id"] for c in issued] == ["qd26-2026-handicraft-78"]  # only the round's dossier
    listed = json.loads(run("registry", "rounds", "--year", "2026", "--level", "tỉnh", "--db", db, "--json").output)
    assert [(r["id"], r["name"]) for r in listed["rounds"]] == [(opened["id"], "Đợt 2 năm 2026")]
    assert "Đợt 2 năm 2026" in run("registry", "rounds", "--db", db).output


def test_dossiers_of_a_round_with_their_result_and_certificate(db):
    rid = json.loads(run("registry", "round-open", "--level", "tỉnh", "--year", "2026", "--number", "1", "--db", db,
                         "--json").output)["id"]
    in_round = [str(FIXTURES / "dossiers" / f"{n}.json") for n in ("qd26-2026-70-4star", "qd26-2026-49-67-wine")]
    run("registry", "import", *in_round, "--round", str(rid), "--db", db)
    run("registry", "import", str(FIXTURES / "dossiers" / "qd26-2026-89-67.json"), "--db", db)  # no round
    issued = json.loads(run("registry", "certify", "--issued-on", "2026-12-31", "--round", str(rid), "--db", db,
                            "--json").output)["issued"]
    listed = json.loads(run("registry", "dossiers", "--round", str(rid), "--db", db, "--json").output)
    rows = {r["dossier_id"]: r for r in listed["dossiers"]}
    # the fixtures' own notes: exactly 70 points → 4★; 49.67 (149/3) → 2★, not recognised
    assert list(rows) == ["qd26-2026-70-4star", "qd26-2026-49-67-wine"] and listed["round_id"] == rid
    assert (rows["qd26-2026-70-4star"]["total"], rows["qd26-2026-70-4star"]["stars"]) == (70, 4)
    assert rows["qd26-2026-70-4star"]["status"] == "recognised"
    assert rows["qd26-2026-70-4star"]["certificate"] == issued[0]["number"] and len(issued) == 1
    assert rows["qd26-2026-49-67-wine"]["stars"] == 2 and rows["qd26-2026-49-67-wine"]["total"] == pytest.approx(149 / 3)
    assert (rows["qd26-2026-49-67-wine"]["status"], rows["qd26-2026-49-67-wine"]["certificate"]) == ("not_recognised", None)
    assert rows["qd26-2026-70-4star"]["province"] and rows["qd26-2026-70-4star"]["product"]
    everything = json.loads(run("registry", "dossiers", "--db", db, "--json").output)["dossiers"]
    assert [r["dossier_id"] for r in everything] == [*rows, "qd26-2026-89-67"]
    waiting = json.loads(run("registry", "dossiers", "--status", "recognised", "--uncertified", "--db", db,
                             "--json").output)["dossiers"]
    assert [r["dossier_id"] for r in waiting] == ["qd26-2026-89-67"]
    table = run("registry", "dossiers", "--round", str(rid), "--db", db).output
    assert "2 hồ sơ / dossiers of round" in table and issued[0]["number"] in table and "chưa công nhận" in table
    missing = run("registry", "dossiers", "--round", "99", "--db", db, code=2)
    assert "unknown-round" in missing.output
    bad = run("registry", "dossiers", "--status", "valid", "--db", db, code=2)
    assert "recognised" in bad.output


def test_changed_dossier_exits_2_with_what_differs(db, tmp_path):
    d = variant("qd26-2026-90.json")
    path = tmp_path / "d.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    run("registry", "import", str(path), "--db", db)
    d["evaluated_on"] = "2026-09-16"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    res = run("registry", "import", str(path), "--db", db, code=2)
    assert "dossier-changed" in res.output and "evaluated_on" in res.output and "2026-09-16" in res.output
    run("registry", "import", str(path), "--replace", "--db", db)
    shown = json.loads(run("registry", "show", "qd26-2026-90", "--db", db, "--json").output)
    assert shown["version"] == 2 and shown["evaluated_on"] == "2026-09-16"


def test_uninitialised_database_exits_2(tmp_path):
    res = run("registry", "certificates", "--db", f"sqlite:///{tmp_path / 'x.db'}", code=2)
    assert "registry-not-initialised" in res.output


def test_export_escapes_formulas_and_backup_copies(db, tmp_path):
    from scoring.registry import Registry

    reg = Registry(db)
    reg.add_producer("=HYPERLINK(\"http://x\",\"y\")", province="Hà Nội", actor="t")
    reg.import_dossier(variant("qd26-2026-70-4star.json"), actor="t")
    reg.close()
    run("registry", "export", "-o", str(tmp_path / "out.xlsx"), "--db", db)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert {"producers", "products", "dossiers", "certificates", "audit_log"} <= set(wb.sheetnames)
    names = [c.value for c in wb["producers"]["B"][1:]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names
    assert all(c.data_type == "s" for c in wb["producers"]["B"][1:])
    run("registry", "export", "-o", str(tmp_path / "out.csv"), "--db", db)
    with open(tmp_path / "out-producers.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows if r["name"].startswith("'")] == ["'=HYPERLINK(\"http://x\",\"y\")"]
    run("registry", "backup", "-o", str(tmp_path / "copy.db"), "--db", db)
    con = sqlite3.connect(tmp_path / "copy.db")
    assert con.execute("SELECT count(*) FROM dossiers").fetchone() == (1,)
    con.close()


@pytest.mark.postgres
def test_backup_of_postgresql_gives_the_pg_dump_command(pg_url, tmp_path):
    from registry_support import fresh_pg_database

    for url in fresh_pg_database(pg_url):
        run("registry", "init", "--db", url)
        res = run("registry", "backup", "-o", str(tmp_path / "x.dump"), "--db", url, code=2)
        assert "pg_dump --format=custom" in res.output


def test_score_does_not_import_the_registry_stack():
    code = ("import sys; from click.testing import CliRunner; from scoring.cli import cli; "
            f"r = CliRunner().invoke(cli, ['score', {str(FIXTURES / 'dossiers' / 'qd26-2026-90.json')!r}]); "
            "print(r.exit_code, 'sqlalchemy' in sys.modules, 'alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "False"]
