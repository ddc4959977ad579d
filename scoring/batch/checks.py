"""The columnar backend of the dossier checks (`scoring.checks`): whole tables, array operations.

Each function here is registered with `scoring.checks.COLUMNAR` under the codes it raises, as the
scalar backend's are in `scoring.dossier`; the batch decides from these alone whether a dossier is
valid (it never asks the single path). Masks are computed over every row or dossier at once; an
`Issue` is built only for what a mask flags, with the JSON path the single path gives
(`sheets[2].scores.6.2`: the sheet is the member's place among the dossier's rows, in table order),
worded from the same declaration (`scoring.checks.issue`). The conformance kit (`scoring.testing`)
proves the two backends agree code for code and place for place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from ..checks import COLUMNAR, MEMBER_ALLOWED, NUMBER_TYPE, issue, not_whole_points, value_invalid
from ..criteria.model import CriteriaSet, Form
from ..dossier import unknown_criterion
from ..errors import Issue

Found = dict[int, list[Issue]]  # dossier code -> its issues
FINDING_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # the dossier schema's pattern of a finding id
SET_ID = re.compile(r"^qd[0-9]+-[0-9]{4}$")
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def add(found: Found, d: int, *issues: Issue) -> None:
    found.setdefault(int(d), []).extend(issues)


# ----------------------------------------------------------------------------- per dossier (prepare)

@COLUMNAR.register("rows-agree", "rows-disagree")
def rows_disagree(found: Found, disagree: dict[str, np.ndarray], source: str) -> None:
    for col, dossiers in disagree.items():
        for d in dossiers:
            add(found, d, issue("rows-disagree", source, f"column '{col}'", None,
                                f"the same {col} on every member's row", column=col))


@COLUMNAR.register("members", "member-blank", "member-duplicate")
def members(found: Found, member_code: np.ndarray, names: np.ndarray, repeated: np.ndarray, dcode: np.ndarray,
            sheet_of_row: np.ndarray, source: str) -> None:
    """A blank member, and each repetition of a member after its first row (names as the single path
    compares them: NFC, trimmed)."""
    for r in np.flatnonzero(member_code < 0):
        add(found, dcode[r], issue("member-blank", source, f"sheets[{sheet_of_row[r]}].member", "", MEMBER_ALLOWED))
    if repeated.any():
        seen: set[tuple[int, int]] = set()
        for r in np.flatnonzero(repeated):  # rows in table order: the first of each pair is not reported
            key = (int(dcode[r]), int(member_code[r]))
            if key in seen:
                add(found, dcode[r], issue("member-duplicate", source, f"sheets[{sheet_of_row[r]}].member",
                                           names[member_code[r]], "each member once"))
            seen.add(key)


@COLUMNAR.register("cases-cell", "cases-invalid")
def cases_cells(found: Found, unreadable: np.ndarray, values: np.ndarray, source: str) -> None:
    for d in np.flatnonzero(unreadable):
        add(found, d, issue("cases-invalid", source, "cases", values[d],
                            "các cặp cách nhau bởi ';', mỗi tiêu chí một lần / pairs separated by ';', each criterion "
                            "once, e.g. 3.2=a; 8=TH1"))


Coded = dict[str, tuple[np.ndarray, np.ndarray]]  # column -> (code per dossier, -1 = empty; distinct values)


def _where(coded: Coded, col: str, test: Any) -> list[tuple[Any, np.ndarray]]:
    """(value, dossiers) for each distinct value of a column that `test` flags (judged once per value)."""
    if col not in coded:
        return []
    codes, uniques = coded[col]
    return [(u, np.flatnonzero(codes == i)) for i, u in enumerate(uniques) if test(u)]


def _empty(coded: Coded, col: str, nd: int) -> np.ndarray:
    return coded[col][0] < 0 if col in coded else np.ones(nd, dtype=bool)


@COLUMNAR.register("fields", "field-missing", "value-invalid", "date-invalid")
def fields(found: Found, coded: Coded, nd: int, source: str, kinds: tuple[str, ...], levels: tuple[str, ...],
           read: dict[str, Any]) -> dict[str, np.ndarray]:
    """Required fields, the typed values a JSON schema would refuse, and dates that do not exist
    (`read`: how a cell is read as the dossier's value, per column). Returns, per date field, the
    dossiers whose value is unusable (read as absent afterwards, as the single path reads a field
    its schema flagged)."""
    for col in ("form", "level", "evaluated_on"):
        for d in np.flatnonzero(_empty(coded, col, nd)):
            add(found, d, issue("field-missing", source, col))
    bad_dates: dict[str, np.ndarray] = {}
    for col, name in (("evaluated_on", "evaluated_on"), ("lodged_on", "lodged_on"),
                      ("previous_expires_on", "previous_certificate.expires_on")):
        bad = np.zeros(nd, dtype=bool)
        # judged once per distinct cell; only the values refused are looked up (a round has thousands of days)
        for u, ds in _where(coded, col, lambda u: _date_problem(str(read["date"](u))) is not None):
            text = str(read["date"](u))
            bad[ds] = True
            if _date_problem(text) == "value-invalid":
                for d in ds:
                    add(found, d, value_invalid(source, name, text, "text matching ^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            else:
                for d in ds:
                    add(found, d, issue("date-invalid", source, name, text, "YYYY-MM-DD"))
        bad_dates[name] = bad
    for col, allowed, reader in (("kind", kinds, read["kind"]), ("level", levels, read["level"])):
        for u, ds in _where(coded, col, lambda u: reader(u) not in allowed):
            v = reader(u)
            for d in ds:
                add(found, d, value_invalid(source, col, v, ", ".join(map(repr, allowed))))
    for u, ds in _where(coded, "criteria_set", lambda u: not SET_ID.match(str(read["text"](u)))):
        for d in ds:
            add(found, d, value_invalid(source, "criteria_set", read["text"](u), "text matching ^qd[0-9]+-[0-9]{4}$"))
    for u, ds in _where(coded, "story_exists", lambda u: not isinstance(read["story"](u), bool)):
        for d in ds:
            add(found, d, value_invalid(source, "story_exists", read["story"](u), "type boolean"))
    for u, ds in _where(coded, "previous_stars", lambda u: read["points"](u) not in (3, 4, 5)):
        for d in ds:
            add(found, d, value_invalid(source, "previous_certificate.stars", read["points"](u), "3, 4, 5"))
    # a previous certificate needs its expiry (the schema's `required`)
    has_prev = ~_empty(coded, "previous_stars", nd) | ~_empty(coded, "previous_number", nd)
    for d in np.flatnonzero(has_prev & _empty(coded, "previous_expires_on", nd)):
        add(found, d, issue("field-missing", source, "previous_certificate.expires_on"))
    return bad_dates


@COLUMNAR.register("criteria-set", "set-unknown", "set-not-applicable")
def criteria_set(found: Found, d: np.ndarray, problem: Any, source: str) -> None:
    """The dossiers `d` for which `scoring.filing.choose_set` (the single path's own function, run once
    per distinct set, day, kind and lodging day) found no set."""
    for k in d:
        add(found, k, issue(problem.code, source, problem.field, problem.value, problem.allowed,
                            message=problem.message))


@COLUMNAR.register("form", "form-unknown", "form-missing")
def form_problems(found: Found, cs: CriteriaSet, value: Any, d: np.ndarray, source: str) -> None:
    """Dossiers whose form (a slug, number, code or name) is none of the set's, or one our sources lack."""
    from ..dossier import resolve_form

    slug = resolve_form(cs, value)
    for k in d:
        if slug is None:
            add(found, k, issue("form-unknown", source, "form", value,
                                f"a slug, number, code or name from `ocop criteria list --set {cs.id}`", set=cs.id))
        else:
            add(found, k, issue("form-missing", source, "form", slug, "a form whose status is complete or partial"))


# ----------------------------------------------------------------------------- per form group

@dataclass
class GroupCells:
    """What a form group's checks read: leaf-major cells of its rows, grouped per dossier."""

    cs: CriteriaSet
    form: Form
    gd: np.ndarray           # dossier codes of the group
    present: np.ndarray      # (leaves, rows) a number was given
    pint: np.ndarray         # (leaves, rows) the points as int16, clipped (0 where absent)
    cell_bad: np.ndarray     # (leaves, rows) a number that is not one of the criterion's options
    text: np.ndarray         # (leaves, rows) a cell of text, not a number
    odd: np.ndarray          # (leaves, rows) a negative or fractional number
    values: np.ndarray       # (leaves, rows) float cells as given (NaN = empty or text)
    local: np.ndarray        # row -> position of its dossier in gd
    sheet: np.ndarray        # row -> its place among its dossier's rows (the sheet index)
    source: str


def _loc(g: GroupCells, li: int, r: int) -> str:
    return f"sheets[{g.sheet[r]}].scores.{g.form.leaves[li].number}"


def _num(v: float) -> Any:
    return int(v) if np.isfinite(v) and float(v).is_integer() else float(v)


@COLUMNAR.register("cells-any-form", "points-not-a-number", "points-not-an-option")
def cells_any_form(found: Found, columns: dict[str, np.ndarray], text_cells: dict[str, np.ndarray],
                   odd_cells: dict[str, np.ndarray], dcode: np.ndarray, sheet: np.ndarray, source: str,
                   cell: Any) -> None:
    """Cells no form can accept, whatever the dossier's form: text, negative numbers, fractions (the
    dossier schema refuses them before the form is known). `cell(column, row)`: a cell as typed."""
    for number in sorted(set(text_cells) | set(odd_cells), key=_number_key):
        for r in np.flatnonzero(text_cells[number]) if number in text_cells else ():
            add(found, dcode[r], issue("points-not-a-number", source, f"sheets[{sheet[r]}].scores.{number}",
                                       cell(number, r), NUMBER_TYPE))
        for r in np.flatnonzero(odd_cells[number]) if number in odd_cells else ():
            add(found, dcode[r], not_whole_points(source, f"sheets[{sheet[r]}].scores.{number}",
                                                  _num(columns[number][r])))


@COLUMNAR.register("cells", "points-not-an-option")
def cells(found: Found, g: GroupCells) -> np.ndarray:
    """Numbers that are not one of their criterion's options (negative numbers and fractions are
    reported for any form, `cells_any_form`). Returns every cell reported (not also "left out")."""
    bad = g.cell_bad & ~g.odd
    # a clean group (most) is told by one any(): nonzero over every cell costs several times more
    for li, r in zip(*np.nonzero(bad)) if bad.any() else ():
        leaf = g.form.leaves[li]
        v = _num(g.values[li, r])
        add(found, g.gd[g.local[r]], issue("points-not-an-option", g.source, _loc(g, li, r), v,
                                           ", ".join(map(str, leaf.points)), points=v, number=leaf.number,
                                           label=leaf.label))
    return g.text | g.cell_bad


@COLUMNAR.register("foreign", "criterion-unknown")
def foreign(found: Found, g: GroupCells, rows: np.ndarray, columns: dict[str, Any], text_cells: dict[str, Any],
            suspects: np.ndarray, reported: np.ndarray) -> None:
    """Cells in columns that are no criterion of the form (`suspects`: the group's rows with more
    cells than the form's criteria account for). A heading keyed the old way ("12" for 12.1) is
    told its new key, and its criterion is not also reported as left out."""
    if not suspects.any():
        return
    index = {leaf.number: li for li, leaf in enumerate(g.form.leaves)}
    renumbered = g.form.renumbered()
    at = np.flatnonzero(suspects)
    for number in sorted(columns, key=_number_key):
        if number in index:
            continue
        col = columns[number][rows[at]]
        txt = text_cells.get(number)
        hit = ~np.isnan(col) | (txt[rows[at]] if txt is not None else False)
        for r in at[hit]:
            v = columns[number][rows[r]]
            value = _num(v) if not np.isnan(v) else None
            add(found, g.gd[g.local[r]], unknown_criterion(g.form, g.cs, number, value,
                                                           f"sheets[{g.sheet[r]}].scores.{number}", g.source))
            if renumbered.get(number) in index:
                reported[index[renumbered[number]], r] = True


def _number_key(number: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in str(number).split("."))


@COLUMNAR.register("findings-cell", "findings-duplicate", "value-invalid")
def findings_cell(found: Found, codes: np.ndarray, lists: list[tuple[str, ...]], source: str) -> None:
    """Finding ids that are not ids, and a finding listed twice, judged per distinct cell (`lists`:
    the cell read as a list, `codes`: the cell of each dossier)."""
    for u, v in enumerate(lists):
        bad = [value_invalid(source, f"findings[{i}]", fid, "text matching ^[a-z0-9]+(-[a-z0-9]+)*$")
               for i, fid in enumerate(v) if not FINDING_ID.match(fid)]
        if len(set(v)) != len(v):
            bad.append(issue("findings-duplicate", source, "findings", None, "each finding once"))
        if bad:
            for d in np.flatnonzero(codes == u):
                add(found, d, *bad)


@COLUMNAR.register("findings", "finding-unknown", "finding-not-in-force")
def findings(found: Found, cs: CriteriaSet, gd: np.ndarray, lists: np.ndarray, has: np.ndarray, days: np.ndarray,
             source: str) -> None:
    """Findings are few: judged per dossier that has any (`has`, known from the distinct cells)."""
    requirements = cs.requirement_findings
    known = set(cs.knockouts) | set(requirements)
    since = cs.star_minimums.get("from")
    for k in np.flatnonzero(has):
        v, d = lists[k], gd[k]
        day = days[k]
        for i, fid in enumerate(v):
            if fid not in known:
                add(found, d, issue("finding-unknown", source, f"findings[{i}]", fid, ", ".join(sorted(known)),
                                    set=cs.id))
            elif fid in requirements and since and not np.isnat(day) and str(day) < since:
                add(found, d, issue("finding-not-in-force", source, f"findings[{i}]", fid,
                                    f"knock-out findings only ({', '.join(sorted(cs.knockouts))}), or an evaluation "
                                    f"date from {since}", since=since, day=str(day), set=cs.id))


@COLUMNAR.register("level", "period-none", "level-not-in-period")
def level(found: Found, cs: CriteriaSet, gd: np.ndarray, period_idx: np.ndarray, level_ok: np.ndarray,
          levels: np.ndarray, days: np.ndarray, source: str) -> None:
    """A level its period does not have (`level_ok` is False for an empty level too: only the
    dossiers it flags are looked at, one by one)."""
    for k in np.flatnonzero(~level_ok & ~np.isnat(days)):
        if not isinstance(levels[k], str):
            continue
        if period_idx[k] < 0:
            add(found, gd[k], issue("period-none", source, "evaluated_on", str(days[k]),
                                    ", ".join(f"{p.start}…{p.end or ''}" for p in cs.periods), set=cs.id))
        else:
            period = cs.periods[period_idx[k]]
            if levels[k] in ("commune", "district", "province", "central"):
                add(found, gd[k], issue("level-not-in-period", source, "level", levels[k], ", ".join(period.levels),
                                        period=period.id, set=cs.id))


@COLUMNAR.register("valid-from", "form-not-yet-valid")
def not_yet_valid(found: Found, cs: CriteriaSet, form: Form, gd: np.ndarray, days: np.ndarray, source: str
                  ) -> np.ndarray:
    """Dossiers evaluated before the form we have applies; returns them (checked no further, as the
    single path stops there)."""
    valid_from = getattr(form, "valid_from", None)
    if valid_from is None:
        return np.zeros(len(gd), dtype=bool)
    early = days < np.datetime64(valid_from)
    for k in np.flatnonzero(early):
        add(found, gd[k], issue("form-not-yet-valid", source, "evaluated_on", str(days[k]),
                                f"an evaluation date from {valid_from.isoformat()}", form=form.slug, set=cs.id,
                                valid_from=valid_from.isoformat(), day=str(days[k])))
    return early


@COLUMNAR.register("story", "criterion-not-applicable")
def story_false(found: Found, g: GroupCells, story_leaf: np.ndarray, story_false_rows: np.ndarray) -> np.ndarray:
    """Story criteria scored although the dossier says it has no story; returns the cells reported."""
    out = np.zeros_like(g.present)
    if not len(story_leaf):
        return out
    hit = g.present[story_leaf] & story_false_rows[None, :] & ~g.cell_bad[story_leaf]
    for i, r in zip(*np.nonzero(hit)):
        li = story_leaf[i]
        add(found, g.gd[g.local[r]], issue("criterion-not-applicable", g.source, _loc(g, li, r),
                                           _num(g.values[li, r]), "null", number=g.form.leaves[li].number))
        out[li, r] = True
    return out


@COLUMNAR.register("left-out", "criterion-left-out")
def left_out(found: Found, g: GroupCells, missing: np.ndarray) -> None:
    """`missing`: (leaves, rows) cells of applicable criteria left empty and reported nowhere else."""
    for li, r in zip(*np.nonzero(missing)) if missing.any() else ():
        leaf = g.form.leaves[li]
        cond = " (it applies: story_exists is true or another member scored it)" if leaf.applies_when else ""
        add(found, g.gd[g.local[r]], issue(
            "criterion-left-out", g.source, _loc(g, li, r), None,
            "one of " + ", ".join(map(str, leaf.points))
            + ("" if leaf.applies_when else "; only criteria that apply conditionally may be null"),
            number=leaf.number, label=leaf.label, cond=cond))


@COLUMNAR.register("cases", "case-criterion-none", "case-unknown", "case-points-mismatch", "case-mixed")
def cases(found: Found, g: GroupCells, ladders: list[tuple[int, np.ndarray]], bounds: np.ndarray,
          stated: np.ndarray, stated_code: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """Alternative cases (TH a / TH b), for the dossiers with no other problem (`clean`), as the single
    path checks them last: a stated case names a criterion with cases and one of its cases, and every
    member's points are options of it; unstated, the points must fit one case for all members.
    Returns the dossiers with a problem. `stated_code`: per dossier, the code of its distinct
    stated cases (-1 = none stated): the dossiers stating the same cases are judged together, one
    array pass per stated criterion, and only the cells that do not fit are looked at one by one."""
    form = g.form
    bad = np.zeros(len(g.gd), dtype=bool)
    leaf_cases = {form.leaves[li].number: (li, fits) for li, fits in ladders}
    with_cases = [form.leaves[li].number for li, _ in ladders]
    is_stated = stated_code >= 0
    # unstated: one vectorized pass per criterion with cases (kept for the stated dossiers' other criteria)
    mixed_of: dict[int, np.ndarray] = {}
    for li, fits in ladders:
        ok = fits[:, g.pint[li] + 1] | ~g.present[li]
        mixed = ~np.logical_and.reduceat(ok, bounds, axis=1).any(axis=0) if len(bounds) else np.zeros(0, bool)
        mixed_of[li] = mixed
        number = form.leaves[li].number
        for k in np.flatnonzero(mixed & clean & ~is_stated):
            add(found, g.gd[k], _mixed_issue(g, li, k, bounds, number))
            bad[k] = True
    judged = is_stated & clean
    if not judged.any():
        return bad
    for code in np.unique(stated_code[judged]):
        this = judged & (stated_code == code)
        ks = np.flatnonzero(this)
        given = stated[ks[0]]
        said: dict[int, list[Issue]] = {}  # per dossier, in the single path's order
        for number, case in given.items():
            if number not in leaf_cases:
                for k in ks:
                    said.setdefault(k, []).append(issue(
                        "case-criterion-none", g.source, f"cases.{number}", case,
                        "criteria with cases: " + (", ".join(with_cases) or "none"), number=number, form=form.slug))
                continue
            li, fits = leaf_cases[number]
            ids = [cid for cid, _ in form.leaves[li].cases]
            if case not in ids:
                for k in ks:
                    said.setdefault(k, []).append(issue(
                        "case-unknown", g.source, f"cases.{number}", case,
                        ", ".join(f"{cid} ({label})" for cid, label in form.leaves[li].cases), number=number))
                continue
            ladder = ", ".join(map(str, sorted(o.points for o in form.leaves[li].options if o.case == case)))
            off = this[g.local] & g.present[li] & ~fits[ids.index(case), g.pint[li] + 1]
            for r in np.flatnonzero(off):  # rows in order: each dossier's in its sheets' order
                p = int(g.pint[li, r])
                said.setdefault(int(g.local[r]), []).append(issue(
                    "case-points-mismatch", g.source, _loc(g, li, r), p, ladder, points=p, case=case, number=number))
        for li, _ in ladders:  # criteria whose case the dossiers do not state: inferred
            number = form.leaves[li].number
            if number in given:
                continue
            for k in ks[mixed_of[li][ks]]:
                said.setdefault(int(k), []).append(_mixed_issue(g, li, int(k), bounds, number))
        for k in sorted(said):
            if said[k]:
                add(found, g.gd[k], *said[k])
                bad[k] = True
    return bad


def _mixed_issue(g: GroupCells, li: int, k: int, bounds: np.ndarray, number: str) -> Issue:
    """Dossier k's points of criterion li fit no single case (every member's points named)."""
    leaf = g.form.leaves[li]
    rows = np.arange(bounds[k], bounds[k + 1] if k + 1 < len(bounds) else len(g.local))
    ladders = {cid: sorted({o.points for o in leaf.options if o.case == cid}) for cid, _ in leaf.cases}
    shown = "; ".join(f"{cid} ({label}): {', '.join(map(str, ladders[cid]))}" for cid, label in leaf.cases)
    given = ", ".join(f"{_loc(g, li, r)} = {int(g.pint[li, r])}" for r in rows if g.present[li, r])
    return issue("case-mixed", g.source, f"cases.{number}", None,
                 f"one case for every member, stated as cases.{number} — {shown}", number=number, given=given)


# ----------------------------------------------------------------------------- helpers

def _date_problem(text: str) -> str | None:
    """The code a date cell's text is refused with, None when it is a real YYYY-MM-DD day."""
    if not ISO_DAY.match(text):
        return "value-invalid"
    return "date-invalid" if _day(text) is None else None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
