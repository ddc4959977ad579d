"""The load benchmark's correctness check, short (benchmarks/web_load.py runs it for 60 s with 30
members and reports the timings): members save drafts at the same time through a real `ocop serve`
subprocess over HTTP, and afterwards each member's stored sheet is the last draft the server
acknowledged to that member, with one audit entry per acknowledged save, by that member. On
SQLite with one worker and on PostgreSQL with two (issue 17, items 6 and 7). No timing asserted."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import web_load  # noqa: E402

from registry_support import fresh_pg_database  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600), pytest.mark.filterwarnings("ignore::DeprecationWarning")]

MEMBERS, SECONDS = 10, 5


def _check(url: str, workers: int) -> None:
    out = web_load.run_load(url, members=MEMBERS, seconds=SECONDS, workers=workers, seed=3)
    runs = out["runs"]
    assert out["problems"] == []
    # the check is not vacuous: every member saved, several times, on both dossiers of the session
    assert all(r.acknowledged >= 2 and r.last_saved for r in runs), [(r.username, r.acknowledged) for r in runs]
    assert len({r.dossier_id for r in runs}) == 2
    # and it does find a mixed-up write: give one member's sheet the other's last draft behind the app
    from scoring.registry.api import Registry

    a, b = next((x, y) for x in runs for y in runs if x is not y and x.dossier_id == y.dossier_id
                and x.last_saved != y.last_saved)
    reg = Registry(url)
    try:
        session_id = int(a.path.split("/")[3])
        reg.record_sheet(a.dossier_id, a.name, b.last_saved, "draft", session_id=session_id, actor="test-tamper")
    finally:
        reg.close()
    problems = web_load.verify(url, runs)
    assert problems == [f"{a.username}: stored sheet differs from its last acknowledged save"]


def test_concurrent_drafts_are_neither_lost_nor_mixed_sqlite(tmp_path):
    _check(f"sqlite:///{tmp_path / 'ocop.db'}", workers=1)


@pytest.mark.postgres
def test_concurrent_drafts_are_neither_lost_nor_mixed_postgres_two_workers(pg_url):
    for url in fresh_pg_database(pg_url):
        _check(url, workers=2)
