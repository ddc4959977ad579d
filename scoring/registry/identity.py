"""How the registry recognises what it already holds: canonical dossiers and their hashes, name
keys for producers and products, and the hash of the criteria data a result was scored with.

Matching rule (ours; the decisions say nothing about it): a producer is the same producer when its
name key (NFC, case-folded, inner spaces folded, surrounding spaces dropped) and its province are
the same; a product is the same product when its name key is the same for the same producer. A tax
code, when a producer has one, is unique. Nothing else is guessed: "HTX Mật ong" and "Hợp tác xã
Mật ong" are two producers until someone merges them.
"""
from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from ..text import nfc, nfc_deep


def name_key(name: str | None) -> str:
    """The matching key of a producer's or product's name."""
    return " ".join(nfc(name or "").split()).casefold()


def plain_json(value: Any) -> Any:
    """Numbers as JSON means them: 3.0 and 3 are one point value; NaN is no value."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    return value


def canonical_dossier(dossier: Mapping[str, Any]) -> dict[str, Any]:
    """The dossier as stored and hashed: NFC text, integral floats as ints, members' sheets in
    member order (the members are a set: a re-ordered table is the same dossier), score entries
    without a value dropped (an omitted criterion and an empty cell mean the same)."""
    d = plain_json(nfc_deep(dict(dossier)))
    sheets = d.get("sheets")
    if isinstance(sheets, list):
        clean = []
        for sheet in sheets:
            if isinstance(sheet, dict) and isinstance(sheet.get("scores"), dict):
                sheet = {**sheet, "scores": {k: v for k, v in sheet["scores"].items() if v is not None}}
            clean.append(sheet)
        d["sheets"] = sorted(clean, key=lambda s: str(s.get("member", "")) if isinstance(s, dict) else "")
    if isinstance(d.get("scores"), dict):
        d["scores"] = {k: v for k, v in d["scores"].items() if v is not None}
    return d


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(canonical: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical dossier's JSON (sorted keys, no spaces)."""
    return hashlib.sha256(canonical_json(canonical).encode("utf-8")).hexdigest()


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """Where two canonical dossiers differ, as readable paths with both values (first 20)."""
    out: list[str] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if len(out) >= 20:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b), key=str):
                walk(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{where}.{k}" if where else str(k))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                label = x.get("member") if isinstance(x, dict) and x.get("member") == (y or {}).get("member") else i
                walk(x, y, f"{where}[{label}]")
        elif a != b:
            out.append(f"{where}: {json.dumps(a, ensure_ascii=False)} → {json.dumps(b, ensure_ascii=False)}")

    walk(old, new, path)
    return out


@cache
def criteria_hash(set_id: str, form_slug: str, root: str | None = None) -> str:
    """SHA-256 of the criteria data a result was scored with: the set's set.json and the form's file
    (bytes as on disk). `root` is only part of the cache key (an edited pack at OCOP_CRITERIA_DIR)."""
    from .. import criteria as crit

    cs = crit.load_set(set_id)
    form = cs.form(form_slug, warn=False)
    h = hashlib.sha256()
    for path in (Path(cs.source_dir or "") / "set.json", Path(form.source_file or "")):
        h.update(path.read_bytes() if path.is_file() else b"")
        h.update(b"\0")
    return h.hexdigest()
