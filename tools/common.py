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


def mark_no_story(form: dict) -> None:
    """Flag the option that says the product has no story (`"means": "no_story"`).

    Every form with story-only criteria ("Chỉ áp dụng khi có câu chuyện") has, in the same group, a
    criterion whose lowest option reads "Không có câu chuyện…": raising it above that option is what
    creates a story. The text is read here, once, when the form is transcribed; the code reads the
    flag (issue 11: decisions from data flags, not from matching Vietnamese text)."""
    def leaves(nodes):
        for n in nodes:
            if "options" in n:
                yield n
            yield from leaves(n.get("children", []))

    all_leaves = [leaf for part in form.get("parts", []) for leaf in leaves(part.get("children", []))]
    groups = {leaf["number"].rsplit(".", 1)[0] for leaf in all_leaves if leaf.get("applies_when") == "story_exists"}
    for leaf in all_leaves:
        if leaf.get("applies_when") or "." not in leaf["number"] or leaf["number"].rsplit(".", 1)[0] not in groups:
            continue
        low = min(leaf["options"], key=lambda o: o["points"])
        if nfc(low["text"]).strip().lower().startswith("không có câu chuyện"):
            low["means"] = "no_story"
            return
