"""Progress and supervision reports over a large registry: 50,000 certificates and 200,000 results
(issue 16: "renders in < 5 s"). Run from the repository root:

    python3 benchmarks/reports.py            # 50,000 certificates, 200,000 results (~2 min to build)
    python3 benchmarks/reports.py --quick    # 5,000 certificates, 20,000 results
    python3 benchmarks/reports.py --db /tmp/r.db --pdf-sweep   # keep the registry; PDF time by list size

The registry is a fresh SQLite file filled with bulk INSERTs of a seeded synthetic history (what the
registry's own API would write, without scoring 10^5 dossiers one by one): products in a province of
12 districts × 10 communes (plus unlisted communes and another province), first certificates from
2019 on, upgrades, re-evaluations near expiry superseding the old certificate, revocations, a
pipeline of recognised dossiers without a certificate, dossiers below 3★, and earlier results of the
same dossiers (re-scorings) up to the results count. Every dossier's content is a real fixture
dossier, so the what-if planner can re-score its candidates.

Timed, each alone: computing a report from the registry (`compute.progress` / `compute.supervision`),
then writing it to HTML, XLSX and PDF — the PDF with both engines: printed from the HTML by headless
Chromium (`--pdf-engine chromium`, skipped when no browser is found) and drawn by fpdf2 (`fpdf`); the
table says which one `auto` takes. "report" = compute + render, what `ocop report …` does after
opening the database. Results: benchmarks/README.md, section "Reports (issue 16)".
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from scoring.registry import Registry  # noqa: E402
from scoring.registry.bulk import bulk_insert  # noqa: E402
from scoring.registry.dates import expiry  # noqa: E402
from scoring.registry.models import Certificate, Dossier, Producer, Product, ResultRow  # noqa: E402

AS_OF = date(2026, 9, 30)
FIRST = date(2019, 1, 1)
PROVINCE = "Bình An"
DISTRICTS = [f"Đông {i}" for i in range(1, 13)]
COMMUNES = [f"Xã {j}" for j in range(1, 11)]
TEMPLATES = {2: "qd26-2026-49-67-wine.json", 3: "qd26-2026-69-67.json", 4: "qd26-2026-70-4star.json",
             5: "qd26-2026-90.json"}
TARGET_SECONDS = 5.0


def plan_yaml(year: int) -> str:
    """A province plan with every district and commune of the synthetic registry (targets ILLUSTRATIVE)."""
    lines = [f"plan: {{id: bench, title: Kế hoạch thử tải, year: {year}, counts: year}}",
             "rewards: {per_product: {5: 30000000, 4: 20000000, 3: 10000000}, upgrade: difference}",
             "area:", "  level: province", '  code: "40"', f"  name: {PROVINCE}",
             "  targets: {stars: {5: 20, 4: 900, 3: 2500}, reading: places, new_products: 3000}", "  areas:"]
    for i, d in enumerate(DISTRICTS):
        lines += [f"    - level: district", f'      code: "{400 + i}"', f"      name: {d}",
                  "      targets: {stars: {3: 300}, reading: at_least, upgrades: [{from: 3, to: 4, count: 20}]}",
                  "      areas:"]
        for j, c in enumerate(COMMUNES):
            lines.append(f'        - {{level: commune, code: "{40000 + 100 * i + j}", name: {c}, '
                         "targets: {stars: {3: 30}, reading: at_least}}")
    return "\n".join(lines) + "\n"


def _area(rng: random.Random) -> tuple[str, str, str]:
    x = rng.random()
    if x < 0.88:
        return PROVINCE, rng.choice(DISTRICTS), rng.choice(COMMUNES)
    if x < 0.94:
        return PROVINCE, rng.choice(DISTRICTS), "Xã 99"          # a commune the plan does not list
    return "Hà Giang", "Mèo Vạc", "Mèo Vạc"                       # outside the plan's province


def build(url: str, n_certs: int, n_results: int, seed: int = 7) -> dict[str, int]:
    """Fill an initialised registry; returns the counts written."""
    rng = random.Random(seed)
    contents = {}
    for s, name in TEMPLATES.items():
        d = json.loads((ROOT / "fixtures" / "dossiers" / name).read_text(encoding="utf-8-sig"))
        if s == 5:
            d["level"] = "central"
        contents[s] = d
    producers, products, dossiers, results, certs = [], [], [], [], []
    span = (AS_OF - FIRST).days

    def product(stars_hint: int) -> int:
        pid = len(products) + 1
        prov, dist, comm = _area(rng)
        name = f"HTX sản phẩm {pid}"
        producers.append({"id": pid, "name": name, "name_key": name.casefold(), "province": prov, "district": dist,
                          "commune": comm, "representative": f"Người đại diện {pid}", "phone": f"09{pid:08d}",
                          "email": f"htx{pid}@example.vn", "address": f"{comm}, {dist}, {prov}"})
        products.append({"id": pid, "name": f"Sản phẩm {pid}", "name_key": f"sản phẩm {pid}", "producer_id": pid,
                         "criteria_set": "qd26-2026", "form": contents[max(2, stars_hint)]["form"], "province": prov,
                         "district": dist, "commune": comm})
        return pid

    def dossier(pid: int, stars: int, kind: str, day: date) -> int:
        did = len(dossiers) + 1
        d = dict(contents[stars], dossier_id=f"B-{did:07d}", evaluated_on=day.isoformat())
        text = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
        dossiers.append({"id": did, "dossier_id": d["dossier_id"], "product_id": pid, "kind": kind,
                         "criteria_set": d["criteria_set"], "form": d["form"], "level": d["level"], "evaluated_on": day,
                         "findings_json": "[]", "content_json": text, "content_hash": f"{did:064x}", "version": 1,
                         "source": "benchmark"})
        results.append({"dossier_pk": did, "dossier_version": 1, "criteria_set": d["criteria_set"], "form": d["form"],
                        "level": d["level"], "evaluated_on": day, "total": {2: 60.0, 3: 69.7, 4: 75.0, 5: 91.0}[stars],
                        "band_stars": stars, "stars": stars, "status": "recognised" if stars >= 3 else "not_recognised",
                        "recognised_by": d["level"] if stars >= 3 else None, "escalate_to": None,
                        "engine_version": "bench", "criteria_hash": "0" * 64, "source": "batch", "result_json": "{}",
                        "decided": False})
        return did

    def certify(pid: int, did: int, stars: int, day: date) -> dict:
        exp = expiry(day, 36)
        c = {"id": len(certs) + 1, "number": f"OCOP-{day.year}-{len(certs) + 1:06d}", "product_id": pid,
             "result_dossier": did, "stars": stars, "issued_on": day, "issued_by": "UBND cấp tỉnh", "expires_on": exp,
             "window_opens_on": exp - timedelta(days=180), "window_closes_on": exp - timedelta(days=120),
             "status": "valid", "revoked_on": None, "revocation_ground": None, "superseded_on": None,
             "superseded_by": None}
        certs.append(c)
        return c

    def supersede(old: dict, new: dict) -> None:
        old.update(status="superseded", superseded_on=new["issued_on"], superseded_by=new["id"])

    while len(certs) < n_certs:
        stars = rng.choices((3, 4, 5), (60, 35, 5))[0]
        pid = product(stars)
        day = FIRST + timedelta(days=rng.randrange(span))
        cert = certify(pid, dossier(pid, stars, "new", day), stars, day)
        if stars < 5 and rng.random() < 0.2:                               # an upgrade
            up = day + timedelta(days=rng.randint(200, 700))
            if up <= AS_OF and up < cert["expires_on"]:
                s2 = rng.randint(stars + 1, 5)
                new = certify(pid, dossier(pid, s2, "upgrade", up), s2, up)
                supersede(cert, new)
                cert = new
        if rng.random() < 0.5:                                             # re-evaluated in its window
            again = cert["expires_on"] - timedelta(days=rng.randint(120, 180))
            if again <= AS_OF:
                new = certify(pid, dossier(pid, cert["stars"], "re-evaluation", again), cert["stars"], again)
                supersede(cert, new)
                cert = new
        if rng.random() < 0.03:                                            # revoked
            on = cert["issued_on"] + timedelta(days=rng.randint(1, 900))
            if on <= min(AS_OF, cert["expires_on"]):
                cert.update(status="revoked", revoked_on=on, revocation_ground="b")
        elif rng.random() < 0.02:                                          # an upgrade dossier awaiting its certificate
            day2 = cert["issued_on"] + timedelta(days=30)
            if day2 <= AS_OF and cert["stars"] < 5:
                dossier(pid, cert["stars"] + 1, "upgrade", day2)
    fails = max(0, (n_results - len(dossiers)) // 6)                       # products scored below 3★
    for _ in range(fails):
        pid = product(2)
        dossier(pid, 2, "new", FIRST + timedelta(days=rng.randrange(span)))
    # earlier results of the same dossiers (re-scorings): ids below the current result's
    extra = [0] * len(dossiers)
    for _ in range(max(0, n_results - len(dossiers))):
        extra[rng.randrange(len(dossiers))] += 1
    ordered, rid_of = [], {}
    for r, k in zip(results, extra):
        for _ in range(k):
            ordered.append({**r, "id": len(ordered) + 1})
        ordered.append({**r, "id": len(ordered) + 1})
        rid_of[r["dossier_pk"]] = len(ordered)
    dossier_id_of = {d["id"]: d["dossier_id"] for d in dossiers}
    for c in certs:
        c["dossier_id"] = dossier_id_of[c["result_dossier"]]
        c["result_id"] = rid_of[c.pop("result_dossier")]

    reg = Registry(url)
    reg.init()
    with reg.engine.begin() as conn:
        dialect = conn.dialect.name
        for model, rows, raw in ((Producer, producers, ()), (Product, products, ()),
                                 (Dossier, dossiers, ("content", "findings")), (ResultRow, ordered, ("result",))):
            stmt = bulk_insert(dialect, model, raw)
            for i in range(0, len(rows), 20_000):
                conn.execute(stmt, rows[i:i + 20_000])
        # superseded_by points forward: insert without it, then set it
        links = [(c["id"], c.pop("superseded_by")) for c in certs]
        stmt = bulk_insert(dialect, Certificate, ())
        for i in range(0, len(certs), 20_000):
            conn.execute(stmt, [dict(c, superseded_by=None) for c in certs[i:i + 20_000]])
        from sqlalchemy import bindparam, update

        conn.execute(update(Certificate).where(Certificate.id == bindparam("cid"))
                     .values(superseded_by=bindparam("sup")),
                     [{"cid": a, "sup": b} for a, b in links if b is not None])
    reg.close()
    return {"producers": len(producers), "products": len(products), "dossiers": len(dossiers),
            "results": len(ordered), "certificates": len(certs)}


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children: on the shared VM, wall time grows with
    the other jobs' load, CPU time much less, so the table gives both. Not for Chromium: its renderer
    and GPU processes are not reaped by Playwright's driver, so their time is not counted here."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="5,000 certificates and 20,000 results")
    ap.add_argument("--certificates", type=int, default=None)
    ap.add_argument("--results", type=int, default=None)
    ap.add_argument("--db", default=None, help="reuse (or keep) this SQLite file instead of a temporary one")
    ap.add_argument("--pdf-sweep", action="store_true",
                    help="also print random subsets of the supervision list (1,000 to 7,500 certificates) with both "
                         "PDF engines: the render time by table rows that --pdf-engine auto's threshold is set from")
    ap.add_argument("--profile", default=None, metavar="STEP",
                    help="print a cProfile of one step: progress, supervision, or a render such as progress.pdf")
    args = ap.parse_args()
    n_certs = args.certificates or (5_000 if args.quick else 50_000)
    n_results = args.results or (20_000 if args.quick else 200_000)
    warnings.simplefilter("ignore")

    from scoring.reports.compute import progress, supervision
    from scoring.reports.planfile import load_plan
    from scoring.reports.render import render
    from scoring.reports.render_chromium import ChromiumUnavailable, choose_engine, find_browser

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        if not db.exists():
            counts, t_build = timed(build, url, n_certs, n_results)
            print(f"built {counts} in {t_build:.1f} s", flush=True)
        plan_file = Path(tmp) / "plan.yaml"
        plan_file.write_text(plan_yaml(AS_OF.year), encoding="utf-8")
        plan = load_plan(plan_file)
        reg = Registry(url)
        reg.check_schema()
        rows: list[tuple[str, float, str]] = []
        cpu: dict[str, float] = {}
        profiler = cProfile.Profile() if args.profile else None

        def step(name: str, fn, *a, **kw):
            if profiler is not None and name == args.profile:
                profiler.enable()
            c0 = cpu_seconds()
            out, t = timed(fn, *a, **kw)
            cpu[name] = cpu_seconds() - c0
            if profiler is not None and name == args.profile:
                profiler.disable()
            rows.append((name, t, ""))
            print(f"{name}: {t:.2f} s (CPU {cpu[name]:.2f} s, load {os.getloadavg()[0]:.1f})", flush=True)
            return out, t

        try:
            _, t_pw0 = step("progress (no what-if)", progress, plan, reg, AS_OF, "Q3", whatif_depth=-1)
            prog, t_prog = step("progress", progress, plan, reg, AS_OF, "Q3")
            sup, t_sup = step("supervision", supervision, reg, AS_OF, 180)
        finally:
            reg.close()
        root = prog.areas[0]
        print(f"progress: {len(prog.areas)} area rows, root ≥3★ {root.achieved_at_least[3]}, valid "
              f"{sum(root.valid.values())}, outside {prog.outside_plan}; supervision: {len(sup.items)} items", flush=True)
        try:
            browser = find_browser()
            print(f"Chromium: {browser}", flush=True)
        except ChromiumUnavailable as exc:
            browser = None
            print(f"{exc}: PDF by fpdf2 only", flush=True)
        totals = {}
        auto = {}
        for kind, report, t_compute in (("progress", prog, t_prog), ("supervision", sup, t_sup)):
            auto[kind] = choose_engine(report, "auto").engine
            for fmt in ("html", "xlsx", "pdf:chromium", "pdf:fpdf"):
                suffix, _, engine = fmt.partition(":")
                if engine == "chromium" and browser is None:
                    continue
                out = Path(tmp) / f"{kind}-{engine or suffix}.{suffix}"
                _, t = step(f"{kind}.{fmt}", render, report, out, pdf_engine=engine or "auto", on_note=print)
                totals[(kind, fmt)] = (t_compute, t, out.stat().st_size, cpu[kind] + cpu[f"{kind}.{fmt}"])
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        sweep = pdf_sweep(sup, Path(tmp), browser) if args.pdf_sweep else []

    print(f"\n{platform.machine()}, {platform.processor() or '?'}, Python {platform.python_version()}; "
          f"{n_certs:,} certificates, {n_results:,} results; as of {AS_OF}, period Q3")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| report | compute (s) | render (s) | total (s) | CPU (s) | file | target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for (kind, fmt), (tc, tr, size, c) in totals.items():
        total = tc + tr
        suffix, _, engine = fmt.partition(":")
        label = suffix.upper() + (f" ({engine}{', auto' if auto[kind] == engine else ''})" if engine else "")
        cpu_text = "n/a" if engine == "chromium" else f"{c:.2f}"   # Chromium's renderer is not our child
        print(f"| {kind} → {label} | {tc:.2f} | {tr:.2f} | {total:.2f} | {cpu_text} | {size / 1024:,.0f} KB | "
              f"< {TARGET_SECONDS:.0f} s | {'yes' if total < TARGET_SECONDS else 'no'} |")
    print(f"| progress without the what-if planner (compute only) | {t_pw0:.2f} | | | "
          f"{cpu['progress (no what-if)']:.2f} | | | |")
    if sweep:
        print("\n| supervision list | table rows | pages (Chromium) | Chromium render (s) | fpdf2 render (s) | load |")
        print("|---|---|---|---|---|---|")
        for line in sweep:
            print(line)


def pdf_sweep(sup, tmp: Path, browser: str | None) -> list[str]:
    """Render time of the supervision PDF by size: random subsets of the list (seeded), each with Chromium
    (when found) then fpdf2, render only (the report's compute does not depend on the list's length)."""
    import dataclasses

    from scoring.reports.render import render
    from scoring.reports.render_chromium import table_rows

    rng = random.Random(1)
    lines = []
    for k in (1_000, 2_500, 4_000, 5_000, 7_500):
        sub = dataclasses.replace(sup, items=rng.sample(sup.items, min(k, len(sup.items))))
        times, pages = {}, "n/a"
        for engine in ("chromium", "fpdf"):
            if engine == "chromium" and browser is None:
                continue
            out = tmp / f"sweep-{k}-{engine}.pdf"
            _, times[engine] = timed(render, sub, out, pdf_engine=engine, on_note=lambda note: None)
            if engine == "chromium" and shutil.which("pdfinfo"):
                info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
                pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")
        chromium = f"{times['chromium']:.2f}" if "chromium" in times else "n/a"
        lines.append(f"| {len(sub.items):,} certificates | {table_rows(sub):,} | {pages} | {chromium} | "
                     f"{times['fpdf']:.2f} | {os.getloadavg()[0]:.1f} |")
        print(lines[-1], flush=True)
    return lines


if __name__ == "__main__":
    main()
