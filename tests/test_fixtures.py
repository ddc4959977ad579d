"""The bundled fixtures are what tools/make_fixtures.py makes, and they make sense (issue 12, item 9):
products filed under forms of their own kind, dates inside the span each set and form can be scored
in, nothing after the data's own "today", every fixture scores without a rejection."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from scoring import criteria
from scoring.batch import evaluate_batch, read_table
from scoring.synth import LAST_DAY, products_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """The fixtures as the script makes them today, in a folder of their own."""
    out = tmp_path_factory.mktemp("made")
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "make_fixtures.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def test_the_script_reproduces_the_dossiers_and_the_cohort_byte_for_byte(made):
    shipped = sorted(p.name for p in (FIXTURES / "dossiers").glob("*.json"))
    assert sorted(p.name for p in (made / "dossiers").glob("*.json")) == shipped
    for name in shipped:
        assert (made / "dossiers" / name).read_bytes() == (FIXTURES / "dossiers" / name).read_bytes(), name
    assert (made / "cohort" / "cohort.csv").read_bytes() == (FIXTURES / "cohort" / "cohort.csv").read_bytes()


def _cells(path: Path) -> tuple:
    """What a reader of the workbook sees (an XLSX also stores its save time, so bytes differ)."""
    wb = openpyxl.load_workbook(path)
    return tuple((ws.title, tuple(sorted(str(r) for r in ws.merged_cells.ranges)),
                  tuple((c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row
                        if c.value is not None))
                 for ws in wb.worksheets)


def test_the_script_reproduces_the_secretary_workbook_cell_for_cell(made):
    assert _cells(made / "cohort" / "hoi-dong-tinh-2026.xlsx") == _cells(FIXTURES / "cohort" / "hoi-dong-tinh-2026.xlsx")


def test_the_script_leaves_the_hand_written_fixtures_alone(made):
    """The cost table, the council session and the plan are written by hand: the script must not
    write (and so overwrite) them."""
    assert sorted(p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file() and p.parent.name != "dossiers") \
        == ["cohort/cohort.csv", "cohort/hoi-dong-tinh-2026.xlsx"]


def _span(set_id: str, slug: str) -> tuple[date, date]:
    """The days a dossier of this set and form can be evaluated on (its transition included), up to
    today for the set in force: a council that has not met yet has no sheets."""
    cs = criteria.load_set(set_id)
    form = cs.form(slug, warn=False)
    first = max(cs.start, form.valid_from or cs.start)
    return first, cs.lapses or cs.end or date.today()


@pytest.mark.parametrize("path", [FIXTURES / "cohort" / "cohort.csv", FIXTURES / "cohort" / "hoi-dong-tinh-2026.xlsx"],
                         ids=["cohort.csv", "hoi-dong-tinh-2026.xlsx"])
def test_cohort_products_fit_their_forms_and_dates_their_sets(path):
    frame = read_table(path)
    assert len(frame)
    for row in frame.itertuples(index=False):
        row = row._asdict()
        day = pd.Timestamp(row["evaluated_on"]).date()
        given = row["criteria_set"]
        set_id = given if isinstance(given, str) and given.strip() else criteria.in_force(day).id  # omitted: in force
        first, last = _span(set_id, row["form"])
        assert first <= day <= last, (row["dossier_id"], set_id, row["form"], day, first, last)
        assert day <= LAST_DAY, (row["dossier_id"], day)
        kinds = products_for(row["form"])
        assert any(str(row["product"]).startswith(k) for k in kinds), (row["dossier_id"], row["form"], row["product"])
    results, rejects = evaluate_batch(frame, source=str(path))
    assert len(rejects) == 0, rejects.to_dict("records")[:3]


def test_every_dossier_fixture_is_dated_inside_its_set_and_scores():
    from scoring.evaluate import evaluate

    for path in sorted((FIXTURES / "dossiers").glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        first, last = _span(d["criteria_set"], d["form"])
        assert first <= date.fromisoformat(d["evaluated_on"]) <= last, path.name
        result = evaluate(path)
        assert result.criteria_set == d["criteria_set"] and result.form == d["form"], path.name


def test_the_cohort_csv_is_what_excel_saves():
    data = (FIXTURES / "cohort" / "cohort.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
    assert pd.read_csv(FIXTURES / "cohort" / "cohort.csv", encoding="utf-8-sig", dtype=str)["dossier_id"].nunique() == 40
