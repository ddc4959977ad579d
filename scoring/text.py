"""Vietnamese text handling: Excel writes UTF-8 with a BOM, and sources mix NFC and NFD."""
from __future__ import annotations

import json
import re
import unicodedata
from itertools import accumulate
from pathlib import Path
from typing import Any


def nfc(value: str) -> str:
    return value if value.isascii() else unicodedata.normalize("NFC", value)  # ASCII text is NFC already


def header_key(name: str) -> str:
    """A column header as typed people mean it: NFC, without surrounding or repeated spaces, in
    lower case ("Mã  hồ sơ " and "mã hồ sơ" name one column). Tables and cost tables match their
    Vietnamese aliases on this key."""
    return " ".join(nfc(name).split()).lower()


def nfc_deep(value: Any) -> Any:
    """NFC-normalise every string in a JSON-like structure (keys included)."""
    if type(value) in (int, float, bool) or value is None:  # most values of a dossier: points
        return value
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


MAX_JSON_DEPTH = 200  # a dossier is 5 levels deep; a deeper document is not one of ours


class JSONInvalid(ValueError):
    """JSON we refuse although the json module would read it (a key given twice, too deep)."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONInvalid(f"[json-duplicate-key] khoá {key!r} xuất hiện hai lần trong một đối tượng — giá trị nào "
                              f"đúng? / key {key!r} appears twice in one object: which value is meant?")
        out[key] = value
    return out


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth_ok(text: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH before parsing (the parser would recurse to a
    RecursionError). Brackets inside strings do not count: strings are cut out first, then the
    depth is the running sum over the brackets alone (C-level scans, not a loop per character)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    steps = [1 if b in "[{" else -1 for b in _BRACKET.findall(_JSON_STRING.sub("", text))]
    if max(accumulate(steps), default=0) > MAX_JSON_DEPTH:
        raise JSONInvalid(f"[json-too-deep] JSON lồng quá {MAX_JSON_DEPTH} cấp / JSON nested deeper than "
                          f"{MAX_JSON_DEPTH} levels")


def parse_json(text: str) -> Any:
    """JSON text as data, refusing what would be silently misread: a key given twice in one object
    (json keeps the last), nesting deeper than MAX_JSON_DEPTH. Raises ValueError (JSONInvalid or
    json's own JSONDecodeError)."""
    _depth_ok(text)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except RecursionError:
        raise JSONInvalid("[json-too-deep] JSON lồng quá sâu / JSON nested too deeply") from None


def load_json(path: str | Path) -> Any:
    """A JSON file as NFC data. The text is normalised whole before parsing; only a `\\u` escape can
    still yield a non-NFC string after parsing, so the per-string pass runs only when one is present
    (quotes, commas and brackets never compose with a neighbour, so NFC of the whole text is NFC of
    each string in it)."""
    return _nfc_data(read_text(path), parse_json)


def load_trusted_json(raw: bytes) -> Any:
    """The bytes of a JSON file known to pass `load_json` (a stamped criteria file: its exact bytes
    were read by `load_json` when it was stamped), as the same NFC data, without repeating the depth
    and duplicate-key checks, which cost more than the parse itself on the criteria forms."""
    return _nfc_data(nfc(raw.decode("utf-8-sig")), json.loads)


def _nfc_data(text: str, parse: Any) -> Any:
    data = parse(text)
    return nfc_deep(data) if "\\u" in text else data
