"""Reproducible benchmarks: `python benchmarks/run.py [--quick] [--out benchmarks/results.md]`.

Measures, in one run on this machine: evaluate_batch on 10^4, 10^5 and 10^6 member-sheets from an
in-memory frame (sheets/s and peak memory, each size in a fresh subprocess so peaks don't mix), the
rule-engine path on 10^3 (and 10^4 unless --quick) dossiers, their ratio, upgrade_plan's median time
per product at targets 4★ and 5★ on complete forms, and the cohort `plan` over the Results of 1,000
(and 10^4 unless --quick) dossiers. `--whatif-only` runs the last two alone. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


REPEATS = 5  # timed runs per measurement; the median is reported (this VM's timings vary by ±15-30 %)


def _cpu_model() -> str:
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
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(arg), str(seed)], capture_output=True,
                         text=True, check=True)
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
        fn = {"batch": _batch, "engine": _engine, "upgrade": _upgrade, "cohort": _cohort}[kind]
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
    lines = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {_cpu_model()}, "
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
    table = "\n".join(lines)
    print(table)
    if a.out:
        a.out.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
