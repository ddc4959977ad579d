"""Member sheets: what the workbook and the PDF hold, and every tampering refused with its cell."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

import scoring
from scoring.council import make_sheets, read_sheets
from scoring.errors import ValidationFailed
from scoring.text import load_json

from council_helpers import MEMBERS, cell_of, header_columns

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "dossiers"
HONEY = FIX / "qd26-2026-69-67.json"      # 3 members, totals 70 / 70 / 69
STOPS = FIX / "qd26-2026-knockout-foreign-matter-stops.json"  # blank criteria after the knock-out


def _made(tmp_path, files=(HONEY,), members=MEMBERS, **kw) -> Path:
    out = tmp_path / "sheets"
    make_sheets(list(files), members, out, pdf=kw.pop("pdf", False), prefill=kw.pop("prefill", True), **kw)
    return out


def _messages(outcome) -> str:
    return "\n".join(str(p) for p in outcome.problems)


def test_sheet_looks_like_the_form(tmp_path):
    out = _made(tmp_path, prefill=False)
    wb = load_workbook(out / "01-nguyen-van-hung.xlsx")
    assert wb.sheetnames[0] == "qd26-2026-69-67" and wb["_ocop"].sheet_state == "veryHidden"
    ws = wb["qd26-2026-69-67"]
    texts = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    joined = "\n".join(texts)
    for expected in ("Kiêm phiếu đánh giá sản phẩm OCOP", "Mật ong bạc hà Mèo Vạc", "HTX Ong mật Mèo Vạc",
                     "Mèo Vạc, Hà Giang", "Nguyễn Văn Hùng", "01/10/2026", "Hồ sơ bị loại",
                     "Người đánh giá (Ký và ghi rõ họ tên)", "TỔNG CỘNG", "Cộng phần A", "*****"):
        assert expected in joined, expected
    head, c_num, c_pts = header_columns(ws)
    # one input cell per criterion of the form, each with a list validation of exactly its option points
    form = scoring.criteria.load_set("qd26-2026").form("mat-ong-mat-khac-va-nong-san-thuc-pham-khac")
    unlocked = {ws.cell(r, c_num).value: ws.cell(r, c_pts).coordinate for r in range(head + 1, ws.max_row + 1)
                if not ws.cell(r, c_pts).protection.locked}
    assert set(unlocked) == {leaf.number for leaf in form.leaves}
    assert ws.protection.sheet
    validations = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                for cell in row:
                    validations[cell.coordinate] = dv.formula1
    for number, coord in unlocked.items():
        options = ",".join(str(p) for p in sorted({o.points for o in form.leaf(number).options}))
        assert validations[coord] == f'"{options}"', number
    # totals are formulas over the Điểm column, never values
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) == 4 and any(f.startswith("=SUM(E") for f in formulas)


def test_product_name_starting_with_equals_is_text_not_formula(tmp_path):
    d = load_json(HONEY)
    d["product"]["name"] = '=HYPERLINK("http://evil","x")'
    d["product"]["producer"] = "+cmd|' /C calc'!A0"
    src = tmp_path / "evil.json"
    src.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = _made(tmp_path, files=[src])
    ws = load_workbook(out / "01-nguyen-van-hung.xlsx")["qd26-2026-69-67"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://evil","x")'].data_type == "s"
    assert cells["+cmd|' /C calc'!A0"].data_type == "s"
    outcome = read_sheets([out])
    assert outcome.problems == [] and outcome.dossiers[0]["product"]["name"] == d["product"]["name"]


def test_prefilled_sheets_read_back_to_the_same_result(tmp_path):
    out = _made(tmp_path, files=[HONEY, STOPS])
    outcome = read_sheets([out])
    assert outcome.problems == []
    for d in outcome.dossiers:
        src = load_json(HONEY if d["dossier_id"] == "qd26-2026-69-67" else STOPS)
        assert scoring.evaluate(d).to_dict() == scoring.evaluate(src).to_dict()


def _tamper(path: Path, sheet: str, coord: str, value) -> None:
    wb = load_workbook(path)
    wb[sheet][coord].value = value
    wb.save(path)


@pytest.mark.parametrize("value", [4, -1, 2.5, "ba", True])
def test_points_outside_the_options_refused_with_the_cell(tmp_path, value):
    out = _made(tmp_path, files=[HONEY, STOPS])
    wb_path = out / "02-tran-thi-mai.xlsx"
    coord = cell_of(wb_path, "qd26-2026-69-67", "1.1")  # options 1, 2, 3
    _tamper(wb_path, "qd26-2026-69-67", coord, value)
    outcome = read_sheets([out])
    msg = _messages(outcome)
    assert f"02-tran-thi-mai.xlsx: sheet 'qd26-2026-69-67' ô/cell {coord}" in msg
    assert "allowed: 1, 2, 3" in msg
    # the other product is still read; this one is not
    assert [d["dossier_id"] for d in outcome.dossiers] == ["qd26-2026-knockout-foreign-matter-stops"]


def test_points_typed_as_text_or_float_are_read(tmp_path):
    out = _made(tmp_path)
    wb_path = out / "01-nguyen-van-hung.xlsx"
    _tamper(wb_path, "qd26-2026-69-67", cell_of(wb_path, "qd26-2026-69-67", "1.1"), "2")
    _tamper(wb_path, "qd26-2026-69-67", cell_of(wb_path, "qd26-2026-69-67", "1.3"), 2.0)
    outcome = read_sheets([out])
    assert outcome.problems == []
    assert outcome.dossiers[0]["sheets"][0]["scores"]["1.1"] == 2


def test_blank_criterion_refused_unless_after_a_stopping_knockout(tmp_path):
    out = _made(tmp_path, files=[HONEY])
    wb_path = out / "03-le-minh-tuan.xlsx"
    coord = cell_of(wb_path, "qd26-2026-69-67", "6.2")
    _tamper(wb_path, "qd26-2026-69-67", coord, None)
    outcome = read_sheets([out])
    assert f"sheet 'qd26-2026-69-67' ô/cell {coord}: thiếu điểm tiêu chí 6.2" in _messages(outcome)
    assert outcome.dossiers == []


def test_unfilled_sheet_is_one_message(tmp_path):
    out = _made(tmp_path, prefill=False)
    outcome = read_sheets([out / "01-nguyen-van-hung.xlsx"])
    assert len(outcome.problems) == 1 and outcome.dossiers == []
    assert "the sheet is not filled in" in _messages(outcome)


@pytest.mark.parametrize("what", ["label", "points", "stars", "formula", "extra", "header"])
def test_changed_layout_refused_with_the_cell(tmp_path, what):
    out = _made(tmp_path)
    wb_path = out / "01-nguyen-van-hung.xlsx"
    wb = load_workbook(wb_path)
    ws = wb["qd26-2026-69-67"]
    head, c_num, c_pts = header_columns(ws)
    coord = {
        "label": f"B{head + 3}", "points": f"C{head + 4}", "stars": f"D{head + 4}", "extra": "G5",
        "formula": next(c.coordinate for row in ws.iter_rows() for c in row
                        if isinstance(c.value, str) and c.value.startswith("=SUM")),
        "header": "B4",  # the product name in the header
    }[what]
    ws[coord] = 99 if what != "label" else "Nguồn gốc khác"
    wb.save(wb_path)
    outcome = read_sheets([out])
    msg = _messages(outcome)
    assert f"01-nguyen-van-hung.xlsx: sheet 'qd26-2026-69-67' ô/cell {coord}" in msg
    assert "layout" in msg and outcome.dossiers == []


def test_member_twice_refused(tmp_path):
    out = _made(tmp_path)
    shutil.copy(out / "02-tran-thi-mai.xlsx", out / "04-tran-thi-mai-copy.xlsx")
    outcome = read_sheets([out])
    msg = _messages(outcome)
    assert "04-tran-thi-mai-copy.xlsx" in msg and "returned two sheets for dossier qd26-2026-69-67" in msg
    assert outcome.dossiers == []


def test_sheets_disagreeing_on_identity_refused(tmp_path):
    out = _made(tmp_path)
    wb_path = out / "03-le-minh-tuan.xlsx"
    wb = load_workbook(wb_path)
    meta = wb["_ocop"]
    ident = json.loads(meta["C2"].value)
    ident["product"]["name"] = "Mật ong khác"
    meta["C2"].value = json.dumps(ident, ensure_ascii=False)
    ws = wb["qd26-2026-69-67"]
    for row in ws.iter_rows():
        if row[0].value == "Tên sản phẩm":
            row[1].value = "Mật ong khác"  # the header agrees with its own record, not with the others
    wb.save(wb_path)
    outcome = read_sheets([out])
    msg = _messages(outcome)
    assert "03-le-minh-tuan.xlsx: sheet 'qd26-2026-69-67' (header rows" in msg and "disagree on its identity (product" in msg
    assert outcome.dossiers == []


def test_not_a_council_workbook(tmp_path):
    from openpyxl import Workbook

    p = tmp_path / "x.xlsx"
    Workbook().save(p)
    outcome = read_sheets([p])
    assert "not a council sheet workbook" in _messages(outcome)


def test_make_sheets_refuses_unknown_form_and_repeated_member(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        make_sheets([{"dossier_id": "X", "form": "khong-co", "level": "province", "evaluated_on": "2026-10-01"}],
                    MEMBERS, tmp_path)
    assert "form" in str(exc.value) and "khong-co" in str(exc.value)
    with pytest.raises(ValidationFailed, match="member named twice"):
        make_sheets([HONEY], "A; B; A", tmp_path)
    assert not any(tmp_path.iterdir())


def test_pdf_sheet_renders_vietnamese_with_embedded_fonts(tmp_path):
    out = _made(tmp_path, members=["Nguyễn Văn Hùng"], pdf=True)
    pdf = out / "01-nguyen-van-hung.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("DejaVu" in r[0] for r in rows)
    assert all(r[-5] == "yes" for r in rows)  # emb column: every font embedded
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Tên sản phẩm: Mật ong bạc hà Mèo Vạc", "Nguyễn Văn Hùng", "Người đánh giá (Ký và ghi rõ họ tên)",
                     "Nguồn gốc sản phẩm", "TỔNG CỘNG"):
        assert expected in text, expected
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from matplotlib import image

    pixels = image.imread(str(png))
    dark = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.01 < dark < 0.5  # text on the page: neither blank nor a black box
