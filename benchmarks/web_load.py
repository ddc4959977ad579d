"""Load test of the web app (issue 17, items 6 and 7): simulated council members saving drafts of
their sheets at the same time against a real `ocop serve` subprocess, over real HTTP on loopback
(login, CSRF token, form posts), then a check that no write was lost or mixed up.

    python3 benchmarks/web_load.py                       # 30 members, 60 s, SQLite, 1 worker
    python3 benchmarks/web_load.py --seconds 10          # shorter
    python3 benchmarks/web_load.py --pg postgresql+psycopg://postgres@127.0.0.1:55432/postgres --workers 2

Each member logs in, opens their sheet (the CSRF token comes from the page), then loops until the
time is up: pick random options for a random subset of the criteria (a draft), POST the sheet,
follow the 303 back to the sheet page as a browser does, optionally wait (`--think`), repeat.
"Save latency" is the POST until its 303; the page reload after it is reported apart.

Checks afterwards, in the registry itself: each member's stored sheet equals the last draft the
server acknowledged to that member (no lost write, nothing of another member's), and the audit log
holds exactly one `member_sheet` entry per acknowledged save, each by the member who saved it.

With `--pg SERVER_URL` a fresh database is created on that server and dropped afterwards. Needs
httpx (in the `test` extra). Results and how to read them: benchmarks/README.md.
Timings belong here (never in pass/fail tests); `tests/test_web_load.py` runs a short version of
this and asserts the no-lost/no-mixed property only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests"):  # this checkout's package; the tests' database helper
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

PASSWORD = "tai-thu-mat-khau-9"
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
DOSSIERS = ("qd26-2026-70-4star.json", "qd26-2026-90.json")


def council(n: int) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """A council of n scoring members (chủ tịch first) plus a secretary; the n sit in the session."""
    scoring = tuple(f"Thành viên {i:02d}" for i in range(1, n + 1))
    members = ((scoring[0], "chu_tich"), ("Thư ký Hội đồng", "thu_ky")) + tuple((m, "thanh_vien") for m in scoring[1:])
    return members, scoring


@dataclass
class MemberRun:
    """What one simulated member did: its latencies and the last draft the server acknowledged."""

    username: str
    name: str
    path: str
    dossier_id: str
    save_ms: list[float] = field(default_factory=list)
    reload_ms: list[float] = field(default_factory=list)
    acknowledged: int = 0
    last_saved: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fresh_pg(server_url: str) -> Iterator[str]:
    """A new database on the PostgreSQL server of `server_url`, dropped afterwards (the tests' helper)."""
    from registry_support import fresh_pg_database

    yield from fresh_pg_database(server_url)


def prepare(url: str, members: int):
    """Schema at head, the fixtures' two dossiers on an open session of an n-member council."""
    from scoring.registry import db as regdb
    from scoring.web.demo import fixtures_dir, seed

    engine = regdb.make_engine(url)
    regdb.upgrade(engine)
    engine.dispose()
    council_members, scoring = council(members)
    return seed(url, password=PASSWORD, council_members=council_members, scoring=scoring,
                dossier_files=tuple(fixtures_dir() / f for f in DOSSIERS))


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its descendants (Linux /proc; None elsewhere): the
    server's own work, whatever else the machine runs at the same time."""
    total, todo = 0.0, [pid]
    try:
        tick = os.sysconf("SC_CLK_TCK")
        while todo:
            p = todo.pop()
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return None
    return total


@contextmanager
def serving(args: list[str], log: Path, cwd: Path = ROOT) -> Iterator[tuple[str, int]]:
    """`ocop serve ARGS --port P` in a subprocess running this checkout's code, output to `log`;
    yields (base URL, pid) once /healthz answers, and stops it when the block ends."""
    import httpx

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scoring.cli", "serve", *args, "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=str(cwd))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ocop serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError("ocop serve did not start in 90 s")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def random_draft(form, rng: random.Random) -> dict[str, Any]:
    """Points for a random subset of the criteria (at least one), each one of its options; a
    criterion that applies only with a story may be 'not applicable' (stored as null)."""
    leaves = list(form.leaves)
    chosen = rng.sample(leaves, rng.randint(1, len(leaves)))
    draft: dict[str, Any] = {}
    for leaf in chosen:
        if leaf.applies_when is not None and rng.random() < 0.2:
            draft[leaf.number] = None
        else:
            draft[leaf.number] = rng.choice(leaf.points)
    return draft


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    if not m:
        raise RuntimeError("no CSRF token in the page")
    return m.group(1)


def form_fields(draft: dict[str, Any]) -> dict[str, str]:
    return {f"c:{k}": ("na" if v is None else str(v)) for k, v in draft.items()}


def member_loop(run: MemberRun, base: str, form, start: threading.Barrier, stop_at: list[float], think: float,
                seed: int) -> None:
    """One member: log in, open the sheet, then save drafts until the time is up."""
    import httpx

    rng = random.Random(seed)
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as c:
        try:
            token = csrf_of(c.get("/login").text)
            r = c.post("/login", data={"username": run.username, "password": PASSWORD, "csrf_token": token})
            if r.status_code != 303:
                raise RuntimeError(f"login {r.status_code}")
            token = csrf_of(c.get(run.path).text)
        except Exception as exc:  # noqa: BLE001  # reported, and the barrier must not wait for us
            run.errors.append(f"setup: {exc}")
            start.abort()
            return
        start.wait()
        while time.perf_counter() < stop_at[0]:
            draft = random_draft(form, rng)
            t0 = time.perf_counter()
            try:
                r = c.post(run.path, data={"csrf_token": token, "action": "save", **form_fields(draft)})
            except httpx.HTTPError as exc:
                # the write may or may not have happened: the check below accepts neither then
                run.errors.append(f"save: {exc!r}")
                run.last_saved = None
                break
            t1 = time.perf_counter()
            if r.status_code != 303:
                run.errors.append(f"save: HTTP {r.status_code}")
                continue
            run.save_ms.append((t1 - t0) * 1000)
            run.acknowledged += 1
            run.last_saved = draft
            page = c.get(r.headers["location"])
            run.reload_ms.append((time.perf_counter() - t1) * 1000)
            if page.status_code != 200:
                run.errors.append(f"reload: HTTP {page.status_code}")
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def verify(url: str, runs: list[MemberRun]) -> list[str]:
    """Problems found in the registry: a member's sheet other than its last acknowledged draft, or
    audit entries that do not match the acknowledged saves one for one, by the right member."""
    from scoring.registry.api import Registry

    problems = []
    reg = Registry(url)
    try:
        stored: dict[tuple[str, str], dict[str, Any]] = {}
        for dossier_id in {r.dossier_id for r in runs}:
            for sheet in reg.sheets_for(dossier_id):
                stored[(dossier_id, sheet["member"])] = sheet
        audit = reg.audit_log(entity="member_sheet")
        for run in runs:
            sheet = stored.get((run.dossier_id, run.name))
            if run.last_saved is None:
                if run.acknowledged:
                    problems.append(f"{run.username}: last save unconfirmed (client error), not checked")
                continue
            if sheet is None:
                problems.append(f"{run.username}: no sheet stored after {run.acknowledged} acknowledged saves")
            elif sheet["scores"] != run.last_saved or sheet["status"] != "draft":
                problems.append(f"{run.username}: stored sheet differs from its last acknowledged save")
            mine = [e for e in audit if e["actor"] == f"web:{run.username}"]
            if len(mine) != run.acknowledged:
                problems.append(f"{run.username}: {len(mine)} audit entries for {run.acknowledged} acknowledged saves")
            if mine and mine[-1]["after"]["scores"] != run.last_saved:
                problems.append(f"{run.username}: last audited save differs from its last acknowledged save")
            if any(e["after"].get("dossier_id") != run.dossier_id for e in mine):
                problems.append(f"{run.username}: an audited save on another dossier")
        members_of = {f"web:{r.username}": r.name for r in runs}
        for e in audit:
            who = members_of.get(e["actor"])
            if who is not None and (e["before"] or e["after"]).get("member", who) != who:
                problems.append(f"{e['actor']} wrote the sheet of {(e['before'] or e['after'])['member']}")
    finally:
        reg.close()
    return problems


def run_load(url: str, *, members: int = 30, seconds: float = 60, workers: int = 1, think: float = 0.0,
             seed: int = 7, log_dir: Path | None = None) -> dict[str, Any]:
    """Prepare the registry at `url`, serve it, run the members, verify; the figures as a dict."""
    from scoring.web.sheets import load_form

    from scoring.registry.api import Registry

    seeded = prepare(url, members)
    reg = Registry(url)
    try:
        dossier_ids = reg.session(seeded.session_id)["dossiers"]  # agenda order, as seeded.dossier_pks
        forms = {did: load_form(reg.dossier(did)["criteria_set"], reg.dossier(did)["form"]) for did in dossier_ids}
    finally:
        reg.close()
    _, scoring = council(members)
    runs = []
    for i, name in enumerate(scoring):
        k = i % len(seeded.dossier_pks)
        runs.append(MemberRun(f"tv{i + 1}", name, f"/member/sessions/{seeded.session_id}/dossiers/{seeded.dossier_pks[k]}",
                              dossier_ids[k]))
    with tempfile.TemporaryDirectory(prefix="ocop-web-load-") as tmp:
        log = (log_dir or Path(tmp)) / "serve.log"
        with serving(["--db", url, "--workers", str(workers)], log) as (base, pid):
            start = threading.Barrier(members + 1)
            stop_at = [float("inf")]
            threads = [threading.Thread(target=member_loop, args=(run, base, forms[run.dossier_id], start, stop_at,
                                                                  think, seed * 1000 + i), daemon=True)
                       for i, run in enumerate(runs)]
            for t in threads:
                t.start()
            try:
                start.wait(timeout=300)
            except threading.BrokenBarrierError:
                pass
            cpu0, own0 = cpu_seconds(pid), os.times()
            began = time.perf_counter()
            stop_at[0] = began + seconds
            for t in threads:
                t.join(timeout=seconds + 120)
            elapsed = time.perf_counter() - began
            cpu1, own1 = cpu_seconds(pid), os.times()
    problems = verify(url, runs)
    problems += [f"{r.username}: {e}" for r in runs for e in r.errors]
    saves = sorted(x for r in runs for x in r.save_ms)
    reloads = sorted(x for r in runs for x in r.reload_ms)
    return {"members": members, "seconds": round(elapsed, 1), "workers": workers, "think": think,
            "database": url.split(":", 1)[0], "saves": len(saves), "saves_per_s": round(len(saves) / elapsed, 1),
            "save_p50_ms": pct(saves, 50), "save_p95_ms": pct(saves, 95), "save_max_ms": round(max(saves), 1) if saves else None,
            "reload_p50_ms": pct(reloads, 50), "reload_p95_ms": pct(reloads, 95),
            "server_cpu_ms_per_save": (round((cpu1 - cpu0) * 1000 / len(saves), 1)
                                       if saves and cpu0 is not None and cpu1 is not None else None),
            "client_cpu_ms_per_save": (round(((own1.user + own1.system) - (own0.user + own0.system)) * 1000 / len(saves), 1)
                                       if saves else None),
            "load_average": round(os.getloadavg()[0], 1),
            "problems": problems, "runs": runs}


def pct(values: list[float], p: int) -> float | None:
    """The p-th percentile (inclusive method), in ms to 0.1."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60, help="how long the members save (default 60)")
    ap.add_argument("--members", type=int, default=30)
    ap.add_argument("--workers", type=int, default=1, help="ocop serve --workers")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean pause between a member's saves, s (uniform 0.5x–1.5x; default 0: back to back)")
    ap.add_argument("--pg", metavar="SERVER_URL", help="run on a fresh database of this PostgreSQL server")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.members < 1 or args.seconds <= 0:
        ap.error("--members and --seconds must be positive")
    if args.pg:
        with fresh_pg(args.pg) as url:
            out = run_load(url, members=args.members, seconds=args.seconds, workers=args.workers, think=args.think,
                           seed=args.seed)
    else:
        with tempfile.TemporaryDirectory(prefix="ocop-web-load-db-") as tmp:
            out = run_load(f"sqlite:///{Path(tmp) / 'ocop.db'}", members=args.members, seconds=args.seconds,
                           workers=args.workers, think=args.think, seed=args.seed)
    out.pop("runs")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"{out['database']}, {out['workers']} worker(s), {out['members']} members, {out['seconds']} s, "
              f"think {out['think']} s: {out['saves']} saves ({out['saves_per_s']}/s); save p50 "
              f"{out['save_p50_ms']} ms, p95 {out['save_p95_ms']} ms, max {out['save_max_ms']} ms; page reload "
              f"p50 {out['reload_p50_ms']} ms, p95 {out['reload_p95_ms']} ms; server CPU {out['server_cpu_ms_per_save']} "
              f"ms per save + reload (the clients: {out['client_cpu_ms_per_save']} ms); load average "
              f"{out['load_average']}")
        print("no lost or mixed-up writes" if not out["problems"] else "PROBLEMS:\n  " + "\n  ".join(out["problems"]))
    return 1 if out["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
