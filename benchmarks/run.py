"""Reproducible benchmarks: `python benchmarks/run.py [--quick] [--out benchmarks/results.md]`.

Measures, in one run on this machine: evaluate_batch on 10^4, 10^5 and 10^6 member-sheets from an
in-memory frame (sheets/s and peak memory, each size in a fresh subprocess so peaks don't mix), the
rule-engine path on 10^3 (and 10^4 unless --quick) dossiers, their ratio, upgrade_plan's median time
per product at targets 4★ and 5★ on complete forms, and the cohort `plan` over the Results of 1,000
(and 10^4 unless --quick) dossiers (`--whatif-only` runs these alone); then issue 11 item 6:
evaluate_batch on the clean cohort and on the same dossiers with 1 % invalid cells and stated cases
(alternately, in one process: a same-run ratio), a province's round (one set, 25 forms, councils of
3-5, 2 x 10^5 sheets) and read_table + evaluate_batch end to end from CSV and Parquet files of the
10^6 cohort (written once under $OCOP_BENCH_DIR or /tmp; --quick: 10^5 sheets, a 5 x 10^4 round),
each with its CPU time beside the wall time. Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


REPEATS = 5  # timed runs per measurement; the median is reported (this VM's timings vary by ±15-30 %)
FILE_REPEATS = 3  # end-to-end runs from a file (each reads the whole file again)
FILES = Path(os.environ.get("OCOP_BENCH_DIR", "/tmp")) / "ocop-bench"  # the cohort files, written once


def cpu_model() -> str:
    """The processor's name: platform.processor() is empty on Linux, /proc/cpuinfo has it."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset the peak-RSS mark (Linux ≥ 4.0), so that the peak measured is the scorer's, frame
    included, and not the generator's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _batch(sheets: int, seed: int) -> dict:
    import gc

    from scoring.batch import evaluate_batch
    from scoring.synth import generate_cohort

    frame = generate_cohort(max(1, sheets // 5), seed=seed)  # ~6 members each: more sheets than asked
    # keep whole dossiers only, up to the requested number of sheets
    ends = frame.groupby("dossier_id", sort=False).size().cumsum()
    keep = ends[ends <= sheets].index
    frame = frame[frame["dossier_id"].isin(keep)].reset_index(drop=True)
    evaluate_batch(frame.iloc[:1000])  # warm-up: load criteria, compile rules
    gc.collect()
    rss_frame = _rss_mb("VmRSS")
    times, peaks = [], []
    for _ in range(REPEATS):
        reset = _reset_peak()
        t0 = time.perf_counter()
        results, rejects = evaluate_batch(frame)
        times.append(time.perf_counter() - t0)
        peaks.append(_rss_mb("VmHWM") if reset else float("nan"))
        del results, rejects
        gc.collect()
    elapsed = statistics.median(times)
    return {"sheets": len(frame), "dossiers": int(frame["dossier_id"].nunique()), "seconds": elapsed,
            "seconds_all": times, "sheets_per_s": len(frame) / elapsed, "peak_rss_mb": max(peaks),
            "rss_frame_mb": rss_frame}


def _whole_dossiers(frame, sheets: int):
    """The first whole dossiers of `frame`, up to `sheets` member sheets."""
    ends = frame.groupby("dossier_id", sort=False).size().cumsum()
    keep = ends[ends <= sheets].index
    return frame[frame["dossier_id"].isin(keep)].reset_index(drop=True)


def _dirty(frame, seed: int, bad_share: float = 0.01, case_share: float = 0.2):
    """The cohort with one invalid cell (99 points, no criterion's option) in 1 % of its dossiers and
    stated cases ("3.2=a") on a fifth of the QĐ 1048 dossiers whose every member scored 3.2 with
    case a's points (valid: the case is stated, not inferred). Returns (frame, dossiers made
    invalid, dossiers stating a case)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    out = frame.copy()
    codes, ids = pd.factorize(out["dossier_id"])
    first = np.unique(codes, return_index=True)[1]
    crit = [c for c in out.columns if str(c)[0].isdigit()]
    bad = rng.random(len(ids)) < bad_share
    rows, col = first[bad], rng.integers(0, len(crit), int(bad.sum()))
    for j, c in enumerate(crit):
        out.loc[rows[col == j], c] = 99.0
    fits_a = (out["3.2"].isin([1.0, 2.0]) & (out["criteria_set"] == "qd1048-2019")).groupby(codes).transform("all")
    stated = fits_a.to_numpy() & (rng.random(len(ids)) < case_share)[codes]
    out["cases"] = pd.Series(np.where(stated, "3.2=a", None), dtype=object)
    return out, int(bad.sum()), int(stated[first].sum())


def _timed(fn, *args, **kw) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process — all its threads —, result)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, time.process_time() - c0, out


def _batch_dirty(sheets: int, seed: int) -> dict:
    """Clean and dirty cohorts of the same dossiers, alternately, in one process (same-run ratio)."""
    import gc

    from scoring.batch import evaluate_batch
    from scoring.synth import generate_cohort

    clean = _whole_dossiers(generate_cohort(max(1, sheets // 5), seed=seed), sheets)
    dirty, n_bad, n_cases = _dirty(clean, seed)
    evaluate_batch(clean.iloc[:1000])
    walls: dict[str, list[float]] = {"clean": [], "dirty": []}
    cpus: dict[str, list[float]] = {"clean": [], "dirty": []}
    for _ in range(REPEATS):
        for name, frame in (("clean", clean), ("dirty", dirty)):
            wall, cpu, (results, rejects) = _timed(evaluate_batch, frame)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if name == "dirty":
                n_rejected = len(rejects)
            del results, rejects
            gc.collect()
    med = {k: statistics.median(v) for k, v in walls.items()}
    return {"sheets": len(clean), "dirty_dossiers": n_bad, "stated_cases": n_cases, "reject_rows": n_rejected,
            "clean_seconds": med["clean"], "dirty_seconds": med["dirty"], "ratio": med["dirty"] / med["clean"],
            "clean_cpu": statistics.median(cpus["clean"]), "dirty_cpu": statistics.median(cpus["dirty"]),
            "walls": walls, "load": os.getloadavg()[0]}


def _province(sheets: int, seed: int) -> dict:
    """A province's round: one criteria set (QĐ 148/2023), 25 of its forms (complete or partial), councils of 3-5."""
    from scoring import criteria as crit
    from scoring.batch import evaluate_batch
    from scoring.synth import generate_cohort

    cs = crit.load_all()["qd148-2023"]
    forms = [f.slug for f in cs.forms.values() if f.status in ("complete", "partial")][:25]
    frame = _whole_dossiers(generate_cohort(sheets // 4 + 1, seed=seed, sets=[cs.id], forms=forms, members=(3, 5)),
                            sheets)
    evaluate_batch(frame.iloc[:1000])
    runs = [_timed(evaluate_batch, frame)[:2] for _ in range(REPEATS)]
    wall = statistics.median(r[0] for r in runs)
    return {"sheets": len(frame), "dossiers": int(frame["dossier_id"].nunique()), "forms": len(forms),
            "seconds": wall, "cpu": statistics.median(r[1] for r in runs), "sheets_per_s": len(frame) / wall,
            "walls": [r[0] for r in runs], "load": os.getloadavg()[0]}


def _write_files(sheets: int, seed: int) -> dict:
    """The synthetic cohort written once as CSV (UTF-8 with BOM, as Excel saves it) and Parquet."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from scoring.synth import generate_cohort

    frame = _whole_dossiers(generate_cohort(max(1, sheets // 5), seed=seed), sheets)
    base = FILES / f"cohort-{sheets}-{seed}"
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with open(f"{base}.csv", "wb") as f:
        f.write("\ufeff".encode("utf-8"))
        pcsv.write_csv(table, f)
    frame.to_parquet(f"{base}.parquet", index=False)
    return {"sheets": len(frame), "base": str(base)}


def _from_file(sheets: int, seed: int, suffix: str) -> dict:
    """read_table + evaluate_batch from the file, end to end; peak RSS of the whole (reset before each run).
    The first run pays for fresh memory (page faults: seconds of system time on this VM) that later
    runs reuse from the allocator; the median is reported and the first run beside it."""
    import gc

    from scoring.batch import evaluate_batch, read_table

    path = f"{FILES / f'cohort-{sheets}-{seed}'}{suffix}"
    runs = []
    for _ in range(FILE_REPEATS):
        reset = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        frame = read_table(path)
        t_read = time.perf_counter() - t0
        results, rejects = evaluate_batch(frame)
        runs.append((time.perf_counter() - t0, t_read, time.process_time() - c0,
                     _rss_mb("VmHWM") if reset else float("nan")))
        n = len(frame)
        del frame, results, rejects
        gc.collect()
    wall = statistics.median(r[0] for r in runs)
    return {"sheets": n, "seconds": wall, "read_seconds": statistics.median(r[1] for r in runs),
            "cpu": statistics.median(r[2] for r in runs), "sheets_per_s": n / wall,
            "peak_rss_mb": max(r[3] for r in runs), "walls": [r[0] for r in runs], "load": os.getloadavg()[0]}


def _engine(n: int, seed: int) -> dict:
    from scoring.batch import dossier_dicts, evaluate_batch, to_wide
    from scoring.dossier import parse_dossier
    from scoring.evaluate import evaluate
    from scoring.synth import generate_cohort

    frame = generate_cohort(n, seed=seed)
    dossiers = list(dossier_dicts(to_wide(frame)))
    parsed = []
    for d in dossiers:
        try:
            parsed.append(parse_dossier(d))
        except Exception:
            pass
    evaluate(parsed[0])
    evaluate_batch(frame.iloc[:1000])
    t0 = time.perf_counter()
    for d in parsed:
        evaluate(d)
    engine_s = time.perf_counter() - t0
    batch_times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        evaluate_batch(frame)
        batch_times.append(time.perf_counter() - t0)
    batch_s = statistics.median(batch_times)
    return {"dossiers": len(parsed), "sheets": len(frame), "engine_seconds": engine_s,
            "engine_dossiers_per_s": len(parsed) / engine_s, "engine_sheets_per_s": len(frame) / engine_s,
            "batch_seconds_same_cohort": batch_s, "batch_seconds_all": batch_times, "ratio": engine_s / batch_s}


def _plan_results(n: int, seed: int) -> list:
    """Results of `n` synthetic dossiers on complete forms, without knock-outs (what a plan starts from)."""
    import warnings

    from scoring.batch import dossier_dicts, to_wide
    from scoring.errors import DossierInvalid
    from scoring.evaluate import evaluate
    from scoring.synth import generate_cohort

    frame = generate_cohort(n, seed=seed, include_partial=False, knockout_rate=0.0)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for d in dossier_dicts(to_wide(frame)):
            try:
                results.append(evaluate(d))
            except DossierInvalid:
                pass
    return results


def _upgrade(n: int, seed: int) -> dict:
    """upgrade_plan from a Result, per target level: every product below the target (at most 200)."""
    from scoring.whatif import upgrade_plan

    results = _plan_results(n, seed)
    upgrade_plan(results[0], 5)  # warm-up: criteria, compiled rules
    out = {}
    for target in (4, 5):
        times = []
        for r in [r for r in results if r.stars < target][:200]:
            t0 = time.perf_counter()
            upgrade_plan(r, target)
            times.append(time.perf_counter() - t0)
        times.sort()
        out[str(target)] = {"plans": len(times), "median_ms": statistics.median(times) * 1e3,
                            "p90_ms": times[int(len(times) * .9)] * 1e3}
    return out


def _cohort(n: int, seed: int) -> dict:
    """The cohort `plan` over the Results of `n` dossiers: wall and CPU time, peak RSS (the mark reset
    once the Results are in memory) beside the RSS of the Results alone."""
    import gc
    import warnings

    from scoring.whatif import plan

    results = _plan_results(n, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan(results[:60], "5:1")  # warm-up: imports, criteria, compiled rules
        gc.collect()
        rss_results = _rss_mb("VmRSS")
        reset = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        cp = plan(results, "5:5,4:20,3:30", budget=None)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"products": len(results), "seconds": wall, "cpu_seconds": cpu, "rss_results_mb": rss_results,
            "peak_rss_mb": _rss_mb("VmHWM") if reset else float("nan"), "feasible": cp.feasible,
            "supported": len(cp.supported), "priced": cp.priced_upgrades}


def _sub(kind: str, arg: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, "-W", "ignore", __file__, "--child", kind, str(arg), str(seed)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 sheets, 10^3 engine dossiers only")
    ap.add_argument("--out", type=Path, help="also write the Markdown table to this file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--whatif-only", action="store_true", help="only the what-if planner's measurements")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, arg, seed = a.child[0], int(a.child[1]), int(a.child[2])
        fn = {"batch": _batch, "engine": _engine, "upgrade": _upgrade, "cohort": _cohort, "dirty": _batch_dirty,
              "province": _province, "write": _write_files, "csv": lambda n, sd: _from_file(n, sd, ".csv"),
              "parquet": lambda n, sd: _from_file(n, sd, ".parquet")}[kind]
        FILES.mkdir(parents=True, exist_ok=True)
        print(json.dumps(fn(arg, seed)))
        return

    import numpy
    import pandas

    from scoring.batch.vector import THREADED_ROWS
    from scoring.batch.workers import default_workers

    sizes = [10_000, 100_000] + ([] if a.quick else [1_000_000])
    engine_sizes = [1_000] + ([] if a.quick else [10_000])
    plan_sizes = [1_000] + ([] if a.quick else [10_000])
    batch = {} if a.whatif_only else {s: _sub("batch", s, a.seed) for s in sizes}
    engine = {} if a.whatif_only else {n: _sub("engine", n, a.seed) for n in engine_sizes}
    upgrade = _sub("upgrade", 1_000, a.seed)
    cohorts = {n: _sub("cohort", n, a.seed) for n in plan_sizes}
    # issue 11 item 6: clean vs dirty (same run), a province's round, end to end from files
    big_n = 100_000 if a.quick else 1_000_000
    dirty = None if a.whatif_only else _sub("dirty", big_n, a.seed)
    province = None if a.whatif_only else _sub("province", 50_000 if a.quick else 200_000, a.seed)
    if not a.whatif_only:
        _sub("write", big_n, a.seed)
    files = {} if a.whatif_only else {fmt: _sub(fmt, big_n, a.seed) for fmt in ("csv", "parquet")}
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {cpu_model()}, "
        f"{__import__('os').cpu_count()} cores; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"pandas {pandas.__version__}, durable-rules 2.0.28. Seed {a.seed}.",
        "",
        f"Batch and ratio times are the median of {REPEATS} runs in the same process (all runs in the JSON "
        "printed by `--child`); the engine path is one run over the whole cohort. Peak RSS is the process's "
        "peak during `evaluate_batch` (the mark is reset after the cohort is generated), input frame included; "
        "the RSS with the frame alone in memory is given beside it. `evaluate_batch` runs with its default "
        f"workers: {default_workers()} threads for tables of {THREADED_ROWS:,} member sheets or more (here the 10^5 and "
        "10^6 cohorts), one thread below (the 10^4 cohort and both engine cohorts); the rule engine runs in "
        "one thread.",
        "",
        "| measurement | size | time (s) | throughput | peak RSS (MB) | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for s, b in batch.items():
        lines.append(f"| evaluate_batch (in-memory frame) | {b['sheets']:,} sheets / {b['dossiers']:,} dossiers | "
                     f"{b['seconds']:.2f} | {b['sheets_per_s']:,.0f} sheets/s | {b['peak_rss_mb']:,.0f} "
                     f"(frame alone {b['rss_frame_mb']:,.0f}) | "
                     f"≥ 1,000,000 sheets/s; < 2,048 MB at 10^6 | "
                     f"{'yes' if b['sheets_per_s'] >= 1e6 else 'no'}{'' if s < 1_000_000 else (' / ' + ('yes' if b['peak_rss_mb'] < 2048 else 'no'))} |")
    for n, e in engine.items():
        lines.append(f"| rule engine `evaluate` (one by one) | {e['dossiers']:,} dossiers / {e['sheets']:,} sheets | "
                     f"{e['engine_seconds']:.2f} | {e['engine_dossiers_per_s']:,.0f} dossiers/s "
                     f"({e['engine_sheets_per_s']:,.0f} sheets/s) | | | |")
        lines.append(f"| ratio batch / engine (same cohort, same run) | {e['dossiers']:,} dossiers | "
                     f"{e['batch_seconds_same_cohort']:.3f} vs {e['engine_seconds']:.2f} | ×{e['ratio']:,.0f} | | ≥ ×100 | "
                     f"{'yes' if e['ratio'] >= 100 else 'no'} |")
    if batch and engine:  # the same two paths at scale: the batch's rate on its largest cohort against the engine's
        big, eng = batch[max(batch)], engine[max(engine)]
        scale_ratio = big["sheets_per_s"] / eng["engine_sheets_per_s"]
        lines.append(f"| ratio of throughputs (batch at {big['sheets']:,} sheets / engine at {eng['dossiers']:,} "
                     f"dossiers, this run) | sheets/s | | ×{scale_ratio:,.0f} | | ≥ ×100 | "
                     f"{'yes' if scale_ratio >= 100 else 'no'} |")
    for target, u in upgrade.items():
        lines.append(f"| upgrade_plan from a Result, target {target}★ (complete forms) | {u['plans']} products | | "
                     f"median {u['median_ms']:.1f} ms (p90 {u['p90_ms']:.1f} ms) | | p50 ≤ 5 ms | "
                     f"{'yes' if u['median_ms'] <= 5 else 'no'} |")
    for n, c in cohorts.items():
        target = "≤ 10 s, ≤ 600 MB at 10^4" if n >= 10_000 else ""
        met = (f"{'yes' if c['seconds'] <= 10 else 'no'} / {'yes' if c['peak_rss_mb'] <= 600 else 'no'}"
               if n >= 10_000 else "")
        lines.append(f"| cohort `plan` (targets 5:5,4:20,3:30) | {c['products']:,} products | {c['seconds']:.1f} "
                     f"(CPU {c['cpu_seconds']:.1f}) | {c['products'] / c['seconds']:,.0f} products/s | "
                     f"{c['peak_rss_mb']:,.0f} (Results alone {c['rss_results_mb']:,.0f}) | {target} | {met} |")
    if dirty is not None:
        lines += [
            "",
            f"Issue 11 item 6 (load average {os.getloadavg()[0]:.1f} at the end of the run; CPU time is all threads of "
            "the process, the wall time's share of the machine):",
            "",
            "| measurement | size | wall (s) | CPU (s) | throughput (wall) | peak RSS (MB) | target | met |",
            "|---|---|---|---|---|---|---|---|",
            f"| evaluate_batch, clean cohort (same run as the next row) | {dirty['sheets']:,} sheets | "
            f"{dirty['clean_seconds']:.2f} | {dirty['clean_cpu']:.2f} | {dirty['sheets'] / dirty['clean_seconds']:,.0f} "
            f"sheets/s | | ≥ 2,000,000 sheets/s | {'yes' if dirty['sheets'] / dirty['clean_seconds'] >= 2e6 else 'no'} |",
            f"| evaluate_batch, 1 % dossiers with an invalid cell ({dirty['dirty_dossiers']:,}), "
            f"{dirty['stated_cases']:,} stated cases | {dirty['sheets']:,} sheets | {dirty['dirty_seconds']:.2f} | "
            f"{dirty['dirty_cpu']:.2f} | ×{dirty['ratio']:.2f} the clean time | | ≤ ×1.3 | "
            f"{'yes' if dirty['ratio'] <= 1.3 else 'no'} |",
            f"| evaluate_batch, a province's round ({province['forms']} forms, 3–5 members) | {province['sheets']:,} "
            f"sheets / {province['dossiers']:,} dossiers | {province['seconds']:.2f} | {province['cpu']:.2f} | "
            f"{province['sheets_per_s']:,.0f} sheets/s | | ≥ 1,000,000 sheets/s | "
            f"{'yes' if province['sheets_per_s'] >= 1e6 else 'no'} |",
        ]
        for fmt, target in (("csv", 500_000), ("parquet", 1_000_000)):
            f = files[fmt]
            lines.append(f"| read_table + evaluate_batch from {fmt.upper()} (read {f['read_seconds']:.2f} s; first run in "
                         f"the process {f['walls'][0]:.2f} s) | "
                         f"{f['sheets']:,} sheets | {f['seconds']:.2f} | {f['cpu']:.2f} | {f['sheets_per_s']:,.0f} sheets/s | "
                         f"{f['peak_rss_mb']:,.0f} | ≥ {target:,} sheets/s; < 2,048 MB | "
                         f"{'yes' if f['sheets_per_s'] >= target else 'no'} / {'yes' if f['peak_rss_mb'] < 2048 else 'no'} |")
    table = "\n".join(lines)
    print(table)
    if a.out:
        a.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
