"""Accounts managed by the office (/office/accounts) and by `ocop users activate|deactivate`.

A new account logs in with the password the office typed; a member's or a secretary's account must
be a serving council member (the thư ký for a secretary); a closed account cannot log in and its
open sessions stop at their next request; reopening restores the same password; a reset ends the
account's sessions; an office user cannot close or reset their own account here; every write is in
the audit log with the office user. On SQLite and PostgreSQL (the `url` fixture).
"""
from __future__ import annotations

import re

import pytest

from registry_support import url  # noqa: F401 (a fixture: SQLite, and PostgreSQL when configured)
from test_registry_cli import run
from test_web_office import field_error
from web_support import PASSWORD, client, csrf_of, login, new_registry, page_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEW_PW = "mật khẩu ban đầu 1"


@pytest.fixture()
def office(url):  # noqa: F811
    app, seeded = new_registry(url)
    yield app, seeded, url, login(app, "vanphong")
    app.state.store.registry.close()


def try_login(app, username: str, password: str) -> int:
    c = client(app)
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code


def create(c, **fields):
    data = {"username": "", "display_name": "", "role": "member", "council_member_id": "", "password": NEW_PW,
            "again": NEW_PW} | fields
    return c.post("/office/accounts", data={"csrf_token": page_token(c, "/office/accounts"), **data})


def user_id(app, username: str) -> int:
    from scoring.web import accounts

    return next(u.id for u in accounts.list_users(app.state.store.engine) if u.username == username)


def audit(app) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["entity_id"]) for e in app.state.store.registry.audit_log(entity="web_user")]


def test_the_office_creates_a_member_account_that_logs_in(office):
    app, seeded, _, c = office
    dung = seeded.members["Phạm Thị Dung"]
    r = create(c, username="Dung.PT ", display_name="Phạm Thị Dung", council_member_id=str(dung))
    assert r.status_code == 303 and r.headers["location"].startswith("/office/accounts?msg=account_created")
    page = c.get(r.headers["location"]).text
    assert "Đã tạo tài khoản." in page and "dung.pt" in page  # stored trimmed and case-folded
    assert NEW_PW not in page  # a password is never shown back
    assert try_login(app, "dung.pt", NEW_PW) == 303
    member = login(app, "dung.pt", NEW_PW)
    assert member.get("/member").status_code == 200 and member.get("/office").status_code == 403
    assert ("web:vanphong", "web.user.add", "dung.pt") in audit(app)


def test_an_office_account_needs_no_council_member(office):
    app, _, _, c = office
    assert create(c, username="vp2", role="office").status_code == 303
    assert login(app, "vp2", NEW_PW).get("/office").status_code == 200


@pytest.mark.parametrize("fields,field,expected", [
    ({"username": "x1", "role": "office", "password": "ngắn", "again": "ngắn"}, "password", "ít nhất 8 ký tự"),
    ({"username": "x1", "role": "office", "again": NEW_PW + "!"}, "again", "không giống nhau"),
    ({"username": "x1", "role": "member"}, "council_member_id", "Chọn thành viên hội đồng"),
    ({"username": "x1", "role": "admin"}, "role", "Vai trò không hợp lệ"),
    ({"username": "x1", "role": "member", "council_member_id": "99999"}, "council_member_id", "unknown-council-member"),
    ({"username": "tv1", "role": "office"}, "username", "username already exists"),
    ({"username": "x" * 101, "role": "office"}, "username", "tối đa 100 ký tự"),
])
def test_a_refused_account_is_shown_on_its_field_and_not_created(office, fields, field, expected):
    app, _, _, c = office
    before = len(audit(app))
    r = create(c, **fields)
    assert r.status_code == 400
    assert expected in field_error(r.text, field), r.text[-3000:]
    assert NEW_PW not in r.text
    assert len(audit(app)) == before and try_login(app, "x1", NEW_PW) == 401


def test_a_secretary_account_must_be_the_councils_thu_ky_and_serving(office):
    app, seeded, _, c = office
    an = seeded.members["Nguyễn Văn An"]  # the chair, not the thư ký
    r = create(c, username="ky2", role="secretary", council_member_id=str(an))
    assert r.status_code == 400 and "secretary-not-thu-ky" in field_error(r.text, "council_member_id")
    binh = seeded.members["Trần Thị Bình"]
    with app.state.store.office("test") as reg:
        reg.set_member_active(binh, False)
    r = create(c, username="ky2", role="secretary", council_member_id=str(binh))
    assert r.status_code == 400 and "council-member-inactive" in field_error(r.text, "council_member_id")
    with app.state.store.office("test") as reg:
        reg.set_member_active(binh, True)
    assert create(c, username="ky2", role="secretary", council_member_id=str(binh)).status_code == 303
    assert login(app, "ky2", NEW_PW).get("/secretary").status_code == 200


def set_active(c, uid: int, active: str):
    return c.post(f"/office/accounts/{uid}/active",
                  data={"csrf_token": page_token(c, "/office/accounts"), "active": active})


def test_closing_an_account_ends_its_sessions_and_reopening_keeps_its_password(office):
    app, _, _, c = office
    tv1 = login(app, "tv1")
    assert tv1.get("/member").status_code == 200
    uid = user_id(app, "tv1")
    r = set_active(c, uid, "0")
    assert r.status_code == 303 and "msg=account_closed" in r.headers["location"]
    row = re.search(rf'<tr id="account-{uid}"[^>]*>(.*?)</tr>', c.get("/office/accounts").text, re.S)
    assert 'class="inactive"' in row.group(0) and "đã khoá" in row.group(1)
    gone = tv1.get("/member")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert try_login(app, "tv1", PASSWORD) == 401
    assert set_active(c, uid, "1").status_code == 303
    assert try_login(app, "tv1", PASSWORD) == 303
    assert [a for by, a, who in audit(app) if (by, who) == ("web:vanphong", "tv1") and a.startswith("web.user.")] == [
        "web.user.deactivate", "web.user.activate"]


def test_the_office_sets_a_new_password_and_the_accounts_sessions_end(office):
    app, _, _, c = office
    tv2 = login(app, "tv2")
    uid = user_id(app, "tv2")
    token = page_token(c, "/office/accounts")
    r = c.post(f"/office/accounts/{uid}/password", data={"csrf_token": token, "password": NEW_PW, "again": "khác"})
    assert r.status_code == 400 and "không giống nhau" in r.text and try_login(app, "tv2", PASSWORD) == 303
    r = c.post(f"/office/accounts/{uid}/password", data={"csrf_token": token, "password": NEW_PW, "again": NEW_PW})
    assert r.status_code == 303 and "msg=password_set" in r.headers["location"]
    assert tv2.get("/member").status_code == 303  # its session ended
    assert try_login(app, "tv2", PASSWORD) == 401 and try_login(app, "tv2", NEW_PW) == 303
    assert ("web:vanphong", "web.password.reset", "tv2") in audit(app)


def test_the_office_cannot_close_or_reset_its_own_account_here(office):
    app, _, _, c = office
    uid = user_id(app, "vanphong")
    page = c.get("/office/accounts").text
    own = re.search(rf'<tr id="account-{uid}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert f"/office/accounts/{uid}/" not in own and 'href="/account/password"' in own
    r = set_active(c, uid, "0")
    assert r.status_code == 400 and "chính tài khoản của mình" in r.text
    token = page_token(c, "/office/accounts")
    r = c.post(f"/office/accounts/{uid}/password", data={"csrf_token": token, "password": NEW_PW, "again": NEW_PW})
    assert r.status_code == 400
    assert c.get("/office").status_code == 200 and try_login(app, "vanphong", PASSWORD) == 303


def test_an_unknown_account_or_a_bad_switch_is_not_found(office):
    _, _, _, c = office
    assert set_active(c, 99999, "0").status_code == 404
    assert set_active(c, 1, "maybe").status_code == 404


def test_cli_deactivate_and_activate(office):
    app, _, db, _ = office
    out = run("users", "deactivate", "TV3", "--db", db).output
    assert "tv3" in out and "account closed" in out
    assert try_login(app, "tv3", PASSWORD) == 401
    assert "tv3\tmember" in run("users", "list", "--db", db).output
    listed = {line.split("\t")[0]: line for line in run("users", "list", "--db", db).output.splitlines()}
    assert listed["tv3"].endswith("(đã khoá / closed)") and not listed["tv1"].endswith("closed)")
    run("users", "activate", "tv3", "--db", db)
    assert try_login(app, "tv3", PASSWORD) == 303
    assert "no such account" in run("users", "deactivate", "nobody", "--db", db, code=2).output
    actions = [(a, who) for actor, a, who in audit(app) if actor.startswith("cli:")]
    assert actions[-2:] == [("web.user.deactivate", "tv3"), ("web.user.activate", "tv3")]


def test_cli_refuses_a_secretary_account_for_a_member_who_is_not_thu_ky(office):
    _, seeded, db, _ = office
    out = run("users", "add", "ky3", "--role", "secretary", "--council-member", str(seeded.members["Lê Văn Cường"]),
              "--password-stdin", "--db", db, code=2, stdin=NEW_PW + "\n").output
    assert "secretary-not-thu-ky" in out


def test_every_account_write_needs_a_valid_csrf_token_and_the_office_role(office):
    """The role sweep of test_web_security walks these routes too; here the writes are checked to
    leave the accounts as they were."""
    from scoring.web import accounts

    app, _, _, c = office
    uid = user_id(app, "tv1")
    writes = [("/office/accounts", {"username": "x9", "role": "office", "password": NEW_PW, "again": NEW_PW}),
              (f"/office/accounts/{uid}/active", {"active": "0"}),
              (f"/office/accounts/{uid}/password", {"password": NEW_PW, "again": NEW_PW})]
    before = accounts.list_users(app.state.store.engine)
    good = page_token(c, "/office/accounts")
    for path, data in writes:
        for token in (None, "0" * 64, good[:-1] + ("0" if good[-1] != "0" else "1")):
            assert c.post(path, data=data | ({"csrf_token": token} if token else {})).status_code == 403, path
        assert c.post(path, data=data | {"csrf_token": good}, headers={"Origin": "http://evil.example"}).status_code == 403
    for username in ("tv1", "thuky"):
        other = login(app, username)
        token = page_token(other, "/member" if username == "tv1" else "/secretary")
        for path, data in writes:
            assert other.post(path, data=data | {"csrf_token": token}).status_code == 403, (username, path)
        assert other.get("/office/accounts").status_code == 403
    assert accounts.list_users(app.state.store.engine) == before and try_login(app, "tv1", PASSWORD) == 303


def test_an_account_write_and_its_audit_entry_commit_together(office, monkeypatch):
    """No account changes without its line in the audit log: when the audit entry cannot be written,
    the account write is rolled back too (CLI and web alike)."""
    from click.testing import CliRunner

    from scoring.cli import cli
    from scoring.registry.api import Transaction
    from scoring.web import accounts

    app, _, db, c = office
    token = page_token(c, "/office/accounts")
    uid = user_id(app, "tv1")
    before = accounts.list_users(app.state.store.engine)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(Transaction, "audit", broken)
    for args in (["users", "add", "x2", "--role", "office"], ["users", "password", "tv1"], ["users", "deactivate", "tv1"]):
        result = CliRunner().invoke(cli, args + ["--password-stdin"] * (args[1] != "deactivate") + ["--db", db],
                                    input=NEW_PW + "\n")
        assert isinstance(result.exception, RuntimeError), (args, result.output)
    for path, data in (("/office/accounts", {"username": "x3", "role": "office", "password": NEW_PW, "again": NEW_PW}),
                       (f"/office/accounts/{uid}/active", {"active": "0"}),
                       (f"/office/accounts/{uid}/password", {"password": NEW_PW, "again": NEW_PW})):
        with pytest.raises(RuntimeError):
            c.post(path, data={"csrf_token": token, **data})
    monkeypatch.undo()
    assert accounts.list_users(app.state.store.engine) == before
    assert try_login(app, "tv1", PASSWORD) == 303


def test_the_council_page_shows_each_members_logins(office):
    app, seeded, _, c = office
    page = c.get(f"/office/councils/{seeded.council_id}").text
    rows = {m: re.search(r"<tr[^>]*><td>\d+</td><td>" + re.escape(m) + r"</td>(.*?)</tr>", page, re.S).group(1)
            for m in seeded.members}
    uid = user_id(app, "tv1")  # tv1 is the first scoring member, Lê Văn Cường
    assert f'<a href="/office/accounts#account-{uid}">tv1</a>' in rows["Lê Văn Cường"]
    assert ">thuky</a>" in rows["Trần Thị Bình"]
    set_active(c, uid, "0")
    page = c.get(f"/office/councils/{seeded.council_id}").text
    row = re.search(r"<td>Lê Văn Cường</td>(.*?)</tr>", page, re.S).group(1)
    assert ">tv1</a> <span class=\"muted\">(đã khoá)</span>" in row


def test_the_demo_accounts_are_in_the_audit_log(office):
    app, _, _, _ = office
    added = sorted(who for actor, action, who in audit(app) if (actor, action) == ("demo-seed", "web.user.add"))
    assert added == ["thuky", "tv1", "tv2", "tv3", "vanphong"]
