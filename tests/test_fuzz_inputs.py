"""Fuzzing the readers: random bytes, mangled CSV and XLSX must end in exit 0 or 2 — never 1 (our
bug), never a traceback. Deterministic (seeded generators, Hypothesis in the derandomized "ci"
profile) and bounded (a few dozen files of at most a few kilobytes)."""
from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.cli import cli

from conftest import examples

ROOT = Path(__file__).resolve().parents[1]
COHORT_LINES = (ROOT / "fixtures" / "cohort" / "cohort.csv").read_text(encoding="utf-8-sig").splitlines()[:12]
CELLS = ["", " ", "3", "3,0", "３", "-1", "1e309", "nan", "TRUE", "=1+1", "@x", "\x1b[2J", "\x00", '"', "'", ";",
         "\t", "2026-13-45", "31/02/2026", "20.000.000", "x" * 300, "qd26-2026", "rau-cu-qua-hat-tuoi", "tỉnh",
         "TV1", "1.1", "dossier_id", "Mã hồ sơ", "\ufeff", "\r", "\n"]


def _check(tmp: Path, name: str, data: bytes, extra: list[str] | None = None) -> None:
    path = tmp / name
    path.write_bytes(data)
    out = tmp / "out.csv"
    run = CliRunner().invoke(cli, ["batch", str(path), "-o", str(out), "--force", "--no-progress", *(extra or [])])
    assert run.exit_code in (0, 2), (name, data[:200], run.output[-2000:], repr(run.exception))
    assert "Traceback" not in run.output and "internal error" not in run.output, run.output[-2000:]


def _mangled_csv(rng: random.Random) -> bytes:
    lines = list(COHORT_LINES)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        op = rng.randrange(5)
        if op == 0:
            cells[rng.randrange(len(cells))] = rng.choice(CELLS)
        elif op == 1:
            del cells[rng.randrange(len(cells))]
        elif op == 2:
            cells.insert(rng.randrange(len(cells)), rng.choice(CELLS))
        elif op == 3:
            lines.insert(rng.randrange(len(lines)), rng.choice([";", ",,,", '"', "a\tb\tc", ""]))
            continue
        else:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            continue
        lines[i] = rng.choice([",", ";"]).join(cells)
    text = "\n".join(lines)
    return text.encode(rng.choice(["utf-8", "utf-8-sig"]))


XLSX_CELLS = [c for c in CELLS if not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in c)]


def _mangled_xlsx(rng: random.Random) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in COHORT_LINES:
        ws.append([rng.choice(XLSX_CELLS) if rng.random() < 0.05 else (float(v) if v.replace(".", "", 1).isdigit() else v or None)
                   for v in line.split(",")])
    for _ in range(rng.randint(0, 3)):
        r, c = rng.randint(1, 30), rng.randint(1, 80)
        op = rng.randrange(4)
        if op == 0:
            ws.cell(r, c).value = True
        elif op == 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + rng.randint(0, 3), end_column=c + rng.randint(0, 2))
        elif op == 2:
            ws.cell(r, c).value = "=A1+1"
        else:
            wb.create_sheet(f"S{r}").append([rng.choice(XLSX_CELLS) for _ in range(5)])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if rng.random() < 0.3:  # a damaged zip
        cut = rng.randrange(len(data))
        data = data[:cut] + bytes(rng.randrange(256) for _ in range(rng.randint(0, 20))) + data[cut + 20:]
    return data


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_csv(tmp_path, seed):
    _check(tmp_path, "in.csv", _mangled_csv(random.Random(seed)))


@pytest.mark.parametrize("seed", range(10))
def test_fuzz_xlsx(tmp_path, seed):
    _check(tmp_path, "in.xlsx", _mangled_xlsx(random.Random(seed)))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl", ".parquet"])
@settings(max_examples=examples(15))
@given(data=st.binary(max_size=2048))
def test_fuzz_random_bytes(tmp_path_factory, suffix, data):
    _check(tmp_path_factory.mktemp("fuzz"), f"in{suffix}", data)


def test_fuzz_xlsx_zip_with_junk_members(tmp_path):
    """A zip that is no workbook, and a workbook whose sheet XML is not XML."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    _check(tmp_path, "a.xlsx", buf.getvalue())
    good = io.BytesIO()
    openpyxl.Workbook().save(good)
    src = zipfile.ZipFile(io.BytesIO(good.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            body = src.read(item.filename)
            zf.writestr(item, b"<worksheet><sheetData><row r='1'><c r='A1'" if "sheet1" in item.filename else body)
    _check(tmp_path, "b.xlsx", out.getvalue())


@settings(max_examples=examples(25))
@given(doc=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                        max_leaves=30))
def test_fuzz_score_json(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("fuzz") / "d.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    run = CliRunner().invoke(cli, ["score", str(path)])
    assert run.exit_code in (0, 2), (doc, run.output[-2000:], repr(run.exception))
    assert "Traceback" not in run.output
