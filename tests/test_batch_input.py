"""Council tables as people actually type them: blank rows, merged id cells, title rows, blank
cells, arrays in JSONL, row numbers the user can find, output files others can read."""
from __future__ import annotations

import json
import os
import stat

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from conformance import differences
from scoring.batch import dossier_dicts, evaluate_batch, read_table, to_wide, write_table
from scoring.cli import cli
from scoring.errors import DossierInvalid, ValidationFailed
from scoring.evaluate import evaluate
from scoring.synth import generate_cohort

COHORT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cohort", "cohort.csv")
VI = {"dossier_id": "Mã hồ sơ", "member": "Thành viên hội đồng", "form": "Bộ sản phẩm", "level": "Cấp đánh giá",
      "evaluated_on": "Ngày đánh giá", "criteria_set": "Bộ tiêu chí", "findings": "Điều kiện loại"}


def _cohort(n: int = 4, seed: int = 3) -> pd.DataFrame:
    return generate_cohort(n, seed=seed, sets=["qd26-2026"], knockout_rate=0.0)


def _write_xlsx(frame: pd.DataFrame, path, *, title: bool = False, merge_ids: bool = False, stray: bool = False) -> int:
    """The sheet a secretary types (Vietnamese headers, an optional title row, "Mã hồ sơ" merged over
    each dossier's member rows, a stray cell under the data); returns the sheet row of the header."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append(["BẢNG TỔNG HỢP ĐIỂM ĐÁNH GIÁ SẢN PHẨM OCOP"])
        ws.append([])
    ws.append([VI.get(c, c) for c in frame.columns])
    header = ws.max_row
    for _, row in frame.iterrows():
        ws.append([None if (isinstance(v, float) and np.isnan(v)) or v == "" else v for v in row])
    if merge_ids:
        first = header + 1
        for _, rows in frame.groupby("dossier_id", sort=False).indices.items():
            a, b = first + rows[0], first + rows[-1]
            ws.merge_cells(start_row=a, start_column=1, end_row=b, end_column=1)
    if stray:
        ws.cell(ws.max_row + 3, 3, " ")
    wb.save(path)
    return header


def _same_scores(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = ["dossier_id", "total", "stars", "status", "member_totals", "rank_form"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


def test_blank_rows_are_skipped_and_counted_and_rows_without_id_are_rejected_with_their_row(tmp_path):
    frame = _cohort()
    n = frame["dossier_id"].nunique()
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    width = len(frame.columns)
    orphan = lines[3].split(",", 1)[1]  # data without its dossier id
    lines = lines[:5] + ["," * (width - 1), ""] + lines[5:] + ["," + orphan, "," * (width - 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results, rejects = evaluate_batch(read_table(path), source=str(path))
    assert rejects.attrs["blank_rows"] == [6, 7, len(lines)]  # file lines, header = line 1
    assert len(results) == n
    assert list(rejects["rows"]) == [str(len(lines) - 1)]
    assert rejects["dossier_id"].isna().all()
    assert "dossier_id" in rejects["reason"].iloc[0] and "required" in rejects["reason"].iloc[0]

    run = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "r.csv"), "--json"])
    assert run.exit_code == 0, run.output
    summary = json.loads(run.output)
    assert summary["blank_rows_skipped"] == 3 and summary["rows_without_dossier_id"] == 1
    assert summary["dossiers"] == summary["scored"] + summary["rejected"] == n


def test_evaluate_batch_never_crashes_on_rows_without_id_in_memory():
    frame = _cohort()
    frame.loc[len(frame)] = [None] * len(frame.columns)
    frame.loc[len(frame)] = ["  "] + list(frame.iloc[0, 1:])
    results, rejects = evaluate_batch(frame)
    assert rejects.attrs["blank_rows"] == [len(frame) - 1]
    assert list(rejects["rows"]) == [str(len(frame))]
    assert len(results) == frame["dossier_id"].nunique() - 1  # the None and "  " ids are no dossiers


@pytest.mark.parametrize("title", [False, True])
def test_xlsx_merged_id_cells_title_row_and_stray_cell(tmp_path, title):
    frame = _cohort(5)
    path = tmp_path / "hoi-dong.xlsx"
    header = _write_xlsx(frame, path, title=title, merge_ids=True, stray=True)
    back = read_table(path)
    results, rejects = evaluate_batch(back, source=str(path))
    expected, _ = evaluate_batch(frame)
    assert len(rejects) == 0
    _same_scores(results, expected)
    assert len(rejects.attrs["blank_rows"]) == 3  # the stray cell of spaces and the two rows above it
    assert back.index[0] == header + 1  # the sheet's own row numbers


def test_reject_rows_are_the_users_rows_in_every_format(tmp_path):
    frame = _cohort(5, seed=8)
    bad_id = frame["dossier_id"].iloc[-1]
    positions = np.flatnonzero(frame["dossier_id"] == bad_id)
    col = next(c for c in frame.columns if c[0].isdigit() and frame[c].notna().all())
    frame[col] = frame[col].astype(object)
    frame.loc[positions[0], col] = 97
    expect = {".csv": positions + 2, ".xlsx": positions + 4, ".jsonl": positions + 1, ".parquet": positions + 1}
    for suffix, rows in expect.items():
        path = tmp_path / f"in{suffix}"
        if suffix == ".xlsx":
            _write_xlsx(frame, path, title=True)
        else:
            write_table(frame, path)
        _, rejects = evaluate_batch(read_table(path), source=str(path))
        assert list(rejects["dossier_id"]) == [bad_id], suffix
        # the problem is one member's cell: its reject names that member's row
        assert rejects["rows"].iloc[0] == str(rows[0]), suffix
        assert rejects["field"].iloc[0] == f"sheets[0].scores.{col}" and rejects["code"].iloc[0] == "points-not-an-option"
    # an in-memory frame: 1-based records
    _, rejects = evaluate_batch(frame)
    assert rejects["rows"].iloc[0] == str(positions[0] + 1)


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    meta = [c for c in frame.columns if not c[0].isdigit()]
    return frame.melt(id_vars=meta, var_name="criterion", value_name="points").dropna(subset=["points"]) \
        .reset_index(drop=True)


def test_long_table_rows_and_a_criterion_given_twice(tmp_path):
    long = _long(_cohort(3, seed=2))
    did = long["dossier_id"].iloc[0]
    twice = long.iloc[[0]].assign(points=long["points"].iloc[0])
    long = pd.concat([long, twice], ignore_index=True)
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    results, rejects = evaluate_batch(read_table(path), source=str(path))
    assert list(rejects["dossier_id"]) == [did]
    reason = rejects["reason"].iloc[0]
    assert "given twice" in reason and f"rows 2, {len(long) + 1}" in reason, reason
    rows = [int(r) for r in rejects["rows"].iloc[0].split(",")]
    assert rows == sorted(np.flatnonzero(long["dossier_id"] == did) + 2)  # the long table's own rows
    assert len(results) + rejects["dossier_id"].nunique() == long["dossier_id"].nunique()


def test_jsonl_findings_as_arrays_equal_the_text_form(tmp_path):
    frame = generate_cohort(6, seed=5, sets=["qd26-2026"], knockout_rate=0.5)
    assert (frame["findings"] != "").any()
    path = tmp_path / "in.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for rec in frame.to_dict(orient="records"):
            rec["findings"] = [x for x in rec["findings"].split(";") if x]
            f.write(json.dumps({k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()},
                               ensure_ascii=False) + "\n")
    a, ra = evaluate_batch(read_table(path))
    b, rb = evaluate_batch(frame)
    assert len(ra) == len(rb) == 0
    _same_scores(a, b)
    assert list(a["knockouts"]) == list(b["knockouts"])
    # an in-memory frame holding lists does not crash either
    listed = frame.assign(findings=[[x for x in v.split(";") if x] for v in frame["findings"]])
    c, _ = evaluate_batch(listed)
    assert list(c["knockouts"]) == list(b["knockouts"])


def test_a_finding_listed_twice_is_refused_by_both_paths():
    frame = generate_cohort(6, seed=5, sets=["qd26-2026"], knockout_rate=0.5)
    did = frame.loc[frame["findings"] != "", "dossier_id"].iloc[0]
    fid = frame.loc[frame["dossier_id"] == did, "findings"].iloc[0].split(";")[0]
    doubled = frame.copy()
    doubled.loc[doubled["dossier_id"] == did, "findings"] = f"{fid};{fid}"
    results, rejects = evaluate_batch(doubled)
    assert list(rejects["dossier_id"]) == [did] and did not in set(results["dossier_id"])
    assert list(rejects["code"]) == ["findings-duplicate"] and list(rejects["field"]) == ["findings"]
    (single,) = [d for d in dossier_dicts(doubled) if d["dossier_id"] == did]
    assert single["findings"] == [fid, fid]  # the table's text, as given
    with pytest.raises(DossierInvalid) as info:
        evaluate(single)
    assert [(i.code, i.location) for i in info.value.issues] == [("findings-duplicate", "findings")]


def test_jsonl_nested_value_outside_findings_is_refused_naming_line_and_key(tmp_path):
    path = tmp_path / "bad.jsonl"
    rec = generate_cohort(1, seed=1).iloc[0].to_dict()
    rec = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in rec.items()}
    path.write_text(json.dumps(rec) + "\n" + json.dumps(dict(rec, member=["TV1", "TV2"])) + "\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        read_table(path)
    assert "line 2" in str(exc.value) and "'member'" in str(exc.value)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_blank_member_is_required_in_both_paths(empty):
    frame = _cohort(4, seed=6)
    frame["member"] = frame["member"].astype(object)
    did = frame["dossier_id"].iloc[-1]
    last = np.flatnonzero(frame["dossier_id"] == did)[-1]
    frame.loc[last, "member"] = empty
    results, rejects = evaluate_batch(frame)
    assert list(rejects["dossier_id"]) == [did]
    (reject,) = rejects.to_dict("records")
    assert reject["rows"] == str(last + 1) and reject["code"] == "member-blank", reject
    assert reject["field"].endswith(".member") and "blank" in reject["reason"]
    dossier = next(d for d in dossier_dicts(to_wide(frame)) if d["dossier_id"] == did)
    assert all(s.get("member") not in ("None", "", None) for s in dossier["sheets"][:-1])
    with pytest.raises(DossierInvalid) as exc:  # the single path refuses it too (no member "None")
        evaluate(dossier)
    assert "member" in str(exc.value)


def test_blank_criteria_set_means_omitted():
    frame = _cohort(4, seed=7)
    spaced = frame.assign(criteria_set=" ")
    absent = frame.drop(columns=["criteria_set"])
    a, ra = evaluate_batch(spaced)
    b, rb = evaluate_batch(absent)
    assert len(ra) == len(rb) == 0
    pd.testing.assert_frame_equal(a, b)
    for d in dossier_dicts(to_wide(spaced)):
        assert "criteria_set" not in d
        assert differences(evaluate(d), a.set_index("dossier_id").loc[d["dossier_id"]]) == []


def test_outputs_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        for suffix in (".csv", ".xlsx", ".parquet", ".jsonl"):
            path = write_table(_cohort(1), tmp_path / f"out{suffix}")
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, suffix
    finally:
        os.umask(old)


def test_unsupported_output_is_refused_before_scoring(tmp_path, monkeypatch):
    import scoring.batch

    src = tmp_path / "c.csv"
    _cohort(2).to_csv(src, index=False)
    monkeypatch.setattr(scoring.batch, "evaluate_batch", lambda *a, **k: pytest.fail("scored before the check"))
    monkeypatch.setattr(scoring.batch, "read_table", lambda *a, **k: pytest.fail("read before the check"))
    run = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "r.txt")])
    assert run.exit_code == 2 and "unsupported output format" in run.output


def test_evaluate_batch_is_exported_at_the_top_without_slowing_import_scoring():
    import subprocess
    import sys

    import scoring
    import scoring.batch

    assert scoring.evaluate_batch is scoring.batch.evaluate_batch and scoring.read_table is scoring.batch.read_table
    code = "import sys, scoring; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # pandas is loaded only when the batch is used


def test_bundled_secretary_workbook_scores_like_the_cohort_it_was_typed_from():
    """fixtures/cohort/hoi-dong-tinh-2026.xlsx: a title row, Vietnamese headers, "Mã hồ sơ" merged
    over each dossier's rows, Excel dates; typed from generate_cohort(12, seed=2026, qd26-2026)."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "cohort" / "hoi-dong-tinh-2026.xlsx"
    ws = openpyxl.load_workbook(path).active
    assert ws.merged_cells.ranges and ws.cell(1, 1).value.startswith("BẢNG")  # still typed as a secretary would
    results, rejects = evaluate_batch(read_table(path), source=str(path))
    expected, _ = evaluate_batch(generate_cohort(12, seed=2026, sets=["qd26-2026"], members=(3, 5)))
    assert len(rejects) == 0
    _same_scores(results, expected)


def test_results_table_reads_back_with_its_own_header(tmp_path):
    """A results file (`ocop batch` output) has rows full of numbers ("3", "49.67") that look like
    criterion columns: its header is still the row naming `dossier_id`, not its first data row."""
    out = tmp_path / "results.csv"
    run = CliRunner().invoke(cli, ["batch", str(COHORT), "-o", str(out)])
    assert run.exit_code == 0, run.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    back = read_table(out)
    assert list(back.columns) == list(written.columns)
    assert len(back) == len(written)
    assert back["dossier_id"].tolist() == written["dossier_id"].tolist()


def test_columns_the_batch_does_not_use_are_named_not_dropped_silently(tmp_path):
    frame = generate_cohort(4, seed=3).assign(**{"Ghi chú": "đã kiểm tra", "9.9.9": np.nan})
    results, rejects = evaluate_batch(frame)
    assert rejects.attrs["unused_columns"] == ["Ghi chú"]  # "9.9.9" is a criterion number: its cells are checked
    assert len(results) + rejects["dossier_id"].nunique() == 4
    src = tmp_path / "in.csv"
    frame.to_csv(src, index=False)
    res = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "out.csv"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["unused_columns"] == ["Ghi chú"]
    res = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "out2.csv")])
    assert "columns not used for scoring: Ghi chú" in res.output


def test_criterion_columns_named_by_their_printed_number_are_read_where_unambiguous():
    """A secretary copying the QĐ 148 paper form's 'a, b, c' numbering: '1.a' stands for 1.1 on every form
    that prints it, so the column is read as 1.1 (issue 13); '3.c' is 3.3 on most forms and 3.6 on forms
    18 and 19, so the table is refused, the column named with the criterion numbers it stands for."""
    cohort = generate_cohort(3, seed=2, sets=["qd148-2023"])
    plain, _ = evaluate_batch(cohort)
    aliased, rejects = evaluate_batch(cohort.rename(columns={"1.1": "1.A", "12.1": "12.a"}))
    assert rejects.empty and aliased["total"].tolist() == plain["total"].tolist()
    with pytest.raises(ValidationFailed) as info:
        evaluate_batch(cohort.rename(columns={"3.3": "3.c"}))
    text = str(info.value)
    assert "column '3.c'" in text and "3.3 (qd148-2023), 3.6 (qd148-2023)" in text


def test_dossier_fields_read_once_per_text_stay_per_dossier():
    # dossier_dicts reads text cells once per distinct text: two dossiers with the same findings cell
    # must still get lists of their own, and cells that are equal only as numbers (12 and 12.0, as a
    # product column mixing Excel numbers holds) must keep the text each one gives
    frame = _cohort(3)
    ids = list(dict.fromkeys(frame["dossier_id"]))
    frame["findings"] = "F1; F2"
    frame["product"] = frame["dossier_id"].map({ids[0]: 12, ids[1]: 12.0, ids[2]: "Mật ong"}).astype(object)
    dossiers = {d["dossier_id"]: d for d in dossier_dicts(to_wide(frame))}
    assert [dossiers[i]["findings"] for i in ids] == [["F1", "F2"]] * 3
    dossiers[ids[0]]["findings"].append("changed")
    assert dossiers[ids[1]]["findings"] == ["F1", "F2"]
    assert [dossiers[i]["product"]["product"] for i in ids] == ["12", "12.0", "Mật ong"]
