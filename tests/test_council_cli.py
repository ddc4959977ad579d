"""`ocop council …`: a secretary's round end to end on the bundled fixtures, from files and from
the registry (SQLite here; PostgreSQL when OCOP_TEST_PG_URL is set)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from scoring.cli import cli

from council_helpers import cell_of
from registry_support import url  # noqa: F401 (a fixture: SQLite and PostgreSQL)

ROOT = Path(__file__).resolve().parents[1]
DOSSIERS = [str(ROOT / "fixtures/dossiers" / f) for f in ("qd26-2026-69-67.json", "qd26-2026-90.json")] + [
    str(ROOT / "fixtures/council/qd26-2026-spread-12.json")]
MEMBERS = "Nguyễn Văn Hùng; Trần Thị Mai; Lê Minh Tuấn"
SESSION = str(ROOT / "fixtures/council/session.yaml")


def run(*args, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


def test_round_from_files_end_to_end(tmp_path):
    sheets, read, docs = tmp_path / "sheets", tmp_path / "dossiers", tmp_path / "docs"
    out = run("council", "sheets", *DOSSIERS, "--members", MEMBERS, "--prefill", "--no-pdf", "-o", sheets).output
    assert "3 hồ sơ / dossiers, 3 phiếu" in out
    out = run("council", "read", sheets, "-o", read).output
    assert "qd26-2026-spread-12: 74.33 điểm" in out and "TO RE-SCORE" in out
    assert sorted(p.name for p in read.glob("*.json")) == ["qd26-2026-69-67.json", "qd26-2026-90.json",
                                                           "qd26-2026-spread-12.json"]
    div = json.loads(run("council", "divergence", read, "--json").output)
    assert {d["dossier_id"]: d["status"] for d in div} == {"qd26-2026-69-67": "decided", "qd26-2026-90": "decided",
                                                          "qd26-2026-spread-12": "to-rescore"}
    div = json.loads(run("council", "divergence", read, "--session", SESSION, "--json").output)
    assert next(d for d in div if d["dossier_id"] == "qd26-2026-spread-12")["status"] == "overridden"
    out = run("council", "documents", read, "--session", SESSION, "-o", docs, "--no-pdf").output
    assert "bien-ban.docx" in out
    minutes = _docx_text(docs / "bien-ban.docx")
    assert "74,33" in minutes and "Nhãn lồng Hưng Yên" in minutes and "Mật ong bạc hà Mèo Vạc" in minutes


def test_read_refuses_a_tampered_sheet_with_exit_2_and_the_cell(tmp_path):
    sheets = tmp_path / "sheets"
    run("council", "sheets", DOSSIERS[0], "--members", MEMBERS, "--prefill", "--no-pdf", "-o", sheets)
    wb_path = sheets / "02-tran-thi-mai.xlsx"
    coord = cell_of(wb_path, "qd26-2026-69-67", "4.1")  # options 1, 2, 3, 5
    wb = load_workbook(wb_path)
    wb["qd26-2026-69-67"][coord] = 4
    wb.save(wb_path)
    result = run("council", "read", sheets, "-o", tmp_path / "d", ok=False)
    assert result.exit_code == 2
    assert f"02-tran-thi-mai.xlsx: sheet 'qd26-2026-69-67' ô/cell {coord}" in result.output
    assert "allowed: 1, 2, 3, 5" in result.output
    assert not list((tmp_path / "d").glob("*.json")) if (tmp_path / "d").exists() else True


def test_documents_without_quorum_exit_2(tmp_path):
    session = tmp_path / "s.yaml"
    session.write_text("council: Hội đồng thử\ndate: 2026-10-01\nmembers: [A, B, C, D]\npresent: [A, B]\n",
                       encoding="utf-8")
    result = run("council", "documents", DOSSIERS[0], "--session", session, "-o", tmp_path / "o", ok=False)
    assert result.exit_code == 2 and "council-quorum" in result.output


def _registry_round(db: str, tmp_path: Path) -> None:
    from scoring.registry import Registry

    reg = Registry(db)
    reg.init()
    rid = reg.open_round("province", 2026, 2, actor="test")
    assert rid == 1
    run("registry", "import", *DOSSIERS, "--round", rid, "--db", db)
    sid = run("council", "open-session", SESSION, "qd26-2026-69-67", "qd26-2026-90", "qd26-2026-spread-12",
              "--round", rid, "--db", db).output.strip()
    sheets = tmp_path / "sheets"
    run("council", "sheets", "--round", rid, "--db", db, "--members", MEMBERS, "--prefill", "--no-pdf", "-o", sheets)
    assert len(load_workbook(sheets / "01-nguyen-van-hung.xlsx").sheetnames) == 4  # 3 dossiers + _ocop
    out = run("council", "read", sheets, "--round", rid, "--db", db).output
    assert "TO RE-SCORE" in out
    latest = reg.latest_result("qd26-2026-spread-12")
    assert latest["decided"] is False or latest["decided"] == 0
    assert {s["status"] for s in reg.sheets_for("qd26-2026-69-67")} == {"submitted"}
    assert all(s["session_id"] == int(sid) for s in reg.sheets_for("qd26-2026-69-67"))
    run("council", "override", "qd26-2026-spread-12", "--reason", "Hội đồng thống nhất giữ nguyên điểm",
        "--session-id", sid, "--db", db)
    assert reg.overrides_for("qd26-2026-spread-12")[0]["reason"] == "Hội đồng thống nhất giữ nguyên điểm"
    assert reg.latest_result("qd26-2026-spread-12")["decided"] in (True, 1)
    docs = tmp_path / "docs"
    run("council", "documents", "--session-id", sid, "--db", db, "--province", "Hưng Yên", "-o", docs, "--no-pdf")
    minutes = _docx_text(docs / "bien-ban.docx")
    assert "Hội đồng thống nhất giữ nguyên điểm" in minutes and "74,33" in minutes and "90,00" in minutes
    assert "Vắng mặt: Phạm Thu Hà" in minutes
    actions = {(a["entity"], a["action"]) for a in reg.audit_log(limit=500)}
    assert ("divergence_override", "create") in actions and ("member_sheet", "update") in actions


def test_round_in_the_registry_sqlite(tmp_path):
    _registry_round(f"sqlite:///{tmp_path / 'ocop.db'}", tmp_path)


@pytest.mark.postgres
def test_round_in_the_registry_postgres(pg_url, tmp_path):
    from sqlalchemy import create_engine, text

    name = f"ocop_council_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # name is ours, not user input
    try:
        _registry_round(pg_url.rsplit("/", 1)[0] + "/" + name, tmp_path)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_remove_from_session_takes_dossiers_off_and_refuses_with_exit_2(url):  # noqa: F811
    from scoring.registry import Registry

    with Registry(url) as reg:
        reg.init()
        run("registry", "import", *DOSSIERS, "--db", url)
        cid = reg.add_council("Hội đồng thử", "province", [("Nguyễn Văn Hùng", "chu_tich")], actor="test")
        agenda = ["qd26-2026-69-67", "qd26-2026-90", "qd26-2026-spread-12"]
        sid = reg.open_session(cid, "2026-11-20", dossier_ids=agenda, actor="test")
        out = run("council", "remove-from-session", sid, "qd26-2026-90", "--db", url).output
        assert out.splitlines() == [
            f"Đã bỏ khỏi chương trình phiên họp {sid} / taken off the agenda of session {sid}: qd26-2026-90",
            "Còn lại / still on the agenda: qd26-2026-69-67, qd26-2026-spread-12"]
        [entry] = [e for e in reg.audit_log(entity="council_session") if e["action"] == "remove-dossiers"]
        assert entry["actor"].startswith("cli:") and entry["before"] == {"dossiers": ["qd26-2026-90"]}
        # already off: refused by name, exit 2, nothing else removed
        result = run("council", "remove-from-session", sid, "qd26-2026-spread-12", "qd26-2026-90", "--db", url,
                     ok=False)
        assert result.exit_code == 2 and "[not-on-agenda]" in result.output and "qd26-2026-90" in result.output
        assert reg.session(sid)["dossiers"] == ["qd26-2026-69-67", "qd26-2026-spread-12"]
        data = json.loads(run("council", "remove-from-session", sid, "qd26-2026-69-67", "--db", url, "--json").output)
        assert data == {"session_id": sid, "removed": ["qd26-2026-69-67"], "agenda": ["qd26-2026-spread-12"]}
        reg.close_session(sid, actor="test")
        result = run("council", "remove-from-session", sid, "qd26-2026-spread-12", "--db", url, ok=False)
        assert result.exit_code == 2 and "[session-closed]" in result.output
        assert reg.session(sid)["dossiers"] == ["qd26-2026-spread-12"]
