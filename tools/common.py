"""Helpers shared by the build scripts that turn the reference texts into criteria packs.

The scripts run once (and again whenever the reference changes); their output is the committed,
hand-reviewable JSON under criteria/. Keeping them lets a reviewer see how each value was read.
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from text_unidecode import unidecode

ROOT = Path(__file__).resolve().parents[1]


def _reference() -> Path:
    """The reference texts: $OCOP_REFERENCE_DIR, else `shared/reference` beside the clone (CI, the main
    checkout), else one level higher (a git worktree under wt/ beside shared/)."""
    if os.environ.get("OCOP_REFERENCE_DIR"):
        return Path(os.environ["OCOP_REFERENCE_DIR"])
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "reference").is_dir():
            return base / "shared" / "reference"
    return ROOT.parent / "shared" / "reference"


REFERENCE = _reference()
CRITERIA = ROOT / "criteria"

# Vietnamese list letters in order, as printed on QĐ 148 spreadsheets ("a) b) ... đ) e) ...").
VI_LETTERS = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n"]


def nfc(text: str) -> str:
    """NFC-normalise and fold whitespace: the sources mix decomposed diacritics and line breaks."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def slugify(name: str) -> str:
    """ASCII transliteration of a Vietnamese name, lowercase, hyphenated (đ -> d)."""
    ascii_ = unidecode(nfc(name).replace("đ", "d").replace("Đ", "D")).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")


def write_json(path: Path, data: object) -> None:
    """Write indented UTF-8 JSON, keeping diacritics readable (ensure_ascii=False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path.write_text(unicodedata.normalize("NFC", text), encoding="utf-8")
