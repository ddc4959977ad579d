"""Vietnamese text handling: Excel writes UTF-8 with a BOM, and sources mix NFC and NFD."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def header_key(name: str) -> str:
    """A column header as typed people mean it: NFC, without surrounding or repeated spaces, in
    lower case ("Mã  hồ sơ " and "mã hồ sơ" name one column). Tables and cost tables match their
    Vietnamese aliases on this key."""
    return " ".join(nfc(name).split()).lower()


def nfc_deep(value: Any) -> Any:
    """NFC-normalise every string in a JSON-like structure (keys included)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k) if isinstance(k, str) else k: nfc_deep(v) for k, v in value.items()}
    return value


def read_text(path: str | Path) -> str:
    """Read UTF-8 text, accepting a BOM, normalised to NFC."""
    return nfc(Path(path).read_text(encoding="utf-8-sig"))


def load_json(path: str | Path) -> Any:
    return nfc_deep(json.loads(read_text(path)))
