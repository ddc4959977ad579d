"""Security of the web app: every route guarded (found by walking the routers, so a new route without
a guard fails here), anonymous users and wrong roles refused without data, URL tampering, CSRF,
hostile text stored verbatim and shown escaped, security headers, session fixation, lockout."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from web_support import PASSWORD, client, csrf_of, login, new_registry, page_token, sqlite_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/lang/{code}"), ("GET", "/healthz")}
HOSTILE = ("<script>alert('x')</script>", "' OR 1=1 --", '=HYPERLINK("http://evil.example","bấm")')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    app, seeded = new_registry(sqlite_url(tmp))
    return app, seeded, app.state.store.registry


def _routes():
    from scoring.web.app import routers

    for router in routers():
        for route in router.routes:
            assert isinstance(route, APIRoute), route
            for method in route.methods:
                yield method, route


def _guard_roles(route: APIRoute):
    """The roles of the route's guard (a dependency carrying `roles`), or None when it has none."""
    found = []

    def walk(dep):
        call = dep.call
        if call is not None and hasattr(call, "roles"):
            found.append(tuple(call.roles))
        for sub in dep.dependencies:
            walk(sub)

    walk(route.dependant)
    return found[0] if found else None


def test_every_route_declares_a_guard_and_only_the_listed_ones_are_public():
    seen = set()
    for method, route in _routes():
        roles = _guard_roles(route)
        assert roles is not None, f"{method} {route.path} has no guard (require(...) or public)"
        if roles == ():
            seen.add((method, route.path))
    assert seen == PUBLIC


def test_the_app_serves_only_the_routers_walked_here(site):
    """A route added to the app itself (not to a router) would escape the walk above."""
    from starlette.routing import Mount

    app = site[0]
    direct = [r for r in app.router.routes if isinstance(r, APIRoute)]
    assert direct == []
    assert {r.path for r in app.router.routes if isinstance(r, Mount)} == {"/static"}


def _path(route: APIRoute, seeded) -> str:
    values = {"session_id": seeded.session_id, "dossier_pk": seeded.dossier_pks[0], "product_id": 1,
              "number": "X-1", "code": "en", "name": "bien-ban.pdf", "producer_id": 1,
              "council_id": seeded.council_id, "member_id": next(iter(seeded.members.values())), "round_id": 1,
              "user_id": 2}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route.path)


SECRET_WORDS = ("Mật ong", "Nhãn lồng", "Lê Văn Cường", "qd26-2026-70")


def _no_data(text: str) -> None:
    """No registry data in the page's body (the header names the logged-in user, which is theirs)."""
    body = text.split("<main>", 1)[-1]
    for word in SECRET_WORDS:
        assert word not in body


def test_anonymous_is_sent_to_login_on_every_guarded_route(site):
    app, seeded, _ = site
    c = client(app)
    token = csrf_of(c.get("/login").text)  # a valid anonymous token: the guard, not CSRF, must refuse
    for method, route in _routes():
        if (method, route.path) in PUBLIC:
            continue
        path = _path(route, seeded)
        r = c.request(method, path, data={"csrf_token": token, "member_id": "3", "reason": "x", "ground": "a",
                                          "on": "2026-12-01"})
        assert r.status_code == 303, (method, path, r.status_code)
        assert r.headers["location"].startswith("/login?next=")
        _no_data(r.text)
        hx = c.request(method, path, data={"csrf_token": token}, headers={"HX-Request": "true"})
        assert hx.status_code == 401 and hx.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("username,role", [("vanphong", "office"), ("thuky", "secretary"), ("tv1", "member")])
def test_a_wrong_role_gets_403_and_no_data_on_every_route(site, username, role):
    app, seeded, _ = site
    c = login(app, username)
    token = page_token(c, {"office": "/office", "secretary": "/secretary", "member": "/member"}[role])
    checked = 0
    for method, route in _routes():
        roles = _guard_roles(route)
        if not roles or role in roles:
            continue
        path = _path(route, seeded)
        r = c.request(method, path, data={"csrf_token": token, "member_id": "3", "reason": "x", "ground": "a",
                                          "on": "2026-12-01"})
        assert r.status_code == 403, (role, method, path, r.status_code)
        _no_data(r.text)
        checked += 1
    assert checked >= 5


def _fixture_scores(name="qd26-2026-70-4star.json", member=0):
    data = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "dossiers" / name).read_text("utf-8"))
    return data["sheets"][member]["scores"]


def _post_sheet(c, session_id, dossier_pk, scores, action="save", token=None):
    path = f"/member/sessions/{session_id}/dossiers/{dossier_pk}"
    token = token or page_token(c, path)
    data = {"csrf_token": token, "action": action, **{f"c:{k}": str(v) for k, v in scores.items()}}
    return c.post(path, data=data)


@pytest.fixture()
def fresh(tmp_path):
    app, seeded = new_registry(sqlite_url(tmp_path))
    return app, seeded, app.state.store.registry


def test_members_reach_only_their_own_sheet_of_their_own_sessions(fresh):
    app, seeded, reg = fresh
    # a second session of the same council where tv1 (Lê Văn Cường) does not sit, with one more dossier
    other = reg.open_session(seeded.council_id, "2026-12-02", present=["Phạm Thị Dung", "Nguyễn Văn An"],
                             dossier_ids=["qd26-2026-90"], actor="test")
    tv1, tv2 = login(app, "tv1"), login(app, "tv2")
    s, d = seeded.session_id, seeded.dossier_pks[0]
    assert tv1.get(f"/member/sessions/{s}/dossiers/{d}").status_code == 200
    r = tv1.get(f"/member/sessions/{other}/dossiers/{seeded.dossier_pks[1]}")
    assert r.status_code == 403 and "Nhãn lồng" not in r.text
    assert tv1.get(f"/member/sessions/999/dossiers/{d}").status_code == 404
    assert tv1.get(f"/member/sessions/{s}/dossiers/999").status_code == 404
    token = page_token(tv1, f"/member/sessions/{s}/dossiers/{d}")
    r = tv1.post(f"/member/sessions/{other}/dossiers/{seeded.dossier_pks[1]}",
                 data={"csrf_token": token, "action": "save", "c:1.1": "1"})
    assert r.status_code == 403
    # each member saves; neither write touches the other's sheet
    assert _post_sheet(tv1, s, d, _fixture_scores(member=0)).status_code == 303
    assert _post_sheet(tv2, s, d, _fixture_scores(member=1)).status_code == 303
    sheets = {x["member"]: x for x in reg.sheets_for("qd26-2026-70-4star")}
    assert sheets["Lê Văn Cường"]["scores"] == _fixture_scores(member=0)
    assert sheets["Phạm Thị Dung"]["scores"] == _fixture_scores(member=1)
    assert {x["status"] for x in sheets.values()} == {"draft"}
    # a member's page shows only their own picks: tv2's page is checked on tv2's points, not tv1's
    page = tv2.get(f"/member/sessions/{s}/dossiers/{d}").text
    checked = dict(re.findall(r'name="c:([\d.]+)" value="(\d+)"[^>]*checked', page))
    assert {k: int(v) for k, v in checked.items()} == _fixture_scores(member=1)


def test_a_submitted_sheet_and_a_closed_session_refuse_changes(fresh):
    app, seeded, reg = fresh
    tv1 = login(app, "tv1")
    s, d = seeded.session_id, seeded.dossier_pks[0]
    scores = _fixture_scores()
    assert _post_sheet(tv1, s, d, scores, action="submit").status_code == 303
    changed = dict(scores, **{"1.1": 1 if scores["1.1"] != 1 else 2})
    r = _post_sheet(tv1, s, d, changed)
    assert r.status_code == 409
    assert reg.sheets_for("qd26-2026-70-4star")[0]["scores"] == scores
    # the secretary sends it back; the session is then closed (by the registry) and nothing changes any more
    token = page_token(tv1, f"/member/sessions/{s}/dossiers/{d}")
    reg.close_session(s, actor="test")
    r = tv1.post(f"/member/sessions/{s}/dossiers/{d}", data={"csrf_token": token, "action": "save",
                                                             **{f"c:{k}": str(v) for k, v in changed.items()}})
    assert r.status_code == 409
    assert reg.sheets_for("qd26-2026-70-4star")[0]["scores"] == scores


def test_a_tampered_option_value_is_refused_and_not_stored(fresh):
    app, seeded, reg = fresh
    tv1 = login(app, "tv1")
    scores = dict(_fixture_scores(), **{"1.1": 99})
    r = _post_sheet(tv1, seeded.session_id, seeded.dossier_pks[0], scores)
    assert r.status_code == 400 and "99" in r.text
    assert reg.sheets_for("qd26-2026-70-4star") == []


def test_post_without_a_valid_csrf_token_is_refused(fresh):
    app, seeded, _ = fresh
    s, d = seeded.session_id, seeded.dossier_pks[0]
    anon = client(app)
    anon.get("/login")
    assert anon.post("/login", data={"username": "tv1", "password": PASSWORD}).status_code == 403
    assert anon.post("/login", data={"username": "tv1", "password": PASSWORD, "csrf_token": "0" * 64}).status_code == 403
    tv1, tv2 = login(app, "tv1"), login(app, "tv2")
    path = f"/member/sessions/{s}/dossiers/{d}"
    good = page_token(tv1, path)
    other = page_token(tv2, path)
    for data in ({"action": "save", "c:1.1": "1"}, {"action": "save", "c:1.1": "1", "csrf_token": other},
                 {"action": "save", "c:1.1": "1", "csrf_token": good[:-1] + ("0" if good[-1] != "0" else "1")}):
        assert tv1.post(path, data=data).status_code == 403
    # the right token from another site's page (Origin) is refused too
    r = tv1.post(path, data={"action": "save", "c:1.1": "1", "csrf_token": good},
                 headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    assert tv1.post(path, data={"action": "save", "c:1.1": "1", "csrf_token": good}).status_code == 303
    assert tv1.post("/logout", data={}).status_code == 403  # logout is a form too


def test_hostile_names_are_stored_verbatim_and_shown_escaped(tmp_path):
    from scoring.web.demo import fixtures_dir

    src = json.loads((fixtures_dir() / "qd26-2026-70-4star.json").read_text("utf-8"))
    src["dossier_id"] = "x-" + "1"
    src["product"] = dict(src["product"], name=HOSTILE[0], producer=HOSTILE[1], commune=HOSTILE[2])
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(src, ensure_ascii=False), "utf-8")
    app, seeded = new_registry(sqlite_url(tmp_path), dossier_files=(path,))
    reg = app.state.store.registry
    stored = reg.dossier("x-1")["content"]["product"]
    assert (stored["name"], stored["producer"], stored["commune"]) == HOSTILE
    tv1 = login(app, "tv1")
    pages = [tv1.get("/member").text, tv1.get(f"/member/sessions/{seeded.session_id}/dossiers/{seeded.dossier_pks[0]}").text]
    office = login(app, "vanphong")
    pages.append(office.get("/office", params={"q": HOSTILE[0]}).text)
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&#39; OR 1=1 --" in pages[1] and "=HYPERLINK(&#34;http://evil.example&#34;,&#34;bấm&#34;)" in pages[1]
    assert "&#39; OR 1=1 --" in pages[2]
    # the SQL-looking name logs nobody in and is just a name
    anon = client(app)
    r = anon.post("/login", data={"username": HOSTILE[1], "password": HOSTILE[1], "csrf_token": csrf_of(anon.get("/login").text)})
    assert r.status_code == 401 and "ocop_session" not in r.headers.get("set-cookie", "")


class _Inline(HTMLParser):
    """Collects what a strict CSP would refuse: inline scripts, on* handlers, style attributes and tags."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style>")
        self.problems += [f"{tag}[{k}]" for k in names if k.startswith("on") or k == "style"]
        for k, v in attrs:
            if v and v.strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag}[{k}]=javascript:")


def test_security_headers_and_no_inline_script_on_any_page(site):
    app, seeded, _ = site
    pages = [(client(app), "/login")]
    tv1, sec, office = login(app, "tv1"), login(app, "thuky"), login(app, "vanphong")
    s, d = seeded.session_id, seeded.dossier_pks[0]
    pages += [(tv1, "/member"), (tv1, f"/member/sessions/{s}/dossiers/{d}"), (sec, "/secretary"),
              (sec, f"/secretary/sessions/{s}"), (office, "/office"), (office, "/office/certificates/due"),
              (tv1, "/office")]
    for c, path in pages:
        r = c.get(path)
        assert r.status_code in (200, 403), (path, r.status_code)
        csp = r.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and "unsafe" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        parser = _Inline()
        parser.feed(r.text)
        assert parser.problems == [], (path, parser.problems)
    r = client(app).get("/static/htmx.min.js")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    assert "javascript" in r.headers["content-type"]


def test_templates_hold_no_inline_script_or_style():
    root = Path(__file__).resolve().parents[1] / "scoring" / "web" / "templates"
    files = sorted(root.rglob("*.html"))
    assert len(files) >= 8
    for f in files:
        parser = _Inline()
        parser.feed(f.read_text("utf-8"))
        assert parser.problems == [], (f.name, parser.problems)


def test_login_issues_a_new_session_id_and_logout_ends_it(fresh):
    app, seeded, _ = fresh
    c = client(app)
    planted = "attacker-chosen-session-id"
    c.cookies.set("ocop_session", planted)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "tv1", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    new = re.search(r"ocop_session=([^;]+)", cookie).group(1)
    assert new != planted and len(new) >= 40
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    c.cookies.set("ocop_session", new)
    assert c.get("/member").status_code == 200
    # a second login gets another id; the first stays valid only for its own browser
    second = login(app, "tv1")
    assert second.cookies.get("ocop_session") not in (new, planted)
    # logout ends the session on the server: replaying the cookie is refused
    token = page_token(c, "/member")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 303
    replay = client(app)
    replay.cookies.set("ocop_session", new)
    assert replay.get("/member").status_code == 303
    # planting the attacker's id never logs anyone in
    fixed = client(app)
    fixed.cookies.set("ocop_session", planted)
    assert fixed.get("/member").status_code == 303


def test_cookies_are_secure_over_https(fresh):
    app, _, _ = fresh
    c = client(app, base_url="https://testserver")
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "tv1", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_lockout_counts_failures_across_workers(fresh):
    """Two app instances on one registry (two workers): five failures in all lock the account,
    and then even the right password is refused; another account is not affected."""
    from scoring.web import accounts
    from scoring.web.app import create_app

    app, seeded, reg = fresh
    engine = app.state.engine
    second = create_app(reg.url)
    for i in range(accounts.MAX_FAILURES):
        target = (app, second)[i % 2]
        c = client(target)
        r = c.post("/login", data={"username": "TV1 ", "password": "sai", "csrf_token": csrf_of(c.get("/login").text)})
        assert r.status_code == 401
    c = client(second)
    r = c.post("/login", data={"username": "tv1", "password": PASSWORD, "csrf_token": csrf_of(c.get("/login").text)})
    assert r.status_code == 401 and "khoá" in r.text
    login(app, "tv2")  # not locked
    # the lock ends after LOCK_SECONDS
    import time

    later = accounts.authenticate(engine, "tv1", PASSWORD, now=time.time() + accounts.LOCK_SECONDS + 1)
    assert later.user is not None and later.user.username == "tv1"


def test_every_write_is_audited_with_the_user(fresh):
    app, seeded, reg = fresh
    tv1 = login(app, "tv1")
    _post_sheet(tv1, seeded.session_id, seeded.dossier_pks[0], _fixture_scores())
    log = reg.audit_log()
    actions = [(e["actor"], e["entity"]) for e in log]
    assert ("web:tv1", "web_user") in actions  # the login
    sheet = [e for e in log if e["entity"] == "member_sheet"]
    assert sheet and sheet[-1]["actor"] == "web:tv1"
    assert sheet[-1]["after"]["scores"] == _fixture_scores()
