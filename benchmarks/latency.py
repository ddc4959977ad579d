"""Latency of one dossier (issue 11 item 6): `python3 benchmarks/latency.py [--before DIR] [--runs 15]`.

Two measurements, each in fresh subprocesses so that nothing is warm that a user's first call
would not find warm:

- **`ocop score FIXTURE --brief`**: wall time of the whole command (interpreter start, imports,
  loading criteria, compiling the rules, scoring, the plan to the next star, printing), median of
  `--runs` runs from a neutral folder;
- **`evaluate` one dossier with its trace**: about 500 dossier dicts from `scoring.synth`
  (`generate_cohort(500, seed=7)`, all three criteria sets, 3–9 members), each timed once after a
  warm-up pass over the same dossiers (rules compiled, forms loaded), as a dict and as an already
  parsed `Dossier`; p50 and p99 per call.

With `--before DIR` (a checkout of the code to compare, e.g. `git archive main | tar -x -C DIR`)
every measurement alternates between DIR and this checkout in the same run, so that the ratio is
measured under the same load. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURE = "fixtures/dossiers/qd26-2026-69-67.json"
SCORE_TARGET_S = 0.4
P50_TARGET_MS, P99_TARGET_MS = 2.0, 6.0


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(src))
    env.pop("OCOP_CRITERIA_DIR", None)
    return env


def score_wall(src: Path, fixture: Path, cwd: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one `python3 -m scoring.cli score FIXTURE --brief` with
    `src` first on the path. The CPU time is the child's own: other work on a shared machine inflates
    the wall time much more than it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scoring.cli", "score", str(fixture), "--brief"], cwd=cwd,
                          env=_env(src), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"ocop score failed under {src}: {done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _child_evaluate(n: int, seed: int) -> dict:
    """Runs inside the child: per-call times of evaluate(dict) and evaluate(Dossier)."""
    from scoring.batch import dossier_dicts, to_wide
    from scoring.dossier import parse_dossier
    from scoring.evaluate import evaluate
    from scoring.synth import generate_cohort

    dicts = []
    for d in dossier_dicts(to_wide(generate_cohort(n, seed=seed))):
        try:
            evaluate(d)  # warm-up pass: rules compiled and forms loaded, as in a long-running process
            dicts.append(d)
        except Exception:  # an invalid generated dossier (knock-out findings etc. are valid): left out
            pass
    parsed = [parse_dossier(d) for d in dicts]

    def per_call(items: list) -> tuple[list[float], list[float]]:
        """Wall and CPU milliseconds of each call (the CPU time of this process: on a shared machine
        the slowest wall times are the calls during which the scheduler ran something else)."""
        wall, cpu = [], []
        for item in items:
            c0, t0 = time.process_time(), time.perf_counter()
            result = evaluate(item)
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
            assert result.trace
        return wall, cpu

    (dict_ms, dict_cpu), (parsed_ms, parsed_cpu) = per_call(dicts), per_call(parsed)
    return {"dossiers": len(dicts), "members": sum(len(p.members) for p in parsed), "dict_ms": dict_ms,
            "dict_cpu": dict_cpu, "parsed_ms": parsed_ms, "parsed_cpu": parsed_cpu}


def evaluate_times(src: Path, n: int, seed: int) -> dict:
    # run from a neutral folder: `-c` puts the working directory first on sys.path, which would
    # shadow `src` with this checkout; the helper module is loaded by path for the same reason
    code = (f"import importlib.util, json; spec = importlib.util.spec_from_file_location('latency', {__file__!r}); "
            f"m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            f"import scoring; assert scoring.__file__.startswith({str(src)!r}), scoring.__file__; "
            f"print(json.dumps(m._child_evaluate({n}, {seed})))")
    with tempfile.TemporaryDirectory() as neutral:
        done = subprocess.run([sys.executable, "-c", code], cwd=neutral, env=_env(src), capture_output=True, text=True,
                              check=False)
    if done.returncode != 0:
        raise RuntimeError(f"evaluate benchmark failed under {src}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, help="another checkout to measure alternately (same run)")
    ap.add_argument("--runs", type=int, default=15, help="`ocop score` runs per checkout (median)")
    ap.add_argument("--dossiers", type=int, default=500)
    ap.add_argument("--evaluate-runs", type=int, default=1, help="evaluate child processes per checkout")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    sources = {"this": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    fixture = ROOT / FIXTURE
    walls: dict[str, list[float]] = {k: [] for k in sources}
    cpus: dict[str, list[float]] = {k: [] for k in sources}
    with tempfile.TemporaryDirectory() as neutral:
        for src in sources.values():  # one unmeasured run each: the page cache holds the files for both
            score_wall(src, fixture, neutral)
        for _ in range(args.runs):
            for name, src in sources.items():
                wall, cpu = score_wall(src, fixture, neutral)
                walls[name].append(wall)
                cpus[name].append(cpu)
    kinds = ("dict_ms", "dict_cpu", "parsed_ms", "parsed_cpu")
    evals: dict[str, dict] = {k: {kind: [] for kind in kinds} for k in sources}
    for _ in range(args.evaluate_runs):
        for name, src in sources.items():
            got = evaluate_times(src, args.dossiers, args.seed)
            evals[name]["dossiers"], evals[name]["members"] = got["dossiers"], got["members"]
            for kind in kinds:
                evals[name][kind] += got[kind]
    load = os.getloadavg()
    print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f}, Python {sys.version.split()[0]}, {os.cpu_count()} cores.\n")
    print("| measurement | code | median / p50 | p99 | min … max | target | met |")
    print("|---|---|---|---|---|---|---|")
    for name in sources:
        w = walls[name]
        print(f"| `ocop score {FIXTURE} --brief` wall, {len(w)} runs | {name} | {statistics.median(w):.3f} s | | "
              f"{min(w):.3f} … {max(w):.3f} s | ≤ {SCORE_TARGET_S} s | "
              f"{'yes' if statistics.median(w) <= SCORE_TARGET_S else 'no'} |")
        c = cpus[name]
        print(f"| same, CPU time of the process (user + system) | {name} | {statistics.median(c):.3f} s | | "
              f"{min(c):.3f} … {max(c):.3f} s | | |")
    for kind, label in (("dict_ms", "from a dict"), ("dict_cpu", "from a dict, CPU time"),
                        ("parsed_ms", "from a parsed Dossier"), ("parsed_cpu", "from a parsed Dossier, CPU time")):
        for name in sources:
            e = evals[name]
            values = e[kind]
            p50, p99 = _pct(values, 0.5), _pct(values, 0.99)
            target = f"p50 ≤ {P50_TARGET_MS:g} ms, p99 ≤ {P99_TARGET_MS:g} ms" if kind == "dict_ms" else ""
            met = ("yes" if p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS else "no") if kind == "dict_ms" else ""
            print(f"| `evaluate` {label}, with trace ({e['dossiers']} dossiers, {e['members']} sheets) | {name} | "
                  f"{p50:.2f} ms | {p99:.2f} ms | {min(values):.2f} … {max(values):.2f} ms | {target} | {met} |")


if __name__ == "__main__":
    main()
