"""Hostile inputs, as a provincial office's files really are (issue 12): each case is a row of a
table giving the files, the command, the exit code and the key words of the message, and every
case checks that no file the user gave (input or existing output) changed and that no temporary
or lock file was left behind."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from scoring.cli import cli

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "fixtures" / "cohort" / "cohort.csv"
DOSSIER = ROOT / "fixtures" / "dossiers" / "qd26-2026-70-4star.json"


def _cohort() -> pd.DataFrame:
    return pd.read_csv(COHORT, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _xlsx(path: Path, frame: pd.DataFrame, edit: Callable | None = None, title: str = "Sheet") -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if v == "" else (float(v) if c[0].isdigit() else v) for c, v in zip(frame.columns, row)])
    if edit:
        edit(wb, ws)
    wb.save(path)


def _dossier(**changes) -> dict:
    d = json.loads(DOSSIER.read_text(encoding="utf-8"))
    d.update(changes)
    return d


# --------------------------------------------------------------------------- builders (tmp -> args)

def b_output_is_input(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    return ["batch", "in.csv", "-o", "./in.csv"]


def b_output_is_input_symlink(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    os.symlink(t / "in.csv", t / "link.csv")
    return ["batch", "in.csv", "-o", "link.csv"]


def b_rejects_is_output(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    return ["batch", "in.csv", "-o", "r.csv", "--rejects", "./sub/../r.csv"]


def b_rejects_is_input(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    return ["batch", "in.csv", "-o", "r.csv", "--rejects", "in.csv"]


def b_output_exists(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    (t / "r.csv").write_text("my earlier results\n", encoding="utf-8")
    return ["batch", "in.csv", "-o", "r.csv"]


def b_output_read_only(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    (t / "r.csv").write_text("signed results\n", encoding="utf-8")
    os.chmod(t / "r.csv", 0o444)
    return ["batch", "in.csv", "-o", "r.csv", "--force"]


def b_output_locked(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    (t / ".r.csv.ocop-lock").write_text(str(os.getppid()), encoding="utf-8")  # a live process holds it
    return ["batch", "in.csv", "-o", "r.csv"]


def b_xls(t: Path) -> list[str]:
    (t / "in.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)
    return ["batch", "in.xls", "-o", "r.csv"]


def b_formula_no_value(t: Path) -> list[str]:
    _xlsx(t / "in.xlsx", _cohort().head(6), lambda wb, ws: ws.__setitem__("M2", "=SUM(N2:P2)"))
    return ["batch", "in.xlsx", "-o", "r.csv"]


def b_merged_across(t: Path) -> list[str]:
    _xlsx(t / "in.xlsx", _cohort().head(6), lambda wb, ws: ws.merge_cells("M3:O3"))
    return ["batch", "in.xlsx", "-o", "r.csv"]


def b_no_sheet_has_columns(t: Path) -> list[str]:
    def edit(wb, ws):
        ws.delete_cols(6)  # the member column
        wb.create_sheet("Ghi chú").append(["Ghi chú", "đã kiểm tra"])
    _xlsx(t / "in.xlsx", _cohort().head(6), edit)
    return ["batch", "in.xlsx", "-o", "r.csv"]


def b_unknown_sheet(t: Path) -> list[str]:
    _xlsx(t / "in.xlsx", _cohort().head(6))
    return ["batch", "in.xlsx", "-o", "r.csv", "--sheet", "Không có"]


def b_csv_field_too_large(t: Path) -> list[str]:
    text = COHORT.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    lines.insert(3, 'X,"' + "a" * 200_000)  # a quote never closed: the rest of the file is one field
    (t / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["batch", "in.csv", "-o", "r.csv"]


def b_not_utf8(t: Path) -> list[str]:
    (t / "in.csv").write_bytes(COHORT.read_text(encoding="utf-8-sig").encode("utf-16"))
    return ["batch", "in.csv", "-o", "r.csv"]


def b_json_deep(t: Path) -> list[str]:
    (t / "d.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    return ["score", "d.json"]


def b_jsonl_deep(t: Path) -> list[str]:
    (t / "in.jsonl").write_text('{"a":' * 10_000 + "1" + "}" * 10_000 + "\n", encoding="utf-8")
    return ["batch", "in.jsonl", "-o", "r.csv"]


def b_json_duplicate_key(t: Path) -> list[str]:
    text = json.dumps(_dossier(), ensure_ascii=False)
    text = text.replace('"level": "province"', '"level": "province", "level": "district"')
    (t / "d.json").write_text(text, encoding="utf-8")
    return ["score", "d.json"]


def b_bad_criteria_dir(t: Path) -> list[str]:
    shutil.copytree(ROOT / "criteria", t / "crit")
    form = next((t / "crit" / "qd26-2026" / "forms").glob("*.json"))
    form.write_text(form.read_text(encoding="utf-8").replace('"points": 0', '"points": -7', 1), encoding="utf-8")
    shutil.copy(DOSSIER, t / "d.json")
    return ["score", "d.json", "--criteria", "crit"]


def b_criteria_set_folder(t: Path) -> list[str]:
    shutil.copy(DOSSIER, t / "d.json")
    return ["score", "d.json", "--criteria", str(ROOT / "criteria" / "qd26-2026")]


def b_score_many_problems(t: Path) -> list[str]:
    d = _dossier(evaluated_on="2026-13-45")
    first = next(iter(d["sheets"][0]["scores"]))
    d["sheets"][0]["scores"][first] = "3"
    d["sheets"][1]["member"] = "  "
    second = list(d["sheets"][1]["scores"])[1]
    d["sheets"][1]["scores"][second] = 99
    (t / "d.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return ["score", "d.json"]


def b_score_one_of_two_invalid(t: Path) -> list[str]:
    shutil.copy(DOSSIER, t / "good.json")
    (t / "bad.json").write_text(json.dumps(_dossier(form="khong-co")), encoding="utf-8")
    return ["score", "good.json", "bad.json", "--brief"]


def b_old_budget_words(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    return ["plan", "in.csv", "--targets", "4:1", "--budget", "hai mươi triệu"]


def b_cost_table_invalid(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    (t / "costs.csv").write_text("Tiêu chí,Từ điểm,Đến điểm,Chi phí\n2.2,1,2,20.000.000\n2.2,2,1,5\n99.9,1,2,abc\n",
                                 encoding="utf-8")
    return ["plan", "in.csv", "--targets", "4:1", "--costs", "costs.csv"]


def b_targets_malformed(t: Path) -> list[str]:
    shutil.copy(COHORT, t / "in.csv")
    return ["plan", "in.csv", "--targets", "4 sao: 2"]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], list[str]]
    code: int
    words: tuple[str, ...]


CASES = [
    Case("output-is-input", b_output_is_input, 2, ("output-is-input", "in.csv")),
    Case("output-is-input-through-symlink", b_output_is_input_symlink, 2, ("output-is-input",)),
    Case("rejects-is-output", b_rejects_is_output, 2, ("outputs-collide",)),
    Case("rejects-is-input", b_rejects_is_input, 2, ("output-is-input",)),
    Case("output-exists-without-force", b_output_exists, 2, ("output-exists", "--force")),
    Case("output-read-only-even-with-force", b_output_read_only, 2, ("output-read-only",)),
    Case("output-locked-by-another-run", b_output_locked, 2, ("output-locked", "another run")),
    Case("xls", b_xls, 2, ("format-old-excel", ".xlsx")),
    Case("formula-without-saved-value", b_formula_no_value, 2, ("formula-no-value", "M2", "open and save")),
    Case("merged-across-columns", b_merged_across, 2, ("merged-across-columns", "M3:O3")),
    Case("no-sheet-has-the-columns", b_no_sheet_has_columns, 2, ("column-missing", "'Sheet'", "'Ghi chú'",
                                                                  "sheet-lacks-columns")),
    Case("unknown-sheet", b_unknown_sheet, 2, ("sheet-unknown", "'Sheet'")),
    Case("csv-field-over-the-limit", b_csv_field_too_large, 2, ("cell-too-large",)),
    Case("not-utf8", b_not_utf8, 2, ("encoding", "UTF-8")),
    Case("json-nested-10000-deep", b_json_deep, 2, ("json-too-deep",)),
    Case("jsonl-nested-10000-deep", b_jsonl_deep, 2, ("json-too-deep", "line 1")),
    Case("json-duplicate-key", b_json_duplicate_key, 2, ("json-duplicate-key", "'level'")),
    Case("criteria-dir-invalid", b_bad_criteria_dir, 2, ("--criteria", "criteria invalid")),
    Case("criteria-dir-is-a-set-folder", b_criteria_set_folder, 2, ("criteria-not-root",)),
    Case("score-reports-every-problem", b_score_many_problems, 2,
         ("4 lỗi / problems", "evaluated_on", "sheets[0].scores", "sheets[1].member", "99 is not an option")),
    Case("score-scores-the-valid-reports-the-invalid", b_score_one_of_two_invalid, 2,
         ("bad.json", "unknown form", "qd26-2026-70-4star")),
    Case("budget-not-an-amount", b_old_budget_words, 2, ("--budget", "20.000.000")),
    Case("cost-table-invalid", b_cost_table_invalid, 2,
         ("costs.csv", "dòng / line 3", "[cost-not-upgrade]", "dòng / line 4", "[cost-invalid]", "abc")),
    Case("targets-malformed", b_targets_malformed, 2, ("--targets", "[targets-invalid]", "4:2,3:3")),
]


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, monkeypatch) -> None:
    args = case.build(tmp_path)
    before = _snapshot(tmp_path)
    modes = {p: p.stat().st_mode for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(cli, args)
    text = run.output
    assert run.exit_code == case.code, (run.exit_code, text, run.exception)
    assert "Traceback" not in text and "internal error" not in text
    for word in case.words:
        assert word in text, (word, text)
    after = _snapshot(tmp_path)
    # nothing the user had changed; and a refused run writes nothing (a scored run may add its outputs)
    assert {k: v for k, v in after.items() if k in before} == before
    if case.code == 2 and args[0] == "batch":
        assert set(after) == set(before), set(after) - set(before)
    assert {p: p.stat().st_mode for p in modes} == modes
    assert not [p for p in tmp_path.rglob("*ocop-tmp*")]


# --------------------------------------------------------------------------- cases that succeed


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        run = CliRunner().invoke(cli, args)
    finally:
        os.chdir(old)
    assert "Traceback" not in run.output, run.output
    return run.exit_code, run.output


def _results(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("dossier_id")


def test_vietnamese_locale_csv_scores_like_the_plain_one(tmp_path):
    """Semicolons, decimal commas, d/m/yyyy dates: the same results as the cohort typed plainly."""
    plain = tmp_path / "plain.csv"
    shutil.copy(COHORT, plain)
    vn = _cohort()
    for c in vn.columns:
        if c[0].isdigit():
            vn[c] = vn[c].str.replace(".", ",", regex=False)
    vn["evaluated_on"] = pd.to_datetime(vn["evaluated_on"]).dt.strftime("%-d/%m/%Y")
    vn.to_csv(tmp_path / "vn.csv", sep=";", index=False, encoding="utf-8-sig")
    vn.to_csv(tmp_path / "vn.tsv", sep="\t", index=False, encoding="utf-8")
    for name in ("plain", "vn", "vn.tsv"):
        src = name if name.endswith(".tsv") else f"{name}.csv"
        code, out = _run(["batch", src, "-o", f"{name}-r.csv", "--no-progress"], tmp_path)
        assert code == 0, out
    a, b, c = (_results(tmp_path / f"{n}-r.csv") for n in ("plain", "vn", "vn.tsv"))
    assert len(a) == _cohort()["dossier_id"].nunique()
    cols = ["total", "stars", "status", "member_totals", "evaluated_on"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    pd.testing.assert_frame_equal(a[cols], c[cols])


def test_excel_true_is_not_one_and_full_width_digits_are_digits(tmp_path):
    frame = _cohort().head(5)  # one dossier of five members
    crit = next(c for c in frame.columns if c[0].isdigit() and frame[c].iloc[0] == "1.0")

    def true_cell(wb, ws):
        ws.cell(2, list(frame.columns).index(crit) + 1).value = True
    _xlsx(tmp_path / "true.xlsx", frame, true_cell)
    code, out = _run(["batch", "true.xlsx", "-o", "r.csv", "--json"], tmp_path)
    assert code == 0 and json.loads(out)["rejected"] == 1
    reason = _results_rejects(tmp_path / "r.rejects.csv")
    assert "TRUE" in reason and "Excel" in reason

    full = frame.copy()
    full[crit] = full[crit].str.replace("1.0", "１")  # an IME's full-width one
    full.to_csv(tmp_path / "full.csv", index=False)
    shutil.copy(COHORT, tmp_path / "all.csv")
    code, out = _run(["batch", "full.csv", "-o", "f.csv", "--json"], tmp_path)
    assert code == 0 and json.loads(out)["scored"] == 1, out
    code, _ = _run(["batch", "all.csv", "-o", "all-r.csv"], tmp_path)
    did = frame["dossier_id"].iloc[0]
    assert _results(tmp_path / "f.csv").loc[did, "total"] == _results(tmp_path / "all-r.csv").loc[did, "total"]


def _results_rejects(path: Path) -> str:
    return " ".join(pd.read_csv(path, dtype=str, encoding="utf-8-sig")["reason"])


def test_workbook_of_several_sheets_is_read_sheet_by_sheet(tmp_path):
    frame = _cohort()
    forms = list(dict.fromkeys(frame["form"]))[:3]
    wb = openpyxl.Workbook()
    wb.active.title = "Hướng dẫn"
    wb.active.append(["Nhập điểm vào các trang sau"])
    for f in forms:
        ws = wb.create_sheet(f[:31])
        sub = frame[frame["form"] == f]
        ws.append(list(frame.columns))
        for row in sub.itertuples(index=False):
            ws.append([None if v == "" else (float(v) if c[0].isdigit() else v) for c, v in zip(frame.columns, row)])
    ws["M2"] = "abc"  # one bad cell on the last sheet, row 2
    wb.save(tmp_path / "in.xlsx")
    code, out = _run(["batch", "in.xlsx", "-o", "r.csv", "--json"], tmp_path)
    assert code == 0, out
    summary = json.loads(out)
    assert summary["sheets"] == [f[:31] for f in forms]
    assert list(summary["sheets_skipped"]) == ["Hướng dẫn"]
    assert summary["dossiers"] == frame[frame["form"].isin(forms)]["dossier_id"].nunique()
    rejects = pd.read_csv(tmp_path / "r.rejects.csv", dtype=str)
    assert rejects["rows"].iloc[0].startswith(f"{forms[-1][:31]}!2")
    code, out = _run(["batch", "in.xlsx", "-o", "one.csv", "--sheet", forms[0], "--json"], tmp_path)
    assert code == 0 and json.loads(out)["sheets"] == [forms[0]]


def test_a_stray_far_cell_costs_one_row_not_the_used_range(tmp_path):
    import tracemalloc

    from scoring.batch import read_table

    _xlsx(tmp_path / "in.xlsx", _cohort(), lambda wb, ws: ws.__setitem__("XFD1048576", "x"))
    tracemalloc.start()
    try:
        frame = read_table(tmp_path / "in.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(frame) == len(_cohort()) + 1  # the data and the stray row (blank within the table)
    assert frame.attrs["outside_cells"] == ["Sheet!XFD1048576"]
    assert peak < 60 * 1024 ** 2, peak  # a million × 16,384 cells would be gigabytes


def test_similar_ids_are_refused_or_merged_on_request(tmp_path):
    frame = _cohort()
    did = frame["dossier_id"].iloc[0]
    rows = frame.index[frame["dossier_id"] == did]
    frame.loc[rows[-1], "dossier_id"] = did.lower()  # one member's row typed in lower case
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, out = _run(["batch", "in.csv", "-o", "r.csv", "--json"], tmp_path)
    assert code == 0
    reasons = pd.read_csv(tmp_path / "r.rejects.csv", dtype=str)
    assert sorted(reasons["dossier_id"]) == sorted([did, did.lower()])
    assert all("id-near-duplicate" in r for r in reasons["reason"])
    code, out = _run(["batch", "in.csv", "-o", "m.csv", "--merge-similar-ids", "--json"], tmp_path)
    merged = _results(tmp_path / "m.csv")
    assert json.loads(out)["rejected"] == 0 and merged.loc[did, "members"] == str(len(rows))
    assert not (tmp_path / "m.rejects.csv").exists()  # nothing rejected: no rejects file


def test_future_dates_and_odd_councils_are_warned_and_counted(tmp_path, monkeypatch):
    import datetime

    import scoring.dossier

    monkeypatch.setattr(scoring.dossier, "today", lambda: datetime.date(2026, 7, 1))
    frame = _cohort()
    late = frame.loc[frame["evaluated_on"] > "2026-07-01", "dossier_id"].nunique()
    assert late > 0
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, out = _run(["batch", "in.csv", "-o", "r.csv", "--json", "--council-max", "3"], tmp_path)
    summary = json.loads(out)
    assert summary["evaluated_in_future"] == late
    sizes = frame.groupby("dossier_id")["member"].count()
    assert summary["warnings"].get("council-large", 0) == int((sizes > 3).sum())
    d = json.loads(DOSSIER.read_text(encoding="utf-8"))
    result = json.loads(CliRunner().invoke(cli, ["score", str(DOSSIER), "--json"]).output)
    assert d["evaluated_on"] > "2026-07-01" and result["warnings"][-1]["code"] == "evaluated-in-future"


def test_formula_like_text_is_text_in_xlsx_and_quoted_in_csv(tmp_path):
    frame = _cohort()
    did = frame["dossier_id"].iloc[0]
    frame.loc[frame["dossier_id"] == did, "product"] = "=HYPERLINK(\"http://x\",\"y\")"
    frame.loc[frame["dossier_id"] == did, "producer"] = "@SUM(1+1)"
    frame.to_csv(tmp_path / "in.csv", index=False)
    assert _run(["batch", "in.csv", "-o", "r.xlsx"], tmp_path)[0] == 0
    assert _run(["batch", "in.csv", "-o", "r.csv"], tmp_path)[0] == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Kết quả"]
    header = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3) if r[0].value == did)
    cell = row[header.index("product")]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, not a formula
    total = row[header.index("total")].value
    assert isinstance(total, (int, float)) and not isinstance(total, bool)  # numbers stay numbers (41.0 reads back as 41)
    raw = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "'@SUM(1+1)" in raw
    back = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")
    assert pd.api.types.is_float_dtype(back["total"])


def test_results_workbook_is_readable_by_a_council(tmp_path):
    frame = _cohort()
    did = frame["dossier_id"].iloc[0]
    frame.loc[frame["dossier_id"] == did, "form"] = "không-có"
    frame.to_csv(tmp_path / "in.csv", index=False)
    code, out = _run(["batch", "in.csv", "-o", "r.xlsx"], tmp_path)
    assert code == 0, out
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["Kết quả", "Tổng hợp", "Lý do loại"]
    ws = wb["Kết quả"]
    assert ws["A1"].value == "Mã hồ sơ" and ws["A2"].value == "dossier_id"
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref.startswith("A2:")
    header = [c.value for c in ws[2]]
    total = ws.cell(3, header.index("total") + 1)
    assert total.number_format == "0.00"
    status = {ws.cell(r, header.index("status") + 1).value for r in range(3, ws.max_row + 1)}
    assert status <= {"công nhận / recognised", "chưa công nhận / not recognised", "bị loại / disqualified"}
    assert ws.column_dimensions["A"].width >= len(did)
    rejects = wb["Lý do loại"]
    assert rejects["A3"].value == did and "unknown form" in rejects["C3"].value
    summary = wb["Tổng hợp"]
    counted = sum(summary.cell(r, 3).value for r in range(2, summary.max_row + 1))
    assert counted == frame["dossier_id"].nunique() - 1
    # the exact means stay in Parquet
    assert _run(["batch", "in.csv", "-o", "r.parquet"], tmp_path)[0] == 0
    exact = pd.read_parquet(tmp_path / "r.parquet").set_index("dossier_id")["total"]
    assert any(round(v, 2) != v for v in exact)


def test_terminal_output_has_no_control_characters(tmp_path):
    d = _dossier()
    d["sheets"][0]["member"] = "Ông\x1b[2J\x1b]8;;http://evil\x07A\x9b31m"
    (tmp_path / "d.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    code, out = _run(["score", "d.json"], tmp_path)
    assert code == 0, out
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "Ông" in out


def test_forms_and_levels_by_their_other_names(tmp_path):
    base = json.loads(CliRunner().invoke(cli, ["score", str(ROOT / "fixtures/dossiers/qd26-2026-90.json"),
                                               "--json"]).output)
    for form in ("1", "I.1.a", "Rau, củ, quả, hạt tươi", "rau, CỦ, quả, hạt tươi"):
        d = json.loads((ROOT / "fixtures/dossiers/qd26-2026-90.json").read_text(encoding="utf-8"))
        d["form"], d["level"] = form, "Tỉnh"
        (tmp_path / "d.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
        run = CliRunner().invoke(cli, ["score", str(tmp_path / "d.json"), "--json"])
        assert run.exit_code == 0, (form, run.output)
        got = json.loads(run.output)
        assert (got["form"], got["level"], got["total"], got["stars"]) == \
            ("rau-cu-qua-hat-tuoi", "province", base["total"], base["stars"])


def test_plan_and_policy_print_tables_not_dicts(tmp_path):
    for args in (["plan", str(COHORT), "--targets", "4:10,3:12", "--budget", "40"],
                 ["policy", str(COHORT), "--band", "4=60"]):
        run = CliRunner().invoke(cli, args)
        assert run.exit_code == 0, run.output
        assert "{" not in run.output and "}" not in run.output, run.output


def test_score_table_fits_80_columns():
    from rich.console import Console

    from scoring.evaluate import evaluate
    from scoring.explain import render

    console = Console(width=80, record=True, highlight=False, soft_wrap=True)
    render(evaluate(DOSSIER), console)
    text = console.export_text()
    table = text[text.index("Tiêu chí / Criteria"):text.index("Quyết định")]
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "1.4" in table and "Production" in table  # the long label wrapped, not cut


def test_criteria_dir_that_validates_is_used(tmp_path):
    shutil.copytree(ROOT / "criteria", tmp_path / "crit")
    run = CliRunner().invoke(cli, ["score", str(DOSSIER), "--criteria", str(tmp_path / "crit"), "--json"])
    assert run.exit_code == 0, run.output
    base = json.loads(CliRunner().invoke(cli, ["score", str(DOSSIER), "--json"]).output)
    assert json.loads(run.output)["total"] == base["total"]
    assert os.environ.get("OCOP_CRITERIA_DIR") is None  # restored after the command


def test_existing_rejects_replaced_with_force_is_removed_when_nothing_is_rejected(tmp_path):
    shutil.copy(COHORT, tmp_path / "in.csv")
    (tmp_path / "r.csv").write_text("old\n", encoding="utf-8")
    (tmp_path / "r.rejects.csv").write_text("old rejects\n", encoding="utf-8")
    code, out = _run(["batch", "in.csv", "-o", "r.csv", "--force", "--json"], tmp_path)
    summary = json.loads(out)
    assert code == 0 and summary["written"] == ["r.csv"] and summary["removed"] == ["r.rejects.csv"]
    assert not (tmp_path / "r.rejects.csv").exists()
    code, out = _run(["batch", "in.csv", "-o", "e.csv", "--empty-rejects", "--json"], tmp_path)
    assert json.loads(out)["written"] == ["e.csv", "e.rejects.csv"]
    assert list(pd.read_csv(tmp_path / "e.rejects.csv").columns) == ["dossier_id", "rows", "reason", "code", "field",
                                                                     "value", "allowed", "message"]
