"""Data safety of imports: a SIGKILL mid-import leaves nothing, two importers at once both succeed.

Slow (a generated table of thousands of dossiers, scored in a subprocess); no timing is asserted.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from registry_support import ROOT, url, variant  # noqa: F401 (url: a fixture)
from scoring.registry import Registry

TABLES = ("dossiers", "member_sheets", "results", "products", "producers", "audit_log")


def _counts(reg: Registry) -> dict[str, int]:
    with reg.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _table(path: Path, n: int, seed: int, prefix: str) -> Path:
    from scoring.synth import generate_cohort

    frame = generate_cohort(n, seed=seed)
    frame["dossier_id"] = prefix + frame["dossier_id"].astype(str)
    frame.to_parquet(path)
    return path


def _importer(path: Path, db: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scoring.cli", "registry", "import", str(path), "--db", db,
                             "--no-progress"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env})


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_mid_import_leaves_the_database_as_before(url, tmp_path):
    reg = Registry(url)
    reg.init()
    reg.import_dossier(variant("qd26-2026-70-4star.json"), actor="before")
    before = _counts(reg)
    table = _table(tmp_path / "big.parquet", 7000, seed=5, prefix="K-")
    proc = _importer(table, url, OCOP_REGISTRY_TRACE="1")
    seen = []
    for line in proc.stderr:  # wait until it has written (inside its transaction), then kill it
        seen.append(line)
        if "wrote 2000/" in line:
            break
    assert any("wrote 2000/" in s for s in seen), "".join(seen[-20:])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.5)
    assert _counts(reg) == before
    # and the database is usable: the same import now runs to the end
    done = _importer(table, url)
    out, err = done.communicate(timeout=900)
    assert done.returncode == 0, err[-2000:]
    assert _counts(reg)["dossiers"] == before["dossiers"] + 7000
    reg.close()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_two_importers_at_once_on_sqlite(tmp_path):
    db = f"sqlite:///{tmp_path / 'ocop.db'}"
    reg = Registry(db)
    reg.init()
    a = _table(tmp_path / "a.parquet", 1500, seed=11, prefix="A-")
    b = _table(tmp_path / "b.parquet", 1500, seed=12, prefix="B-")
    procs = [_importer(a, db), _importer(b, db)]
    results = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1][-2000:] for r in results]
    with reg.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT dossier_id FROM dossiers"))]
    assert len(ids) == 3000 and sum(i.startswith("A-") for i in ids) == 1500
    reg.close()
