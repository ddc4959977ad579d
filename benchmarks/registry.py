"""Registry benchmarks (issue 14 item 7): `python3 benchmarks/registry.py [--quick] [--pg URL]`.

1. Import: a generated table of 10^5 dossiers (`scoring.synth.generate_cohort`, written to Parquet)
   imported into a fresh registry exactly as `ocop registry import FILE` does it
   (`Registry.import_file`: read, scored by the batch executor, stored in one transaction with its
   products, sheets, results and audit rows). Reported: dossiers/s over the whole call (read and
   scoring included), and the re-import of the same file (every dossier unchanged, nothing written).
2. Queries over 50,000 certificates: the "certificates due" list (`Registry.certificates_due`, the
   library side of `ocop registry certificates --due-within DAYS`) and the counts of valid
   certificates by area and star as of a day (`Registry.counts_by_area`, by province, district and
   commune). Median of several runs on a warm connection pool.

The certificates are a seeded fixture written with bulk INSERTs (not through `issue_certificate`,
which would take minutes for 50,000): 63 provinces × 10 districts × 12 communes, first issues from
2019 to 2026, most products re-evaluated near expiry (the old certificate superseded by the new),
some upgraded before expiry, 2 % of the current certificates revoked. They reference the imported
results (one each) so that the due list's joins are those of a real registry. The database's own
constraints (one valid certificate per product, revocation and supersession columns, expiry after
issue) check the fixture as it is written.

SQLite always (a file in a temporary folder); PostgreSQL when `--pg URL` or $OCOP_TEST_PG_URL is
given (a fresh database created on that server and dropped afterwards). `--quick` imports 10^4
dossiers instead of 10^5 (the certificates stay 50,000). Prints a Markdown table and, with
`--json FILE`, writes every measured run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from run import cpu_model  # noqa: E402 (benchmarks/run.py: the processor's name)

AS_OF = date(2026, 12, 4)  # the day the queries ask about (fixed: same fixture, same answers)
DUE_WITHIN = 90
TARGET_IMPORT = 5000.0  # dossiers/s on SQLite
TARGET_QUERY_MS = 100.0


@contextmanager
def _database(kind: str, folder: Path, pg_url: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database on the server of `pg_url` (dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"ocop_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # our own hex name, not user data
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --------------------------------------------------------------------------- certificates fixture


def _areas(rng: Any) -> list[tuple[str, str, str]]:
    out = []
    for p in range(63):
        for d in range(10):
            for c in range(12):
                out.append((f"Tỉnh {p + 1:02d}", f"Huyện {p + 1:02d}.{d + 1:02d}", f"Xã {p + 1:02d}.{d + 1:02d}.{c + 1:02d}"))
    return out


def _chains(n: int, seed: int) -> list[list[dict[str, Any]]]:
    """Per product, its certificates oldest first: issue day, stars, and how each one ended."""
    import numpy as np

    from scoring.registry.dates import expiry

    rng = np.random.default_rng(seed)
    first, last = date(2019, 1, 1), AS_OF - timedelta(days=4)
    span = (last - first).days
    chains, total = [], 0
    while total < n:
        day = first + timedelta(days=int(rng.integers(0, span)))
        stars = int(rng.choice([3, 4, 5], p=[0.62, 0.33, 0.05]))
        chain = []
        while total < n:
            expires = expiry(day, 36)
            cert = {"issued_on": day, "stars": stars, "expires_on": expires}
            chain.append(cert)
            total += 1
            if stars < 5 and rng.random() < 0.08:  # upgraded 6 to 30 months later
                nxt = day + timedelta(days=int(rng.integers(180, 900)))
                stars += 1
            elif rng.random() < 0.7:  # re-evaluated, the new certificate issued in the 100 days before expiry
                nxt = expires - timedelta(days=int(rng.integers(1, 100)))
            else:
                break
            if nxt > last or total >= n:  # a successor after the fixture's last day, or no room left
                break
            cert["superseded_on"] = nxt
            day = nxt
        tail = chain[-1]
        if "superseded_on" not in tail and rng.random() < 0.02:  # revoked between issue and expiry (or today)
            end = min(tail["expires_on"], last)
            tail["revoked_on"] = tail["issued_on"] + timedelta(days=int(rng.integers(0, max(1, (end - tail["issued_on"]).days))))
        chains.append(chain)
    return chains


def seed_certificates(reg: Any, n: int, seed: int) -> dict[str, Any]:
    """Write `n` certificates (see the module docstring) with producers and products of their own."""
    import numpy as np
    from sqlalchemy import func, insert, select, update

    from scoring.registry.dates import reevaluation_window
    from scoring.registry.identity import name_key
    from scoring.registry.models import Certificate, Dossier, Producer, Product, ResultRow

    rng = np.random.default_rng(seed)
    chains = _chains(n, seed)
    areas = _areas(rng)
    where = rng.integers(0, len(areas), size=len(chains))
    windows: dict[date, Any] = {}
    t0 = time.perf_counter()
    with reg.transaction("bench") as tx:
        conn = tx.conn
        base = conn.execute(select(func.coalesce(func.max(Producer.id), 0))).scalar_one()
        producers = [{"name": f"Chủ thể {i}", "name_key": name_key(f"Chủ thể {i}"), "province": areas[w][0],
                      "district": areas[w][1], "commune": areas[w][2], "created_at": datetime.now(timezone.utc)}
                     for i, w in enumerate(where)]
        conn.execute(insert(Producer), producers)
        pids = dict(conn.execute(select(Producer.name_key, Producer.id).where(Producer.id > base)).all())
        products = [{"name": f"Sản phẩm {i}", "name_key": name_key(f"Sản phẩm {i}"),
                     "producer_id": pids[p["name_key"]], "province": p["province"], "district": p["district"],
                     "commune": p["commune"], "created_at": p["created_at"]} for i, p in enumerate(producers)]
        conn.execute(insert(Product), products)
        prod_ids = dict(conn.execute(select(Product.producer_id, Product.id)
                                     .where(Product.producer_id.in_(select(Producer.id).where(Producer.id > base)))).all())
        results = conn.execute(select(ResultRow.id, Dossier.dossier_id).join(Dossier, Dossier.id == ResultRow.dossier_pk)
                               .order_by(ResultRow.id).limit(n)).all()
        rows, k = [], 0
        for i, chain in enumerate(chains):
            product_id = prod_ids[pids[producers[i]["name_key"]]]
            for cert in chain:
                exp = cert["expires_on"]
                if exp not in windows:
                    windows[exp] = reevaluation_window(exp)
                w = windows[exp]
                revoked = cert.get("revoked_on")
                status = "revoked" if revoked else "superseded" if cert.get("superseded_on") else "valid"
                rows.append({"number": f"BENCH-{k + 1:06d}", "product_id": product_id,
                             "result_id": results[k][0] if k < len(results) else None,
                             "dossier_id": results[k][1] if k < len(results) else None, "stars": cert["stars"],
                             "issued_on": cert["issued_on"], "issued_by": "UBND cấp tỉnh", "expires_on": exp,
                             "window_opens_on": w.opens_on if w else None, "window_closes_on": w.closes_on if w else None,
                             "status": status, "revoked_on": revoked, "revocation_ground": "a" if revoked else None,
                             "superseded_on": cert.get("superseded_on"), "created_at": datetime.now(timezone.utc)})
                k += 1
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Certificate), rows[start:start + 5000])
        ids = dict(conn.execute(select(Certificate.number, Certificate.id).where(Certificate.number.like("BENCH-%"))).all())
        links, k = [], 0
        for chain in chains:
            for j, cert in enumerate(chain):
                if cert.get("superseded_on"):
                    links.append({"cid": ids[f"BENCH-{k + 1:06d}"], "by": ids[f"BENCH-{k + 2:06d}"]})
                k += 1
        from sqlalchemy import bindparam

        if links:
            conn.execute(update(Certificate).where(Certificate.id == bindparam("cid"))
                         .values(superseded_by=bindparam("by")), links)
    states = {s: sum(r["status"] == s for r in rows) for s in ("valid", "superseded", "revoked")}
    return {"certificates": len(rows), "products": len(chains), "seconds": time.perf_counter() - t0, **states,
            "expired_on_as_of": sum(r["status"] == "valid" and r["expires_on"] < AS_OF for r in rows)}


# --------------------------------------------------------------------------- measurements


def _median_ms(fn: Any, repeats: int) -> tuple[float, list[float], float, Any]:
    """Median wall time (ms) of `repeats` runs after a warm-up, every run's time, and the median CPU
    time of this process (SQLite works in-process: its CPU time is steadier than wall time on a
    shared machine; for PostgreSQL it is only the client's share)."""
    out = fn()  # warm-up (connection pool, statement cache)
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(times), times, statistics.median(cpu), out


def run_backend(kind: str, url: str, table: Path, n_dossiers: int, n_certs: int, repeats: int,
                seed: int) -> list[dict[str, Any]]:
    from scoring.registry import Registry

    rows = []
    reg = Registry(url)
    reg.init()
    t0, c0 = time.perf_counter(), time.process_time()
    report = reg.import_file(table, actor="bench")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    stored = len(report.inserted)
    rows.append({"backend": kind, "measurement": "import (read + batch scoring + store, one transaction)",
                 "size": f"{stored:,} dossiers ({len(report.rejected)} rejected)", "seconds": seconds,
                 "throughput": f"{stored / seconds:,.0f} dossiers/s (CPU {cpu:.1f} s)", "value": stored / seconds,
                 "cpu_seconds": cpu, "load_average": os.getloadavg(),
                 "target": f"≥ {TARGET_IMPORT:,.0f} dossiers/s" if kind == "sqlite" else "",
                 "met": (stored / seconds >= TARGET_IMPORT) if kind == "sqlite" else None})
    t0 = time.perf_counter()
    again = reg.import_file(table, actor="bench")
    seconds = time.perf_counter() - t0
    rows.append({"backend": kind, "measurement": "re-import of the same file (all unchanged)",
                 "size": f"{len(again.unchanged):,} unchanged, {len(again.inserted)} inserted", "seconds": seconds,
                 "throughput": f"{len(again.unchanged) / seconds:,.0f} dossiers/s", "value": None, "target": "",
                 "met": None})
    fixture = seed_certificates(reg, n_certs, seed)
    print(f"  {kind}: certificates fixture {fixture}", file=sys.stderr)
    cert_size = f"{fixture['certificates']:,} certificates / {fixture['products']:,} products"
    ms, runs, cpu, due = _median_ms(lambda: reg.certificates_due(AS_OF, DUE_WITHIN), repeats)
    rows.append({"backend": kind, "measurement": f"certificates due (as of {AS_OF}, within {DUE_WITHIN} days)",
                 "size": f"{cert_size} → {len(due):,} rows", "seconds": ms / 1000, "runs_ms": runs,
                 "throughput": f"{ms:.0f} ms (CPU {cpu:.0f} ms)", "value": ms, "target": f"< {TARGET_QUERY_MS:.0f} ms",
                 "met": ms < TARGET_QUERY_MS})
    for by in ("province", "district", "commune"):
        ms, runs, cpu, counts = _median_ms(lambda: reg.counts_by_area(AS_OF, by=by), repeats)
        rows.append({"backend": kind, "measurement": f"counts by {by} and star (as of {AS_OF})",
                     "size": f"{cert_size} → {len(counts):,} rows ({sum(r['count'] for r in counts):,} valid)",
                     "seconds": ms / 1000, "runs_ms": runs, "throughput": f"{ms:.0f} ms (CPU {cpu:.0f} ms)", "value": ms,
                     "target": f"< {TARGET_QUERY_MS:.0f} ms", "met": ms < TARGET_QUERY_MS})
    reg.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="import 10^4 dossiers instead of 10^5")
    ap.add_argument("--pg", default=os.environ.get("OCOP_TEST_PG_URL"),
                    help="a PostgreSQL server URL (default $OCOP_TEST_PG_URL); a fresh database is made there")
    ap.add_argument("--dossiers", type=int, default=None)
    ap.add_argument("--certificates", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", choices=("sqlite", "postgres"), default=None)
    ap.add_argument("--json", type=Path, default=None, help="write every measured run to this file")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # partial-form warnings of the synthetic cohort
    n = args.dossiers or (10_000 if args.quick else 100_000)

    from scoring.synth import generate_cohort

    backends = [b for b in ("sqlite", "postgres") if args.only in (None, b) and (b == "sqlite" or args.pg)]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ocop-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        table = folder / "cohort.parquet"
        frame = generate_cohort(n, seed=args.seed)
        frame.to_parquet(table)
        sheets = len(frame)
        del frame
        print(f"generated {n:,} dossiers / {sheets:,} sheets in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        for kind in backends:
            with _database(kind, folder, args.pg) as url:
                rows += run_backend(kind, url, table, n, args.certificates, args.repeats, args.seed)
            if kind == "sqlite":
                for p in folder.glob("bench.db*"):
                    p.unlink()
    import sqlalchemy

    print(f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {cpu_model()}, "
          f"{os.cpu_count()} cores; Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}. "
          f"Seed {args.seed}; {sheets:,} member sheets.\n")
    print("| backend | measurement | size | time | throughput | target | met |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        met = "" if r["met"] is None else "yes" if r["met"] else "no"
        print(f"| {r['backend']} | {r['measurement']} | {r['size']} | {r['seconds']:.3f} s | {r['throughput']} | "
              f"{r['target']} | {met} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
