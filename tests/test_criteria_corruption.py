"""Corrupted copies of a real form fail validation with a precise message (file, location, what)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring import criteria
from scoring.cli import cli
from scoring.resources import criteria_dir

from conftest import examples

SET = "qd26-2026"
SLUG = "rau-cu-qua-hat-tuoi"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("copy")
    shutil.copytree(criteria_dir() / SET, root / SET)
    return root / SET


def _form_path(folder: Path) -> Path:
    return next((folder / "forms").glob(f"*-{SLUG}.json"))


def _leaves(doc):
    def walk(nodes):
        for n in nodes:
            if "children" in n:
                yield from walk(n["children"])
            else:
                yield n
    return [leaf for part in doc["parts"] for leaf in walk(part["children"])]


def _corrupt(doc, kind, pick):
    leaves = _leaves(doc)
    leaf = leaves[pick % len(leaves)]
    if kind == "wrong-type":
        leaf["options"][0]["points"] = "ba"
        return "points", "is not of type"
    if kind == "missing-field":
        del leaf["gloss"]
        return "", "'gloss' is a required property"
    if kind == "duplicate-number":
        other = leaves[(pick + 1) % len(leaves)]
        other["number"] = leaf["number"]
        return "number", "appears 2 times"
    if kind == "broken-sum":
        leaf["max"] += 1
        return "max", "must equal its best option"
    if kind == "dangling-knockout":
        leaf.setdefault("knockouts", []).append({"id": "khong-ton-tai"})
        return "knockouts", "not in the set's knock-out catalogue"
    if kind == "dangling-star-mark":
        leaf["options"][0]["stars"] = 6
        return "stars", ""
    raise AssertionError(kind)


KINDS = ["wrong-type", "missing-field", "duplicate-number", "broken-sum", "dangling-knockout", "dangling-star-mark"]


@settings(max_examples=examples(30))
@given(kind=st.sampled_from(KINDS), pick=st.integers(0, 200))
def test_corrupted_copy_fails_with_the_right_message(pristine, tmp_path_factory, kind, pick):
    folder = tmp_path_factory.mktemp("bad") / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    doc = json.loads(path.read_text(encoding="utf-8"))
    location_part, fragment = _corrupt(doc, kind, pick)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    issues = criteria.validate_path(folder)
    assert issues, kind
    mine = [i for i in issues if i.file == str(path)]
    assert mine, [str(i) for i in issues]
    assert any(fragment in i.message and location_part in (i.location or "") for i in mine), [str(i) for i in mine]


def test_broken_part_sum_and_dangling_classification(pristine, tmp_path):
    folder = tmp_path / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["parts"][0]["max"] = 41
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    meta = json.loads((folder / "set.json").read_text(encoding="utf-8"))
    meta["classification"][0]["form"] = "khong-co-bieu-mau"
    (folder / "set.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    messages = [str(i) for i in criteria.validate_path(folder)]
    assert any("parts[0].max" in m and "Part A max" in m for m in messages)
    assert any("classification[0].form" in m for m in messages)


def test_cli_validate_passes_shipped_and_exits_2_on_a_corrupted_copy(pristine, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["criteria", "validate"])
    assert ok.exit_code == 0 and "valid" in ok.output
    folder = tmp_path / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    doc = json.loads(path.read_text(encoding="utf-8"))
    _leaves(doc)[3]["max"] = 99
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bad = runner.invoke(cli, ["criteria", "validate", str(folder)])
    assert bad.exit_code == 2
    assert path.name in bad.output and "max" in bad.output


def test_invalid_json_and_bom_are_handled(pristine, tmp_path):
    folder = tmp_path / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    text = path.read_text(encoding="utf-8")
    path.write_text("\ufeff" + text, encoding="utf-8")  # Excel-style BOM is accepted
    assert criteria.validate_path(folder) == []
    path.write_text(text[:-20], encoding="utf-8")
    issues = criteria.validate_path(folder)
    assert any("not valid JSON" in i.message and i.file == str(path) for i in issues)


def test_every_shipped_file_carries_a_current_schema_stamp():
    from scoring.criteria.stamps import known_stamps, stamp

    root = criteria_dir()
    files = sorted(root.glob("*/set.json")) + sorted(root.glob("*/forms/*.json"))
    assert len(files) == 3 + 78
    stale = [str(p) for p in files
             if stamp("set" if p.name == "set.json" else "form", p.read_bytes()) not in known_stamps()]
    assert stale == [], "run `python tools/stamp_criteria.py` after editing criteria/"


def test_a_stamped_copy_skips_only_the_schema_pass(pristine, monkeypatch):
    from scoring.criteria import loader

    calls = []
    real = loader.schema_issues
    monkeypatch.setattr(loader, "schema_issues", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    cs = criteria.load_set_from(pristine)
    assert len(cs.forms) == 26 and calls == []  # identical bytes: stamped
    assert criteria.validate_path(pristine) == [] and calls.count("form") == 26  # validate never trusts stamps


def test_an_edited_file_loses_its_stamp_and_is_validated_in_full(tmp_path):
    folder = tmp_path / SET
    shutil.copytree(criteria_dir() / SET, folder)
    path = _form_path(folder)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["unexpected_field"] = 1  # only the schema forbids this
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    from scoring.errors import CriteriaInvalid

    with pytest.raises(CriteriaInvalid) as exc:
        criteria.load_set_from(folder)
    assert "unexpected_field" in str(exc.value) and path.name in str(exc.value)


# --------------------------------------------------------------------------------------------------
# Precision: a form that fails the schema still gets its semantic checks, and nothing else is blamed
# --------------------------------------------------------------------------------------------------
def _leaf_paths(doc) -> list[tuple[str, dict, str]]:
    """(JSON path, leaf, parent path) of every leaf, in the path syntax the validator reports."""
    out = []

    def walk(nodes, path):
        for i, n in enumerate(nodes):
            here = f"{path}[{i}]"
            if "children" in n:
                walk(n["children"], here + ".children")
            else:
                out.append((here, n, path))
    for pi, part in enumerate(doc["parts"]):
        walk(part["children"], f"parts[{pi}].children")
    return out


def _apply(kind: str, leaf: dict, path: str, sibling: tuple[str, dict] | None) -> list[tuple[str, str]]:
    """Corrupt `leaf` one way; the (location, message fragment) of every problem this must cause."""
    if kind == "wrong-type-points":  # schema
        leaf["options"][0]["points"] = "ba"
        return [(f"{path}.options[0].points", "is not of type 'integer'")]
    if kind == "wrong-type-max":  # schema; the sums that depend on it cannot be checked, and are not
        leaf["max"] = str(leaf["max"])
        return [(f"{path}.max", "is not of type 'integer'")]
    if kind == "missing-gloss":  # schema
        del leaf["gloss"]
        return [(path, "'gloss' is a required property")]
    if kind == "dangling-star-mark":  # schema (the semantic check at the same place adds nothing)
        leaf["options"][0]["stars"] = 6
        return [(f"{path}.options[0].stars", "is not one of [3, 4, 5]")]
    if kind == "broken-sum":  # semantic: best option raised above the leaf's max
        best = max(leaf["options"], key=lambda o: o["points"])
        best["points"] += 1
        return [(f"{path}.max", "max must equal its best option")]
    if kind == "dangling-knockout":  # semantic
        leaf.setdefault("knockouts", []).append({"id": "khong-ton-tai"})
        return [(f"{path}.knockouts[{len(leaf['knockouts']) - 1}].id", "not in the set's knock-out catalogue")]
    if kind == "duplicate-number":  # semantic: both occurrences are named
        other_path, other = sibling
        leaf["number"] = other["number"]
        return [(f"{path}.number", "appears 2 times"), (f"{other_path}.number", "appears 2 times")]
    raise AssertionError(kind)


PRECISE_KINDS = ["wrong-type-points", "wrong-type-max", "missing-gloss", "dangling-star-mark", "broken-sum",
                 "dangling-knockout", "duplicate-number"]


def _corrupt_many(doc, kinds, pick) -> list[tuple[str, str]]:
    leaves = _leaf_paths(doc)
    referenced = {a.get("criterion") for a in doc["provenance"].get("anomalies", [])}
    used: set[str] = set()
    expected = []
    for k, kind in enumerate(kinds):
        for step in range(len(leaves)):
            path, leaf, parent = leaves[(pick + 11 * k + step) % len(leaves)]
            if path in used:
                continue
            sibling = None
            if kind == "duplicate-number":
                # a free sibling leaf under the same heading, neither named by an anomaly (renaming one
                # would then be a second, real problem this test does not count)
                sibs = [(p, n) for p, n, par in leaves if par == parent and p != path and p not in used]
                if not sibs or leaf["number"] in referenced or sibs[0][1]["number"] in referenced:
                    continue
                sibling = sibs[0]
                used.add(sibling[0])
            used.add(path)
            expected += _apply(kind, leaf, path, sibling)
            break
        else:
            raise AssertionError(f"no leaf left for {kind}")
    return expected


def _assert_exactly(issues, path: Path, expected: list[tuple[str, str]]) -> None:
    got = [(i.file, i.location, i.message) for i in issues]
    assert all(f == str(path) for f, _, _ in got), got  # nothing blamed on set.json or another form
    remaining = list(expected)
    for _, location, message in got:
        match = next((e for e in remaining if e[0] == location and e[1] in message), None)
        assert match is not None, f"unexpected problem at {location}: {message}\nexpected {remaining}"
        remaining.remove(match)
    assert remaining == [], f"not reported: {remaining}"


@settings(max_examples=examples(15))
@given(kinds=st.lists(st.sampled_from(PRECISE_KINDS), min_size=1, max_size=4, unique=True), pick=st.integers(0, 200))
@example(kinds=["wrong-type-points", "duplicate-number"], pick=0)  # the audit's case: schema + semantic in one file
@example(kinds=["missing-gloss", "broken-sum", "dangling-knockout"], pick=5)
@example(kinds=["wrong-type-max", "dangling-star-mark"], pick=17)
def test_exactly_the_real_problems_are_reported(pristine, tmp_path_factory, kinds, pick):
    folder = tmp_path_factory.mktemp("precise") / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    doc = json.loads(path.read_text(encoding="utf-8"))
    expected = _corrupt_many(doc, kinds, pick)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _assert_exactly(criteria.validate_path(folder), path, expected)
    _assert_exactly(criteria.validate_path(path), path, expected)  # one file validated on its own: the same


def test_an_unreadable_or_misnamed_form_is_not_also_blamed_on_set_json(pristine, tmp_path):
    folder = tmp_path / SET
    shutil.copytree(pristine, folder)
    path = _form_path(folder)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:-20], encoding="utf-8")
    issues = criteria.validate_path(folder)
    assert [(i.file, i.message.split(" ")[0]) for i in issues] == [(str(path), "[json-invalid]")]
    doc = json.loads(text)
    doc["slug"] = "Rau-củ"  # an invalid slug: the schema says so; the classification still finds the form
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    issues = criteria.validate_path(folder)
    assert [(i.file, i.location) for i in issues] == [(str(path), "slug")], [str(i) for i in issues]
