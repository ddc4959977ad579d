"""`read_sheets`: completed member workbooks back into dossiers, one per product.

Each sheet is checked against the layout it was made with (regenerated from the criteria and the
identity recorded in the workbook), so a changed label, a moved row, an edited formula, a value
outside the criterion's options, a blank criterion, a member who returns two sheets for one
product, or sheets that disagree on the product's identity are refused with the file, the sheet
and the cell. A refused product does not stop the others (they are returned with the problems).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import load_workbook

from ..errors import DossierInvalid, Issue
from ..text import nfc
from .identity import resolve_form
from .kernel import kernel_view
from .layout import COL_SCORE, FORMAT_VERSION, LETTERS, META_SHEET, header_fields, score_formulas, sheet_rows


@dataclass
class SheetRef:
    """Where one member's points for one dossier came from."""

    member: str
    index: int
    file: str
    sheet: str
    cells: dict[str, str]  # criterion -> cell ("E23")
    identity: dict[str, Any]
    identity_row: dict[str, int]  # header field label -> row
    scores: dict[str, int | None]


@dataclass
class ReadOutcome:
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Issue] = field(default_factory=list)
    sources: dict[str, list[SheetRef]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _at(sheet: str, cell: str) -> str:
    return f"sheet '{sheet}' ô/cell {cell}"


def _same(actual: Any, expected: Any) -> bool:
    if expected is None or expected == "":
        return actual is None or (isinstance(actual, str) and not actual.strip())
    if isinstance(expected, (int, float)) and not isinstance(actual, bool) and isinstance(actual, (int, float)):
        return float(actual) == float(expected)
    return isinstance(actual, str) and nfc(actual).strip() == nfc(str(expected)).strip()


def _points(value: Any) -> tuple[int | None, bool]:
    """(points, readable) of a Điểm cell: blank is (None, True); 3, 3.0 and "3" are 3."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return value, True
    if isinstance(value, float) and value.is_integer():
        return int(value), True
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()), True
    return None, False


def workbook_paths(items: Iterable[str | Path]) -> list[Path]:
    """Workbooks named directly or found (*.xlsx, not Excel's ~$ lock files) in the directories given."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(q for q in p.glob("*.xlsx") if not q.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return out


def _read_sheet(ws, title: str, file: str, ident: dict[str, Any], member: str, mi: int,
                problems: list[Issue]) -> SheetRef | None:
    found = resolve_form(ident, file)
    if isinstance(found, Issue):
        problems.append(found)
        return None
    cs, form = found
    rows = sheet_rows(cs, form, ident, member)
    formulas = score_formulas(rows)
    before = len(problems)
    labels = [label for label, _ in header_fields(ident, member)]
    ref = SheetRef(member, mi, file, title, {}, ident, {}, {})
    missing: list[Issue] = []
    blanks = 0
    knocked = any(f in cs.knockouts for f in ident.get("findings", []) or [])
    grid = {(r, c): v for r, row in enumerate(ws.iter_rows(min_row=1, max_row=max(ws.max_row, len(rows)),
                                                             max_col=max(ws.max_column, len(LETTERS)), values_only=True),
                                                start=1)
            for c, v in enumerate(row)}
    for r, row in enumerate(rows, start=1):
        if row.kind == "field" and row.cells[0] in labels:
            ref.identity_row[row.cells[0]] = r
        for c, (letter, expected) in enumerate(zip(LETTERS, row.cells)):
            actual = grid.get((r, c))
            if letter == COL_SCORE and row.kind == "leaf":
                continue
            if letter == COL_SCORE and r in formulas:
                expected = formulas[r]
            if row.kind == "title" and c > 0:
                continue  # merged cells
            if not _same(actual, expected):
                problems.append(Issue(
                    "bố cục phiếu đã bị thay đổi / the sheet's layout was changed", file, _at(title, f"{letter}{r}"),
                    actual, repr(expected) if expected not in (None, "") else "empty (as generated)"))
        if row.kind == "leaf":
            cell = f"{COL_SCORE}{r}"
            leaf = form.leaf(row.leaf)
            ref.cells[row.leaf] = cell
            pts, readable = _points(grid.get((r, 4)))
            blanks += pts is None and readable
            allowed = ", ".join(map(str, leaf.points))
            if not readable or (pts is not None and pts not in leaf.points):
                problems.append(Issue(
                    f"điểm không thuộc các mức của tiêu chí {leaf.number} / points are not an option of criterion "
                    f"{leaf.number} ({leaf.label})", file, _at(title, cell), grid.get((r, 4)), allowed))
            elif pts is None and not (leaf.applies_when or knocked):
                missing.append(Issue(
                    f"thiếu điểm tiêu chí {leaf.number} / criterion {leaf.number} ({leaf.label}) is not scored",
                    file, _at(title, cell), None, allowed))
            else:
                ref.scores[leaf.number] = pts
    if ref.cells and blanks == len(ref.cells):  # nothing entered: one message, not one per criterion
        missing = [Issue("phiếu chưa chấm: không có điểm nào / the sheet is not filled in: no points at all", file,
                              f"sheet '{title}' ({COL_SCORE}{min(int(c[1:]) for c in ref.cells.values())}…)", None,
                              "every criterion's points in the Điểm column")]
    problems += missing
    extra = [(r, c) for (r, c), v in grid.items() if v not in (None, "") and (r > len(rows) or c >= len(LETTERS))]
    for r, c in extra[:5]:
        problems.append(Issue("ô ngoài phiếu có nội dung / a cell outside the form holds something (layout changed)",
                              file, _at(title, f"{chr(65 + c) if c < 26 else '?'}{r}"), grid[(r, c)], "empty"))
    return ref if len(problems) == before else None


def _read_workbook(path: Path, problems: list[Issue], blocked: set[str]) -> list[SheetRef]:
    """The sheets of one workbook that read cleanly; the dossiers of the others go to `blocked`
    (a product is never decided on the sheets of some of its members only)."""
    file = str(path)
    try:
        wb = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        problems.append(Issue(f"không mở được tệp XLSX / cannot open the workbook: {exc}", file, None, None,
                              "a workbook written by `ocop council sheets`"))
        return []
    if META_SHEET not in wb.sheetnames or wb[META_SHEET]["A1"].value != FORMAT_VERSION:
        problems.append(Issue("không phải phiếu do `ocop council sheets` tạo (thiếu trang _ocop) / not a council "
                              "sheet workbook (its hidden _ocop sheet is missing or changed)", file, f"sheet '{META_SHEET}'",
                              None, f"a workbook written by `ocop council sheets` ({FORMAT_VERSION})"))
        return []
    meta = wb[META_SHEET]
    member = nfc(str(meta["B1"].value or "")).strip()
    try:
        mi = int(meta["C1"].value)
    except (TypeError, ValueError):
        mi = 0
    refs: list[SheetRef] = []
    listed = set()
    for r in range(2, meta.max_row + 1):
        title, raw = meta[f"A{r}"].value, meta[f"C{r}"].value
        if title is None:
            continue
        listed.add(title)
        try:
            ident = json.loads(raw)
        except (TypeError, ValueError):
            problems.append(Issue("thông tin hồ sơ trong trang _ocop bị hỏng / the dossier record is damaged", file,
                                  f"sheet '{META_SHEET}' ô/cell C{r}", raw, "the JSON written by `ocop council sheets`"))
            continue
        if title not in wb.sheetnames:
            problems.append(Issue("thiếu trang phiếu / a scoring sheet is missing", file, f"sheet '{title}'", None,
                                  f"the sheet for dossier {ident.get('dossier_id')}"))
            continue
        ref = _read_sheet(wb[title], title, file, ident, member, mi, problems)
        if ref is not None:
            refs.append(ref)
        else:
            blocked.add(str(ident.get("dossier_id")))
    for name in wb.sheetnames:
        if name != META_SHEET and name not in listed:
            problems.append(Issue("trang không thuộc phiếu, bỏ qua / a sheet that is not a scoring sheet was ignored",
                                  file, f"sheet '{name}'", None, "only the sheets `ocop council sheets` wrote",
                                  severity="warning"))
    return refs


def _identity_diff(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _kernel_issue(issue: Issue, refs: Sequence[SheetRef]) -> Issue:
    """A kernel issue located in `sheets[i].scores.N` moved to the workbook cell it came from."""
    loc = issue.location or ""
    if loc.startswith("sheets["):
        try:
            si = int(loc[7:loc.index("]")])
            number = loc.split(".scores.", 1)[1] if ".scores." in loc else None
        except ValueError:
            return issue
        ref = refs[si]
        cell = ref.cells.get(number or "", None)
        return Issue(issue.message, ref.file, _at(ref.sheet, cell) if cell else f"sheet '{ref.sheet}'",
                     issue.value, issue.allowed, issue.severity)
    return Issue(issue.message, refs[0].file, f"sheet '{refs[0].sheet}' ({loc})" if loc else f"sheet '{refs[0].sheet}'",
                 issue.value, issue.allowed, issue.severity)


def read_sheets(paths: Iterable[str | Path]) -> ReadOutcome:
    """Read member workbooks (files or directories) into dossiers: each dossier's identity as it
    was sent out, and one sheet per member in the members' order. Every problem is returned; a
    product with an error is left out of `dossiers`."""
    from ..dossier import parse_dossier

    out = ReadOutcome()
    by_dossier: dict[str, list[SheetRef]] = {}
    blocked: set[str] = set()
    for path in workbook_paths(paths):
        for ref in _read_workbook(path, out.problems, blocked):
            by_dossier.setdefault(ref.identity["dossier_id"], []).append(ref)
    for did, refs in by_dossier.items():
        if did in blocked:
            out.problems.append(Issue(
                f"hồ sơ {did} chưa đọc được: một phiếu của hồ sơ có lỗi (xem trên) / dossier {did} is not read: one "
                f"of its sheets has an error (see above)", None, None, None, "every member's sheet without error",
                severity="error"))
            continue
        refs.sort(key=lambda r: (r.index, r.file))
        errors: list[Issue] = []
        first = refs[0]
        for i, ref in enumerate(refs[1:], start=1):
            other = next((o for o in refs[:i] if o.member == ref.member), None)
            if other is not None:
                errors.append(Issue(
                    f"thành viên {ref.member} nộp hai phiếu cho hồ sơ {did} / member {ref.member} returned two sheets "
                    f"for dossier {did} (also {other.file}, sheet '{other.sheet}')", ref.file,
                    _at(ref.sheet, f"B{ref.identity_row.get('Thành viên Hội đồng (người đánh giá)', '?')}"),
                    ref.member, "one sheet per member and dossier"))
            diff = _identity_diff(first.identity, ref.identity)
            if diff:
                errors.append(Issue(
                    f"các phiếu của hồ sơ {did} không cùng thông tin hồ sơ / the sheets of dossier {did} disagree on "
                    f"its identity ({', '.join(diff)}; compared with {first.file}, sheet '{first.sheet}')",
                    ref.file, f"sheet '{ref.sheet}' (header rows / hàng tiêu đề)",
                    {k: ref.identity.get(k) for k in diff}, json.dumps({k: first.identity.get(k) for k in diff},
                                                                        ensure_ascii=False)))
        if errors:
            out.problems += errors
            continue
        dossier = dict(first.identity)
        dossier["sheets"] = [{"member": r.member, "scores": dict(r.scores)} for r in refs]
        try:
            parse_dossier(kernel_view(dossier), file=first.file)
        except DossierInvalid as exc:
            out.problems += [_kernel_issue(i, refs) for i in exc.issues]
            continue
        out.dossiers.append(dossier)
        out.sources[did] = refs
    return out
