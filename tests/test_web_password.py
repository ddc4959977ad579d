"""Changing a password: a user's own in the app (/account/password), an administrator's reset with
`ocop users password`. The old password stops working, every other session of the account ends,
wrong current passwords count towards the login lockout, each change is audited."""
from __future__ import annotations

import pytest

from test_registry_cli import run
from web_support import PASSWORD, client, csrf_of, login, new_registry, page_token, sqlite_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEW = "một mật khẩu mới dài"


@pytest.fixture()
def site(tmp_path):
    url = sqlite_url(tmp_path)
    app, seeded = new_registry(url)
    yield app, url
    app.state.store.registry.close()


def try_login(app, username: str, password: str) -> int:
    c = client(app)
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code


def change(c, current: str, new: str, again: str | None = None):
    token = page_token(c, "/account/password")
    return c.post("/account/password", data={"csrf_token": token, "current": current, "new": new,
                                             "again": new if again is None else again})


@pytest.mark.parametrize("current,new,again,expected", [
    ("sai mật khẩu", NEW, None, "Mật khẩu hiện tại không đúng."),
    (PASSWORD, NEW, NEW + "x", "Hai lần nhập mật khẩu mới không giống nhau."),
    (PASSWORD, "ngắn", None, "Mật khẩu mới cần ít nhất 8 ký tự."),
    (PASSWORD, PASSWORD, None, "Mật khẩu mới phải khác mật khẩu hiện tại."),
])
def test_a_refused_change_keeps_the_password(site, current, new, again, expected):
    app, _ = site
    c = login(app, "tv1")
    r = change(c, current, new, again)
    assert r.status_code == 400 and expected in r.text
    assert try_login(app, "tv1", PASSWORD) == 303


def test_a_user_changes_their_password_and_other_sessions_end(site):
    app, _ = site
    here, elsewhere = login(app, "tv1"), login(app, "tv1")
    r = change(here, PASSWORD, NEW)
    assert r.status_code == 303 and r.headers["location"] == "/account/password?done=1"
    assert "Đã đổi mật khẩu" in here.get(r.headers["location"]).text  # this browser stays logged in
    assert here.get("/member").status_code == 200
    gone = elsewhere.get("/member")  # the other session ended with the old password
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert try_login(app, "tv1", PASSWORD) == 401 and try_login(app, "tv1", NEW) == 303
    log = [(e["actor"], e["action"]) for e in app.state.store.registry.audit_log(entity="web_user")
           if e["action"].startswith("web.password")]
    assert log == [("web:tv1", "web.password.changed")]


def test_wrong_current_passwords_count_towards_the_lockout(site):
    from scoring.web import accounts

    app, _ = site
    c = login(app, "tv2")
    for _ in range(accounts.MAX_FAILURES - 1):
        assert "Mật khẩu hiện tại không đúng." in change(c, "đoán thử 1234", NEW).text
    r = change(c, "đoán thử 1234", NEW)  # the 5th failure locks, as on the login page
    assert r.status_code == 400 and "Nhập sai quá nhiều lần" in r.text
    r = change(c, PASSWORD, NEW)  # locked now: even the right password is not checked
    assert r.status_code == 400 and "Nhập sai quá nhiều lần" in r.text
    assert try_login(app, "tv2", PASSWORD) == 401  # the login page is locked too


def test_anonymous_and_forged_posts_are_refused(site):
    app, _ = site
    anon = client(app)
    r = anon.get("/account/password")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    c = login(app, "vanphong")
    r = c.post("/account/password", data={"csrf_token": "0" * 64, "current": PASSWORD, "new": NEW, "again": NEW})
    assert r.status_code == 403 and try_login(app, "vanphong", PASSWORD) == 303


def test_an_administrator_resets_a_password_from_the_command_line(site):
    app, url = site
    c = login(app, "thuky")
    out = run("users", "password", "THUKY", "--password-stdin", "--db", url, stdin=NEW + "\n").output
    assert "thuky" in out
    gone = c.get("/secretary")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert try_login(app, "thuky", PASSWORD) == 401 and try_login(app, "thuky", NEW) == 303
    [entry] = [e for e in app.state.store.registry.audit_log(entity="web_user") if e["action"] == "web.password.reset"]
    assert entry["actor"].startswith("cli:") and entry["entity_id"] == "thuky"
    assert "no such account" in run("users", "password", "không-có", "--password-stdin", "--db", url,
                                    stdin=NEW + "\n", code=2).output
    assert "at least 8" in run("users", "password", "thuky", "--password-stdin", "--db", url,
                               stdin="ngắn\n", code=2).output
