"""`ocop users …`: accounts are made only with a password given by a person (argon2id, never stored
in clear), refused with exit 2 and a bilingual message when the input is wrong, audited, and
usable to log in to the app; `users members` lists the ids `--council-member` takes."""
from __future__ import annotations

import json

import pytest

from test_registry_cli import db, run  # noqa: F401  # `ocop …` through click's runner; an initialised registry
from web_support import client, csrf_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _council(db) -> dict[str, int]:
    from scoring.registry.api import Registry

    with Registry(db) as reg:
        cid = reg.add_council("Hội đồng thử", "province", [("Ngô Văn Chủ", "chu_tich"), ("Đinh Thị Ký", "thu_ky"),
                                                          ("Hà Văn Viên", "thanh_vien")], actor="test")
        return {m["name"]: m["id"] for m in reg.council(cid)["members"]}


def test_add_list_members_and_log_in(db):
    ids = _council(db)
    out = run("users", "add", "Viên", "--role", "member", "--council-member", str(ids["Hà Văn Viên"]),
              "--name", "Hà Văn Viên", "--password-stdin", "--db", db, stdin="một mật khẩu dài\n").output
    assert "viên" in out and "member" in out
    run("users", "add", "office1", "--role", "office", "--password-stdin", "--db", db, stdin="mật-khẩu-văn-phòng\n")
    listed = json.loads(run("users", "list", "--json", "--db", db).output)
    assert {(u["username"], u["role"], u["council_member_id"]) for u in listed} == {
        ("viên", "member", ids["Hà Văn Viên"]), ("office1", "office", None)}
    assert "password" not in run("users", "list", "--json", "--db", db).output
    members = json.loads(run("users", "members", "--json", "--db", db).output)
    assert {m["name"]: (m["id"], m["accounts"]) for m in members} == {
        "Ngô Văn Chủ": (ids["Ngô Văn Chủ"], []), "Đinh Thị Ký": (ids["Đinh Thị Ký"], []),
        "Hà Văn Viên": (ids["Hà Văn Viên"], ["viên"])}
    # stored as an argon2id hash that the password verifies, never in clear
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from scoring.registry.api import Registry
    from scoring.web import accounts

    with Registry(db) as reg:
        with reg.engine.connect() as conn:
            stored = conn.execute(select(accounts.web_users.c.password_hash)
                                  .where(accounts.web_users.c.username == "viên")).scalar_one()
        assert stored.startswith("$argon2id$") and "một mật khẩu dài" not in stored
        assert PasswordHasher().verify(stored, "một mật khẩu dài")
        added = [e for e in reg.audit_log(entity="web_user") if e["action"] == "web.user.add"]
        assert [e["after"]["username"] for e in added] == ["viên", "office1"]
        assert all(e["actor"].startswith("cli:") for e in added)
    # the account logs in to the app (the name as typed, case and spacing aside)
    from scoring.web.app import create_app

    c = client(create_app(db))
    r = c.post("/login", data={"username": " VIÊN", "password": "một mật khẩu dài",
                               "csrf_token": csrf_of(c.get("/login").text)})
    assert r.status_code == 303 and r.headers["location"] == "/member"


def test_wrong_input_is_refused_with_exit_2(db):
    ids = _council(db)
    short = run("users", "add", "a", "--role", "office", "--password-stdin", "--db", db, stdin="ngắn\n", code=2)
    assert "mật khẩu quá ngắn" in short.output and "password too short" in short.output
    empty = run("users", "add", "a", "--role", "office", "--password-stdin", "--db", db, stdin="\n", code=2)
    assert "password too short" in empty.output  # there is no default password
    run("users", "add", "b", "--role", "member", "--password-stdin", "--db", db, stdin="đủ dài rồi đấy\n", code=2)
    unknown = run("users", "add", "b", "--role", "member", "--council-member", "9999", "--password-stdin", "--db", db,
                  stdin="đủ dài rồi đấy\n", code=2)
    assert "9999" in unknown.output
    run("users", "add", "ky", "--role", "secretary", "--council-member", str(ids["Đinh Thị Ký"]), "--password-stdin",
        "--db", db, stdin="đủ dài rồi đấy\n")
    dup = run("users", "add", " KY ", "--role", "office", "--password-stdin", "--db", db, stdin="đủ dài rồi đấy\n",
              code=2)
    assert "username already exists" in dup.output
    run("users", "add", "x", "--role", "admin", "--password-stdin", "--db", db, stdin="đủ dài rồi đấy\n", code=2)
    assert [u["username"] for u in json.loads(run("users", "list", "--json", "--db", db).output)] == ["ky"]


def test_a_database_not_initialised_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    run("users", "list", "--db", url, code=2)
    run("users", "add", "a", "--role", "office", "--password-stdin", "--db", url, stdin="đủ dài rồi đấy\n", code=2)
