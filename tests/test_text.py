"""JSON and text reading: NFC whatever the source wrote, depth refused before the parser recurses."""
from __future__ import annotations

import json
import unicodedata

import pytest

from scoring.text import MAX_JSON_DEPTH, JSONInvalid, load_json, parse_json

NFD = unicodedata.normalize("NFD", "Mật ong Hà Giang")
NFC = unicodedata.normalize("NFC", NFD)


@pytest.mark.parametrize("ascii_only", [False, True])  # raw NFD text, or NFD written as \u escapes
def test_load_json_gives_nfc_keys_and_values(tmp_path, ascii_only):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({NFD: [NFD, {"x": NFD}]}, ensure_ascii=ascii_only), encoding="utf-8-sig")
    assert NFD != NFC and load_json(path) == {NFC: [NFC, {"x": NFC}]}


def test_depth_counts_brackets_outside_strings_only():
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(JSONInvalid, match="json-too-deep"):
        parse_json(deep)
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(ok) is not None
    # many brackets inside strings (escaped quotes included) are text, not nesting
    noisy = json.dumps({"a": "[{" * 500 + '\\" [[[', "b": ["]}" * 300]})
    assert parse_json(noisy)["a"].startswith("[{[{")
    with pytest.raises(JSONInvalid, match="json-too-deep"):
        parse_json('{"s": "[[[[", "v": ' + "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5) + "}")
