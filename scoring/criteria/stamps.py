"""Schema stamps: content hashes of criteria files known to pass their JSON Schema.

Loading a criteria set for scoring validates every file; the JSON Schema pass is most of that
time (about 1.3 s for the 78 shipped forms, paid by every `ocop` command). A stamp is the SHA-256
of the schema's bytes and the file's bytes, recorded by `tools/stamp_criteria.py` after a full
validation. A file whose stamp is known skips only the schema pass (the semantic checks always
run); any edited byte, in the file or in the schema, changes the stamp, so an edited pack is always
validated in full. `ocop criteria validate` never uses stamps.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from ..resources import data_dir, schema_path

STAMP_FILE = "schema-stamps.txt"


@cache
def _schema_bytes(kind: str) -> bytes:
    return schema_path(kind).read_bytes()


def stamp(kind: str, content: bytes) -> str:
    """The stamp of a file's bytes under the bundled schema `kind` ("set" or "form")."""
    return hashlib.sha256(_schema_bytes(kind) + b"\0" + content).hexdigest()


def stamp_path() -> Path:
    return data_dir("criteria") / STAMP_FILE


@cache
def known_stamps() -> frozenset[str]:
    """Stamps shipped with the package (always the bundled list, like the schemas)."""
    path = stamp_path()
    if not path.exists():
        return frozenset()
    return frozenset(line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))
