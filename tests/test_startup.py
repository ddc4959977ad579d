"""What one command or one dossier costs to start (issue 11 item 6): only the modules a command
needs are imported, only the criteria it uses are read, and the caches are per criteria root.

The timings themselves are in benchmarks/latency.py; these tests pin the behaviour behind them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scoring import criteria as crit
from scoring.errors import CriteriaInvalid
from scoring.evaluate import evaluate
from scoring.resources import criteria_dir

from conftest import criteria_root

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "dossiers" / "qd26-2026-69-67.json"
# what `ocop score` must never pay for: the batch's table libraries, the registry, documents, the web
# stack, and jsonschema (imported only to word the errors of an invalid file)
NOT_FOR_SCORE = ("pandas", "pyarrow", "openpyxl", "sqlalchemy", "alembic", "psycopg", "docx", "fpdf", "matplotlib",
                 "yaml", "fastapi", "starlette", "uvicorn", "jinja2", "argon2", "tqdm", "jsonschema")


def _imported_by(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `python3 -X importtime -m scoring.cli ARGS`; the top-level packages it imported."""
    env = dict(os.environ)
    env.pop("OCOP_CRITERIA_DIR", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scoring.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    modules = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    return done, modules


def test_ocop_score_imports_only_what_scoring_needs(tmp_path):
    done, modules = _imported_by(["score", str(FIXTURE), "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["criteria_set"] == "qd26-2026"  # it did score
    assert {"scoring", "durable", "click", "rich"} <= modules  # the listing is read right
    assert sorted(modules & set(NOT_FOR_SCORE)) == []


def test_an_invalid_dossier_still_gets_the_schema_messages(tmp_path):
    """The compiled check rejects, jsonschema words the problem (imported on this path only)."""
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["level"] = "village"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    done, modules = _imported_by(["score", str(path)], tmp_path)
    assert done.returncode == 2
    assert "level" in done.stderr and "village" in done.stderr and "jsonschema" in modules


@pytest.fixture()
def copy_root(tmp_path) -> Path:
    """A private copy of the criteria root: its own cache entries, files free to edit."""
    root = tmp_path / "criteria"
    shutil.copytree(criteria_dir(), root)
    return root


def test_scoring_a_dossier_reads_the_forms_of_its_own_set_only(copy_root):
    with criteria_root(copy_root):
        sets = crit.load_all()
        assert sorted(sets) == ["qd1048-2019", "qd148-2023", "qd26-2026"]
        assert not any(cs.forms.read for cs in sets.values())  # choosing a set needs set.json only
        result = evaluate(FIXTURE)
        assert result.criteria_set == "qd26-2026" and result.stars >= 1
        assert {sid: cs.forms.read for sid, cs in crit.load_all().items()} == {
            "qd1048-2019": False, "qd148-2023": False, "qd26-2026": True}
        assert crit.load_all()["qd26-2026"].source_dir == str(copy_root / "qd26-2026")


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def test_a_broken_form_of_a_copy_is_refused_when_its_forms_are_first_used(copy_root):
    forms = sorted((copy_root / "qd26-2026" / "forms").glob("*.json"))
    _edit(forms[0], lambda d: d.update(name_en=7))  # schema: a number where text is needed
    _edit(forms[1], lambda d: d["parts"][0].update(max=d["parts"][0]["max"] + 1))  # semantic: parts' sum
    with criteria_root(copy_root):
        cs = crit.load_set("qd26-2026")  # set.json is fine: the set loads
        for _ in range(2):  # and every use of its forms refuses it, with both problems at once
            with pytest.raises(CriteriaInvalid) as exc:
                cs.form("rau-cu-qua-hat-tuoi")
            assert forms[0].name in str(exc.value) and forms[1].name in str(exc.value)
    with pytest.raises(CriteriaInvalid):  # loaded explicitly, a copy is checked completely at once
        crit.load_set_from(copy_root / "qd26-2026")


def test_a_broken_set_json_of_a_copy_is_refused_when_the_set_is_loaded(copy_root):
    _edit(copy_root / "qd26-2026" / "set.json", lambda d: d.update(total_max=d["total_max"] + 1))
    with criteria_root(copy_root):
        with pytest.raises(CriteriaInvalid) as exc:
            crit.load_set("qd26-2026")
        assert "total_max" in str(exc.value)


def test_printed_numbers_are_those_of_the_criteria_root_in_use(copy_root):
    shipped = crit.printed_numbers()
    key, pairs = next(iter(shipped.items()))
    set_id, number = pairs[0]
    # in the copy, that criterion's printed number becomes another text: the copy's table must say so
    for path in (copy_root / set_id / "forms").glob("*.json"):
        text = path.read_text(encoding="utf-8")

        def reprint(doc):
            def walk(nodes):
                for n in nodes:
                    if n["number"] == number and n.get("printed"):
                        n["printed"] = "99.z"
                    walk(n.get("children", []))
            for part in doc["parts"]:
                walk(part["children"])
        if f'"{number}"' in text:
            _edit(path, reprint)
    with criteria_root(copy_root):
        copied = crit.printed_numbers()
    assert (set_id, number) in copied["99.z"]
    assert crit.printed_numbers() == shipped  # the bundled root's table is unchanged


def test_a_stamped_criteria_file_reads_as_load_json_reads_it():
    """Stamped files skip load_json's depth and duplicate-key checks (they passed them when stamped),
    not its NFC normalisation: the data must be the same, file for file."""
    from scoring.criteria.stamps import known_stamps, stamp
    from scoring.text import load_json, load_trusted_json

    files = sorted(criteria_dir().glob("*/set.json")) + sorted(criteria_dir().glob("*/forms/*.json"))
    for path in files:
        raw = path.read_bytes()
        assert stamp("set" if path.name == "set.json" else "form", raw) in known_stamps()
        assert load_trusted_json(raw) == load_json(path), path
