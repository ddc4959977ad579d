"""Council sheets: time writing, filling and reading the member workbooks of every complete form,
and writing one member's PDF. Run from the repository root: `python3 benchmarks/council.py`.
Results go to benchmarks/README.md (section "Council sheets"); the machine's load matters."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests")]

from council_helpers import MEMBERS, complete_forms, fill_workbook, synthetic_dossier  # noqa: E402

from scoring.council import make_sheets, read_sheets  # noqa: E402


def main() -> None:
    forms = complete_forms()
    originals = {d["dossier_id"]: d for d in (synthetic_dossier(cs, f, seed=i) for i, (cs, f) in enumerate(forms))}
    identities = [{k: v for k, v in d.items() if k != "sheets"} for d in originals.values()]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        written = make_sheets(identities, MEMBERS, Path(tmp) / "s", pdf=False)
        t1 = time.perf_counter()
        for p in written:
            fill_workbook(p, lambda did, m: next(s["scores"] for s in originals[did]["sheets"] if s["member"] == m))
        t2 = time.perf_counter()
        outcome = read_sheets([Path(tmp) / "s"])
        t3 = time.perf_counter()
        assert not outcome.problems and len(outcome.dossiers) == len(forms)
        make_sheets(identities[:5], MEMBERS[:1], Path(tmp) / "p", pdf=True)
        t4 = time.perf_counter()
        make_sheets(identities[:5], MEMBERS[:1], Path(tmp) / "q", pdf=False)
        t5 = time.perf_counter()
    sheets = len(forms) * len(MEMBERS)
    print(f"forms {len(forms)}, members {len(MEMBERS)}, sheets {sheets}")
    print(f"write xlsx: {t1 - t0:.1f} s ({(t1 - t0) / sheets * 1000:.0f} ms/sheet)")
    print(f"fill (openpyxl load+save, the test's member): {t2 - t1:.1f} s")
    print(f"read + check + kernel validation: {t3 - t2:.1f} s ({(t3 - t2) / sheets * 1000:.0f} ms/sheet)")
    print(f"PDF: {((t4 - t3) - (t5 - t4)) / 5:.2f} s per dossier page set")


if __name__ == "__main__":
    main()
