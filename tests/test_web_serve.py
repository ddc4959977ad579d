"""`ocop serve --demo`, the README's one command, as a real server process: it seeds the demo
registry once, prints each account's password once, and a member logs in with the printed password
over HTTP and finds the demo session's dossiers; a second start reuses the data and prints none."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from web_support import csrf_of

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.timeout(300), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, db: str):
    """Start `ocop serve --demo` from tmp_path; (process, base URL, lines printed before it listened)."""
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = tmp_path / f"serve-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scoring.cli", "serve", "--demo", "--db", db, "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base, log.read_text()
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("ocop serve --demo did not start: " + log.read_text())


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_serve_demo_seeds_once_and_a_member_logs_in_with_the_printed_password(tmp_path):
    db = "sqlite:///" + str(tmp_path / "demo.db")
    proc, base, printed = _serve(tmp_path, db)
    try:
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
    finally:
        _stop(proc)
    proc, base, printed = _serve(tmp_path, db)
    try:
        assert "demo data exists" in printed and not re.search(r"^\s+tv1\s", printed, re.M)
    finally:
        _stop(proc)
