"""Helpers of the web app's tests: a fresh registry with the demo council, a client per user."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

from fastapi.testclient import TestClient

PASSWORD = "mật-khẩu-thử-9"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)


def new_registry(url: str, **kwargs):
    """An initialised registry at `url` (schema at head) seeded with the demo council; (app, seeded)."""
    from scoring.registry import db as regdb
    from scoring.web.app import create_app
    from scoring.web.demo import seed

    engine = regdb.make_engine(url)
    regdb.upgrade(engine)
    engine.dispose()
    seeded = seed(url, password=PASSWORD, **kwargs)
    return create_app(url), seeded


def sqlite_url(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'ocop.db'}"


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def client(app, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, follow_redirects=False)


def login(app, username: str, password: str = PASSWORD, base_url: str = "http://testserver") -> TestClient:
    c = client(app, base_url)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return c


def page_token(c: TestClient, path: str) -> str:
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_of(r.text)
