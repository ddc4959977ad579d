"""The compiled schema check (scoring.schemas) against jsonschema, the independent oracle.

The compiled check lets a valid document through without importing or running jsonschema, so it
must never accept what jsonschema refuses, and it should accept what jsonschema accepts (else the
speed-up is lost, not correctness). Documents: every bundled criteria file, rule file and dossier
fixture, and Hypothesis mutations of them (values of every JSON type, including the ones where
Python and JSON Schema disagree: True vs 1, 3.0 vs 3, a trailing newline against `$`).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from scoring import schemas
from scoring.resources import criteria_dir, rules_dir

from conftest import examples

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILES = sorted((criteria_dir() / "schema").glob("*.schema.json")) + [rules_dir() / "schema" / "rules.schema.json"]


def _documents() -> list[tuple[Path, object]]:
    """(schema file, document) for every bundled document of each kind."""
    out = []
    schema = {name: criteria_dir() / "schema" / f"{name}.schema.json" for name in ("dossier", "form", "set")}
    for path in sorted((ROOT / "fixtures" / "dossiers").glob("*.json")):
        out.append((schema["dossier"], json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted(criteria_dir().glob("*/set.json")):
        out.append((schema["set"], json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted(criteria_dir().glob("*/forms/*.json"))[::5]:
        out.append((schema["form"], json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted(rules_dir().glob("*.json")):
        out.append((rules_dir() / "schema" / "rules.schema.json", json.loads(path.read_text(encoding="utf-8"))))
    return out


DOCS = _documents()


def _oracle(path: Path, doc: object) -> bool:
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8"))).is_valid(doc)


def _verdict(path: Path, doc: object) -> bool | None:
    """The compiled check's answer, None where it hands the document to jsonschema."""
    try:
        return schemas._check_for(path)(doc)
    except schemas._Unsure:
        return None


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_bundled_schema_compiles(path):
    assert callable(schemas.compile_check(json.loads(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("schema", [
    {"patternProperties": {"^x": {"type": "string"}}},
    {"if": {"type": "string"}, "then": {"minLength": 2}},
    {"properties": {"a": {"multipleOf": 2}}},
    {"$ref": "https://example.org/other.schema.json"},
    {"$ref": "#/$defs/missing"},
])
def test_a_keyword_it_does_not_implement_is_refused_when_compiling(schema):
    with pytest.raises(schemas.SchemaUnsupported):
        schemas.compile_check(schema)


def test_every_bundled_document_is_accepted_as_jsonschema_accepts_it():
    assert DOCS and all(_oracle(p, d) for p, d in DOCS)  # the bundled data is valid
    assert [_verdict(p, d) for p, d in DOCS] == [True] * len(DOCS)


EDGE_VALUES = [None, True, False, 0, 1, -1, 3, 3.0, 2.5, float("nan"), 101, "", "x", "1.1", "1.a", "12.Đ",
               "2026-01-01", "2026-01-01\n", "qd26-2026", "QD26-2026", "a-b", "a--b", [], ["a"], ["a", "a"], [1, True],
               {}, {"1.1": 3}, {"member": "M1", "scores": {}}]


@st.composite
def _mutation(draw):
    path, doc = draw(st.sampled_from(DOCS))
    doc = json.loads(json.dumps(doc))  # a private copy
    for _ in range(draw(st.integers(1, 3))):
        node, steps = doc, draw(st.integers(0, 6))
        for _ in range(steps):  # walk down a random branch
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
                if not isinstance(node[key], (dict, list)):
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                child = node[draw(st.integers(0, len(node) - 1))]
                if not isinstance(child, (dict, list)):
                    break
                node = child
        value = copy.deepcopy(draw(st.sampled_from(EDGE_VALUES)))  # the list itself must stay as it is
        if isinstance(node, dict):
            action = draw(st.sampled_from(["set", "delete", "add"]))
            if action == "add" or not node:
                node[draw(st.sampled_from(["zz", "1.1", "1.a", "scores", "sheets", "member", "stars", "x y"]))] = value
            elif action == "set":
                node[draw(st.sampled_from(sorted(node)))] = value
            else:
                del node[draw(st.sampled_from(sorted(node)))]
        elif isinstance(node, list):
            if node and draw(st.booleans()):
                node[draw(st.integers(0, len(node) - 1))] = value
            else:
                node.append(value if draw(st.booleans()) or not node else node[0])
    return path, doc


@settings(max_examples=examples(400))
@given(_mutation())
def test_the_compiled_check_agrees_with_jsonschema_on_mutated_documents(case):
    path, doc = case
    verdict = _verdict(path, doc)
    if verdict is not None:
        assert verdict == _oracle(path, doc)
    # and the public entry point gives jsonschema's verdict either way
    assert (schemas.file_schema_errors(doc, path) == []) == _oracle(path, doc)


def test_the_checks_that_json_and_python_read_differently(tmp_path):
    """Each row is a case where a naive Python check would disagree with JSON Schema."""
    check = schemas.compile_check
    assert check({"type": "integer"})(3.0) is True          # 3.0 is an integer in JSON Schema
    assert check({"type": "integer"})(True) is False        # a boolean is not
    assert check({"type": "number", "minimum": 0})(True) is False
    assert check({"minimum": 0})(True) is True               # minimum ignores non-numbers
    assert check({"enum": [3, 4, 5]})(True) is False and check({"enum": [1]})(True) is False
    assert check({"enum": [3, 4, 5]})(4.0) is True
    assert check({"pattern": "^[0-9]+$"})("12\n") is True   # re.search and `$`, as jsonschema
    assert check({"pattern": "[0-9]"})("a1b") is True        # not anchored
    assert check({"items": {"type": "string"}, "prefixItems": [{"type": "integer"}]})([1, "a"]) is True
    assert check({"items": False, "prefixItems": [{}]})([1, 2]) is False
    assert check({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})({"a": 1, "b": 2}) is False
    assert check({"not": {"required": ["a"]}})({"a": 1}) is False
    assert check({"propertyNames": {"pattern": "^x"}})({"xa": 1, "ya": 2}) is False
    with pytest.raises(schemas._Unsure):  # a mixed array: left to jsonschema
        check({"uniqueItems": True})([1, True])
    path = tmp_path / "unique.schema.json"
    path.write_text(json.dumps({"uniqueItems": True}), encoding="utf-8")
    assert schemas.file_schema_errors([1, True], path) == []  # jsonschema: True is not 1
    assert len(schemas.file_schema_errors(["a", "a"], path)) == 1
