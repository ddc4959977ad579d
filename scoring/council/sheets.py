"""`make_sheets`: one workbook (and one printable PDF) per council member, a sheet per dossier.

Every cell is locked (sheet protection) except each criterion's Điểm cell, whose data validation
allows only that criterion's option points; part totals and the total are formulas over those
cells. A very hidden sheet (`_ocop`) records which dossier each sheet belongs to, so that
`read_sheets` can rebuild the dossiers and check that nothing else was changed.
"""
from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import Issue, ValidationFailed
from ..text import load_json, nfc
from .files import atomic_path, formula, is_formula_like, put
from .identity import ascii_slug, identity_of, resolve_form, sheet_title
from .layout import COL_SCORE, FORMAT_VERSION, LETTERS, META_SHEET, Row, score_formulas, sheet_rows

WIDTHS = {"A": 11, "B": 70, "C": 10, "D": 10, "E": 9}
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
STYLE = {  # kind -> (bold, size, fill)
    "title": (True, 12, None), "field": (False, 11, None), "knockout-head": (True, 11, None),
    "knockout": (False, 10, None), "header": (True, 11, HEAD_FILL), "part": (True, 11, HEAD_FILL),
    "group": (True, 11, None), "leaf": (False, 11, None), "option": (False, 10, None),
    "part-total": (True, 11, None), "total": (True, 12, HEAD_FILL), "note": (False, 10, None),
    "sign": (False, 11, None),
}
TABLE_KINDS = {"header", "part", "group", "leaf", "option", "part-total", "total"}


def load_dossiers(items: Iterable[Mapping[str, Any] | str | Path]) -> list[tuple[dict[str, Any], str | None]]:
    """Dossiers as (dict, file) pairs, from dicts or JSON paths (UTF-8, BOM accepted)."""
    out = []
    for item in items:
        if isinstance(item, (str, Path)):
            try:
                out.append((load_json(item), str(item)))
            except (OSError, ValueError) as exc:
                raise ValidationFailed([Issue(f"không đọc được hồ sơ / cannot read dossier: {exc}", str(item))],
                                       subject=str(item)) from None
        else:
            out.append((dict(item), None))
    return out


def parse_members(members: str | Sequence[str]) -> list[str]:
    """Members from "Name A; Name B" or a list: trimmed, NFC, each once (a repeat is refused)."""
    names = [nfc(m).strip() for m in (members.split(";") if isinstance(members, str) else members)]
    names = [m for m in names if m]
    issues = [Issue("thành viên bị lặp / member named twice", None, "--members", m, "each member once")
              for i, m in enumerate(names) if names.index(m) != i]
    if not names:
        issues.append(Issue("không có thành viên nào / no member given", None, "--members", None,
                            '"Name A; Name B; …"'))
    if issues:
        raise ValidationFailed(issues, subject="--members")
    return names


def _row_height(row: Row) -> float | None:
    text = row.cells[1] if isinstance(row.cells[1], str) else (row.cells[0] if row.kind == "title" else None)
    if not isinstance(text, str):
        return None
    lines = sum(max(1, math.ceil(len(part) / (WIDTHS["B"] * 1.05))) for part in text.split("\n"))
    return 15.0 * lines if lines > 1 else None


def _style_name(kind: str, letter: str, *, score_input: bool = False) -> str:
    centered = letter in "CDE" and kind in TABLE_KINDS
    return f"ocop-{kind}{'-c' if centered else ''}{'-input' if score_input else ''}"


def _named_style(name: str) -> NamedStyle:
    """One named style per (row kind, centring, input): openpyxl hashes every style object it is
    given, so styling thousands of cells by name is several times faster than by objects."""
    kind = name[5:].removesuffix("-input").removesuffix("-c")
    bold, size, fill = STYLE[kind]
    ns = NamedStyle(name=name)
    ns.font = Font(name="Times New Roman", bold=bold, size=size)
    ns.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center" if "-c" in name[5:] else None)
    if kind in TABLE_KINDS:
        ns.border = BOX
        if fill is not None:
            ns.fill = fill
    if name.endswith("-input"):
        ns.fill = INPUT_FILL
        ns.protection = Protection(locked=False)
    return ns


def _write_sheet(ws, rows: list[Row], styles: set[str], points_of,
                 prefill: Mapping[str, Any] | None = None) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    formulas = score_formulas(rows)
    validations: dict[tuple[int, ...], DataValidation] = {}
    wb = ws.parent
    for r, row in enumerate(rows, start=1):
        for letter, value in zip(LETTERS, row.cells):
            cell = ws[f"{letter}{r}"]
            if value is not None:
                put(cell, value)
            name = _style_name(row.kind, letter, score_input=row.kind == "leaf" and letter == COL_SCORE)
            if name not in styles:
                wb.add_named_style(_named_style(name))
                styles.add(name)
            cell.style = name
            if is_formula_like(value):
                cell.quotePrefix = True
        if row.kind == "title":
            ws.merge_cells(f"A{r}:E{r}")
            ws[f"A{r}"].alignment = Alignment(horizontal="center", wrap_text=True)
        height = _row_height(row)
        if height:
            ws.row_dimensions[r].height = height
        if r in formulas:
            formula(ws[f"{COL_SCORE}{r}"], formulas[r])
        if row.kind == "leaf":
            score = ws[f"{COL_SCORE}{r}"]
            if prefill and prefill.get(row.leaf) is not None:
                score.value = int(prefill[row.leaf])
            options = points_of(row.leaf)
            dv = validations.get(options)
            if dv is None:
                dv = DataValidation(type="list", formula1='"' + ",".join(map(str, options)) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle="Điểm không hợp lệ / invalid points",
                                    error="Chỉ chọn một trong các mức điểm của tiêu chí: " + ", ".join(map(str, options)),
                                    promptTitle="Điểm", prompt="Chọn điểm: " + ", ".join(map(str, options)),
                                    showInputMessage=True)
                validations[options] = dv
                ws.add_data_validation(dv)
            dv.add(score)
        if row.kind == "header":
            ws.print_title_rows = f"{r}:{r}"
            ws.freeze_panes = f"A{r + 1}"
    ws.protection.sheet = True
    ws.protection.formatCells = False  # members may still widen a column or a row to read
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _points_by_member(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    sheets = data.get("sheets") or ([{"member": "M1", "scores": data["scores"]}] if "scores" in data else [])
    return {nfc(str(s.get("member", ""))).strip(): s.get("scores") or {} for s in sheets if isinstance(s, Mapping)}


def workbook_name(index: int, member: str) -> str:
    return f"{index + 1:02d}-{ascii_slug(member)}"


def make_sheets(dossiers: Iterable[Mapping[str, Any] | str | Path], members: str | Sequence[str],
                out_dir: str | Path, *, pdf: bool = True, made_on: date | None = None,
                prefill: bool = False) -> list[Path]:
    """Write `NN-member.xlsx` (and `.pdf`) in `out_dir` for every member, a sheet per dossier.

    Dossiers may be bare identities (no `sheets`). With `prefill`, a member's Điểm cells start from
    the points the dossier already holds for that member (a re-score starts from the earlier
    sheet; points typed elsewhere come back for checking); the PDF is always blank, for hand use. Raises
    ValidationFailed naming every dossier that cannot be put on a form (nothing is written then).
    """
    names = parse_members(members)
    loaded = load_dossiers(dossiers)
    issues: list[Issue] = []
    prepared = []
    seen_ids: dict[str, str] = {}
    for i, (data, file) in enumerate(loaded):
        where = file or f"dossiers[{i}]"
        ident = identity_of(data)
        did = ident.get("dossier_id")
        if not isinstance(did, str) or not did.strip():
            issues.append(Issue("thiếu mã hồ sơ / dossier_id missing", where, "dossier_id", did, "a non-blank id"))
            continue
        if did in seen_ids:
            issues.append(Issue("mã hồ sơ bị lặp / dossier given twice", where, "dossier_id", did,
                                f"each dossier once (also in {seen_ids[did]})"))
            continue
        seen_ids[did] = where
        found = resolve_form(ident, where)
        if isinstance(found, Issue):
            issues.append(found)
            continue
        prepared.append((ident, *found, _points_by_member(data)))
    if issues:
        raise ValidationFailed(issues, subject="dossiers for the sheets")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for mi, member in enumerate(names):
        wb = Workbook()
        wb.remove(wb.active)
        meta = wb.create_sheet(META_SHEET)
        for c, v in zip("ABCD", (FORMAT_VERSION, member, mi, (made_on or date.today()).isoformat())):
            put(meta[f"{c}1"], v)
        taken: set[str] = set()
        styles: set[str] = set()
        pages = []
        for di, (ident, cs, form, given) in enumerate(prepared):
            title = sheet_title(ident["dossier_id"], taken)
            ws = wb.create_sheet(title)
            rows = sheet_rows(cs, form, ident, member)
            _write_sheet(ws, rows, styles, lambda n, f=form: f.leaf(n).points, given.get(member) if prefill else None)
            for c, v in zip("ABC", (title, ident["dossier_id"], json.dumps(ident, ensure_ascii=False, sort_keys=True))):
                put(meta[f"{c}{di + 2}"], v)
            pages.append((title, rows))
        meta.sheet_state = "veryHidden"
        meta.protection.sheet = True
        wb.move_sheet(META_SHEET, offset=len(wb.sheetnames))
        wb.active = 0
        wb.security = WorkbookProtection(lockStructure=True)  # no sheet added, removed or renamed
        target = out_dir / f"{workbook_name(mi, member)}.xlsx"
        with atomic_path(target) as tmp:
            wb.save(tmp)
        written.append(target)
        if pdf:
            from .pdf import sheets_pdf

            target_pdf = out_dir / f"{workbook_name(mi, member)}.pdf"
            sheets_pdf(pages, target_pdf)
            written.append(target_pdf)
    return written
