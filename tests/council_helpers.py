"""Helpers for the council tests: synthetic dossiers on the real forms, and a member who fills a
workbook the way another tool would (through the `Tiêu chí` / `Điểm` header, not our layout code)."""
from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from scoring import criteria as crit

MEMBERS = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Minh Tuấn"]


def complete_forms() -> list[tuple[Any, Any]]:
    out = []
    for set_id in crit.available_sets():
        cs = crit.load_set(set_id)
        out += [(cs, f) for f in cs.forms.values() if f.status == "complete"]
    return out


def synthetic_dossier(cs, form, seed: int, members=MEMBERS) -> dict[str, Any]:
    """Random points from each criterion's options (one alternative case per criterion for all
    members, as a council scores); every other dossier has no story, leaving its story criteria blank."""
    rng = random.Random(seed)
    day = cs.start + timedelta(days=40)
    if form.valid_from and day < form.valid_from:
        day = form.valid_from + timedelta(days=1)
    period = cs.period_on(day)
    level = "province" if "province" in period.levels else period.levels[0]
    no_story = seed % 2 == 1 and any(leaf.applies_when for leaf in form.leaves)
    cases = {leaf.number: rng.choice([c for c, _ in leaf.cases]) for leaf in form.leaves if leaf.cases}
    sheets = []
    for m in members:
        scores: dict[str, int | None] = {}
        for leaf in form.leaves:
            if leaf.applies_when and no_story:
                scores[leaf.number] = None
                continue
            options = [o.points for o in leaf.options if leaf.number not in cases or o.case == cases[leaf.number]]
            scores[leaf.number] = rng.choice(options)
        sheets.append({"member": m, "scores": scores})
    d = {"dossier_id": f"{cs.id}-{form.number:02d}-{seed}", "criteria_set": cs.id, "form": form.slug, "level": level,
         "evaluated_on": day.isoformat(),
         "product": {"name": f"Sản phẩm thử {form.name}", "producer": "HTX Thử nghiệm Đồng Tháp", "province": "Đồng Tháp",
                     "commune": "Mỹ Thọ"},
         "findings": [], "sheets": sheets}
    if cases:
        d["cases"] = cases
    if no_story:
        d["story_exists"] = False
    return d


def header_columns(ws) -> tuple[int, int, int]:
    """(header row, Tiêu chí column, Điểm column), found by their names."""
    for row in ws.iter_rows(min_row=1, max_row=60):
        names = {c.value: c.column for c in row if isinstance(c.value, str)}
        if "Tiêu chí" in names and "Điểm" in names:
            return row[0].row, names["Tiêu chí"], names["Điểm"]
    raise AssertionError(f"no header row with Tiêu chí and Điểm in sheet {ws.title}")


def fill_workbook(path: Path, points_for) -> None:
    """Type each criterion's points into its unlocked Điểm cell; points_for(dossier_id, member) -> scores."""
    wb = load_workbook(path)
    member = None
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        head, c_num, c_pts = header_columns(ws)
        dossier_id = member = None
        for row in ws.iter_rows(min_row=1, max_row=head):
            if row[0].value == "Mã hồ sơ":
                dossier_id = row[1].value
            if row[0].value == "Thành viên Hội đồng (người đánh giá)":
                member = row[1].value
        scores = points_for(dossier_id, member)
        for r in range(head + 1, ws.max_row + 1):
            number, cell = ws.cell(r, c_num).value, ws.cell(r, c_pts)
            if isinstance(number, str) and number in scores and not cell.protection.locked:
                cell.value = scores[number]
    wb.save(path)


def cell_of(path: Path, sheet: str, criterion: str) -> str:
    """The Điểm cell of a criterion, found through the header (independently of the layout code)."""
    ws = load_workbook(path)[sheet]
    head, c_num, c_pts = header_columns(ws)
    for r in range(head + 1, ws.max_row + 1):
        if ws.cell(r, c_num).value == criterion and not ws.cell(r, c_pts).protection.locked:
            return ws.cell(r, c_pts).coordinate
    raise KeyError(criterion)
