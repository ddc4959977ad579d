"""`ocop serve --demo`, the README's one command, as a real server process: it seeds the demo
registry once, prints each account's password once, and a member logs in with the printed password
over HTTP and finds the demo session's dossiers; a second start reuses the data and prints none."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

from web_support import csrf_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from web_load import serving  # noqa: E402  # `ocop serve` as a subprocess, until /healthz answers

pytestmark = [pytest.mark.timeout(300), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def test_serve_demo_seeds_once_and_a_member_logs_in_with_the_printed_password(tmp_path):
    db = "sqlite:///" + str(tmp_path / "demo.db")
    log = tmp_path / "serve.log"
    with serving(["--demo", "--db", db], log, cwd=tmp_path) as (base, _):
        printed = log.read_text()
        passwords = dict(re.findall(r"^\s+(vanphong|thuky|tv\d)\s+(\S+)\s", printed, re.M))
        assert set(passwords) == {"vanphong", "thuky", "tv1", "tv2", "tv3"}
        assert len(set(passwords.values())) == 5 and all(len(p) >= 8 for p in passwords.values())
        with httpx.Client(base_url=base, follow_redirects=False) as c:
            r = c.post("/login", data={"username": "tv1", "password": passwords["tv1"],
                                       "csrf_token": csrf_of(c.get("/login").text)})
            assert r.status_code == 303 and r.headers["location"] == "/member"
            page = c.get("/member").text
            assert "qd26-2026-70-4star" in page and "qd26-2026-90" in page
            wrong = httpx.Client(base_url=base, follow_redirects=False)
            r = wrong.post("/login", data={"username": "tv2", "password": passwords["tv1"],
                                           "csrf_token": csrf_of(wrong.get("/login").text)})
            assert r.status_code == 401  # each account has its own password
            wrong.close()
    with serving(["--demo", "--db", db], log, cwd=tmp_path):
        printed = log.read_text()
    assert "demo data exists" in printed and not re.search(r"^\s+tv1\s", printed, re.M)
