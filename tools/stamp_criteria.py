"""Record the schema stamps of the shipped criteria files (criteria/schema-stamps.txt).

Run after editing anything under criteria/ (the test suite fails while a stamp is missing):
    python tools/stamp_criteria.py
Only files that pass their JSON Schema now are stamped; see scoring/criteria/stamps.py for why.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.criteria.stamps import STAMP_FILE, stamp  # noqa: E402
from scoring.schemas import schema_issues  # noqa: E402
from scoring.text import load_json  # noqa: E402


def main() -> int:
    criteria = ROOT / "criteria"
    lines, refused = [], []
    for path in sorted(criteria.glob("*/set.json")) + sorted(criteria.glob("*/forms/*.json")):
        kind = "set" if path.name == "set.json" else "form"
        if schema_issues(load_json(path), kind, str(path)):
            refused.append(path)
            continue
        lines.append(f"{stamp(kind, path.read_bytes())}  {path.relative_to(criteria).as_posix()}")
    header = "# SHA-256 of (schema bytes, NUL, file bytes) of files that pass their JSON Schema.\n" \
             "# Written by tools/stamp_criteria.py; a file not listed (or edited since) is validated in full.\n"
    (criteria / STAMP_FILE).write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    for path in refused:
        print(f"not stamped (schema errors): {path}", file=sys.stderr)
    print(f"{len(lines)} files stamped, {len(refused)} refused")
    return 1 if refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
